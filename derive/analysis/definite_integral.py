"""A definite integral's value: F(b) - F(a) where a checked antiderivative has no singularity
inside, else SymPy's definite integrator; either accepted only where it agrees with quadrature
(at random values of any parameters), a divergence only where the integrals over growing parts of
the interval grow with SymPy's sign; without a closed form, the quadrature's number, labelled.
"""

import math
import random

import mpmath
import sympy
from sympy import Abs, oo
from sympy import Integral as SympyIntegral

from ..errors import DeriveError, ValidationError
from ..text.budgets import attempt, remaining
from ..text.printing import to_text
from ..validation.equivalence import numeric_value, sample_point
from .antiderivative import _point_text
from .quadrature import QUAD_DIGITS, _breakpoints, _contained, _mp, quadrature, settled_quadrature

DEFINITE_SECONDS = 5.0  # SymPy's definite integrator (3 s where no antiderivative was found)


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
        value = attempt(lambda end=end, side=side: sympy.limit(F, x, end, side) if not end.is_finite
                        or F.subs(x, end).has(sympy.nan, sympy.zoo, oo, -oo) else F.subs(x, end), 1.0, None)
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
