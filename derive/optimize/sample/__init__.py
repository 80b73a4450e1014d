"""Critical points of a function of a sample: scalar parameters inside sums over data.

    critical_points("sum(-log(sigma) - (x[i] - mu)**2/(2*sigma**2), i)", "mu sigma")
        max at mu = sum(x[i], i)/n, sigma = sqrt(sum((x[i] - mu)**2, i)/n)
            when the x[i] are not all equal
    critical_points("sum(x[i]*log(lam) - lam - log(factorial(x[i])), i)", "lam")
        max at lam = sum(x[i], i)/n when sum(x[i], i) > 0

How: the gradient is taken under the sums and each sum is split so that the
parameters stand outside (`sums.pull`: sum(x[i] - mu, i) = sum(x[i], i) - n*mu).
What is left inside the sums is data; while SymPy solves, each data sum is a
placeholder symbol (`sums.Placeholders`), so grad f = 0 is an ordinary system in
the parameters.  Sums of data are data, not free parameters: there is no case
split on them.  The conditions that remain (a logarithm's argument > 0, a
square root's >= 0, a denominator != 0) are decided under what is known about
data (`Facts`): a size n is a positive integer, sum(x[i]**2) >= 0, and the
sample variance sum(x[i]**2)/n - (sum(x[i])/n)**2 is >= 0, 0 only when every
x[i] is the same.  A condition that always holds is dropped; one that says the
variance is positive reads "the x[i] are not all equal".

The answer is written as a textbook writes it: each parameter from its own
equation, in terms of the ones before (sigma from its equation with the sum
(x[i] - mu)**2 kept whole, after mu), when that solves to the same value.
The kind comes from the Hessian's leading minors, whose signs are decided from
the same facts.  Every point is checked on written-out samples: at two random
data sets of different sizes that meet its conditions, the partial derivatives
of f (the sums expanded, no index calculus) vanish exactly at the point.

This package: the critical points here (the gradient under the sums, solved with data sums as
placeholders, the conditions and the kind); what is known about data sums in facts.py; the
textbook form of the answer in textbook.py; the checks on written-out samples in checks.py.

May import: derive.derivation and everything below it, and derive.optimize's light, parametric,
concrete, results and sums.
"""


import sympy
from sympy import Ge, Gt, Indexed, IndexedBase, Le, Lt, Sum, Symbol

from ...errors import LimitError, SymbolError
from ...text.budgets import attempt
from ...text.printing import to_text
from .. import light, parametric
from ..light import fast_solve
from ..results import CriticalPoint, CriticalPoints
from ..sums import Placeholders, pull
from .checks import _check, _kind_at_samples, _sizes, samples_for
from .facts import _FLIPPED, Facts
from .textbook import _display, _substituted


def has_data_sums(expr, variables):
    """Does `expr` sum over data, with some of the scalar `variables` inside a sum?"""
    return any(s.has(*variables) for s in expr.atoms(Sum)) if isinstance(expr, sympy.Basic) else False


def parameters(expr, variables):
    """Scalar symbols of expr that are neither variables, nor indices, sizes or array names."""
    labels = {b.label for b in expr.atoms(IndexedBase)} | {a.base.label for a in expr.atoms(Indexed)}
    out = [s for s in expr.free_symbols if isinstance(s, Symbol) and not s.is_integer and s not in labels
           and s not in set(variables)]
    return tuple(sorted(out, key=lambda s: s.name))


def squared_variables(expr, wrt):
    """(f, wrt, the new variables) with a square among the variables (sigma**2, read from "sigma^2")
    made a variable of its own: f written in v = sigma**2 (a positive symbol that prints as sigma**2).
    f must depend on sigma only through sigma**2 (log(sigma**2), 1/sigma**2): then sigma**2 is a
    variance to estimate directly.  `wrt` is what the call's wrt names, as SymPy objects."""
    if wrt is None:
        return expr, None, set()
    items, squared = [], set()
    for item in wrt:
        if not (isinstance(item, sympy.Pow) and isinstance(item.base, Symbol) and item.exp == 2):
            items.append(item)
            continue
        name = item.base.name
        base = next((s for s in expr.free_symbols if isinstance(s, Symbol) and s.name == name), None)
        if base is None:
            raise SymbolError(f"unknown symbol '{name}' in wrt '{to_text(item)}'")
        v = Symbol(f"{name}**2", positive=True)
        expr = expr.subs(base ** 2, v)
        if expr.has(base):
            raise SymbolError(f"f depends on {name} itself, not only on {name}**2: take {name} as the variable")
        items.append(v)
        squared.add(v)
    return expr, items, squared


def as_indexed(expr):
    """Entries of declared vectors (x[i, 0] of a MatrixSymbol x: n) as entries of an IndexedBase x[i],
    and the map back."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    forward, back = {}, {}
    for e in expr.atoms(MatrixElement):
        M = e.parent
        if M.shape[1] == 1:
            base = IndexedBase(Symbol(M.name, real=True))
            forward[e] = base[e.i]
            back[base[e.i]] = e
        else:
            base = IndexedBase(Symbol(M.name, real=True))
            forward[e] = base[e.i, e.j]
            back[base[e.i, e.j]] = e
    return (expr.xreplace(forward) if forward else expr), back


def _restore(value, back):
    """Values in the user's own objects (x[i, 0] of their vector x), whatever index they carry."""
    if not back or not isinstance(value, sympy.Basic):
        return value
    bases = {k.base: v.parent for k, v in back.items()}
    return value.replace(lambda e: isinstance(e, Indexed) and e.base in bases,
                         lambda e: bases[e.base][e.indices[0], 0] if len(e.indices) == 1 else bases[e.base][e.indices])


# ---------------------------------------------------------------------------

def critical_points(expr, variables, params=(), seed=0):
    """CriticalPoints of a scalar function of a sample in the scalar `variables` (see module doc)."""
    user_expr = expr
    expr, back = as_indexed(expr)
    unknowns = tuple(variables)
    taken = {s.name for s in expr.free_symbols}
    ph = Placeholders(taken)
    gradient = [_even_powers(pull(sympy.diff(expr, v), unknowns)) for v in unknowns]
    _require_separable(gradient, unknowns)
    hidden = [ph.hide(g) for g in gradient]
    objective = ph.hide(_even_powers(pull(expr, unknowns)))
    hessian = sympy.Matrix(len(unknowns), len(unknowns), lambda a, b: ph.hide(
        _even_powers(pull(sympy.diff(expr, unknowns[a], unknowns[b]), unknowns))))
    facts = Facts(ph)
    numerators = [sympy.numer(sympy.together(g)) for g in hidden]
    found = attempt(lambda: fast_solve(numerators, list(unknowns), manual=False), 8.0, None)
    if found is None:
        raise LimitError("could not solve grad f = 0 exactly within the time budget")
    _size_named_as_parameter(expr, params)
    points, notes = [], []
    everything = list(params) + list(ph.sums) + sorted(_sizes(expr), key=str)
    for sol in found:
        if len(sol) < len(unknowns):
            free = ", ".join(str(v) for v in unknowns if v not in sol)
            notes.append(f"grad f = 0 also holds on a whole set ({free} free); not listed")
            continue
        conditions = _conditions(sol, unknowns, objective, hidden, everything)
        if conditions is None:
            continue
        kept, words = [], []
        for c in conditions:
            verdict, relation, text = facts.decide(c)
            if verdict is False:
                kept = None
                break
            if verdict is None:
                kept.append(relation)
                words.append(text)
        if kept is None:
            continue
        kept, words = _merged_conditions(kept, words, ph)
        if kept is None:
            continue
        positives = _positives(kept, facts)
        kind, reason = _kind(hessian, sol, facts, positives)
        value = ph.show(facts.readable(objective.xreplace(sol)))
        x = {v: ph.show(light.tidy(sol[v])) for v in unknowns}
        display, statistics = _display(expr, unknowns, sol, ph, facts)
        if display:
            x = _substituted(display, unknowns)
        relations = [ph.show(r) for r in kept]
        when = " and ".join(w or to_text(ph.show(r)) for r, w in zip(kept, words))
        point = CriticalPoint(x, kind or "degenerate", [], value, reason, None, relations,
                              display=display, when=when, notes=statistics)
        _check(expr, unknowns, point, relations, params, seed)
        if kind is None and params:  # the kind depends on a parameter (lam in lam*w**2): Sylvester's criterion
            split = _split_by_parameters(expr, unknowns, hessian, sol, point, kept, ph, params, seed, notes)
            if split:
                points += split
                continue
        if kind is None:
            point.kind, point.reason = _kind_at_samples(expr, unknowns, point, relations, params, seed)
        points.append(point)
    restored = [_restored(p, back) for p in points]
    return CriticalPoints(user_expr, unknowns, _merged(restored), "; ".join(notes), tuple(params), [])


def _even_powers(expr):
    """(mu - y[i])**2 as (y[i] - mu)**2, one way: the same sum of data is one statistic, not two."""
    def data_negative(base):  # mu - y[i]: the data term has the minus sign
        data = [t for t in sympy.Add.make_args(base) if t.atoms(Indexed)]
        return isinstance(base, sympy.Add) and bool(data) and all(t.could_extract_minus_sign() for t in data)

    return expr.replace(lambda e: isinstance(e, sympy.Pow) and e.exp.is_even and data_negative(e.base),
                        lambda e: (-e.base) ** e.exp)


def _split_by_parameters(expr, unknowns, hessian, sol, point, kept, ph, params, seed, notes):
    """One point per kind, each with the Hessian's sign conditions added, checked at samples that meet
    them; kinds no sample reaches are named in the notes."""
    import copy

    out = []
    H = hessian.xreplace(sol).applyfunc(lambda e: sympy.factor(sympy.together(e)))
    for kind, conditions in parametric.definiteness(H):
        if kind == "degenerate":
            continue
        extra = [c for c in (parametric._normalize(c) for c in conditions) if c is not sympy.true]
        if any(c is sympy.false for c in extra):
            continue
        relations = point.conditions + [ph.show(c) for c in extra]
        merged = parametric._merge_signs([r for r in relations if r.rhs == 0])
        if merged is None:
            continue
        relations = merged + [r for r in relations if r.rhs != 0]
        found = samples_for(expr, relations, params, seed)
        if not found:
            notes.append(f"no sample checked reaches {kind} at {', '.join(f'{v} = {to_text(e)}' for v, e in point.x.items())} "
                         f"(it would need {' and '.join(to_text(ph.show(c)) for c in extra)}); not listed")
            continue
        p = copy.copy(point)
        p.kind, p.conditions = kind, relations
        p.when = " and ".join(to_text(r) for r in relations)
        p.reason = {"min": "Hessian positive definite", "max": "Hessian negative definite",
                    "saddle": "Hessian indefinite"}[kind] + " under these conditions (Sylvester's criterion)"
        _check(expr, unknowns, p, relations, params, seed)
        out.append(p)
    return out


def _size_named_as_parameter(expr, params):
    """n written in f while the sums run over n_i terms: two different things; say how to make them one."""
    for size in _sizes(expr):
        stem = size.name.split("_")[0]
        for p in params:
            if p.name == stem and p != size:
                index = next(lim[0] for s in expr.atoms(Sum) for lim in s.limits if size in lim[2].free_symbols)
                raise SymbolError(f"'{p.name}' in f is a scalar, but the sums run over {size.name} terms: if {p.name} is "
                                  f"the number of terms, declare the index's range (--let \"{index}: index {p.name}\", "
                                  f"symbols=\"{index}: index {p.name}\")")


def _require_separable(gradient, unknowns):
    for g in gradient:
        for s in g.atoms(Sum):
            if s.has(*unknowns):
                raise LimitError(f"grad f = 0 holds {to_text(s)}, a sum of a function of both the parameters and "
                                 "the data that no rule separates: no closed form (as for logistic regression); "
                                 "solve it numerically at your data")


def _conditions(sol, unknowns, objective, gradient, everything):
    """Relations under which the point is real and f and grad f are defined there, and the variables'
    own assumptions (sigma: positive) hold; None when never."""
    out = []
    for v in unknowns:
        value = sol[v]
        extra = parametric.reality_conditions(value, everything)
        if extra is None:
            return None
        out += extra
        for word, rel in (("positive", Gt), ("negative", Lt), ("nonnegative", Ge), ("nonpositive", Le)):
            if getattr(v, f"is_{word}"):
                out.append(rel(value, 0))
    for e in [objective] + list(gradient):
        extra = parametric.reality_conditions(e.xreplace(sol), everything)
        if extra is None:
            return None
        out += extra
    normalized = []
    for c in out:
        c = parametric._normalize(c)
        if c is sympy.false:
            return None
        if c is not sympy.true and c not in normalized:
            normalized.append(c)
    return normalized


def _merged_conditions(kept, words, ph):
    """Relations on one expression merged (S > 0 and S != 0: S > 0), then written with the data sum
    on the left (n - S > 0: S < n); a variance condition keeps its words."""
    worded = {r: w for r, w in zip(kept, words) if w}
    merged = parametric._merge_signs([r for r in kept if r.rhs == 0] + [r for r in kept if r.rhs != 0])
    if merged is None:
        return None, None
    out, text = [], []
    for r in merged:
        shown = parametric._normalize(r) if r.rhs == 0 and not r.lhs.has(Sum) else r
        if isinstance(shown, sympy.Rel) and shown.rhs == 0 and shown.lhs.is_Add:
            sums = [t for t in shown.lhs.args if (-t) in ph.sums]
            if len(sums) == 1:  # n - S > 0: S < n
                shown = _FLIPPED[type(shown)](-sums[0], shown.lhs - sums[0])
        if shown is sympy.true:
            continue
        if shown is sympy.false:
            return None, None
        out.append(shown)
        text.append(worded.get(r) or to_text(ph.show(shown)))
    return out, text


def _positives(kept, facts):
    out = []
    for r in kept:
        if isinstance(r, Gt):
            out.append(sympy.factor((r.lhs - r.rhs).xreplace(facts.subs)))
            for V, spread in facts.variance.items():
                if r.lhs == spread:
                    out.append(V)
        elif isinstance(r, Lt):
            out.append(sympy.factor((r.rhs - r.lhs).xreplace(facts.subs)))
    return out


def _kind(hessian, sol, facts, positives):
    """(kind, reason) from the Hessian's leading principal minors at the point, or (None, "")."""
    H = hessian.xreplace(sol)
    n = H.rows
    signs = []
    for k in range(1, n + 1):
        minor = sympy.factor(sympy.together(H[:k, :k].det()))
        signs.append(facts.sign(minor, positives))
    if any(s is None for s in signs):
        return None, ""
    if all(s > 0 for s in signs):
        return "min", "Hessian positive definite (its leading minors are positive for every such sample)"
    if all((-1) ** k * s > 0 for k, s in enumerate(signs, 1)):
        return "max", "Hessian negative definite (its leading minors alternate in sign for every such sample)"
    if n == 2 and signs[1] < 0:
        return "saddle", "Hessian indefinite (its determinant is negative for every such sample)"
    return None, ""


def _tidy(value):
    """A cheap tidy (simplify takes most of a second on a log-likelihood's value)."""
    return sympy.factor_terms(sympy.expand_log(sympy.together(value)))


def _restored(point, back):
    if not back:
        return point
    point.x = {v: _restore(e, back) for v, e in point.x.items()}
    point.display = {v: _restore(e, back) for v, e in point.display.items()}
    point.conditions = [_restore(c, back) for c in point.conditions]
    point.value = _restore(point.value, back)
    return point


def _merged(points):
    """Equal branches once: the same point and kind under the same conditions."""
    out = []
    for p in points:
        if not any(p.kind == q.kind and p.conditions == q.conditions and
                   all(light.is_zero(p.x[v] - q.x[v]) for v in p.x) for q in out):
            out.append(p)
    return out
