"""Constrained optimization solved exactly: the Lagrangian, the KKT conditions,
and every KKT point by enumerating active sets.

    problem = kkt("a**2 + b**2", "a b c", st=["-c >= 1", "a + 2*b + c >= 1", "2*a + b + c >= 1"])
    problem.lagrangian        a**2 + b**2 + mu1*(-c + ... )
    problem.solve()[0]        a = 2/3, b = 2/3, c = -1, value 8/9, kind "min"

Conventions: equalities h(x) = 0 with multipliers lambda; inequalities in the
form g(x) <= 0 with multipliers mu >= 0 ("a + 2*b + c >= 1" is g = 1 - a - 2b - c).
For a minimization L = f + lambda.h + mu.g; for a maximization L = f - lambda.h - mu.g.
A multiplier is the sensitivity of the optimal value: relaxing g_j <= 0 to
g_j <= eps changes it by about -mu_j eps (minimization) or +mu_j eps (maximization).
"""

import itertools
from dataclasses import dataclass, field

import sympy
from sympy import Eq, Ge, Gt, Le, Lt, Matrix, Symbol

from .errors import DeriveError, LimitError
from .limits import DEFAULT_LIMITS, attempt, time_budget
from .parser import parse
from .reals import RealView
from .results import ResultList
from .textform import to_text
from .variables import as_basic, as_expression, as_scalar, new_namespace, resolve_wrt

MAX_INEQUALITIES = 16


@dataclass
class Constraint:
    """h(x) = 0 ("eq") or g(x) <= 0 ("ineq"), with the text it came from."""

    expr: sympy.Expr
    kind: str
    text: str
    multiplier: Symbol = None

    def __str__(self):
        return self.text


@dataclass
class KKTPoint:
    """A KKT point: ``x`` and ``multipliers`` (exact), ``active`` (indices of the
    inequality constraints that hold with equality), ``value`` f(x), ``kind``
    ("min", "max", "saddle", "degenerate"), ``exact`` (False for the numeric
    fallback), and ``notes`` explaining constraints and multipliers."""

    x: dict
    multipliers: dict
    active: tuple
    value: object
    kind: str
    exact: bool = True
    notes: list = field(default_factory=list)

    def __str__(self):
        where = ", ".join(f"{s} = {to_text(v)}" for s, v in self.x.items())
        mult = ", ".join(f"{s} = {to_text(v)}" for s, v in self.multipliers.items())
        label = "" if self.exact else " [numeric, not exact]"
        lines = [f"{self.kind}{label}: {where}; objective {to_text(self.value)}"
                 + (f"; multipliers {mult}" if mult else "")]
        lines += [f"    {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_latex_(self):
        where = ",\\ ".join(f"{sympy.latex(s)} = {sympy.latex(v)}" for s, v in self.x.items())
        return f"$\\text{{{self.kind}: }} {where},\\ f = {sympy.latex(self.value)}$"

    def to_dict(self):
        return {"x": {str(s): to_text(v) for s, v in self.x.items()},
                "multipliers": {str(s): to_text(v) for s, v in self.multipliers.items()},
                "active": list(self.active), "value": to_text(self.value), "kind": self.kind,
                "exact": self.exact, "notes": list(self.notes)}


@dataclass
class KKTSolution(ResultList):
    """The KKT points of a problem, best objective first."""

    problem: object
    points: list
    note: str = ""

    def __str__(self):
        head = f"{len(self.points)} KKT point(s) of: {self.problem.sense} {to_text(self.problem.objective)}"
        body = "\n".join(f"  {p}" for p in self.points) or "  none"
        return head + "\n" + body + (f"\n  note: {self.note}" if self.note else "")

    def to_dict(self):
        return {"problem": self.problem.to_dict(), "points": [p.to_dict() for p in self.points], "note": self.note}

    def _repr_html_(self):
        from .steps.notebook import kkt_html

        return kkt_html(self)

    def plot(self, path=None, **options):
        """The feasible region, objective contours, the optimum and its active constraints; see
        `derive.figures.plot_kkt`.  Written to `path` when given, else returned."""
        from .figures import plot_kkt

        return plot_kkt(self.problem, path, solution=self, **options)


class KKTProblem:
    """min/max f(x) subject to equalities and inequalities; see the module doc.

    Attributes: ``objective``, ``wrt``, ``sense``, ``constraints`` (list of
    `Constraint`), ``lagrangian`` (SymPy), ``conditions`` (dict: stationarity,
    primal feasibility, dual feasibility, complementary slackness -> lists of
    SymPy relations).  ``solve()`` returns a `KKTSolution`.
    """

    def __init__(self, objective, wrt, constraints, sense, limits):
        self.objective, self.wrt, self.constraints, self.sense, self.limits = objective, wrt, constraints, sense, limits
        self.equalities = [c for c in constraints if c.kind == "eq"]
        self.inequalities = [c for c in constraints if c.kind == "ineq"]
        taken = {s.name for e in [objective] + [c.expr for c in constraints] for s in e.free_symbols}
        for k, c in enumerate(self.equalities, 1):
            c.multiplier = _fresh_symbol(f"lambda{k}", taken)
        for k, c in enumerate(self.inequalities, 1):
            c.multiplier = _fresh_symbol(f"mu{k}", taken)
        sign = 1 if sense == "min" else -1
        self.lagrangian = objective + sign * sum(c.multiplier * c.expr for c in constraints)
        # internally always a minimization of F = +-f
        self._F = sign * objective
        self._L = self._F + sum(c.multiplier * c.expr for c in constraints)
        self.conditions = {
            "stationarity": [Eq(sympy.diff(self.lagrangian, x), 0) for x in wrt],
            "primal feasibility": [Eq(c.expr, 0) for c in self.equalities] + [Le(c.expr, 0) for c in self.inequalities],
            "dual feasibility": [Ge(c.multiplier, 0) for c in self.inequalities],
            "complementary slackness": [Eq(c.multiplier * c.expr, 0) for c in self.inequalities],
        }

    def __str__(self):
        lines = [f"{self.sense} {to_text(self.objective)} over ({', '.join(map(str, self.wrt))})"]
        for c in self.constraints:
            lines.append(f"  subject to {c.text}   [{c.multiplier}; "
                         f"{'h' if c.kind == 'eq' else 'g'} = {to_text(c.expr)}{' = 0' if c.kind == 'eq' else ' <= 0'}]")
        lines.append(f"Lagrangian: L = {to_text(self.lagrangian)}")
        for name, items in self.conditions.items():
            lines.append(f"{name}: " + ("; ".join(to_text(i) for i in items) or "none"))
        return "\n".join(lines)

    def _repr_latex_(self):
        conds = r"\\ ".join(sympy.latex(c) for items in self.conditions.values() for c in items)
        return f"$$\\mathcal{{L}} = {sympy.latex(self.lagrangian)}\\qquad \\begin{{gathered}}{conds}\\end{{gathered}}$$"

    def plot(self, path=None, **options):
        """The feasible region, objective contours, the optimum and its active constraints (solves the
        problem first); see `derive.figures.plot_kkt`.  Written to `path` when given, else returned."""
        from .figures import plot_kkt

        return plot_kkt(self, path, **options)

    def to_dict(self):
        return {"sense": self.sense, "objective": to_text(self.objective), "wrt": [str(x) for x in self.wrt],
                "constraints": [{"text": c.text, "kind": c.kind, "expr": to_text(c.expr),
                                 "multiplier": str(c.multiplier)} for c in self.constraints],
                "lagrangian": to_text(self.lagrangian),
                "conditions": {k: [to_text(i) for i in v] for k, v in self.conditions.items()}}

    # ------------------------------------------------------------------
    def solve(self):
        """All KKT points (exact), best objective first; see `KKTSolution`."""
        with time_budget(self.limits.seconds, "solving the KKT conditions"):
            return self._user(self._solve())

    @staticmethod
    def _user(result):
        """The result in the user's own symbols (`kkt` sets this; see reals.RealView)."""
        return result

    def _solve(self):
        n, eqs = len(self.wrt), self.equalities
        grad_F = [sympy.diff(self._F, x) for x in self.wrt]
        found, undecided = [], 0
        budget_per_set = 2.0
        # at most n - (equalities) active inequalities: by Caratheodory, a KKT point with more
        # active constraints also has multipliers supported on a linearly independent subset
        for size in range(0, min(len(self.inequalities), max(n - len(eqs), 0)) + 1):
            for active in itertools.combinations(range(len(self.inequalities)), size):
                solutions, exact = self._solve_active_set(active, grad_F, budget_per_set)
                if solutions is None:
                    undecided += 1
                    continue
                for sol in solutions:
                    point = self._accept(sol, active, exact)
                    if point is not None and not any(_same_x(point, p) for p in found):
                        found.append(point)
        note = "" if found or undecided else "no KKT point: the constraints may be infeasible (no point satisfies " \
                                            "them all), or the optimum is not attained"
        if undecided:
            note = (f"{undecided} active set(s) could not be solved exactly within the time budget "
                    "(transcendental or large systems)")
            if not found:
                found = self._numeric_fallback()
                note += "; the points shown come from a numeric solver and are labelled so"
        for p in found:
            if p.kind == "":
                p.kind = self._classify(p)
            p.notes = self._explain(p) + ([] if p.exact else [
                "numeric: the exact radicals were out of reach; values are roots of the Groebner basis to 40 digits"])
        reverse = self.sense == "max"
        found.sort(key=lambda p: float(sympy.N(p.value)), reverse=reverse)
        return KKTSolution(self, found, note)

    def _solve_active_set(self, active, grad_F, seconds):
        """Solutions (dicts) of the KKT equations with these inequalities active."""
        act = [self.inequalities[j] for j in active]
        unknowns = list(self.wrt) + [c.multiplier for c in self.equalities] + [c.multiplier for c in act]
        gradients = self._constraint_gradients()
        stationarity = [g + sum(c.multiplier * gradients[id(c)][k] for c in self.equalities + act)
                        for k, g in enumerate(grad_F)]
        equations = stationarity + [c.expr for c in self.equalities] + [c.expr for c in act]
        if self._polynomial:
            if all(_is_linear(e, unknowns) for e in equations):
                return _solve_linear(equations, unknowns), True
            # a lex Groebner basis decides at once whether there is any solution, and is
            # triangular: solve it variable by variable (exact roots up to degree 4)
            basis = attempt(lambda: sympy.groebner(equations, *unknowns, order="lex"), seconds, None)
            if basis is None:
                return None, False
            if list(basis.exprs) == [1]:
                return [], True
            exact = attempt(lambda: _triangular_roots(basis, unknowns, exact=True), seconds, None)
            if exact is not None:
                return exact, True
            numeric = attempt(lambda: _triangular_roots(basis, unknowns, exact=False), seconds, None)
            return numeric, False
        equations = [sympy.numer(sympy.together(e)) for e in equations]
        result = attempt(lambda: sympy.solve(equations, unknowns, dict=True), seconds, None)
        if result is None:
            return None, False
        return [s for s in result if len(s) == len(unknowns)], True

    def _constraint_gradients(self):
        if not hasattr(self, "_gradients"):
            self._gradients = {id(c): [sympy.diff(c.expr, x) for x in self.wrt] for c in self.constraints}
        return self._gradients

    @property
    def _polynomial(self):
        """Objective and constraints polynomial in the variables (Groebner bases apply)."""
        return all(_is_polynomial(e, list(self.wrt)) for e in [self._F] + [c.expr for c in self.constraints])

    def _accept(self, sol, active, exact=True):
        """A KKT point if the solution is real, feasible, with mu >= 0; else None."""
        values = {k: sympy.nsimplify(v) if exact and getattr(v, "is_Float", False) else v for k, v in sol.items()}
        if any(not as_basic(v).is_real for v in values.values()):
            return None
        x = {s: values[s] for s in self.wrt}
        for j, c in enumerate(self.inequalities):
            if j in active:
                if _sign(values[c.multiplier]) < 0:
                    return None
            elif _sign(c.expr.subs(x)) > 0:
                return None
        for c in self.equalities:
            if _sign(c.expr.subs(x)) != 0:
                return None
        multipliers = {c.multiplier: values.get(c.multiplier, sympy.Integer(0)) for c in self.constraints}
        tight = tuple(j for j, c in enumerate(self.inequalities) if _sign(c.expr.subs(x)) == 0)
        value = sympy.simplify(self.objective.subs(x)) if exact else self.objective.subs(x).evalf(40)
        if value.has(sympy.zoo, sympy.nan) or value.is_real is False:
            return None
        return KKTPoint(x, multipliers, tight, value, "", exact)

    def _classify(self, p):
        """Second-order conditions on the tangent space of the strongly active constraints."""
        subs = {**p.x, **p.multipliers}
        H = sympy.hessian(self._L, list(self.wrt)).subs(subs)
        rows = [[sympy.diff(c.expr, x).subs(p.x) for x in self.wrt] for c in self.equalities]
        rows += [[sympy.diff(c.expr, x).subs(p.x) for x in self.wrt]
                 for j, c in enumerate(self.inequalities) if j in p.active and _sign(p.multipliers[c.multiplier]) > 0]
        J = Matrix(rows) if rows else sympy.zeros(0, len(self.wrt))
        Z = Matrix.hstack(*J.nullspace()) if J.rows else sympy.eye(len(self.wrt))
        if J.rows and not J.nullspace():
            kind_F = "min"  # a vertex: every direction is blocked by a constraint with a positive multiplier
        else:
            reduced = (Z.T * H * Z).applyfunc(sympy.nsimplify)
            signs = [_sign(e) for e in _eigenvalues(reduced)]
            if all(s > 0 for s in signs):
                kind_F = "min"
            elif all(s < 0 for s in signs):
                weakly = any(j in p.active for j in range(len(self.inequalities)))
                kind_F = "saddle" if weakly else "max"
            elif any(s > 0 for s in signs) and any(s < 0 for s in signs):
                kind_F = "saddle"
            else:
                kind_F = "degenerate"
        if self.sense == "max":
            return {"min": "max", "max": "min"}.get(kind_F, kind_F)
        return kind_F

    def _explain(self, p):
        notes = []
        for j, c in enumerate(self.inequalities):
            mu = p.multipliers[c.multiplier]
            if j in p.active and _sign(mu) > 0:
                direction = "lowers" if self.sense == "min" else "raises"
                notes.append(f"active: {c.text} ({c.multiplier} = {to_text(mu)}): relaxing it by eps "
                             f"{direction} the optimal value by about {_times_eps(mu)}")
            elif j in p.active:
                notes.append(f"active but with zero multiplier: {c.text} ({c.multiplier} = 0): it touches the "
                             "point but does not hold it there")
            else:
                notes.append(f"inactive: {c.text} ({c.multiplier} = 0): it does not matter here; the point "
                             "is the same without it")
        for c in self.equalities:
            lam = p.multipliers[c.multiplier]
            notes.append(f"equality {c.text} ({c.multiplier} = {to_text(lam)}): moving it to h = eps changes the "
                         f"optimal value by about {_times_eps(-lam if self.sense == 'min' else lam)}")
        return notes

    def _numeric_fallback(self):
        """SciPy's SLSQP from several starts, when the exact route is out of reach."""
        try:
            import numpy as np
            from scipy.optimize import minimize
        except ImportError:  # pragma: no cover
            raise LimitError("the KKT system could not be solved exactly, and the numeric fallback needs SciPy "
                             "(pip install scipy)") from None
        import codegen

        F = codegen.kernel(self._F, list(self.wrt), backend="numpy")
        cons = []
        for c in self.constraints:
            k = codegen.kernel(c.expr, list(self.wrt), backend="numpy")
            cons.append({"type": "eq" if c.kind == "eq" else "ineq",
                         "fun": (lambda v, k=k: float(k(*v))) if c.kind == "eq" else (lambda v, k=k: -float(k(*v)))})
        rng = np.random.default_rng(0)
        points = []
        for start in rng.normal(size=(8, len(self.wrt))):
            res = minimize(lambda v: float(F(*v)), start, method="SLSQP", constraints=cons)
            if res.success:
                x = {s: sympy.Float(v, 15) for s, v in zip(self.wrt, res.x)}
                if not any(all(abs(float(x[s] - q.x[s])) < 1e-6 for s in self.wrt) for q in points):
                    kind = "min" if self.sense == "min" else "max"
                    points.append(KKTPoint(x, {}, (), sympy.Float(self.objective.subs(x), 15), kind, exact=False))
        return points


def kkt(objective, wrt=None, eq=(), ineq=(), sense="min", *, st=(), symbols=None, limits=DEFAULT_LIMITS):
    """Set up min/max `objective` subject to `eq` (h = 0) and `ineq` (g <= 0).

    Constraints are text or SymPy: relations ("a + 2*b + c >= 1",
    "x**2 + y**2 = 1") are sorted by their kind wherever they are given;
    plain expressions mean h = 0 in `eq` and g <= 0 in `ineq`.  `st` takes a
    mixed list of relations.  Returns a `KKTProblem`; call ``.solve()``.
    """
    if sense not in ("min", "max"):
        raise DeriveError(f"sense must be 'min' or 'max', got {sense!r}")
    ns = new_namespace(symbols, objective, wrt, eq, ineq, st)
    f = as_scalar(as_expression(objective, ns), "the objective")
    constraints = []
    for group, default in ((eq, "eq"), (ineq, "ineq"), (st, None)):
        if isinstance(group, (str, sympy.Basic)):
            group = [group]
        for item in group:
            constraints.append(_constraint(item, default, ns))
    if len([c for c in constraints if c.kind == "ineq"]) > MAX_INEQUALITIES:
        raise LimitError(f"more than {MAX_INEQUALITIES} inequality constraints: the exact active-set "
                         "enumeration is out of reach")
    everything = Matrix([f] + [c.expr for c in constraints])  # a sum could cancel a variable out
    variables = resolve_wrt(wrt, everything, ns)
    view = RealView(everything, variables)  # solved over the reals; answers in the user's symbols
    constraints = [Constraint(view.real(c.expr), c.kind, c.text) for c in constraints]
    problem = KKTProblem(view.real(f), view.real(variables), constraints, sense, limits)
    problem.lagrangian, problem.conditions = view.user(problem.lagrangian), view.user(problem.conditions)
    problem._user = view.user
    return problem


def _constraint(item, default, ns):
    text = item if isinstance(item, str) else to_text(item)
    value = parse(item, ns, relations=True) if isinstance(item, str) else ns.unify(as_basic(item))
    if isinstance(value, Eq):
        return Constraint(value.lhs - value.rhs, "eq", text)
    if isinstance(value, (Ge, Gt)):
        return Constraint(value.rhs - value.lhs, "ineq", text)
    if isinstance(value, (Le, Lt)):
        return Constraint(value.lhs - value.rhs, "ineq", text)
    if isinstance(value, sympy.logic.boolalg.BooleanFunction):
        raise DeriveError(f"'{text}': one relation per constraint, please")
    if default is None:
        raise DeriveError(f"'{text}' is not a relation: write it as ... = ..., ... <= ... or ... >= ...")
    return Constraint(value, default, text + (" = 0" if default == "eq" else " <= 0"))


def _fresh_symbol(name, taken):
    """A multiplier named `name` unless the problem already uses that name (then name_1, ...)."""
    candidate, k = name, 0
    while candidate in taken:
        k += 1
        candidate = f"{name}_{k}"
    taken.add(candidate)
    return Symbol(candidate, real=True)


def _is_polynomial(e, unknowns):
    return e == 0 or as_basic(e).is_polynomial(*unknowns)


def _triangular_roots(basis, unknowns, exact=True, digits=50):
    """Real solutions of a polynomial system from its lex Groebner basis, variable by
    variable from the last.  exact=True: roots by radicals (degree <= 4), else None;
    exact=False: roots to `digits` digits.  None also for a continuum of solutions."""
    polys = list(basis.exprs)
    tiny = sympy.Float(10) ** (-digits // 2)
    solutions = [{}]
    for var in reversed(unknowns):
        extended = []
        for sol in solutions:
            candidates = [sympy.expand(p.subs(sol)) for p in polys
                          if var in p.free_symbols and p.free_symbols <= set(sol) | {var}]
            candidates = [c for c in candidates if c != 0]
            if not candidates:
                return None  # a free variable: a continuum of solutions
            poly = sympy.Poly(candidates[0], var)
            if exact:
                if poly.degree() > 4:
                    return None
                found = sympy.roots(poly)
                if sum(found.values()) != poly.degree():
                    return None
                roots = [r for r in found if r.is_real]
            else:
                roots = [sympy.re(r) for r in poly.nroots(n=digits, maxsteps=200) if abs(sympy.im(r)) <= tiny]
            for r in roots:
                rest = [c.subs(var, r) for c in candidates[1:]]
                if exact and all(sympy.simplify(c) == 0 for c in rest) or \
                        not exact and all(abs(c.evalf(digits)) <= tiny for c in rest):
                    extended.append({**sol, var: r})
        solutions = extended
    return solutions


def _is_linear(e, unknowns):
    if e == 0:
        return True
    try:
        return sympy.Poly(e, *unknowns).total_degree() <= 1
    except sympy.PolynomialError:  # log, exp, ... of an unknown
        return False


def _solve_linear(equations, unknowns):
    A, b = sympy.linear_eq_to_matrix(equations, unknowns)
    try:
        solution = A.LUsolve(b) if A.rows == A.cols and A.det() != 0 else None
    except (ValueError, ZeroDivisionError):
        solution = None
    if solution is not None:
        return [dict(zip(unknowns, solution))]
    found = sympy.linsolve((A, b), unknowns)
    out = []
    for sol in found:
        if all(not v.free_symbols & set(unknowns) for v in sol):
            out.append(dict(zip(unknowns, sol)))
    return out


def _times_eps(value):
    text = to_text(value)
    return f"({text})*eps" if isinstance(value, sympy.Add) else f"{text}*eps"


def _sign(value):
    value = as_basic(value)
    if value.is_Float:  # a numeric solution: zero to its precision
        return 0 if abs(value) < 1e-25 else (1 if value > 0 else -1)
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    v = complex(sympy.N(value, 40))
    return 0 if abs(v) < 1e-30 else (1 if v.real > 0 else -1)


def _eigenvalues(M):
    if M.rows == 0:
        return []
    found = attempt(lambda: [e for e, m in M.eigenvals().items() for _ in range(m)], 2.0, None)
    if found is None:
        import numpy as np

        found = [sympy.Float(v, 15) for v in np.linalg.eigvalsh(np.array(M.evalf(), dtype=float))]
    return found


def _same_x(a, b):
    if not (a.exact and b.exact):
        return all(abs(complex(sympy.N(a.x[s] - b.x[s], 30))) < 1e-20 for s in a.x)
    return all(sympy.simplify(a.x[s] - b.x[s]) == 0 for s in a.x)
