"""em: EM for mixtures, derived rather than hand-written (see docs/em.md).

May import: derive.optimize (kkt, for the simplex constraint), derive.derivation
(grad, for log det and the inverse) and everything below them; codegen.

The layout follows scikit-learn's sklearn/mixture/:

    model.py         Model: the components' log density, parameters, data kind, priors
    families/        one module per family (normal, discrete, rates, custom) and
                     FAMILIES, the table mixture() reads: a new family is a builder and a row
    _priors.py       Dirichlet, Gamma, Beta, NormalInverseWishart (MAP-EM)
    _derive.py       derive_updates: J(theta), the E-step, the M-step   (_closed_form, _gem,
                     _separate, _validate: stationarity, generalized EM, statistics, checks)
    updates.py       Updates (what derive_updates returns) and derive_updates
    fitting/         the EM loop and its backends (NumPy/Numba, Dask), seeding, warm-up,
                     the generated kernels, and Fit; presentation/ explains and plots;
    _cli.py          the `derive em` subcommand (called by derive/cli.py)
"""

from .families import mixture
from .families.custom import custom
from .model import Model
from ._priors import Beta, Dirichlet, Gamma, NormalInverseWishart
from .fitting.result import Fit
from .updates import Updates, derive_updates

__all__ = ["Beta", "Dirichlet", "Fit", "Gamma", "Model", "NormalInverseWishart", "Updates", "custom",
           "derive_updates", "mixture"]
