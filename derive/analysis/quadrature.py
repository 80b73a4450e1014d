"""Numbers to check an integral against: mpmath's tanh-sinh quadrature in 30 digits, split where
f has a kink, a step or a singularity, with quadosc for an oscillating infinite tail
(`quadrature`), and accepted only where two degrees of the rule agree (`settled_quadrature`).
"""

import math

import mpmath
import sympy
from sympy import oo

from ..text.budgets import attempt
from ..validation import fast
from ..validation.equivalence import numeric_value

QUAD_DIGITS = 30
OSCILLATORY_DIGITS = 18


def _contained(find, f, x):
    """A finder's answer, or None where SymPy fails inside it (heurisch's AssertionError, a
    PolynomialError): a finder that breaks is a finder that found nothing."""
    try:
        return find(f, x)
    except (ArithmeticError, AssertionError, AttributeError, IndexError, KeyError, NotImplementedError,
            RecursionError, TypeError, ValueError, sympy.PolynomialError, sympy.CoercionFailed):
        return None


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
