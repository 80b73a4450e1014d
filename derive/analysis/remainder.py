"""The check of a Taylor polynomial: |f - P| along random lines through a, in as many digits as
the values need, its order fitted on log-log axes (`_measure`; the rules in taylor.py's module
doc); and the many-digit values (`Values`, `digits_for`, `sample_parameters`) that
directional.py checks with too.
"""

import math
import random

import mpmath
import sympy
from sympy import Rational

from ..errors import ValidationError
from ..text.budgets import attempt
from ..text.printing import to_text
from ..validation import fast
from ..validation.equivalence import numeric_value

DIGITS = fast.DIGITS  # 60 at least: f - P cancels to about 10^-45 of |f|, far below h^(order+1) at the steps used
FIRST_STEP = Rational(1, 10)
MIN_STEPS = 11  # 1/10 ... 1/10240 always, halving
STEP_SHOWN = Rational(1, 10240)  # smaller steps are shown as decimals
MAX_STEPS = 45  # ... and on to about 6e-15 while the slope has not settled (a singularity close to a)
FIT_POINTS = 6  # the smallest steps whose error is above the noise floor: the asymptotic regime
SETTLED = 0.05  # the local slopes of the last FIT_POINTS steps agree this well: the asymptotic regime reached
DIRECTIONS = 3  # random directions for two or more variables (one variable: both sides)
SLACK = 0.15  # how far a fitted slope may sit from a whole number (what is left of the log-log curvature)
MAX_DIGITS = 1000
FAST_SCALE = 10**5  # up to this |f(a)| |a|, 60 digits leave an absolute floor of 1e-40; beyond, more digits
PARAMETER_TRIES = 8


def sample_parameters(params, rng):
    """Exact values for parameters, positive unless declared otherwise (log a, sqrt a defined)."""
    drawn = {}
    for p in params:
        if p.is_integer:
            value = sympy.Integer(rng.randint(1, 4))
        else:
            value = Rational(rng.randint(5, 20), rng.choice((3, 4, 7)))
        drawn[p] = -value if p.is_negative or p.is_nonpositive else value
    return drawn


class Values:
    """Some expressions at many points in `digits` digits (DIGITS at least): mpmath numbers, None
    where one is not finite and real.  derive's fast evaluator works in DIGITS digits; beyond
    that, and where it lacks a function, SymPy's evalf (exact where the values are rational).
    Callers do their arithmetic on the values under mpmath.workdps(values.digits)."""

    def __init__(self, exprs, digits=DIGITS):
        self.exprs, self.digits, self.program = list(exprs), max(digits, DIGITS), None
        if self.digits == DIGITS:
            try:
                self.program = fast.Program(self.exprs)
            except (fast.Unsupported, TypeError, ValueError, AttributeError):
                pass

    def __call__(self, point):
        if self.program is not None:
            try:
                return fast.evaluate(self.program, point)
            except fast.Unsupported:
                pass
        out = []
        with mpmath.workdps(self.digits):
            for e in self.exprs:
                v = numeric_value(e, point, self.digits)
                out.append(None if v is None else mpmath.mpf(v.p) / v.q if v.is_Rational else mpmath.mpf(v._mpf_))
        return out


def digits_for(scale):
    """Working digits that leave an absolute rounding floor of about 1e-40 where values are of size
    `scale` (an mpmath number): DIGITS up to FAST_SCALE, one more digit per factor of 10 beyond, at
    most MAX_DIGITS (exp(x*y) at 1e8 is 10^43429448: its rates are as large, and relative digits do)."""
    if scale <= FAST_SCALE:
        return DIGITS
    return min(MAX_DIGITS, DIGITS + int(mpmath.ceil(mpmath.log10(scale / FAST_SCALE))))


# ---------------------------------------------------------------------------
# the check: the remainder's order, measured

def _measure(f, P, x, a, params, order, seed):
    """(measured order, samples, parameter values, text): |f - P| along random lines through a."""
    rng = random.Random(seed)
    values, drawn, at_a = Values([f, P]), {}, None
    for _ in range(PARAMETER_TRIES if params else 1):
        drawn = sample_parameters(params, rng)
        at_a = values({**a, **drawn})
        if at_a is not None and None not in at_a:
            break
    else:
        where = "at the point" if not params else f"at the point for any of {PARAMETER_TRIES} values drawn for " \
                                                  f"{', '.join(p.name for p in params)}"
        raise ValidationError(f"the Taylor polynomial of {to_text(f)} could not be checked: f is not a finite real "
                              f"number {where}")
    n = len(x)
    directions = [(1,), (-1,)] if n == 1 else [_direction(n, rng) for _ in range(DIRECTIONS)]
    # the steps are absolute and f - P cancels against f(a) and against a's own digits: a floor
    # relative to |f(a)| alone would hide the whole remainder when f(a) is large (x**3 at 1e20)
    with mpmath.workdps(DIGITS):
        size = max(abs(v) for v in Values(list(a.values()))({}))
        scale = max(1, abs(at_a[0])) * max(1, size)
    digits = digits_for(scale)
    for _ in range(2):
        with mpmath.workdps(digits):
            floor = scale * mpmath.mpf(10) ** -(digits - 15)
            walks = [_walk(Values([f, P], digits), x, a, d, drawn, floor, order) for d in directions]
        slopes = [w for w in walks if w["slope"] is not None]
        exact = [w for w in walks if w["slope"] is None and w["above"] == 0 and any(e is not None for e in w["errors"])]
        if slopes or not exact or _vanishes(f, P, x):
            break
        digits += DIGITS  # below the floor everywhere, yet f - P is not 0: look closer once
    samples = [{"direction": [float(di) for di in w["direction"]], "steps": [float(h) for h in w["steps"]],
                "errors": [None if e is None else float(e) for e in w["errors"]],
                "slope": None if w["slope"] is None else round(w["slope"], 4)} for w in walks]
    if not slopes and not exact:
        raise ValidationError(f"the Taylor polynomial of {to_text(f)} could not be checked: f is not real and "
                              "finite near the point along any direction tried")
    drawn_text = f", with {', '.join(f'{p} = {to_text(v)}' for p, v in drawn.items())}" if drawn else ""
    sides = "both sides" if len(slopes) + len(exact) == 2 else "one side"
    where = f"{len(directions)} directions" if n > 1 else sides
    if not slopes:
        if not _vanishes(f, P, x):
            raise ValidationError(f"the Taylor polynomial of order {order} of {to_text(f)} could not be checked: "
                                  f"|f - P| is below the rounding floor of {digits}-digit arithmetic at every step"
                                  f"{drawn_text}, yet f - P is not 0")
        return math.inf, samples, drawn, (f"f - P expands to 0 (and is 0 to {digits - 15} digits at a + h d for "
                                          f"h = 1/10 ... 1/10240 along {where}{drawn_text}): f equals its Taylor "
                                          "polynomial")
    worst = min(slopes, key=lambda w: w["slope"])
    measured = worst["slope"]
    smallest = min(w["steps"][-1] for w in walks)
    smallest = to_text(smallest) if smallest >= STEP_SHOWN else f"{float(smallest):.2g}"
    how = (f"|f(a + h d) - P(a + h d)| for h = 1/10 ... {smallest} along {where}, in {digits}-digit arithmetic"
           f"{drawn_text}, shrinks like |h|^{measured:.2f} (the fitted log-log slope)")
    if measured >= order + 1 - SLACK:
        if measured > order + 1.5:
            return measured, samples, drawn, how + (f": at least |h|^(order + 1) = |h|^{order + 1}, as Taylor's "
                                                    "theorem says: the next term vanishes here")
        return measured, samples, drawn, how + f": |h|^(order + 1) = |h|^{order + 1}, as Taylor's theorem says"
    # Between order and order + 1 the polynomial is right (a wrong term of order j <= order leaves
    # |h|^j) and f is not order + 1 times differentiable: Peano's remainder o(|h|^order), said as it is.
    if measured > order + SLACK and worst["settled"]:
        return measured, samples, drawn, how + ": " + fractional_text(order, measured)
    settled = "" if worst["settled"] else " (and the slope did not settle)"
    cause = "f is not continuous there" if order == 0 else \
        f"f is not {order} times differentiable there (a kink, a cusp, the edge of its domain)"
    raise ValidationError(
        f"the Taylor polynomial of order {order} of {to_text(f)} failed its check: the error |f - P| shrinks "
        f"like |h|^{measured:.2f}, not |h|^{order + 1}{settled}{drawn_text}; either {cause} or the polynomial is "
        "wrong")


def fractional_text(order, measured):
    return (f"between |h|^{order} and |h|^{order + 1}, so f is not {order + 1} times differentiable at a and the "
            f"remainder is o(|h|^{order}) only (Peano's form), not O(|h|^{order + 1})")


def _walk(values, x, a, d, drawn, floor, order):
    """|f - P| at a + h d for h = 1/10, 1/20, ...: at least MIN_STEPS steps, then on (up to
    MAX_STEPS) until the slope settles at order + 1 or more or the error sinks below the floor.
    Absolute steps would never reach the asymptotic regime near a singularity (1/(x - 0.001) at 0)."""
    steps, errors, h = [], [], FIRST_STEP
    for k in range(MAX_STEPS):
        v = values({**drawn, **{xi: a[xi] + h * di for xi, di in zip(x, d)}})
        steps.append(h)
        errors.append(None if v is None or None in v else abs(v[0] - v[1]))
        if k + 1 >= MIN_STEPS:
            if errors[-1] is not None and errors[-1] <= floor:
                break
            # halving on to MAX_STEPS uncovers a slightly wrong term (1e-6 h^2 hides under h^3 down to
            # h = 1e-6); SymPy's evalf beyond 60 digits is too slow for that: there, stop once settled
            local = _local_slopes(steps, errors, floor) if values.program is None else []
            if len(local) == FIT_POINTS - 1 and max(local) - min(local) <= SETTLED and min(local) >= order + 1 - SLACK:
                break
        h /= 2
    slope, above = _slope(steps, errors, floor)
    local = _local_slopes(steps, errors, floor)
    return {"direction": d, "steps": steps, "errors": errors, "slope": slope, "above": above,
            "settled": len(local) == FIT_POINTS - 1 and max(local) - min(local) <= SETTLED}


def _vanishes(f, P, x):
    """Is f - P symbolically 0 (f a polynomial of degree <= order)?  Only then is f its own expansion."""
    return attempt(lambda: f.is_polynomial(*x) and sympy.expand(f - P) == 0, 1.0, False)


def _direction(n, rng):
    """A random direction with every component nonzero (so that mixed terms are seen)."""
    return tuple(Rational(rng.choice((-1, 1)) * rng.randint(3, 9), 9) for _ in range(n))


def _fit_points(steps, errors, floor):
    """(log h, log error) at the smallest steps whose error is above the rounding floor."""
    return [(math.log(float(h)), float(mpmath.log(e))) for h, e in zip(steps, errors)
            if e is not None and e > floor][-FIT_POINTS:]


def _local_slopes(steps, errors, floor):
    points = _fit_points(steps, errors, floor)
    return [(q[1] - p[1]) / (q[0] - p[0]) for p, q in zip(points, points[1:])]


def _slope(steps, errors, floor):
    """(least-squares slope of log error against log h over the smallest steps whose error is
    above the rounding floor, or None; how many errors are above it)."""
    above = sum(1 for e in errors if e is not None and e > floor)
    points = _fit_points(steps, errors, floor)
    if len(points) < 3:
        return None, above
    mx = sum(p[0] for p in points) / len(points)
    my = sum(p[1] for p in points) / len(points)
    slope = sum((px - mx) * (py - my) for px, py in points) / sum((px - mx) ** 2 for px, _ in points)
    return slope, above
