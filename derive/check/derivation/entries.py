"""A line of a derivation, whatever its notation, as the entries of the derivative it claims.

One line may be a matrix expression (2*X.T@(X@w - y)), an index expression with the entry's
free index (2*sum((sum(X[i,j]*w[j], j) - y[i])*X[i,k], i)), a scalar, or an explicit vector
([2*x, 3*y**2]).  At a concrete instance (sizes 2, 3, 4, `validation.instances.Instance`) each
becomes the same thing: a list of scalar expressions in the instance's explicit entries
(X_0_1, w_1, x[2], ...), one per entry of the derivative, in row-major order.  Two lines then
compare entry by entry at random exact points (`equivalence.numeric_search`), whatever notation
each was written in.
"""

import itertools
from dataclasses import dataclass, field

import sympy
from sympy import Determinant, Indexed, Inverse, MatrixBase, MatrixExpr, MatrixSlice, MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

from ...errors import ShapeError
from ...text.inputs import as_basic
from ...text.ranges import index_range
from ...validation.instances import Instance, scalar_symbols


@dataclass
class Target:
    """What is derived: f, the variables as derive takes them, and the entry's index names.

    ``wrt`` is a MatrixSymbol (the gradient is its shape), an element x[k] of an undeclared
    array (index notation), or scalar Symbols (one entry each).  ``axes`` are the index symbols
    naming an entry ((k,) for w[k], (k, l) for W[k, l]); a line that leaves them free is that
    entry."""

    f: object
    wrt: tuple
    axes: tuple = ()
    ns: object = None
    labels: dict = field(default_factory=dict)  # free index symbol -> axis, learned from the lines

    @property
    def matrix(self):
        return len(self.wrt) == 1 and isinstance(self.wrt[0], MatrixSymbol)

    @property
    def element(self):
        return len(self.wrt) == 1 and isinstance(self.wrt[0], Indexed)

    def shape(self, inst):
        """The derivative's shape at `inst`."""
        if self.matrix:
            return tuple(int(as_basic(d).xreplace(_integers(inst.sizes))) for d in self.wrt[0].shape)
        if self.element:
            counts = [len(self.index_values(i, inst)) for i in self.wrt[0].indices]
            return (counts[0], counts[1] if len(counts) > 1 else 1)
        return (len(self.wrt), 1)

    def index_values(self, index, inst):
        lo, hi = index_range(index, self.ns, *([self.f] if self.f is not None else []), *self.wrt)
        lo, hi = (int(as_basic(b).xreplace(_integers(inst.sizes))) for b in (lo, hi))
        return range(lo, hi + 1)

    def dimensions(self):
        """Size symbols of the derivative's shape (for the instances)."""
        if self.matrix:
            return {s for d in self.wrt[0].shape for s in as_basic(d).free_symbols}
        if self.element:
            return {s for i in self.wrt[0].indices for b in index_range(i, self.ns, *(
                [self.f] if self.f is not None else []), *self.wrt) for s in as_basic(b).free_symbols}
        return set()


class Mismatch(ShapeError):
    """A line whose shape is not the derivative's (a row for a column, a scalar for a vector)."""

    def __init__(self, message, shape=None, transposed=False, unbound=()):
        super().__init__(message)
        self.shape, self.transposed = shape, transposed
        self.unbound = unbound  # index symbols used outside any sum in a matrix line


def free_indices(expr):
    """Index symbols of array elements (x[i], X[i, j] of a declared X) that no sum binds."""
    if not isinstance(expr, sympy.Basic) or isinstance(expr, MatrixBase):
        return set()
    found = set()
    for a in expr.atoms(Indexed):
        for i in a.indices:
            found |= {s for s in as_basic(i).free_symbols if isinstance(s, sympy.Symbol)}
    for a in expr.atoms(MatrixElement, MatrixSlice):  # X[i, j]; x^{(i)} outside a sum is X[i:i+1, :].T
        for i in a.args[1:]:
            found |= {s for s in as_basic(i).free_symbols if isinstance(s, sympy.Symbol)}
    for a in expr.atoms(sympy.KroneckerDelta):  # delta_ik: k free where no sum binds it
        found |= {s for s in a.free_symbols if isinstance(s, sympy.Symbol) and s.is_integer}
    return found & expr.free_symbols - _sizes(expr)


def _sizes(expr):
    """The size symbols of the arrays in `expr` (n of X: n x d), never an index."""
    return {s for M in expr.atoms(MatrixSymbol) for d in M.shape for s in as_basic(d).free_symbols}


def instances(target, exprs):
    """The instances every line of one derivation is compared at: the same sizes for all."""
    exprs = [e for e in exprs if isinstance(e, sympy.Basic)]
    if target.f is not None:
        exprs.append(target.f)
    return Instance.all_for(*exprs, *[w for w in target.wrt if isinstance(w, MatrixSymbol)],
                            extra=target.dimensions())


def entries(expr, target, inst, f_free=()):
    """`expr`'s entries at `inst`, row-major in the derivative's shape; a `Mismatch` when the
    line has another shape."""
    want = target.shape(inst)
    if isinstance(expr, MatrixExpr):
        stray = sorted(free_indices(expr) - set(f_free) - set(target.axes), key=str)
        if stray:  # a matrix line has no free index: this one is an index that left its sum
            raise Mismatch(f"leaves the ind{'ices' if len(stray) > 1 else 'ex'} {', '.join(map(str, stray))} free "
                           "outside any sum", None, unbound=tuple(stray))
    if isinstance(expr, (MatrixBase, MatrixExpr)):
        M = explicit(inst, expr)
        if not isinstance(M, MatrixBase):
            M = sympy.Matrix([[M]])
        got = tuple(M.shape)
        if got == want:
            return list(M)
        if got == (1, 1) and want == (1, 1):
            return [M[0, 0]]
        if got == want[::-1] and 1 in want:
            raise Mismatch(f"is a {_shape_words(got)} where the derivative is a {_shape_words(want)}", got, True)
        raise Mismatch(f"is {got[0]} x {got[1]} where the derivative is {want[0]} x {want[1]}", got)
    free = sorted(free_indices(expr) - set(f_free), key=str)
    if not free:
        if want != (1, 1):
            raise Mismatch(f"is a scalar with no free index where the derivative is {want[0]} x {want[1]}", (1, 1))
        return [explicit(inst, expr)]
    axes = _axes_of(free, target, want)
    if target.element:
        values = [target.index_values(a, inst) for a in target.axes]
    else:  # a matrix variable: entry k of w is k = 0..d-1, as SymPy indexes a MatrixSymbol
        values = [range(n) for n in want if n != 1] or [range(1)]
    out = []
    for combo in itertools.product(*values):
        sub = {i: sympy.Integer(v) for i, v in zip(axes, combo)}
        out.append(explicit(inst, as_basic(expr).xreplace(sub)))
    if len(out) != want[0] * want[1]:
        raise Mismatch(f"has {len(out)} entries where the derivative has {want[0] * want[1]}", None)
    return out


def explicit(inst, expr):
    """`inst.explicit(expr)` with every inverse and determinant of a matrix written out first by
    the adjugate and Berkowitz's determinant: SymPy's own inverse of a matrix of symbols looks for
    pivots with `equals` (25 s for the 2 x 2 and 3 x 3 of log det X - tr(A X^-1)); these are
    division-free polynomials, milliseconds."""
    if isinstance(expr, sympy.Basic) and expr.has(Inverse, Determinant):
        expr = expr.replace(lambda e: isinstance(e, (Inverse, Determinant)) and _concrete(e.arg, inst),
                            lambda e: _written_out(e, inst))
    return inst.explicit(expr)


def _concrete(matrix, inst):
    """Whether `matrix` has a size at `inst` and no index of a sum inside (then it is written out)."""
    return not free_indices(matrix) and all(as_basic(d).xreplace(_integers(inst.sizes)).is_Integer
                                            for d in matrix.shape)


def _written_out(e, inst):
    M = inst.explicit(e.arg)
    if not isinstance(M, MatrixBase):
        return e
    det = M.det(method="berkowitz")
    if isinstance(e, Determinant):
        return det
    if det == 0:
        return e  # singular at every point: SymPy's own inverse says so
    return sympy.ImmutableMatrix(M.adjugate(method="berkowitz") / det)


def _axes_of(free, target, want):
    """The line's free indices in the order of the derivative's axes."""
    if target.axes:
        if set(free) <= set(target.axes) and len(free) == len(target.axes):
            return list(target.axes)
        named = [target.labels.get(i) for i in free]
        if all(n is not None for n in named) and len(free) == len(target.axes):
            return [free[named.index(k)] for k in range(len(free))]
    wanted = len([d for d in want if d != 1]) or 1
    if len(free) != wanted:
        raise Mismatch(f"leaves the ind{'ices' if len(free) > 1 else 'ex'} {', '.join(map(str, free))} free where "
                       f"the derivative's entry has {wanted}", None)
    return free


def symbols_of(*groups):
    """The scalars to draw values for: explicit entries, Indexed elements, plain symbols."""
    out = set()
    for group in groups:
        for e in group:
            out |= scalar_symbols(e)
    return sorted(out, key=str)


def _shape_words(shape):
    return {True: "row", False: "column"}[shape[0] == 1] if 1 in shape else f"{shape[0]} x {shape[1]} matrix"


def _integers(sizes):
    return {s: sympy.Integer(v) for s, v in sizes.items()}


__all__ = ["Mismatch", "Target", "entries", "free_indices", "instances", "symbols_of"]
