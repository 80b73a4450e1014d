"""An antiderivative found and checked: SymPy's finders in turn (partial fractions,
derivative-divides, the manual integrator whose steps can be named, `sympy.integrate`), logs made
log|u| where u takes negative values, and F accepted only when F' = f at random points, F' from
SymPy's diff and again from F's values alone (`numeric_slope`).
"""

import random

import mpmath
import sympy
from sympy import Abs, log
from sympy import Integral as SympyIntegral

from ..calculus.reals import real_diff
from ..errors import DeriveError, ValidationError
from ..text.budgets import attempt, remaining
from ..text.printing import to_text
from ..validation import fast
from ..validation.equivalence import numeric_search, numeric_value, sample_point
from .integral_steps import describe_steps
from .quadrature import _contained, _first

CHECK_POINTS = 8  # random points F' = f is checked at
SLOPE_TOLERANCE = 1e-25  # relative: F's slope and f are both known to about 35 digits or more
MANUAL_SECONDS, SYMPY_SECONDS = 1.5, 5.0  # the manual integrator is for steps: it may give up early


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
        found = attempt(lambda find=find: _contained(find, f, x), min(seconds, remaining(seconds)), None)
        if found is None:
            continue
        F, rule = found
        F, widened = _absolute_logs(F, f, x, params, seed)
        try:
            how = _check_antiderivative(F, f, x, params, seed)
        except ValidationError as exc:
            failure = exc
            continue
        notes = [(f"{', '.join('log|' + to_text(u) + '|' for u in widened)}, not "
                  f"{', '.join('log(' + to_text(u) + ')' for u in widened)}: "
                  f"{'the argument takes' if len(widened) == 1 else 'the arguments take'} negative values "
                  "where f is defined")] if widened else []
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
        G = attempt(lambda g=g: sympy.integrate(g, U), 0.5, None)
        if G is None or G.has(SympyIntegral, sympy.nan, sympy.zoo, sympy.RootSum):
            continue
        names = {U: sympy.Symbol("u")}
        steps = [("substitution", (f"substitute u = {to_text(u)}, du = {to_text(du)} d{x}: the integral becomes "
                                   f"that of {to_text(g.xreplace(names))} du")),
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
        if not isinstance(node, sympy.Expr) or node in (f, x) or not node.has(x):
            continue  # a where()'s (value, condition) pairs are not expressions
        pieces = [node]
        if isinstance(node, (sympy.Function, sympy.Pow)):
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


def _point_text(point):
    return ", ".join(f"{s} = {to_text(v)}" for s, v in point.items())
