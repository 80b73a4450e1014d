"""Shapes in words ("m x 1"), and the parser's shape checks: a sum of a
vector and a scalar, or a product whose inner sizes differ, is a
`ShapeError` that names both operands and the column."""

import ast

import sympy
from sympy import MatrixBase, MatrixExpr

from ...errors import ShapeError


def shape_of(value):
    """None for a scalar, (rows, cols) for a matrix or vector."""
    if isinstance(value, (MatrixBase, MatrixExpr)):
        return tuple(value.shape)
    return None


def _dim_text(d):
    return str(d).replace(" ", "")


def shape_words(shape):
    """'a scalar', 'an n-vector (n x 1)', 'a 1 x n row', 'an m x n matrix'."""
    if shape is None:
        return "a scalar"
    rows, cols = (_dim_text(d) for d in shape)
    if rows == cols == "1":
        return "1 x 1"
    if cols == "1":
        return f"{rows} x 1"
    if rows == "1":
        return f"1 x {cols}"
    return f"{rows} x {cols}"


def _same_dims(a, b):
    return all(_as_sympy(x) == _as_sympy(y) for x, y in zip(a, b))


def is_square(shape):
    """True when the two sizes are the same expression (3 x 3, n x n); N x 1 and N x d are
    not square (a vector, and sizes declared with different names)."""
    rows, cols = (_as_sympy(d) for d in shape)
    return sympy.expand(rows - cols) == 0


def _as_sympy(value):
    return value if isinstance(value, sympy.Basic) else sympy.Integer(value)


def _shape_message(exc):
    text = str(exc)
    return f"shapes do not fit: {text}" if text else "shapes do not fit"


class ShapesMixin:
    """The builder's shape checks, in words."""

    # -- shapes, in words --------------------------------------------------
    def _segment(self, node):
        """The text of `node` as the user wrote it (x^T and x', not the x**T and x.T Python read)."""
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        colmap = getattr(self, "colmap", None)
        if start is None or end is None or colmap is None or getattr(node, "lineno", 1) != getattr(node, "end_lineno", 1):
            text = ast.get_source_segment(self.source, node) or "this term"
        else:
            first = colmap[min(self._char_offset(start), len(colmap) - 1)]
            last = colmap[min(max(self._char_offset(end) - 1, 0), len(colmap) - 1)]
            text = self.original[first:last + 1] or "this term"
        return " ".join(text.split())

    def _check_sum_shapes(self, node, operands):
        shapes = [(o, shape_of(v)) for o, v in operands]
        if all(s is None for _, s in shapes):
            return
        first_node, first = next((o, s) for o, s in shapes if s is not None)
        for o, s in shapes:
            if s is None or not _same_dims(s, first):
                what = "a scalar" if s is None else shape_words(s)
                raise ShapeError(f"column {self._column(node)}: {self._segment(node)}: {self._segment(first_node)} "
                                 f"is {shape_words(first)} but {self._segment(o)} is {what}")

    def _check_product_shapes(self, node, factors):
        for (a_node, a), (b_node, b) in zip(factors, factors[1:]):
            (_, cols), (rows, _) = shape_of(a), shape_of(b)
            if not _same_dims((cols,), (rows,)):
                raise ShapeError(
                    f"column {self._column(node)}: {self._segment(node)}: {self._segment(a_node)} is "
                    f"{shape_words(shape_of(a))} but {self._segment(b_node)} is {shape_words(shape_of(b))} "
                    f"({_dim_text(cols)} columns against {_dim_text(rows)} rows)")
