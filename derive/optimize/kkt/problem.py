"""`KKTProblem`: min/max f(x) subject to h(x) = 0 and g(x) <= 0 in scalar variables: the
Lagrangian, the four KKT conditions, and every KKT point by enumerating active sets, exactly
(the conventions and examples: derive.optimize.kkt, which sets problems up).  The problems in matrix
notation (matrix_form.MatrixKKTProblem) and index notation (elementwise.IndexKKTProblem) are
this one with their own multipliers, stationarity and solver.
"""

import itertools
from dataclasses import dataclass

import sympy
from sympy import Eq, Ge, Le, Matrix, Symbol

from ...calculus.reals import RealView
from ...errors import LimitError, ValidationError
from ...text.budgets import attempt, time_budget
from ...text.inputs import as_basic
from ...text.printing import latex, to_text
from .. import parametric
from ..parametric import Case, describe, settle
from ..realroots import Continuum, approx, numeric, reality, triangular_real_solutions, vanishes
from ..results import CONVENTION, KKTPoint, KKTSolution
from . import qualification

SAMPLES = 3  # random admissible parameter values each parametric point is checked at


@dataclass
class Constraint:
    """h(x) = 0 ("eq") or g(x) <= 0 ("ineq"), with the text it came from."""

    expr: sympy.Expr
    kind: str
    text: str
    multiplier: Symbol = None

    def __str__(self):
        return self.text


class KKTProblem:
    """min/max f(x) subject to equalities and inequalities; see the module doc.

    Attributes: ``objective``, ``wrt``, ``sense``, ``constraints`` (list of
    `Constraint`), ``lagrangian`` (SymPy), ``conditions`` (dict: stationarity,
    primal feasibility, dual feasibility, complementary slackness -> lists of
    SymPy relations).  ``solve()`` returns a `KKTSolution`.
    """

    notation = "scalar"

    def __init__(self, objective, wrt, constraints, sense, limits, namespace=None, sense_given=True):
        self.objective, self.wrt, self.constraints, self.sense, self.limits = objective, wrt, constraints, sense, limits
        self.namespace, self.sense_given = namespace, sense_given
        self.equalities = [c for c in constraints if c.kind == "eq"]
        self.inequalities = [c for c in constraints if c.kind == "ineq"]
        taken = {getattr(s, "name", str(s)) for e in [objective] + [c.expr for c in constraints]
                 for s in e.free_symbols}
        for k, c in enumerate(self.equalities, 1):
            c.multiplier = self._multiplier(c, f"lambda{k}", taken)
        for k, c in enumerate(self.inequalities, 1):
            c.multiplier = self._multiplier(c, f"mu{k}", taken)
        sign = self.sense_sign
        self.lagrangian = objective + sign * sum((self._pairing(c) for c in constraints), sympy.S.Zero)
        # internally always a minimization of F = +-f
        self._F = sign * objective
        self._L = self._F + sum((self._pairing(c) for c in constraints), sympy.S.Zero)
        self.conditions = {
            "stationarity": self._stationarity(),
            "primal feasibility": [Eq(c.expr, 0) for c in self.equalities] + [Le(c.expr, 0) for c in self.inequalities],
            "dual feasibility": [Ge(c.multiplier, 0) for c in self.inequalities],
            "complementary slackness": [Eq(self._pairing(c), 0) for c in self.inequalities],
        }

    @property
    def sense_sign(self):
        """+1 for a minimization, -1 for a maximization: L = f + sign * (lambda.h + mu.g)."""
        return 1 if self.sense == "min" else -1

    def _multiplier(self, c, name, taken):
        return _fresh_symbol(name, taken)

    def _pairing(self, c):
        """The constraint's term in the Lagrangian (lambda * h)."""
        return c.multiplier * c.expr

    def _stationarity(self):
        return [Eq(sympy.diff(self.lagrangian, x), 0) for x in self.wrt]

    def __repr__(self):
        cons = len(self.constraints)
        return (f"KKTProblem({self.sense} {to_text(self.objective)} over {', '.join(map(str, self.wrt))}, "
                f"{cons} constraint{'s' if cons != 1 else ''})")

    def sense_text(self):
        """'min' or 'max', saying when min is the default (no sense was given)."""
        return self.sense if self.sense_given else f"{self.sense} (the default sense; pass sense='max' to maximize)"

    def _over_reals(self):
        """(this problem with every assumption-free symbol made real, the view back to the
        user's symbols).  derive solves over the reals (see reals.RealView); the problem
        object itself keeps the user's symbols, so everything it shows is theirs."""
        view = RealView(self.objective, list(self.wrt), [c.expr for c in self.constraints])
        if not view.to_real:
            return self, view
        constraints = [Constraint(view.real(c.expr), c.kind, c.text) for c in self.constraints]
        return KKTProblem(view.real(self.objective), view.real(self.wrt), constraints, self.sense,
                          self.limits), view

    def __str__(self):
        params = f", parameters {', '.join(map(str, self.parameters))}" if self.parameters else ""
        lines = [f"{self.sense_text()} {to_text(self.objective)} over ({', '.join(map(str, self.wrt))}){params}"]
        for c in self.constraints:
            lines.append(f"  subject to {c.text}   [{c.multiplier}; "
                         f"{'h' if c.kind == 'eq' else 'g'} = {to_text(c.expr)}{' = 0' if c.kind == 'eq' else ' <= 0'}]")
        lines.append(f"Lagrangian: L = {to_text(self.lagrangian)}")
        for name, items in self.conditions.items():
            lines.append(f"{name}: " + ("; ".join(to_text(i) for i in items) or "none"))
        return "\n".join(lines)

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    def latex(self):
        """The problem, its Lagrangian and its conditions, as LaTeX (no $ delimiters)."""
        conds = r"\\ ".join(latex(c) for items in self.conditions.values() for c in items)
        head = (f"\\text{{{self.sense}}}\\ {latex(self.objective)}"
                + "".join(f"\\quad \\text{{s.t. }} {latex(_relation(c))}" for c in self.constraints))
        return (f"{head}\\qquad \\mathcal{{L}} = {latex(self.lagrangian)}"
                f"\\qquad \\begin{{gathered}}{conds}\\end{{gathered}}")

    def plot(self, path=None, **options):
        """The feasible region, objective contours, the optimum and its active constraints (solves the
        problem first); see `derive.figures.plot_kkt`.  Written to `path` when given, else returned."""
        from ...present.figures import plot_kkt

        return plot_kkt(self, path, **options)

    def to_dict(self):
        return {"sense": self.sense, "sense_given": self.sense_given, "notation": self.notation,
                "convention": CONVENTION[self.sense],
                "objective": to_text(self.objective), "wrt": [str(x) for x in self.wrt],
                "parameters": [str(p) for p in self.parameters],
                "constraints": [{"text": c.text, "kind": c.kind, "expr": to_text(c.expr),
                                 "multiplier": str(c.multiplier)} for c in self.constraints],
                "lagrangian": to_text(self.lagrangian),
                "conditions": {k: [to_text(i) for i in v] for k, v in self.conditions.items()}}

    # ------------------------------------------------------------------
    def solve(self):
        """All KKT points (exact), best objective first; see `KKTSolution`.

        With parameters (symbols that are not in wrt), each point holds under
        conditions on them, given as SymPy relations in ``KKTPoint.conditions``.
        """
        with time_budget(self.limits.seconds, "solving the KKT conditions"):
            real, view = self._over_reals()
            solution = real._solve_parametric() if real.parameters else real._solve()
            solution = view.user(solution)
            solution.problem = self
            return solution

    def _solve(self):
        grad_F = [sympy.diff(self._F, x) for x in self.wrt]
        found, undecided = [], 0
        families = []  # solution sets of linear KKT systems with free variables (not isolated points)
        budget_per_set = 2.0
        for active in self._active_sets():
            solutions, exact = self._solve_active_set(active, grad_F, budget_per_set, families)
            if solutions is None:
                undecided += 1
                continue
            for sol, real_notes in solutions:
                point = self._accept(sol, active, exact)
                if point is not None and not any(_same_x(point, p) for p in found):
                    point.notes = [f"{k}: {n}" for k, n in real_notes.items()]
                    found.append(point)
        note = "" if found or undecided else "no KKT point: the constraints may be infeasible (no point satisfies " \
                                            "them all), or the optimum is not attained"
        if families:
            shown = "; ".join(", ".join(f"{k} = {to_text(v)}" for k, v in family.items() if k != v)
                              for family in families[:2])
            free = sorted({str(v) for family in families for v in family if family[v] == v})
            lead = "no isolated KKT point" if not found and not undecided else note
            note = (lead + "; " if lead else "") + (
                f"the KKT conditions also hold on a set of points ({shown}; {', '.join(free)} free, within "
                "the constraints): not isolated, so not listed, and the optimum may be attained all along it")
        if undecided:
            note = (f"{undecided} active set(s) could not be solved exactly within the time budget "
                    "(transcendental or large systems)")
            if not found:
                found = self._numeric_fallback()
                note += "; the points shown come from a numeric solver and are labelled so"
        for p in found:
            if p.kind == "":
                p.kind = self._classify(p)[0][0]
            if p.exact or p.multipliers:
                self._check(p, {})
            p.notes = self._explain(p) + p.notes + ([] if p.exact else [
                "numeric: the exact roots were out of reach; values are roots of the Groebner basis to 50 digits"])
        reverse = self.sense == "max"
        found.sort(key=lambda p: float(approx(p.value)), reverse=reverse)
        irregular = qualification.irregular_points(self, found) if self._polynomial else []
        if irregular and not found:
            note = ("no KKT point; LICQ fails at the point(s) listed, where a "
                    f"{'minimizer' if self.sense == 'min' else 'maximizer'} need not satisfy the KKT conditions")
        return KKTSolution(self, found, note, irregular)

    def _active_sets(self):
        """Active sets of at most n - (equalities) inequalities: by Caratheodory, a KKT point with
        more active constraints also has multipliers supported on a linearly independent subset."""
        n, m = len(self.wrt), len(self.inequalities)
        for size in range(0, min(m, max(n - len(self.equalities), 0)) + 1):
            yield from itertools.combinations(range(m), size)

    def _active_set_equations(self, active, grad_F, fixed=None):
        """(equations, unknowns) of stationarity and the equalities, with these inequalities active."""
        act = [self.inequalities[j] for j in active]
        unknowns = list(self.wrt) + [c.multiplier for c in self.equalities] + [c.multiplier for c in act]
        gradients = self._constraint_gradients()
        stationarity = [g + sum(c.multiplier * gradients[id(c)][k] for c in self.equalities + act)
                        for k, g in enumerate(grad_F)]
        return stationarity + [c.expr for c in self.equalities] + [c.expr for c in act], unknowns

    def _solve_active_set(self, active, grad_F, seconds, families):
        """Real solutions (solution dict, notes) of the KKT equations with these inequalities
        active, and whether they are exact; (None, False) when out of reach.  Sets of
        solutions of a linear system (free variables, dual feasible) go into `families`."""
        equations, unknowns = self._active_set_equations(active, grad_F)
        if self._polynomial:
            if all(_is_linear(e, unknowns) for e in equations):
                sets = []
                points = _solve_linear(equations, unknowns, sets)
                act = [self.inequalities[j] for j in active]
                families += [family for family in sets  # dual feasibility where the multipliers are fixed numbers
                             if all(not (family[c.multiplier].is_number and family[c.multiplier] < 0) for c in act)]
                return [(s, {}) for s in points], True
            # a lex Groebner basis decides at once whether there is any solution, and is
            # triangular: solve it unknown by unknown with exact real roots
            basis = attempt(lambda: sympy.groebner(equations, *unknowns, order="lex"), seconds, None)
            if basis is None:
                return None, False
            if list(basis.exprs) == [1]:
                return [], True
            for exact in (True, False):
                try:
                    found = attempt(lambda exact=exact: triangular_real_solutions(basis.exprs, unknowns, exact=exact),
                                    seconds, None)
                except Continuum:
                    return None, False
                if found is not None:
                    return found, exact
            return None, False
        equations = [sympy.numer(sympy.together(e)) for e in equations]
        try:
            result = attempt(lambda: sympy.solve(equations, unknowns, dict=True), seconds, None)
        except NotImplementedError:  # SymPy has no method for it (2x + cos x = 0): undecided, not an error
            result = None
        if result is None:
            return None, False
        return [(s, {}) for s in result if len(s) == len(unknowns)], True

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
        verdicts = {k: reality(v) for k, v in values.items()}
        if not all(verdict for verdict, _ in verdicts.values()):
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
        value = _tidy(self.objective.subs(x)) if exact else self.objective.subs(x).evalf(40)
        if not reality(value)[0]:
            return None
        approx_x = {s: float(approx(v)) for s, v in x.items() if not v.is_Rational}
        return KKTPoint(x, multipliers, tight, value, "", exact, approx=approx_x)

    def _check(self, p, params):
        """Substitute the point (and the parameter values `params`) into every KKT condition:
        residuals vanish exactly (or to 50 digits for roots SymPy cannot simplify), the
        inequalities and the multipliers' signs hold.  A failure is a bug: it is raised."""
        subs = {**{k: v.subs(params) for k, v in p.x.items()},
                **{k: v.subs(params) for k, v in p.multipliers.items()}}
        close = vanishes if p.exact else (lambda e: abs(sympy.N(e, 30)) < 1e-20)
        failed = []
        for name, items in self.conditions.items():
            for c in items:
                lhs = (c.lhs - c.rhs).subs(params).subs(subs)
                if isinstance(c, Eq) and not close(lhs):
                    failed.append(f"{name}: {to_text(c)}")
                elif isinstance(c, (Le, Ge)):
                    sign = -1 if isinstance(c, Le) else 1
                    if not close(lhs) and _sign(sign * lhs) < 0:
                        failed.append(f"{name}: {to_text(c)}")
        if failed:
            at = f" at parameters {params}" if params else ""
            raise ValidationError(f"internal check failed: the KKT point {p.x}{at} violates " + "; ".join(failed))

    def _classify(self, p, fixed=None, params=()):
        """Second-order conditions on the tangent space of the strongly active constraints.

        A list of (kind, conditions) pairs: one pair with no conditions, unless the
        reduced Hessian depends on the parameters (then Sylvester's criterion splits
        the kinds by conditions).  With parameters, a multiplier that is not
        identically zero counts as positive (the generic case)."""
        fixed = fixed or {}
        subs = {**p.x, **p.multipliers}
        H = sympy.hessian(self._L.subs(fixed), list(self.wrt)).subs(subs)
        strong = [c for j, c in enumerate(self.inequalities)
                  if j in p.active and _sign(p.multipliers[c.multiplier]) != 0]
        rows = [[sympy.diff(c.expr.subs(fixed), x).subs(p.x) for x in self.wrt] for c in self.equalities + strong]
        J = Matrix(rows) if rows else sympy.zeros(0, len(self.wrt))
        if J.rows and not J.nullspace():
            kinds = [("min", [])]  # a vertex: every direction is blocked by a constraint with a positive multiplier
        else:
            Z = Matrix.hstack(*J.nullspace()) if J.rows else sympy.eye(len(self.wrt))
            reduced = (Z.T * H * Z).applyfunc(lambda e: sympy.factor(sympy.nsimplify(sympy.simplify(e))))
            if reduced.free_symbols & set(params):
                kinds = parametric.definiteness(reduced)
            else:
                kinds = [(_definiteness(reduced), [])]
        weakly = any(j in p.active for j in range(len(self.inequalities)))
        kinds = [("saddle" if kind == "max" and weakly else kind, conds) for kind, conds in kinds]
        if self.sense == "max":
            return [({"min": "max", "max": "min"}.get(kind, kind), conds) for kind, conds in kinds]
        return kinds

    # ------------------------------------------------------------------
    @property
    def parameters(self):
        """Symbols of the problem that are not variables (a in (x - a)**2 over x)."""
        return parametric.parameters([self.objective] + [c.expr for c in self.constraints], self.wrt)

    @parametric.out_of_reach("the parametric KKT system")
    def _solve_parametric(self):
        params = self.parameters
        grad_F = [sympy.diff(self._F, x) for x in self.wrt]
        found, continua, dropped = [], [], []
        for active in self._active_sets():
            equations, unknowns = self._active_set_equations(active, grad_F)
            cases = parametric.solve_cases(equations, unknowns, params)
            for case in cases:
                if case.values is None:
                    continue
                if case.free:
                    when = f" when {describe(case.relations)}" if case.relations else ""
                    continua.append(f"the stationarity equations of active set {list(active)} leave "
                                    f"{', '.join(map(str, case.free))} free{when}; such sets of points (feasible "
                                    "or not) are not listed")
                    continue
                for point in self._accept_parametric(case, active, params, dropped):
                    if not any(_same_x(point, q) and point.conditions == q.conditions and point.kind == q.kind
                               for q in found):
                        found.append(point)
        notes = continua + (["no admissible parameter values were found (400 random draws) for: "
                             + "; ".join(dropped) + "; those cases are left out"] if dropped else [])
        if not found and not continua:
            notes.insert(0, "no KKT point for any parameter values: the constraints may be infeasible, or the "
                            "optimum is not attained")
        ordered, undecided = _order(found, self.sense == "max", params)
        if undecided:
            notes.append("the order of the points depends on the parameters (their conditions differ, or their "
                         "objective values compare differently for different parameters)")
        return KKTSolution(self, ordered, "; ".join(notes))

    def _accept_parametric(self, case, active, params, dropped):
        """KKT points of one parametric case: real, feasible, mu >= 0 under its conditions,
        classified, and checked at random admissible parameter values."""
        conditions = list(case.conditions)
        for v in list(case.values.values()) + [self.objective.subs(case.fixed).subs(case.values)]:
            extra = parametric.reality_conditions(v, params)
            if extra is None:
                return []
            conditions += extra
        x = {s: case.values[s] for s in self.wrt}
        for j, c in enumerate(self.inequalities):
            if j in active:
                conditions.append(Ge(case.values[c.multiplier], 0))
            else:
                conditions.append(Le(c.expr.subs(case.fixed).subs(x), 0))
        case = settle(Case(case.values, conditions, case.fixed), params)
        if case is None:
            return []
        x = {s: case.values[s] for s in self.wrt}
        multipliers = {c.multiplier: case.values.get(c.multiplier, sympy.Integer(0)) for c in self.constraints}
        tight = tuple(j for j, c in enumerate(self.inequalities)
                      if j in active or sympy.simplify(c.expr.subs(case.fixed).subs(x)) == 0)
        value = _tidy(self.objective.subs(case.fixed).subs(x))
        base = KKTPoint(x, multipliers, tight, value, "", True)
        out = []
        for kind, kind_conditions in self._classify(base, case.fixed, params):
            sub = settle(Case(case.values, case.conditions + kind_conditions, case.fixed), params)
            if sub is None:
                continue
            draws = parametric.samples(sub, params, SAMPLES)
            if not draws:
                dropped.append(describe(sub.relations))
                continue
            point = KKTPoint({s: sub.values[s] for s in self.wrt},
                             {k: v.subs(sub.fixed) for k, v in multipliers.items()}, tight,
                             _tidy(value.subs(sub.fixed)), kind, True, conditions=sub.relations)
            for values in draws:
                self._check(point, values)
                at = self._at(point, values)
                if point.kind != "degenerate" and self._classify(at, values)[0][0] != point.kind:
                    raise ValidationError(f"internal check failed: the KKT point {point.x} is not a {point.kind} "
                                          f"at parameters {values}")
            point.notes = self._explain(point)
            out.append(point)
        return out

    @staticmethod
    def _at(p, values):
        """The point `p` at numeric parameter values."""
        return KKTPoint({k: v.subs(values) for k, v in p.x.items()},
                        {k: v.subs(values) for k, v in p.multipliers.items()},
                        p.active, p.value.subs(values), p.kind, p.exact)

    def _explain(self, p):
        notes = []
        for j, c in enumerate(self.inequalities):
            mu = p.multipliers[c.multiplier]
            if j in p.active and _sign(mu) != 0:  # None: a multiplier in the parameters, >= 0 by the conditions
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


def _relation(c):
    return Eq(c.expr, 0) if c.kind == "eq" else Le(c.expr, 0)


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


def _is_linear(e, unknowns):
    if e == 0:
        return True
    try:
        return sympy.Poly(e, *unknowns).total_degree() <= 1
    except sympy.PolynomialError:  # log, exp, ... of an unknown
        return False


def _solve_linear(equations, unknowns, families=None):
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
        elif families is not None:  # a line or plane of solutions: not isolated points
            families.append(dict(zip(unknowns, sol)))
    return out


def _times_eps(value):
    text = to_text(value)
    return f"({text})*eps" if isinstance(value, sympy.Add) else f"{text}*eps"


def _sign(value):
    """-1, 0 or +1; None for an expression in the parameters whose sign SymPy cannot tell."""
    value = as_basic(value)
    if value.is_Float:  # a numeric solution: zero to its precision
        return 0 if abs(value) < 1e-25 else (1 if value > 0 else -1)
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    if value.free_symbols:
        return None
    v = complex(numeric(value, 40))
    return 0 if abs(v) < 1e-30 else (1 if v.real > 0 else -1)


def _definiteness(M):
    """The kind of a minimum problem's point from the reduced Hessian M (no parameters)."""
    signs = [_sign(e) for e in _eigenvalues(M)]
    if all(s > 0 for s in signs):
        return "min"
    if all(s < 0 for s in signs):
        return "max"
    if any(s > 0 for s in signs) and any(s < 0 for s in signs):
        return "saddle"
    return "degenerate"


def _tidy(value):
    return attempt(lambda: sympy.simplify(value), 2.0, value)


def _order(points, reverse, params):
    """Best objective first where values can be compared; (ordered points, whether some
    comparison depended on the parameters).  Values are compared as real expressions:
    a before b when f(a) - f(b) <= 0 for every real parameter value (>= 0 for max)."""
    real = {p: sympy.Dummy(p.name, real=True) for p in params}

    def before(a, b):
        d = (a.value - b.value).xreplace(real)
        return (d.is_nonnegative if reverse else d.is_nonpositive) is True

    remaining, ordered, undecided = list(points), [], False
    while remaining:
        # the first point that no remaining point is strictly better than
        for p in remaining:
            if not any(before(q, p) and not before(p, q) for q in remaining if q is not p):
                break
        undecided |= any(not before(p, q) and not before(q, p) for q in remaining if q is not p)
        ordered.append(p)
        remaining.remove(p)
    return ordered, undecided


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
        return all(abs(complex(numeric(a.x[s] - b.x[s], 30))) < 1e-20 for s in a.x)
    return all(sympy.simplify(a.x[s] - b.x[s]) == 0 for s in a.x)
