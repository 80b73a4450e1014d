"""Published calculus exercises against derive (issue 24): the odd-numbered exercises of OpenStax
Calculus Volumes 1-3 whose answers the books print, in tests/data/calculus_exercises.toml (its
header says where each comes from and what every field means).

derive must reproduce each published answer: an antiderivative up to a constant (compared here
by value, not by derive's own checker), a definite integral, a Taylor polynomial and a
directional derivative exactly.  derive.check must accept the published answer and every other
form the book prints, and reject each typical wrong answer with the mistake named; "constant"
marks an answer that is right up to a constant of integration: accepted, and said so.
"""

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest
import sympy

import derive

DATA = Path(__file__).parent / "data" / "calculus_exercises.toml"
DIGITS = 30


def load(kind=None, *, published_only=False):
    """The exercises as dicts, optionally of one kind ("antiderivative", "integral", "taylor",
    "directional") or only those whose answer is published (not worked out here)."""
    with DATA.open("rb") as fh:
        exercises = tomllib.load(fh)["exercise"]
    return [e for e in exercises
            if (kind is None or e["kind"] == kind) and (not published_only or e.get("published", True))]


def _id(e):
    found = re.search(r"Volume (\d), (\d+\.\d+) .*?exercises? (\d+)", e["source"])
    where = f"V{found[1]}-{found[2]}-{found[3]}" if found else "worked"
    return f"{where}:{e['f']}"


def _real(expr):
    """expr with each symbol real and known by its name alone: derive's results carry the
    assumptions their functions chose, the published answers parsed from text carry none, and
    Abs only differentiates to sign(u)*u' for a real u."""
    return expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols})


def _parse(text):
    return _real(derive.parse(text))


def _equal(found, published):
    return sympy.simplify(_real(found) - published) == 0


def _differ_by_a_constant(F, G, x, interval):
    """F - G has slope 0 and one value at points spread over `interval`, a piece of f's domain
    (antiderivatives may differ by a different constant on each piece, as log|x| does at 0)."""
    lo, hi = (derive.parse(t) for t in interval)
    points = [lo + (hi - lo) * sympy.Rational(k, 8) for k in (1, 3, 5, 7)]
    difference = F - G
    slope = sympy.diff(difference, x)
    values = [sympy.N(difference.subs(x, p), DIGITS) for p in points]
    for p, value in zip(points, values):
        assert abs(sympy.N(slope.subs(x, p), DIGITS)) < 1e-20, f"d/dx (F - G) != 0 at {x} = {p}"
        assert abs(value - values[0]) < 1e-20 * max(1, abs(values[0])), f"F - G not constant: {values}"


@pytest.mark.parametrize("e", load("antiderivative"), ids=_id)
def test_antiderivative_is_the_published_one_up_to_a_constant(e):
    found = derive.integrate(e["f"], e["x"])
    assert found.antiderivative is not None, f"no antiderivative ({found.method})"
    x = sympy.Symbol(e["x"], real=True)
    _differ_by_a_constant(_real(found.antiderivative), _parse(e["answer"]), x, e["interval"])
    for answer in [e["answer"], *e.get("accepted", [])]:
        verdict = derive.check(e["f"], e["x"], answer, kind="antiderivative")
        assert verdict.ok, f"{answer}: {verdict.explanation}"


TYPICAL = [(e, w) for e in load("antiderivative") for w in e.get("wrong", [])]


@pytest.mark.parametrize(("e", "wrong"), TYPICAL, ids=[f"{_id(e)}~{w['answer']}" for e, w in TYPICAL])
def test_typical_wrong_antiderivative_is_named(e, wrong):
    verdict = derive.check(e["f"], e["x"], wrong["answer"], kind="antiderivative")
    if wrong["mistake"] == "constant":
        assert verdict.ok and "constant" in verdict.explanation, verdict.explanation
    else:
        assert not verdict.ok, f"accepted a typical slip ({wrong['note']})"
        assert verdict.mistake == wrong["mistake"], verdict.explanation


@pytest.mark.parametrize("e", load("integral"), ids=_id)
def test_definite_integral_is_the_published_value(e):
    found = derive.integrate(e["f"], e["x"], e["a"], e["b"])
    assert found.value is not None, f"no exact value ({found.method}: {found.numeric})"
    assert _equal(found.value, _parse(e["answer"])), found.value
    assert derive.check(e["f"], e["x"], e["answer"], kind="integral", a=e["a"], b=e["b"]).ok
    for wrong in e.get("wrong", []):
        verdict = derive.check(e["f"], e["x"], wrong["answer"], kind="integral", a=e["a"], b=e["b"])
        assert not verdict.ok, f"accepted {wrong['answer']} ({wrong['note']})"


@pytest.mark.parametrize("e", load("taylor"), ids=_id)
def test_taylor_polynomial_is_the_published_one(e):
    expansion = derive.taylor(e["f"], e["wrt"], e["at"], e["order"])
    assert sympy.expand(_real(expansion.polynomial) - _parse(e["answer"])) == 0, expansion.polynomial


@pytest.mark.parametrize("e", load("directional"), ids=_id)
def test_directional_derivative_is_the_published_value(e):
    found = derive.directional(e["f"], e["wrt"], e["at"], e["u"])
    if "answer" in e:
        assert _equal(found.value, _parse(e["answer"])), found.value
    if "max_rate" in e:
        assert _equal(found.rate, _parse(e["max_rate"])), found.rate
    for wrong in e.get("wrong", []):  # u not normalised: derive must divide by |u|
        assert not _equal(found.value, _parse(wrong["answer"]))


def test_the_corpus_is_published_and_mixed():
    published = load(published_only=True)
    kinds = Counter(e["kind"] for e in published)
    assert len(published) >= 50
    assert kinds["antiderivative"] >= 25 and kinds["integral"] >= 10
    assert kinds["taylor"] >= 5 and kinds["directional"] >= 5
    assert any(e.get("improper") for e in published if e["kind"] == "integral")
    assert sum(1 for e in published if e["kind"] == "antiderivative" and e.get("wrong")) >= 20
    assert all(e["url"].startswith("https://openstax.org/books/") and "exercise" in e["source"] for e in published)
