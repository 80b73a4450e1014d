"""em: EM for mixtures, derived rather than hand-written (see docs/em.md).

May import: derive.optimize (kkt, for the simplex constraint), derive.derivation
(grad, for log det and the inverse) and everything below them; codegen.

From a model to a fit, each room importing only the ones above it in this list:

    symbols.py       the shared index notation: i, k, j, l, c; N, K, d, C; x, r, w; logdet, Lambda
    params.py        Param: a parameter array, its axes and its constraint
    priors.py        Dirichlet, Gamma, Beta, NormalInverseWishart (MAP-EM)
    model.py         Model: the components' log density, parameters, data kind, priors; data checks
    derivation/      the E-step and the M-step derived (closed forms, Lagrange, generalized EM), validated
    families/        one module per family (normal, discrete, rates, custom) and FAMILIES,
                     the table mixture() reads: a new family is a builder and a row
    presentation/    the derivation explained, the fit plotted
    fitting/         the EM loop, its backends (NumPy/Numba, Dask), seeding, warm-up, the generated
                     kernels; Fit, the result
    updates.py       Updates and derive_updates: the derivation, which fit() hands to the loop
    _cli.py          the `derive em` subcommand (called by derive/cli.py)
"""

from .families import mixture
from .families.custom import custom
from .fitting.result import Fit
from .model import Model
from .priors import Beta, Dirichlet, Gamma, NormalInverseWishart
from .updates import Updates, derive_updates

__all__ = ["Beta", "Dirichlet", "Fit", "Gamma", "Model", "NormalInverseWishart", "Updates", "custom",
           "derive_updates", "mixture"]
