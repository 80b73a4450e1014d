"""Pending differentials: d(E) for a matrix expression or a scalar, not yet expanded.

In a matrix derivation, d(A*x) is a node of the expression until the product
rule rewrites it into A*dx; dX itself (the differential of the variable) is
a plain `MatrixSymbol` named "dX".  They print as d(...) and, numerically,
are directional derivatives (verify.MatrixEvaluator).
"""

import sympy
from sympy import Basic, MatrixExpr, MatrixSymbol


class _Pending:
    """What both kinds of pending differential share: they stay as they are, and print as d(...)."""

    def __new__(cls, arg):
        return Basic.__new__(cls, arg)

    def doit(self, **hints):
        return self

    def _latex(self, printer):
        return rf"\mathrm{{d}}\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        return f"d({printer._print(self.args[0])})"


class MatrixDifferential(_Pending, MatrixExpr):
    """d(E) for a matrix expression E (same shape as E), still to be expanded."""

    @property
    def shape(self):
        return self.args[0].shape


class ScalarDifferential(_Pending, sympy.Expr):
    """d(s) for a scalar s built from matrices (det(X), log(det(X)), ...), still to be expanded."""

    is_commutative = True


PENDING = (MatrixDifferential, ScalarDifferential)


def variable_differential(X, taken=()):
    """dX: a matrix symbol of X's shape named d + X's name (d_X if that name is taken)."""
    name = f"d{X.name}"
    if name in taken:
        name = f"d_{X.name}"
    return MatrixSymbol(name, *X.shape)


__all__ = ["MatrixDifferential", "PENDING", "ScalarDifferential", "variable_differential"]
