"""Arithmetic in the grammar: + - * / ** @ and unary minus, with NumPy's meaning on arrays.

`*`, `/` and `**` act entry by entry and `+` broadcasts scalars, columns and rows
(arrays/broadcast.py); `@` is the matrix product and matrix_power(A, k) the matrix power; x^T is
a transpose; an undeclared I beside a square matrix is the identity.  Constants are bounded
(budgets.py) before SymPy computes them, and shape clashes are ShapeErrors in words.
"""

import ast
import math

import sympy
from sympy import Integer, MatMul, MatrixBase, Rational

from ...errors import LimitError, ShapeError
from ..arrays import broadcast, matrix_ops
from ..arrays.matrix_ops import as_scalar_if_1x1
from ..arrays.shapes import is_square, shape_of, shape_words
from ..budgets import check_bits, constant_bits, power_bits
from ..functions import entrywise_power


class ArithmeticMixin:
    """The builder's operators: sums, products, powers and matrix products."""

    def visit_BinOp(self, node):
        op = type(node.op)
        if op in (ast.Add, ast.Sub):
            return self._sum(node)
        if op in (ast.Mult, ast.Div):
            return self._product(node)
        if op is ast.Pow:
            return self._power(node)
        if op is ast.MatMult:
            return self._matmul(node)
        symbol = {ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>",
                  ast.BitAnd: "&", ast.BitOr: "|"}.get(op, op.__name__)
        raise self.error(node, f"operator '{symbol}' is not allowed here")

    def _chain(self, node, ops):
        """Flatten a left-deep chain a op b op c ... without recursing per link."""
        items = []
        while isinstance(node, ast.BinOp) and type(node.op) in ops:
            items.append((type(node.op), node.right))
            node = node.left
        items.append((None, node))
        items.reverse()
        return items

    def _sum(self, node):
        terms, operands = [], []
        for op, operand in self._chain(node, (ast.Add, ast.Sub)):
            value = self.visit(operand)
            operands.append((operand, value))
            terms.append(-value if op is ast.Sub else value)
        if self._has_matrix(terms) and self._identity_symbol() is not None:  # X.T@X + lam*I
            square = next(shape_of(v) for v in terms if self._is_matrix(v))
            operands = [(o, self._as_identity(o, v, square)) for o, v in operands]
            terms = [self._as_identity(None, t, square) for t in terms]
        self._check_exact(terms, "sum", node, lambda bits: max(bits) + math.log2(len(bits)))
        if not self._has_matrix(terms):
            return self._combine(node, lambda: sympy.Add(*terms))
        # NumPy's rules: scalars, columns and rows broadcast (1 + exp(X@w), X - mu.T)
        try:
            return self._combine(node, lambda: as_scalar_if_1x1(broadcast.add(terms)))
        except broadcast.Incompatible:
            raise self._broadcast_clash(node, operands) from None

    def _broadcast_clash(self, node, operands):
        """The ShapeError naming the first operand whose shape does not broadcast with those before it."""
        shape, before = None, []
        for operand, value in operands:
            if self._is_matrix(value):
                try:
                    shape = broadcast.broadcast_shape(broadcast.placeholder(shape), value)
                except broadcast.Incompatible:
                    return ShapeError(f"column {self._column(node)}: {self._segment(node)}: "
                                      f"{' and '.join(before)} is {shape_words(shape)} but {self._segment(operand)} is "
                                      f"{shape_words(shape_of(value))}, which do not broadcast together (NumPy's rules)")
                before.append(self._segment(operand))
        return ShapeError(f"column {self._column(node)}: {self._segment(node)}: the shapes do not broadcast together")

    def _product(self, node):
        factors, operands = [], []
        for op, operand in self._chain(node, (ast.Mult, ast.Div)):
            value = self.visit(operand)
            operands.append((operand, op, value))
            if op is ast.Div and value == 0:
                raise self.error(operand, "division by zero")
            if op is ast.Div and not self._is_matrix(value):
                value = 1 / value if isinstance(value, Rational) else sympy.Pow(value, -1)
            factors.append(value)
        self._check_exact(factors, "product", node, sum)
        if not any(self._is_matrix(v) for _, _, v in operands):
            return self._combine(node, lambda: sympy.Mul(*factors))
        # NumPy's rules: * and / act entry by entry, broadcasting scalars, columns and rows (@ is the
        # matrix product)
        self._refuse_matlab_product(node, operands)
        result, first = None, None
        for operand, op, value in operands:
            if result is None:
                result, first = (value if op is not ast.Div else broadcast.divide(1, value)), operand
                continue
            step = broadcast.divide if op is ast.Div else broadcast.multiply
            try:
                result = self._combine(node, lambda r=result, v=value, f=step: f(r, v))
            except broadcast.Incompatible:
                raise ShapeError(f"column {self._column(node)}: {self._segment(node)}: {self._segment(first)} is "
                                 f"{shape_words(shape_of(result))} but {self._segment(operand)} is "
                                 f"{shape_words(shape_of(value))}, which do not broadcast together (entry by entry, "
                                 "as in NumPy; for a matrix product write @)") from None
            first = operand
        return as_scalar_if_1x1(result)

    def _refuse_matlab_product(self, node, operands):
        """x'*A*x is MATLAB's quadratic form; in text * is entry by entry (NumPy), which is never what
        a quote-transpose beside * means: say what to write."""
        arrays = [(o, v) for o, op, v in operands if self._is_matrix(v)]
        if len(arrays) > 1 and any(isinstance(o, ast.Attribute) and self._transpose_mark(o) == "'" for o, _ in arrays):
            written = self._segment(node)
            raise self.error(node, f"{written}: in derive's text * is entry by entry, as in NumPy; for MATLAB's matrix "
                                   f"product write @ ({written.replace('*', ' @ ')})")

    def _power(self, node):
        base = self.visit(node.left)
        if self._is_transpose_mark(node.right):  # x^T, as course notes write the transpose
            if not self._is_matrix(base):
                raise self.error(node, f"{self._segment(node.left)}^T is a transpose, but {self._segment(node.left)} "
                                       f"is not a declared vector or matrix: declare it (--let "
                                       f"\"{self._segment(node.left)}: n\") or write a power with another name than T")
            return self._combine(node, lambda: base.T)
        exponent = self.visit(node.right)
        for entry in (base if isinstance(base, MatrixBase) else [base]):  # explicit entries: each one's power
            check_bits(power_bits(entry, exponent), "this power", self.limits)
        entries = base if isinstance(base, MatrixBase) else [base]
        if isinstance(exponent, Rational) and exponent < 0 and any(e == 0 for e in entries):
            raise self.error(node, "zero to a negative power" + (" (an entry is 0; matrix_power(A, -1) is the "
                                                                 "inverse)" if base is not entries else ""))
        if self._is_matrix(base) and self._is_matrix(exponent):
            raise self.error(node, f"{self._segment(node)}: a power with a vector or matrix exponent is not "
                                   "supported; for positive entries write exp(y*log(x)) for x**y")
        if self._is_matrix(base):
            # NumPy's reading: (y - X@w)**2 squares each entry, for every shape (matrix_power(A, k) is A@A@...)
            return self._combine(node, lambda: entrywise_power(base, exponent))
        return self._scalar_power(node, base, exponent)

    def _is_transpose_mark(self, node):
        """The exponent T (^T, **T) when T is not a declared name."""
        return isinstance(node, ast.Name) and node.id == "T" and "T" not in self.namespace.names

    def _matrix_power(self, node, base, exponent):
        """matrix_power(A, k): A @ A @ ... k times (k an integer, or a name declared 'k: integer')."""
        if self._is_matrix(base):
            symbolic = not exponent.is_number and exponent.is_integer  # X**k with k declared an integer
            if not (isinstance(exponent, Integer) or symbolic):
                raise self.error(node, "a matrix power needs an integer exponent (a number, or a name declared "
                                       "'k: integer')")
            if symbolic:
                if isinstance(base, MatrixBase):
                    raise self.error(node, "a symbolic power of an explicit matrix is not supported")
                return self._combine(node, lambda: sympy.MatPow(base, exponent))
            if isinstance(base, MatrixBase):  # explicit entries: SymPy multiplies them out
                if abs(int(exponent)) > 256:
                    raise LimitError(f"column {self._column(node)}: a power of an explicit matrix above 256 "
                                     f"({exponent}) is not expanded")
                bits = max((constant_bits(e) for e in base if isinstance(e, Rational)), default=1)
                check_bits(max(bits, 1) * abs(int(exponent)) * base.shape[0], "this matrix power", self.limits)
            return self._combine(node, lambda: base**exponent)
        raise self.error(node, "matrix_power(A, k) takes a square matrix")

    def _scalar_power(self, node, base, exponent):
        if self._is_matrix(exponent):
            raise self.error(node, "a matrix cannot be an exponent")
        return self._combine(node, lambda: sympy.Pow(base, exponent))

    def _matmul(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        # a 1 x 1 product (c.T@a, kept as a number) times a row, or a column times one: (c.T@a)@x.T
        if _is_1x1_product(left) and self._is_matrix(right) and right.shape[0] == 1:
            return self._combine(node, lambda: as_scalar_if_1x1(left * right))
        if _is_1x1_product(right) and self._is_matrix(left) and left.shape[1] == 1:
            return self._combine(node, lambda: as_scalar_if_1x1(right * left))
        if not (self._is_matrix(left) and self._is_matrix(right)):
            raise self.error(node, "'@' multiplies matrices or vectors; use '*' for scalars")
        self._check_product_shapes(node, [(node.left, left), (node.right, right)])
        product = self._combine(node, lambda: MatMul(left, right).doit() if isinstance(left, MatrixBase)
                                else matrix_ops.mul(left, right))
        return as_scalar_if_1x1(product)

    def visit_UnaryOp(self, node):
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            raise self.error(node, "'not' is only allowed in conditions")
        raise self.error(node, "operator '~' is not allowed")

    # -- I, the identity, where the text uses it undeclared ----------------
    def _identity_symbol(self):
        """The name I when the text uses it undeclared: the identity matrix, sized where it meets one."""
        symbol = self.namespace.names.get("I")
        return symbol if "I" in self.namespace.implicit and isinstance(symbol, sympy.Symbol) else None

    def _as_identity(self, node, value, shape):
        """c*I beside an n x n matrix -> c*Identity(n); other terms as they are."""
        I = self._identity_symbol()
        if self._is_matrix(value) or not value.has(I):
            return value
        coeff = sympy.expand(value).coeff(I)
        if coeff.has(I) or sympy.expand(value - coeff * I) != 0:
            return value  # I appears other than as a factor: the shape check says what clashes
        if not is_square(shape):
            where = f"column {self._column(node)}: " if node is not None else ""
            raise ShapeError(f"{where}I is the identity, but it is added to a {shape_words(shape)} matrix, "
                             "which is not square")
        return coeff * sympy.Identity(shape[0])


def _is_1x1_product(value):
    return isinstance(value, sympy.Trace) and tuple(value.arg.shape) == (1, 1)
