"""derive.integrate: antiderivatives and definite integrals, checked before they are shown.

Every expected value here is written by hand (a textbook antiderivative, a known definite
integral); an antiderivative is compared up to a constant by differentiating the difference.
"""

import json
import math

import pytest
import sympy
from sympy import Abs, Rational, log, oo, pi, sqrt

import derive
from derive.analysis import antiderivative, definite_integral, integrals
from derive.errors import DeriveError, ValidationError
from derive.text.latex import using_syntax

x, y, a = sympy.symbols("x y a")


def same_up_to_constant(F, G, var):
    """F - G is constant: its derivative vanishes (exactly, or at 5 points to 1e-12)."""
    d = sympy.diff(F - G, var)
    if sympy.simplify(d) == 0:
        return True
    return all(abs(complex(d.subs(var, t).evalf(30))) < 1e-12 for t in (0.3, 0.7, 1.3, 2.9, 4.1))


def name(symbol):
    return symbol.name if isinstance(symbol, sympy.Symbol) else symbol


ANTIDERIVATIVES = [  # (f, an antiderivative by hand, the named rule manualintegrate reports, or None)
    ("x*exp(x)", (x - 1) * sympy.exp(x), "integration by parts"),
    ("x*(1 - x**2)**3", -(1 - x**2) ** 4 / 8, "substitution"),
    ("1/(x**2 - 1)", log(Abs(x - 1)) / 2 - log(Abs(x + 1)) / 2, "partial fractions"),
    ("cos(3*x)", sympy.sin(3 * x) / 3, "substitution"),
    ("1/(2*x + 3)", log(Abs(2 * x + 3)) / 2, "substitution"),
    ("log(x)", x * log(x) - x, "integration by parts"),
    ("exp(x)*sin(x)", sympy.exp(x) * (sympy.sin(x) - sympy.cos(x)) / 2, "integration by parts (cyclic)"),
    ("1/(1 + x**2)", sympy.atan(x), "arctangent rule"),
    ("sqrt(4 - x**2)", x * sqrt(4 - x**2) / 2 + 2 * sympy.asin(x / 2), None),
    ("tan(x)", -log(Abs(sympy.cos(x))), "substitution"),
    ("x**3*sqrt(1 + x**2)", sqrt(x**2 + 1) * (3 * x**4 + x**2 - 2) / 15, None),
    ("exp(x)/x", sympy.Ei(x), None),
]


@pytest.mark.parametrize("f, expected, rule", ANTIDERIVATIVES, ids=[c[0] for c in ANTIDERIVATIVES])
def test_antiderivatives_are_right_and_their_steps_named(f, expected, rule):
    result = derive.integrate(f, "x")
    assert same_up_to_constant(result.antiderivative, expected, x)
    assert not result.definite and result.result == result.antiderivative
    assert "F' = f at" in result.validation
    if rule is not None:
        assert rule in [name for name, _ in result.steps]


def test_log_of_abs_where_the_argument_takes_both_signs():
    assert derive.integrate("1/x", "x").antiderivative == log(Abs(x))
    result = derive.integrate("tan(x)", "x")
    assert result.antiderivative.has(Abs) and "log|cos(x)|" in result.notes[0]
    # where the argument is positive wherever f is defined, no |.|: 1/(x log x) lives on x > 0 (log x's domain)
    assert not derive.integrate("1/sqrt(x)", "x").antiderivative.has(Abs)


@pytest.mark.parametrize("f, lo, hi, value", [
    ("x**2", 0, 3, 9),
    ("x*sin(x)", 0, "pi", pi),
    ("exp(-x**2)", "-oo", "oo", sqrt(pi)),
    ("1/(1 + x**2)", 0, "oo", pi / 2),
    ("1/sqrt(x)", 0, 1, 2),                       # improper at 0, convergent
    ("sqrt(1 - x**2)", -1, 1, pi / 2),
    ("cos(3*x)", 0, "pi/6", Rational(1, 3)),
    ("exp(x)", "log(2)", "log(3)", 1),
    ("1/(x*(x + 1))", 1, "oo", log(2)),
    ("x*exp(-x)", 0, "oo", 1),
    ("sin(x)", 0, "2*pi", 0),
    ("x**3 - x", -2, 1, Rational(-9, 4)),       # (1/4 - 1/2) - (4 - 2)
])
def test_definite_integrals_are_exact(f, lo, hi, value):
    result = derive.integrate(f, "x", lo, hi)
    assert sympy.simplify(result.value - value) == 0
    assert math.isclose(result.numeric, float(value), rel_tol=1e-13, abs_tol=1e-13)
    assert result.method == "closed form" and "quadrature" in result.validation


def test_no_closed_form_gives_a_labelled_number():
    result = derive.integrate("x**x", "x", 0, 1)
    assert result.value is None and result.method == "numerical"
    # the Sophomore's dream: sum_{n>=1} (-1)^(n+1) n^-n
    assert abs(result.numeric - float(sympy.nsimplify(0) + sum((-1) ** (n + 1) * Rational(1, n**n)
                                                               for n in range(1, 40)))) < 1e-14
    assert result.error < 1e-12 and "numerical" in str(result)
    with pytest.raises(DeriveError, match="no closed-form antiderivative"):
        derive.integrate("x**x", "x")


def test_divergent_and_undefined_integrals():
    result = derive.integrate("1/x**2", "x", 0, 1)
    assert result.value == oo and "diverges" in " ".join(result.notes)
    with pytest.raises(DeriveError, match="does not converge"):
        derive.integrate("1/x", "x", -1, 1)


def test_parameters_and_conditions():
    result = derive.integrate("exp(-a*x)", "x", 0, "oo")
    assert result.value == 1 / a and "a > 0" in result.notes[0]
    result = derive.integrate("a*x**2 + y", "x", "y", 2)  # a bound may be a parameter too
    assert sympy.simplify(result.value - (a * 8 / 3 - a * y**3 / 3 + y * (2 - y))) == 0


def test_three_ways_and_latex():
    by_text = derive.integrate("x*exp(x)", "x", 0, 1)
    by_sympy = derive.integrate(x * sympy.exp(x), x, 0, 1)
    mixed = derive.integrate("x*exp(x)", x, sympy.Integer(0), "1")
    with using_syntax("latex"):
        by_latex = derive.integrate(r"x e^{x}", "x", 0, 1)
    detected = derive.integrate(r"\frac{1}{1+x^{2}}", "x", 0, 1)
    assert by_text.value == by_sympy.value == mixed.value == by_latex.value == 1
    assert detected.value == pi / 4
    # the user's own symbol comes back, not derive's real stand-in
    assert by_sympy.antiderivative.free_symbols == {x}


def test_bad_input_is_one_line():
    for args, message in [(("x*y",), "name the variable"), (("x", "x", 0), "both bounds"),
                          (("x", "z"), "unknown symbol"), (("x", "x", "x", 1), "uses the variable"),
                          (("x +* 2", "x"), "column")]:
        with pytest.raises(DeriveError, match=message) as info:
            derive.integrate(*args)
        assert "\n" not in str(info.value)


def test_results_print_serialize_and_render():
    result = derive.integrate("x*exp(x)", "x")
    assert "(x - 1)*exp(x) + C" in str(result)
    assert result.latex().startswith(r"\int x e^{x} \, dx =") and result._repr_latex_().startswith("$$")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["kind"] == "antiderivative" and data["steps"][0]["rule"] == "integration by parts"
    assert derive.parse(data["antiderivative"]) == derive.parse("(x - 1)*exp(x)")
    assert "by parts with u = x" in result.explain()
    definite = derive.integrate("x*exp(x)", "x", 0, 1).to_dict()
    assert definite["value"] == "1" and definite["kind"] == "integral"


def test_plot_is_drawn(tmp_path):
    path = derive.integrate("x*sin(x)", "x", 0, "pi").plot(tmp_path / "area.png")
    assert path.stat().st_size > 10_000
    fig = derive.integrate("x**x", "x", 0, 2).plot()  # numerical: the running integral by the trapezoid rule
    assert len(fig.axes) == 2
    with pytest.raises(DeriveError, match="depends on"):
        derive.integrate("exp(-a*x)", "x", 0, "oo").plot()


# ---------------------------------------------------------------------------
# the validator: a wrong integrator is refused, not shown

def _wrong(F):
    return lambda f, var: (F.xreplace({sympy.Symbol("x"): var}), None)


def test_a_wrong_antiderivative_is_refused(monkeypatch):
    real_x = sympy.Symbol("x", real=True)
    wrong = (real_x - 1) * sympy.exp(real_x) + real_x**3 * (real_x - 1) ** 2 * (real_x + 2)  # agrees at 0, 1 and -2 only
    for find in ("_manual", "_sympy_integrate"):
        def stub(f, var, w=wrong):
            return w, None

        monkeypatch.setattr(antiderivative, find, stub)
    with pytest.raises(ValidationError, match="failed its check"):
        derive.integrate("x*exp(x)", "x")


def test_a_wrong_definite_value_is_refused(monkeypatch):
    """Off by 1e-9, on both paths (F(b) - F(a), and SymPy's definite integrator behind it)."""
    simplest = definite_integral._simplest
    monkeypatch.setattr(definite_integral, "_simplest", lambda value: simplest(value) + Rational(1, 10**9))
    with pytest.raises(ValidationError, match="quadrature"):
        derive.integrate("x*exp(x)", "x", 0, 1)


def test_a_slope_check_independent_of_sympys_diff(monkeypatch):
    """If SymPy's diff were wrong, the numerical slope of F itself still catches a wrong F."""
    real_x = sympy.Symbol("x", real=True)
    monkeypatch.setattr(antiderivative, "real_diff", lambda F, var: real_x * sympy.exp(real_x))  # a lying diff
    for find in ("_manual", "_sympy_integrate"):
        def stub(f, var):
            return real_x * sympy.exp(real_x), None  # F = f itself: wrong

        monkeypatch.setattr(antiderivative, find, stub)
    with pytest.raises(ValidationError, match="slope"):
        derive.integrate("x*exp(x)", "x")


def test_numeric_slope_matches_the_derivative():
    real_x = sympy.Symbol("x", real=True)
    for F, point in [(sympy.exp(real_x) * sympy.sin(real_x), Rational(3, 7)), (log(Abs(real_x)), Rational(-5, 3)),
                     (sympy.Ei(real_x), Rational(7, 5))]:
        slope = integrals.numeric_slope(F, real_x, {real_x: point})
        exact = sympy.diff(F, real_x).subs(real_x, point).evalf(30)
        assert abs(float(slope) - float(exact)) < 1e-12 * max(1, abs(float(exact)))


def test_cli_integrate(capsys):
    from derive.cli import main

    assert main(["integrate", "x*exp(x)", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["antiderivative"] == "(x - 1)*exp(x)"
    assert main(["integrate", "exp(-x**2)", "--from", "-oo", "--to", "oo", "--latex"]) == 0
    assert capsys.readouterr().out.strip().endswith(r"= \sqrt{\pi}")
    assert main(["integrate", "1/x", "--explain"]) == 0
    assert "log rule" in capsys.readouterr().out
    assert main(["integrate", "x**2", "--from", "0"]) == 2
    assert "both --from" in capsys.readouterr().err


def test_the_numerical_path_never_reports_a_divergent_integral_as_a_number(monkeypatch):
    """With no closed form at all, 1/x**2 on [0, 1] must not come back as the 2.3e34 one quadrature
    degree settles at: two degrees must agree.  A convergent improper integral still gets its number."""
    monkeypatch.setattr(integrals.sympy, "integrate", lambda f, *args, **kw: sympy.Integral(f, *args))
    monkeypatch.setattr(definite_integral, "_by_antiderivative", lambda *args: None)
    with pytest.raises(DeriveError, match="did not converge"):
        derive.integrate("1/x**2", "x", 0, 1)
    result = derive.integrate("1/sqrt(x)", "x", 0, 1)
    assert result.method == "numerical" and abs(result.numeric - 2) < 1e-12


def test_constant_integrands_and_complex_closed_forms():
    assert derive.integrate("3", "x").antiderivative == 3 * x
    assert derive.integrate("3", "x", 0, 2).value == 6
    result = derive.integrate("exp(x**3)", "x", 0, 1)  # SymPy's value is lowergamma of exp_polar(I*pi)
    assert result.method == "numerical" and abs(result.numeric - 1.3419044179774198) < 1e-12


@pytest.mark.parametrize("f, lo, hi, value", [
    ("abs(x)", -1, 2, Rational(5, 2)),            # kinks, steps: quadrature is split there
    ("abs(sin(x))", 0, "2*pi", 4),
    ("max(x, 0)", -1, 1, Rational(1, 2)),
    ("heaviside(x - 1/3)", 0, 1, Rational(2, 3)),
    ("1/sqrt(abs(x))", -1, 1, 4),                 # an integrable singularity inside
    ("sqrt(2 - x**2)", "-sqrt(2)", "sqrt(2)", pi),  # irrational ends at the domain's edge
    ("sin(x)/x", 0, "oo", pi / 2),                # an oscillatory tail
    ("1/(x*log(x)**2)", 2, "oo", 1 / log(2)),     # too slow a decay for quadrature alone
    ("1/(2 + cos(x))", 0, "2*pi", 2 * sqrt(3) * pi / 3),  # SymPy's antiderivative jumps at pi
])
def test_hard_definite_integrals_from_the_review(f, lo, hi, value):
    result = derive.integrate(f, "x", lo, hi)
    assert sympy.simplify(result.value - value) == 0


@pytest.mark.parametrize("f, lo, hi, message", [
    ("1/(x**5 + x - 1)", 0, 2, "pole at x = 0.754878"),
    ("sin(x)", 0, "oo", "does not converge"),
    ("sqrt(1 - x**2)", -2, 2, "not real on part of"),
])
def test_integrals_without_a_value_are_one_line_errors(f, lo, hi, message):
    with pytest.raises(DeriveError, match=message) as info:
        derive.integrate(f, "x", lo, hi)
    assert "\n" not in str(info.value)


def test_divergence_is_checked_with_its_sign():
    assert derive.integrate("1/x**2", "x", -1, 1).value == oo  # even pole inside: +oo, both sides
    minus = derive.integrate("-1/x", "x", 1, "oo")
    assert minus.value == -oo and "grow towards -oo" in minus.validation


def test_review_inputs():
    assert derive.integrate("1/(x + 100)", "x").antiderivative == log(Abs(x + 100))  # u < 0 only below -100
    assert derive.integrate("exp(-x)", "x", 0, float("inf")).value == 1
    assert derive.integrate("where(x > 1/3, 1, 0)", "x", 0, 1).value == Rational(2, 3)
    big = derive.integrate("exp(x)", "x", 0, 1000)
    assert big.numeric is None and json.dumps(big.to_dict())  # no Infinity in JSON
    with pytest.raises(DeriveError, match="index or matrix notation"):
        derive.integrate("entropy(p)", "p")
    explained = derive.integrate("1/x**2", "x", -1, 1).explain()
    assert "F(b) - F(a)" not in explained  # the value did not come from F(b) - F(a) = -2
