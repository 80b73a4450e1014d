"""Concrete instances of matrix- and index-notation expressions.

A symbolic size n becomes 2 or 3.  Two kinds of instance:

* `Instance` (symbolic): every matrix symbol an explicit matrix of real scalar
  symbols (``W`` -> ``W_0_1`` ...), every ``sum`` an explicit sum over
  ``x[0], x[1], ...``.  Derivatives there are ordinary partial derivatives,
  the ground truth for index notation.  Costly for inverses and determinants
  (a symbolic 3 x 3 inverse), so matrix notation uses
* `Point`s (numeric): random values for every matrix symbol and scalar,
  drawn as multiples of 1/8 so that floats and exact rationals are the same
  numbers: NumPy evaluates fast, SymPy re-evaluates exactly where a decision
  needs it.  Declared properties are honoured: a ``symmetric`` matrix is
  drawn symmetric, an ``spd`` one as L L^T + I; other square matrices get
  n I added, so that they are comfortably invertible.

Declarations also describe data (`DATA_KINDS`): ``binary`` (0/1 labels),
``sign`` (+-1 labels), ``probability`` (0 < p < 1), ``simplex`` (entries > 0
summing to 1: a distribution, each row of a matrix such as responsibilities
r[i, k]).  Every draw honours them, for matrices and vectors (`Point.draw`),
for scalars and the elements of arrays (`conform`), so a counterexample is a
point a user could meet.
"""

import math


import numpy as np
import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy import (
    Identity,
    ImmutableMatrix,
    Indexed,
    MatrixBase,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Rational,
    Symbol,
    ZeroMatrix,
)

from ..text.ranges import size_symbols
from ..text.inputs import as_basic
from ..text.symbol_table import name_of

DATA_KINDS = ("binary", "sign", "probability", "simplex", "onehot")
GROUPED = ("simplex", "onehot")  # kinds of a whole vector (each row of a matrix), not of one entry

# Sizes tried, per instance; distinct sizes per dimension catch shape-confusions
# that happen to work when everything is square.
SIZE_SETS = ((2, 3, 4), (3, 2, 2))


def dimensions(*exprs):
    """Size symbols: in matrix shapes and in sum bounds (any symbol there that is not
    an index: N in a SymPy user's Sum(..., (i, 0, N - 1)) need not be declared positive)."""
    dims = set()
    for e in exprs:
        if not isinstance(e, sympy.Basic):
            continue
        for m in e.atoms(MatrixSymbol):
            for d in m.shape:
                dims |= {s for s in as_basic(d).free_symbols}
        dims |= size_symbols(e)
    return sorted(dims, key=str)


class Instance:
    """One choice of sizes, with explicit matrices for the matrix symbols."""

    def __init__(self, sizes):
        self.sizes = dict(sizes)
        self._matrices = {}

    @classmethod
    def all_for(cls, *exprs, extra=()):
        """Instances at the size sets for the sizes of `exprs` (and the `extra` size symbols:
        the range of a free index no sum or matrix names)."""
        dims = sorted(set(dimensions(*exprs)) | set(extra), key=str)
        out = []
        for sizes in SIZE_SETS:
            out.append(cls({d: sizes[k % len(sizes)] for k, d in enumerate(dims)}))
        return out

    def describe(self):
        return ", ".join(f"{d} = {v}" for d, v in self.sizes.items()) or "the given sizes"

    def matrix(self, M):
        """The explicit matrix of scalar symbols standing for matrix symbol M."""
        key = M.name
        if key not in self._matrices:
            rows, cols = (int(as_basic(d).subs(self.sizes)) for d in M.shape)
            if cols == 1:
                entries = [[Symbol(f"{M.name}_{i}", real=True)] for i in range(rows)]
            elif rows == 1:
                entries = [[Symbol(f"{M.name}_{j}", real=True) for j in range(cols)]]
            else:
                entries = [[Symbol(f"{M.name}_{i}_{j}", real=True) for j in range(cols)] for i in range(rows)]
            self._matrices[key] = sympy.Matrix(entries)
        return self._matrices[key]

    def symmetric(self, M):
        """Restriction making M symmetric: maps M_j_i to M_i_j (i < j)."""
        E = self.matrix(M)
        n = E.shape[0]
        return {E[j, i]: E[i, j] for i in range(n) for j in range(n) if i < j}

    def explicit(self, expr):
        """`expr` at this instance: scalars stay scalars, matrices become Matrices."""
        if isinstance(expr, MatrixBase):
            return expr.applyfunc(self.explicit)
        expr = as_basic(expr)
        if self.sizes:
            expr = expr.xreplace({s: sympy.Integer(v) for s, v in self.sizes.items()})  # subs: much slower
        mapping = {m: self.matrix(m) for m in expr.atoms(MatrixSymbol)}
        # rows lo..hi of a declared matrix (a sum over part of the sample, text/arrays/rows.py): its entries
        # (a slice of the mutable Matrix above could not be hashed); xreplace meets the slice first
        mapping.update({s: sympy.ImmutableMatrix(self.matrix(s.parent)[slice(*s.rowslice), slice(*s.colslice)])
                        for s in expr.atoms(sympy.MatrixSlice) if isinstance(s.parent, MatrixSymbol)
                        and all(as_basic(b).is_Integer for b in (*s.rowslice, *s.colslice))})
        # constant matrices (ones, identity, zeros) become explicit too, so products evaluate
        mapping.update({c: c.as_explicit() for c in expr.atoms(OneMatrix, Identity, ZeroMatrix)
                        if all(as_basic(d).is_Integer for d in c.shape)})
        if mapping:
            expr = expr.xreplace(mapping)
        expr = write_out_sums(entrywise_powers(expr))
        if _needs_doit(expr):
            expr = expr.doit()
        if isinstance(expr, MatrixExpr) and not isinstance(expr, MatrixBase):
            expr = expr.as_explicit()
        if isinstance(expr, MatrixBase):
            expr = sympy.Matrix(expr)
        return expr

    def index_values(self, index, lo, hi):
        lo, hi = (int(as_basic(b).subs(self.sizes)) for b in (lo, hi))
        return range(lo, hi + 1)


def write_out_sums(expr):
    """Every sum with numeric bounds written out term by term, innermost first.  SymPy's
    Sum.doit looks for a closed form before it expands: 20 times slower on a batched
    cross-entropy, for the same terms."""
    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.Sum):
        return expr

    def expand(s):
        if not all(b.is_Integer for _, lo, hi in s.limits for b in (lo, hi)):
            return s
        terms = [s.function]
        for index, lo, hi in reversed(s.limits):
            terms = [t.xreplace({index: sympy.Integer(v)}) for t in terms for v in range(int(lo), int(hi) + 1)]
        return sympy.Add(*terms)

    return expr.replace(lambda e: isinstance(e, sympy.Sum), expand)


_DOIT_KINDS = (sympy.Derivative, sympy.Sum, MatrixExpr, sympy.Subs)


def _needs_doit(expr):
    """Is anything left that only doit() evaluates (derivatives, matrix products, sums with
    symbolic bounds)?"""
    if isinstance(expr, MatrixBase):
        return any(_needs_doit(e) for e in expr)
    return isinstance(expr, sympy.Basic) and (isinstance(expr, MatrixExpr) or any(
        isinstance(node, _DOIT_KINDS) for node in sympy.preorder_traversal(expr)))


def scalar_symbols(expr):
    """The scalars to assign values to: Symbols and Indexed elements (not indices)."""
    if isinstance(expr, MatrixBase):
        out = set()
        for e in expr:
            out |= scalar_symbols(e)
        return out
    expr = as_basic(expr)
    out = {a for a in expr.atoms(Indexed)}
    skip = {s for a in out for i in a.indices for s in as_basic(i).free_symbols} | {a.base.label for a in out}
    skip |= {s for e in expr.atoms(sympy.Sum) for lim in e.limits for b in lim for s in as_basic(b).free_symbols}
    # an integer that is neither an index nor a bound is data (a count y: nonnegative integer), drawn as such
    out |= {s for s in expr.free_symbols if isinstance(s, Symbol) and s not in skip and not (
        s.is_integer and (s.is_positive or s.is_nonnegative) is None)}
    return out




# ---------------------------------------------------------------------------
# declared data kinds


def data_kinds(namespace, *exprs):
    """{Symbol, IndexedBase or MatrixSymbol: data kind} for the objects in `exprs` whose
    names were declared binary, sign, probability or simplex."""
    declared = getattr(namespace, "properties", None) or {}
    out = {}
    for e in exprs:
        if not isinstance(e, sympy.Basic):
            continue
        objects = e.free_symbols | e.atoms(MatrixSymbol) | {a.base for a in e.atoms(Indexed)}
        for obj in objects:
            if not isinstance(obj, (Symbol, MatrixSymbol, sympy.IndexedBase)):
                continue
            words = declared.get(name_of(obj)) or ()
            kind = next((w for w in DATA_KINDS if w in words), None)
            if kind is not None:
                out[obj] = kind
    return out


def instance_kinds(kinds, inst):
    """Declared data kinds at the instance `inst`, for `conform`: a matrix symbol's explicit entries
    one by one, or per row (a vector: all its entries) for a simplex."""
    out = {}
    for key, kind in kinds.items():
        if not isinstance(key, MatrixSymbol):
            out[key] = kind
            continue
        E = inst.matrix(key)
        if kind not in GROUPED:
            out.update({s: kind for s in E})
        elif 1 in E.shape:
            out[tuple(E)] = kind
        else:
            out.update({tuple(E.row(r)): kind for r in range(E.rows)})
    return out


def data_value(kind, value):
    """An exact value of `kind` made from a random nonzero rational `value` (its numerator's
    parity picks a label, its size a probability)."""
    if kind == "binary":
        return sympy.Integer(abs(value.p) % 2) if value.is_Rational else sympy.Integer(int(abs(value) * 8) % 2)
    if kind == "sign":
        return sympy.Integer(1 if (value.p if value.is_Rational else int(abs(value) * 8)) % 2 else -1)
    if kind == "probability":
        a = abs(value)
        return a / (a + 1)
    return value


def conform(point, kinds):
    """`point` (symbol or element -> exact value) with declared data kinds honoured.

    `kinds` maps a Symbol, an IndexedBase (each element; a simplex is normalized over
    the last index, per value of the others: rows of r[i, k]) or a tuple of Symbols
    (the entries of one simplex) to a kind."""
    if not kinds:
        return point
    point = dict(point)
    groups = {}
    for key in list(point):
        kind = kinds.get(key)
        group_key = key
        if kind is None and isinstance(key, Indexed):
            kind = kinds.get(key.base)
            group_key = (key.base, key.indices[:-1])
        if kind in GROUPED:
            groups.setdefault(group_key, []).append(key)
        elif kind is not None:
            point[key] = data_value(kind, point[key])
    group_kind = {}
    for key, kind in kinds.items():
        if kind in GROUPED and isinstance(key, tuple):
            groups[key] = [s for s in key if s in point]
            group_kind[key] = kind
    for key, members in groups.items():
        kind = group_kind.get(key) or kinds.get(members[0]) or kinds.get(getattr(members[0], "base", None))
        weights = [abs(point[m]) or sympy.Integer(1) for m in members]
        if kind == "onehot":  # the largest entry is the class: 1 there, 0 elsewhere
            hot = max(range(len(members)), key=lambda k: weights[k])
            for k, m in enumerate(members):
                point[m] = sympy.Integer(k == hot)
            continue
        total = sum(weights)
        for m, w in zip(members, weights):
            point[m] = w / total
    return point


# ---------------------------------------------------------------------------
# numeric points

_GRID = 8  # values are multiples of 1/8: exact in float64
# (entries positive?, scale, n I added to square matrices?) per attempt, in turn: mixed signs
# first; positive entries for log/sqrt domains, also small and unshifted (sin(X) > 0)
_SCHEMES = ((False, 1.0, True), (True, 0.5, False), (False, 0.5, True), (True, 1.0, True),
            (False, 2.0, True), (True, 0.25, False))


def size_choices(*exprs):
    """The size assignments to try: two (distinct sizes per dimension) if any
    size is symbolic, else the one given."""
    dims = dimensions(*exprs)
    return [{d: sizes[k % len(sizes)] for k, d in enumerate(dims)} for sizes in SIZE_SETS] if dims else [{}]


class Point:
    """Values for the matrix symbols and scalars of a problem at one instance.

    ``values`` maps each (symbolic-shape) MatrixSymbol to a 2-D float array
    and each scalar Symbol to a float; ``sizes`` maps size symbols to ints.
    """

    def __init__(self, sizes, values):
        self.sizes, self.values = sizes, values

    @classmethod
    def draw(cls, sizes, symbols, rng, attempt=0, properties=None):
        """Random values; attempts vary signs and scales (`_SCHEMES`) so that domains
        like log or sqrt of entries are found."""
        properties = properties or {}
        positive, scale, shift = _SCHEMES[attempt % len(_SCHEMES)]
        values = {}
        for s in sorted(symbols, key=str):
            if isinstance(s, MatrixSymbol):
                values[s] = _matrix(s, sizes, rng, positive, scale, shift, properties.get(s, ()))
            else:
                values[s] = _scalar(s, rng, positive, scale, properties.get(s, ()))
        return cls(sizes, values)

    def describe(self):
        return ", ".join(f"{d} = {v}" for d, v in self.sizes.items()) or "the given sizes"

    def exact(self):
        """The same point as exact SymPy values: {symbol: Rational or ImmutableMatrix}."""
        out = {}
        for s, v in self.values.items():
            if isinstance(s, MatrixSymbol):
                out[s] = ImmutableMatrix(v.shape[0], v.shape[1], [_rational(e) for e in v.ravel()])
            else:
                out[s] = _rational(v)
        return out

    def exact_value(self, expr, digits=40):
        """`expr` at this point, exactly where rational, else to `digits` digits."""
        exact = self.exact()
        e = as_basic(expr)
        if self.sizes:
            e = e.subs(self.sizes)
            exact = {(k.subs(self.sizes) if isinstance(k, MatrixSymbol) else k): v for k, v in exact.items()}
        e = e.xreplace(exact)
        constants = {c: c.as_explicit() for c in e.atoms(OneMatrix, Identity, ZeroMatrix)
                     if all(as_basic(d).is_Integer for d in c.shape)}
        e = e.xreplace(constants) if constants else e
        for _ in range(3):  # tr(c*M) evaluates in two rounds: the product, then the trace
            e = entrywise_powers(e).doit()
            if isinstance(e, MatrixExpr) and not isinstance(e, MatrixBase):
                e = e.as_explicit()
        if isinstance(e, MatrixBase):
            return ImmutableMatrix(e.applyfunc(lambda v: v if v.is_Rational else v.evalf(digits)))
        return e if e.is_Rational else e.evalf(digits)


def entrywise_powers(expr):
    """HadamardPower(Matrix(...), p) raised entry by entry: SymPy's doit() leaves it as it is,
    so sum(w**3) at an instance would stay symbolic (and compare as 'undefined').  Likewise an
    entrywise map and diag() of explicit entries are written out: left to SymPy, a product with
    them is expanded entry by entry through summations (1.5 s for a 3 x 3 logistic Hessian)."""
    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.HadamardPower, ElementwiseApplyFunction, DiagMatrix):
        return expr
    expr = expr.replace(
        lambda e: isinstance(e, ElementwiseApplyFunction) and isinstance(e.expr.doit(), MatrixBase),
        lambda e: e.expr.doit().applyfunc(e.function))
    expr = expr.replace(
        lambda e: isinstance(e, DiagMatrix) and isinstance(e.args[0].doit(), MatrixBase),
        lambda e: sympy.diag(*e.args[0].doit()))
    return expr.replace(
        lambda e: isinstance(e, sympy.HadamardPower) and isinstance(e.args[0].doit(), MatrixBase),
        lambda e: e.args[0].doit().applyfunc(lambda v: v ** e.args[1]))


def _rational(v):
    return Rational(int(round(float(v) * _GRID ** 4)), _GRID ** 4)


def _grid(rng, shape, positive, scale):
    k = rng.integers(2, 2 * _GRID + 1, size=shape) if positive else rng.integers(-2 * _GRID, 2 * _GRID + 1, size=shape)
    return k / _GRID * scale


def _matrix(M, sizes, rng, positive, scale, shift, props):
    rows, cols = (int(as_basic(d).subs(sizes)) for d in M.shape)
    kind = next((w for w in DATA_KINDS if w in props), None)
    if kind is not None:
        return _data_array(kind, (rows, cols), rng)
    for _ in range(20):
        if "spd" in props:
            L = _grid(rng, (rows, rows), False, 0.5)
            A = L @ L.T + np.eye(rows)
        else:
            A = _grid(rng, (rows, cols), positive, scale)
            if "symmetric" in props:
                A = (A + A.T) / 2
            if rows == cols and rows > 1 and shift:
                A = A + rows * scale * np.eye(rows)
        if rows != cols or rows == 1 or np.linalg.cond(A) < 1e6:
            return A
    return A


def _data_array(kind, shape, rng):
    """Data of a declared kind, exact in float64: labels, probabilities on the 1/8 grid, and
    simplex rows (a vector: its one column) made of parts of a power of two."""
    rows, cols = shape
    if kind == "binary":
        return rng.integers(0, 2, size=shape).astype(float)
    if kind == "sign":
        return rng.choice([-1.0, 1.0], size=shape)
    if kind == "probability":
        return rng.integers(1, _GRID, size=shape) / _GRID
    vector = cols == 1
    length = rows if vector else cols
    if kind == "onehot":  # one class per row (a vector: one entry of its column)
        hot = np.zeros((1 if vector else rows, length))
        hot[np.arange(hot.shape[0]), rng.integers(0, length, size=hot.shape[0])] = 1.0
        return hot.T if vector else hot
    total = 2 ** (max(1, math.ceil(math.log2(length))) + 4)
    out = []
    for _ in range(1 if vector else rows):
        cuts = np.sort(rng.choice(np.arange(1, total), size=length - 1, replace=False))
        out.append(np.diff(np.concatenate([[0], cuts, [total]])) / total)
    A = np.array(out)
    return A.T if vector else A


def _scalar(s, rng, positive, scale, props=()):
    kind = next((w for w in DATA_KINDS if w in props), None)
    if kind in ("binary", "sign", "probability"):
        return float(_data_array(kind, (1, 1), rng)[0, 0])
    if s.is_integer:
        return float(rng.integers(1, 5))
    value = float(rng.integers(2, 2 * _GRID + 1)) / _GRID * scale
    if s.is_negative or not (s.is_positive or s.is_nonnegative or positive) and rng.random() < 0.5:
        value = -value
    return value
