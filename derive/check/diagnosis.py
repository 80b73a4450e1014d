"""What exactly is wrong with a claimed derivative entry: a table of rules.

Each rule looks at one wrong entry (expected e, claimed c) and either names
the mistake, as a `Finding` (its kind, one of `verdict.MISTAKES`, and words),
or passes.  They run in order; the first that recognizes the mistake explains it:

    constant factor   c = k e            "the factor 2 is missing", "the sign is flipped"
    chain rule        e = c du/dx        "missing chain-rule factor du/dx = ..."
                      c = e du/dx        "an extra factor ..."
    missing factor    e = c m, m a factor of e   "the factor b is missing" (or one too many)
    additive term     e - c is a term    "a term is missing: ..." / "an extra term: ..."
    assumption        c = e if x > 0     "holds only if x > 0"
    difference        otherwise          "differs from the derivative by ..."

All comparisons are numeric at exact rational points (40 digits) where f is
defined, so a rule never fires by accident of simplification.
"""

import random
from typing import NamedTuple

import sympy

from ..text.functions import sigmoid
from ..validation.equivalence import numeric_search, numeric_value, sample_point
from ..text.printing import to_text

_RATIO_POINTS = 6
_NEGLIGIBLE = sympy.Float(10) ** -30


_CONDITION_POINTS = 40  # a named condition must hold up at this many points (6 let "y < 0" stand for x > y)


class Finding(NamedTuple):
    """A named mistake: ``mistake`` (one of `verdict.MISTAKES`), the words for it, and what it is
    about for the step locator: ("factor", k) for a claim k times the derivative, ("missing factor",
    m) / ("extra factor", m) for a factor of f's left out or put in."""

    mistake: str
    text: str
    detail: tuple | None = None


def factor_finding(k):
    """The words for a claim that is k times the derivative (k a number, not 0 or 1)."""
    k = sympy.nsimplify(k)
    detail = ("factor", k)
    if k == -1:
        return Finding("sign", "the sign is flipped (the claim is minus the derivative)", detail)
    times = f"(the claim is {to_text(k)} times the derivative)"
    sign = "the sign is flipped and " if k.is_negative else ""
    size = abs(k)
    if size.is_Rational and size.p == 1 and size.q > 1:
        return Finding("factor", f"{sign}the factor {size.q} is missing {times}", detail)
    if size.is_Integer and size > 1:
        return Finding("factor", f"{sign}{'there is ' if sign else ''}an extra factor {size} {times}", detail)
    return Finding("factor", f"off by a constant factor: the claim is {to_text(k)} times the derivative", detail)


def _same(a, b, ctx, restrict=None, points=6):
    point, info = numeric_search(a, b, ctx.symbols, points, seed=17, restrict=restrict,
                                 domain=getattr(ctx, "domain", ()), kinds=getattr(ctx, "kinds", None), confirm=False)
    return point is None and info > 0


def constant_factor(e, c, ctx):
    """c / e is the same number everywhere."""
    rng = random.Random(5)
    ratios = []
    for k in range(_RATIO_POINTS * 4):
        point = sample_point(ctx.symbols, rng, k, kinds=getattr(ctx, "kinds", None))
        ev, cv = numeric_value(e, point), numeric_value(c, point)
        if ev is None or cv is None or abs(ev) < _NEGLIGIBLE:
            continue  # a ratio with (nearly) zero says nothing about a constant factor
        ratios.append(cv / ev)
        if len(ratios) == _RATIO_POINTS:
            break
    if len(ratios) < 3:
        return None
    first = ratios[0]
    if any(abs(r - first) > 1e-25 * max(abs(first), 1) for r in ratios) or abs(first - 1) < 1e-25:
        return None
    k = sympy.nsimplify(first, [sympy.pi, sympy.E], tolerance=1e-25, rational=False)
    if k == 0:
        return None
    return factor_finding(k)


def chain_rule(e, c, ctx):
    """The claim misses (or adds) the derivative of an inner function."""
    for inner, du in ctx.inner_derivatives():
        if du.is_number:
            continue  # a constant inner derivative is a constant factor, found before
        if _same(e, c * du, ctx):
            return Finding("chain_rule", f"missing chain-rule factor: the derivative of the inner function "
                                         f"{to_text(inner)}, which is {to_text(du)}")
        if _same(c, e * du, ctx):
            return Finding("chain_rule", f"an extra factor {to_text(du)} (the derivative of {to_text(inner)}) "
                                         "that does not belong")
    return None


def missing_factor(e, c, ctx):
    """A factor of the derivative left out, or one too many: "the factor b is missing" (not the whole
    derivative: a claim 1 for sign(x) holds only where x > 0, said by `assumption`)."""
    if c.is_number or e.is_number:
        return None
    for m in sympy.Mul.make_args(e):
        if not m.is_number and m != e and _same(e, c * m, ctx):
            return Finding("factor", f"the factor {to_text(_plain(m))} is missing", ("missing factor", m))
    for m in sympy.Mul.make_args(c):
        if not m.is_number and _same(c, e * m, ctx):
            return Finding("factor", f"an extra factor {to_text(_plain(m))} (not part of the derivative)",
                           ("extra factor", m))
    return None


def _plain(m):
    """sigmoid(-u) as a student writes it: 1 - sigmoid(u)."""
    return m.replace(lambda t: isinstance(t, sigmoid) and t.args[0].could_extract_minus_sign(),
                     lambda t: 1 - sigmoid(-t.args[0]))


def additive_term(e, c, ctx):
    """The claim misses a term of the derivative, or has one too many, or one term is wrong:
    the terms as written first ((1 - y)/(1 - p) whole), then expanded."""
    difference = ctx.tidy(e - c)
    for split in (lambda t: sympy.Add.make_args(t), lambda t: sympy.Add.make_args(sympy.expand(t))):
        found = _term_finding(split(e), split(c), difference, ctx)
        if found:
            return found
    return None


def _term_finding(terms_e, terms_c, difference, ctx):
    missing = [t for t in terms_e if not any(_same(t, s, ctx) for s in terms_c)]
    extra = [t for t in terms_c if not any(_same(t, s, ctx) for s in terms_e)]
    if missing and not extra and len(missing) < len(terms_e) and _same(sum(missing), difference, ctx):
        what = "a term is" if len(missing) == 1 else "terms are"
        return Finding("missing_term", f"{what} missing: {to_text(sum(missing))}")
    if extra and not missing and len(extra) < len(terms_c) and _same(-sum(extra), difference, ctx):
        what = "an extra term" if len(extra) == 1 else "extra terms"
        return Finding("extra_term", f"{what}: {to_text(sum(extra))} (not part of the derivative)")
    if len(missing) == 1 and len(extra) == 1 and len(terms_e) > 1 and _same(missing[0] - extra[0], difference, ctx):
        if _same(missing[0], -extra[0], ctx):
            return Finding("sign", f"the sign of the term {to_text(missing[0])} is flipped: the claim has "
                                   f"{to_text(extra[0])}")
        return Finding("other", f"the term {to_text(missing[0])} is wrong: the claim has {to_text(extra[0])} instead")
    return None


def assumption(e, c, ctx):
    """The claim is right on part of the domain only: name the condition."""
    for s in ctx.symbols:
        if s.is_positive or s.is_nonnegative:
            continue

        def only_positive(point, s=s):
            point = dict(point)
            point[s] = abs(point[s])
            return point

        def only_negative(point, s=s):
            point = dict(point)
            point[s] = -abs(point[s])
            return point

        if _same(e, c, ctx, restrict=only_positive, points=_CONDITION_POINTS):
            return Finding("needs_assumption", f"holds only if {s.name} > 0")
        if _same(e, c, ctx, restrict=only_negative, points=_CONDITION_POINTS):
            return Finding("needs_assumption", f"holds only if {s.name} < 0")
    for condition, restrict in ctx.constraints():
        if _same(e, c, ctx, restrict=restrict, points=_CONDITION_POINTS):
            return Finding("needs_assumption", f"holds only if {condition}")
    return None


def difference(e, c, ctx):
    return Finding("other", f"expected {to_text(e)}, the claim has {to_text(c)} "
                            f"(they differ by {to_text(ctx.tidy(e - c))})")


RULES = (constant_factor, chain_rule, missing_factor, additive_term, assumption, difference)


def explain(e, c, ctx):
    """The `Finding` of the first rule that recognizes the mistake in entry (e expected, c claimed)."""
    for rule in RULES:
        found = rule(e, c, ctx)
        if found:
            return found
    return None
