"""NumPy's meaning of `*`, `/`, `**` and `+` on arrays in text: entry by entry, with
scalars, columns and rows broadcast.  (`@` is the matrix product; SymPy objects keep
SymPy's meaning, where `*` of two MatrixSymbols is the matrix product.)

Broadcasting is written with the ones vector and diag, which matrix calculus and the
kernels know:

    c + M          (c a scalar)            c*ones(m, n) + M
    v + M          (v an m x 1 column)     v @ ones(1, n) + M
    r + M          (r a 1 x n row)         ones(m, 1) @ r + M
    v * M          (v an m x 1 column)     diag(v) @ M
    r * M          (r a 1 x n row)         M @ diag(r.T)
    v * r          (column times row)      v @ r            (the outer product)
    A * B          (equal shapes)          hadamard(A, B)
    A / B                                  hadamard(A, B**(-1))
    A ** p                                 each entry to the power p, for every shape (matrix_power(A, k)
                                           is the matrix power)

Every function takes SymPy values (a scalar or a matrix expression) and returns one,
or raises `Incompatible` with the two shapes, which the parser turns into a ShapeError
with the columns.
"""

import sympy
from sympy import HadamardProduct, MatrixBase, MatrixExpr, OneMatrix, Transpose
from sympy.matrices.expressions.diagonal import DiagMatrix

from ..functions import entrywise_power
from . import matrix_ops


class Incompatible(Exception):
    """Two shapes NumPy would not broadcast together."""


def is_array(value):
    return isinstance(value, (MatrixBase, MatrixExpr))


def _same(a, b):
    """Equal sizes (3 and 3, n and n, n + 1 - 1 and n)."""
    a, b = (sympy.Integer(d) if isinstance(d, int) else d for d in (a, b))
    return a == b or sympy.expand(a - b) == 0


def _kind(shape):
    """'column', 'row', 'matrix' (or 'one' for 1 x 1)."""
    rows, cols = shape
    if rows == 1 and cols == 1:
        return "one"
    if cols == 1:
        return "column"
    if rows == 1:
        return "row"
    return "matrix"


def broadcast_shape(a, b):
    """The shape of a op b under NumPy's rules, or Incompatible."""
    if not is_array(a):
        return b.shape if is_array(b) else None
    if not is_array(b):
        return a.shape
    (ra, ca), (rb, cb) = a.shape, b.shape
    rows = ra if _same(ra, rb) or rb == 1 else rb if ra == 1 else None
    cols = ca if _same(ca, cb) or cb == 1 else cb if ca == 1 else None
    if rows is None or cols is None:
        raise Incompatible(a.shape, b.shape)
    return rows, cols


def expand(value, shape):
    """`value` (a scalar, or an array that broadcasts to `shape`) written at `shape`."""
    rows, cols = shape
    if not is_array(value):
        return value * OneMatrix(rows, cols) if (rows, cols) != (1, 1) else value
    r, c = value.shape
    if _same(r, rows) and _same(c, cols):
        return value
    if r == 1 and c == 1:
        return value[0, 0] * OneMatrix(rows, cols)
    if _same(r, rows) and c == 1:  # a column across the columns
        return value * OneMatrix(1, cols)
    if r == 1 and _same(c, cols):  # a row down the rows
        return OneMatrix(rows, 1) * value
    raise Incompatible(value.shape, shape)


def add(terms):
    """The sum of scalars and arrays, broadcast."""
    arrays = [t for t in terms if is_array(t)]
    if not arrays:
        return sympy.Add(*terms)
    shape = arrays[0].shape
    for t in arrays[1:]:
        shape = broadcast_shape(placeholder(shape), t)
    if any(not is_array(t) for t in terms):  # scalars join every entry
        scalar = sympy.Add(*[t for t in terms if not is_array(t)])
        terms = [t for t in terms if is_array(t)] + ([scalar] if scalar != 0 else [])
    parts = [expand(t, shape) for t in terms]
    if all(isinstance(p, MatrixBase) for p in parts):
        return sum(parts[1:], parts[0])
    result = parts[0]
    for p in parts[1:]:
        result = matrix_ops.add(result, p)
    return result


def multiply(a, b):
    """a * b entry by entry (a scalar multiplies every entry)."""
    if not is_array(a) or not is_array(b):
        return a * b
    if a.shape == (1, 1) or b.shape == (1, 1):
        one, other = (a, b) if a.shape == (1, 1) else (b, a)
        return one[0, 0] * other if other.shape != (1, 1) else sympy.Matrix([[one[0, 0] * other[0, 0]]])
    ka, kb = _kind(a.shape), _kind(b.shape)
    if isinstance(a, MatrixBase) and isinstance(b, MatrixBase):  # explicit entries: multiply them
        shape = broadcast_shape(a, b)
        return _explicit(expand(a, shape)).multiply_elementwise(_explicit(expand(b, shape)))
    if _same(a.shape[0], b.shape[0]) and _same(a.shape[1], b.shape[1]):
        return HadamardProduct(a, b)
    if ka == "column" and kb == "row":
        return a * b  # the outer product
    if ka == "row" and kb == "column":
        return b * a
    if ka == "column" and _same(a.shape[0], b.shape[0]):  # each row of b scaled
        return DiagMatrix(a) * b
    if kb == "column" and _same(b.shape[0], a.shape[0]):
        return DiagMatrix(b) * a
    if ka == "row" and _same(a.shape[1], b.shape[1]):  # each column of b scaled
        return b * DiagMatrix(Transpose(a))
    if kb == "row" and _same(b.shape[1], a.shape[1]):
        return a * DiagMatrix(Transpose(b))
    raise Incompatible(a.shape, b.shape)


def divide(a, b):
    """a / b entry by entry."""
    if not is_array(b):
        return a * sympy.Pow(b, -1)
    return multiply(a, power(b, -1))


def power(a, p):
    """Each entry of a to the power p (a scalar p)."""
    if not is_array(a):
        return sympy.Pow(a, p)
    return entrywise_power(a, p)


def placeholder(shape):
    return sympy.ZeroMatrix(*shape) if shape is not None else 0


def _explicit(value):
    return sympy.Matrix(value.as_explicit()) if isinstance(value, MatrixExpr) else value
