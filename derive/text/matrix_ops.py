"""Matrix products and sums built one level at a time.

SymPy's `A * B` and `A + B` on matrix expressions canonicalize the whole tree below them again
(`MatMul(A, B).doit()` is deep), so building a formula operator by operator costs the square of
its size; the parser's operands are canonical already, so one level is enough (a 2 kB formula:
3x faster).  Explicit matrices multiply out as before.
"""

from sympy import MatAdd, MatMul, MatrixBase


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
