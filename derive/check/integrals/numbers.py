"""Numbers as a message shows them: a short fraction or an exact number (sqrt(2), pi/4) where a
value is one, else a float of 12 or 15 digits; and a point as "x = 1/2, a = 3"."""

import sympy

from ...text.budgets import attempt
from ...text.printing import to_text
from ...validation.equivalence import numeric_value

MAX_DENOMINATOR = 1000  # a value shown as a fraction has at most this denominator; else a 12-digit float


def _readable(v):
    """A value for a message: a short fraction, an exact number (sqrt(2), pi/4), else 12 digits."""
    if v.is_Rational and v.q <= MAX_DENOMINATOR and abs(v.p) < 10**15:
        return v
    return (None if v.is_Rational else _exact_number(v)) or sympy.Float(float(f"{float(v):.12g}"))  # repr: 12 digits


def _exact_or_float(e, point):
    v = numeric_value(e, point)
    return v if v is None or v.is_Rational else sympy.Float(v, 15)


def _exact_number(value):
    """The exact number a 40-digit value is (a rational, sqrt(2), pi/4) written with fractions of
    denominator at most MAX_DENOMINATOR, or None: nsimplify also finds 40-digit fractions, which
    say nothing a float does not."""
    guess = value if value.is_Rational else \
        attempt(lambda: sympy.nsimplify(value, [sympy.pi, sympy.E], tolerance=1e-30), 0.3, None)
    if guess is None or sympy.count_ops(guess) > 8 or \
            any(r.q > MAX_DENOMINATOR or abs(r.p) > 10**12 for r in guess.atoms(sympy.Rational)):
        return None
    if not value.is_Rational and abs(sympy.N(guess, 40) - value) > 1e-30 * max(1, abs(value)):
        return None
    return guess


def _point_text(point):
    return ", ".join(f"{to_text(s)} = {to_text(v)}" for s, v in point.items())
