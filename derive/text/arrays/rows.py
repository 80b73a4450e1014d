"""Rows of a data matrix, and sums over the sample written in matrix notation.

Course notes write a sample as rows: x^{(i)}, x_i, \\phi_n is row i of a declared N x d matrix
X (\\Phi), used as a d x 1 column.  The parser keeps such a row as `Row(X, i)` while it reads a
sum over i, and the sum is then VECTORIZED into matrix notation, so that nothing after the
parser (calculus, validation, kernels) ever sees a Row:

    R(v)  the n x p matrix whose row i is v_i^T (n the number of terms of the sum)
          R(Row(X, i)) = X                 R(c) = 1 c^T          (c free of i)
          R(a + b) = R(a) + R(b)           R(s_i v_i) = diag(vec(s)) R(v)
          R(M v_i) = R(v) M^T              R(f(v_i)) = f(R(v)), R(a o b) = R(a) o R(b)
    vec(s) the n x 1 vector of a scalar s_i (R of a 1 x 1):
          vec(y_i) = y                     vec(u_i^T c) = R(u) c
          vec(f(s)) = f(vec(s))            vec(s t) = vec(s) o vec(t)      vec(c) = c 1

    sum_i s_i v_i     = R(v)^T vec(s)           sum_i u_i w_i^T = R(u)^T R(w)
    sum_i u_i^T A v_i = tr(R(u) A R(v)^T)       (a scalar body: the Gaussian log-likelihood)

A sum over part of the sample (\\sum_{i=2}^{N}) takes the rows lo..hi: X[lo:hi+1, :].  A body
these rules do not cover is a `CannotVectorize` naming its term (the parser's one-line error),
never a value that might be wrong.  A row whose index no sum binds (x^{(i)} beside a sum that
has ended) stays the slice X[i:i+1, :]^T, as before rows were nodes.
"""

import sympy
from sympy import (
    Add,
    Basic,
    DiagMatrix,
    HadamardPower,
    HadamardProduct,
    MatAdd,
    MatMul,
    MatrixExpr,
    Mul,
    OneMatrix,
    Pow,
    Trace,
    Transpose,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement


class Row(MatrixExpr):
    """Row `index` of the matrix `matrix`, as a column (d x 1 for an N x d matrix)."""

    def __new__(cls, matrix, index):
        return Basic.__new__(cls, matrix, sympy.sympify(index))

    matrix = property(lambda self: self.args[0])
    index = property(lambda self: self.args[1])

    @property
    def shape(self):
        return (self.matrix.shape[1], sympy.Integer(1))

    def _entry(self, i, j, **kwargs):
        return self.matrix[self.index, i]

    def as_slice(self):
        return self.matrix[self.index:self.index + 1, :].T

    def _sympystr(self, printer):
        return f"{printer._print(self.matrix)}[{printer._print(self.index)}, :]"


class CannotVectorize(Exception):
    """A term of a sum's body with no matrix form under the rules above; `term` is it."""

    def __init__(self, term, why):
        super().__init__(f"{_shown(term)} {why}")
        self.term = term


def as_slices(expr):
    """expr with every Row left (its index bound by no sum) as the slice it is."""
    if not isinstance(expr, Basic) or not expr.has(Row):
        return expr
    return expr.replace(lambda e: isinstance(e, Row), lambda e: e.as_slice())


def has_rows(expr, index):
    return isinstance(expr, Basic) and any(r.index == index for r in expr.atoms(Row))


def sum_over_sample(body, index, lo, hi, row_products, bounded):
    """sum_{index=lo}^{hi} body (a vector or matrix) in matrix notation.  `row_products` maps
    each scalar the parser wrote out from a 1 x 1 product of rows (w^T x_i) back to that product;
    `bounded` is False when the range comes from the axes (lo, hi are then the whole sample)."""
    return _Sample(index, lo, hi, row_products, bounded, body).sum(body)


def sum_of_quadratic_forms(body, index, lo, hi, row_products, bounded):
    """sum_i body for a scalar body with terms c u_i^T A v_i (rows of i on both sides): those terms
    as tr(c R(u) A R(v)^T) plus a Sum of the rest; None when there are no such terms (an index
    sum of entries stays one)."""
    quadratic, rest = [], []
    for term in Add.make_args(body):
        coefficient, dependent = term.as_independent(index, as_Add=False)
        form = row_products.get(dependent)
        if form is not None and _split_quadratic(form, index) is not None:
            quadratic.append((coefficient, form))
        else:
            rest.append(term)
    if not quadratic:
        return None
    sample = _Sample(index, lo, hi, row_products, bounded, body)
    total = Add(*[c * sample.trace_of_form(form) for c, form in quadratic])
    remaining = Add(*rest)
    return total + (sympy.Sum(remaining, (index, lo, hi)) if remaining != 0 else 0)


class _Sample:
    """The rules R and vec for one summation index and range."""

    def __init__(self, index, lo, hi, row_products, bounded, body):
        self.index, self.lo, self.hi = index, lo, hi
        self.row_products = row_products
        size = _sample_size(body, index, row_products)
        if not bounded:
            if size is None:
                raise CannotVectorize(body, f"uses no row or entry of {index}, so the sum has no range; "
                                            f"give its bounds")
            self.lo, self.hi = sympy.Integer(0), size - 1
        self.size = size
        self.count = self.hi - self.lo + 1

    # -- the sample's arrays: whole, or the rows lo..hi ---------------------------------------
    def _rows(self, matrix):
        if self.lo == 0 and sympy.simplify(self.hi + 1 - matrix.shape[0]) == 0:
            return matrix
        return matrix[self.lo:self.hi + 1, :]

    def _ones(self):
        return OneMatrix(self.count, 1)

    def _free(self, expr):
        return self.index not in expr.free_symbols and not has_rows(expr, self.index)

    # -- sums ------------------------------------------------------------------------------
    def sum(self, body):
        rows, cols = body.shape
        if rows == 1 and cols != 1:
            return self.sum(_transposed(body)).T
        return MatAdd(*[self._sum_term(t) for t in MatAdd.make_args(body)]).doit(deep=False) \
            if isinstance(body, MatAdd) else self._sum_term(body)

    def _sum_term(self, term):
        if self._free(term):
            return self.count * term
        scalar, chain = _scalar_and_chain(term)
        coefficient, dependent = scalar.as_independent(self.index, as_Add=False)
        if term.shape[1] == 1:  # sum_i s_i v_i = R(v)^T vec(s), the 1 x 1 tail of v taken into s
            column, tail = _column_and_tail(chain)
            weights = ([self.vec(dependent)] if dependent != 1 else []) + ([self.R(tail)] if tail is not None else [])
            weight = weights[0] if len(weights) == 1 else HadamardProduct(*weights) if weights else self._ones()
            return coefficient * _matmul(self.R(column).T, weight)
        left, right = _outer(chain)  # sum_i s_i u_i w_i^T = R(u)^T diag(vec(s)) R(w)
        if left is None:
            raise CannotVectorize(term, f"is not an outer product u w^T of vectors in {self.index}")
        middle = [DiagMatrix(self.vec(dependent))] if dependent != 1 else []
        return coefficient * _matmul(self.R(left).T, *middle, self.R(_transposed(right)))

    def trace_of_form(self, form):
        left, middle, right = _split_quadratic(form, self.index)
        return Trace(_matmul(self.R(_transposed(left)), *middle, self.R(right).T))

    # -- R: a column in i -> the matrix of its rows -------------------------------------------
    def R(self, v):
        if self._free(v):
            return _matmul(self._ones(), _transposed(v))
        rule = _R_RULES.get(type(v))
        if rule is None:
            raise CannotVectorize(v, f"has no matrix form over the rows {self.index}")
        return rule(self, v)

    def _R_row(self, v):
        if v.index != self.index:
            raise CannotVectorize(v, f"is a row of {v.index} inside a sum over {self.index}")
        return self._rows(v.matrix)

    def _R_add(self, v):
        return MatAdd(*[self.R(a) for a in v.args]).doit(deep=False)

    def _R_product(self, v):
        scalar, chain = _scalar_and_chain(v)
        coefficient, dependent = scalar.as_independent(self.index, as_Add=False)
        rows = self._R_chain(chain)
        if dependent != 1:
            rows = _matmul(DiagMatrix(self.vec(dependent)), rows)
        return coefficient * rows if coefficient != 1 else rows

    def _R_chain(self, chain):
        if len(chain) == 1:
            return self.R(chain[0])
        if self._free(chain[0]):  # R(M v) = R(v) M^T
            return _matmul(self.R(_matmul(*chain[1:])), _transposed(chain[0]))
        if chain[0].shape[0] == 1 and chain[-1].shape[1] == 1 and self._free(chain[-1]):
            return self.R(_transposed(_matmul(*chain)))  # u_i^T c is the 1 x 1 c^T u_i
        column, tail = _column_and_tail(chain)
        if tail is not None:  # v (u^T c): the 1 x 1 tail is a scalar in i
            return _matmul(DiagMatrix(self.R(tail)), self.R(column))
        head = _one_by_one_head(chain)
        if head is not None:
            return _matmul(DiagMatrix(self.R(head)), self.R(_matmul(*chain[len(head.args) if isinstance(
                head, MatMul) else 1:])))
        raise CannotVectorize(_matmul(*chain), f"is a product with no matrix form over the rows {self.index}")

    def _R_transpose(self, v):
        pushed = sympy.transpose(v.arg)  # (a^T X)^T = X^T a
        if isinstance(pushed, Transpose):
            raise CannotVectorize(v, f"has no matrix form over the rows {self.index}")
        return self.R(pushed)

    def _R_hadamard(self, v):
        return HadamardProduct(*[self.R(a) for a in v.args])

    def _R_hadamard_power(self, v):
        base, exponent = v.args
        if not self._free(exponent):
            raise CannotVectorize(v, f"has an exponent in {self.index}")
        return HadamardPower(self.R(base), exponent)

    def _R_map(self, v):
        return ElementwiseApplyFunction(v.function, self.R(v.expr))

    # -- vec: a scalar in i -> the column of its values ----------------------------------------
    def vec(self, s):
        if self._free(s):
            return s * self._ones()
        form = self.row_products.get(s)
        if form is not None:
            return self.R(form)
        rule = _VEC_RULES.get(type(s)) or next((r for kind, r in _VEC_RULES.items() if isinstance(s, kind)), None)
        if rule is None:
            raise CannotVectorize(s, f"has no vector form over the sample {self.index}")
        return rule(self, s)

    def _vec_element(self, s):
        vector, row, column = s.args
        if row != self.index or column != 0 or vector.shape[1] != 1:
            raise CannotVectorize(s, f"is not the entry {self.index} of a vector")
        return self._rows(vector)

    def _vec_add(self, s):
        return MatAdd(*[self.vec(a) for a in s.args]).doit(deep=False)

    def _vec_mul(self, s):
        coefficient, dependent = s.as_independent(self.index, as_Add=False)
        factors = [self.vec(f) for f in Mul.make_args(dependent)]
        product = factors[0] if len(factors) == 1 else HadamardProduct(*factors)
        return coefficient * product if coefficient != 1 else product

    def _vec_pow(self, s):
        base, exponent = s.args
        if not self._free(exponent):
            raise CannotVectorize(s, f"has an exponent in {self.index}")
        return HadamardPower(self.vec(base), exponent)

    def _vec_function(self, s):
        if len(s.args) != 1:
            raise CannotVectorize(s, "is a function of several arguments")
        from ..functions import elementwise

        return elementwise(s.func, self.vec(s.args[0]))

    def _vec_trace(self, s):
        return self.R(s.arg)


_R_RULES = {Row: _Sample._R_row, MatAdd: _Sample._R_add, MatMul: _Sample._R_product,
            Transpose: _Sample._R_transpose, HadamardProduct: _Sample._R_hadamard,
            HadamardPower: _Sample._R_hadamard_power, ElementwiseApplyFunction: _Sample._R_map}
_VEC_RULES = {MatrixElement: _Sample._vec_element, Add: _Sample._vec_add, Mul: _Sample._vec_mul,
              Pow: _Sample._vec_pow, Trace: _Sample._vec_trace, sympy.Function: _Sample._vec_function}


# -- products as chains ------------------------------------------------------------------------
def _scalar_and_chain(term):
    """(scalar factor, [matrix factors]) of a term (a MatMul, a scalar times a matrix, or one matrix)."""
    if isinstance(term, MatMul):
        scalars = [a for a in term.args if not getattr(a, "is_Matrix", False)]
        return Mul(*scalars), [a for a in term.args if getattr(a, "is_Matrix", False)]
    return sympy.Integer(1), [term]


def _column_and_tail(chain):
    """A chain of shape p x 1 as (its shortest p x 1 head, the 1 x 1 product after it or None)."""
    for k in range(1, len(chain) + 1):
        if chain[k - 1].shape[1] == 1:
            head, tail = chain[:k], chain[k:]
            return _matmul(*head), (_matmul(*tail) if tail else None)
    return _matmul(*chain), None


def _one_by_one_head(chain):
    """The shortest 1 x 1 product at the start of a chain (a scalar in front of a column), or None."""
    for k in range(1, len(chain)):
        if chain[0].shape[0] == 1 and chain[k - 1].shape[1] == 1:
            return _matmul(*chain[:k])
    return None


def _outer(chain):
    """A p x q chain as (u, w^T): the shortest p x 1 head and the 1 x q rest, or (None, None)."""
    for k in range(1, len(chain)):
        if chain[k - 1].shape[1] == 1:
            return _matmul(*chain[:k]), _matmul(*chain[k:])
    return None, None


def _split_quadratic(form, index):
    """A 1 x 1 product u^T M v with rows of `index` in u (1 x p) and v (q x 1) and none in M:
    (u^T, [M factors], v), or None."""
    scalar, chain = _scalar_and_chain(form)
    if scalar != 1 or len(chain) < 2:
        return None
    left, middle, right = chain[0], chain[1:-1], chain[-1]
    if left.shape[0] != 1 or right.shape[1] != 1 or not has_rows(left, index) or not has_rows(right, index):
        return None
    if any(has_rows(m, index) or index in m.free_symbols for m in middle):
        return None
    return left, list(middle), right


def _matmul(*factors):
    return factors[0] if len(factors) == 1 else MatMul(*factors).doit(deep=False)


def _transposed(v):
    return sympy.transpose(v)


def _sample_size(body, index, row_products):
    """The row count of the arrays the sum's index runs over (Rows of it, entries y[i]), or None."""
    found = {r.matrix.shape[0] for r in body.atoms(Row) if r.index == index}
    for s in body.atoms(sympy.Sum) | set(body.atoms(Add, Mul)):
        form = row_products.get(s)
        if form is not None:
            found |= {r.matrix.shape[0] for r in form.atoms(Row) if r.index == index}
    found |= {e.args[0].shape[0] for e in body.atoms(MatrixElement) if e.args[1] == index}
    if len(found) > 1:
        raise CannotVectorize(body, f"runs {index} over arrays of different lengths ({', '.join(map(str, found))})")
    return found.pop() if found else None


def _shown(term):
    return str(term).replace("Sum(", "sum(")


__all__ = ["Row", "CannotVectorize", "as_slices", "has_rows", "sum_over_sample", "sum_of_quadratic_forms"]
