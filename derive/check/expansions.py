"""Checks of a claimed Taylor polynomial and a claimed directional derivative.

    >>> import derive
    >>> v = derive.check("exp(x)", "x", "1 + x + x**2", kind="taylor", at=0, order=2)
    >>> v.mistake, v.explanation
    ('factor', 'the order-2 term is x**2, derive has x**2/2: the 1/2! of the order-2 term is missing')
    >>> v = derive.check("x**2*y", "x y", "16", kind="directional", at=[1, 2], u=[3, 4])
    >>> v.mistake
    'factor'

The expected answers are derive's own, validated: `derive.taylor` (the error measured shrinking like
|h|^(order+1)) and `derive.directional` (a finite difference along u).  A Taylor claim is compared
order by order in powers of (x - a): the first order whose terms differ is named, with the slips a
course sees most (the k! left out, a sign, the expansion taken at 0 instead of a, terms past the
order).  A directional claim is compared as a number: grad f . u without dividing by |u|, the
steepest rate |grad f| instead of the rate along u, and a sign are named.
"""

import sympy

from ..analysis.directional import directional
from ..analysis.taylor import taylor
from ..errors import DeriveError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..text.inputs import as_expression, as_scalar, new_namespace
from ..text.printing import to_text
from .verdict import Verdict

KINDS = ("taylor", "directional")


def check_expansion(f, wrt, claimed, kind, *, at=None, u=None, order=None, symbols=None, limits=DEFAULT_LIMITS,
                    seed=0):
    """`derive.check` for kind="taylor" (at, order) and kind="directional" (at, u)."""
    if at is None:
        raise DeriveError(f"kind='{kind}' needs the point: at=")
    if kind == "taylor" and u is not None:
        raise DeriveError("u= belongs to kind='directional'; a Taylor polynomial takes at= and order=")
    if kind == "directional" and (u is None or order is not None):
        raise DeriveError("kind='directional' takes at= and u= (and no order=)")
    with time_budget(limits.seconds, f"checking the {kind}"):
        if kind == "taylor":
            result = taylor(f, wrt, at, order=2 if order is None else order, symbols=symbols, limits=limits,
                            seed=seed)
        else:
            result = directional(f, wrt, at, u, symbols=symbols, limits=limits, seed=seed)
        ns = new_namespace(symbols, result.f, *result.wrt, judged=(claimed,))
        claim = as_scalar(as_expression(claimed, ns), "the claim")
        claim = claim.xreplace({s: w for w in result.wrt for s in claim.free_symbols
                                if isinstance(s, sympy.Symbol) and s.name == w.name})
        if kind == "taylor":
            return _taylor_verdict(result, claim)
        return _directional_verdict(result, claim)


# ---------------------------------------------------------------------------
# Taylor polynomials

def _taylor_verdict(t, claim):
    if not claim.is_polynomial(*t.wrt):
        return _verdict(t, claim, "wrong", "other", f"the claim {to_text(claim)} is not a polynomial in "
                                                     f"{', '.join(w.name for w in t.wrt)}")
    expected = _by_order(t.polynomial, t)
    claimed = _by_order(claim, t)
    orders = set(expected) | set(claimed)
    if all(sympy.simplify(expected.get(k, 0) - claimed.get(k, 0)) == 0 for k in orders):  # sin(1)**2 + cos(1)**2
        return _verdict(t, claim, "correct", None, f"the Taylor polynomial of order {t.order} at "
                                                    f"{_point(t)}, term by term")
    mistake, words = _taylor_mistake(t, claim, expected, claimed)
    return _verdict(t, claim, "wrong", mistake, words)


def _by_order(poly, t):
    """{k: the order-k part of poly in powers of (x - a)} (SymPy expressions, nonzero parts only)."""
    h = [sympy.Dummy(f"h{i}") for i in range(len(t.wrt))]
    shifted = sympy.expand(poly.xreplace({w: t.at[w] + hi for w, hi in zip(t.wrt, h)}))
    parts = {}
    for term in sympy.Add.make_args(shifted):
        degree = sum(sympy.degree(term, hi) for hi in h) if term.has(*h) else 0
        parts[degree] = parts.get(degree, 0) + term
    back = {hi: w - t.at[w] for hi, w in zip(h, t.wrt)}
    return {k: sympy.factor_terms(v.xreplace(back)) for k, v in parts.items() if sympy.simplify(v) != 0}


def _taylor_mistake(t, claim, expected, claimed):
    beyond = sorted(k for k in claimed if k > t.order)
    orders = sorted(set(expected) | set(claimed))
    wrong = [k for k in orders if k <= t.order and sympy.simplify(expected.get(k, 0) - claimed.get(k, 0)) != 0]
    if not wrong and beyond:
        return "extra_term", (f"terms past order {t.order}: {to_text(sum(claimed[k] for k in beyond))} "
                              f"(an order-{t.order} polynomial stops at (x - a)^{t.order})")
    k = wrong[0]
    want, got = expected.get(k, sympy.S.Zero), claimed.get(k, sympy.S.Zero)
    head = f"the order-{k} term is {to_text(got)}, derive has {to_text(want)}"
    shifted_point = any(v != 0 for v in t.at.values())
    if shifted_point and sympy.expand(claim.xreplace({w: w - t.at[w] for w in t.wrt}) - t.polynomial) == 0:
        return "other", (f"the claim writes {', '.join(w.name for w in t.wrt)} where (x - a) belongs: with "
                         f"{', '.join(f'{w.name} - {to_text(t.at[w])}' for w in t.wrt)} in their place it is right")
    if shifted_point and _at_zero_matches(t, claim):
        return "other", (f"the claim is the expansion at 0, not at {_point(t)}: it is written in powers of "
                         f"{', '.join(w.name for w in t.wrt)} where (x - a) belongs")
    if got == 0:
        return "missing_term", f"the order-{k} term {to_text(want)} is missing"
    if want == 0:
        return "extra_term", f"{head}: the order-{k} derivatives vanish at {_point(t)}"
    ratio = sympy.simplify(got / want)
    if ratio == -1:
        return "sign", f"{head}: the sign is wrong"
    if ratio.is_number and ratio == sympy.factorial(k):
        return "factor", f"{head}: the 1/{k}! of the order-{k} term is missing"
    if ratio.is_number and k >= 2 and ratio == 1 / sympy.factorial(k):
        return "factor", f"{head}: it is divided by {k}! twice"
    if ratio.is_number:
        return "factor", f"{head}: off by the factor {to_text(ratio)}"
    return "other", head


def _at_zero_matches(t, claim):
    """Is the claim f's expansion at the origin (of the same order)?"""
    try:
        at_zero = taylor(t.f, list(t.wrt), {w: 0 for w in t.wrt}, order=t.order)
    except DeriveError:
        return False
    return sympy.expand(at_zero.polynomial - claim) == 0


# ---------------------------------------------------------------------------
# directional derivatives

def _directional_verdict(r, claim):
    if claim.free_symbols - set(r.parameters or ()):
        return _verdict(r, claim, "wrong", "other", f"the claim {to_text(claim)} depends on "
                                                     f"{', '.join(sorted(s.name for s in claim.free_symbols))}; "
                                                     "a directional derivative at a point is a number")
    if _same(claim, r.value):
        return _verdict(r, claim, "correct", None, f"the directional derivative is {to_text(r.value)}")
    if _rounded(claim, r.value):
        return _verdict(r, claim, "correct", None, f"right to the digits given: the directional derivative is "
                                                    f"{to_text(r.value)} = {sympy.N(r.value, 15)}")
    grad_dot_u = sum(g * c for g, c in zip(r.gradient, r.unit_u)) * r.norm_u
    head = f"the directional derivative is {to_text(r.value)}"
    if r.normalized and _same(claim, grad_dot_u):
        return _verdict(r, claim, "wrong", "factor", f"{head}: the claim is grad f(a) . u = {to_text(grad_dot_u)}, "
                                                      f"with u not divided by |u| = {to_text(r.norm_u)}")
    if _same(claim, -r.value):
        return _verdict(r, claim, "wrong", "sign", f"{head}: the claim has the wrong sign")
    if r.rate is not None and _same(claim, r.rate) and not _same(r.rate, r.value):
        return _verdict(r, claim, "wrong", "wrong_kind", f"{head}: the claim is |grad f(a)| = {to_text(r.rate)}, the "
                                                          "steepest rate (along the gradient), not the rate along u")
    return _verdict(r, claim, "wrong", "other", f"{head}, not {to_text(claim)}")


def _rounded(claim, value, at_least=3):
    """A decimal claim equal to the value rounded to the digits written (at least 3 significant)."""
    if not isinstance(claim, (sympy.Float, sympy.Rational)) or claim.is_Integer or not value.is_number:
        return False
    digits = _digits_written(claim)
    if digits is None or digits < at_least:
        return False
    digits = min(digits, 15)  # a float's repr (17 digits) is right only to double precision
    exact = sympy.N(value, 30)
    return exact != 0 and abs(exact - claim) <= abs(exact) * sympy.Float(10) ** (1 - digits) / 2 * 1.0001


def _digits_written(claim):
    """Significant digits of a decimal the parser made exact (1.4142 -> 14142/10000: 5 digits)."""
    q = sympy.Rational(claim)
    if q.q == 1 or sympy.factorint(q.q).keys() - {2, 5}:
        return None
    places = max(sympy.multiplicity(2, q.q), sympy.multiplicity(5, q.q))
    whole = len(str(abs(int(q)))) if abs(q) >= 1 else 0
    leading = 0 if abs(q) >= 1 else len(str(int(10 ** places))) - 1 - len(str(abs(q.p * 10 ** places // q.q)))
    return whole + places - leading if abs(q) >= 1 else places - leading


def _same(a, b):
    difference = sympy.nsimplify(sympy.simplify(a - b)) if (a - b).is_number else sympy.simplify(a - b)
    return difference == 0


# ---------------------------------------------------------------------------

def _point(result):
    return "(" + ", ".join(f"{w.name} = {to_text(result.at[w])}" for w in result.wrt) + ")"


def _verdict(result, claim, status, mistake, explanation):
    expected = result.polynomial if hasattr(result, "polynomial") else result.value
    counterexample, values = None, None
    if status != "correct" and hasattr(result, "polynomial"):
        point = {w: result.at[w] + 1 for w in result.wrt}  # one step from a, where the polynomials differ
        if sympy.simplify((expected - claim).xreplace(point)) != 0:
            counterexample, values = point, (expected.xreplace(point), claim.xreplace(point))
    return Verdict(status=status, expected=expected, claimed=claim, explanation=explanation,
                   evidence="exact: derive's validated " + ("Taylor polynomial" if hasattr(result, "polynomial")
                                                            else "directional derivative"),
                   counterexample=counterexample, values=values,
                   kind="taylor" if hasattr(result, "polynomial") else "directional", wrt=tuple(result.wrt),
                   mistake=mistake if status != "correct" else None)


__all__ = ["KINDS", "check_expansion"]
