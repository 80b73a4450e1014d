"""A mixture model: K components of one family, and its log density in index notation.

    p(x_i) = sum_k w[k] p(x_i | theta_k),   log p(x_i, z_i = k) = log w[k] + ell(x_i; theta_k)

`Model` holds what the derivation and the kernels need: the component log
density ell(i, k) in index notation, the parameters (`Param`) with their
constraints, the data kind, the priors.  The families build it
(derive.em.families, one module each); `em.mixture` dispatches through their
table, `families.FAMILIES`.  This module knows no family.
"""

from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy import log

from ..errors import DeriveError
from ..text.printing import latex, to_text
from .params import Param, sizes_of
from .symbols import i, k, over_rows, r, total

WEIGHTS = Param("weights", "w", (k,), "simplex", axis=k)

DATA_KINDS = {
    "real": "real numbers",
    "binary": "0 or 1",
    "codes": "integer codes 0..C-1",
    "counts": "non-negative integers",
    "nonnegative": "non-negative numbers",
    "positive": "positive numbers",
}

MAX_COMPONENTS = 1000
MAX_DIM = 200


@dataclass
class Model:
    """A K-component mixture of one family; build it with `em.mixture` or `em.custom`.

    Attributes: ``family``, ``k``, ``dim`` (coordinates of x, or categories),
    ``cov`` (normal only), ``params`` (the component parameters, `Param`),
    ``weights``, ``log_density`` (ell(x[i], theta[k]) in index notation),
    ``data`` (kind of data: "real", "binary", "codes", "counts",
    "nonnegative"), ``vector`` (x[i, j] rather than x[i]), ``prior``
    ({parameter name: prior}).
    """

    family: str
    k: int
    dim: int
    params: tuple
    log_density: sympy.Expr
    data: str = "real"
    vector: bool = True
    cov: str = None
    prior: dict = field(default_factory=dict)
    log_prior: sympy.Expr = sympy.S.Zero
    hyper: dict = field(default_factory=dict)  # hyperparameter symbol/base -> value
    location: str = None  # the parameter that moves with a shift of the data (normal means)
    kernel_form: object = None  # optional: a cheaper, checked form of ell for the E-step kernel
    matrix_route: object = None  # optional: derive these parameters in matrix notation
    numeric_log_prior: object = None  # optional: log p(theta) from NumPy parameters (where SymPy cannot instantiate it)
    source: str = ""  # the user's text, for custom models
    categories: int = None

    weights = WEIGHTS

    @property
    def all_params(self):
        return (WEIGHTS,) + tuple(self.params)

    @property
    def sizes(self):
        return sizes_of(self.k, self.dim if self.data != "codes" else 1, self.categories)

    @property
    def log_joint(self):
        """log p(x_i, z_i = k | theta) = log w[k] + ell(i, k)."""
        return log(WEIGHTS.element) + self.log_density

    @property
    def objective(self):
        """J(theta) = sum_i sum_k r[i, k] (log w[k] + ell(i, k)) + log p(theta)."""
        return total(over_rows(r[i, k] * self.log_joint), k) + self.log_prior

    def param(self, name):
        for p in self.all_params:
            if p.name == name:
                return p
        raise DeriveError(f"no parameter {name!r}; this model has {', '.join(p.name for p in self.all_params)}")

    def shapes(self):
        """{public name: NumPy shape} (the shapes of `Fit.params` and of `init`)."""
        return {p.name: p.public_shape(self.sizes) for p in self.all_params}

    def public(self, params):
        """Parameter arrays in the public shapes (1-D rates (K,)), from the internal ones ((K, 1))."""
        shapes = self.shapes()
        return {name: np.reshape(v, shapes[name]) if name in shapes else v for name, v in params.items()}

    def internal(self, params):
        """Parameter arrays in the shapes the kernels and M-steps use, from the public ones."""
        shapes = {p.name: p.shape(self.sizes) for p in self.all_params}
        return {name: np.reshape(v, shapes[name]) if name in shapes else v for name, v in params.items()}

    def describe(self):
        head = {"normal": f"normal ({self.cov} covariance)"}.get(self.family, self.family)
        what = f"{self.k}-component {head} mixture"
        if self.family == "categorical":
            what += f" over {self.categories} categories"
        elif self.vector or self.family != "custom":  # a 1-D family reads x[i], like custom models
            what += f" in {self.dim} dimension{'s' if self.dim != 1 else ''}"
        if self.prior:
            priors = dict.fromkeys(f"{type(p).__name__} on {name}" for name, p in self.prior.items())
            what += " with priors " + ", ".join(priors)
        return what

    def __str__(self):
        return f"{self.describe()}: ell = {to_text(self.log_density)}"

    def _repr_latex_(self):
        return (r"$\text{" + self.describe() + r"}:\quad \ell(i, k) = " + latex(self.log_density) + "$")

    def to_dict(self):
        return {"family": self.family, "k": self.k, "dim": self.dim, "cov": self.cov, "data": self.data,
                "params": {p.name: {"symbol": p.symbol, "shape": list(p.public_shape(self.sizes)),
                                    "constraint": p.constraint} for p in self.all_params},
                "log_density": to_text(self.log_density),
                "prior": {name: p.to_dict() for name, p in self.prior.items()}}

    # -- data ---------------------------------------------------------------
    def check_data(self, X):
        """X as a float array (N, d) (or (N,) codes), or a one-line DeriveError."""
        return check_data(self, X)


def check_sizes(k, dim):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_COMPONENTS:
        raise DeriveError(f"k must be a whole number of components 1..{MAX_COMPONENTS}, got {k!r}")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not 1 <= dim <= MAX_DIM:
        raise DeriveError(f"dim must be a whole number 1..{MAX_DIM}, got {dim!r}")
    return int(k), int(dim)


MAX_MAGNITUDE = 1e100  # its square, 1e200, summed over any realistic number of rows stays finite


def check_data(model, X):
    """Validate data for `model`: shape, finiteness, kind; NumPy arrays come back as float64."""
    lazy = hasattr(X, "dask") or type(X).__module__.startswith("dask")
    if not lazy:
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            raise DeriveError("the data must be numbers (a 2-D array, one row per observation)") from None
    width = model.dim if model.vector else 1
    if X.ndim == 1 and (width == 1):
        X = X.reshape(-1, 1) if not lazy else X.reshape((X.shape[0], 1))
    if X.ndim != 2:
        raise DeriveError(f"the data must be a 2-D array (rows x {width} columns), got {X.ndim} dimensions")
    if X.shape[1] != width:
        raise DeriveError(f"the data has {X.shape[1]} columns; the model expects {width}"
                          + (" (integer codes in one column)" if model.data == "codes" else ""))
    rows = X.shape[0]
    if rows is not None and rows < model.k:
        raise DeriveError(f"{rows} row{'s' if rows != 1 else ''} of data for k = {model.k} components; EM needs "
                          "at least one row per component")
    if not lazy:
        _check_values(model, X)
    return X


def _where(row, col):
    """A data entry for people and for Python: 'row 2, column 1 of the data, X[1, 0]'."""
    return f"row {row + 1}, column {col + 1} of the data, X[{row}, {col}]"


def _check_values(model, X):
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DeriveError(f"the data has a NaN or infinite value ({_where(row, col)})")
    big = np.abs(X) > MAX_MAGNITUDE
    if big.any():  # the statistics sum squares of the data: they would overflow to inf
        row, col = np.argwhere(big)[0]
        raise DeriveError(f"the data has a value of {X[row, col]:.3g} ({_where(row, col)}): sums of squares "
                          f"of values beyond {MAX_MAGNITUDE:.0e} overflow float64; rescale the data")
    kind = model.data
    if kind == "binary":
        wrong = (X != 0) & (X != 1)
    elif kind == "codes":
        wrong = (X != np.round(X)) | (X < 0) | (X >= model.categories)
    elif kind == "counts":
        wrong = (X != np.round(X)) | (X < 0)
    elif kind == "nonnegative":
        wrong = X < 0
    elif kind == "positive":
        wrong = X <= 0
    else:
        return
    if wrong.any():
        row, col = np.argwhere(wrong)[0]
        raise DeriveError(f"the {model.family} model needs {DATA_KINDS[kind].replace('C-1', str((model.categories or 1) - 1))}; "
                          f"{_where(row, col)} is {float(X[row, col])!r}")


def generic_log_prior(params, prior):
    """Sum of the log densities of the priors on `params` (weights included), and their values."""
    term, values = sympy.S.Zero, {}
    for p in (WEIGHTS,) + tuple(params):
        pr = prior.get(p.name)
        if pr is not None:
            term += pr.log_density(p, None)
            values.update(pr.values(p))
    return term, values


__all__ = ["WEIGHTS", "Model", "check_data", "check_sizes", "generic_log_prior"]
