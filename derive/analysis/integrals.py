"""`derive.integrate`: antiderivatives and definite integrals, each checked numerically before it is shown.

    >>> import derive
    >>> r = derive.integrate("x*exp(x)", "x")
    >>> r.antiderivative
    (x - 1)*exp(x)
    >>> derive.integrate("1/x", "x").antiderivative      # x takes both signs where 1/x is defined
    log(Abs(x))
    >>> derive.integrate("x**2", "x", 0, 3).value
    9

An antiderivative F is found by SymPy (its manual, textbook-style integrator first, so the
steps can be named; then `sympy.integrate`) and accepted only when F' = f at random points of
f's domain, with F' computed numerically from F (a complex step in 60 digits, or a central
difference where F has a kink), not by SymPy's own `diff`.  log(u) becomes log(|u|) where u
takes negative values on f's domain: SymPy's log(x) for 1/x is right only for x > 0.

A definite integral is SymPy's exact value, accepted only when it agrees with mpmath's
tanh-sinh quadrature (at random values of any parameters).  Where SymPy finds no closed form,
the result is the quadrature's value, labelled numerical, with its error estimate.
"""

import math
import random
from dataclasses import dataclass, field

import mpmath
import sympy
from sympy import Abs, Integral as SympyIntegral, log, oo

from ..calculus.reals import RealView, real_diff
from ..errors import DeriveError, ValidationError
from ..text.budgets import DEFAULT_LIMITS, attempt, remaining, time_budget
from ..text.inputs import as_expression, as_scalar, new_namespace, resolve_wrt
from ..text.printing import latex, to_text
from ..validation import fast
from ..validation.equivalence import numeric_search, numeric_value, sample_point
from .integral_steps import describe_steps

INFINITIES = {"oo": oo, "inf": oo, "infinity": oo, "∞": oo, r"\infty": oo,
              "-oo": -oo, "-inf": -oo, "-infinity": -oo, "-∞": -oo, r"-\infty": -oo}
CHECK_POINTS = 8  # random points F' = f is checked at
SLOPE_TOLERANCE = 1e-25  # relative: F's slope and f are both known to about 35 digits or more
QUAD_DIGITS = 30
OSCILLATORY_DIGITS = 18
MANUAL_SECONDS, SYMPY_SECONDS = 1.5, 5.0  # the manual integrator is for steps: it may give up early
DEFINITE_SECONDS = 5.0  # SymPy's definite integrator (3 s where no antiderivative was found)


@dataclass
class Integral:
    """The result of `derive.integrate`.

    ``antiderivative``: F with F' = f (SymPy, in the user's symbols; None when SymPy found no
    closed form).  For a definite integral (``a``, ``b`` given): ``value`` is the exact value
    (None when only a number is known), ``numeric`` its float, ``error`` the quadrature's error
    estimate, ``method`` "closed form" or "numerical".  ``validation`` says how the result was
    checked; ``steps`` are the integration rules used (substitution, parts, partial fractions,
    ...) as (rule, text) pairs, where SymPy's manual integrator could report them; ``notes``
    say what a reader should know (log|x|, divergence, conditions on parameters).
    """

    f: object
    x: object
    a: object = None
    b: object = None
    antiderivative: object = None
    value: object = None
    numeric: float | None = None
    error: float | None = None
    method: str = "closed form"
    validation: str = ""
    steps: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    condition: object = sympy.true  # where the definite value holds (a > 0 for exp(-a*x) on [0, oo))
    by_antiderivative: bool = False  # the value is F(b) - F(a)

    @property
    def definite(self):
        return self.a is not None

    @property
    def result(self):
        """What was asked for: the definite value (exact, else the number), or the antiderivative."""
        if self.definite:
            return self.value if self.value is not None else self.numeric
        return self.antiderivative

    def _integral_text(self):
        bounds = f" from {to_text(self.a)} to {to_text(self.b)}" if self.definite else ""
        return f"integral of {to_text(self.f)} d{to_text(self.x)}{bounds}"

    def __str__(self):
        lines = [f"{self._integral_text()}:"]
        if self.definite:
            if self.value is not None:
                shown = to_text(self.value)
                exact_number = self.value.is_Rational or not self.value.is_number or self.value in (oo, -oo)
                lines.append(f"  = {shown}" + ("" if exact_number else f"  (= {mpmath.nstr(self._mp(), 15)})"))
            else:
                lines.append(f"  = {self.numeric:.15g}  (numerical: no closed form found; error estimate "
                             f"{self.error:.1e})")
            if self.antiderivative is not None:
                lines.append(f"  antiderivative: {to_text(self.antiderivative)}")
        else:
            lines.append(f"  = {to_text(self.antiderivative)} + C")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"validated: {self.validation}")
        return "\n".join(lines)

    def _mp(self):
        return mpmath.mpf(sympy.Float(self.value.evalf(20), 20)._mpf_) if self.value is not None else self.numeric

    def _answer_text(self):
        if not self.definite:
            return f"{to_text(self.antiderivative)} + C"
        if self.value is not None:
            return to_text(self.value)
        return f"{self.numeric:.15g} (numerical, error estimate {self.error:.1e})"

    def latex(self):
        integrand = latex(self.f)
        dx = latex(self.x)
        if not self.definite:
            return rf"\int {integrand} \, d{dx} = {latex(self.antiderivative)} + C"
        head = rf"\int_{{{latex(self.a)}}}^{{{latex(self.b)}}} {integrand} \, d{dx}"
        if self.value is not None:
            return f"{head} = {latex(self.value)}"
        return rf"{head} \approx {sympy.Float(self.numeric, 15)}"

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    def to_dict(self):
        return {
            "kind": "integral" if self.definite else "antiderivative",
            "f": to_text(self.f),
            "x": to_text(self.x),
            "a": None if self.a is None else to_text(self.a),
            "b": None if self.b is None else to_text(self.b),
            "antiderivative": None if self.antiderivative is None else to_text(self.antiderivative),
            "value": None if self.value is None else to_text(self.value),
            "numeric": self.numeric,
            "error": self.error,
            "method": self.method,
            "latex": self.latex(),
            "steps": [{"rule": rule, "text": text} for rule, text in self.steps],
            "notes": list(self.notes),
            "condition": None if self.condition is sympy.true else to_text(self.condition),
            "validation": self.validation,
        }

    def explain(self):
        """How the integral was found, step by step, and how it was checked."""
        lines = [f"{self._integral_text()}"]
        if self.steps:
            lines += [f"  {k}. {rule}: {text}" for k, (rule, text) in enumerate(self.steps, 1)]
        elif self.antiderivative is not None:
            lines.append("  SymPy's integrator found it (no textbook steps to report)")
        if self.by_antiderivative:
            lines.append(f"  F(b) - F(a) with F = {to_text(self.antiderivative)}: {to_text(self.value)}")
        lines.append(f"  result: {self._answer_text()}")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"  checked: {self.validation}")
        return "\n".join(lines)

    def plot(self, path=None, *, bounds=None):
        """f with the area under it shaded, and the running integral x -> int_a^x f."""
        from .integral_plot import plot_integral

        return plot_integral(self, path, bounds=bounds)


def integrate(f, x=None, a=None, b=None, *, symbols=None, limits=DEFAULT_LIMITS, seed=0):
    """The antiderivative of `f` in `x`, or with `a` and `b` the definite integral from a to b,
    validated numerically; returns an `Integral`.  `f`, `x`, `a`, `b` are text (or LaTeX), SymPy
    objects or numbers; a bound may be infinite ("oo", "-oo", "inf", sympy.oo)."""
    if (a is None) != (b is None):
        raise DeriveError("a definite integral needs both bounds a and b (give neither for an antiderivative)")
    with time_budget(limits.seconds, "integrating"):
        ns = new_namespace(symbols, f, x, *(v for v in (a, b) if not is_infinity(v)))
        expr = as_scalar(as_expression(f, ns))
        if expr.has(sympy.Indexed, sympy.MatrixSymbol, sympy.Sum):
            raise DeriveError("integrate takes f of scalar variables; this f is in index or matrix notation")
        if x is None and len(_variables(expr)) != 1:
            raise DeriveError(f"name the variable of integration: {to_text(expr)} has variables "
                              f"{', '.join(s.name for s in _variables(expr)) or 'none'}")
        wrt = _constant_variable(x, expr, ns) or (resolve_wrt(x, expr, ns) if x is not None or _variables(expr) else ())
        if len(wrt) != 1:
            raise DeriveError(f"integrate takes one variable of integration, got {len(wrt)}")
        var = wrt[0]
        lo, hi = (read_bound(v, ns, var) for v in (a, b)) if a is not None else (None, None)
        view = RealView(expr, var, *(v for v in (lo, hi) if v is not None))
        fr, xr = view.real(expr), view.real(var)
        lor, hir = (view.real(v) if v is not None else None for v in (lo, hi))
        found = _integrate(fr, xr, lor, hir, seed)
        result = Integral(expr, var, lo, hi, **{k: view.user(v) if k in ("antiderivative", "value", "condition") else v
                                                for k, v in found.items()})
        return ns.plain(result)  # x from text comes back as Symbol("x"), as SymPy users write it


# ---------------------------------------------------------------------------
# finding and checking

def _integrate(f, x, a, b, seed):
    bounds = [v for v in (a, b) if v is not None]
    params = sorted(set().union(_variables(f), *(_variables(v) for v in bounds)) - {x}, key=lambda s: s.name)
    if a is not None and not params:
        _no_pole_inside(f, x, a, b)
    F, steps, notes, how = _antiderivative(f, x, params, seed, required=a is None)
    if a is None:
        return dict(antiderivative=F, validation=how, steps=steps, notes=notes)
    return _definite(f, x, a, b, F, params, steps, notes, seed)


def _no_pole_inside(f, x, a, b):
    """A rational f with a pole of odd order strictly inside (a, b) has no integral there, not even an
    infinite one (the two sides run to opposite infinities): said at once, before seconds of searching
    for antiderivatives (1/(x**5 + x - 1) on [0, 2]).  Even orders and poles at the ends are left to
    the checked divergence (1/x**2 on [-1, 1] is oo)."""
    if not f.is_rational_function(x) or f.is_polynomial(x):
        return
    denominator = sympy.Poly(sympy.denom(sympy.cancel(sympy.together(f))), x)
    factors = attempt(lambda: [(sympy.real_roots(p), m) for p, m in denominator.sqf_list()[1]], 1.0, [])
    lo, hi = sorted((a, b), key=lambda v: float(v))
    for roots, multiplicity in factors:
        for r in roots:
            if multiplicity % 2 and (lo < r) == sympy.true and (r < hi) == sympy.true:
                shown = to_text(r) if r.is_Rational else f"{sympy.N(r, 6)}"
                raise DeriveError(f"the integral of {to_text(f)} from {to_text(a)} to {to_text(b)} does not "
                                  f"converge: f has a pole at x = {shown}, where it changes sign")


def _antiderivative(f, x, params, seed, required):
    """(F, steps, notes, how): the first candidate that passes its check (the manual integrator's,
    whose steps can be named, then `sympy.integrate`'s), with logs made log|u| where needed.
    None when there is none; with `required`, a DeriveError (no closed form) or the ValidationError
    of the last failed candidate instead."""
    failure = None
    rational = f.is_rational_function(x) and not f.is_polynomial(x)
    for find in ((_rational, _substitution, _manual, _sympy_integrate) if rational
                 else (_substitution, _manual, _sympy_integrate)):
        seconds = FINDER_SECONDS.get(find.__name__, 2.0)
        found = attempt(lambda: _contained(find, f, x), min(seconds, remaining(seconds)), None)
        if found is None:
            continue
        F, rule = found
        F, widened = _absolute_logs(F, f, x, params, seed)
        try:
            how = _check_antiderivative(F, f, x, params, seed)
        except ValidationError as exc:
            failure = exc
            continue
        notes = [f"{', '.join('log|' + to_text(u) + '|' for u in widened)}, not "
                 f"{', '.join('log(' + to_text(u) + ')' for u in widened)}: "
                 f"{'the argument takes' if len(widened) == 1 else 'the arguments take'} negative values "
                 "where f is defined"] if widened else []
        steps = rule if isinstance(rule, list) else describe_steps(rule) if rule is not None else []
        return F, steps, notes, how
    if required and failure is not None:
        raise failure
    if required:
        raise DeriveError(f"no closed-form antiderivative of {to_text(f)} was found; give bounds a and b "
                          "for a numerical value of the definite integral")
    notes = [f"SymPy's antiderivative failed its check, so none is shown ({failure})"] if failure else []
    return None, [], notes, ""


def _sympy_integrate(f, x):
    F = sympy.integrate(f, x)
    if F.has(SympyIntegral, sympy.nan, sympy.zoo, sympy.exp_polar, sympy.polar_lift):
        return None  # exp_polar: SymPy's complex-plane bookkeeping, no form a reader can use
    return _tidy(_real_pieces(F.doit() if F.has(sympy.RootSum) else F)), None


def _substitution(f, x):
    """Derivative-divides, the first substitution a course tries: f = g(u(x)) u'(x) for an inner
    expression u of f, so the integral is G(u) with G' = g.  Fast where the manual integrator
    searches every alternative (seconds on (1 - cos(t)**3)**10*cos(t)**2*sin(t))."""
    U = sympy.Dummy("u", real=True)
    for u in _inner_expressions(f, x):
        du = sympy.diff(u, x)
        if du == 0:
            continue
        g = _in_u(f / du, u, U, x)
        if g is None:
            continue
        G = attempt(lambda: sympy.integrate(g, U), 0.5, None)
        if G is None or G.has(SympyIntegral, sympy.nan, sympy.zoo, sympy.RootSum):
            continue
        names = {U: sympy.Symbol("u")}
        steps = [("substitution", f"substitute u = {to_text(u)}, du = {to_text(du)} d{x}: the integral becomes that "
                                  f"of {to_text(g.xreplace(names))} du"),
                 ("integrate in u", f"{to_text(G.xreplace(names))}, then u = {to_text(u)}")]
        return _tidy(G.xreplace({U: u})), steps
    return None


def _in_u(g, u, U, x):
    """g written in U = u(x) alone, or None: cancelled first (x/(x + x*log(x)**2) is 1/(1 + log(x)**2)),
    x itself replaced where u is linear (x = (u - b)/a), simplified briefly as a last resort (trig)."""
    g = sympy.powsimp(g)
    attempts = [lambda e: e]
    if u.is_polynomial(x) and sympy.degree(u, x) == 1:
        a, b = sympy.Poly(u, x).all_coeffs()
        attempts.append(lambda e: e.subs(u, U).subs(x, (U - b) / a))
    if not g.is_polynomial(x):  # cancelling a power like (1 - x)**99 would expand it
        attempts.append(lambda e: _cancelled(e))
    attempts.append(lambda e: attempt(lambda: sympy.simplify(e), 0.3, e))
    for form in attempts:
        written = form(g).subs(u, U)
        if not written.has(x) and written.has(U):
            return written
    return None


def _cancelled(e):
    try:
        return sympy.cancel(e)
    except (sympy.PolynomialError, TypeError, ValueError):
        return e


def _inner_expressions(f, x, most=30):
    """Candidates for u: function arguments, bases of powers, functions themselves, largest first."""
    found = []
    for node in sympy.preorder_traversal(f):
        if not isinstance(node, sympy.Expr) or node == f or node == x or not node.has(x):
            continue  # a where()'s (value, condition) pairs are not expressions
        pieces = [node]
        if isinstance(node, sympy.Function) or isinstance(node, sympy.Pow):
            pieces.append(node.args[0])
        for piece in pieces:
            if piece != x and piece.has(x) and piece not in found:
                found.append(piece)
    found.sort(key=sympy.count_ops, reverse=True)
    return found[:most]


def _rational(f, x):
    """A rational function: SymPy's rational integrator (clean logs and arctangents, fast), after
    the partial fractions a course writes down."""
    split = sympy.apart(sympy.together(f), x)
    if not split.is_Add:
        return None  # one fraction (1/x, 1/(1 + x**2)): the manual integrator names its rule
    F = sympy.integrate(f, x)
    if F.has(SympyIntegral):
        return None
    return _tidy(F), [("partial fractions", f"{to_text(f)} = {to_text(split)}"),
                      ("term by term", "each fraction integrates to a power, a log|.| or an arctangent")]


def _real_pieces(F):
    """A Piecewise antiderivative without the pieces SymPy writes with I for where f is not real
    ((x**2 - 1)**(-3/2): -x/sqrt(x**2 - 1) where x**2 > 1, I*x/sqrt(1 - x**2) elsewhere)."""
    if not isinstance(F, sympy.Piecewise):
        return F
    real = [(e, c) for e, c in F.args if not e.has(sympy.I)]
    if not real or len(real) == len(F.args):
        return F
    if len(real) == 1:
        return real[0][0]
    return sympy.Piecewise(*real[:-1], (real[-1][0], True))


def _manual(f, x):
    from sympy.integrals.manualintegrate import integral_steps

    rule = integral_steps(f, x)
    F = rule.eval()
    if F.has(SympyIntegral) or F.has(sympy.nan, sympy.zoo):
        return None
    return _tidy(F), rule


FINDER_SECONDS = {"_manual": MANUAL_SECONDS, "_sympy_integrate": SYMPY_SECONDS, "_rational": SYMPY_SECONDS,
                  "_substitution": 2.0}


def _contained(find, f, x):
    """A finder's answer, or None where SymPy fails inside it (heurisch's AssertionError, a
    PolynomialError): a finder that breaks is a finder that found nothing."""
    try:
        return find(f, x)
    except (ArithmeticError, AssertionError, AttributeError, IndexError, KeyError, NotImplementedError,
            RecursionError, TypeError, ValueError, sympy.PolynomialError, sympy.CoercionFailed):
        return None


def _tidy(F):
    """SymPy's antiderivative with its additive constants' clutter folded (a common factor, a collected log)."""
    F = sympy.piecewise_fold(F)
    try:
        tidier = sympy.factor_terms(F)
    except (sympy.PolynomialError, TypeError, ValueError):
        return F
    return tidier if sympy.count_ops(tidier) <= sympy.count_ops(F) else F


def _absolute_logs(F, f, x, params, seed):
    """log(u) -> log(|u|) where u < 0 somewhere f is defined (F would be complex there)."""
    widened = []
    for term in sorted(F.atoms(log), key=sympy.default_sort_key):
        u = term.args[0]
        if not u.has(x) or u.is_positive or isinstance(u, Abs):
            continue
        if _negative_somewhere(u, f, [x, *params], seed):
            widened.append(u)
    if not widened:
        return F, []
    return F.xreplace({log(u): log(Abs(u)) for u in widened}), widened


def _negative_somewhere(u, f, symbols, seed):
    """Does u take negative values where f is defined?  Random points, points far out (u = x + 100 is
    negative only below -100) and points beside u's real roots (one variable)."""
    rng = random.Random(seed)
    for point in _probe_points(u, symbols[0], symbols[1:]):
        if numeric_value(f, point) is not None and (value := numeric_value(u, point)) is not None and value < 0:
            return True
    for k in range(40):
        point = sample_point(symbols, rng, k)
        if numeric_value(f, point) is None:
            continue
        value = numeric_value(u, point)
        if value is not None and value < 0:
            return True
    return False


def _probe_points(u, x, params):
    """Points where u may change sign, for u without parameters (`probe_values`)."""
    return [] if params else [{x: v} for v in probe_values(u, x)]


def probe_values(u, x):
    """Values of x where u may change sign, for a u in x alone: beside each real zero and pole of a
    rational u (1/100 of its size away), between neighbouring ones, and far out (+-1e3, +-1e6: x + 100
    is negative only below -100), as short fractions for the messages that show them."""
    roots = attempt(lambda: _real_roots(u, x), 0.3, [])
    values = []
    for r in roots:
        step = max(1, abs(r)) / 100
        values += [r - step, r + step]
    values += [(r + s) / 2 for r, s in zip(roots, roots[1:])]
    values = [sympy.Rational(round(v * 1000), 1000) for v in values]
    values += [sympy.Integer(v) for v in (1000, -1000, 10**6, -10**6)]
    return list(dict.fromkeys(values))


def _real_roots(u, x):
    """The real zeros and poles of a rational u in x alone, as sorted floats (none for any other u)."""
    if u.free_symbols != {x} or not u.is_rational_function(x):
        return []
    roots = set()
    for part in sympy.fraction(sympy.together(u)):
        if part.has(x):
            roots |= {float(r.evalf(20)) for r in sympy.Poly(part, x).real_roots()}
    return sorted(roots)[:16]


def _check_antiderivative(F, f, x, params, seed):
    """F' = f at random points of f's domain, F' computed numerically from F itself; the message
    says how it was checked, or ValidationError."""
    symbols = [x, *params]
    # SymPy's diff: a quick screen over many points (exact where it can)
    dF = real_diff(F, x)
    # where F' is undefined (asin(x/2)' at x = 2, an end of f's domain) there is nothing to compare
    point, info = numeric_search(f, dF, symbols, CHECK_POINTS, seed, domain=(f, dF))
    if point is None and info < CHECK_POINTS // 2:
        raise ValidationError(f"the antiderivative {to_text(F)} could not be checked: its derivative is undefined "
                              f"at most random points where {to_text(f)} is defined")
    if point is not None:
        raise ValidationError(f"the antiderivative {to_text(F)} failed its check: its derivative differs from "
                              f"{to_text(f)} at {_point_text(point)}")
    # independent of SymPy's diff: F's slope at points where f is defined
    rng = random.Random(seed + 1)
    checked = 0
    for k in range(CHECK_POINTS * 8):
        if checked >= 4:
            break
        p = sample_point(symbols, rng, k)
        fv = numeric_value(f, p)
        if fv is None or not _inside(f, x, p):
            continue  # at an end of f's domain (sqrt(4 - x**2) at x = -2) F's slope is one-sided at best
        slope = numeric_slope(F, x, p)
        if slope is None:
            continue
        with mpmath.workdps(60):
            off = abs(slope - fast._number(fv)) > SLOPE_TOLERANCE * max(1, abs(slope))
        if off:
            raise ValidationError(f"the antiderivative {to_text(F)} failed its check: its slope at "
                                  f"{_point_text(p)} is {mpmath.nstr(slope, 12)}, f there is {sympy.Float(fv, 12)}")
        checked += 1
    if checked == 0:
        raise ValidationError(f"the antiderivative {to_text(F)} could not be checked: no random point was "
                              f"found where both f and F are real and finite")
    return (f"F' = f at {info} random points (symbolic derivative) and F's slope equals f at {checked} "
            "of them, by a numerical derivative of F in 60 digits")


def _inside(f, x, point, step=sympy.Rational(1, 1000)):
    """Is f defined on both sides of the point?"""
    return all(numeric_value(f, {**point, x: point[x] + side * step}) is not None for side in (1, -1))


def numeric_slope(F, x, point):
    """dF/dx at `point` from F's values alone: a complex step where F is analytic, else a central
    difference with h = 1e-25 in 60 digits; None where F is not real and finite nearby."""
    try:
        program = fast.Program([F])
    except (fast.Unsupported, TypeError, ValueError, AttributeError):
        program = None
    if program is not None and program.analytic:
        if _first(fast.evaluate(program, point)) is None:
            return None
        slope = fast.derivative(program, point, x)
        return None if slope is None else slope[0]
    h = sympy.Rational(1, 10**25)
    with mpmath.workdps(60):
        values = []
        for side in (1, -1):
            shifted = {**point, x: point[x] + side * h}
            v = _first(fast.evaluate(program, shifted)) if program is not None else None
            if v is None:
                v = numeric_value(F, shifted, 60)
                v = None if v is None else mpmath.mpf(v)
            if v is None:
                return None
            values.append(v)
        return (values[0] - values[1]) / (2 * mpmath.mpf(h))


# ---------------------------------------------------------------------------
# definite integrals

def _definite(f, x, a, b, F, params, steps, notes, seed):
    if F is not None and not params:
        found = _by_antiderivative(f, F, x, a, b)
        if found is not None:
            return dict(antiderivative=F, steps=steps, notes=notes, **found)
    between = f"from {to_text(a)} to {to_text(b)}"
    if not params and _not_real_inside(f, x, a, b):
        raise DeriveError(f"f = {to_text(f)} is not real on part of [{to_text(a)}, {to_text(b)}]: derive "
                          "integrates real functions")
    seconds = DEFINITE_SECONDS if F is not None else 3.0  # without an antiderivative SymPy rarely finds a value
    exact = attempt(lambda: _contained(lambda f, x: sympy.integrate(f, (x, a, b)), f, x),
                    min(seconds, remaining(seconds)), None)
    if exact is sympy.nan or (exact is not None and exact.has(sympy.AccumBounds)):
        raise DeriveError(f"the integral of {to_text(f)} {between} does not converge "
                          "(f is unbounded inside the interval, or it oscillates without settling)")
    condition = sympy.true
    if isinstance(exact, sympy.Piecewise) and not exact.args[0].expr.has(SympyIntegral, sympy.nan):
        if all(not piece.expr.has(SympyIntegral, sympy.nan) for piece in exact.args):
            exact = exact.func(*[(e, _real_condition(c)) for e, c in exact.args])  # a value everywhere
        else:  # SymPy's (value, condition), (Integral(...), True): the value where the condition holds
            exact, condition = exact.args[0].expr, _real_condition(exact.args[0].cond)
            notes.append(f"holds where {to_text(condition)}; elsewhere SymPy found no value (the integral may "
                         "diverge)")
    if exact is not None and exact.has(SympyIntegral, sympy.nan):
        exact = None
    if exact is not None and not params and (exact.has(sympy.exp_polar, sympy.polar_lift)
                                             or exact.is_extended_real is False):
        # -(-1)**(2/3)*lowergamma(1/3, exp_polar(I*pi))/3 for exp(x**3) on [0, 1]: real, but no form to show
        notes.append(f"SymPy's closed form {to_text(exact)} is written with complex functions; the value is "
                     "numerical")
        exact = None
    if exact is not None:
        exact = _simplest(exact)
    if params:
        if exact is None:
            raise DeriveError(f"no closed form was found for the integral of {to_text(f)} {between}, and it depends "
                              f"on {', '.join(p.name for p in params)}, so there is no number to give either")
        how = _check_with_parameters(exact, f, x, a, b, params, seed, condition, notes)
        shown = None if F is None or F.has(sympy.I) else F  # a complex-log antiderivative helps no reader
        return dict(antiderivative=shown, value=exact, validation=how, steps=steps, notes=notes, condition=condition)
    if exact is not None and exact in (oo, -oo, sympy.zoo):
        how = _check_divergent(f, x, a, b, exact)
        notes.append("the integral diverges")
        return dict(antiderivative=F, value=exact, validation=how, steps=steps, notes=notes)
    quad, error = settled_quadrature(f, x, a, b)
    if exact is None:
        if quad is None:
            raise DeriveError(f"no closed form was found for the integral of {to_text(f)} {between}, and numerical "
                              "quadrature did not converge (it may diverge)")
        if not any("the value is numerical" in note for note in notes):
            notes.append("no closed form found: the value is numerical")
        if _float(quad) is None:
            notes.append(f"the value is about {mpmath.nstr(quad, 15)}, beyond double precision")
        return dict(antiderivative=F, numeric=_float(quad), error=float(error), method="numerical",
                    validation=f"mpmath's quadrature in {QUAD_DIGITS} digits (two degrees agree), error estimate "
                               f"{float(error):.1e}", steps=steps, notes=notes)
    value = exact.evalf(QUAD_DIGITS)
    if quad is None:  # no number to confirm SymPy's: a refusal, not a verdict on SymPy
        raise DeriveError(f"SymPy's value {to_text(exact)} of the integral of {to_text(f)} {between} could not be "
                          "confirmed: numerical quadrature does not converge there (f may be unbounded inside the "
                          "interval)")
    if not value.is_real or abs(mpmath.mpf(value) - quad) > max(mpmath.mpf(10) ** -12 * max(1, abs(quad)), 100 * error):
        raise ValidationError(f"SymPy's value {to_text(exact)} (= {sympy.N(value, 15)}) of the integral of "
                              f"{to_text(f)} {between} failed its check: quadrature gives {mpmath.nstr(quad, 15)}")
    return dict(antiderivative=F, value=exact, numeric=_float(value), error=float(error),
                validation=f"equals mpmath's quadrature ({mpmath.nstr(quad, 15)}, error estimate "
                           f"{float(error):.1e})", steps=steps, notes=notes)


def _float(value):
    """A finite float, or None (e**1000 - 1 has no float: JSON has no Infinity)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _not_real_inside(f, x, a, b):
    """Is f not real at some of 10 points inside (a, b) (sqrt(1 - x**2) on [-2, 2])?"""
    lo, hi = (max(v, -10**6) if v == -oo else min(v, 10**6) if v == oo else v for v in (a, b))
    # points off the round numbers where a singularity (1/x at 0) would read as "not real"
    return any(numeric_value(f, {x: lo + (hi - lo) * sympy.Rational(100 * k + 37, 1000)}) is None for k in range(10))


def _by_antiderivative(f, F, x, a, b):
    """F(b) - F(a) (limits at infinite bounds) when f has no singularity strictly inside (a, b) that
    SymPy can find, and quadrature agrees; None otherwise (SymPy's definite integrator decides).
    Much faster than SymPy's definite integration, which tries Meijer G-functions first."""
    if F.has(sympy.Piecewise, sympy.I):
        return None

    def inside():
        from sympy.calculus.singularities import singularities

        return [p for p in singularities(f, x, sympy.Interval.open(min(a, b), max(a, b))) if p.is_real is not False]

    if attempt(inside, 1.0, [None]):
        return None
    ends = []
    for end, side in ((b, "-"), (a, "+")):
        value = attempt(lambda: sympy.limit(F, x, end, side) if not end.is_finite or F.subs(x, end).has(
            sympy.nan, sympy.zoo, oo, -oo) else F.subs(x, end), 1.0, None)
        if value is None or value.has(sympy.AccumBounds) or not value.is_real or not value.is_finite:
            return None
        ends.append(value)
    value = _simplest(ends[0] - ends[1])
    quad, error = quadrature(f, x, a, b)
    if quad is None and not (a.is_finite and b.is_finite):
        return _by_truncations(f, F, x, a, b, value)
    if quad is None or not _close(value, quad, error):
        return None
    return dict(value=value, numeric=_float(value), error=float(error), by_antiderivative=True,
                validation=f"F(b) - F(a) with the checked antiderivative; equals mpmath's quadrature "
                           f"({mpmath.nstr(quad, 15)}, error estimate {float(error):.1e})")


def _close(value, quad, error):
    return abs(mpmath.mpf(sympy.Float(value.evalf(QUAD_DIGITS), QUAD_DIGITS)._mpf_) - quad) <= \
        max(mpmath.mpf(10) ** -12 * max(1, abs(quad)), 100 * error)


def _by_truncations(f, F, x, a, b, value):
    """Quadrature does not settle on an infinite interval (1/(x*log(x)**2) on [2, oo) decays too slowly):
    F(b) - F(a) is accepted as the limit when quadrature equals F(T) - F(a) on [a, T] for T ever further
    out (F has no jump there), labelled as such."""
    finite_end, sign = (a, 1) if not b.is_finite else (b, -1)
    checked = []
    for distance in (1, 10, 100, 1000):
        T = finite_end + sign * distance if finite_end.is_finite else sign * distance
        lo, hi = (a, T) if sign == 1 else (T, b)
        if not (lo.is_finite and hi.is_finite):
            lo, hi = (-T, T) if sign == 1 else (T, -T)
        quad, error = quadrature(f, x, lo, hi)
        part = F.subs(x, hi) - F.subs(x, lo)
        if quad is None or part.has(sympy.nan, sympy.zoo, oo, -oo) or not _close(part, quad, error):
            return None
        checked.append(f"[{to_text(lo)}, {to_text(hi)}]")
    return dict(value=value, numeric=_float(value), error=None, by_antiderivative=True,
                validation=f"F(b) - F(a) with the checked antiderivative (limits at the infinite bound); quadrature "
                           f"does not settle on the whole interval but equals F's differences on {', '.join(checked)}")


def _real_condition(condition):
    """SymPy's conditions are written for complex parameters; derive's are real: |arg(a)| < pi/2 is a > 0,
    and |arg(a)| != pi/2 always holds."""
    def real(c):
        if isinstance(c, sympy.StrictLessThan) and isinstance(c.lhs, Abs) and isinstance(c.lhs.args[0], sympy.arg) \
                and c.rhs == sympy.pi / 2:
            return c.lhs.args[0].args[0] > 0
        if isinstance(c, sympy.Unequality) and isinstance(c.lhs, Abs) and isinstance(c.lhs.args[0], sympy.arg):
            return sympy.true
        return c
    simpler = condition.replace(lambda c: isinstance(c, (sympy.StrictLessThan, sympy.Unequality)), real)
    return attempt(lambda: sympy.simplify_logic(simpler), 1.0, simpler)


def _simplest(value):
    simpler = attempt(lambda: sympy.nsimplify(value) if value.is_Float else sympy.simplify(value), 2.0, value)
    return simpler if sympy.count_ops(simpler) <= sympy.count_ops(value) else value


def quadrature(f, x, a, b, point=None, degree=8, split=True):
    """(value, error estimate) of the integral of f from a to b by mpmath's tanh-sinh rule in
    QUAD_DIGITS digits, or (None, None) where f is not real there or the rule does not settle.
    The interval is split where f has a kink or a step (|x|, max, floor, sign: the rule assumes
    smoothness) and at its singularities; an infinite tail of a sine or cosine of a x goes to
    mpmath's quadosc; irrational ends are pulled in by 1e-25 relative, so rounding never puts a
    node outside f's domain (sqrt(2 - x**2) at x = sqrt(2)).  split=False skips looking for the
    places to split (seconds of solveset for trigonometric f): for a first look whose mismatch the
    caller confirms with `settled_quadrature`."""
    point = point or {}
    try:
        program = fast.Program([f])
    except (fast.Unsupported, TypeError, ValueError, AttributeError):
        program = None

    def integrand(t):
        at = {**point, x: t}
        value = _first(fast.evaluate(program, at)) if program is not None else None
        if value is None and program is None:
            v = numeric_value(f, {k: sympy.Float(v, QUAD_DIGITS + 5) if isinstance(v, mpmath.mpf) else v
                                  for k, v in at.items()}, QUAD_DIGITS + 5)
            value = None if v is None else mpmath.mpf(v)
        if value is None:
            raise _NotReal
        return value

    concrete = f.xreplace(point) if point else f
    lo, hi = (_mp(v, inward) for v, inward in ((a, 1), (b, -1)))
    if lo > hi:
        value, error = quadrature(f, x, b, a, point, degree, split)
        return (None, None) if value is None else (-value, error)
    nodes = [lo, *(_breakpoints(concrete, x, lo, hi) if split else ()), hi]
    omega = _frequency(concrete, x) if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)) else None
    try:
        with mpmath.workdps(QUAD_DIGITS):
            if omega is not None:
                value, error = _oscillatory(integrand, nodes, omega), mpmath.mpf(10) ** -(OSCILLATORY_DIGITS - 3)
            else:
                value, error = mpmath.quad(integrand, nodes, error=True, maxdegree=degree)
    except (_NotReal, ZeroDivisionError, ValueError, OverflowError):
        return None, None
    if value is None or not mpmath.isfinite(value) or error > 1e-8 * max(1, abs(value)):
        return None, None
    return value, error


def settled_quadrature(f, x, a, b):
    """`quadrature`, accepted only where two degrees of the rule agree: a divergent integral can look
    settled at one degree (1/x**2 on [0, 1] gives 2.3e34 with a small error estimate)."""
    fine, error = quadrature(f, x, a, b)
    if fine is None:
        return None, None
    coarse, _ = quadrature(f, x, a, b, degree=6)
    if coarse is None or abs(coarse - fine) > 1e-10 * max(1, abs(fine)):
        return None, None
    return fine, error


KINKED = (sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Max, sympy.Min, sympy.floor, sympy.ceiling)


def _breakpoints(f, x, lo, hi, most=50):
    """Points strictly inside (lo, hi) where f has a kink, a step or a singularity, sorted."""
    if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
        lo, hi = max(lo, mpmath.mpf(-10**6)), min(hi, mpmath.mpf(10**6))

    def found():
        points = set()
        for node in f.atoms(*KINKED, sympy.Piecewise):
            if isinstance(node, (sympy.Max, sympy.Min)):
                sides = [u - v for u in node.args for v in node.args if u != v]
            elif isinstance(node, sympy.Piecewise):
                sides = [c.lhs - c.rhs for _, c in node.args if isinstance(c, sympy.core.relational.Relational)]
            elif isinstance(node, (sympy.floor, sympy.ceiling)):
                sides = _integer_crossings(node.args[0], x, lo, hi)
            else:
                sides = [node.args[0]]
            for side in sides:
                points |= _real_zeros(side, x, lo, hi)
        from sympy.calculus.singularities import singularities

        for p in singularities(f, x, sympy.Interval.open(sympy.Float(lo, 20), sympy.Float(hi, 20))):
            if p.is_real:
                points.add(mpmath.mpf(sympy.Float(p, QUAD_DIGITS)._mpf_))
        return points

    points = attempt(lambda: _contained(lambda f, x: found(), f, x), 1.0, None) or set()
    return sorted(p for p in points if lo < p < hi)[:most]


def _integer_crossings(u, x, lo, hi):
    """u - k for the integers k that u (monotone here when linear) crosses between lo and hi."""
    if not (u.is_polynomial(x) and sympy.degree(u, x) == 1):
        return [u]
    ends = sorted(float(u.subs(x, sympy.Float(v, 20))) for v in (lo, hi))
    if ends[1] - ends[0] > 200:
        return []
    return [u - k for k in range(math.ceil(ends[0]), math.floor(ends[1]) + 1)]


def _real_zeros(u, x, lo, hi):
    zeros = sympy.solveset(u, x, sympy.Interval.open(sympy.Float(lo, 20), sympy.Float(hi, 20)))
    if not isinstance(zeros, sympy.FiniteSet):
        return set()
    return {mpmath.mpf(sympy.Float(z, QUAD_DIGITS)._mpf_) for z in zeros if z.is_real}


def _frequency(f, x):
    """omega where f contains sin(omega x + c) or cos(omega x + c) (omega a number): quadosc's period."""
    for node in f.atoms(sympy.sin, sympy.cos):
        u = node.args[0]
        if u.is_polynomial(x) and sympy.degree(u, x) == 1:
            omega = sympy.Poly(u, x).all_coeffs()[0]
            if omega.is_number and omega != 0:
                return abs(float(omega))
    return None


def _oscillatory(integrand, nodes, omega):
    """The finite part by tanh-sinh, the infinite tail by quadosc (which sums the integrals between
    zeros and extrapolates): sin(x)/x on [0, oo) = pi/2."""
    lo, hi = nodes[0], nodes[-1]
    inner = [n for n in nodes if mpmath.isfinite(n)] or [mpmath.mpf(0)]
    total = mpmath.quad(integrand, inner) if len(inner) > 1 else mpmath.mpf(0)
    with mpmath.workdps(OSCILLATORY_DIGITS):  # quadosc's extrapolation costs seconds at 30 digits
        if not mpmath.isfinite(hi):
            total += mpmath.quadosc(integrand, [inner[-1], mpmath.inf], omega=omega)
        if not mpmath.isfinite(lo):
            total += mpmath.quadosc(integrand, [-mpmath.inf, inner[0]], omega=omega)
    return total


class _NotReal(Exception):
    pass


def _first(values):
    return None if values is None else values[0]


def _mp(v, inward=0):
    """v as an mpf in QUAD_DIGITS + 5 digits (mpf() outside workdps would round it to a double); with
    `inward` (+1 at the lower end, -1 at the upper) an irrational v moves 1e-25 (relative) into the interval."""
    if v == oo:
        return mpmath.inf
    if v == -oo:
        return -mpmath.inf
    with mpmath.workdps(QUAD_DIGITS + 5):
        exact = mpmath.mpf(sympy.Float(sympy.N(v, QUAD_DIGITS + 5), QUAD_DIGITS + 5)._mpf_)
        if inward and not v.is_Rational:
            exact += inward * abs(exact) * mpmath.mpf(10) ** -25
        return exact


def _check_with_parameters(exact, f, x, a, b, params, seed, condition, notes):
    rng = random.Random(seed)
    checked, skipped = 0, []
    for k in range(60):
        if checked >= 3:
            break
        p = sample_point(params, rng, k)
        if condition.xreplace(p) is not sympy.true:
            continue
        value = exact.xreplace(p)
        value = sympy.piecewise_fold(value)
        if isinstance(value, sympy.Piecewise):
            value = value.doit()
        lo, hi = a.xreplace(p), b.xreplace(p)
        if not (lo.is_number and hi.is_number):
            continue
        quad, error = quadrature(f, x, lo, hi, p)
        exact_value = numeric_value(value, {}) if not value.has(SympyIntegral) else None
        if quad is None or exact_value is None:
            skipped.append(p)
            continue
        if abs(mpmath.mpf(exact_value) - quad) > max(mpmath.mpf(10) ** -12 * max(1, abs(quad)), 100 * error):
            raise ValidationError(f"SymPy's value {to_text(exact)} failed its check at {_point_text(p)}: "
                                  f"{sympy.Float(exact_value, 15)} there, quadrature gives {mpmath.nstr(quad, 15)}")
        checked += 1
    if skipped:
        notes.append(f"quadrature did not settle at some values (at {_point_text(skipped[0])}, for one): the "
                     "value was checked where it did")
    if checked == 0:
        raise ValidationError(f"SymPy's value {to_text(exact)} could not be checked: no random values of "
                              f"{', '.join(p.name for p in params)} gave a finite integral")
    return f"equals mpmath's quadrature at {checked} random values of {', '.join(p.name for p in params)}"


def _check_divergent(f, x, a, b, exact):
    """SymPy says +-infinity: quadrature on the whole interval must not settle, and the integrals over
    ever larger parts of it (where they can be computed) must grow with the sign SymPy gives."""
    quad, _ = settled_quadrature(f, x, a, b)
    if quad is not None:
        raise ValidationError(f"SymPy says the integral of {to_text(f)} from {to_text(a)} to {to_text(b)} is "
                              f"{to_text(exact)}, but quadrature settles at {mpmath.nstr(quad, 15)}")
    inner = sorted(sympy.nsimplify(sympy.Float(p, 30)) for p in _breakpoints(f, x, _mp(a), _mp(b))) \
        if a.is_finite and b.is_finite else []
    parts = [_sum_or_none([quadrature(f, x, lo, hi)[0] for lo, hi in pieces]) for pieces in _truncations(a, b, inner)]
    if any(p is None for p in parts):
        return "numerical quadrature does not settle, as a divergent integral's does not"
    sign = 1 if exact == oo else -1
    growing = all(sign * p > 0 for p in parts[1:]) and all(sign * (q - p) > 0 for p, q in zip(parts, parts[1:]))
    if exact != sympy.zoo and not growing:
        raise ValidationError(f"SymPy says the integral of {to_text(f)} from {to_text(a)} to {to_text(b)} is "
                              f"{to_text(exact)}, but the integrals over growing parts of the interval are "
                              f"{', '.join(mpmath.nstr(p, 6) for p in parts)}")
    return (f"numerical quadrature does not settle, and the integrals over growing parts of the interval "
            f"({', '.join(mpmath.nstr(p, 6) for p in parts)}) grow towards {to_text(exact)}")


def _truncations(a, b, inner=()):
    """Growing parts of [a, b], each a list of intervals: out to 10, 100, 1000 on an infinite side;
    within 1e-2, 1e-4, 1e-6 (of the length) of each finite end and of each point in `inner` (a
    singularity inside, 1/x**2 at 0 on [-1, 1])."""
    if a.is_finite and b.is_finite:
        out = []
        for d in (sympy.Rational(1, 10**2), sympy.Rational(1, 10**4), sympy.Rational(1, 10**6)):
            gap = d * (b - a)
            cuts = [a, *inner, b]
            out.append([(lo + gap, hi - gap) for lo, hi in zip(cuts, cuts[1:])])
        return out
    out = []
    for T in (10, 100, 1000):
        lo = a if a.is_finite else (b if b.is_finite else sympy.S.Zero) - T
        hi = b if b.is_finite else (a if a.is_finite else sympy.S.Zero) + T
        out.append([(lo, hi)])
    return out


def _sum_or_none(values):
    return None if any(v is None for v in values) else sum(values)


# ---------------------------------------------------------------------------
# inputs

def _variables(expr):
    return {s for s in expr.free_symbols if isinstance(s, sympy.Symbol) and not s.is_integer}


def _constant_variable(x, expr, ns):
    """(x,) where f does not depend on the variable named (the integral of 3 dx is 3x); else None."""
    if isinstance(x, sympy.Symbol) and not expr.has(x) and not x.is_integer:
        return (ns.unify(x),)
    if isinstance(x, str) and x.strip().isidentifier() and not _variables(expr):  # only for a constant f: with
        # variables, a name f does not use is more likely a typo (x for z), which resolve_wrt reports
        found = ns.lookup(x.strip())
        return (found,) if isinstance(found, sympy.Symbol) and not found.is_integer else None
    return None


def is_infinity(value):
    """"oo", "-inf", "\\infty", float('inf'), sympy.oo and their negatives."""
    if isinstance(value, str):
        return value.strip().replace(" ", "") in INFINITIES
    if isinstance(value, float):
        return value in (float("inf"), float("-inf"))
    return value is oo or value is -oo or value == oo or value == -oo if isinstance(value, sympy.Basic) else False


def read_bound(value, ns, var):
    """A bound of integration as a SymPy number or expression (infinities allowed); a one-line error
    for one that uses the variable or is not real."""
    if is_infinity(value):
        if isinstance(value, str):
            return INFINITIES[value.strip().replace(" ", "")]
        return oo if float(value) > 0 else -oo
    bound = as_scalar(as_expression(value, ns), "a bound")
    if bound.has(var):
        raise DeriveError(f"the bound {to_text(bound)} uses the variable of integration {var}")
    if bound.is_number and not bound.is_real:
        raise DeriveError(f"the bound {to_text(bound)} is not a real number")
    return bound


def _point_text(point):
    return ", ".join(f"{s} = {to_text(v)}" for s, v in point.items())


__all__ = ["INFINITIES", "Integral", "integrate", "is_infinity", "numeric_slope", "probe_values", "quadrature",
           "read_bound", "settled_quadrature"]

