"""derive.taylor and derive.directional: hand-written answers, the measured remainder order,
inputs as text, SymPy, mixed and LaTeX, one-line errors, pictures, and the validators refusing
a wrong result when they are handed one."""

import json
import math

import pytest
import sympy
from sympy import E, Matrix, Rational, exp, pi, sqrt, symbols

import derive
from derive.analysis import directional as directional_module
from derive.analysis import remainder as remainder_module
from derive.analysis import taylor as taylor_module
from derive.analysis.directional import Directional, directional
from derive.analysis.taylor import Taylor, taylor
from derive.errors import DeriveError, ShapeError, SymbolError, ValidationError

x, y, z = symbols("x y z")


def same(a, b):
    """Equal as functions (the polynomial's layout is SymPy's business)."""
    return sympy.expand(sympy.simplify(a - b)) == 0


def by_name(expr, like):
    """`expr` in the symbols of `like` (a parse makes its own symbols)."""
    names = {s.name: s for s in like.free_symbols}
    return expr.xreplace({s: names[s.name] for s in expr.free_symbols})


def one_line(call, error=DeriveError):
    with pytest.raises(error) as info:
        call()
    assert "\n" not in str(info.value) and str(info.value)
    return str(info.value)


# ---------------------------------------------------------------------------
# Taylor: hand-written answers

def test_exp_at_0_order_3_from_text():
    t = taylor("exp(x)", "x", 0, 3)
    assert isinstance(t, Taylor)
    xs = t.wrt[0]
    assert same(t.polynomial, 1 + xs + xs**2 / 2 + xs**3 / 6)
    assert [sympy.expand(term) for term in t.terms] == [1, xs, xs**2 / 2, xs**3 / 6]
    assert t.value == 1 and t.gradient == Matrix([1]) and t.hessian == Matrix([[1]])
    assert t.remainder_order == 4
    assert abs(t.measured_order - 4) < 0.1
    assert "|h|^4.00" in t.validation and "order + 1" in t.validation


def test_sqrt_at_4_from_sympy_objects():
    t = taylor(sqrt(x), x, 4)  # order 2 by default
    assert t.wrt == (x,) and t.at == {x: 4}
    assert same(t.polynomial, 2 + (x - 4) / 4 - (x - 4)**2 / 64)
    assert (t.value, t.gradient[0], t.hessian[0, 0]) == (2, Rational(1, 4), Rational(-1, 32))
    assert abs(t.measured_order - 3) < 0.1
    assert t.polynomial.has(x - 4)  # kept in powers of x - a, not multiplied out


def test_vector_form_two_variables_mixed_input():
    # f = x^2 y + e^{xy}: f_x = 2xy + y e^{xy}, f_y = x^2 + x e^{xy}; at (1, 0): (0, 2).
    # f_xx = 2y + y^2 e^{xy} = 0, f_xy = 2x + e^{xy} + xy e^{xy} = 3, f_yy = x^2 e^{xy} = 1.
    t = taylor(x**2 * y + exp(x * y), "x y", ["1", 0], 2)
    assert t.value == 1
    assert t.gradient == Matrix([0, 2])
    assert t.hessian == Matrix([[0, 3], [3, 1]])
    assert same(t.polynomial, 1 + 2 * y + Rational(1, 2) * (3 * 2 * (x - 1) * y + y**2))
    # the vector form itself: f(a) + g^T (x - a) + 1/2 (x - a)^T H (x - a)
    d = Matrix([x - 1, y])
    assert same(t.polynomial, t.value + (t.gradient.T * d)[0] + (d.T * t.hessian * d)[0] / 2)
    assert abs(t.measured_order - 3) < 0.15
    assert "grad f(a)^T (x - a) + 1/2 (x - a)^T H(a) (x - a)" in str(t)


def test_latex_input_and_exact_point():
    t = taylor(r"\sin(x)", "x", r"\frac{\pi}{2}", 4)
    xs = t.wrt[0]
    assert t.at == {xs: pi / 2}
    assert same(t.polynomial, 1 - (xs - pi / 2)**2 / 2 + (xs - pi / 2)**4 / 24)
    # the odd terms vanish at pi/2: the error is h^6, at least h^5 as Taylor's theorem promises
    assert t.measured_order > 5.5
    assert "at least |h|^(order + 1)" in t.validation and "the next term vanishes" in t.order_text()


def test_third_order_as_index_sums():
    # cos(x) e^y = (1 - x^2/2 + ...)(1 + y + y^2/2 + y^3/6 + ...) to order 3
    t = taylor("cos(x)*exp(y)", "x y", {"x": 0, "y": 0}, 3)
    xs, ys = t.wrt
    assert same(t.polynomial, 1 + ys + ys**2 / 2 + ys**3 / 6 - xs**2 / 2 - xs**2 * ys / 2)
    assert t.derivatives[3] == {(0, 0, 0): 0, (0, 0, 1): -1, (0, 1, 1): 0, (1, 1, 1): 1}
    assert abs(t.measured_order - 4) < 0.15
    assert "1/3! sum(" in t.formula()


@pytest.mark.parametrize("f, a, order", [
    ("log(1 + x)*cos(x)", 0, 5), ("tan(x)", "pi/4", 3), ("sigmoid(x)", 1, 4), ("x**x", 2, 3)])
def test_one_variable_agrees_with_sympy_series(f, a, order):
    t = taylor(f, "x", a, order)
    xs = t.wrt[0]
    expected = sympy.series(t.f, xs, t.at[xs], order + 1).removeO()
    assert same(t.polynomial, expected)
    assert t.measured_order > order + 1 - 0.25


def test_parameters_stay_symbolic_and_are_drawn_for_the_check():
    t = taylor("exp(a*x)", "x", 0, 2)
    a = next(s for s in t.f.free_symbols if s.name == "a")
    xs = t.wrt[0]
    assert t.parameters == (a,)
    assert same(t.polynomial, 1 + a * xs + a**2 * xs**2 / 2)
    assert set(t.parameter_values) == {a} and t.parameter_values[a] > 0
    assert f"a = {t.parameter_values[a]}" in t.validation


def test_a_dict_point_fixes_parameters_and_names_the_variables():
    t = taylor("exp(a*x)", "x", {"x": 0, "a": 2}, 2)  # a is not a variable: its value is fixed
    xs = t.wrt[0]
    assert t.wrt == (xs,) and xs.name == "x" and not t.parameters
    assert same(t.polynomial, 1 + 2 * xs + 2 * xs**2)
    both = taylor("exp(a*x)", None, {"x": 0, "a": 2}, 1)  # wrt omitted: the point's keys are the variables
    assert [s.name for s in both.wrt] == ["x", "a"] and both.gradient == Matrix([2, 0])
    t2 = taylor("x*y", None, "x = 1, y = 2", 1)  # as the CLI writes it
    assert [s.name for s in t2.wrt] == ["x", "y"] and t2.gradient == Matrix([2, 1])


def test_polynomial_equals_its_expansion():
    t = taylor("x**3 + y", "x y", [1, 2], 3)
    assert t.measured_order == math.inf
    assert same(t.polynomial, t.f)
    assert "f equals its Taylor polynomial" in t.validation
    assert t.to_dict()["measured_order"] is None and t.to_dict()["remainder_vanishes"] is True


def test_sin_order_2_measures_3_and_order_3_measures_5():
    t2 = taylor("sin(x)", "x", 0, 2)
    assert same(t2.polynomial, t2.wrt[0]) and abs(t2.measured_order - 3) < 0.1
    t3 = taylor("sin(x)", "x", 0, 3)
    assert abs(t3.measured_order - 5) < 0.1 and "at least" in t3.validation


def test_order_zero():
    t = taylor("exp(x)", "x", 1, 0)
    assert t.polynomial == E and t.gradient is None and t.hessian is None
    assert abs(t.measured_order - 1) < 0.1


# ---------------------------------------------------------------------------
# Taylor: printing, JSON, LaTeX, explain

def test_taylor_prints_reads_back_and_serializes():
    t = taylor("x**2*y + exp(x*y)", "x y", [1, 0], 3)
    text = str(t)
    assert "grad f(a)" in text and "[0, 2]" in text and "[[0, 3], [3, 1]]" in text and "validated:" in text
    data = json.loads(json.dumps(t.to_dict()))
    assert data["gradient"] == ["0", "2"] and data["hessian"] == [["0", "3"], ["3", "1"]]
    assert data["order"] == 3 and data["remainder_order"] == 4 and abs(data["measured_order"] - 4) < 0.15
    assert len(data["terms"]) == 4 and len(data["samples"]) == 3
    # text and LaTeX read back as the same polynomial
    assert same(by_name(derive.parse(data["polynomial"]), t.polynomial), t.polynomial)
    assert same(by_name(derive.parse(taylor_module.latex(t.polynomial)), t.polynomial), t.polynomial)
    assert r"\nabla f(\mathbf{a})" in t.latex() and t._repr_latex_().startswith("$$")
    steps = t.explain()
    for piece in ("f(a) = 1", "grad f(a) = [0, 2]", "H(a) = [[0, 3], [3, 1]]", "order 3 at a",
                  "Taylor's formula", "checked:"):
        assert piece in steps


# ---------------------------------------------------------------------------
# Taylor: errors, one line each

def test_singular_point_is_one_line():
    assert "no Taylor expansion" in one_line(lambda: taylor("log(x)", "x", 0))
    assert "df/dx" in one_line(lambda: taylor("sqrt(x)", "x", 0))
    assert "no Taylor expansion" in one_line(lambda: taylor("1/(x - y)", "x y", [1, 1], 1))


def test_bad_inputs_are_one_line():
    assert "unknown symbol 'z'" in one_line(lambda: taylor("x**2", "z", 0), SymbolError)
    assert "unknown symbol 'q'" in one_line(lambda: taylor("x*y", None, {"x": 1, "q": 2}), SymbolError)
    one_line(lambda: taylor("x*y", "x y", [1]), ShapeError)
    one_line(lambda: taylor("x", "x", "a"), SymbolError)  # a point is numbers
    one_line(lambda: taylor("x", "x", 0, 11))
    one_line(lambda: taylor("x", "x", 0, 1.5))
    one_line(lambda: taylor("x", "x", float("nan")))


def test_a_kink_fails_the_measured_order():
    message = one_line(lambda: taylor("abs(x)", "x", 0, 1), ValidationError)
    assert "|h|^1.00, not |h|^2" in message and "not 1 times differentiable" in message


@pytest.mark.parametrize("f, order, slope", [("x**(14/5)", 2, 2.8), ("x**(5/2)", 2, 2.5), ("abs(x)**(7/2)", 3, 3.5)])
def test_a_fractional_slope_is_reported_as_it_is(f, order, slope):
    # f is order times differentiable at 0 with P = 0 the right polynomial, but f^(order+1) is
    # infinite (or absent) there: the remainder is |h|^slope, o(|h|^order) only, never "as Taylor's theorem says"
    t = taylor(f, "x", 0, order)
    assert t.polynomial == 0 and abs(t.measured_order - slope) < 0.02
    assert f"|h|^{slope:.2f}" in t.validation and "as Taylor's theorem says" not in t.validation
    assert f"not {order + 1} times differentiable" in t.validation and f"o(|h|^{order}) only" in t.validation
    assert f"not {order + 1} times differentiable" in t.order_text()


def test_the_check_sees_the_remainder_when_f_is_large():
    # x**3 at 1e20 to order 2: f - P = h^3 exactly, far below the rounding of f(a) = 1e60 in 60 digits
    t = taylor("x**3", "x", 10**20, 2)
    assert abs(t.measured_order - 3) < 0.02 and "f equals" not in t.validation
    assert t.to_dict()["remainder_vanishes"] is False
    t = taylor("10**40 + sin(x)", "x", 0, 2)  # sin's h^3/6 under a constant of 1e40
    assert abs(t.measured_order - 3) < 0.02
    exact = taylor("x**3", "x", 10**20, 3)  # only a polynomial of degree <= order equals its expansion
    assert exact.measured_order == math.inf and "f - P expands to 0" in exact.validation


def test_a_pole_near_the_point_is_not_a_failure():
    # 1/(x - 1/1000) at 0: the steps 1/10 ... 1/10240 are near or beyond the pole; halving on, the slope settles at 2
    t = taylor("1/(x-0.001)", "x", 0, 1)
    xs = t.wrt[0]
    assert same(t.polynomial, -1000 - 10**6 * xs)
    assert abs(t.measured_order - 2) < 0.05 and "as Taylor's theorem says" in t.validation
    assert min(min(s["steps"]) for s in t.samples) < 1e-5  # the steps went below the pole's distance


# ---------------------------------------------------------------------------
# Taylor: break the validator, see it refuse

def test_a_wrong_term_is_refused(monkeypatch):
    real_term = taylor_module._term

    def doubled_quadratic(values, xs, a):
        term = real_term(values, xs, a)
        return 2 * term if values and len(next(iter(values))) == 2 else term

    monkeypatch.setattr(taylor_module, "_term", doubled_quadratic)
    message = one_line(lambda: taylor("exp(x)*cos(y)", "x y", [0, 0], 2), ValidationError)
    assert "not |h|^3" in message


def test_a_wrong_gradient_is_refused(monkeypatch):
    real = taylor_module.derive_problem

    class Wrong:
        def __init__(self, result):
            self.result = result

    def lying(problem, kind, **options):
        d = real(problem, kind, **options)
        return Wrong(d.result * 2) if kind == "grad" else d

    monkeypatch.setattr(taylor_module, "derive_problem", lying)
    one_line(lambda: taylor("x**2*y + exp(x*y)", "x y", [1, 0], 2), ValidationError)


def test_a_quadratic_term_off_by_one_millionth_is_refused(monkeypatch):
    # error 1e-6 h^2 + h^3/6: over 1e-3 ... 1e-4 alone the slope looks like 2.9; halving on, it falls to 2
    real = taylor_module._derivatives

    def nudged(*args):
        out = real(*args)
        out[2] = {i: d + Rational(1, 10**6) for i, d in out[2].items()}
        return out

    monkeypatch.setattr(taylor_module, "_derivatives", nudged)
    assert "not |h|^3" in one_line(lambda: taylor("exp(x)", "x", 0, 2), ValidationError)
    # and x**2*abs(x) to order 3: f''' jumps at 0, the remainder |h|^3 is not o(|h|^3)
    assert "not 3 times differentiable" in one_line(lambda: taylor("abs(x)**3", "x", 0, 3), ValidationError)


def test_values_beyond_sixty_digits():
    mpmath = remainder_module.mpmath
    third = remainder_module.Values([sympy.pi * x], 100)({x: Rational(1, 3)})[0]
    with mpmath.workdps(110):
        assert abs(third - mpmath.pi / 3) < mpmath.mpf(10) ** -98


def test_a_third_derivative_off_by_a_little_is_refused(monkeypatch):
    real = taylor_module._derivatives

    def nudged(*args):
        out = real(*args)
        out[3] = {i: d * Rational(101, 100) for i, d in out[3].items()}
        return out

    monkeypatch.setattr(taylor_module, "_derivatives", nudged)
    one_line(lambda: taylor("exp(x)", "x", 0, 3), ValidationError)


# ---------------------------------------------------------------------------
# Taylor: pictures

def test_taylor_plots(tmp_path):
    one = taylor("exp(x)", "x", 0, 3).plot(tmp_path / "taylor1.png")
    two = taylor("x**2*y + exp(x*y)", "x y", [1, 0], 2).plot(tmp_path / "taylor2.png", direction=[1, 1])
    for path in (one, two):
        assert path.exists() and path.stat().st_size > 10_000
    fig = taylor("sin(x)", "x", 0, 2).plot()
    _left, right = fig.axes
    assert right.get_xscale() == "log" and "slope 3.00" in " ".join(t.get_text() for t in right.get_legend().texts)
    assert "parameter" in one_line(lambda: taylor("exp(a*x)", "x", 0, 2).plot())
    one_line(lambda: taylor("x*y", "x y", [1, 1], 1).plot(direction=[0, 0]))


# ---------------------------------------------------------------------------
# directional derivatives

def test_x2y_at_1_2_along_3_4():
    d = directional("x**2*y", "x y", [1, 2], [3, 4])
    assert isinstance(d, Directional)
    # grad = (2xy, x^2) = (4, 1); u/|u| = (3, 4)/5; (2*1*2*3 + 1*4)/5 = 16/5
    assert d.gradient == Matrix([4, 1])
    assert d.unit_u == Matrix([Rational(3, 5), Rational(4, 5)]) and d.norm_u == 5 and d.normalized
    assert d.value == Rational(16, 5)
    assert d.rate == sqrt(17)
    assert sympy.simplify(d.steepest - Matrix([4, 1]) / sqrt(17)) == sympy.zeros(2, 1)
    assert d.descent == -d.steepest
    assert "Cauchy-Schwarz" in d.explanation and "<= |grad f(a)| |v|" in d.explanation
    assert "u is not a unit vector" in str(d)


def test_sympy_objects_and_a_unit_u():
    d = directional(x**2 * y, [x, y], [1, 2], [1, 0])
    assert d.value == 4 and not d.normalized and d.unit_u == Matrix([1, 0])


def test_latex_and_text_point_input():
    d = directional(r"x^{2} y", "x y", "1, 2", "[3, 4]")
    assert d.value == Rational(16, 5)
    d = directional("sin(x)*cos(y)", "x y", "pi/4, pi/3", "x = 1, y = 0")
    assert d.value == sqrt(2) / 4 and d.rate == sqrt(2) / 2  # cos(pi/4)cos(pi/3), |(sqrt2/4, -sqrt6/4)|


def test_three_variables_and_the_steepest_direction_is_the_largest():
    d = directional("x*y*z", "x y z", [1, 2, 3], [1, -1, 2])
    assert d.gradient == Matrix([6, 3, 2]) and d.rate == 7
    assert d.value == 7 * sqrt(6) / 6  # (6 - 3 + 4)/sqrt(6)
    assert d.steepest == Matrix([6, 3, 2]) / 7
    along = directional("x*y*z", "x y z", [1, 2, 3], list(d.steepest))
    assert along.value == d.rate and not along.normalized
    against = directional("x*y*z", "x y z", [1, 2, 3], [-6, -3, -2])
    assert against.value == -d.rate
    assert abs(d.value) <= d.rate  # Cauchy-Schwarz


def test_zero_gradient_has_no_steepest_direction():
    d = directional("x**2 + y**2", "x y", [0, 0], [1, 1])
    assert d.value == 0 and d.steepest is None and d.descent is None and d.critical and d.rate == 0
    assert "no direction is steepest" in d.explanation and "no direction is steepest" in str(d)
    assert json.loads(json.dumps(d.to_dict()))["steepest"] is None


def test_parameters_in_directional():
    d = directional("exp(a*x)*y", "x y", [0, 1], [1, 0])
    a = d.parameters[0]
    assert d.value == a and d.gradient == Matrix([a, 1]) and d.rate == sqrt(a**2 + 1)
    assert "a = " in d.validation


def test_directional_errors_are_one_line():
    assert "u = 0" in one_line(lambda: directional("x**2*y", "x y", [1, 2], [0, 0]))
    assert "not differentiable" in one_line(lambda: directional("abs(x) + y", "x y", [0, 1], [1, 1]))
    assert "no gradient" in one_line(lambda: directional("sqrt(x**2 + y**2)", "x y", [0, 0], [1, 0]))
    one_line(lambda: directional("x*y", "x q", [1, 2], [1, 0]), SymbolError)
    one_line(lambda: directional("x*y", "x y", [1, 2], [1, 0, 0]), ShapeError)
    one_line(lambda: directional("x*y", "x y", [1, 2], {"x": 1, "a": 1}), SymbolError)
    one_line(lambda: directional("log(x)", "x", -1, 1))


@pytest.mark.parametrize("f", ["min(abs(x), abs(y))", "where(x*y > 0, x + y, 0)"])
@pytest.mark.parametrize("u", [[1, 0], [1, 1], [0, 1]])
def test_not_differentiable_though_u_and_the_axes_look_smooth(f, u):
    # both have partial derivatives 0 at the origin, yet along (1, 1) they change at rate 1/sqrt(2) and sqrt(2)
    with pytest.raises(DeriveError) as info:
        directional(f, "x y", [0, 0], u)
    assert type(info.value) is DeriveError and "\n" not in str(info.value)
    assert "not differentiable at (x, y) = (0, 0)" in str(info.value)


def test_a_far_point_and_a_large_f():
    d = directional("x*y", "x y", [10**300, 1], [1, 1])  # an absolute 1e-20 step in 60 digits saw 0 along x
    assert d.gradient == Matrix([1, 10**300]) and d.value == (10**300 + 1) * sqrt(2) / 2
    d = directional("x*y", "x y", [1e300, 1], [1, 1])
    assert abs(float(d.value) - 1e300 / math.sqrt(2)) < 1e286
    d = directional("sin(x) + y", "x y", [10**20, 1], [0, 1])  # a step relative to |a| would cross many periods
    assert d.value == 1 and d.gradient[0] == sympy.cos(10**20)


def test_directional_prints_and_serializes():
    d = directional("x**2*y", "x y", [1, 2], [3, 4])
    data = json.loads(json.dumps(d.to_dict()))
    assert data["value"] == "16/5" and data["numeric"] == 3.2 and data["unit_u"] == ["3/5", "4/5"]
    assert data["rate"] == "sqrt(17)" and data["normalized"] is True
    assert derive.parse(data["steepest"][0]) == 4 * sqrt(17) / 17
    assert r"D_{\mathbf{u}} f(\mathbf{a})" in d.latex() and r"\frac{16}{5}" in d.latex()
    steps = d.explain()
    assert "|u| = 5" in steps and "(4)*(3/5) + (1)*(4/5) = 16/5" in steps and "checked:" in steps


def test_directional_validator_refuses_a_wrong_gradient(monkeypatch):
    real = directional_module.derive_problem

    class Wrong:
        def __init__(self, result):
            self.result = result

    def lying(problem, kind, **options):
        d = real(problem, kind, **options)
        return Wrong(d.result + Matrix([0, Rational(1, 10**20)]))  # off in the 20th digit only

    monkeypatch.setattr(directional_module, "derive_problem", lying)
    message = one_line(lambda: directional("x**2*y", "x y", [1, 2], [3, 4]), ValidationError)
    assert "central difference" in message


def test_directional_plot(tmp_path):
    path = directional("x**2*y", "x y", [1, 2], [3, 4]).plot(tmp_path / "directional.png")
    assert path.exists() and path.stat().st_size > 10_000
    fig = directional("x**2 + y**2", "x y", [0, 0], [1, 1]).plot()
    labels = " ".join(t.get_text() for t in fig.axes[0].get_legend().texts)
    assert "no steepest direction" in labels and "u/|u|" in labels
    assert "two variables" in one_line(lambda: directional("x*y*z", "x y z", [1, 2, 3], [1, 0, 0]).plot())


def test_public_names():
    assert taylor_module.__all__ == ["Taylor", "taylor"]
    assert directional_module.__all__ == ["Directional", "directional"]
    assert isinstance(derive.taylor("exp(x)", "x", 0, 1), Taylor)
    assert isinstance(derive.directional("x*y", "x y", [1, 1], [1, 0]), Directional)
