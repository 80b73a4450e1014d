"""Are two expressions the same function?  Decided without false verdicts.

Order of evidence:

1. a numeric screen at a few exact rational points (40-digit evaluation):
   a clear difference is a proof that the claim is wrong, with the point as
   counterexample;
2. symbolic: the difference simplified within a time budget (also after
   rewriting exp/log/trig/hyperbolic forms) — zero proves equality;
3. numeric evidence: agreement to 25 digits at many random points spread over
   scales and signs inside the domain.

Every point used lies inside the domain: where f itself (the `domain`
expressions) is finite and real, and where declared data kinds hold (a
binary label is 0 or 1, a simplex sums to 1: `instances.conform`).  So a
counterexample is never log(s2) at s2 < 0 or a label y = -3.

Simplification that gives up never leads to "equal": step 3 must then agree.
"""

import random
from dataclasses import dataclass

import sympy
from sympy import Rational

from ..text.budgets import attempt
from ..text.inputs import as_basic
from . import fast
from .instances import conform

DIGITS = 40
SCREEN_POINTS = 6
EVIDENCE_POINTS = 24
_DENOMINATORS = (2, 3, 4, 5, 7, 8, 9, 11)


@dataclass
class Comparison:
    equal: bool
    evidence: str  # how it was decided
    point: dict | None = None  # symbol -> exact value where the two differ
    values: tuple | None = None  # (expected, claimed) at `point`


def sample_point(symbols, rng, attempt_no, positive=(), kinds=None):
    """Exact rational values; scale and signs vary with `attempt_no`.  `kinds` (symbol or
    array -> a data kind: "binary", "sign", "probability", "simplex") makes the values data
    of that kind (`instances.conform`)."""
    scale = (1, 1, 2, Rational(1, 2), 5, Rational(1, 5), 20, 1)[attempt_no % 8]
    all_positive = attempt_no % 3 == 2
    point = {}
    for s in symbols:
        q = rng.choice(_DENOMINATORS)
        p = rng.randint(1, 4 * q)
        value = Rational(p, q) * scale
        if s.is_integer:
            value = sympy.Integer(rng.randint(1, 5))
        elif not (s.is_positive or s.is_nonnegative or s in positive or all_positive) and rng.random() < 0.5:
            value = -value
        if s.is_negative:
            value = -abs(value)
        point[s] = value
    return conform(point, kinds) if kinds else point


def numeric_value(expr, point, digits=DIGITS):
    """`expr` at `point`: exact when rational, else `digits` digits; None if
    not a finite real number."""
    try:
        value = as_basic(expr).xreplace(point)  # exact: polynomials stay rational
        if not value.is_Rational:
            value = value.evalf(digits)
    except (ValueError, TypeError, ZeroDivisionError, ArithmeticError, IndexError):
        return None
    if value.is_Rational:
        return value
    if not value.is_number or value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    re, im = value.as_real_imag()
    try:
        if im != 0 and abs(im) > 10 ** (-digits // 2) * abs(re):
            return None  # not real here (relative test: a tiny value may be wholly imaginary, like sqrt(-1e-48))
        return sympy.Float(re, digits)
    except TypeError:  # not a number after all (a sum with an array left in it)
        return None


def differ(a, b, exprs=None, point=None):
    """Do two values differ?  Exact rationals: any difference.  Floats: a clear
    difference at 40 digits, or — when the difference is small enough to be
    rounding — one that persists at 80 digits."""
    if a.is_Rational and b.is_Rational:
        return a != b
    diff, scale = abs(a - b), max(abs(a), abs(b))
    if diff > 1e-20 * scale + sympy.Float(10) ** -30:
        return True
    if diff == 0 or exprs is None:
        return False
    a80, b80 = (numeric_value(e, point, 2 * DIGITS) for e in exprs)
    if a80 is None or b80 is None:
        return False
    return abs(a80 - b80) > sympy.Float(10) ** (-2 * DIGITS + 10) * max(abs(a80), abs(b80), 1)


def defined_at(exprs, point):
    """Are all `exprs` finite and real at `point`, and is every log's argument positive there
    (and every fractional power's base nonnegative)?  The second part matters where a factor
    vanishes: y*log(p) at y = 0 and p = -3 is 0 to SymPy, but outside the domain of f."""
    for e in exprs:
        if numeric_value(e, point) is None:
            return False
        for arg in _domain_arguments(e):
            value = numeric_value(arg, point)
            if value is None or value < 0 or (value == 0 and arg in _log_arguments(e)):
                return False
    return True


def _log_arguments(expr):
    return {a.args[0] for a in as_basic(expr).atoms(sympy.log)}


def _domain_arguments(expr):
    """Arguments that must be positive (log) or nonnegative (sqrt, fractional powers)."""
    expr = as_basic(expr)
    roots = {p.base for p in expr.atoms(sympy.Pow) if p.exp.is_Rational and not p.exp.is_Integer}
    return _log_arguments(expr) | roots


def numeric_search(expected, claimed, symbols, n_points, seed=0, restrict=None, positive=(), domain=(), kinds=None,
                   confirm=True):
    """Look for a point where the two differ.  Returns (point, (e, c)) or
    (None, checked) with `checked` the number of points where both were defined.
    Only points where every `domain` expression (f) is defined are used.  With
    ``confirm=False`` a clear difference in fast 60-digit arithmetic is taken as it is
    (the diagnosis rules, which only pick words); otherwise SymPy confirms it exactly."""
    rng = random.Random(seed)
    checked = 0
    programs = _programs(expected, claimed, *domain)
    for k in range(n_points * 6):
        if checked >= n_points:
            break
        point = sample_point(symbols, rng, k, positive, kinds)
        if restrict is not None:
            point = restrict(point)
            if point is None:
                continue
        if programs is not None:
            quick = _quick(programs, point)
            if quick is _OUTSIDE:
                continue
            if quick is _AGREE:
                checked += 1
                continue
            if not confirm and isinstance(quick, tuple):
                return point, quick
            # a candidate difference (or a value fast evaluation could not give): decided exactly below
        if domain and not defined_at(domain, point):
            continue  # outside f's domain: no counterexample, no evidence
        e = numeric_value(expected, point)
        c = numeric_value(claimed, point)
        if e is None:
            continue
        if c is None:
            return point, (e, c)  # the claim is undefined where f' is defined
        checked += 1
        if differ(e, c, (expected, claimed), point):
            return point, (e, c)
    return None, checked


# ---------------------------------------------------------------------------
# fast screening: most points agree (or fall outside f's domain); SymPy's evalf decides the rest

_OUTSIDE, _AGREE, _DECIDE = "outside", "agree", "decide"
_ROUNDING = 1e-40  # relative difference at 60 digits that is rounding; above it SymPy decides
_CLEAR = 1e-12  # a relative difference no rounding explains
_PROGRAMS = {}  # expression -> fast.Program, or None where the fast table has no rule


def _program(expr):
    expr = as_basic(expr)
    if expr not in _PROGRAMS:
        if len(_PROGRAMS) > 512:
            _PROGRAMS.clear()
        try:
            _PROGRAMS[expr] = fast.Program([expr])
        except (fast.Unsupported, TypeError, ValueError, AttributeError):
            _PROGRAMS[expr] = None
    return _PROGRAMS[expr]


def _programs(*exprs):
    programs = [_program(e) for e in exprs]
    return None if any(p is None for p in programs) else programs


def _quick(programs, point):
    """_OUTSIDE (f or the derivative undefined here), _AGREE, (e, c) clearly different, or _DECIDE
    (SymPy must look)."""
    expected, claimed, *domain = programs
    try:
        for program in domain:
            values = program.run(point)
            if program.real_outputs(values)[0] is None or not program.inside_domain(values):
                return _OUTSIDE
        e = expected.real_outputs(expected.run(point))[0]
        if e is None:
            return _OUTSIDE
        c = claimed.real_outputs(claimed.run(point))[0]
    except (fast.Unsupported, ZeroDivisionError, ValueError, OverflowError, TypeError):
        return _DECIDE
    if c is not None and abs(e - c) > _CLEAR * max(abs(e), abs(c)):
        return fast.as_sympy(e), fast.as_sympy(c)  # clearly different (rounding is 1e-58)
    if c is None or abs(e - c) > _ROUNDING * max(abs(e), abs(c)) + fast.mpmath.mpf(10) ** -50:
        return _DECIDE
    return _AGREE


def symbolically_zero(difference, seconds):
    """True if simplification proves `difference` == 0 within `seconds`."""
    if difference == 0:
        return True
    steps = (
        lambda d: sympy.expand(d),
        lambda d: sympy.cancel(sympy.together(d)),
        lambda d: sympy.simplify(d),
        lambda d: sympy.simplify(d.rewrite(sympy.exp)),
        lambda d: sympy.trigsimp(sympy.expand_trig(d)),
    )
    for step in steps:
        result = attempt(lambda step=step: step(difference), seconds / len(steps), None)
        if result is not None and result == 0:
            return True
    return False


def compare(expected, claimed, symbols, seconds=1.0, seed=0, domain=(), kinds=None):
    """Decide whether two scalar expressions agree as functions of `symbols` on the domain
    of the `domain` expressions (f), with data of the declared `kinds`."""
    symbols = sorted(symbols, key=lambda s: s.name)
    point, info = numeric_search(expected, claimed, symbols, SCREEN_POINTS, seed, domain=domain, kinds=kinds)
    if point is not None:
        return Comparison(False, "numeric: a point where they differ", point, info)
    if symbolically_zero(as_basic(expected) - as_basic(claimed), seconds):
        return Comparison(True, "symbolic: the difference simplifies to 0")
    point, info = numeric_search(expected, claimed, symbols, EVIDENCE_POINTS, seed + 1, domain=domain, kinds=kinds)
    if point is not None:
        return Comparison(False, "numeric: a point where they differ", point, info)
    if info == 0:
        return Comparison(False, "undecided: no point where the derivative is defined was found")
    return Comparison(True, f"numeric: equal to {DIGITS - 15} digits at {info + SCREEN_POINTS} random points "
                            "(simplification was inconclusive)")
