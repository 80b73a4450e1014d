"""derive.check with kind="taylor" and kind="directional": a claimed Taylor polynomial or directional
derivative against derive's validated one, with the slip named.  Expected answers are by hand."""

import pytest
import sympy

import derive
from derive.check.sheet import grade
from derive.errors import DeriveError
from derive.text.latex import using_syntax


@pytest.mark.parametrize("f, at, order, claim, mistake, words", [
    ("exp(x)", 0, 2, "1 + x + x**2/2", None, "term by term"),
    ("exp(x)", 0, 2, "1 + x + x**2", "factor", "1/2! of the order-2 term is missing"),
    ("exp(x)", 0, 3, "1 + x + x**2/2 + x**3", "factor", "1/3! of the order-3 term is missing"),
    ("exp(x)", 0, 2, "1 + x + x**2/2 + x**3/6", "extra_term", "past order 2"),
    ("cos(x)", 0, 2, "1 + x**2/2", "sign", "the sign is wrong"),
    ("sqrt(x)", 4, 2, "2 + (x - 4)/4", "missing_term", "-(x - 4)**2/64 is missing"),
    ("sqrt(x)", 4, 1, "2 + x/4", "other", "where (x - a) belongs"),
    ("exp(x)", 1, 1, "1 + x", "other", "expansion at 0"),
    ("log(1 + x)", 0, 3, "x - x**2/2 + x**3/3", None, "term by term"),
    ("sin(x)", 0, 3, "x - x**3/3", "factor", "off by the factor 2"),
])
def test_taylor_claims(f, at, order, claim, mistake, words):
    v = derive.check(f, "x", claim, kind="taylor", at=at, order=order)
    assert v.mistake == mistake and v.ok == (mistake is None) and words in v.explanation
    if not v.ok:  # a point one step from a where the two polynomials differ
        assert v.counterexample is not None and v.values[0] != v.values[1]


def test_taylor_in_two_variables_three_ways():
    # x**2*y + exp(x*y) at (1, 0): f = 1, grad = (0, 2), H = [[0, 3], [3, 1]]
    right = "1 + 2*y + 3*(x - 1)*y + y**2/2"
    x, y = sympy.symbols("x y")
    by_text = derive.check("x**2*y + exp(x*y)", "x y", right, kind="taylor", at=[1, 0])
    by_sympy = derive.check(x**2 * y + sympy.exp(x * y), [x, y], 1 + 2 * y + 3 * (x - 1) * y + y**2 / 2,
                            kind="taylor", at={x: 1, y: 0})
    mixed = derive.check(x**2 * y + sympy.exp(x * y), "x y", right, kind="taylor", at=["1", 0])
    assert by_text.ok and by_sympy.ok and mixed.ok
    wrong = derive.check("x**2*y + exp(x*y)", "x y", "1 + 2*y + 6*(x - 1)*y + y**2", kind="taylor", at=[1, 0])
    assert wrong.mistake == "factor" and "1/2!" in wrong.explanation
    with using_syntax("latex"):
        latex = derive.check(r"e^{x}", "x", r"1 + x + \frac{x^{2}}{2}", kind="taylor", at=0, order=2)
    assert latex.ok


@pytest.mark.parametrize("claim, mistake, words", [
    ("16/5", None, "16/5"),
    ("3.2", None, "16/5"),
    ("16", "factor", "not divided by |u| = 5"),
    ("-16/5", "sign", "wrong sign"),
    ("sqrt(17)", "wrong_kind", "steepest rate"),
    ("4", "other", "not 4"),
])
def test_directional_claims(claim, mistake, words):
    # f = x**2*y at (1, 2): grad = (4, 1); u = (3, 4), |u| = 5: (12 + 4)/5 = 16/5
    v = derive.check("x**2*y", "x y", claim, kind="directional", at=[1, 2], u=[3, 4])
    assert v.mistake == mistake and v.ok == (mistake is None) and words in v.explanation
    assert v.expected == sympy.Rational(16, 5)


def test_directional_with_sympy_objects_and_a_unit_u():
    # f = x*y*z at (1, 2, 3): grad = (6, 3, 2); u = (1, 2, 2)/3 is a unit vector: (6 + 6 + 4)/3 = 16/3
    x, y, z = sympy.symbols("x y z")
    u = [sympy.Rational(1, 3), sympy.Rational(2, 3), sympy.Rational(2, 3)]
    assert derive.check(x * y * z, [x, y, z], sympy.Rational(16, 3), kind="directional", at=[1, 2, 3], u=u).ok
    assert derive.check(x * y * z, "x y z", "16/3", kind="directional", at=[1, 2, 3], u=["1/3", "2/3", "2/3"]).ok
    wrong = derive.check(x * y * z, [x, y, z], sympy.Rational(11, 3), kind="directional", at=[1, 2, 3], u=u)
    assert wrong.mistake == "other" and "16/3, not 11/3" in wrong.explanation


def test_bad_input_is_one_line():
    for kw, message in [(dict(kind="taylor"), "needs the point"),
                        (dict(kind="directional", at=[1, 2]), "takes at= and u="),
                        (dict(kind="taylor", at=[1, 2], u=[1, 1]), "u= belongs"),
                        (dict(kind="grad", at=[1, 2]), "belong to kind='taylor'"),
                        (dict(kind="directional", at=[1, 2], u=[0, 0]), "nonzero")]:
        with pytest.raises(DeriveError, match=message) as info:
            derive.check("x**2*y", "x y", "1", **kw)
        assert "\n" not in str(info.value)


def test_sheet_with_taylor_and_directional(tmp_path):
    sheet = tmp_path / "sheet.toml"
    sheet.write_text('''title = "expansions"
[[problem]]
f = "exp(x)"
wrt = "x"
kind = "taylor"
at = 0
order = 2
claim = "1 + x + x**2/2"
[[problem]]
f = "x**2*y"
wrt = "x y"
kind = "directional"
at = [1, 2]
u = [3, 4]
claim = "16"
[[problem]]
f = "x"
wrt = "x"
kind = "taylor"
at = 0
order = "two"
claim = "x"
''')
    results = grade(sheet).results
    assert results[0].verdict.ok and results[1].verdict.mistake == "factor"
    assert "whole number" in results[2].error


def test_review_cases():
    # a right polynomial written unsimplified was an IndexError
    assert derive.check("exp(x)", "x", "(sin(1)**2 + cos(1)**2) + x", kind="taylor", at=0, order=1).ok
    # decimals: right when rounded from the value (sqrt(2) along (1, 1) at (1, 1)), at least 3 digits
    for claim, ok in [("1.4142135623730951", True), ("1.414", True), ("1.41", True), ("1.4", False), ("1.5", False)]:
        assert derive.check("x*y", "x y", claim, kind="directional", at=[1, 1], u=[1, 1]).ok is ok, claim
