"""Critical points and KKT points in index notation: the variable is a whole array p (every p[i]).

    kkt("-sum(p[i]*log(p[i]), i)", "p", st="sum(p[i], i) = 1", sense="max").solve()
        max at p[k] = 1/n (every k), lambda1 = log(n) - 1: the uniform distribution
    kkt("-sum(p[i]*log(p[i]), i)", "p", st=["sum(p[i], i) = 1", "sum(p[i]*E[i], i) = m"], sense="max")
        max at p[k] = exp(-lambda2*E[k])/sum(exp(-lambda2*E[i]), i) (the Gibbs distribution), with
        lambda2 the root of an implicit equation (no closed form), said so

How.  The stationarity condition of one entry, dL/dp[k] = 0 (derive's index
derivative, validated), is an equation in p[k], the data at k (E[k]), the
multipliers and sums over the whole array (sum(p[i], i), called aggregates).
With the sums and the data at k held as symbols, SymPy solves it for p[k]:
p[k] = phi(E[k], multipliers, aggregates).  Substituting phi into the
constraints and into the aggregates' own definitions leaves equations in a few
scalars (multipliers, aggregates), with sums over the data pulled out
(`sums.pull`: sum(exp(-1 - lam), i) = n*exp(-1 - lam)).  Those are solved one
unknown at a time; an unknown that stays inside a sum over data
(lambda2 in sum(exp(-lambda2*E[i]), i)) is left as the root of an implicit
equation, stated as such.

Every entry is given the same solution branch (a stationarity condition with
two roots could take one at some entries and the other elsewhere: such mixed
points are not listed, and the note says so).  Per-entry inequalities
(p[i] >= 0) are taken inactive at every entry or active at every entry (mixed
active sets, as in water-filling, are not searched; the note says so).

Every point is checked on written-out instances (n = 2, 3, 5 entries, random
data; an implicit multiplier solved numerically there): each partial
derivative of the Lagrangian vanishes, the constraints hold, and the kind
agrees with the reduced Hessian's eigenvalues (elementwise_check.py).
"""

import itertools
from dataclasses import dataclass, field

import sympy
from sympy import Eq, Indexed, IndexedBase, Sum, Symbol

from ..calculus.variables import Problem
from ..derivation.api import derive_problem
from ..errors import LimitError
from ..text.budgets import attempt
from ..text.printing import to_text
from . import light, parametric
from .elementwise_check import check, diagonal_kind, kind_at
from .kkt.problem import KKTProblem, _fresh_symbol, _times_eps
from .results import CriticalPoint, CriticalPoints, KKTPoint, KKTSolution
from .sums import Placeholders, pull


@dataclass
class Constraint:
    """h = 0 ("eq") or g <= 0 ("ineq"); ``per_entry`` is its free index (p[i] >= 0 for every i) or None."""

    expr: object
    kind: str
    multiplier: object
    text: str = ""
    per_entry: object = None


@dataclass
class Solution:
    """One point: ``value`` of p[k] (in the free index k), ``multipliers`` (symbol -> value; an implicit
    multiplier maps to itself), ``implicit`` (equations that multiplier solves), ``active`` (indices
    of the active inequalities), ``kind`` and ``reason``, ``notes``."""

    value: object
    multipliers: dict
    implicit: list = field(default_factory=list)
    active: tuple = ()
    kind: str = ""
    reason: str = ""
    objective: object = None
    notes: list = field(default_factory=list)
    conditions: list = field(default_factory=list)


class IndexProblem:
    """min F(p) over every entry of the array `base`, subject to `constraints` (`Constraint`s)."""

    def __init__(self, F, base, index, constraints, namespace):
        self.F, self.base, self.k, self.constraints, self.namespace = F, base, index, constraints, namespace
        self.range = _range_of(base, [F] + [c.expr for c in constraints])
        if self.range is None:
            raise LimitError(f"{base} is not summed over in the problem: give its range with a sum over its "
                             f"entries (sum(... {base}[i] ..., i))")
        if any(len(e.indices) != 1 for e in _entries(F, base)):
            raise LimitError(f"{base} has {len(next(iter(_entries(F, base))).indices)} indices: optimizing over "
                             "a matrix in index notation is out of reach; take a vector variable")

    @property
    def element(self):
        return self.base[self.k]

    def solve(self):
        """Every `Solution`, and a note on what was not searched."""
        scalar_ineq = [j for j, c in enumerate(self.constraints) if c.kind == "ineq" and c.per_entry is None]
        entry_ineq = [j for j, c in enumerate(self.constraints) if c.kind == "ineq" and c.per_entry is not None]
        out, notes = [], []
        for size in range(len(scalar_ineq) + 1):
            for active_scalar in itertools.combinations(scalar_ineq, size):
                for pattern in itertools.product((False, True), repeat=len(entry_ineq)):
                    active = tuple(sorted(active_scalar + tuple(j for j, on in zip(entry_ineq, pattern) if on)))
                    for s in self._solve_active(active, notes):
                        if not any(_same(s, t) for t in out):
                            out.append(s)
        if entry_ineq:
            notes.append("per-entry inequalities are taken active at every entry or at none; points where they are "
                         "active at some entries only (as in water-filling) are not searched")
        return out, list(dict.fromkeys(notes))

    # ------------------------------------------------------------------
    def _solve_active(self, active, notes):
        k, p = self.k, self.base
        u = Symbol("u_entry", real=True)
        used = [c for j, c in enumerate(self.constraints) if c.kind == "eq" or j in active]
        L = self.F + sum((c.multiplier * c.expr for c in used if c.per_entry is None), sympy.S.Zero)
        s = derive_problem(Problem.within(self.namespace, L, self.element), "grad").result
        entry_unknowns, entry_equations = [u], []
        for c in used:
            if c.per_entry is not None:  # multiplier of this entry, m, and the constraint active here
                m = Symbol(f"{c.multiplier}_entry", real=True)
                g_k = c.expr.xreplace({c.per_entry: k})
                s = s + m * sympy.diff(g_k, self.element)
                entry_unknowns.append(m)
                entry_equations.append(g_k)
        aggregates = Placeholders({str(x) for x in L.free_symbols} | {"u_entry"})
        local = aggregates.hide(s)
        data_at_k = {}
        for e in sorted(local.atoms(Indexed), key=str):
            if e.base == p and e.indices == (k,):
                continue
            if k in e.free_symbols:
                data_at_k[e] = Symbol(f"d_{len(data_at_k)}", real=True)
            if e.base == p:
                raise LimitError(f"the stationarity condition of {p}[{k}] involves {e}: entries coupled other than "
                                 "through sums over the whole array are out of reach")
        for total in aggregates.sums.values():
            if k in total.free_symbols:
                raise LimitError(f"the stationarity condition of {p}[{k}] holds {to_text(total)}, a sum that depends "
                                 f"on {k}: the entries are coupled through the data (as in least squares); use "
                                 "matrix notation for linear problems")
        at_k = {self.element: u, **data_at_k}
        equations = [sympy.numer(sympy.together(e.xreplace(at_k))) for e in [local] + entry_equations]
        roots = attempt(lambda: light.fast_solve(equations, entry_unknowns), 4.0, None)
        if roots is None:
            raise LimitError(f"could not solve the stationarity condition of {p}[{k}] for {p}[{k}] exactly")
        if len([r for r in roots if u in r]) > 1:
            notes.append(f"the stationarity condition of {p}[{k}] has {len(roots)} roots; points that take "
                         "different roots at different entries are not listed")
        back = {v: e for e, v in data_at_k.items()}
        out = []
        for root in roots:
            if u not in root:
                notes.append(f"the stationarity condition of {p}[{k}] does not fix {p}[{k}] (a whole set of points)")
                continue
            phi = root[u].xreplace(back)
            entry_mults = {m: root.get(m, m).xreplace(back) for m in entry_unknowns[1:]}
            out += self._global(phi, entry_mults, aggregates, active, used)
        return out

    def _global(self, phi, entry_mults, aggregates, active, used):
        """Solutions of the scalar equations left once p[i] = phi(i): the aggregates' definitions and
        the sum constraints, in the multipliers and aggregates."""
        k = self.k
        scalars = [c.multiplier for c in used if c.per_entry is None] + list(aggregates.sums)

        def at_point(expr):
            """expr with every p[j] replaced by phi(j), sums pulled."""
            replaced = expr.replace(lambda e: isinstance(e, Indexed) and e.base == self.base,
                                    lambda e: phi.xreplace({k: e.indices[0]}))
            return pull(replaced, tuple(scalars))

        equations = [agg - at_point(total) for agg, total in aggregates.sums.items()]
        equations += [at_point(c.expr) for c in used if c.per_entry is None]
        data = Placeholders({str(s) for e in equations for s in e.free_symbols})
        hidden = [sympy.numer(sympy.together(data.hide(sympy.expand_log(e, force=False)))) for e in equations]
        implicit_unknowns = [u for u in scalars if any(s.has(u) for s in data.sums.values())]
        explicit = [u for u in scalars if u not in implicit_unknowns]
        out = []
        for solved, leftover in _triangular(hidden, explicit):
            values = {u: data.show(v) for u, v in solved.items()}
            implicit = [_simplify(data.show(e).xreplace(values)) for e in leftover]
            implicit = [e for e in implicit if e != 0]
            if any(not e.has(*implicit_unknowns) for e in implicit) if implicit_unknowns else implicit:
                continue  # a constant or an equation in the data alone: no point for generic data
            unsolved = [u for u in explicit if u not in solved]
            if unsolved:
                raise LimitError(f"could not solve for {', '.join(map(str, unsolved))} exactly")
            multipliers = {c.multiplier: _simplify(values.get(c.multiplier, c.multiplier))
                           for c in self.constraints if c.per_entry is None}
            entry = {m: _simplify(v.xreplace(values)) for m, v in entry_mults.items()}
            multipliers.update({c.multiplier: entry.get(Symbol(f"{c.multiplier}_entry", real=True), sympy.S.Zero)
                                for c in self.constraints if c.per_entry is not None})
            out.append(Solution(_simplify(phi.xreplace(values)), multipliers, [Eq(e, 0) for e in implicit], active))
        return out


def _simplify(e):
    """A short form, with every sum held as a symbol (see `light`)."""
    return light.tidy(e)


def _triangular(equations, unknowns, solved=None):
    """[(solved values, equations left)]: each equation with one unsolved unknown solved for it, in turn;
    several roots branch."""
    solved = dict(solved or {})
    current = [sympy.numer(sympy.together(light.tidy(e.xreplace(solved)))) if solved else e for e in equations]
    current = [e for e in current if e != 0]
    for e in current:
        unknown = [u for u in unknowns if u not in solved and e.has(u)]
        if len(unknown) != 1:
            continue
        u = unknown[0]
        roots = attempt(lambda e=e, u=u: sympy.solve(e, u, simplify=False, check=False), 3.0, None)
        if roots is None:
            continue
        out = []
        for r in roots:
            if r.has(sympy.I):
                continue  # a multiplier is real
            rest = [x for x in current if x is not e]
            out += _triangular(rest, unknowns, {**{v: w.xreplace({u: r}) for v, w in solved.items()}, u: r})
        return out
    left = [u for u in unknowns if u not in solved]
    if left and current:
        joint = light.solve(current, left, 3.0) or []
        out = []
        for sol in joint:
            done = {**{v: w.xreplace(sol) for v, w in solved.items()}, **sol}
            rest = [x for x in (light.tidy(c.xreplace(sol)) for c in current) if x != 0]
            out.append((done, rest))
        if out:
            return out
    return [(solved, current)]


def _same(a, b):
    return light.is_zero(a.value - b.value) is True and a.active == b.active


def _entries(expr, base):
    return {e for e in expr.atoms(Indexed) if e.base == base}


def _range_of(base, exprs):
    """(lo, hi) of the sums whose summand holds base[i] with i their index."""
    for e in exprs:
        if not isinstance(e, sympy.Basic):
            continue
        for s in e.atoms(Sum):
            for index, lo, hi in s.limits:
                if any(x.base == base and x.indices == (index,) for x in s.function.atoms(Indexed)):
                    return lo, hi
    return None


def _summation_index(namespace, avoid):
    for name in ("i", "j", "l", "m", "q"):
        if name != str(avoid):
            return Symbol(name, integer=True)
    return Symbol("i_", integer=True)


# ---------------------------------------------------------------------------
# the problems users build (kkt(...), critical_points(...)) in index notation

def free_index(expr, base):
    """The index of `base` left free in a constraint (p[i] >= 0 for every i), or None."""
    for e in expr.atoms(Indexed) if isinstance(expr, sympy.Basic) else ():
        if e.base == base:
            for i in e.indices:
                if i in expr.free_symbols and i.is_integer and not i.is_positive:
                    return i
    return None


def _entry_index(namespace, exprs, taken=("k", "l", "q", "r")):
    used = {s.name for e in exprs if isinstance(e, sympy.Basic) for s in e.free_symbols}
    used |= {lim[0].name for e in exprs if isinstance(e, sympy.Basic) for s in e.atoms(Sum) for lim in s.limits}
    for name in taken:
        if name not in used:
            return namespace.index(name)
    return namespace.index("k_1")


def lagrangian_min(problem, solution):
    """The minimized problem's Lagrangian with per-entry multipliers written as their values."""
    L = problem.F
    for c in problem.constraints:
        if c.kind == "ineq" and solution is not None and c not in _used(problem, solution):
            continue
        if c.per_entry is None:
            L += c.multiplier * c.expr
        else:
            i = c.per_entry
            value = solution.multipliers.get(c.multiplier, sympy.S.Zero).xreplace({problem.k: i})
            L += Sum(value * c.expr, (i, *problem.range))
    return L


def _used(problem, solution):
    return [c for j, c in enumerate(problem.constraints) if c.kind == "eq" or j in solution.active]


IndexProblem.lagrangian_min = lagrangian_min


def value_at(problem, expr, value):
    """expr with every entry p[j] replaced by the point's value at j, sums pulled, simplified
    (logarithms of positive products split: log(exp(-b*E[i])/Z) = -b*E[i] - log(Z))."""
    replaced = expr.replace(lambda e: isinstance(e, Indexed) and e.base == problem.base,
                            lambda e: value.xreplace({problem.k: e.indices[0]}))
    replaced = replaced.replace(lambda e: isinstance(e, sympy.log) and e.args[0].is_positive,
                                lambda e: sympy.expand_log(e, force=True))
    unknowns = tuple(s for s in replaced.free_symbols if not s.is_integer) + tuple(replaced.atoms(Sum))
    return _simplify(pull(replaced, unknowns))


def points(problem, sense, params, seed=0):
    """(KKT-like points as dicts, notes): every solution checked at written-out instances and classified."""
    solutions, notes = problem.solve()
    out = []
    for sol in solutions:
        conditions = _sign_conditions(problem, sol)
        if conditions is None:
            continue
        sol.conditions = _domain(problem, sol, params)
        if sol.conditions is None:
            continue
        found = check(problem, sol, params, seed)
        decided = diagonal_kind(problem, sol)
        if decided is None:
            kind = kind_at(problem, sol, found)
            where = ", ".join(inst.describe() for inst, _, _ in found)
            reason = (f"the reduced Hessian of the written-out Lagrangian at {len(found)} random instances ({where})"
                      if kind else "the kind depends on the data: the reduced Hessian of the written-out "
                      f"Lagrangian differs between random instances ({where}); declaring the data's signs "
                      "(an IndexedBase with positive=True) may decide it")
            kind = kind or "degenerate"
        else:
            kind, d = decided
            d = d if sense == "min" else -d
            reason = (f"the Hessian of the Lagrangian is diagonal, with entries {to_text(d)} "
                      f"{'> 0' if d.is_positive else '< 0'} at the point for every entry and data")
        if sense == "max":
            kind = {"min": "max", "max": "min"}.get(kind, kind)
        sol.kind, sol.reason = kind, reason
        sol.objective = value_at(problem, problem.F, sol.value) * (1 if sense == "min" else -1)
        sol.notes = list(conditions)
        out.append(sol)
    return out, notes


def _domain(problem, sol, params):
    """Relations under which the point, its multipliers and the objective there are real and defined
    (log(sum(q[i], i)) needs sum(q[i], i) > 0); those that always hold dropped; None when one never does."""
    values = [sol.value] + list(sol.multipliers.values()) + [value_at(problem, problem.F, sol.value)]
    out = []
    for v in values:
        extra = parametric.reality_conditions(v, list(params))
        if extra is None:
            return None
        for c in extra:
            c = parametric._normalize(c)
            if c is sympy.false:
                return None
            # a condition on one entry (its index k, or a summation index leaking out of a sum's body:
            # y[j]*sum(y[j], j) > 0) is per-entry: the instances' data decide it, it is no condition here
            per_entry = any(s.is_integer and not s.is_positive for s in c.free_symbols)
            if c is not sympy.true and c not in out and not per_entry:
                out.append(c)
    merged = parametric._merge_signs([c for c in out if c.rhs == 0])
    return None if merged is None else merged + [c for c in out if c.rhs != 0]


def _sign_conditions(problem, sol):
    """Words for sign conditions that could not be decided (mu >= 0, inactive g <= 0); None when one
    surely fails."""
    words = []
    for j, c in enumerate(problem.constraints):
        if c.kind != "ineq":
            continue
        if j in sol.active:
            value, want, what = sol.multipliers.get(c.multiplier, 0), "nonnegative", f"{c.multiplier} >= 0"
        else:
            g = c.expr.xreplace({c.per_entry: problem.k}) if c.per_entry is not None else c.expr
            value, want, what = value_at(problem, g, sol.value), "nonpositive", f"{c.text}"
        value = sympy.S(value)
        verdict = getattr(value, f"is_{want}")
        if verdict is False:
            return None
        if verdict is None:
            words.append(f"needs {what} (for every entry)" if c.per_entry is not None else f"needs {what}")
    return words


def critical_points(expr, path, namespace):
    """CriticalPoints of a scalar function of a whole array (index notation)."""
    from .sample import as_indexed, parameters

    expr, _ = as_indexed(expr)  # entries of a declared vector, x[i, 0], as x[i]
    base = path.variable
    k = path.element.indices[0] if path.element is not None else _entry_index(namespace, [expr])
    problem = IndexProblem(expr, base, k, [], namespace)
    params = parameters(expr, ())
    found, notes = points(problem, "min", params)
    out = []
    for sol in found:
        x = {base[k]: sol.value}
        lo, hi = problem.range
        out.append(CriticalPoint(x, sol.kind, [], sol.objective, sol.reason, None, sol.conditions,
                                 notes=[f"the same at every entry {k} = {to_text(lo)}, ..., {to_text(hi)}"] + sol.notes))
    return CriticalPoints(expr, (base,), out, "; ".join(notes), params, [])


class IndexKKTProblem(KKTProblem):
    """min/max f over a whole array p (every p[i]) in index notation; constraints are sums
    (sum(p[i], i) = 1) or hold at every entry (p[i] >= 0).  See the module doc."""

    notation = "index"

    def __init__(self, objective, path, constraints, sense, limits, namespace, sense_given=True):
        self.base = path.variable
        exprs = [objective] + [c.expr for c in constraints]
        self.k = path.element.indices[0] if path.element is not None else _entry_index(namespace, exprs)
        self.namespace = namespace
        for c in constraints:
            c.per_entry = free_index(c.expr, self.base)
        self.range = _range_of(self.base, exprs)
        super().__init__(objective, (self.base,), constraints, sense, limits, namespace, sense_given)
        self.conditions["complementary slackness"] = [
            Eq(self._entry_pairing(c), 0) for c in self.inequalities]

    def _multiplier(self, c, name, taken):
        symbol = _fresh_symbol(name, taken)
        if getattr(c, "per_entry", None) is not None:
            return IndexedBase(Symbol(symbol.name, real=True))
        return symbol

    def _entry_pairing(self, c):
        if getattr(c, "per_entry", None) is not None:
            return c.multiplier[c.per_entry] * c.expr
        return c.multiplier * c.expr

    def _pairing(self, c):
        if getattr(c, "per_entry", None) is not None:
            if self.range is None:
                raise LimitError(f"the range of {self.base}'s entries is unknown: sum over them in f")
            return Sum(c.multiplier[c.per_entry] * c.expr, (c.per_entry, *self.range))
        return c.multiplier * c.expr

    def _stationarity(self):
        element = self.base[self.k]
        g = derive_problem(Problem.within(self.namespace, self.lagrangian, element), "grad").result
        return [Eq(g, 0)]

    @property
    def parameters(self):
        from .sample import parameters

        return parameters(sympy.Add(*[self.objective] + [c.expr for c in self.constraints]), ())

    def solve(self):
        from ..text.budgets import time_budget

        with time_budget(self.limits.seconds, "solving the KKT conditions"):
            constraints = [Constraint(c.expr, c.kind, c.multiplier, c.text, c.per_entry) for c in self.constraints]
            problem = IndexProblem(self.sense_sign * self.objective, self.base, self.k, constraints,
                                   self.namespace)
            found, notes = points(problem, self.sense, self.parameters)
            lo, hi = problem.range
            out = []
            for sol in found:
                multipliers = {c.multiplier: sol.multipliers.get(c.multiplier, sympy.S.Zero)
                               for c in self.constraints}
                tight = tuple(j for j in sol.active)
                point = KKTPoint({self.base[self.k]: sol.value}, multipliers, tight, sol.objective, sol.kind,
                                 True, implicit=sol.implicit, conditions=sol.conditions,
                                 every=f"for every {self.k} = {to_text(lo)}, ..., {to_text(hi)}")
                point.notes = self._explain(point) + [f"{sol.kind}: {sol.reason}"] + sol.notes
                out.append(point)
            return KKTSolution(self, out, "; ".join(notes) if out or notes else
                               "no KKT point: the constraints may be infeasible, or the optimum is not attained")

    def _explain(self, p):
        notes = []
        for c in self.equalities:
            lam = p.multipliers[c.multiplier]
            notes.append(f"equality {c.text} ({c.multiplier} = {to_text(lam)}): moving it to h = eps changes the "
                         f"optimal value by about {_times_eps(-lam if self.sense == 'min' else lam)}")
        for j, c in enumerate(self.inequalities):
            where = " at every entry" if c.per_entry is not None else ""
            state = "active" if j in p.active else "inactive"
            notes.append(f"{state}{where}: {c.text} ({c.multiplier} = {to_text(p.multipliers[c.multiplier])})")
        return notes

    def plot(self, path=None, **options):
        raise LimitError("plots of KKT problems need one or two scalar variables, not an array")
