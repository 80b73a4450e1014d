"""Results in the form a textbook writes them (rewrites that are identities).

Differentiating log(1 + exp(-y w.x)) gives ratios of exponentials; a textbook
writes the logistic function:

    exp(a)/(exp(a) + 1)      = sigmoid(a)
    1/(exp(a) + 1)           = 1 - sigmoid(a)
    exp(a)/(exp(a) + 1)**2   = sigmoid(a)*(1 - sigmoid(a))

In general exp(a)**p/(exp(a) + 1)**q = sigmoid(a)**p * (1 - sigmoid(a))**(q - p)
for 0 <= p <= q, the one rule here (with a = -z written in sigmoid(z), since
sigmoid(-z) = 1 - sigmoid(z)).  Each rewrite is exact, and every result is
validated numerically after it anyway.
"""

import sympy
from sympy import Add, Mul, Pow, exp

from ..text.functions import sigmoid


def logistic_form(expr):
    """`expr` with exponential ratios written with sigmoid (module doc)."""
    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(logistic_form)
    if not isinstance(expr, sympy.Basic) or not expr.has(exp):
        return expr
    # products first, so that exp(a)/(exp(a) + 1)**2 is seen whole; then a lone 1/(exp(a) + 1)
    expr = expr.replace(lambda e: isinstance(e, Mul), _rewrite)
    return expr.replace(lambda e: _denominator_of(e) is not None, _rewrite)


def _denominator_of(e):
    """a, when e is (exp(a) + 1)**(-q) with q a positive integer."""
    if isinstance(e, Pow) and e.exp.is_Integer and e.exp < 0 and isinstance(e.base, Add) \
            and len(e.base.args) == 2 and sympy.S.One in e.base.args:
        other = next(t for t in e.base.args if t != 1)
        if isinstance(other, exp):
            return other.args[0]
    return None


def _rewrite(e):
    factors = list(Mul.make_args(e))
    for k, factor in enumerate(factors):
        a = _denominator_of(factor)
        if a is None:
            continue
        q = -int(factor.exp)
        # the matching numerator exp(a)**p (exp(a) or a power of it); p = 0 if none
        p, numerator = 0, None
        for m, other in enumerate(factors):
            base, power = (other.base, other.exp) if isinstance(other, Pow) else (other, sympy.S.One)
            if m != k and isinstance(base, exp) and base.args[0] == a and power.is_Integer and 0 < power <= q:
                p, numerator = int(power), m
                break
        rest = [f for m, f in enumerate(factors) if m not in (k, numerator)]
        if a.could_extract_minus_sign():  # sigmoid(-b) = 1 - sigmoid(b): the textbook's sigmoid(z)(1 - sigmoid(z))
            s = sigmoid(-a)
            return Mul(*rest, (1 - s)**p, s**(q - p))
        s = sigmoid(a)
        return Mul(*rest, s**p, (1 - s)**(q - p))
    return e
