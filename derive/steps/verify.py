"""Every step is checked before it is shown: before == after, numerically.

    scalar notation   each line with its pending Derivatives evaluated, at
                      random exact rational points (40-digit arithmetic, exact
                      for rational functions)
    index notation    on concrete instances (sizes 2 and 3): explicit sums,
                      every value of the free index, random element values
    matrix notation   on concrete instances: explicit matrices, a pending
                      differential d(E) evaluated as the directional
                      derivative of E along a random dX; the last step
                      (df = tr(G^T dX), so grad f = G) by comparing df with
                      tr(G^T dX)

Consecutive lines are compared at the same points, so the whole chain, from
d/dx f to the result, is one checked equality.  A step that fails is a bug in
a rule: it raises `ValidationError` instead of being shown.
"""

import itertools
import random

import sympy
from sympy import Indexed, MatrixBase, MatrixSymbol, Sum, Symbol
from sympy.matrices.expressions.diagonal import DiagonalOf
from sympy.matrices.utilities import dotprodsimp

from ..validation.equivalence import differ, numeric_value, sample_point
from ..errors import ValidationError
from ..validation.instances import Instance, entrywise_powers, scalar_symbols
from ..validation.tensor import free_index_values
from ..text.inputs import as_basic
from ..present.formulas import text

POINTS = 3
MAX_TRIES = 40


def compare_chain(exprs, steps, values_at, points, what):
    """Compare exprs[i] with exprs[i + 1] (step i) at each point; mark the steps checked.

    `values_at(point_index)` returns the values of all exprs there (None where
    undefined) or None when the point is unusable.
    """
    compared = [0] * len(steps)
    used = 0
    for p in range(points * 6):
        if used >= points:
            break
        values = values_at(p)
        if values is None:
            continue
        used += 1
        for i, step in enumerate(steps):
            a, b = values[i], values[i + 1]
            if a is None or b is None:
                continue
            if _unequal(a, b):
                raise ValidationError(f"step {i + 1} ({step.rule}) failed its numeric check: "
                                      f"{text(step.before)} and {text(step.after)} differ ({a} vs {b}); "
                                      "this is a bug in the step rules, please report it")
            compared[i] += 1
    if used == 0 and steps:
        raise ValidationError(f"could not check the steps of {what}: no point where the derivative is defined")
    for step, n in zip(steps, compared):
        if n == 0:
            raise ValidationError(f"could not check step '{step.rule}' of {what}: it is undefined at every point "
                                  "tried")
        step.checked = f"equal at {n} {'random points' if n > 1 else 'random point'}"
    return used


def _unequal(a, b):
    """Values differ (scalars, or tuples of a vector's entries)."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return not (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)) or any(
            differ(u, v) for u, v in zip(a, b))
    return differ(a, b)


# ---------------------------------------------------------------------------
# scalar notation


def check_scalar_chain(start, steps, what="", seed=0):
    if start.atoms(Indexed) or start.has(Sum):  # d/dmu sum((x[i] - mu)**2, i): sums written out at instances
        return check_index_chain(start, start, steps, (), what, seed)
    exprs = [start] + [s.after for s in steps]
    evaluated = [e.doit() for e in exprs]
    symbols = sorted((s for s in start.free_symbols if isinstance(s, Symbol) and not s.is_integer), key=str)
    rng = random.Random(seed)

    def values_at(k):
        point = sample_point(symbols, rng, k)
        first = numeric_value(evaluated[0], point)
        if first is None:
            return None
        return [first] + [numeric_value(e, point) for e in evaluated[1:]]

    return compare_chain(exprs, steps, values_at, POINTS, what)


# ---------------------------------------------------------------------------
# index notation


def free_index_ranges(f, targets):
    """{index: (lo, hi)} for the free indices of the targets x[k] (and x[l]).

    A free index ranges like the summation indices at the same position of
    the same array in f (x[i] in sum(..., (i, 0, n - 1)) gives k 0..n-1).
    """
    limits = {lim[0]: (lim[1], lim[2]) for s in f.atoms(Sum) for lim in s.limits}
    ranges = {}
    for t in targets:
        for pos, k in enumerate(t.indices):
            found = None
            for a in f.atoms(Indexed):
                if a.base == t.base and len(a.indices) > pos and a.indices[pos] in limits:
                    found = limits[a.indices[pos]]
                    break
            n = Symbol("n", integer=True, positive=True)
            ranges.setdefault(k, found or (sympy.Integer(0), n - 1))
    return ranges


def _unbound_index_ranges(f):
    """Indices of f that no sum runs over (i in sum(w[j]*x[i, j] + b, j)), ranged like the sums
    over the same axis, else 0..n-1; each takes values like a free index."""
    bound = {lim[0] for s in f.atoms(Sum) for lim in s.limits}
    unbound = [i for a in f.atoms(Indexed) for i in a.indices if isinstance(i, Symbol) and i not in bound]
    if not unbound:
        return {}
    found = free_index_ranges(f, [a for a in f.atoms(Indexed) if set(a.indices) & set(unbound)])
    return {i: r for i, r in found.items() if i in unbound}


def index_assignments(inst, ranges, limit=4):
    """Values of the free indices at this instance: all of them, or `limit`
    spread over the diagonal and off it."""
    names = list(ranges)
    values = [list(free_index_values(inst, *ranges[k])) for k in names]  # a size no sum has: the instance's
    combos = [dict(zip(names, c)) for c in itertools.product(*values)]
    if len(combos) <= limit:
        return combos
    diagonal = [c for c in combos if len(set(c.values())) == 1]
    other = [c for c in combos if len(set(c.values())) > 1]
    return (diagonal[:limit // 2] + other)[:limit]


def check_index_chain(f, start, steps, targets, what="", seed=0):
    exprs = [start] + [s.after for s in steps]
    ranges = {**_unbound_index_ranges(f), **free_index_ranges(f, targets)}
    cases = []
    for inst in Instance.all_for(f, *exprs):
        for assign in index_assignments(inst, ranges):
            explicit = [inst.explicit(e.xreplace(assign)) for e in exprs]
            cases.append(explicit)
    rng = random.Random(seed)
    total = 0
    for explicit in cases:
        symbols = sorted(scalar_symbols(explicit[0]) | set().union(*(scalar_symbols(e) for e in explicit[1:])),
                         key=str)

        def values_at(k, explicit=explicit, symbols=symbols):
            point = sample_point(symbols, rng, k)
            first = numeric_value(explicit[0], point)
            if first is None:
                return None
            return [first] + [numeric_value(e, point) for e in explicit[1:]]

        total += compare_chain(exprs, steps, values_at, 2, what)
    for s in steps:
        s.checked = f"equal on {len(cases)} instances (sizes 2 and 3, every free index value), random elements"
    return total


# ---------------------------------------------------------------------------
# matrix notation


class MatrixEvaluator:
    """Values of differential expressions at one point of one instance.

    The point gives every matrix symbol an explicit matrix of numbers; a
    pending d(E) is the directional derivative of E along dX there, a central
    difference (E(X + h dX) - E(X - h dX)) / 2h with h = 1e-30 in 100-digit
    arithmetic: its error, about h^2 = 1e-60, is far below the 40 digits the
    lines are compared to, and no symbolic inverse or determinant is formed.
    """

    DIGITS = 100
    H = sympy.Float("1e-30", DIGITS)

    def __init__(self, inst, X, dX, matrices, scalars):
        self.inst, self.X, self.dX = inst, X, dX
        to_float = lambda v: sympy.Float(v, self.DIGITS)  # noqa: E731
        self.matrices = {k: sympy.ImmutableMatrix(M).applyfunc(to_float) for k, M in matrices.items()}
        self.scalars = {k: to_float(v) for k, v in scalars.items()}

    def value(self, expr):
        from .differentials import PENDING
        from .scalar import outermost

        expr = _without_diagonal_of(expr)
        with dotprodsimp(False):  # SymPy would simplify every entry of every product: slow, and not needed
            nodes = {node: self._directional(node.args[0]) for node in outermost(expr, PENDING)}
            return self._explicit(expr.xreplace(nodes), self.matrices)

    def _directional(self, E):
        X, dX = self.matrices[self.X.name], self.matrices[self.dX.name]
        up = self._explicit(E, {**self.matrices, self.X.name: X + self.H * dX}).evalf(self.DIGITS)
        down = self._explicit(E, {**self.matrices, self.X.name: X - self.H * dX}).evalf(self.DIGITS)
        slope = (up - down) / (2 * self.H)
        return sympy.ImmutableMatrix(slope) if isinstance(slope, MatrixBase) else slope

    def _explicit(self, expr, matrices):
        expr = expr.subs(self.inst.sizes) if self.inst.sizes else expr
        swap = {M: matrices[M.name] for M in expr.atoms(MatrixSymbol)}
        swap.update({c: c.as_explicit() for c in expr.atoms(sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix)
                     if all(as_basic(d).is_Integer for d in c.shape)})
        swap.update(self.scalars)
        value = entrywise_powers(expr.xreplace(swap)).doit()
        if isinstance(value, sympy.MatrixExpr) and not isinstance(value, MatrixBase):
            value = value.as_explicit()
        return value


def _without_diagonal_of(expr):
    """diagonal(A) as (A o I) 1: SymPy cannot build DiagonalOf of an explicit matrix (its shape
    code expects SymPy integers), which evaluating at a point does."""
    return expr.replace(lambda e: isinstance(e, DiagonalOf),
                        lambda e: sympy.HadamardProduct(e.arg, sympy.Identity(e.arg.shape[0]))
                        * sympy.OneMatrix(e.arg.shape[0], 1))


def _numeric(value):
    if isinstance(value, MatrixBase):
        if value.shape == (1, 1):
            return numeric_value(value[0, 0], {})
        out = [numeric_value(v, {}) for v in value]
        return None if any(v is None for v in out) else tuple(out)
    return numeric_value(value, {})


def check_matrix_chain(exprs, steps, X, dX, what="", seed=0, points=2):
    """exprs[i] == exprs[i + 1] on instances; exprs may be scalar or vector differential expressions."""
    rng = random.Random(seed)
    instances = Instance.all_for(*exprs, X)
    matrices = sorted(set().union(*(e.atoms(MatrixSymbol) for e in exprs)) | {X, dX}, key=str)  # d(a) = 0: no X
    # scalars get values, integer ones too (the exponent of det(X**j)); only sizes come from instances
    scalars = sorted({s for e in exprs for s in e.free_symbols
                      if isinstance(s, Symbol) and s not in
                      {d for M in matrices for dim in M.shape for d in as_basic(dim).free_symbols}}, key=str)
    for inst in instances:
        entries = {M.name: inst.matrix(M) for M in matrices}
        symbols = sorted(set().union(*(set(E) for E in entries.values())) | set(scalars), key=str)

        def values_at(k, entries=entries, symbols=symbols, inst=inst):
            point = sample_point(symbols, rng, k)
            numbers = {name: E.xreplace(point) for name, E in entries.items()}
            evaluator = MatrixEvaluator(inst, X, dX, numbers, {s: point[s] for s in scalars})
            try:
                first = _numeric(evaluator.value(exprs[0]))
            except (ZeroDivisionError, ValueError, TypeError):
                return None  # a singular matrix, say: another point
            if first is None:
                return None
            return [first] + [_numeric(evaluator.value(e)) for e in exprs[1:]]

        compare_chain(exprs, steps, values_at, points, what)
    for s in steps:
        s.checked = (f"equal on {len(instances)} instances ({' and '.join(i.describe() for i in instances)}), "
                     "random matrices")


__all__ = ["check_index_chain", "check_matrix_chain", "check_scalar_chain", "free_index_ranges"]
