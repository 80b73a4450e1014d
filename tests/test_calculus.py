"""grad / jacobian / hessian: known answers, shapes, wrt forms, validation."""

import json
import time

import numpy as np
import pytest
import sympy
from sympy import Heaviside, Matrix, cos, exp, sign, sin

import derive
from derive import DeriveError, ShapeError, SymbolError, ValidationError
from derive.text.functions import sigmoid

x, y, z, a, w, b = sympy.symbols("x y z a w b")  # text-only names come back plain (DESIGN: one name, one variable)


def same(m1, m2):
    return sympy.simplify(sympy.Matrix(m1) - sympy.Matrix(m2)) == sympy.zeros(*sympy.Matrix(m1).shape)


def test_crash_course_gradient():
    g = derive.grad("x**2 + y**3", "x y")
    assert g.shape == (2, 1)
    assert g == Matrix([2 * x, 3 * y**2])


@pytest.mark.parametrize("wrt", ["x y", "x, y", "x,y", ["x", "y"], [x, y], None])
def test_every_form_of_wrt(wrt):
    assert derive.grad("x**2 + y**3", wrt) == Matrix([2 * x, 3 * y**2])


def test_wrt_single_symbol_and_order():
    assert derive.grad(x**2 * y, y) == Matrix([x**2])
    assert derive.grad("x**2*y", "y x") == Matrix([x**2, 2 * x * y])


def test_sympy_input_keeps_its_own_symbols():
    u = sympy.Symbol("u")  # no assumptions
    assert derive.grad(u**3, "u") == Matrix([3 * u**2])


def test_unknown_wrt_symbol_is_named():
    with pytest.raises(SymbolError, match="unknown symbol 'z'.*uses x, y"):
        derive.grad("x**2 + y", "x z")


def test_grad_of_vector_is_a_shape_error():
    with pytest.raises(ShapeError, match="use jacobian"):
        derive.grad("[x, y]", "x y")


def test_jacobian_layout_rows_are_gradients():
    J = derive.jacobian("[2*x*y, x**2*y]", "x y")
    assert J == Matrix([[2 * y, 2 * x], [2 * x * y, x**2]])
    J3 = derive.jacobian("[x*y, sin(x), y**2 + x]", "x y")
    assert J3.shape == (3, 2)
    assert J3.row(1) == Matrix([[cos(x), 0]])


def test_hessian_matches_sympy_and_is_symmetric():
    f = x**2 * y + sin(x * y) + exp(x - y)
    H = derive.hessian(f, [x, y])
    assert H.shape == (2, 2) and H == H.T
    assert same(H, sympy.hessian(f, [x, y]))


def test_sigmoid_and_softplus_keep_compact_derivatives():
    g = derive.grad("sigmoid(z)", "z")[0]
    s = sigmoid(z)
    assert sympy.simplify(g - s * (1 - s)) == 0
    assert derive.grad("softplus(z)", "z")[0] == s
    # the three textbook forms of sigmoid' are the same function
    forms = [s * (1 - s), exp(-z) / (1 + exp(-z)) ** 2, 1 / (2 + exp(z) + exp(-z))]
    for form in forms:
        assert abs(float((g - form).subs(z, 0.37).evalf())) < 1e-15


def test_kinks_differentiate_to_signs_and_steps():
    assert derive.grad("abs(x)", "x")[0] == sign(x)
    assert derive.grad("relu(x)", "x")[0] == Heaviside(x)


def test_parameters_stay_symbolic_and_are_sampled_for_validation():
    d = derive.differentiate("a*x**2 + exp(a*y)", "x y")
    assert d.result == Matrix([2 * a * x, a * exp(a * y)])
    assert d.report.ok


def test_domains_are_respected_when_validating():
    assert derive.grad("log(x)", "x")[0] == 1 / x
    assert derive.grad("sqrt(x - 100)", "x")[0] == 1 / (2 * sympy.sqrt(x - 100))
    assert derive.grad("log(-x)", "x")[0] == 1 / x


def test_no_real_domain_is_a_clear_error():
    with pytest.raises(DeriveError):
        derive.grad("sqrt(-1 - x**2)", "x")
    with pytest.raises(ValidationError, match="no points"):
        derive.grad("log(-1 - x**2 - y**2)", "x y")


def test_validate_false_skips_the_check():
    d = derive.differentiate("x**2", "x", validate_result=False)
    assert d.report is None and "not validated" in str(d)


def test_a_wrong_rule_is_caught_and_the_entry_named(monkeypatch):
    from derive.calculus import scalar as calculus

    real = calculus.RULES["grad"]

    def broken(f, wrt):
        g = real(f, wrt)
        g[1] = 2 * g[1]  # a 'bug' in the symbolic engine
        return g

    monkeypatch.setitem(calculus.RULES, "grad", broken)
    with pytest.raises(ValidationError, match=r"entry 1 \(d/dy\)") as info:
        derive.grad("x**2 + y**3", "x y")
    assert info.value.report.status == "mismatch"


def test_a_wrong_hessian_entry_is_caught(monkeypatch):
    from derive.calculus import scalar as calculus

    real = calculus.RULES["hessian"]

    def broken(f, wrt):
        H = real(f, wrt)
        H[0, 1] = H[1, 0] = H[0, 1] + 1
        return H

    monkeypatch.setitem(calculus.RULES, "hessian", broken)
    with pytest.raises(ValidationError, match=r"entry \[0, 1\]|entry \[1, 0\]"):
        derive.hessian("x**2*y + y**3", "x y")


def test_logistic_hessian_matches_closed_form():
    H = derive.hessian("log(1 + exp(-y*(w*x + b)))", "w b")
    s = 1 / (1 + np.exp(-(0.3 * 1.7 + 0.2)))
    vals = {w: 0.3, b: 0.2, x: 1.7, y: 1.0}
    got = np.array(H.subs(vals).evalf(), dtype=float)
    closed = s * (1 - s) * np.array([[1.7**2, 1.7], [1.7, 1.0]])
    np.testing.assert_allclose(got, closed, rtol=1e-12)


def test_derivation_displays_and_serializes():
    d = derive.differentiate("x**2 + y**3", "x y")
    text = str(d)
    assert "df/dx = 2*x" in text and "df/dy = 3*y**2" in text and "gradcheck ok" in text
    assert d._repr_latex_().startswith("$$")
    payload = d.to_dict()
    json.dumps(payload, allow_nan=False)
    assert payload["result"] == [["2*x"], ["3*y**2"]] and payload["shape"] == [2, 1]
    at = d.at({"x": 1, "y": sympy.Rational(2, 3)})
    assert list(at.exact) == [2, sympy.Rational(4, 3)]
    assert at.report.ok and "df/dy = 4/3" in str(at)


def test_results_paste_back_into_the_parser():
    g = derive.grad("x*sigmoid(w*x + b) + abs(y)", "w b y")
    for e in g:
        assert derive.parse(derive.to_text(e)) == e


def test_symbolic_work_is_budgeted():
    start = time.perf_counter()
    try:
        derive.differentiate("(x + 1)**1000000 * exp(x)", "x")
    except DeriveError:
        pass
    try:
        derive.differentiate("x" + "**x" * 12, "x", limits=derive.Limits(seconds=3))
    except DeriveError:
        pass
    assert time.perf_counter() - start < 30


def test_bare_symbol_and_special_functions():
    assert derive.grad("x", "x") == Matrix([1])
    assert derive.to_text(derive.grad("loggamma(x)", "x")[0]) == "digamma(x)"
    assert derive.to_text(derive.grad("gamma(x)", "x")[0]) == "gamma(x)*digamma(x)"
    H = derive.hessian("loggamma(x)*y", "x y")
    assert derive.to_text(H[0, 0]) == "y*polygamma(1, x)"


def test_points_given_as_text_are_parsed_safely():
    d = derive.differentiate("x**2", "x")
    assert d.at({"x": "3/2"}).exact[0] == 3
    with pytest.raises(derive.ParseError):
        d.at({"x": "__import__('os').getcwd()"})
