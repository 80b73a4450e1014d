"""derive.check with kind="antiderivative" and kind="integral" (issue 24, "Checks").

A claimed antiderivative is right when its derivative is f on f's domain, whatever constant it
adds; a wrong one is named (factor, sign, domain, missing_term, extra_term, wrong_kind, other)
with a point where the claim's derivative and f differ.  A claimed definite value is compared
with derive.integrate's, and a wrong one is named the same way.
"""

import re
import time

import sympy
import pytest

import derive
from derive.check.integrals import antiderivative as check_integrals
from derive.check.sheet import grade
from derive.errors import DeriveError, ParseError, ShapeError
from derive.validation.equivalence import Comparison

x, C = sympy.symbols("x C")


def antiderivative(f, claim, **kw):
    return derive.check(f, "x" if isinstance(f, str) else x, claim, kind="antiderivative", **kw)


def integral(f, claim, a, b, **kw):
    return derive.check(f, "x" if isinstance(f, str) else x, claim, kind="integral", a=a, b=b, **kw)


# each mistake, written as text, SymPy, the two mixed, and LaTeX
MISTAKES = {
    "factor": ("cos(3*x)", "sin(3*x)", sympy.cos(3 * x), sympy.sin(3 * x), r"\cos(3x)", r"\sin(3x)"),
    "sign": ("x*exp(-x**2)", "exp(-x**2)/2", x * sympy.exp(-x ** 2), sympy.exp(-x ** 2) / 2,
             r"x e^{-x^2}", r"\frac{1}{2} e^{-x^2}"),
    "domain": ("1/x", "log(x)", 1 / x, sympy.log(x), r"\frac{1}{x}", r"\ln x"),
    "missing_term": ("x*exp(x)", "x*exp(x)", x * sympy.exp(x), x * sympy.exp(x), r"x e^{x}", r"x e^{x}"),
    "extra_term": ("x**2", "x**3/3 + x", x ** 2, x ** 3 / 3 + x, r"x^2", r"\frac{x^3}{3} + x"),
    "wrong_kind": ("exp(2*x)", "2*exp(2*x)", sympy.exp(2 * x), 2 * sympy.exp(2 * x), r"e^{2x}", r"2 e^{2x}"),
    # each factor integrated on its own
    "other": ("x*cos(x)", "x**2*sin(x)/2", x * sympy.cos(x), x ** 2 * sympy.sin(x) / 2, r"x \cos x",
              r"\frac{x^2}{2} \sin x"),
}
FORMS = {"text": (0, 1), "sympy": (2, 3), "mixed": (0, 3), "mixed2": (2, 1), "latex": (4, 5)}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_named_from_every_kind_of_input(mistake, form):
    i, j = FORMS[form]
    f, claim = MISTAKES[mistake][i], MISTAKES[mistake][j]
    v = antiderivative(f, claim)
    assert (v.status, v.mistake, v.kind) == ("wrong", mistake, "antiderivative"), str(v)
    point = v.counterexample
    assert point, str(v)
    # the values are f and the claim's derivative there, and they differ (the claim undefined: domain)
    fx = sympy.sympify(MISTAKES[mistake][2]).subs(x, point[next(iter(point))])
    assert abs(sympy.N(fx - v.values[0])) < 1e-10
    if mistake == "domain":
        assert v.values[1] is None
    else:
        dF = sympy.diff(MISTAKES[mistake][3], x).subs(x, point[next(iter(point))])
        assert abs(sympy.N(dF - v.values[1])) < 1e-10 and abs(sympy.N(dF - fx)) > 1e-6


def test_the_explanations_say_what_went_wrong():
    v = antiderivative("cos(3*x)", "sin(3*x)")
    assert v.explanation == ("the derivative of the claim is 3 times f: a factor 1/3 from the inner function 3*x "
                             "is missing")
    assert antiderivative("cos(3*x)", "-sin(3*x)").explanation.endswith("is missing, and the sign is wrong")
    assert "power rule's 1/(n + 1) = 1/3" in antiderivative("x**2", "x**3").explanation
    assert antiderivative("x*exp(-x**2)", "exp(-x**2)/2").explanation.startswith(
        "the derivative of the claim is -f: the sign is wrong")
    v = antiderivative("1/x", "log(x)")
    assert v.explanation.startswith("the claim holds only where x > 0: on the domain of f, x takes negative values")
    assert v.explanation.endswith("write log|x|") and v.counterexample[next(iter(v.counterexample))] < 0
    v = antiderivative("x*exp(x)", "x*exp(x)")
    assert "a term is missing" in v.explanation and "claim - antiderivative = exp(x), up to a constant" in \
        v.explanation and "the claim's derivative has exp(x) more than f" in v.explanation
    assert "integration by parts" in v.explanation
    v = antiderivative("x*cos(x)", "x*sin(x) - cos(x)")
    assert v.mistake == "sign" and v.explanation.startswith("the term -cos(x) has the wrong sign")
    assert antiderivative("exp(2*x)", "2*exp(2*x)").explanation.startswith("the claim is f's derivative")
    v = antiderivative("sin(x)", "cos(x)")  # minus an antiderivative, and f's derivative as well
    assert v.mistake == "sign" and "also f's derivative" in v.explanation
    assert antiderivative("x**2", "5").explanation == "the claim is a constant: its derivative is 0, not f"
    assert antiderivative("2*x*cos(x**2)", "2*sin(x**2)").explanation.endswith(
        "a factor 1/2 is missing (from the substitution u = x**2, du = 2*x dx)")
    # the factor's source is derive's own step, not the power rule (OpenStax 5.6 #337, 5.7 #399)
    assert antiderivative("x**2*exp(-x**3)", "-exp(-x**3)").explanation.endswith(
        "a factor 1/3 is missing (from the substitution u = -x**3, du = -3*x**2 dx)")
    assert antiderivative("1/(9 + x**2)", "atan(x/3)").explanation.endswith(
        "a factor 1/3 is missing (the integral of 1/(x**2 + a**2) is atan(x/a)/a)")
    assert antiderivative("x**2", "x**3").explanation.endswith("the power rule's 1/(n + 1) = 1/3 is missing")


def test_a_constant_of_integration_is_right_and_said_so():
    v = antiderivative("x", "x**2/2 + 3")
    assert v.ok and v.explanation == ("differs from derive's antiderivative x**2/2 by the constant 3 "
                                      "(a constant of integration)")
    assert antiderivative("x", "x**2/2 - pi").explanation.endswith("by the constant -pi (a constant of integration)")
    v = antiderivative("cos(3*x)", "sin(3*x)/3 + C")
    assert v.ok and v.explanation.endswith("; C is the constant of integration")
    assert antiderivative(sympy.cos(3 * x), sympy.sin(3 * x) / 3 + C).ok
    assert antiderivative("cos(3*x)", "sin(3*x)/3 - c").explanation.endswith("c is the constant of integration")
    assert antiderivative("a*x", "a*x**2/2 + C").ok  # a parameter of f is not a constant of integration
    assert antiderivative("a*x", "a*x**2/2 + a").ok  # ... but a constant in x may be added
    assert antiderivative("cos(3*x)", "sin(3*x) + C").mistake == "factor"  # "+ C" rescues no wrong claim
    # sin(x)**2/2 and -cos(x)**2/2 differ by 1/2
    assert antiderivative("sin(x)*cos(x)", "sin(x)**2/2").explanation.endswith("by the constant 1/2 (a constant "
                                                                               "of integration)")
    # different constants on the two sides of 0, where f is undefined: still an antiderivative
    v = antiderivative("1/x**2", "-1/x + heaviside(x)")
    assert v.ok and "a constant on each interval of f's domain" in v.explanation
    assert antiderivative("1/x", "log(abs(x)) + sign(x)").ok


def test_a_claim_that_jumps_where_f_is_continuous_is_wrong():
    """F' = f wherever F has a derivative is not enough: F(beta) - F(alpha) must be the integral of f."""
    v = antiderivative("1", "x + heaviside(x)")
    assert (v.status, v.mistake) == ("wrong", "other")
    assert v.explanation.startswith("the claim jumps at x = 0, where f is continuous: F(1/3) - F(-1/2) = 11/6, "
                                    "but the integral of f over [-1/2, 1/3] is 5/6")
    assert {s.name: value for s, value in v.counterexample.items()} == {"x": 0}
    assert antiderivative("2*x", "x**2 + sign(x)").explanation.startswith("the claim jumps at x = 0")
    # the Weierstrass substitution without its correction: tan(x/2) has poles at odd multiples of pi
    v = antiderivative("1/(2 + cos(x))", "2/sqrt(3)*atan(tan(x/2)/sqrt(3))")
    assert not v.ok and "jumps at x = " in v.explanation and "pi" in v.explanation.split(",")[0]
    assert "a constant on each interval" not in v.explanation
    # ... and with it the claim is right, and not said to differ "on each interval" (f's domain is all of R)
    v = antiderivative("1/(2 + cos(x))", "2/sqrt(3)*(atan(tan(x/2)/sqrt(3)) + pi*floor((x + pi)/(2*pi)))")
    assert v.ok and "on each interval" not in v.explanation, v.explanation
    # atan(1/x) jumps by pi at 0, where 1/(1 + x**2) is continuous
    v = antiderivative("1/(1 + x**2)", "-atan(1/x)")
    assert not v.ok and v.explanation.startswith("the claim jumps at x = 0")
    v = antiderivative("1/(1 + x**2)", "-atan(1/x)", symbols="x: positive")  # on x > 0 it is right
    assert v.ok and "by the constant" in v.explanation


def test_log_of_the_absolute_value():
    assert antiderivative("1/x", "log(abs(x))").ok
    assert antiderivative("1/x", r"\ln|x| + C").ok
    assert antiderivative(1 / x, sympy.log(sympy.Abs(x))).ok
    assert antiderivative("1/x", "log(x)", symbols="x: positive").ok  # on x > 0 log(x) is right
    assert antiderivative("1/x", "log(-x)", symbols="x: negative").ok
    v = antiderivative("tan(x)", "-log(cos(x))")
    assert v.mistake == "domain" and "write log|cos(x)|" in v.explanation
    v = antiderivative("1/(x**2 - 1)", "log((x - 1)/(x + 1))/2")
    assert v.mistake == "domain" and "write log|(x - 1)/(x + 1)|" in v.explanation
    assert antiderivative("1/(x**2 - 1)", "log(abs((x - 1)/(x + 1)))/2").ok
    # log(x) with another mistake as well: the terms speak
    assert antiderivative("1/x", "log(x) + x").mistake == "extra_term"


def test_a_log_negative_only_far_out_is_caught():
    """Random points stay within about +-80: points far out and beside the argument's roots are tried too."""
    v = antiderivative("1/(x + 100)", "log(x + 100)")
    assert v.mistake == "domain" and v.explanation.endswith("write log|x + 100|")
    assert next(iter(v.counterexample.values())) < -100 and v.values[1] is None
    v = antiderivative("2*x/(x**2 - 10000)", "log(10000 - x**2)")
    assert v.mistake == "domain" and v.explanation.startswith("the claim holds only where 10000 - x**2 > 0")
    assert abs(next(iter(v.counterexample.values()))) > 100
    assert antiderivative("2*x/(x**2 - 10000)", "log(abs(x**2 - 10000))").ok
    assert antiderivative("1/(x + 100)", "log(x + 100)", symbols="x: positive").ok
    assert antiderivative("1/(x + 10**6 + 1)", "log(x + 10**6 + 1)").mistake == "domain"  # a root's neighbour


def test_values_in_messages_are_short():
    v = antiderivative("tan(x)", "-log(cos(x))")
    shown = re.search(r"takes negative values \((\S+) at ", v.explanation)[1]
    assert "/" not in shown and len(shown.lstrip("-").replace(".", "")) <= 13, v.explanation
    assert abs(float(shown) - float(sympy.cos(sympy.Rational(19, 5)))) < 1e-11
    # a 40-digit value is no exact number, whatever fraction nsimplify finds for it
    assert check_integrals._exact_number(sympy.Float("-0.7909677119144166999965681743507251864017", 40)) is None
    assert check_integrals._exact_number(sympy.Rational(12345678, 10**7)) is None
    assert check_integrals._exact_number(sympy.N(sympy.pi / 4, 40)) == sympy.pi / 4
    assert check_integrals._exact_number(sympy.Rational(3, 7)) == sympy.Rational(3, 7)


def test_a_wrong_claim_is_not_kept_waiting_for_derives_antiderivative(monkeypatch):
    start = time.monotonic()
    v = antiderivative("1/(x**5 + x - 1)", "log(x)")  # SymPy's antiderivative takes 18 s (a RootSum)
    assert v.mistake == "other" and v.explanation.startswith("the claim's derivative is 1/x")
    assert time.monotonic() - start < check_integrals.EXPECTED_SECONDS + 2

    def slow(*args, **kwargs):
        time.sleep(60)

    monkeypatch.setattr(check_integrals, "integral_of", slow)
    start = time.monotonic()
    v = antiderivative("cos(3*x)", "sin(3*x)")
    assert v.mistake == "factor" and v.expected is None
    assert v.explanation.endswith("a factor 1/3 from the inner function 3*x is missing")
    assert time.monotonic() - start < check_integrals.EXPECTED_SECONDS + 1.5


def test_the_validator_cannot_be_fooled():
    # x**2 (x - 1)**2 has slope 0 at x = 0, 1/2 and 1: F' = f there, and nowhere else
    F = "x**3/3 + x**2*(x - 1)**2"
    assert all(sympy.diff(sympy.sympify(F), x).subs(x, p) == p ** 2 for p in (0, sympy.Rational(1, 2), 1))
    v = antiderivative("x**2", F)
    assert not v.ok and v.mistake == "extra_term"
    # a wrong claim that differs from a right one by a tiny term
    assert not antiderivative("x**2", "x**3/3 + x/10**20").ok
    assert not integral("x**2", "1/3 + 1/10**20", 0, 1).ok


def test_the_slope_of_the_claims_values_decides_too(monkeypatch):
    """A broken comparison (SymPy says F' = f) must not pass a wrong claim: F's slope from its values
    alone, and its domain, are checked as well."""
    monkeypatch.setattr(check_integrals, "compare", lambda *a, **k: Comparison(True, "symbolic: broken"))
    v = antiderivative("x**2", "x**3/3 + x**2*(x - 1)**2")
    assert not v.ok and "slope" in v.explanation
    assert antiderivative("1/x", "log(x)").mistake == "domain"
    assert antiderivative("x**2", "x**3/3").ok
    # the slope is known to 35 digits and more: a claim 1e-15 off is caught (1e-12 let it through)
    v = antiderivative("x**2", "x**3/3 + x/10**15")
    assert not v.ok and "slope" in v.explanation


def test_claims_and_problems_in_any_input_form():
    assert antiderivative(r"\cos(3x)", r"\frac{1}{3}\sin(3x) + C").ok
    assert antiderivative("cos(3*x)", sympy.sin(3 * x) / 3).ok
    assert antiderivative(sympy.cos(3 * x), "sin(3*x)/3").ok
    assert derive.check("cos(3*x)", None, "sin(3*x)/3", kind="antiderivative").ok  # one variable: x
    assert antiderivative("3", "3*x").ok  # f without x
    v = antiderivative("cos(3*x)", "sin(u)/3", let="u = 3*x")
    assert v.ok and v.definitions and str(v.as_written) == "sin(u)/3"
    v = antiderivative(sympy.cos(3 * x), sympy.sin(3 * x))
    assert v.expected == sympy.sin(3 * x) / 3 and v.claimed == sympy.sin(3 * x)
    assert set(v.counterexample) == {x}  # the user's own symbol, not derive's real one
    assert antiderivative("cos(a*x)", "sin(a*x)").explanation.endswith(
        "a factor 1/a from the inner function a*x is missing")


def test_a_function_without_closed_form_is_checked_by_its_derivative():
    v = antiderivative("x**x", "x**x")
    assert v.mistake == "other" and v.expected is None and "x**x*(log(x) + 1)" in v.explanation
    assert "(no closed form found)" in str(v) and v.to_dict()["expected"] is None


def test_definite_integrals():
    v = integral("x**2", "1/3", 0, 1)
    assert v.ok and v.kind == "integral" and v.expected == sympy.Rational(1, 3)
    assert v.to_dict()["bounds"] == ["0", "1"]
    assert integral("x**2", r"\frac{1}{3}", 0, 1).ok
    assert integral(x ** 2, sympy.Rational(1, 3), 0, 1).ok
    assert integral("exp(-x**2)", "sqrt(pi)", "-oo", "oo").ok
    assert integral(sympy.exp(-x ** 2), r"\sqrt{\pi}", -sympy.oo, sympy.oo).ok
    assert integral("cos(x)", "1", 0, "pi/2").ok
    assert integral("1/x**2", "oo", 0, 1).ok  # diverges, and the claim says so
    assert integral("1/x**2", "1", 0, 1).explanation.startswith("the integral diverges")
    assert integral("a*x", "a*b**2/2", 0, "b").ok
    assert integral("sin(x)", 2.0, 0, "pi").ok


def test_decimal_claims_are_right_to_the_digits_given():
    v = integral("exp(-x**2)", "0.7468", 0, 1)
    assert v.ok and v.explanation.startswith("right to the 4 decimals given: the integral is sqrt(pi)*erf(1)/2")
    assert integral("exp(-x**2)", 0.7468, 0, 1).ok
    assert not integral("exp(-x**2)", "0.7467", 0, 1).ok
    assert not integral("exp(-x**2)", "0.74", 0, 1).ok
    assert not integral("exp(-x**2)", "0.75", 0, 1).ok  # two digits: too coarse to be judged as rounded
    assert integral("x**2", "0.333", 0, 1).ok and not integral("x**2", "0.33", 0, 1).ok
    assert integral("x", "0.5", 0, 1).explanation == "the integral is 1/2"  # exact


def test_a_numerical_value_without_closed_form():
    assert integral("x**x", "2.0504462345347", 1, 2).ok
    v = integral("x**x", "2.05", 1, 2)
    assert v.ok and v.explanation == "right to the 2 decimals given: the integral is 2.050446234534731"
    v = integral("x**x", "2.1", 1, 2)
    assert not v.ok and "the integral is 2.05044623453" in v.explanation


def test_wrong_definite_values_are_named():
    v = integral("x**2", "-1/3", 0, 1)
    assert v.mistake == "sign" and "bounds swapped" in v.explanation and "the claim -1/3 is off by -2/3" in \
        v.explanation
    v = integral("x**2", "2/3", 0, 1)
    assert v.mistake == "factor" and v.explanation.startswith("the claim is 2 times the integral: the integral is 1/3")
    v = integral("x**2", "8/3", 1, 2)
    assert v.mistake == "missing_term" and "F(a) was not subtracted" in v.explanation
    assert integral("x**2", "3", 1, 2).explanation.startswith("the claim is F(b) + F(a)")
    assert integral("x**2", "3", 1, 2).mistake == "sign"
    assert integral("x", "1", 1, 2).mistake == "wrong_kind"  # f(b) - f(a)
    v = integral("x**3", "2", 1, 2)
    assert v.mistake == "other" and v.explanation == "the integral is 15/4; the claim 2 is off by -7/4"
    assert v.values == (sympy.Rational(15, 4), 2)
    v = integral("a*x", "a", 0, 1)
    assert v.mistake == "factor" and v.explanation == "the claim is 2 times the integral: the integral is a/2, not a"
    assert integral("exp(-x**2)", "-sqrt(pi)", "-oo", "oo").mistake == "sign"


def test_a_value_that_holds_under_a_condition_is_compared_there():
    """exp(-a*x) on [0, oo) converges only for a > 0, where 1/abs(a) = 1/a."""
    v = integral("exp(-a*x)", "1/abs(a)", 0, "oo")
    assert v.ok and v.explanation.startswith("the integral is 1/a where a > 0"), v.explanation
    assert integral("exp(-a*x)", "1/a", 0, "oo").ok
    v = integral("exp(-a*x)", "2/abs(a)", 0, "oo")
    assert v.mistake == "factor" and v.explanation.startswith("the claim is 2 times the integral")
    assert not integral("exp(-a*x)", "-1/abs(a)", 0, "oo").ok


def test_an_infinite_claim_for_a_convergent_integral_is_wrong():
    v = integral("exp(-x)", "oo", 0, "oo")
    assert (v.status, v.mistake) == ("wrong", "other") and v.explanation == "the integral converges to 1"
    assert not integral("exp(-x)", sympy.oo, 0, "oo").ok and not integral("exp(-x)", float("inf"), 0, "oo").ok
    assert integral("exp(-x)", "1", 0, float("inf")).ok


def test_f_at_the_bounds_is_no_diagnosis_when_derives_constant_decides_it():
    """derive's F for 1/(2 + cos(x)) has F(0) = 0 and a floor: the claim 0 is not "F(b) alone"."""
    v = integral("1/(2 + cos(x))", "0", 0, "2*pi")
    assert v.mistake == "other" and "F(a)" not in v.explanation and "f(b)" not in v.explanation
    assert v.explanation.startswith("the integral is 2*sqrt(3)*pi/3")
    assert integral("x**2", "8/3", 1, 2).mistake == "missing_term"  # a textbook F, F(1) = 1/3: it stays


@pytest.mark.parametrize("call, message", [
    (lambda: derive.check("x", "x", "1/2", kind="integral"), "needs both bounds"),
    (lambda: derive.check("x", "x", "1/2", kind="integral", a=0), "needs both bounds"),
    (lambda: derive.check("x", "x", "x**2/2", kind="antiderivative", a=0, b=1), "has no bounds"),
    (lambda: derive.check("x**2", "x", "2*x", a=0, b=1), "belong to kind='integral'"),
    (lambda: derive.check("x", "x", "1", kind="integral", a=0, b="x"), "uses the variable of integration"),
    (lambda: derive.check("x*y", "x y", "1", kind="antiderivative"), "one variable of integration"),
    (lambda: derive.check("x", "x", "[1, 2]", kind="antiderivative"), "an antiderivative is a scalar"),
    (lambda: derive.check("x", "x", "x**2/2 +", kind="antiderivative"), ""),
    (lambda: derive.check("x", "x", "(x**2", kind="integral", a=0, b=1), ""),
])
def test_bad_input_is_a_one_line_error(call, message):
    with pytest.raises(DeriveError) as info:
        call()
    assert message in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, (DeriveError, ParseError, ShapeError))


def test_a_sheet_with_integrals(tmp_path):
    sheet = tmp_path / "integrals.toml"
    sheet.write_text('''title = "integrals"

[[problem]]
name = "parts"
f = "x*exp(x)"
wrt = "x"
claim = "x*exp(x) - exp(x) + C"
kind = "antiderivative"

[[problem]]
name = "inner"
f = "cos(3*x)"
wrt = "x"
claim = "\\\\sin(3x)"
kind = "antiderivative"

[[problem]]
name = "area"
f = "x**2"
wrt = "x"
claim = 0.3333
kind = "integral"
a = 0
b = 1

[[problem]]
name = "swapped"
f = "x**2"
wrt = "x"
claim = "-7/3"
kind = "integral"
a = 1
b = 2

[[problem]]
name = "gauss"
f = "exp(-x**2)"
wrt = "x"
claim = "sqrt(pi)"
kind = "integral"
a = "-oo"
b = "oo"

[[problem]]
name = "no bounds"
f = "x"
wrt = "x"
claim = "1/2"
kind = "integral"
''')
    grades = grade(sheet)
    got = {r.name: (r.status, r.verdict.mistake if r.verdict else r.error) for r in grades.results}
    assert got["parts"] == ("correct", None)
    assert got["inner"] == ("wrong", "factor")
    assert got["area"] == ("correct", None)
    assert got["swapped"] == ("wrong", "sign")
    assert got["gauss"] == ("correct", None)
    assert got["no bounds"][0] == "error" and "needs both bounds" in got["no bounds"][1]
    assert grades.correct == 3 and grades.exit_code == 2
    assert "a factor 1/3 from the inner function 3*x is missing" in str(grades)


def test_verdicts_print_and_serialize():
    v = antiderivative("cos(3*x)", "sin(3*x)")
    text = str(v)
    assert text.startswith("WRONG: the derivative of the claim is 3 times f")
    assert "expected: sin(3*x)/3 + C" in text and "the claim's derivative = " in text
    d = v.to_dict()
    assert d["kind"] == "antiderivative" and d["mistake"] == "factor" and d["bounds"] is None
    assert str(integral("x**2", "1/3", 0, 1)).startswith("CORRECT: the integral is 1/3")
    assert v._repr_latex_().startswith("$$")
