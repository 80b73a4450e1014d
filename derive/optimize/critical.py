"""Critical points: exact solutions of grad f = 0, classified.

    critical_points("x**3 - 2*x**2 + 1", "x")   -> x = 0 (max), x = 4/3 (min)
    critical_points("x1**2 - x2**2")            -> (0, 0) saddle, eigenvalues 2, -2
    critical_points("log(x)")                   -> []   (1/x never vanishes on x > 0)
    critical_points("x**4 - 3*x**2 + x")        -> min, max, min at -1.3008, 0.1699, 1.1309 (exact:
                                                   real roots SymPy writes with I, see `realroots`)
    critical_points("a*x**2 + b*x", "x")        -> x = -b/(2a): min if a > 0, max if a < 0; a = 0:
                                                   none (b != 0) or every x (b = 0), see `parametric`

Classification by the Hessian's eigenvalues; where the Hessian is singular,
by the order and sign of the first non-vanishing derivative along each null
direction (x^4: order 4, positive: a minimum; x^3: odd: neither), checked
against f at random nearby points (a line test alone can be fooled); only
then "degenerate".  With parameters, by Sylvester's criterion on the Hessian's
leading principal minors, one point per kind with its conditions.  Every point
is checked before it is returned: grad f vanishes there (exactly or to 50
digits; with parameters, at random admissible parameter values, where the
Hessian's eigenvalues must also have the signs its kind says).

Matrix notation, index notation and functions of a sample are handed over to matrix_form.py,
elementwise.py and sample/; every notation's points come back as results.CriticalPoints.
"""

import sympy

from . import notation, parametric
from ..derivation.api import derive_problem
from ..errors import DeriveError, LimitError, ValidationError
from ..text.budgets import DEFAULT_LIMITS, attempt, time_budget
from .parametric import Case, describe, settle
from .realroots import Continuum, approx, numeric, reality, triangular_real_solutions, vanishes
from ..calculus.reals import RealView
from .results import CriticalPoint, CriticalPoints
from ..text.printing import to_text
from ..text.inputs import as_basic, as_expression, as_scalar, new_namespace
from ..calculus.variables import Problem, require_scalars, scalar_variables

KINDS = ("min", "max", "saddle", "degenerate")
MAX_ORDER = 8
SAMPLES = 3  # random admissible parameter values each parametric point is checked at


def critical_points(f, wrt=None, *, symbols=None, limits=DEFAULT_LIMITS):
    """Real critical points of f, found exactly and classified (see module doc).

    Symbols of f that are not in `wrt` are parameters: the points are then
    given in terms of them, each with the conditions under which it holds.

        >>> [str(p.x) for p in critical_points("x**4 - 3*x**2 + x", "x")][:1]
        ['{x: -sqrt(2)*cos(-acos(-sqrt(2)/4)/3 + pi/3)}']
        >>> [(p.kind, p.conditions) for p in critical_points("a*x**2 + b*x", "x")]
        [('min', [a > 0]), ('max', [a < 0])]
    """
    with time_budget(limits.seconds, "finding critical points"):
        ns = new_namespace(symbols, f, wrt)  # one name, one variable
        # names only the text introduced come back as plain Symbols (points keyed by Symbol("x"))
        return ns.plain(_critical_points(f, wrt, ns))


def _critical_points(f, wrt, ns):
    """critical_points in the call's namespace."""
    expr = as_scalar(notation.one_by_one(as_expression(f, ns)), "f")
    problem = Problem.read(ns, expr, wrt)  # wrt read once: below, the SymPy objects it names
    wrt = problem.wrt
    path = notation.route([expr], wrt, ns)
    if path.kind != "scalar":
        return _in_notation(path, expr, wrt, ns)
    variables = scalar_variables(wrt, expr)
    view = RealView(expr, variables)  # derive works over the reals; results in the user's symbols
    expr, variables = view.real(expr), view.real(variables)
    params = parametric.parameters([expr], variables)
    grad = derive_problem(problem.about(expr, variables), "grad", plain=False).result
    hess = derive_problem(problem.about(expr, variables), "hessian", plain=False).result
    if params:
        return view.user(_parametric_points(expr, variables, params, grad, hess))
    solutions, note = _solve_gradient(grad, variables)
    notes = [note, _periodic_note(grad, variables), _kink_note(expr)]
    points = []
    for sol, real_notes in solutions:
        point = {v: sympy.nsimplify(sol[v]) if sol[v].is_Float else sol[v] for v in variables}
        defined = _defined(expr, grad, point)
        if defined is not True:
            if defined:
                notes.append(defined)
            continue
        p = _classify(expr, variables, hess, point)
        p.notes = [f"{v}: {n}" for v, n in real_notes.items()]
        points.append(p)
    points.sort(key=lambda p: [float(approx(v)) for v in p.x.values()])
    return view.user(CriticalPoints(expr, variables, points, "; ".join(n for n in notes if n)))


def _in_notation(path, expr, wrt, ns):
    """Critical points in matrix notation, index notation, or of a function of a sample."""
    from . import sample

    if path.kind == "matrix":
        from . import matrix_form

        return matrix_form.critical_points(expr, path.variable, ns, sample.parameters(expr, ()))
    if path.kind == "index":
        from . import elementwise

        return elementwise.critical_points(expr, path, ns)
    expr, wrt, squared = sample.squared_variables(expr, wrt)
    if wrt is None:
        variables = sample.parameters(expr, ())
    else:
        named = [w for w in wrt if not (isinstance(w, sympy.Symbol) and w in squared)]
        found = iter(require_scalars(named))
        variables = tuple(w if isinstance(w, sympy.Symbol) and w in squared else next(found) for w in wrt)
    view = RealView(expr, variables)
    expr, variables = view.real(expr), view.real(variables)
    return view.user(sample.critical_points(expr, variables, sample.parameters(expr, variables)))


_NONSMOOTH = (sympy.Abs, sympy.Max, sympy.Min, sympy.Heaviside, sympy.sign, sympy.floor, sympy.ceiling,
              sympy.Piecewise)


def _kink_note(expr):
    """Where f is not differentiable (|x| at 0), a minimum can sit without grad f = 0 there."""
    kinds = sorted({type(a).__name__.lower() for a in expr.atoms(*_NONSMOOTH)})
    if not kinds:
        return ""
    return (f"f is not differentiable everywhere ({', '.join(kinds)}): points where grad f does not exist, such as "
            "kinks, can be minima or maxima too and are not searched")


def _solve_gradient(grad, variables):
    """Real solutions of grad f = 0 as (solution, notes) pairs, and a note.

    Polynomial gradients go through a lex Groebner basis, solved unknown by
    unknown with exact real roots (`realroots`); the rest through sympy.solve,
    keeping the solutions that are real (exactly, or numerically to 60 digits).
    """
    equations = [sympy.numer(sympy.together(g)) for g in grad]
    found = None
    if all(as_basic(e).is_polynomial(*variables) for e in equations):
        found = attempt(lambda: _polynomial_solutions(equations, variables), 8.0, None)
    if found is None:
        found = _solved(equations, variables)
    return found, "" if found else "grad f = 0 has no real solution in f's domain"


def _polynomial_solutions(equations, variables):
    basis = sympy.groebner(equations, *variables, order="lex")
    if list(basis.exprs) == [1]:
        return []
    try:
        return triangular_real_solutions(basis.exprs, variables)
    except Continuum as c:
        raise _continuum([c.free]) from None


def _solved(equations, variables):
    try:
        found = attempt(lambda: sympy.solve(equations, list(variables), dict=True), 8.0, None)
    except NotImplementedError:
        found = None
    if found is None:
        raise LimitError("could not solve grad f = 0 exactly within the time budget "
                         "(transcendental or too large a system)")
    real = []
    for sol in found:
        if len(sol) < len(variables):
            raise _continuum([v for v in variables if v not in sol])
        verdicts = {v: reality(sol[v]) for v in variables}
        if all(verdict for verdict, _ in verdicts.values()):
            real.append((sol, {v: note for v, (_, note) in verdicts.items() if note}))
    return real


def _continuum(free):
    return DeriveError(f"grad f = 0 holds on a whole set (free: {', '.join(map(str, free))}); "
                       "f has non-isolated critical points")


def _periodic_note(grad, variables, parametric=False):
    """solve() returns principal solutions; say when there are infinitely many, or when
    SymPy cannot describe them all."""
    equations = [sympy.numer(sympy.together(g)) for g in grad]
    if all(as_basic(e).is_polynomial(*variables) for e in equations):
        return ""  # a polynomial system: the roots above are all there are
    if len(variables) == 1 and not parametric:
        found = attempt(lambda: sympy.solveset(equations[0], variables[0], sympy.S.Reals), 3.0, None)
        if found is None or isinstance(found, (sympy.FiniteSet, sympy.sets.sets.EmptySet)):
            return ""
        if found.has(sympy.ImageSet):
            return f"the critical points repeat without end: {found}; the ones in one period are listed"
        return f"SymPy could not describe every solution of f' = 0 ({found}); there may be critical points " \
               "beyond the ones listed"
    trig = (sympy.sin, sympy.cos, sympy.tan)
    if any(g.has(*trig) for g in grad):
        return "f is periodic in some variables: the critical points listed may repeat"
    return ""


def _defined(expr, grad, point):
    """True when f and its gradient are real and finite at the point and the gradient
    vanishes there (exactly, or to 50 digits); False when f is undefined there
    (log x has no critical point at x = 0); a note when the gradient is defined
    but does not vanish (a solver artefact, dropped and reported)."""
    polynomial = as_basic(expr).is_polynomial(*point)  # then real everywhere the point is real
    for e in [] if polynomial else [expr] + list(grad):
        try:
            verdict, _ = reality(as_basic(e).subs(point))
        except (ValueError, TypeError, ZeroDivisionError):
            return False
        if not verdict:
            return False
    if all(vanishes(as_basic(g).subs(point)) for g in grad):
        return True
    return f"a solution of grad f = 0 from SymPy, {point}, failed the check grad f = 0 and is left out"


def _classify(expr, variables, hess, point, case=None, params=()):
    """The kind of a critical point whose Hessian has no parameters left."""
    H = hess.subs(point)
    H = H.applyfunc(sympy.nsimplify) if any(e.is_Float for e in H) else H
    eigen = None
    if not H.has(sympy.CRootOf):  # a characteristic polynomial over CRootOf values is slow and unreadable
        eigen = attempt(lambda: [e for e, mult in H.eigenvals().items() for _ in range(mult)], 2.0, None)
    if eigen is None:  # symmetric: numerically real eigenvalues
        import numpy as np

        eigen = [sympy.Float(v, 15) for v in np.linalg.eigvalsh(np.array(H.applyfunc(lambda e: approx(e, 30)),
                                                                          dtype=float))]
    signs = [_sign(e) for e in eigen]
    value = _tidy_value(expr.subs(point))
    conditions = case.relations if case else []
    approx_x = {s: float(approx(v)) for s, v in point.items() if not v.free_symbols and not v.is_Rational}
    if all(s > 0 for s in signs):
        kind = "min"
    elif all(s < 0 for s in signs):
        kind = "max"
    elif any(s > 0 for s in signs) and any(s < 0 for s in signs):
        kind = "saddle"
    else:
        kind = None
    if kind:
        reason = DEFINITENESS[kind]
    else:
        kind, reason = _higher_order(expr, variables, point, H, signs, case, params)
    return CriticalPoint(point, kind, eigen, value, reason, H, conditions, approx_x)


def _tidy_value(value):
    if value.has(sympy.CRootOf):
        return value  # simplify cannot shorten a polynomial in a CRootOf, and takes long to find out
    return attempt(lambda: sympy.simplify(value), 2.0, value)


# ---------------------------------------------------------------------------
# Parameters: points in terms of them, each with its conditions, checked at random values.

@parametric.out_of_reach("the parametric system grad f = 0")
def _parametric_points(expr, variables, params, grad, hess):
    equations = [sympy.numer(sympy.together(g)) for g in grad]
    cases = parametric.solve_cases(equations, variables, params)
    points, others, dropped = [], [], []
    for case in cases:
        if case.values is None or case.free:
            others.append(case)
            continue
        domain = []
        for e in [expr] + list(grad):
            at = e.subs(case.fixed).subs(case.values)
            if at.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):  # log(0), 1/0: f undefined there
                domain = None
                break
            extra = parametric.reality_conditions(at, params)
            if extra is None:
                domain = None
                break
            domain += extra
        case = None if domain is None else settle(Case(case.values, case.conditions + domain, case.fixed), params)
        if case is not None:
            for p in _classify_parametric(expr, variables, grad, hess, case, params, dropped):
                if not any(p.x == q.x and p.kind == q.kind and p.conditions == q.conditions for q in points):
                    points.append(p)
    points = _merged_branches(points, params)
    points.sort(key=lambda p: len(p.conditions) > 0 and any(c.func == sympy.Eq for c in p.conditions))
    notes = [_periodic_note(grad, variables, parametric=True)]
    if dropped:
        notes.append("no admissible parameter values were found (400 random draws) for: " + "; ".join(dropped)
                     + "; those cases are left out")
    return CriticalPoints(expr, variables, points, "; ".join(n for n in notes if n), params, others)


def _merged_branches(points, params):
    """Equal branches once: a point found under a != 0 whose formula, at a = 0, is the point found for
    a = 0 (same kind, same other conditions) holds without the a != 0 (mu = S1/n covers S1 = 0)."""
    points = list(points)
    merged = True
    while merged:
        merged = False
        for p, q in ((p, q) for p in points for q in points if p is not q and p.kind == q.kind):
            fixed = {c.lhs: c.rhs for c in q.conditions if isinstance(c, sympy.Eq) and c.lhs in params}
            split = [c for c in p.conditions if isinstance(c, sympy.Ne) and c.rhs == 0 and fixed
                     and c.lhs.free_symbols <= set(fixed) | set(params) and sympy.expand(c.lhs.subs(fixed)) == 0]
            if not split or set(p.x) != set(q.x):
                continue
            if not all(sympy.simplify(p.x[v].subs(fixed) - q.x[v]) == 0 for v in p.x):
                continue
            free = [s for s in params if s not in fixed]
            rest_p = parametric.tidy([c.subs(fixed) for c in p.conditions if c not in split], free)
            rest_q = [c for c in q.conditions if not (isinstance(c, sympy.Eq) and c.lhs in fixed)]
            if rest_p is None or set(rest_p) != set(parametric.tidy(rest_q, free) or []):
                continue
            p.conditions = [c for c in p.conditions if c not in split]
            points.remove(q)
            merged = True
            break
    return points


def _classify_parametric(expr, variables, grad, hess, case, params, dropped, depth=0):
    """One CriticalPoint per kind the point can have, each with its conditions."""
    f = expr.subs(case.fixed)
    H = hess.subs(case.fixed).subs(case.values).applyfunc(lambda e: sympy.factor(sympy.simplify(e)))
    if not H.free_symbols & set(params):
        point = _classify(f, variables, hess.subs(case.fixed), case.values, case, params)
        return _verified([point], expr, grad, hess, case, params, dropped)
    out = []
    for kind, conditions in parametric.definiteness(H):
        sub = settle(Case(case.values, case.conditions + conditions, case.fixed), params)
        if sub is None:
            continue
        if kind == "degenerate" and sub.fixed != case.fixed and depth < len(params):
            out += _classify_parametric(expr, variables, grad, hess, sub, params, dropped, depth + 1)
            continue
        eigen = attempt(lambda fixed=sub.fixed: [e for e, m in H.subs(fixed).eigenvals().items() for _ in range(m)],
                        2.0, [])
        reason = DEFINITENESS.get(kind, "Hessian singular; the higher-order test needs values for the parameters")
        point = CriticalPoint(dict(sub.values), kind, [sympy.factor(e) for e in eigen],
                              _tidy_value(f.subs(sub.fixed).subs(sub.values)), reason,
                              H.subs(sub.fixed), sub.relations)
        out += _verified([point], expr, grad, hess, sub, params, dropped)
    if not out and parametric.samples(case, params, 1):
        # min, max, saddle and degenerate cover every case: none left means the conditions
        # were beyond SymPy's inequality reasoning; say so rather than lose the point
        raise LimitError(f"could not decide the kind of the critical point {case.values} for symbolic parameters; "
                         "give the parameters values")
    return out


def _verified(points, expr, grad, hess, case, params, dropped):
    """Check each parametric point at random admissible parameter values: grad f vanishes
    there, and the Hessian's eigenvalues have the signs its kind says."""
    draws = parametric.samples(case, params, SAMPLES)
    if not draws:
        dropped.append(describe(case.relations))
        return []
    for values in draws:
        point = {v: e.subs(values) for v, e in case.values.items()}
        for g in grad:
            if not vanishes(g.subs(values).subs(point)):
                raise ValidationError(f"internal check failed: grad f does not vanish at {point} for {values}")
        for p in points:
            if p.reason in DEFINITENESS.values():
                _check_kind(p, hess.subs(values).subs(point), values)
    return points


DEFINITENESS = {"min": "Hessian positive definite", "max": "Hessian negative definite", "saddle": "Hessian indefinite"}


def _check_kind(p, H, values):
    import numpy as np

    eig = np.linalg.eigvalsh(np.array(H.applyfunc(lambda e: approx(e, 30)), dtype=float))
    holds = {"min": all(eig > 0), "max": all(eig < 0), "saddle": eig.min() < 0 < eig.max()}[p.kind]
    if not holds:
        raise ValidationError(f"internal check failed: the point {p.x} is not a {p.kind} at parameters "
                              f"{values} (Hessian eigenvalues {list(eig)})")


def _sign(e):
    e = sympy.nsimplify(e) if getattr(e, "is_Float", False) else e
    if e.is_zero:
        return 0
    value = complex(numeric(e, 30))
    return 0 if abs(value) < 1e-25 else (1 if value.real > 0 else -1)


def _higher_order(expr, variables, point, H, signs, case=None, params=()):
    """Singular Hessian: the first non-vanishing derivative along each null direction.
    With parameters, a derivative whose sign depends on them leaves the point degenerate."""
    nonzero = {s for s in signs if s != 0}
    null = H.nullspace()
    t = sympy.Symbol("t", real=True)
    verdicts = []
    for v in null:
        v = v / max(abs(c) for c in v if c != 0)
        line = expr.subs({x: point[x] + t * c for x, c in zip(variables, v)}, simultaneous=True)
        order, sign = None, 0
        for k in range(3, MAX_ORDER + 1):
            d = sympy.simplify(sympy.diff(line, t, k).subs(t, 0))
            if d != 0:
                order, sign = k, _sign(d) if not d.free_symbols else _parametric_sign(d, case, params)
                break
        if order is None:
            return "degenerate", f"Hessian singular and derivatives up to order {MAX_ORDER} vanish along {list(v)}"
        if sign is None:
            return "degenerate", (f"Hessian singular; along {_vec(v)} the sign of the order-{order} derivative "
                                  f"{to_text(d)} depends on the parameters")
        if order % 2 == 1:
            return "saddle", f"Hessian singular; along {_vec(v)} the first non-zero derivative has odd order {order}"
        verdicts.append((order, sign))
    signs_along = {s for _, s in verdicts} | nonzero
    if signs_along == {1}:
        kind = "min"
    elif signs_along == {-1}:
        kind = "max"
    else:
        return "saddle", "Hessian singular; f curves up along some directions and down along others"
    orders = ", ".join(str(o) for o, _ in verdicts)
    if not _nearby_agrees(expr, variables, point, kind, case, params):
        return "saddle", (f"Hessian singular; every line through the point suggests a {kind}imum (order "
                          f"{orders}), but f is {'lower' if kind == 'min' else 'higher'} at nearby points off "
                          "those lines (as between y = x^2 and y = 2 x^2 for (y - x^2)(y - 2 x^2))")
    return kind, f"Hessian singular; even-order ({orders}) derivatives along the null directions agree"


def _parametric_sign(d, case, params):
    """+1 / -1 when d has that sign for every admissible parameter value, else None."""
    for sign, relation in ((1, sympy.Gt(d, 0)), (-1, sympy.Lt(d, 0))):
        if parametric.tidy(list(case.conditions) + [relation], params) == list(case.conditions):
            return sign
    return None


def _nearby_agrees(expr, variables, point, kind, case=None, params=(), trials=20000):
    """`_nearby_test` at the point; with parameters, at a few admissible parameter values."""
    if not params:
        return _nearby_test(expr, variables, point, kind, trials)
    draws = parametric.samples(case, params, SAMPLES)
    return all(_nearby_test(expr.subs(values), variables, {v: e.subs(values) for v, e in point.items()}, kind,
                            trials) for values in draws)


def _nearby_test(expr, variables, point, kind, trials):
    """Is f(point) really below (min) / above (max) f at random nearby points?

    Each coordinate gets its own scale (10^-4 .. 10^-1), so thin regions like
    the one between y = x^2 and y = 2 x^2 (where (y - x^2)(y - 2 x^2) < 0,
    although every line through 0 sees a minimum) are sampled too.
    """
    import numpy as np

    import codegen

    rng = np.random.default_rng(0)
    center = np.array([float(complex(numeric(point[v], 30)).real) for v in variables])
    f0 = float(complex(numeric(expr.subs(point), 30)).real)
    fn = codegen.kernel(expr, list(variables), backend="numpy")
    scales = 10.0 ** rng.uniform(-4, -1, size=(trials, len(variables)))
    offsets = scales * rng.uniform(-1, 1, size=(trials, len(variables)))
    with np.errstate(all="ignore"):
        values = np.real(fn(*(center + offsets).T))
    values = values[np.isfinite(values)]
    tolerance = 1e-13 * max(abs(f0), 1.0)
    if kind == "min":
        return not np.any(values < f0 - tolerance)
    return not np.any(values > f0 + tolerance)


def _vec(v):
    return "(" + ", ".join(to_text(c) for c in v) + ")"
