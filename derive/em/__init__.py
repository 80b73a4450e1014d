"""em: EM for mixtures, derived rather than hand-written (see docs/em.md).

May import: derive.optimize (kkt, for the simplex constraint), derive.derivation
(grad, for log det and the inverse) and everything below them; codegen.

The layout follows scikit-learn's sklearn/mixture/:

    _model.py        Model, mixture() and the family registry (FAMILIES, @register)
    _normal.py       the normal family (full, diag, spherical)      } one module per family;
    _discrete.py     bernoulli and categorical                      } a new family is a builder
    _rates.py        poisson and exponential                        } decorated @register("name")
    _custom.py       em.custom: any component log density
    _priors.py       Dirichlet, Gamma, Beta, NormalInverseWishart (MAP-EM)
    _derive.py       derive_updates: J(theta), the E-step, the M-step   (_closed_form, _gem,
                     _separate, _validate: stationarity, generalized EM, statistics, checks)
    _kernels.py      the fused E-step + statistics kernel, generated (_blocks, _program)
    _base.py         the EM loop shared by every model; _dask.py the same loop as map-reduce
    _warm.py         compiles the kernel before the first iteration (here and on Dask workers), timed
    _results.py      Updates and Fit; _explain.py and _plot.py say and draw them
    _init.py         k-means++ initialisation; _cli.py the `derive em` subcommand
"""

from ._custom import custom
from ._derive import derive_updates
from ._model import Model, mixture
from ._priors import Beta, Dirichlet, Gamma, NormalInverseWishart
from ._results import Fit, Updates

__all__ = ["Beta", "Dirichlet", "Fit", "Gamma", "Model", "NormalInverseWishart", "Updates", "custom",
           "derive_updates", "mixture"]
