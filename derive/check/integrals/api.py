"""`check_integral`: `derive.check` for kind="antiderivative" and kind="integral": f, the variable,
the bounds and the claim read, then judged as an antiderivative or as a definite value."""

import sympy

from ...analysis.integrals import INFINITIES, is_infinity, read_bound
from ...errors import DeriveError, ShapeError
from ...text.budgets import DEFAULT_LIMITS, time_budget
from ...text.inputs import as_expression, as_scalar, new_namespace
from ...calculus.variables import resolve_wrt
from ...text.printing import to_text
from ..definitions import parse_definitions
from ..definitions import substitute as _substitute
from .antiderivative import _check_antiderivative
from .definite import _check_definite

MIN_DIGITS = 3  # significant digits a decimal claim needs to be judged as a rounded value


def check_integral(f, x, claimed, kind, *, a=None, b=None, let=None, symbols=None, limits=DEFAULT_LIMITS, seed=0):
    """`derive.check` for kind="antiderivative" (no bounds) and kind="integral" (a and b)."""
    if kind == "antiderivative" and (a is not None or b is not None):
        raise DeriveError("an antiderivative has no bounds: for a definite integral use kind='integral' with a= and b=")
    if kind == "integral" and (a is None or b is None):
        raise DeriveError("kind='integral' checks a definite integral and needs both bounds a= and b= "
                          "(without bounds use kind='antiderivative')")
    what = "checking the antiderivative" if kind == "antiderivative" else "checking the integral"
    with time_budget(limits.seconds, what):
        bounds = [v for v in (a, b) if v is not None and not is_infinity(v)]
        ns = new_namespace(symbols, f, x, *bounds, judged=(claimed, let))
        definitions = parse_definitions(let, ns)
        expr = _scalar(_substitute(as_expression(f, ns), definitions), "f", "an integral's f is a scalar")
        if kind == "integral" and is_infinity(claimed):  # "oo": a divergent integral's value
            written = INFINITIES[claimed.strip().replace(" ", "")] if isinstance(claimed, str) else \
                sympy.oo if float(claimed) > 0 else -sympy.oo
        else:
            written = _scalar(as_expression(claimed, ns), "the claim", _CLAIM[kind])
        claim = _substitute(written, definitions)
        var = _variable(x, expr, claim, ns)
        if kind == "antiderivative":
            verdict = _check_antiderivative(expr, var, claim, limits, seed)
        else:
            lo, hi = (read_bound(v, ns, var) for v in (a, b))
            verdict = _check_definite(expr, var, claim, lo, hi, _decimals(claimed), limits, seed)
        if definitions:
            verdict.as_written, verdict.definitions = written, definitions
        return verdict


_CLAIM = {"antiderivative": "an antiderivative is a scalar function", "integral": "a definite integral is a number"}


def _scalar(expr, what, why):
    if isinstance(expr, (sympy.MatrixBase, sympy.MatrixExpr)) and tuple(expr.shape) != (1, 1):
        raise ShapeError(f"{what} is a {to_text(expr.shape[0])} x {to_text(expr.shape[1])} matrix; {why}")
    return as_scalar(expr, what)


def _variable(x, expr, claim, ns):
    # f may not use x at all (the integral of 3 is 3*x): the claim may name it
    found = resolve_wrt(x, sympy.Tuple(expr, claim), ns) if x is not None else resolve_wrt(None, expr, ns)
    if len(found) != 1:
        raise DeriveError(f"an integral has one variable of integration, got {len(found)}: "
                          f"{', '.join(to_text(v) for v in found)}")
    return found[0]


def _decimals(claimed):
    """The decimals a number claim was written with (0.7468: 4), None for anything else or for fewer
    than MIN_DIGITS significant digits: such a claim is right when it is the value rounded there
    (0.7468 for sqrt(pi)*erf(1)/2), but 2.1 is too coarse to stand for 2.0504."""
    if isinstance(claimed, float) or (isinstance(claimed, sympy.Basic) and claimed.is_Float):
        text = repr(float(claimed))
    elif isinstance(claimed, str):
        text = claimed.strip()
    else:
        return None
    mantissa, _, exponent = text.lower().partition("e")
    digits = mantissa.lstrip("+-")
    if "." not in digits or not digits.replace(".", "", 1).isdigit() or \
            (exponent and not exponent.lstrip("+-").isdigit()):
        return None
    if len(digits.replace(".", "").lstrip("0")) < MIN_DIGITS:
        return None
    return len(digits.split(".")[1]) - (int(exponent) if exponent else 0)
