"""The builder's visitors for the nodes LaTeX adds (nodes.py): what `Xw`, `A^2`, `|A|`, `x^T`,
`\\|x\\|_2` and `x^{(i)}` mean, decided from the values as the builder decides everything else.

    Xw, x^T A x, A \\cdot B     the matrix product of two arrays; otherwise the product
    u \\cdot v                  two column vectors of one shape: their dot product u^T v
    A^2, A^k                   a matrix power of a square matrix; entry by entry off the square
    A^{-1}, x^{-1}             the inverse of a square matrix, the reciprocal of a scalar
    x^T, x'                    the transpose of an array; a scalar is its own transpose
    |x|, |A|                   the absolute value of a scalar, the determinant of a square matrix
    \\|x\\|, \\|x\\|_2, \\|A\\|_F    the 2-norm of a vector, the Frobenius norm of a matrix; \\|x\\|_1
    I (undeclared)             the identity, sized by the matrix it multiplies
    \\mathbf{1}                 the ones vector, sized by the array it multiplies
"""

import ast

import sympy
from sympy import Abs, Identity, MatMul, MatrixBase, MatrixSymbol, OneMatrix, Rational, Trace

from ..arrays import matrix_ops
from ..arrays.rows import Row, as_slices
from ..arrays.shapes import is_square, shape_of, shape_words
from ..budgets import check_bits, power_bits
from ..functions import MATRIX_FUNCTIONS, _sum_entries, elementwise, entrywise_power
from . import nodes, sizing
from .to_tree import to_tree


class LatexMixin:
    """Visitors for nodes.py, and the entry the builder calls for a LaTeX formula."""

    def _build_latex(self):
        tree = to_tree(self.original, self.namespace, self.limits, self.relations)
        count = sum(1 for _ in ast.walk(tree))
        if count > self.limits.max_nodes:
            from ...errors import LimitError

            raise LimitError(f"formula has {count} syntax nodes; the limit is {self.limits.max_nodes}")
        body = tree.body
        if self.relations and isinstance(body, ast.Compare):
            return as_slices(self.visit_condition(body))
        # a row no sum vectorized (its index free) is the slice it is; \mathbf{1} as its sum sized it
        return as_slices(sizing.settle_ones(self, self.visit(body)))

    # -- products ---------------------------------------------------------------
    def visit_Juxtaposition(self, node):
        sized = [_ones_or_identity(n, self) for n in (node.left, node.right)]
        if all(sized):
            raise self.error(node, "I and \\mathbf{1} side by side have no size: write I_n or \\mathbf{1}_n")
        left = None if sized[0] else self.visit(node.left)
        right = None if sized[1] else self.visit(node.right)
        if sized[0]:
            left = self._sized(sized[0], node.left, right, on_left=True)
        if sized[1]:
            right = self._sized(sized[1], node.right, left, on_left=False)
        left, right = (sizing.sized_beside(self, left, right, True),
                       sizing.sized_beside(self, right, left, False))  # \lambda I w, c \mathbf{1}^T v
        if self._is_matrix(left) and self._is_matrix(right):
            if getattr(node, "kind", "") in ("cdot", "times") and _columns_alike(left, right):
                left = left.T  # u \cdot v: the dot product of two column vectors
            self._check_product_shapes(node, [(node.left, left), (node.right, right)])
            product = self._combine(node, lambda: MatMul(left, right).doit() if isinstance(left, MatrixBase)
                                    else matrix_ops.mul(left, right))
            return self._scalar_of(product)
        if isinstance(left, Rational) and isinstance(right, Rational):
            check_bits(_bits(left) + _bits(right), "this product of constants", self.limits)
        if self._is_matrix(left) or self._is_matrix(right):
            return self._scalar_of(self._combine(node, lambda: left * right))  # a scalar times an array
        return self._combine(node, lambda: sympy.Mul(left, right))

    def _sized(self, kind, node, other, on_left):
        """I, \\mathbf{1} or \\mathbf{1}^T sized to multiply `other` (the array beside it)."""
        name = "I" if kind == "identity" else "\\mathbf{1}"
        if kind == "identity" and not self._is_matrix(other):
            return self.visit(node)  # \lambda I: a sum with a matrix sizes it (the builder's identity rule)
        if kind == "ones" and (not self._is_matrix(other) or (on_left and shape_of(other)[0] == 1)):
            return sizing.ones_of_a_sum(self, node)  # b\mathbf{1}, \mathbf{1}\mu^T: sized by the sum it is in
        if kind == "ones_row" and not self._is_matrix(other) and not on_left:
            return sizing.ones_row_of_a_product(self, node)  # c\mathbf{1}^T v: sized by v
        if not self._is_matrix(other):
            raise self.error(node, f"{name} takes its size from a matrix or vector beside it; write its size "
                                   f"here ({name}_n)")
        rows, cols = shape_of(other)
        fits = {("identity", True): lambda: Identity(rows), ("identity", False): lambda: Identity(cols),
                ("ones", False): lambda: OneMatrix(cols, 1), ("ones_row", True): lambda: OneMatrix(1, rows)}
        build = fits.get((kind, on_left))
        if build is None:
            raise self.error(node, f"{name} here needs its size: {name}_n")
        return build()

    def _scalar_of(self, value):
        """A 1 x 1 product as a scalar: an entry written out when it holds rows of a matrix
        (w^T x^{(i)} is sum_j w_j X_ij), else the builder's 1 x 1 trace."""
        if isinstance(value, sympy.MatrixExpr) and not isinstance(value, MatrixBase) and value.shape == (1, 1) \
                and value.has(Row, sympy.matrices.expressions.slice.MatrixSlice):
            # one sum for one product: w^T x^{(i)} twice is the same term twice (terms cancel, merge)
            entries = self.__dict__.setdefault("_row_entries", {})
            if value not in entries:
                entries[value] = self._named_dummies(value[0, 0])
                # and back: a sum over the sample writes the entry as the product again (arrays/rows.py)
                self.__dict__.setdefault("_row_products", {})[entries[value]] = value
            return entries[value]
        return matrix_ops.as_scalar_if_1x1(value)

    # -- superscripts -------------------------------------------------------------
    def visit_Transposed(self, node):
        value = self.visit(node.value)
        if self._is_matrix(value):
            return self._scalar_of(value.T)
        if isinstance(node.value, ast.Name) and node.value.id not in ("e", "pi"):
            name = node.value.id
            raise self.error(node, f"{self._segment(node)} is a transpose, but {name} is not a declared vector or "
                                   f"matrix: declare it (--let \"{name}: n\", symbols=\"{name}: n\")")
        return value  # a scalar (w^T x) is its own transpose

    def visit_Inverted(self, node):
        value = self.visit(node.value)
        if self._is_matrix(value):
            if not is_square(shape_of(value)):
                raise self.error(node, f"{self._segment(node)}: only a square matrix has an inverse; "
                                       f"{self._segment(node.value)} is {shape_words(shape_of(value))}")
            return self._combine(node, lambda: MATRIX_FUNCTIONS["inv"].build(value))
        if value == 0:
            raise self.error(node, "division by zero")
        return self._combine(node, lambda: sympy.Pow(value, -1))

    def visit_Power(self, node):
        base, exponent = self.visit(node.left), self.visit(node.right)
        check_bits(power_bits(base, exponent), "this power", self.limits)
        if self._is_matrix(exponent):
            raise self.error(node, f"{self._segment(node)}: a vector or matrix cannot be an exponent")
        if base == 0 and isinstance(exponent, Rational) and exponent < 0:
            raise self.error(node, "zero to a negative power")
        if not self._is_matrix(base):
            return self._combine(node, lambda: sympy.Pow(base, exponent))
        if not is_square(shape_of(base)):  # (y - Xw)^2: entry by entry, the only reading off the square
            return self._combine(node, lambda: entrywise_power(base, exponent))
        if not (exponent.is_integer and (exponent.is_number or exponent.free_symbols)):
            raise self.error(node, f"{self._segment(node)}: a power of a square matrix needs an integer exponent")
        if isinstance(base, MatrixBase) and exponent.is_number and abs(int(exponent)) > 256:
            raise self.error(node, "a power of an explicit matrix above 256 is not expanded")
        return self._combine(node, lambda: base**exponent)

    # -- bars -----------------------------------------------------------------------
    def visit_Norm(self, node):
        value = self.visit(node.value)
        if not self._is_matrix(value):
            return self._combine(node, lambda: Abs(value))
        rows, cols = shape_of(value)
        if node.kind == "1":
            if cols != 1 and rows != 1:
                raise self.error(node, "\\|A\\|_1 of a matrix is not supported; \\|x\\|_1 is the 1-norm of a vector")
            return self._combine(node, lambda: self._scalar_of(_sum_entries(elementwise(Abs, value))))
        if node.kind == "2" and cols != 1 and rows != 1:
            raise self.error(node, "the spectral norm \\|A\\|_2 of a matrix is not supported; \\|A\\|_F is the "
                                   "Frobenius norm")
        square = self._scalar_of(matrix_ops.mul(value.T, value) if cols == 1 else matrix_ops.mul(value, value.T)) \
            if 1 in (rows, cols) else Trace(matrix_ops.mul(value.T, value))
        return self._combine(node, lambda: sympy.sqrt(square))

    def visit_Bars(self, node):
        value = self.visit(node.value)
        if not self._is_matrix(value):
            return self._combine(node, lambda: Abs(value))
        if is_square(shape_of(value)) and 1 not in shape_of(value):
            return self._combine(node, lambda: MATRIX_FUNCTIONS["det"].build(value))
        raise self.error(node, f"|{self._segment(node.value)}| of a {shape_words(shape_of(value))} array: write "
                               "\\|x\\| for a norm, |A| is the determinant of a square matrix")

    # -- rows, ones, products ---------------------------------------------------------
    def visit_Row(self, node):
        matrix = self.visit(node.matrix)
        return Row(matrix, self._index(node.index))

    def visit_Ones(self, node):
        return sizing.ones_of_a_sum(self, node)  # X\theta + \mathbf{1}: a sum sizes it, else settle_ones refuses

    def visit_Primed(self, node):
        """g'(u): what text's g'(u) is (grammar/calls.py, _derivative_call), the derivative of g at u."""
        g = self.namespace.names.get(node.call.func.id)
        if len(node.call.args) != 1:
            raise self.error(node, f"{node.call.func.id}{chr(39) * node.order}(u) takes one argument")
        u = self._unspecified_call(node.call, g).args[0]
        xi = sympy.Dummy("xi")
        return sympy.Subs(sympy.Derivative(g(xi), (xi, node.order)), xi, u)

    def visit_Product(self, node):
        index = self.namespace.index(node.index.id, self._column(node.index), self.original)
        lo, hi = self._bound_value(node.lo), self._bound_value(node.hi)
        body = self.visit(node.body)
        if self._is_matrix(body):
            raise self.error(node, "\\prod multiplies scalars; the body is a matrix")
        return self._combine(node, lambda: sympy.Product(body, (index, lo, hi)))


def _bits(value):
    from ..budgets import constant_bits

    return constant_bits(value)


def _columns_alike(a, b):
    return shape_of(a)[1] == 1 and shape_of(b)[1] == 1 and shape_of(a) == shape_of(b) and shape_of(a)[0] != 1


def _ones_or_identity(node, builder):
    """"ones", "ones_row" (\\mathbf{1}^T), "identity" (an undeclared I), or None."""
    if isinstance(node, nodes.Ones):
        return "ones"
    if isinstance(node, nodes.Transposed) and isinstance(node.value, nodes.Ones):
        return "ones_row"
    if isinstance(node, ast.Name) and node.id == "I" and ("I" not in builder.namespace.names
                                                            or "I" in builder.namespace.implicit):
        return "identity"
    return None


__all__ = ["LatexMixin", "MatrixSymbol"]
