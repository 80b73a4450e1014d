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
    _kernels.py      the fused E-step + statistics kernel, generated (_blocks, _program)
    _base.py         the EM loop shared by every model; _dask.py the same loop as map-reduce
    _warm.py         compiles the kernel before the first iteration (here and on Dask workers), timed
    _results.py      Updates and Fit; _explain.py and _plot.py say and draw them
    _init.py         k-means++ initialisation; _cli.py the `derive em` subcommand
"""

from .families import mixture
from .families.custom import custom
from ._derive import derive_updates
from .model import Model
from ._priors import Beta, Dirichlet, Gamma, NormalInverseWishart
from ._results import Fit, Updates

__all__ = ["Beta", "Dirichlet", "Fit", "Gamma", "Model", "NormalInverseWishart", "Updates", "custom",
           "derive_updates", "mixture"]
