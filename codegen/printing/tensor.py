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

A sum over part of an axis (``Sum(a[i], (i, 1, N))``) or of shifted entries
(``x[i] - x[i - 1]`` over i = 1..N-1) slices each array where it is read:
inside a sum over i = lo..hi, ``x[i + c]`` is ``x[lo + c:hi + c + 1]``, so every
factor's i axis has hi - lo + 1 entries and entry p means i = lo + p.  A slice
that could reach past an array (or start below 0, which Python would read
from the end) is refused, or checked when the kernel runs: never a silently
shorter sum.

Matrix expressions (a result with an inverse or a determinant, which is not
written entrywise) print with the framework's linear algebra; a vector
argument (n,) is a column there, and an n x 1 result is returned as (n,).
"""

import contextlib

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

    def prepare(self, indices, lengths, size_vars, temp_labels=None, vectors=(), shapes=None):
        self._indices = frozenset(indices)
        self._size_vars = set(size_vars)  # Symbols defined before the body, from the arrays' shapes
        self._cache, self._context = {}, None
        self._ranges = {}  # index -> (lo, hi) of the sums being printed around the current node
        self._shapes = dict(shapes or {})  # array name -> its shape (SymPy sizes), where known
        self.checks = []  # (condition, message): reads the printer could not prove inside the arrays
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
        name = self._symbol_name(expr.base.label)
        shape = self._shapes.get(str(expr.base.label))
        picks, labels = [], []
        for axis, i in enumerate(expr.indices):
            length = shape[axis] if shape is not None and axis < len(shape) else None
            index, offset = self._split(i, expr)
            if index is None:  # a fixed entry, x[3]
                self._require_inside(expr, axis, offset, offset + 1, length, f"position {offset}")
                picks.append(str(int(offset)))
                continue
            labels.append(index)
            if index not in self._ranges:
                if offset:
                    raise CodegenError(f"cannot generate array code for {expr}: the index {i} is shifted, and "
                                       f"{index} is not summed (array code slices a shifted index to a sum's range)")
                picks.append(":")
                continue
            lo, hi = self._ranges[index]
            start, stop = lo + offset, hi + offset + 1
            if start == 0 and length is not None and sympy.expand(stop - length) == 0:
                picks.append(":")  # the sum runs over the whole axis
                continue
            self._require_inside(expr, axis, start, stop, length, f"{start}..{hi + offset} (the sum over {index})")
            picks.append(f"{self._bound(start)}:{self._bound(stop)}")
        code = name if all(p == ":" for p in picks) else f"{name}[{', '.join(picks)}]"
        own = self.labels(expr)
        if list(labels) == list(own):
            return code  # axes already in canonical order, none repeated
        return self._einsum(f"{self.letters(labels)}->{self.letters(own)}", [code])

    def _split(self, i, expr):
        """(index symbol or None, integer offset) of the subscript `i`: k, k + 2, 3."""
        if i.is_Integer:
            return None, int(i)
        found = [s for s in i.free_symbols if s in self._indices]
        if len(found) == 1:
            offset = sympy.expand(i - found[0])
            if offset.is_Integer:
                return found[0], int(offset)
        raise CodegenError(f"cannot generate array code for the index {i} of {expr}: "
                           "indices are symbols, symbols plus whole numbers, or whole numbers")

    def _require_inside(self, expr, axis, start, stop, length, what):
        """A slice start:stop of `expr`'s array along `axis`: refused where it provably leaves the
        array, checked when the kernel runs where only the sizes can tell (jax clamps an index
        past the end, Python reads a negative one from the end: either gives wrong numbers)."""
        name = str(expr.base.label)
        start, stop = as_size(start), as_size(stop)
        if start.is_negative or (start.is_Integer and start < 0):
            raise CodegenError(f"{expr} is read at {what}, before the start of {name}")
        if not (start.is_Integer or start.is_nonnegative):
            self.checks.append((f"{self._bound(start)} < 0", f"{name} is read at {what}, before its start"))
        past = None if length is None else sympy.expand(stop - length)
        if past is not None and past.is_Integer:
            if past > 0:
                raise CodegenError(f"{expr} is read at {what}, past the end of {name} (length {length})")
            return
        array = self._symbol_name(expr.base.label)
        self.checks.append((f"{array}.shape[{axis}] < {self._bound(stop)}",
                            f"{name} is read at {what}, past the end of its axis {axis}"))

    def _print_IndexedBase(self, expr):
        return self._symbol_name(expr.label)

    def _print_KroneckerDelta(self, expr):
        a, b = expr.args
        if a in self._indices and b in self._indices:
            own = self.labels(expr)
            spans = [self._span(s) for s in own]
            if spans[0] == spans[1] and spans[0][0] == "0":
                return self.ops["eye"].format(n=spans[0][1])
            # one index over part of its axis: compare the positions the two axes stand for
            rows, cols = (self.ops["arange"].format(start=p, stop=q) for p, q in spans)
            return self.ops["cast"].format(x=f"({rows}[:, None] == {cols}[None, :])")
        index, value = (a, b) if a in self._indices else (b, a)
        if index not in self._indices or not value.is_Integer:
            raise CodegenError(f"cannot generate array code for {expr}")
        start, stop = self._span(index)
        return self.ops["cast"].format(x=f"({self.ops['arange'].format(start=start, stop=stop)} == {int(value)})")

    def _print_Symbol(self, expr):
        if expr in self._temps:
            return self._print_temporary(expr)
        if expr in self._indices:  # an index as a number (i*x[i]): the positions along its axis
            start, stop = self._span(expr)
            return self.ops["cast"].format(x=self.ops["arange"].format(start=start, stop=stop))
        return self._symbol_name(expr)

    def _symbol_name(self, expr):
        return expr.name

    def _span(self, index):
        """(start, stop) as code: the positions an axis labelled `index` stands for."""
        if index in self._ranges:
            lo, hi = self._ranges[index]
            return self._bound(lo), self._bound(hi + 1)
        return "0", self._size(index)

    def _print_Sum(self, expr):
        own = self.labels(expr)
        coefficient, factors = expr.function.as_coeff_mul()
        codes, specs, count = [], [], []
        with self._summing(expr.limits):  # every array read inside is sliced to the sums' ranges
            for factor in factors:
                codes.append(self.print_alone(factor))
                specs.append(self.letters(self.labels(factor)))
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
        with self._summing(expr.limits):
            code = self.print_alone(expr.function)
        axes = tuple(labels.index(lim[0]) for lim in expr.limits if lim[0] in labels)
        if not axes:
            return code
        return self.ops["amax"].format(x=code, axes=axes, dims=list(axes))

    @contextlib.contextmanager
    def _summing(self, limits):
        outer = dict(self._ranges)
        self._ranges.update({index: (as_size(lo), as_size(hi)) for index, lo, hi in limits})
        try:
            yield
        finally:
            self._ranges = outer

    def _print_temporary(self, expr):
        """A CSE temporary, computed over whole axes: sliced to the ranges of the sums it is read in
        (start:stop of an axis already whole is a no-op)."""
        picks = [f"{':'.join(self._span(i))}" if i in self._ranges else ":" for i in self._temps[expr]]
        code = self._symbol_name(expr)
        return code if all(p == ":" for p in picks) else f"{code}[{', '.join(picks)}]"

    def _einsum(self, spec, codes):
        return self.ops["einsum"].format(spec=spec, args=", ".join(codes))

    def _bound(self, value):
        value = as_size(value)
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
        rows, _cols = expr.shape
        name = self._symbol_name(Symbol(expr.name))
        if expr.name in self._vectors:
            return f"{name}[None, :]" if rows == 1 else f"{name}[:, None]"
        return name

    def _print_MatMul(self, expr):
        _coefficient, matrices = expr.as_coeff_matrices()
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


def as_size(value):
    """A length, a bound or a shape entry as a SymPy object (SymPy's shapes are already; a bound
    given as a Python int is not)."""
    return value if isinstance(value, Basic) else sympy.Integer(value)


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
            lengths.setdefault(index, as_size(length))
    for e in exprs:
        if isinstance(e, Basic):
            for s in e.atoms(Sum):
                for index, lo, hi in s.limits:
                    if lo == 0:
                        lengths.setdefault(index, hi + 1)
    return lengths


__all__ = ["TensorMixin", "as_size", "index_lengths", "index_symbols"]
