"""F judged by its values, where F' = f at points cannot see: F defined wherever f is (log(x) for 1/x
is not), F's slope from its values alone equal to f, and F(beta) - F(alpha) equal to the integral of f
over intervals of f's domain (x + sign(x) jumps at 0)."""

import math
import random

import mpmath
import sympy
from sympy import Abs, log

from ...analysis.integrals import numeric_slope, probe_values, quadrature, settled_quadrature
from ...text.budgets import attempt
from ...text.printing import to_text
from ...validation import fast
from ...validation.equivalence import defined_at, numeric_value, sample_point
from ..verdict import Verdict
from .numbers import _exact_or_float, _point_text, _readable

SLOPE_POINTS = 4  # points where F's numerical slope must equal f
DOMAIN_POINTS = 40  # points of f's domain where F must be defined
SLOPE_TOLERANCE = 1e-25  # relative, as derive.integrate's: F's slope (60 digits) and f are known to 35 digits or more
JUMP_TOLERANCE = 1e-8  # relative: F(beta) - F(alpha) against quadrature, whose own error is below 1e-8
JUMP_INTERVALS = 6  # intervals of f's domain where F(beta) - F(alpha) must be the integral of f


def _domain_gap(f, F, x, symbols, seed):
    """A claim undefined (complex, infinite) at points where f is defined: log(x) for 1/x at x < 0."""
    for point in _domain_points(F, x, symbols, seed):
        if not defined_at([f], point) or defined_at([F], point):
            continue
        at = {u: _value(u, point) for u in _log_arguments(F)}
        culprit = next((u for u, v in at.items() if v is not None and v <= 0), None)
        values = (_exact_or_float(f, point), None)
        if culprit is not None:
            u = to_text(culprit)
            text = (f"the claim holds only where {u} > 0: on the domain of f, {u} takes negative values "
                    f"({to_text(at[culprit])} at {_point_text(point)}); write log|{u}|")
        else:
            text = f"the claim is undefined at {_point_text(point)}, where f is defined"
        return Verdict("wrong", None, F, text, "numeric: the claim's value at a point of f's domain", point, values,
                       kind="antiderivative", mistake="domain")
    return None


def _domain_points(F, x, symbols, seed):
    """Random points (they stay within about +-80), then points far out and beside the real roots of
    each log's argument and fractional power's base: log(x + 100) is undefined only below -100,
    log(10000 - x**2) only beyond +-100."""
    rng = random.Random(seed + 3)
    for k in range(DOMAIN_POINTS):
        yield sample_point(symbols, rng, k)
    params = [s for s in symbols if s != x]
    for k in range(2 if params else 1):
        base = sample_point(params, rng, k)
        for value in _probe_values(F, x, base):
            yield {s: value if s == x else base[s] for s in symbols}


def _probe_values(F, x, base):
    """Where F's log arguments and root bases may change sign (`probe_values`), on x's side of 0."""
    values = [v for u in _domain_arguments(F, x) for v in probe_values(u.xreplace(base), x)]
    values += probe_values(sympy.S.One, x)  # far out, even where F has no log
    sign = 1 if x.is_nonnegative else -1 if x.is_nonpositive else 0  # "x: positive" has no points below 0
    return [v for v in dict.fromkeys(values) if sign == 0 or v * sign > 0]


def _domain_arguments(F, x):
    """Arguments of F's logs (which must be positive) and bases of its fractional powers (nonnegative)."""
    found = {t.args[0] for t in F.atoms(log)} | \
        {p.base for p in F.atoms(sympy.Pow) if p.exp.is_Rational and not p.exp.is_Integer}
    return sorted((u for u in found if u.has(x) and not isinstance(u, Abs) and not u.is_positive),
                  key=sympy.default_sort_key)


def _log_arguments(F):
    return sorted({t.args[0] for t in F.atoms(log) if not isinstance(t.args[0], Abs) and not t.args[0].is_positive},
                  key=sympy.default_sort_key)


def _value(u, point):
    v = numeric_value(u, point)
    return None if v is None else _readable(v)


def _jump_check(f, F, x, symbols, seed):
    """(a wrong Verdict, n) where F(beta) - F(alpha) is not the integral of f over an interval [alpha, beta]
    of f's domain: F jumps where f is continuous (x + sign(x) at 0, atan(tan(x/2)/sqrt(3)) at pi),
    which no test of F' = f at points can see.  Else (None, n): n intervals agreed."""
    params = [s for s in symbols if s != x]
    rng = random.Random(seed + 13)
    base = sample_point(params, rng, 0)
    fb, Fb = f.xreplace(base), F.xreplace(base)
    poles = _poles(fb, x)
    compared = 0
    for lo, hi in _intervals(Fb, x, rng):
        if compared >= JUMP_INTERVALS:
            break
        if not all(defined_at([fb, Fb], {x: end}) for end in (lo, hi)):
            continue
        quad = _integral(fb, x, lo, hi, poles)
        if quad is None:
            continue  # f is not integrable there (a pole inside), or not real: not one interval of f's domain
        compared += 1
        rise = numeric_value(Fb, {x: hi}) - numeric_value(Fb, {x: lo})
        if abs(rise - quad) <= JUMP_TOLERANCE * max(1, abs(quad)):
            continue
        # one degree of the rule may look settled on a divergent integral: two must agree before F is blamed
        quad, _ = settled_quadrature(fb, x, lo, hi)
        if quad is None or abs(rise - sympy.Float(quad, 30)) <= JUMP_TOLERANCE * max(1, abs(quad)):
            continue
        quad = sympy.Float(quad, 30)
        suspects = attempt(lambda lo=lo, hi=hi: _suspects(Fb, x, lo, hi), 0.5, [])
        at = next((c for c in suspects if _jumps_at(Fb, x, c)), None)
        rises = (f"F({to_text(hi)}) - F({to_text(lo)}) = {to_text(_readable(rise))}, but the integral of f over "
                 f"[{to_text(lo)}, {to_text(hi)}] is {to_text(_readable(quad))}")
        if at is not None:
            point = {s: at if s == x else base[s] for s in symbols}
            text = f"the claim jumps at {_point_text({x: at})}, where f is continuous: {rises}"
            values = (_exact_or_float(f, point), None)
        else:
            point, values = None, None
            text = f"the claim jumps somewhere between {to_text(lo)} and {to_text(hi)}, where f is continuous: {rises}"
        return Verdict("wrong", None, F, text, "numeric: F(beta) - F(alpha) against quadrature of f", point, values,
                       kind="antiderivative", mistake="other"), compared
    return None, compared


def _poles(f, x, reach=25):
    """f's singularities on [-reach, reach] (one solveset for every interval), or None (unknown)."""
    from sympy.calculus.singularities import singularities

    found = attempt(lambda: singularities(f, x, sympy.Interval(-reach, reach)), 0.5, None)
    return list(found) if isinstance(found, sympy.FiniteSet) else None if found is None or not found.is_empty else []


def _integral(f, x, lo, hi, poles):
    """The integral of f over [lo, hi] by a first, quick quadrature (no search for places to split, a
    low degree: a mismatch is confirmed by the caller), or None where f has a pole inside or is not real."""
    if poles is not None and any(lo <= p <= hi for p in poles if p.is_real):
        return None
    value, _ = quadrature(f, x, lo, hi, degree=6, split=False)
    return None if value is None else sympy.Float(value, 30)


def _intervals(F, x, rng):
    """[alpha, beta] to compare F's rise with f's integral on: across 0 and +-pi, a long one, across
    the points where F may jump (nearest 0 first), random ones; on x's side of 0 where x has a sign."""
    sign = 1 if x.is_nonnegative else -1 if x.is_nonpositive else 0
    Q = sympy.Rational
    found = [(Q(-1, 2), Q(1, 3)), (Q(-7, 2), Q(9, 2)), (-10, 12)] if sign == 0 else \
        [(Q(1, 7) * sign, Q(3, 2) * sign), (Q(1, 2) * sign, Q(9, 2) * sign), (sign, 12 * sign)]
    found += [(c - Q(1, 3), c + Q(1, 2)) for c in attempt(lambda: _suspects(F, x, -20, 20), 0.5, [])[:3]]
    for k in range(3):
        ends = [sample_point([x], rng, 3 * k + j)[x] for j in (0, 1)]
        if ends[0] != ends[1]:
            found.append(tuple(ends))
    return [tuple(sorted(map(sympy.sympify, pair), key=float)) for pair in found
            if sign == 0 or all(float(v) * sign > 0 for v in pair)]


def _suspects(F, x, lo, hi):
    """Points of (lo, hi) where F may jump, nearest 0 first: where the argument of sign or Heaviside is 0
    or that of floor or ceiling an integer, where tan, cot, sec or csc has a pole, and where any
    function's argument has one (atan(1/x) at 0)."""
    sides = []
    for node in F.atoms(sympy.Function):
        if not node.args or not node.args[0].has(x):
            continue
        u = node.args[0]
        if isinstance(node, (sympy.sign, sympy.Heaviside)):
            sides.append(u)
        elif isinstance(node, (sympy.floor, sympy.ceiling, sympy.frac)):
            sides += _integer_crossings(u, x, lo, hi)
        elif isinstance(node, (sympy.tan, sympy.sec)):
            sides.append(sympy.cos(u))
        elif isinstance(node, (sympy.cot, sympy.csc)):
            sides.append(sympy.sin(u))
        denominator = sympy.denom(sympy.together(u))
        if denominator.has(x):
            sides.append(denominator)
    points = set()
    for side in sides:
        zeros = sympy.solveset(side, x, sympy.Interval.open(lo, hi))
        if isinstance(zeros, sympy.FiniteSet):
            points |= {z for z in zeros if z.is_real}
    return sorted(points, key=lambda p: (abs(float(p)), float(p)))


def _integer_crossings(u, x, lo, hi):
    """u - k for each integer k a linear u crosses between lo and hi (u itself for any other u)."""
    if not (u.is_polynomial(x) and sympy.degree(u, x) == 1):
        return [u]
    ends = sorted(float(u.subs(x, v)) for v in (lo, hi))
    if ends[1] - ends[0] > 200:
        return []
    return [u - k for k in range(math.ceil(ends[0]), math.floor(ends[1]) + 1)]


def _jumps_at(F, x, c):
    """Do F's values just left and right of c differ by more than its slope explains?"""
    eps = sympy.Rational(1, 10**15)
    left, right = (numeric_value(F, {x: c + side * eps}) for side in (-1, 1))
    return left is not None and right is not None and abs(right - left) > JUMP_TOLERANCE * max(1, abs(left))


def _slope_check(f, F, x, symbols, seed):
    """F's slope from its values (not SymPy's diff) against f; (point, (f, slope)) where they differ."""
    rng = random.Random(seed + 5)
    checked = 0
    for k in range(SLOPE_POINTS * 10):
        if checked >= SLOPE_POINTS:
            break
        point = sample_point(symbols, rng, k)
        fv = numeric_value(f, point)
        if fv is None or not defined_at([f, F], point) or not _interior([f, F], x, point):
            continue  # at an end of f's domain (acos(2*x) at x = -1/2) F's slope is one-sided at best
        slope = numeric_slope(F, x, point)
        if slope is None:
            continue
        with mpmath.workdps(60):
            if abs(slope - fast._number(fv)) > SLOPE_TOLERANCE * max(1, abs(slope)):
                return point, (fv, sympy.Float(slope, 15))
        checked += 1
    return None


def _interior(exprs, x, point, step=sympy.Rational(1, 1000)):
    """Are `exprs` defined on both sides of the point?"""
    return all(defined_at(exprs, {**point, x: point[x] + side * step}) for side in (1, -1))
