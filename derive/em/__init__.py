"""EM for mixtures, derived rather than hand-written (see docs/em.md)."""

from ._model import Model, mixture
from ._priors import Beta, Dirichlet, Gamma, NormalInverseWishart

__all__ = ["Beta", "Dirichlet", "Gamma", "Model", "NormalInverseWishart", "mixture"]
from ._derive import derive_updates
from ._results import Updates

__all__ += ["Updates", "derive_updates"]
from ._results import Fit

__all__ += ["Fit"]
from ._custom import custom

__all__ += ["custom"]
