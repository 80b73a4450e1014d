"""A claimed definite value against `derive.integrate`'s (exact, or numerical with its error; a decimal
claim right when it is the value rounded), and a wrong value named: bounds swapped, a multiple, F(b)
alone or F(b) + F(a); where the value holds under a condition on parameters, compared there."""

import sympy

from ...analysis.integrals import integral_of
from ...errors import DeriveError
from ...text.budgets import attempt
from ...text.printing import to_text
from ...validation.equivalence import compare, numeric_value, symbolically_zero
from ..verdict import Verdict
from .numbers import _exact_number


def _check_definite(f, x, claim, a, b, decimals, limits, seed):
    try:
        result = integral_of(f, x, a, b, limits=limits, seed=seed)
    except DeriveError as exc:
        raise DeriveError(f"no value to check the claim against: {exc}") from None
    exact = result.value
    truth = exact if exact is not None else sympy.Float(result.numeric, 15)
    params = sorted((s for s in (claim.free_symbols | truth.free_symbols) if isinstance(s, sympy.Symbol)),
                    key=lambda s: s.name)
    by_name = {s.name: s for s in params}
    condition = getattr(result, "condition", sympy.true)  # where the value holds: a > 0 for exp(-a*x) on [0, oo)
    condition = condition.xreplace({s: by_name.get(s.name, s) for s in condition.free_symbols})
    where = "" if condition is sympy.true else f" where {to_text(condition)} (elsewhere derive found no value)"

    def verdict(status, text, evidence, values=None, mistake="unset"):
        v = Verdict(status, truth, claim, text, evidence, values=values, kind="integral", wrt=(x,), mistake=mistake)
        v.bounds = (a, b)
        return v

    how = f"derive.integrate: {result.validation}"
    if truth in (sympy.oo, -sympy.oo, sympy.zoo):
        if claim == truth:
            return verdict("correct", f"the integral diverges to {to_text(truth)}", how)
        return verdict("wrong", f"the integral diverges (to {to_text(truth)}): it has no finite value",
                       how, mistake="other")
    if claim in (sympy.oo, -sympy.oo, sympy.zoo):
        shown = to_text(truth) + where if params else _shown(truth, _number(truth))
        return verdict("wrong", f"the integral converges to {shown}", how, mistake="other")
    if params:
        return _check_parametric(truth, claim, params, condition, where, seed, how, verdict)
    tv, cv = _number(truth), _number(claim)
    if cv is None:
        raise DeriveError(f"the claim {to_text(claim)} is not a real number")
    shown = _shown(truth, tv)
    if exact is not None and symbolically_zero(claim - truth, 0.5):
        return verdict("correct", f"the integral is {shown}", f"{how}; the claim equals it exactly")
    if exact is None and abs(cv - tv) <= max(100 * (result.error or 0), 1e-12 * max(1, abs(tv))):
        return verdict("correct", f"the integral is {shown} (numerical: no closed form was found)",
                       f"{how}; the claim agrees within the quadrature's error")
    if decimals is not None and abs(cv - tv) <= sympy.Rational(1, 2) * sympy.Integer(10) ** -decimals * (1 + 1e-12):
        places = f"{decimals} decimal{'s' if decimals != 1 else ''}"
        return verdict("correct", f"right to the {places} given: the integral is {shown}",
                       f"{how}; the claim is the value rounded to {places}")
    if exact is not None and abs(cv - tv) <= 1e-30 * max(1, abs(tv)):
        return verdict("correct", f"the integral is {shown}",
                       f"{how}; the claim agrees with it to 30 digits (simplification was inconclusive)")
    values = (_float(tv), _float(cv))
    mistake, why = _definite_mistake(f, x, claim, cv, tv, a, b, result.antiderivative)
    off = cv - tv
    text = f"the integral is {shown}; the claim {to_text(claim)} is off by {_signed(claim - truth, off)}"
    if why:
        text = f"{why}: {text}"
    return verdict("wrong", text, f"{how}; the claim differs from it", values, mistake)


def _definite_mistake(f, x, claim, cv, tv, a, b, F):
    """(mistake, why) for a wrong value: a swapped pair of bounds, a multiple, F at the bounds misused."""
    def same(v):
        return v is not None and abs(cv - v) <= 1e-25 * max(1, abs(v))

    if tv != 0 and same(-tv):
        return "sign", "the claim is minus the integral (F(a) - F(b): the bounds swapped?)"
    if F is not None and a.is_finite and b.is_finite:
        Fa, Fb = (_number(_at(F, x, v)) for v in (a, b))
        # derive's F carries an arbitrary constant: F(b) alone means something only for the form a
        # student writes, continuous on [a, b], and where F(a) = 0 is not what made them equal
        if Fa is not None and Fb is not None and abs(Fa) > 1e-20 and _textbook(F, x, a, b):
            if same(Fb):
                return "missing_term", f"the claim is F(b) = {_shown(_at(F, x, b), Fb)} alone: F(a) was not subtracted"
            if same(Fb + Fa):
                return "sign", "the claim is F(b) + F(a): F(a) must be subtracted"
        fa, fb = (_number(_at(f, x, v)) for v in (a, b))
        if fa is not None and fb is not None and abs(fb - fa) > 1e-20 and same(fb - fa):
            return "wrong_kind", "the claim is f(b) - f(a), f itself at the bounds, not an antiderivative's"
    if tv != 0:
        ratio = _exact_number(sympy.Float(cv / tv, 40))
        if ratio is not None and ratio.is_Rational and ratio not in (0, 1) and max(abs(ratio.p), ratio.q) <= 12:
            return "factor", f"the claim is {to_text(ratio)} times the integral"
    return "other", ""


def _check_parametric(truth, claim, params, condition, where, seed, how, verdict):
    """The value against the claim at parameter values where the value holds (and, symbolically,
    under that condition): 1/abs(a) is the integral of exp(-a*x) on [0, oo), which exists for a > 0 only."""
    if condition is not sympy.true and attempt(lambda: sympy.refine(claim - truth, condition), 0.5, None) == 0:
        return verdict("correct", f"the integral is {to_text(truth)}{where}",
                       f"{how}; the claim equals it where {to_text(condition)}")
    guard = () if condition is sympy.true else (sympy.Piecewise((sympy.S.One, condition), (sympy.nan, True)),)
    same = compare(truth, claim, params, seconds=0.5, seed=seed, domain=guard)
    if same.evidence.startswith("undecided"):
        raise DeriveError(f"cannot decide: no values of {', '.join(p.name for p in params)} were found where "
                          f"{to_text(condition)}")
    if same.equal:
        return verdict("correct", f"the integral is {to_text(truth)}{where}", f"{how}; {same.evidence}")
    mistake, why = _parametric_mistake(truth, claim, condition)
    text = f"the integral is {to_text(truth)}{where}, not {to_text(claim)}"
    return verdict("wrong", f"{why}: {text}" if why else text, f"{how}; {same.evidence}", mistake=mistake)


def _parametric_mistake(truth, claim, condition):
    ratio = attempt(lambda: sympy.refine(sympy.simplify(claim / truth), condition), 0.5, None) if truth != 0 else None
    if ratio == -1:
        return "sign", "the claim is minus the integral (F(a) - F(b): the bounds swapped?)"
    if ratio is not None and ratio.is_Rational and ratio != 0:
        return "factor", f"the claim is {to_text(ratio)} times the integral"
    return "other", ""


def _textbook(F, x, a, b):
    """Is F a form a student writes and evaluates at the bounds: no added constant, no floor, sign or
    Piecewise (derive's fixes for a continuous F: 1/(2 + cos(x)) has a floor), no singularity on [a, b]?"""
    if F.has(sympy.Piecewise, sympy.floor, sympy.ceiling, sympy.frac, sympy.sign, sympy.Heaviside):
        return False
    if F.as_independent(x, as_Add=True)[0] != 0:
        return False
    from sympy.calculus.singularities import singularities

    inside = attempt(lambda: singularities(F, x, sympy.Interval(min(a, b), max(a, b))), 0.5, None)
    return inside is not None and inside.is_empty is True


def _at(F, x, v):
    value = F.xreplace({x: v})
    if value.has(sympy.nan, sympy.zoo) or not value.is_finite:
        value = attempt(lambda: sympy.limit(F, x, v), 0.5, None)
    return value


def _number(e):
    if e is None:
        return None
    v = numeric_value(e, {})
    return None if v is None else v


def _float(v):
    return v if v.is_Rational else sympy.Float(v, 15)


def _shown(exact, value):
    text = to_text(exact)
    return text if exact.is_Rational or exact.is_Float else f"{text} = {sympy.Float(value, 15)}"


def _signed(d, value):
    d = attempt(lambda: sympy.simplify(d), 0.3, d)
    return to_text(d) if d.is_Rational else f"{sympy.Float(value, 6)}"
