"""Matrix products and sums built one level at a time.

SymPy's `A * B` and `A + B` on matrix expressions canonicalize the whole tree below them again
(`MatMul(A, B).doit()` is deep), so building a formula operator by operator costs the square of
its size; the parser's operands are canonical already, so one level is enough (a 2 kB formula:
3x faster).  Explicit matrices multiply out as before.
"""

import sympy
from sympy import MatAdd, MatMul, MatrixBase, MatrixExpr


def mul(a, b):
    """a @ b (or a scalar times an array), canonical at the top level."""
    if isinstance(a, MatrixBase) or isinstance(b, MatrixBase):
        return a * b
    return MatMul(a, b).doit(deep=False)


def add(a, b):
    """a + b of two arrays of one shape, canonical at the top level."""
    if isinstance(a, MatrixBase) and isinstance(b, MatrixBase):
        return a + b
    return MatAdd(a, b).doit(deep=False)


def as_scalar_if_1x1(value):
    """x.T @ W @ x is a number: keep it as the trace of the 1 x 1 product, a scalar
    SymPy can add to other scalars (its matrix element would be a Sum)."""
    if isinstance(value, MatrixExpr) and not isinstance(value, MatrixBase) and value.shape == (1, 1):
        return sympy.Trace(value)
    if isinstance(value, MatrixBase) and value.shape == (1, 1):
        return value[0, 0]
    return value
