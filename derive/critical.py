"""Critical points: exact solutions of grad f = 0, classified.

    critical_points("x**3 - 2*x**2 + 1", "x")   -> x = 0 (max), x = 4/3 (min)
    critical_points("x1**2 - x2**2")            -> (0, 0) saddle, eigenvalues 2, -2
    critical_points("log(x)")                   -> []   (1/x never vanishes on x > 0)

Classification by the Hessian's eigenvalues; where the Hessian is singular,
by the order and sign of the first non-vanishing derivative along each null
direction (x^4: order 4, positive: a minimum; x^3: odd: neither), checked
against f at random nearby points (a line test alone can be fooled); only
then "degenerate".
"""

from dataclasses import dataclass, field

import sympy

from .calculus import differentiate
from .errors import DeriveError, LimitError
from .limits import DEFAULT_LIMITS, attempt, time_budget
from .reals import RealView
from .results import ResultList
from .textform import to_text
from .variables import as_basic, as_expression, as_scalar, new_namespace, resolve_wrt

KINDS = ("min", "max", "saddle", "degenerate")
MAX_ORDER = 8


@dataclass
class CriticalPoint:
    """A point where grad f = 0: ``x`` (symbol -> exact value), ``kind``
    ("min", "max", "saddle", "degenerate"), ``eigenvalues`` of the Hessian
    there, ``value`` f(x), and ``reason`` (how the kind was decided)."""

    x: dict
    kind: str
    eigenvalues: list
    value: object
    reason: str = ""
    hessian: object = None

    def __str__(self):
        where = ", ".join(f"{s} = {to_text(v)}" for s, v in self.x.items())
        eig = ", ".join(to_text(e) for e in self.eigenvalues)
        return f"{self.kind:10} at {where}: f = {to_text(self.value)}; Hessian eigenvalues {eig} ({self.reason})"

    def _repr_latex_(self):
        where = ",\\ ".join(f"{sympy.latex(s)} = {sympy.latex(v)}" for s, v in self.x.items())
        return f"$\\text{{{self.kind} at }} {where},\\ f = {sympy.latex(self.value)}$"

    def to_dict(self):
        return {"x": {str(s): to_text(v) for s, v in self.x.items()}, "kind": self.kind,
                "eigenvalues": [to_text(e) for e in self.eigenvalues], "value": to_text(self.value),
                "reason": self.reason}


@dataclass
class CriticalPoints(ResultList):
    """All critical points of f (a list with a readable `str` and `to_dict`)."""

    f: object
    wrt: tuple
    points: list = field(default_factory=list)
    note: str = ""

    def __str__(self):
        head = f"critical points of {to_text(self.f)} over ({', '.join(map(str, self.wrt))}):"
        if not self.points:
            return head + " none" + (f" ({self.note})" if self.note else "")
        return head + "\n" + "\n".join(f"  {p}" for p in self.points) + (f"\n  note: {self.note}" if self.note
                                                                           else "")

    def to_dict(self):
        return {"f": to_text(self.f), "wrt": [str(s) for s in self.wrt],
                "points": [p.to_dict() for p in self.points], "note": self.note}

    def _repr_html_(self):
        from .steps.notebook import critical_html

        return critical_html(self)

    def plot(self, path=None, **options):
        """Contour map (2-D) or curve (1-D) of f with min, max and saddle markers; see
        `derive.figures.plot_critical_points`.  Written to `path` when given, else returned."""
        from .figures import plot_critical_points

        return plot_critical_points(self, path, **options)


def critical_points(f, wrt=None, *, symbols=None, limits=DEFAULT_LIMITS):
    """Real critical points of f, found exactly and classified (see module doc)."""
    with time_budget(limits.seconds, "finding critical points"):
        ns = new_namespace(symbols, f, wrt)  # one name, one variable
        expr = as_scalar(as_expression(f, ns), "f")
        variables = resolve_wrt(wrt, expr, ns)
        view = RealView(expr, variables)  # derive works over the reals; results in the user's symbols
        expr, variables = view.real(expr), view.real(variables)
        grad = differentiate(expr, variables, "grad").result
        hess = differentiate(expr, variables, "hessian").result
        solutions, note = _solve_gradient(grad, variables)
        note = "; ".join(n for n in (note, _periodic_note(grad, variables)) if n)
        points = []
        for sol in solutions:
            point = {v: sympy.nsimplify(sol[v]) if sol[v].is_Float else sol[v] for v in variables}
            if not _defined(expr, grad, point):
                continue
            points.append(_classify(expr, variables, hess, point))
        points.sort(key=lambda p: [float(v) for v in p.x.values()])
        return view.user(CriticalPoints(expr, variables, points, note))


def _solve_gradient(grad, variables):
    equations = [sympy.numer(sympy.together(g)) for g in grad]
    try:
        found = attempt(lambda: sympy.solve(equations, list(variables), dict=True), 8.0, None)
    except NotImplementedError:
        found = None
    if found is None:
        raise LimitError("could not solve grad f = 0 exactly within the time budget "
                         "(transcendental or too large a system)")
    real = []
    for sol in found:
        if len(sol) < len(variables):  # a continuum of critical points
            free = [v for v in variables if v not in sol]
            raise DeriveError(f"grad f = 0 holds on a whole set (free: {', '.join(map(str, free))}); "
                              "f has non-isolated critical points")
        if all(as_basic(sol[v]).is_real for v in variables):
            real.append(sol)
    note = "" if real else "grad f = 0 has no real solution in f's domain"
    return real, note


def _periodic_note(grad, variables):
    """solve() returns principal solutions; say when there are infinitely many."""
    if len(variables) == 1:
        found = attempt(lambda: sympy.solveset(sympy.numer(sympy.together(grad[0])), variables[0],
                                               sympy.S.Reals), 3.0, None)
        if found is not None and not isinstance(found, (sympy.FiniteSet, sympy.sets.sets.EmptySet)):
            return f"the critical points repeat without end: {found}; the ones in one period are listed"
        return ""
    trig = (sympy.sin, sympy.cos, sympy.tan)
    if any(g.has(*trig) for g in grad):
        return "f is periodic in some variables: the critical points listed may repeat"
    return ""


def _defined(expr, grad, point):
    """f and its gradient are finite and real at the point (log x has no critical point at x = 0)."""
    for e in [expr] + list(grad):
        try:
            value = as_basic(e).subs(point)
            value = value.evalf(30) if not value.is_Rational else value
        except (ValueError, TypeError, ZeroDivisionError):
            return False
        if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or value.is_real is False:
            return False
    return all(abs(complex(as_basic(g).subs(point).evalf(30))) < 1e-25 for g in grad)


def _classify(expr, variables, hess, point):
    H = hess.subs(point)
    H = H.applyfunc(sympy.nsimplify) if any(e.is_Float for e in H) else H
    eigen = attempt(lambda: [e for e, mult in H.eigenvals().items() for _ in range(mult)], 2.0, None)
    if eigen is None:
        eigen = [sympy.Float(v, 15) for v in sympy.Matrix(H.evalf()).eigenvals()]
    signs = [_sign(e) for e in eigen]
    value = sympy.simplify(expr.subs(point))
    if all(s > 0 for s in signs):
        return CriticalPoint(point, "min", eigen, value, "Hessian positive definite", H)
    if all(s < 0 for s in signs):
        return CriticalPoint(point, "max", eigen, value, "Hessian negative definite", H)
    if any(s > 0 for s in signs) and any(s < 0 for s in signs):
        return CriticalPoint(point, "saddle", eigen, value, "Hessian indefinite", H)
    kind, reason = _higher_order(expr, variables, point, H, signs)
    return CriticalPoint(point, kind, eigen, value, reason, H)


def _sign(e):
    e = sympy.nsimplify(e) if getattr(e, "is_Float", False) else e
    if e.is_zero:
        return 0
    value = complex(sympy.N(e, 30))
    return 0 if abs(value) < 1e-25 else (1 if value.real > 0 else -1)


def _higher_order(expr, variables, point, H, signs):
    """Singular Hessian: the first non-vanishing derivative along each null direction."""
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
                order, sign = k, _sign(d)
                break
        if order is None:
            return "degenerate", f"Hessian singular and derivatives up to order {MAX_ORDER} vanish along {list(v)}"
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
    if not _nearby_agrees(expr, variables, point, kind):
        return "saddle", (f"Hessian singular; every line through the point suggests a {kind}imum (order "
                          f"{orders}), but f is {'lower' if kind == 'min' else 'higher'} at nearby points off "
                          "those lines (as between y = x^2 and y = 2 x^2 for (y - x^2)(y - 2 x^2))")
    return kind, f"Hessian singular; even-order ({orders}) derivatives along the null directions agree"


def _nearby_agrees(expr, variables, point, kind, trials=20000):
    """Is f(point) really below (min) / above (max) f at random nearby points?

    Each coordinate gets its own scale (10^-4 .. 10^-1), so thin regions like
    the one between y = x^2 and y = 2 x^2 (where (y - x^2)(y - 2 x^2) < 0,
    although every line through 0 sees a minimum) are sampled too.
    """
    import numpy as np

    import codegen

    rng = np.random.default_rng(0)
    center = np.array([float(complex(point[v].evalf(30)).real) for v in variables])
    f0 = float(complex(expr.subs(point).evalf(30)).real)
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
