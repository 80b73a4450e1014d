"""Index notation as whole-array code: the rules the JAX and PyTorch printers share.

The Numba backend runs index notation as loops; a framework wants whole-array
operations it can trace, differentiate and put on a GPU.  Here every
subexpression is an array whose axes are its free indices, in one canonical
order (sorted by name), so

    X[i, k]*w[k]                 is an (i, k) array: X * w[None, :]
    Sum(X[i, k]*w[k], (k, ...))  is an (i,) array:   einsum('ik,k->i', X, w)
    KroneckerDelta(k, l)         is an (k, l) array: eye(d)

Because the order is canonical, bringing a child up to its parent's axes only
ever inserts new axes of length one (``x[:, None]``): `_print` does it for
every child, so Add, Mul, Pow, functions and Piecewise need no rules of their
own.  A sum of a product is one einsum over its factors, so a Hessian's
``Sum(s[i]*X[i, k]*X[i, l], i)`` is a single contraction, never an N x d x d
array.

Matrix expressions (a result with an inverse or a determinant, which is not
written entrywise) print with the framework's linear algebra; a vector
argument (n,) is a column there, and an n x 1 result is returned as (n,).
"""

import sympy
from sympy.concrete.expr_with_limits import ExprWithLimits
from sympy import Basic, Indexed, IndexedBase, KroneckerDelta, Sum, Symbol

from ..errors import CodegenError

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class TensorMixin:
    """Index notation and matrix expressions for array frameworks (see the module doc).

    A subclass names its framework's operations in `ops` (einsum, sum, eye, ...).
    Before printing, `prepare` is told the index symbols, the size of each
    index (as code) and the labels of the CSE temporaries."""

    ops = {}

    def prepare(self, indices, lengths, size_vars, temp_labels=None, vectors=()):
        self._indices = frozenset(indices)
        self._size_vars = set(size_vars)  # Symbols defined before the body, from the arrays' shapes
        self._cache, self._context = {}, None
        self._order = {s: n for n, s in enumerate(sorted(self._indices, key=sympy.default_sort_key))}
        if len(self._order) > len(_LETTERS):
            raise CodegenError(f"an expression with {len(self._order)} distinct indices is beyond einsum's letters")
        self._temps = dict(temp_labels or {})
        self._vectors = set(vectors)  # names of (n,) arguments, columns in matrix expressions
        self._sizes = {}  # index symbol -> code for its length, where the arrays tell it
        for index, length in lengths.items():
            try:
                self._sizes[index] = self._bound(length)
            except CodegenError:
                pass

    # -- labels ---------------------------------------------------------------

    def labels(self, e):
        """The free indices of `e`, in canonical order."""
        if not isinstance(e, Basic):
            return ()
        found = self._cache.get(e)
        if found is None:
            found = tuple(sorted(self._free(e), key=self._order.__getitem__))
            self._cache[e] = found
        return found

    def _free(self, e):
        if isinstance(e, Symbol):
            if e in self._temps:
                return set(self._temps[e])
            return {e} if e in self._indices else set()
        if isinstance(e, ExprWithLimits):  # Sum, IndexMax: the bound indices are not free
            return self._free(e.function) - {lim[0] for lim in e.limits}
        if isinstance(e, (IndexedBase, sympy.MatrixExpr)) or not e.args:
            return set()
        out = set()
        for a in e.args:
            out |= self._free(a)
        return out

    def letters(self, labels):
        return "".join(_LETTERS[self._order[s]] for s in labels)

    def align(self, code, own, target):
        """`code`, an array with axes `own`, with length-one axes added for `target`'s others."""
        if not own or tuple(own) == tuple(target):
            return code
        return f"({code})[{', '.join(':' if s in own else 'None' for s in target)}]"

    def _print(self, expr, **kwargs):
        outer = self._context
        own = self.labels(expr) if isinstance(expr, Basic) else ()
        self._context = own
        try:
            code = super()._print(expr, **kwargs)
        finally:
            self._context = outer
        if outer is not None and own and own != outer:
            if not set(own) <= set(outer):
                raise CodegenError(f"cannot place the indices {own} of {str(expr)[:60]} in {outer}")
            code = self.align(code, own, outer)
        return code

    def print_alone(self, expr):
        """`expr` with its own axes (no parent to align to)."""
        outer, self._context = self._context, None
        try:
            return self._print(expr)
        finally:
            self._context = outer

    # -- index notation -------------------------------------------------------

    def _print_Indexed(self, expr):
        name = self._print(expr.base.label)
        picks, labels = [], []
        for i in expr.indices:
            if i in self._indices:
                picks.append(":")
                labels.append(i)
            elif i.is_Integer:
                picks.append(str(int(i)))
            else:
                raise CodegenError(f"cannot generate array code for the index {i} of {expr}: "
                                   "indices are symbols or integers")
        code = name if all(p == ":" for p in picks) else f"{name}[{', '.join(picks)}]"
        own = self.labels(expr)
        if list(labels) == list(own):
            return code  # axes already in canonical order, none repeated
        return self._einsum(f"{self.letters(labels)}->{self.letters(own)}", [code])

    def _print_IndexedBase(self, expr):
        return self._print(expr.label)

    def _print_KroneckerDelta(self, expr):
        a, b = expr.args
        if a in self._indices and b in self._indices:
            own = self.labels(expr)
            return self.ops["eye"].format(n=self._size(own[0]))
        index, value = (a, b) if a in self._indices else (b, a)
        if index not in self._indices or not value.is_Integer:
            raise CodegenError(f"cannot generate array code for {expr}")
        return self.ops["onehot"].format(n=self._size(index), at=int(value))

    def _print_Sum(self, expr):
        own = self.labels(expr)
        coefficient, factors = expr.function.as_coeff_mul()
        codes, specs, count = [], [], []
        for factor in factors:
            labels = self.labels(factor)
            code = self.print_alone(factor)
            for index, lo, hi in expr.limits:
                if index in labels and not self._whole_axis(index, lo, hi):
                    axis = labels.index(index)
                    code = f"({code})[{', '.join([':'] * axis + [self._slice(lo, hi)])}]"
            codes.append(code)
            specs.append(self.letters(labels))
        for index, lo, hi in expr.limits:  # a summand that does not depend on the index: times the count
            if not any(index in self.labels(f) for f in factors):
                count.append(f"({self._bound(hi)} - {self._bound(lo)} + 1)")
        arrays = [(c, s) for c, s in zip(codes, specs) if s]
        scalars = [c for c, s in zip(codes, specs) if not s]
        parts = [] if coefficient == 1 else [self._print(coefficient)]
        parts += [f"({c})" for c in scalars] + count
        if arrays:
            spec = ",".join(s for _, s in arrays) + "->" + self.letters(own)
            parts.append(self._einsum(spec, [c for c, _ in arrays]))
        if not parts:
            return "1"
        return " * ".join(parts)

    def _print_IndexMax(self, expr):
        """The largest value over the bound indices: a log-sum-exp's shift.  f does not depend on
        the shift (any bound works), so no derivative flows through it."""
        labels = self.labels(expr.function)
        code = self.print_alone(expr.function)
        for index, lo, hi in expr.limits:
            if index in labels and not self._whole_axis(index, lo, hi):
                code = f"({code})[{', '.join([':'] * labels.index(index) + [self._slice(lo, hi)])}]"
        axes = tuple(labels.index(lim[0]) for lim in expr.limits if lim[0] in labels)
        if not axes:
            return code
        return self.ops["amax"].format(x=code, axes=axes, dims=list(axes))

    def _einsum(self, spec, codes):
        return self.ops["einsum"].format(spec=spec, args=", ".join(codes))

    def _whole_axis(self, index, lo, hi):
        size = self._sizes.get(index)
        return lo == 0 and size is not None and self._bound(hi + 1) == size

    def _slice(self, lo, hi):
        return f"{self._bound(lo)}:{self._bound(hi + 1)}"

    def _bound(self, value):
        value = sympy.sympify(value)
        if value.is_Integer:
            return str(int(value))
        for s in value.free_symbols:
            if s not in self._size_vars:
                raise CodegenError(f"a sum's bound {value} uses {s}, which is not the length of any array axis")
        return self.print_alone(value)

    def _size(self, index):
        size = self._sizes.get(index)
        if size is None:
            raise CodegenError(f"the length of the index {index} is not known from any array")
        return size

    # -- matrix expressions (results with inverses and determinants) ----------

    def _print_MatrixSymbol(self, expr):
        rows, cols = expr.shape
        name = self._print(Symbol(expr.name))
        if expr.name in self._vectors:
            return f"{name}[None, :]" if rows == 1 else f"{name}[:, None]"
        return name

    def _print_MatMul(self, expr):
        coefficient, matrices = expr.as_coeff_matrices()
        code = " @ ".join(self.parenthesize(m, 100) for m in matrices)
        scalars = [a for a in expr.args if not isinstance(a, sympy.MatrixExpr)]
        head = [self.parenthesize(sympy.Mul(*scalars), 50)] if scalars else []
        return " * ".join(head + [f"({code})"])

    def _print_MatAdd(self, expr):
        return " + ".join(self.parenthesize(a, 40) for a in expr.args)

    def _print_HadamardProduct(self, expr):
        return " * ".join(self.parenthesize(a, 50) for a in expr.args)

    def _print_Transpose(self, expr):
        return self.ops["T"].format(x=self.parenthesize(expr.arg, 100))

    def _print_Inverse(self, expr):
        return self.ops["inv"].format(x=self._print(expr.arg))

    def _print_MatPow(self, expr):
        base, exp = expr.args
        if not exp.is_Integer:
            raise CodegenError(f"cannot generate code for the matrix power {expr}")
        code = self._print(base) if exp > 0 else self.ops["inv"].format(x=self._print(base))
        return code if abs(exp) == 1 else self.ops["matrix_power"].format(x=code, n=abs(int(exp)))

    def _print_Determinant(self, expr):
        return self.ops["det"].format(x=self._print(expr.arg))

    def _print_Trace(self, expr):
        return self.ops["trace"].format(x=self._print(expr.arg))

    def _print_Identity(self, expr):
        return self.ops["eye"].format(n=self._bound(expr.shape[0]))

    def _print_ZeroMatrix(self, expr):
        return self.ops["zeros"].format(shape=f"({self._bound(expr.shape[0])}, {self._bound(expr.shape[1])})")

    def _print_OneMatrix(self, expr):
        return self.ops["ones"].format(shape=f"({self._bound(expr.shape[0])}, {self._bound(expr.shape[1])})")

    def _print_log(self, expr):
        arg = expr.args[0]
        if isinstance(arg, sympy.Determinant):  # through the factorization: no overflow of det itself
            return self.ops["logdet"].format(x=self._print(arg.arg))
        return f"{self.ops['log']}({self._print(arg)})"


def index_symbols(exprs, outputs=()):
    """Every symbol used as an index in `exprs`: Indexed subscripts, sum variables, deltas."""
    found = set(outputs)
    for e in exprs:
        if not isinstance(e, Basic):
            continue
        for x in e.atoms(Indexed):
            found |= {i for i in x.indices if isinstance(i, Symbol)}
        for s in e.atoms(Sum):
            found |= {lim[0] for lim in s.limits}
        for k in e.atoms(KroneckerDelta):
            found |= {a for a in k.args if isinstance(a, Symbol)}
    return found


def index_lengths(exprs, arrays, outputs=(), ranges=None):
    """{index: the size expression of its length}, read from the arrays' shapes (an index at
    axis a of X has X's length there), then from the output ranges and the sums' bounds."""
    shapes = {str(a.label): a.shape for a in arrays if getattr(a, "shape", None) is not None}
    lengths = {}
    for e in exprs:
        if not isinstance(e, Basic):
            continue
        for x in e.atoms(Indexed):
            shape = shapes.get(str(x.base.label))
            if shape is None:
                continue
            for axis, i in enumerate(x.indices):
                if isinstance(i, Symbol):
                    lengths.setdefault(i, shape[axis])
    for index, length in zip(outputs, ranges or ()):
        if length is not None:
            lengths.setdefault(index, sympy.sympify(length))
    for e in exprs:
        if isinstance(e, Basic):
            for s in e.atoms(Sum):
                for index, lo, hi in s.limits:
                    if lo == 0:
                        lengths.setdefault(index, hi + 1)
    return lengths


__all__ = ["TensorMixin", "index_lengths", "index_symbols"]
