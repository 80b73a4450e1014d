"""Conjugate priors for MAP-EM: each adds its log density to J(theta).

The lecture: log p(theta | x) = log p(x | theta) + log p(theta) - log p(x), so
the M-step maximizes J(theta) + log p(theta) and EM climbs the log posterior.

    Dirichlet(alpha)                  weights, categorical probs (on the simplex)
    Gamma(shape, rate)                positive parameters (Poisson / exponential rates, custom)
    Beta(a, b)                        parameters in (0, 1) (Bernoulli probs, custom)
    NormalInverseWishart(mean, kappa, dof, scale)   normal means and covariances together

Each prior writes its log density (normalizing constants included, so the
recorded log posterior is a true one) in index notation over the parameter's
axes; hyperparameters appear as symbols (alpha, alpha0, beta0, a0, b0, m0,
kappa0, nu0, Psi0) whose values the prior keeps.
"""

import numpy as np
import sympy
from sympy import IndexedBase, Symbol, log, loggamma

from ..errors import DeriveError
from .symbols import RANGES, total


def _positive(value, what):
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DeriveError(f"{what} must be a positive number, got {value!r}") from None
    if array.ndim != 0 or not np.isfinite(array) or array <= 0:
        raise DeriveError(f"{what} must be one positive number, got {value!r}")
    return float(array)


def exact(value):
    """A float hyperparameter as an exact number for the symbolic side (2.0 -> 2, 0.5 -> 1/2)."""
    return sympy.nsimplify(value, rational=True) if float(value).is_integer() or abs(value) < 1e6 else sympy.Float(value)


class Prior:
    """Base class: `applies_to` lists the constraints it fits; `values` maps hyperparameter symbols to numbers."""

    applies_to = ()
    name = "prior"

    def values(self, param):
        return {}

    def log_density(self, param, model):
        raise NotImplementedError

    def to_dict(self):
        return {"prior": type(self).__name__, **{key: _jsonable(v) for key, v in self._hyper().items()}}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._hyper().items())})"

    def _hyper(self):
        return {}


def _jsonable(v):
    return np.asarray(v).tolist() if isinstance(v, np.ndarray) else v


class Dirichlet(Prior):
    """Dirichlet(alpha) on weights (or categorical probs): sum_k (alpha - 1) log w[k] + const.

    alpha > 1 pulls every weight away from 0, which is what stops a component
    from collapsing (see examples/em_map_dirichlet.py).

    >>> from derive import em
    >>> em.Dirichlet(2.0)
    Dirichlet(alpha=2.0)
    """

    applies_to = ("simplex",)
    name = "Dirichlet"

    def __init__(self, alpha=1.0):
        self.alpha = _positive(alpha, "Dirichlet alpha")

    def _hyper(self):
        return {"alpha": self.alpha}

    @staticmethod
    def symbol(param):
        return Symbol("alpha" if param.name == "weights" else f"alpha_{param.symbol}", positive=True)

    def values(self, param):
        return {self.symbol(param): self.alpha}

    def log_density(self, param, model):
        a, s = self.symbol(param), param.axis
        size = RANGES[s]
        per_simplex = total((a - 1) * log(param.element), s) + loggamma(size * a) - size * loggamma(a)
        return total(per_simplex, *[ax for ax in param.axes if ax != s])


class _TwoNumbers(Prior):
    """A prior with two hyperparameters (in `_hyper`'s order), a_<symbol> and b_<symbol> in J."""

    @staticmethod
    def symbols(param):
        return Symbol(f"a_{param.symbol}", positive=True), Symbol(f"b_{param.symbol}", positive=True)

    def values(self, param):
        return dict(zip(self.symbols(param), self._hyper().values()))


class Gamma(_TwoNumbers):
    """Gamma(shape, rate) on a positive parameter u: (shape - 1) log u - rate u + const.

    >>> from derive import em
    >>> em.Gamma(2.0, 1.0)
    Gamma(shape=2.0, rate=1.0)
    """

    applies_to = ("positive",)
    name = "Gamma"

    def __init__(self, shape, rate):
        self.shape = _positive(shape, "Gamma shape")
        self.rate = _positive(rate, "Gamma rate")

    def _hyper(self):
        return {"shape": self.shape, "rate": self.rate}

    def log_density(self, param, model):
        (a, b), u = self.symbols(param), param.element
        return total(a * log(b) - loggamma(a) + (a - 1) * log(u) - b * u, *param.axes)


class Beta(_TwoNumbers):
    """Beta(a, b) on a parameter u in (0, 1): (a - 1) log u + (b - 1) log(1 - u) + const.

    >>> from derive import em
    >>> em.Beta(2.0, 2.0)
    Beta(a=2.0, b=2.0)
    """

    applies_to = ("unit",)
    name = "Beta"

    def __init__(self, a, b):
        self.a = _positive(a, "Beta a")
        self.b = _positive(b, "Beta b")

    def _hyper(self):
        return {"a": self.a, "b": self.b}

    def log_density(self, param, model):
        (a, b), u = self.symbols(param), param.element
        body = (a - 1) * log(u) + (b - 1) * log(1 - u) + loggamma(a + b) - loggamma(a) - loggamma(b)
        return total(body, *param.axes)


class NormalInverseWishart(Prior):
    """Normal-inverse-Wishart on a normal component's mean and covariance:

        mu_k | Sigma_k ~ N(mean, Sigma_k / kappa),   Sigma_k ~ IW(scale, dof)

    ``mean`` is a number or a d-vector, ``scale`` a number (times the identity)
    or a d x d SPD matrix, ``dof`` > d - 1.  With cov="diag" each coordinate
    has its own normal-inverse-gamma (IW in one dimension: InvGamma(dof/2,
    scale/2)); with cov="spherical" the variance is InvGamma(dof d/2, d scale/2).
    The MAP covariance is (scatter + kappa (mu - mean)(mu - mean)^T + scale) /
    (N_k + dof + d + 2): never singular, since `scale` is positive definite.

    >>> from derive import em
    >>> em.NormalInverseWishart(mean=0.0, kappa=0.01, dof=3.0, scale=1.0)
    NormalInverseWishart(mean=0.0, kappa=0.01, dof=3.0, scale=1.0)
    """

    applies_to = ("normal",)
    name = "NormalInverseWishart"
    mean_base = IndexedBase("m0", real=True)
    kappa_symbol = Symbol("kappa0", positive=True)
    dof_symbol = Symbol("nu0", positive=True)
    scale_base = IndexedBase("Psi0", real=True)
    scale_symbol = Symbol("psi0", positive=True)

    def __init__(self, mean=0.0, kappa=1.0, dof=None, scale=1.0):
        self.mean = np.asarray(mean, dtype=float)
        self.kappa = _positive(kappa, "NormalInverseWishart kappa")
        self.dof = None if dof is None else _positive(dof, "NormalInverseWishart dof")
        self.scale = np.asarray(scale, dtype=float)
        if not np.all(np.isfinite(self.mean)) or self.mean.ndim > 1:
            raise DeriveError("NormalInverseWishart mean must be a number or a vector")
        if self.scale.ndim == 0:
            _positive(float(self.scale), "NormalInverseWishart scale")
        elif self.scale.ndim != 2 or not np.all(np.isfinite(self.scale)):
            raise DeriveError("NormalInverseWishart scale must be a positive number or a d x d SPD matrix")

    def _hyper(self):
        return {"mean": self.mean.tolist() if self.mean.ndim else float(self.mean), "kappa": self.kappa,
                "dof": self.dof, "scale": self.scale.tolist() if self.scale.ndim else float(self.scale)}

    def resolved(self, dim):
        """(mean (d,), kappa, dof, scale (d, d)) with defaults and shapes checked."""
        mean = np.broadcast_to(self.mean, (dim,)).astype(float) if self.mean.ndim == 0 else self.mean
        if mean.shape != (dim,):
            raise DeriveError(f"NormalInverseWishart mean has {mean.shape[0]} entries; the data has {dim} coordinates")
        scale = self.scale * np.eye(dim) if self.scale.ndim == 0 else self.scale
        if scale.shape != (dim, dim):
            raise DeriveError(f"NormalInverseWishart scale is {scale.shape[0]} x {scale.shape[1]}; "
                              f"the data has {dim} coordinates")
        if not np.allclose(scale, scale.T) or np.any(np.linalg.eigvalsh(scale) <= 0):
            raise DeriveError("NormalInverseWishart scale must be symmetric positive definite")
        dof = float(dim + 2) if self.dof is None else self.dof
        if dof <= dim - 1:
            raise DeriveError(f"NormalInverseWishart dof must exceed d - 1 = {dim - 1}, got {dof}")
        return mean, self.kappa, dof, scale


def attach(prior_spec, model_params, family_name):
    """{param name: Prior} from the user's dict, checked against the model's parameters."""
    if prior_spec is None:
        return {}
    if not isinstance(prior_spec, dict):
        raise DeriveError("prior must be a dict: parameter name -> em.Dirichlet(...), em.Gamma(...), ...")
    by_name = {p.name: p for p in model_params}
    attached = {}
    for name, prior in prior_spec.items():
        if not isinstance(prior, Prior):
            raise DeriveError(f"prior for {name!r} must be em.Dirichlet, em.Gamma, em.Beta or "
                              f"em.NormalInverseWishart, got {type(prior).__name__}")
        if isinstance(prior, NormalInverseWishart):
            if family_name != "normal" or name not in ("means", "covariances"):
                raise DeriveError("em.NormalInverseWishart is a prior on a normal mixture's 'means' and "
                                  "'covariances' (give it for either name)")
            attached["means"] = attached["covariances"] = prior
            continue
        if name not in by_name:
            raise DeriveError(f"prior for unknown parameter {name!r}; this model has "
                              f"{', '.join(sorted(by_name))}")
        param = by_name[name]
        if param.constraint not in prior.applies_to:
            raise DeriveError(f"{prior.name} is a prior for {' or '.join(prior.applies_to)} parameters; "
                              f"{name} is {param.constraint}")
        attached[name] = prior
    return attached
