"""Critical points and equality-constrained problems in matrix notation, solved symbolically.

    critical_points("norm(X@w - y)**2 + lam*norm(w)**2", "w", symbols="X: n x d, w: d, y: n")
        min at w = inv(lam*I + X.T*X)*X.T*y when lam > 0; the same with lam = 0 when X has full
        column rank (the normal equations X.T*X*w = X.T*y)
    kkt("norm(x)**2", "x", st="A@x = b", symbols="A: m x n, x: n, b: m").solve()
        min at x = A.T*inv(A*A.T)*b, lambda1 = -2*inv(A*A.T)*b when A has full row rank

grad f = 0 is solved when it is linear in the variable x, that is when the Hessian H
(derive's, validated) does not depend on x: then grad f = H x + g0 with g0 = grad f at
x = 0, and the critical point solves H x = -g0 (common numeric factors cancelled, so
2 X^T X w = 2 X^T y reads X^T X w = X^T y).  Whether H is invertible, and the kind of
the point, come from H's structure (`definite`): a Gram matrix X^T X plus lam I is
positive definite for lam > 0, and for lam = 0 when X has full column rank.

One equality constraint h(x) = J x - c = 0 (a vector A x = b or a scalar sum(x) = 1)
is eliminated through the Schur complement: x = -H^-1 (g0 + J^T lambda), and
J H^-1 J^T lambda = -(c + J H^-1 g0).  Inequalities in matrix notation are out of
reach (which entries are active is a combinatorial question) and say so.

Every point is checked at two random instances (sizes and exact rational data that
meet its conditions): f written out entry by entry (`concrete.explicit`), its partial
derivatives at the point are exactly zero, and so are the constraints' residuals.
"""

import sympy
from sympy import Eq, Identity, Inverse, MatAdd, MatMul, MatrixSymbol, Trace, ZeroMatrix

from ..calculus.variables import Problem
from ..derivation.api import derive_problem
from ..errors import DeriveError, LimitError, ValidationError
from ..text.printing import to_text
from . import concrete, definite, light
from .kkt.problem import KKTProblem, _fresh_symbol
from .parametric import Case, settle
from .results import CriticalPoint, CriticalPoints, KKTPoint, KKTSolution

SPLIT = {"pd": "min", "nd": "max"}


def stationary_parts(expr, x, namespace):
    """(gradient, Hessian, g0) of a scalar matrix expression in the matrix symbol x, or a
    `LimitError` when grad f = 0 is not linear in x."""
    g = derive_problem(Problem.within(namespace, expr, x), "grad").result
    H = derive_problem(Problem.within(namespace, expr, x), "hessian").result
    if H.has(x):
        raise LimitError(f"grad f = 0 is not linear in {x} (the Hessian {to_text(H)} depends on {x}): solving "
                         "it in matrix notation is out of reach; give concrete sizes and scalar variables")
    return g, H, at_zero(g, x)


def at_zero(expr, x):
    """`expr` at x = 0."""
    return expr.xreplace({x: ZeroMatrix(*x.shape)}).doit()


def numeric_content(*exprs):
    """The common rational factor of the terms of matrix expressions (2 in 2 X^T X and -2 X^T y... : 2)."""
    coefficients = []
    for e in exprs:
        for term in (e.args if isinstance(e, MatAdd) else (e,)):
            coefficient = definite.split_term(term)[0] if isinstance(term, sympy.MatrixExpr) else term
            coefficients.append(sympy.S(coefficient).as_coeff_Mul()[0])
    content = coefficients[0] if coefficients else sympy.S.One
    for c in coefficients[1:]:
        content = sympy.gcd(content, c)
    if content == 0:
        return sympy.S.One
    return abs(content)


def inverse(M):
    """M^-1, with scalar factors pulled out: (c I)^-1 = I/c, (c A)^-1 = A^-1/c."""
    if isinstance(M, MatMul):
        scalars = sympy.Mul(*[a for a in M.args if not a.is_Matrix])
        mats = [a for a in M.args if a.is_Matrix]
        if scalars != 1:
            core = mats[0] if len(mats) == 1 else MatMul(*mats)
            return (1 / scalars) * inverse(core)
    if isinstance(M, Identity):
        return M
    if isinstance(M, Inverse):
        return M.arg
    return Inverse(M)


def solve_linear(H, r):
    """x with H x = r, written inv(H) r (r / c when H = c I)."""
    if isinstance(H, Identity):
        return r
    return (inverse(H) * r).doit(deep=False) if not isinstance(r, ZeroMatrix) else ZeroMatrix(H.shape[0], 1)


def scaled(H, r):
    """H and r divided by their common numeric factor (H x = r unchanged)."""
    if isinstance(r, ZeroMatrix):
        c = numeric_content(H)
        return (H if c == 1 else (H / c).doit(deep=False)), r
    c = numeric_content(H, r)
    return (H, r) if c == 1 else ((H / c).doit(deep=False), r / c)


def cases_of(H, properties, params):
    """definite.cases of H with the parameters' conditions settled (a = 0 fixed); impossible ones dropped."""
    out = []
    for d in definite.cases(H, properties, params):
        case = settle(Case({}, list(d.conditions)), list(params))
        if case is not None:
            out.append((d, case))
    return out


def kinds_for(d, H):
    """[(kind, extra requirements)] of a point whose Hessian (of the minimized function) is H, case d."""
    if d.kind in ("pd", "nd"):
        return [(SPLIT[d.kind], list(d.requires))]
    if d.kind == "psd":
        return [("min", [definite.definite(H)])]
    if d.kind == "nsd":
        return [("max", [definite.definite(H, -1)])]
    return [("min", [definite.definite(H)]), ("max", [definite.definite(H, -1)]), ("saddle", [definite.indefinite(H)])]


def condition_text(conditions, requires):
    from .parametric import describe

    parts = [describe(conditions)] if conditions else []
    return " and ".join(parts + [r.text for r in requires])


# ---------------------------------------------------------------------------
# critical points

def critical_points(expr, x, namespace, params):
    """CriticalPoints of a scalar matrix expression wrt the matrix symbol x (a vector)."""
    if x.shape[1] != 1:
        raise LimitError(f"critical points with respect to the {to_text(x.shape[0])} x {to_text(x.shape[1])} "
                         f"matrix {x} are out of reach in matrix notation (solving for a matrix needs "
                         "vectorization); take a vector variable, or give concrete sizes")
    properties = _properties(expr, namespace)
    _, H, g0 = stationary_parts(expr, x, namespace)
    Hs, r = scaled(H, -g0)
    cases = cases_of(Hs, properties, params)
    decided = any(d.kind != "unknown" for d, _ in cases)
    points, notes, checked = [], [], set()
    for d, case in cases:
        fixed = case.fixed
        Hc, rc = (Hs.xreplace(fixed).doit(), r.xreplace(fixed).doit()) if fixed else (Hs, r)
        if d.kind == "zero":
            notes.append(_affine_note(case, g0.xreplace(fixed).doit() if fixed else g0, x))
            continue
        value = solve_linear(Hc, rc)
        equation = f"{_times(Hc, x)} = {to_text(rc)}"
        if d.kind == "unknown" and decided:
            _check_point(expr, x, value, case, properties, params, [], None, checked)
            when = f"when {condition_text(case.relations, [])}: " if case.relations else ""
            notes.append(f"{when}{x} = {to_text(value)} wherever {to_text(Hc)} is invertible; a minimum if it is "
                         "positive definite, a maximum if negative definite, a saddle otherwise")
            continue
        f_value = optimal_value(expr, x, value, g0.xreplace(fixed).doit() if fixed else g0, fixed)
        hessian = H.xreplace(fixed).doit() if fixed else H
        for kind, requires in kinds_for(d, Hc):
            point = CriticalPoint({x: value}, kind, [], f_value, _reason(kind, hessian, d), hessian,
                                  case.relations, requires=requires, notes=[f"stationarity: {equation}"])
            _check_point(expr, x, value, case, properties, params, requires, point, checked)
            points.append(point)
        if d.requires and d.kind in ("pd", "nd"):
            notes.append(f"when {_negate(d.requires)}{_and(case)}: {to_text(Hc)} is singular, and {equation} "
                         f"holds on a whole affine set of {x} or nowhere (f is "
                         f"{'convex' if d.kind == 'pd' else 'concave'}: every such point is a "
                         f"{SPLIT[d.kind]}imum)")
    return CriticalPoints(expr, (x,), points, "; ".join(notes), tuple(params), [])


def optimal_value(expr, x, value, g0, fixed=None):
    """f at the critical point of a quadratic: f(0) + g0^T x / 2 (f = f(0) + g0^T x + x^T H x / 2)."""
    f0 = at_zero(expr.xreplace(fixed) if fixed else expr, x)
    product = (g0.T * value).doit()
    half = Trace(product).doit() / 2 if isinstance(product, sympy.MatrixExpr) else product / 2
    return sympy.expand(f0 + half) if not isinstance(f0 + half, sympy.MatrixExpr) else f0 + half


def _properties(expr, namespace):
    from ..calculus.targets import properties_of

    return properties_of(expr, namespace)


def _times(H, x):
    text = to_text(H)
    return f"({text})@{x}" if isinstance(H, MatAdd) else f"{text}@{x}"


def _negate(requires):
    return " or ".join(r.text.replace(" has full ", " does not have full ") for r in requires)


def _and(case):
    from .parametric import describe

    return f" and {describe(case.relations)}" if case.relations else ""


def _reason(kind, H, d):
    if kind == "saddle":
        return "Hessian indefinite"
    word = "positive" if kind == "min" else "negative"
    if d.kind in ("pd", "nd"):
        why = f" ({d.why})" if d.why else ""
        return f"Hessian {word} definite{why}: f is {'convex' if kind == 'min' else 'concave'}, a global {kind}imum"
    return f"Hessian {word} definite"


def _affine_note(case, g0, x):
    when = f"when {condition_text(case.relations, [])}: " if case.relations else ""
    return (f"{when}f is linear in {x} (its Hessian vanishes): grad f = {to_text(g0)} does not depend on {x}, so "
            f"every {x} is critical if it vanishes and none is otherwise")


def _check_point(expr, x, value, case, properties, params, requires, point, checked, count=2):
    """The gradient of f written out at random instances is exactly zero at the point, and f there
    is the value given; where the kind was decided from H's structure, H's eigenvalues at those
    instances agree with it.  A formula already checked under the same fixed parameters is not
    checked again."""
    key = (value, tuple(sorted(case.fixed.items(), key=str)), tuple(case.conditions), point is None)
    structural = point is not None and point.kind in ("min", "max") and \
        not any("definite" in r.text for r in requires)
    if key in checked and not structural:
        return
    checked.add(key)
    found = concrete.draws([expr, value], [x], properties, params, case, requires, count=count)
    if not found:
        found = concrete.draws([expr, value], [x], properties, params, case, [], count=count)
        structural = False  # the kind's requirement was never drawn: only stationarity is checked
    if not found:
        raise LimitError(f"could not draw data meeting the conditions of the point {x} = {to_text(value)} "
                         "to check it")
    for draw in found:
        at = draw.value(value)
        concrete.require_zero(concrete.gradient_at(expr, draw, x, at), f"grad f at {x} = {to_text(value)}", draw)
        if point is None:
            continue
        written, symbols = concrete.explicit(expr, draw, [x])
        f_at = concrete._scalar(written).xreplace(dict(zip(list(symbols[x]), list(at))))
        concrete.require_zero(f_at - concrete._scalar(draw.value(point.value)), "f at the critical point "
                              "minus the value given", draw)
        if structural:
            import numpy as np

            eig = np.linalg.eigvalsh(np.array(draw.value(point.hessian).tolist(), dtype=float))
            if not (np.all(eig > 0) if point.kind == "min" else np.all(eig < 0)):
                raise ValidationError(f"internal check failed: the Hessian at {draw.describe()} has eigenvalues "
                                      f"{eig}, not those of a {point.kind}imum; please report this")


# ---------------------------------------------------------------------------
# KKT: one equality constraint

def kkt_solve(problem):
    """The KKT points of a matrix-notation problem with at most one equality constraint."""
    x = problem.wrt[0]
    if problem.inequalities:
        texts = ", ".join(c.text for c in problem.inequalities)
        raise LimitError(f"inequality constraints in matrix notation ({texts}) are out of reach: which entries are "
                         "active is a combinatorial question; give concrete sizes and scalar variables")
    if len(problem.equalities) > 1:
        raise LimitError("more than one equality constraint in matrix notation is out of reach; stack them "
                         "into one (A x = b with the rows of both)")
    properties = _properties(problem.objective, problem.namespace)
    sign = 1 if problem.sense == "min" else -1
    _, H, g0 = stationary_parts(sign * problem.objective, x, problem.namespace)
    params = problem.parameters
    if not problem.equalities:
        return _unconstrained(problem, H, g0, properties, params)
    c = problem.equalities[0]
    lam = c.multiplier
    JT_lam, J = _constraint_jacobian(c, x, lam, problem.namespace)
    rhs = -at_zero(c.expr, x)  # h = J x - rhs
    points, notes = [], []
    for d, case in cases_of(H, properties, params):
        Hc = H.xreplace(case.fixed).doit() if case.fixed else H
        g0c = g0.xreplace(case.fixed).doit() if case.fixed else g0
        if d.kind not in ("pd", "psd", "unknown", "nd", "nsd"):
            raise LimitError(f"the Hessian of the objective vanishes{_and(case)}: a linear objective with an "
                             "equality constraint has no isolated KKT point")
        Hinv = inverse(Hc)
        S = (J * Hinv * J.T).doit()
        scalar = not isinstance(lam, MatrixSymbol)
        if scalar:
            s = Trace(S).doit()
            lam_value = light.tidy(-(rhs + Trace((J * Hinv * g0c).doit()).doit()) / s)
            x_value = (-Hinv * (g0c + JT_lam.xreplace({lam: lam_value}))).doit()
            requires_s = []
        else:
            target = (rhs + (J * Hinv * g0c)).doit()
            lam_value = (-(inverse(S) * target)).doit()
            x_value = (-Hinv * (g0c + JT_lam.xreplace({lam: lam_value}))).doit()
            requires_s = [definite.full_rank(J, "row")] if isinstance(J, MatrixSymbol) else \
                [definite.Requirement(f"{to_text(S)} is invertible")]
        x_value = _tidy_matrix(x_value)
        lam_value = _tidy_matrix(lam_value) if not scalar else light.tidy(lam_value)
        for kind, requires in kinds_for(d, Hc):
            kind = kind if problem.sense == "min" else {"min": "max", "max": "min"}.get(kind, kind)
            requires = list(requires) + requires_s
            value = _constrained_value(problem, x, x_value, lam_value, rhs, g0c, case)
            point = KKTPoint({x: x_value}, {lam: lam_value}, (), value, kind, True,
                             conditions=case.relations, requires=requires)
            point.notes = [(f"equality {c.text} ({lam} = {to_text(lam_value)}): moving it to h = eps changes the "
                            f"optimal value by about {'-' if problem.sense == 'min' else ''}{lam}^T eps"),
                           _kind_note(kind, Hc, d, problem.sense)]
            _check_kkt(problem, point, case, properties, params)
            points.append(point)
    return KKTSolution(problem, points, "; ".join(notes))


def _constrained_value(problem, x, x_value, lam_value, rhs, g0, case):
    """The objective at the KKT point of a quadratic F = sign*f with an affine equality J x = c:
    F* = F(0) + g0^T x / 2 - c^T lambda / 2 (from H x = -g0 - J^T lambda and J x = c)."""
    F0 = at_zero(problem.sense_sign * problem.objective.xreplace(case.fixed) if case.fixed else
                 problem.sense_sign * problem.objective, x)
    c_lam = (rhs.T * lam_value).doit() if isinstance(lam_value, sympy.MatrixExpr) else rhs * lam_value
    total = F0 + _scalar_of((g0.T * x_value).doit()) / 2 - _scalar_of(c_lam) / 2
    return sympy.expand(problem.sense_sign * total)


def _scalar_of(e):
    return Trace(e).doit() if isinstance(e, sympy.MatrixExpr) else e


def _unconstrained(problem, H, g0, properties, params):
    x = problem.wrt[0]
    found = critical_points(problem.sense_sign * problem.objective, x, problem.namespace, params)
    points = []
    for p in found:
        kind = p.kind if problem.sense == "min" else {"min": "max", "max": "min"}.get(p.kind, p.kind)
        points.append(KKTPoint(p.x, {}, (), problem.objective.xreplace({x: p.x[x]}), kind, True,
                               conditions=p.conditions, requires=p.requires, notes=list(p.notes)))
    return KKTSolution(problem, points, found.note)


def _constraint_jacobian(c, x, lam, namespace):
    """(J^T lam as an expression in lam, J) of the affine constraint h."""
    if isinstance(lam, MatrixSymbol):
        J = derive_problem(Problem.within(namespace, c.expr, x), "jacobian").result
        if J.has(x):
            raise LimitError(f"the constraint {c.text} is not linear in {x}: out of reach in matrix notation")
        return (J.T * lam), J
    grad = derive_problem(Problem.within(namespace, c.expr, x), "grad").result
    if grad.has(x):
        raise LimitError(f"the constraint {c.text} is not linear in {x}: out of reach in matrix notation")
    return grad * lam, grad.T


def _tidy_matrix(M):
    return M.doit() if hasattr(M, "doit") else M


def _kind_note(kind, H, d, sense):
    if d.kind in ("pd", "nd"):
        return (f"the objective's Hessian {to_text(H)} is {'positive' if d.kind == 'pd' else 'negative'} definite "
                f"and the constraint is affine: the only KKT point, a global {kind}imum")
    return f"a {kind}imum when the condition on the Hessian holds"


def _check_kkt(problem, point, case, properties, params, count=2):
    x = problem.wrt[0]
    c = problem.equalities[0]
    lam = c.multiplier
    L = problem.lagrangian
    exprs = [L, point.x[x], c.expr]
    found = concrete.draws(exprs, [x, lam], properties, params, case, point.requires, count=count) or \
        concrete.draws(exprs, [x, lam], properties, params, case, [], count=count)
    if not found:
        raise LimitError(f"could not draw data meeting the conditions of the KKT point {x} = "
                         f"{to_text(point.x[x])} to check it")
    for draw in found:
        xv = draw.value(point.x[x])
        lv = draw.value(point.multipliers[lam])
        grad = concrete.gradient_at(L, draw, x, xv, {x: xv, lam: lv})
        concrete.require_zero(grad, "the stationarity of the Lagrangian", draw)
        written, symbols = concrete.explicit(c.expr, draw, [x])
        values = dict(zip(list(symbols[x]), list(xv)))
        residual = written.xreplace(values) if isinstance(written, sympy.Basic) \
            else written.applyfunc(lambda e, values=values: e.xreplace(values))
        concrete.require_zero(residual, f"the constraint {c.text}", draw)


class MatrixKKTProblem(KKTProblem):
    """min/max f(x) over a vector x in matrix notation, subject to one affine equality
    (a vector A x = b, multiplier a vector lambda1, or a scalar one); see the module doc."""

    notation = "matrix"

    def __init__(self, objective, wrt, constraints, sense, limits, namespace, sense_given=True):
        if wrt[0].shape[1] != 1:
            raise LimitError(f"optimizing over the matrix {wrt[0]} is out of reach in matrix notation; take a "
                             "vector variable")
        for c in constraints:
            if c.kind == "ineq":
                raise LimitError(f"the inequality {c.text} in matrix notation is out of reach: which entries are "
                                 "active is a combinatorial question; give concrete sizes and scalar variables")
        super().__init__(objective, wrt, constraints, sense, limits, namespace, sense_given)
        self.conditions["primal feasibility"] = self.conditions_feasibility

    def _multiplier(self, c, name, taken):
        symbol = _fresh_symbol(name, taken)
        shape = getattr(c.expr, "shape", (1, 1))
        if isinstance(c.expr, sympy.MatrixExpr) and shape != (1, 1):
            if shape[1] != 1:
                raise LimitError(f"the constraint {c.text} is a matrix equation; write it as a vector one")
            return MatrixSymbol(symbol.name, shape[0], 1)
        return symbol

    def _pairing(self, c):
        if isinstance(c.multiplier, MatrixSymbol):
            return Trace(c.multiplier.T * c.expr)
        return c.multiplier * c.expr

    def _stationarity(self):
        x = self.wrt[0]
        g = derive_problem(Problem.within(self.namespace, self.lagrangian, x), "grad").result
        self.conditions_feasibility = [Eq(c.expr, ZeroMatrix(*c.expr.shape) if isinstance(c.expr, sympy.MatrixExpr)
                                          else 0, evaluate=False) for c in self.equalities]
        return [Eq(g, ZeroMatrix(*x.shape), evaluate=False)]


    @property
    def parameters(self):
        """The scalar symbols of the problem (lam in a ridge penalty); sizes are not parameters."""
        found = {s for e in [self.objective] + [c.expr for c in self.constraints] for s in e.free_symbols
                 if isinstance(s, sympy.Symbol) and not s.is_integer}
        return tuple(sorted(found, key=str))

    def solve(self):
        from ..text.budgets import time_budget

        with time_budget(self.limits.seconds, "solving the KKT conditions"):
            return kkt_solve(self)

    def plot(self, path=None, **options):
        raise DeriveError("plots of KKT problems need one or two scalar variables, not a vector in matrix notation")
