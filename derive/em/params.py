"""A parameter of a mixture: its public name, its array in index notation and
its constraint.

    Param("means", "mu", (k, j), "real")           mu[k, j]       (K, d)
    Param("covariances", "Sigma", (k, j, l), "spd") Sigma[k, j, l] (K, d, d)
    Param("probs", "p", (k, c), "simplex", axis=c)  p[k, c], sum_c p[k, c] = 1

Constraints: "real", "positive", "unit" (the interval 0..1), "simplex" (sums
to one along `axis`), "spd" (symmetric positive definite).
"""

from dataclasses import dataclass

import numpy as np
from sympy import IndexedBase, Symbol

from ..errors import DeriveError
from .symbols import RANGES, TARGET_INDEX, C, K, d

CONSTRAINTS = ("real", "positive", "unit", "simplex", "spd")

# the SymPy assumptions an element of a parameter carries
_ASSUMPTIONS = {"real": {"real": True}, "positive": {"positive": True}, "unit": {"positive": True},
                "simplex": {"positive": True}, "spd": {"real": True}}



@dataclass(frozen=True)
class Param:
    """One parameter array of the components (or the weights)."""

    name: str
    symbol: str
    axes: tuple
    constraint: str = "real"
    axis: Symbol = None  # the axis that sums to one, for "simplex"
    public_axes: tuple = None  # the axes users see, when they differ (a 1-D normal's mu[k] is means (K, 1))

    def __post_init__(self):
        if self.constraint not in CONSTRAINTS:
            raise DeriveError(f"unknown constraint {self.constraint!r} for {self.name}; "
                              f"one of {', '.join(CONSTRAINTS)}")

    @property
    def base(self):
        return IndexedBase(self.symbol, **_ASSUMPTIONS[self.constraint])

    def __getitem__(self, indices):
        return self.base[indices]

    @property
    def element(self):
        """The element over the canonical axes: mu[k, j]."""
        return self.base[self.axes] if len(self.axes) > 1 else self.base[self.axes[0]]

    @property
    def target(self):
        """The element to differentiate by, over fresh free indices: mu[a, b]."""
        free = tuple(TARGET_INDEX[a] for a in self.axes)
        return self.base[free] if len(free) > 1 else self.base[free[0]]

    def shape(self, sizes, axes=None):
        """The NumPy shape, given sizes {K: 3, d: 2, C: 4}."""
        return tuple(int(sizes[RANGES[a]]) for a in (axes or self.axes))

    def public_shape(self, sizes):
        """The NumPy shape users see (`Fit.params`, `init`): scikit-learn's."""
        return self.shape(sizes, self.public_axes)

    @property
    def size_symbols(self):
        return tuple(RANGES[a] for a in self.axes)

    def check(self, value, component_axis=True):
        """A one-line reason if `value` (NumPy, this parameter's shape) breaks the constraint, else None."""
        value = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(value)):
            return "is not finite (NaN or inf)"
        if self.constraint == "positive" and np.any(value <= 0):
            return "is not positive"
        if self.constraint == "unit" and np.any((value < 0) | (value > 1)):
            return "is outside [0, 1]"
        if self.constraint == "simplex":
            if np.any(value < 0):
                return "has a negative entry"
            axis = self.axes.index(self.axis)
            if not np.allclose(value.sum(axis=axis), 1.0, rtol=0, atol=1e-8):
                return "does not sum to one"
        return None


def sizes_of(k, dim, categories=None):
    """The size symbols' values for a model."""
    return {K: k, d: dim, C: categories if categories is not None else dim}
