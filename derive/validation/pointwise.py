"""A derivative's value at one point: exact, or undefined, never a made-up number.

The derivative formula can be wrong at a single point in two ways: it may have
no value there (0/0 in x/sqrt(x^2 + y^2) at the origin), or a value that is
not a derivative (sign(0) = 0 for |x| at 0, a kink).  So every entry is
decided from its definition: the one-sided difference quotients
(g(p + s h e_j) - g(p)) / (s h) of the function g it differentiates, for
s = +1 and -1 and two tiny exact steps h, evaluated in high precision
(SymPy's evalf tracks the cancellation).  The derivative exists when both
sides converge to one finite number; then the entry is the formula's exact
value (if it agrees) or that limit.  Otherwise it is undefined: outside the
domain on either side, a kink, a vertical tangent, a jump.

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> f = sympy.sqrt(x**2 + y**2)
    >>> entry_value(f, x, x / f, {x: 0, y: 0}, 0)   # a cone's tip: no derivative
    >>> entry_value(x * abs(x), x, 2 * abs(x), {x: 0}, 0)
    0
"""

import sympy
from sympy import Rational

from ..text.inputs import as_basic
from .equivalence import numeric_value

_STEPS = (Rational(1, 10**30), Rational(1, 10**40))
_DIGITS = 60
_AGREE = sympy.Float(10) ** -12  # relative agreement of the quotients (error ~ f'' h = 1e-30 f'')


def value_at(expr, point):
    """`expr` at `point` (all substituted at once): an exact real number, or None."""
    try:
        value = as_basic(expr).xreplace(point)
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    if value.free_symbols or value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    if value.is_Rational:
        return value
    return value if numeric_value(value, {}) is not None else None


def entry_value(g, var, formula, point, g_value):
    """d g / d var at `point` (exact, or a Float where only the limit exists), or None if
    it does not exist.  `formula` is the symbolic derivative, `g_value` = g(point)."""
    if g_value is None:
        return None
    quotients = {}
    for side in (1, -1):
        for h in _STEPS:
            moved = {**point, var: point[var] + side * h}
            try:
                shifted = as_basic(g).xreplace(moved)
            except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
                return None
            q = numeric_value((shifted - g_value) / (side * h), {}, _DIGITS)
            if q is None:
                return None  # undefined on this side, arbitrarily close: a domain edge
            quotients[side, h] = q
    right, left = quotients[1, _STEPS[-1]], quotients[-1, _STEPS[-1]]
    scale = max(abs(right), abs(left), 1)
    converged = all(abs(quotients[s, _STEPS[0]] - quotients[s, _STEPS[-1]]) <= _AGREE * scale for s in (1, -1))
    if not converged or abs(right - left) > _AGREE * scale:
        return None  # a kink, a jump or a vertical tangent
    exact = value_at(formula, point)
    if exact is not None and abs(numeric_value(exact, {}) - right) <= _AGREE * scale:
        return exact
    return sympy.Integer(0) if abs(right) <= _AGREE else sympy.Float(right, 15)


def derivative_values(functions, wrt, result, point, function_values):
    """Entry (i, j) of `result` = d functions[i] / d wrt[j] at `point`; None where undefined.
    `function_values[i]` is functions[i] at the point (None where undefined)."""
    rows, cols = result.shape
    return [[entry_value(functions[i], wrt[j], result[i, j], point, function_values[i]) for j in range(cols)]
            for i in range(rows)]
