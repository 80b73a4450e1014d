"""I and \\mathbf{1} written without a size, sized by the term beside them (semantics.py calls these).

    \\lambda I w, w^T \\lambda I       \\lambda I beside a vector or matrix in a product: \\lambda times
                                     the identity of its size (the builder's identity rule sizes I
                                     in a sum: \\lambda I + \\Phi^T\\Phi)
    \\frac{2}{n}\\mathbf{1}^T v         \\mathbf{1}^T after a scalar, before a column: the ones row of
                                     the column's length
    X\\theta + b\\mathbf{1} - y         \\mathbf{1} beside a scalar, or alone, in a sum with a column: the
                                     ones vector of the column's length, which is NumPy's broadcast
                                     of b in X@theta + b - y

A \\mathbf{1} nothing sizes stays the error it was: while the formula is built it is a scalar
marker; the sum's broadcast writes it as marker*ones(n, 1), a product as c*marker beside the
column, and `settle_ones` keeps it only there.
"""

import sympy
from sympy import Identity, MatMul, OneMatrix

from ..arrays.shapes import shape_of

ONES_MESSAGE = ("\\mathbf{1} takes its size from a matrix or vector beside it or a vector it is added to; "
                "write its size here (\\mathbf{1}_n)")


def sized_beside(builder, value, other, on_left):
    """`value` beside the array `other` in a product: c*I (I the undeclared identity) is c times
    the identity of `other`'s size; c times a pending \\mathbf{1}^T before `other` is c times the
    ones row of its length; any other value as it is."""
    if builder._is_matrix(value) or not builder._is_matrix(other):
        return value
    rows, cols = shape_of(other)
    identity, row = builder._identity_symbol(), builder.__dict__.get("_ones_row_marker")
    if identity is not None and _factor_of(value, identity) is not None:
        return _factor_of(value, identity) * Identity(rows if on_left else cols)
    if row is not None and on_left and _factor_of(value, row) is not None:
        return _factor_of(value, row) * OneMatrix(1, rows)
    return value


def _factor_of(value, marker):
    """c when `value` is c*marker (the marker once, as a factor), else None."""
    if not value.has(marker):
        return None
    coeff = sympy.expand(value).coeff(marker)
    if coeff.has(marker) or sympy.expand(value - coeff * marker) != 0:
        return None  # the marker other than as a factor: the shape checks say what clashes
    return coeff


def ones_of_a_sum(builder, node):
    """The marker for a \\mathbf{1} only a sum can size (one per formula; the first node is kept
    for the error)."""
    return _marker(builder, "_ones", node)


def ones_row_of_a_product(builder, node):
    """The marker for a \\mathbf{1}^T after a scalar, sized by the column after it."""
    return _marker(builder, "_ones_row", node)


def _marker(builder, key, node):
    state = builder.__dict__
    if key + "_marker" not in state:
        state[key + "_marker"], state[key + "_node"] = sympy.Dummy(key.strip("_"), real=True), node
    return state[key + "_marker"]


def settle_ones(builder, value):
    """The ones marker is 1 where a sum broadcast it to a vector (b*ones(n, 1), or b*ones(1, n) in a
    sum transposed); anywhere else (a scalar, a whole matrix of ones) the \\mathbf{1} had no size: a ParseError at its column (and so for \\mathbf{1}^T no column sized)."""
    if not isinstance(value, sympy.Basic):
        return value
    row = builder.__dict__.get("_ones_row_marker")
    if row is not None and value.has(row):
        raise builder.error(builder.__dict__["_ones_row_node"], ONES_MESSAGE)
    marker = builder.__dict__.get("_ones_marker")
    if marker is None or not value.has(marker):
        return value
    value = value.replace(lambda e: isinstance(e, MatMul) and e.has(marker) and any(
        isinstance(a, OneMatrix) and 1 in a.shape for a in e.args),  # a column, or a row once transposed
        lambda e: e.xreplace({marker: sympy.Integer(1)}))
    if value.has(marker):
        raise builder.error(builder.__dict__["_ones_node"], ONES_MESSAGE)
    return value
