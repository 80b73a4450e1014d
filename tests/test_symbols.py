"""One name, one variable; derive works over the reals; values at points are exact or undefined.

Each class is tested three ways: text, SymPy objects (plain Symbols without
assumptions, as SymPy users write them), and the two mixed in one call.
Results must hold the user's own objects (compared with ==, which for SymPy
symbols includes the assumptions), never a look-alike of the same name.
"""

import json
import warnings

import numpy as np
import pytest
import sympy
from sympy import Abs, Max, Matrix, Rational, Symbol, sign, sqrt

import derive
from derive import SymbolError
from derive.cli import main

x, y, z = sympy.symbols("x y z")  # plain: SymPy's default, complex to SymPy
xr, yr = sympy.symbols("x y")  # what text means on its own: plain symbols, as SymPy users write them


def names_are_unique(*objects):
    seen = {}
    for obj in objects:
        for s in obj.free_symbols:
            assert seen.setdefault(str(s), s) == s, f"two symbols print as {s}"
    return True


def sole(obj, name):
    """The one symbol named `name` in obj."""
    found = [s for s in obj.free_symbols if str(s) == name]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------------
# one name, one variable


@pytest.mark.parametrize("f, wrt", [("x**2", x), (x**2, "x"), (x**2, x), ("x**2", "x")])
def test_grad_text_and_sympy_mean_the_same_variable(f, wrt):
    g = derive.grad(f, wrt)
    expected_symbol = xr if isinstance(f, str) and isinstance(wrt, str) else x
    assert g == Matrix([2 * expected_symbol])
    assert names_are_unique(g)


def test_check_text_function_sympy_claim_is_correct():
    v = derive.check("x**3", "x", 3 * x**2)
    assert v.ok and v.status == "correct"
    assert v.expected == Matrix([3 * x**2])  # the user's x
    wrong = derive.check("x**3", x, 2 * x**2)
    assert wrong.status == "wrong" and sole(wrong.expected, "x") == x
    assert set(wrong.counterexample) == {x}


def test_critical_points_of_text_over_sympy_symbols():
    for f in ("x**2 + y**2 - 2*x", x**2 + y**2 - 2 * x):
        points = derive.critical_points(f, [x, y])
        assert len(points) == 1
        p = points[0]
        assert p.kind == "min" and p.x == {x: 1, y: 0} and p.value == -1
    text_only = derive.critical_points("x**2 + y**2 - 2*x", "x y")
    assert text_only[0].x == {xr: 1, yr: 0}


def test_kkt_equality_in_text_with_sympy_variables_keeps_its_multiplier():
    p1, p2, p3 = sympy.symbols("p1 p2 p3")
    for objective in (p1**2 + p2**2 + p3**2, "p1**2 + p2**2 + p3**2"):
        problem = derive.kkt(objective, [p1, p2, p3], eq=["p1 + p2 + p3 = 1"])
        assert all(c.lhs.has(sympy.Symbol("lambda1", real=True)) for c in problem.conditions["stationarity"])
        solution = problem.solve()
        assert len(solution) == 1
        best = solution[0]
        assert best.x == {p1: Rational(1, 3), p2: Rational(1, 3), p3: Rational(1, 3)}
        assert best.value == Rational(1, 3) and list(best.multipliers.values()) == [Rational(-2, 3)]
        assert names_are_unique(problem.lagrangian)


def test_kkt_multiplier_never_takes_a_users_name():
    lam = Symbol("lambda1")
    problem = derive.kkt(lam**2 + y**2, [lam, y], eq=[lam + y - 1])
    names = [str(c.multiplier) for c in problem.constraints]
    assert names == ["lambda1_1"]
    best = problem.solve()[0]
    assert best.x == {lam: Rational(1, 2), y: Rational(1, 2)}


@pytest.mark.parametrize("f, wrt", [(x**2, Symbol("z")), ("x**2", "z"), ("x**2", z), (x**2, "z"),
                                    ("x**2 + y", [x, z])])
def test_wrt_that_f_does_not_use_is_an_error(f, wrt):
    with pytest.raises(SymbolError, match="'z'"):
        derive.grad(f, wrt)


def test_matrix_wrt_that_f_does_not_use_is_an_error():
    X, Y = sympy.MatrixSymbol("X", 2, 2), sympy.MatrixSymbol("Y", 2, 2)
    with pytest.raises(SymbolError, match="'Y'"):
        derive.grad(sympy.Trace(X), Y)


@pytest.mark.parametrize("a, b", [
    (Symbol("x", positive=True), Symbol("x", negative=True)),
    (Symbol("x"), sympy.MatrixSymbol("x", 2, 1)),
    (sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("A", 3, 3)),
    (Symbol("x", positive=True), Symbol("x", integer=True)),
])
def test_a_name_declared_two_incompatible_ways_is_a_symbol_error(a, b):
    f = a**2 if isinstance(a, Symbol) else sympy.Trace(a.T * a) if a.shape[1] > 1 else (a.T * a)[0, 0]
    with pytest.raises(SymbolError, match=f"'{a.name}'"):
        derive.grad(f, b)


def test_declarations_text_and_sympy_must_agree():
    with pytest.raises(SymbolError, match="'t'"):
        derive.grad(Symbol("t", negative=True) ** 2, "t", symbols="t: positive")
    with pytest.raises(SymbolError, match="'A'"):
        derive.grad(x**2 + Symbol("A"), x, symbols={"A": sympy.MatrixSymbol("A", 2, 2)})
    with pytest.raises(SymbolError, match="'y' is declared as A"):
        derive.parse("y", symbols={"y": Symbol("A")})


def test_the_more_specific_of_two_compatible_declarations_wins():
    t = Symbol("t", positive=True)
    g = derive.grad("sqrt(t**2)", Symbol("t"), symbols={"t": t})  # sqrt(t^2) = t for t > 0
    assert g == Matrix([1])
    assert derive.grad(Abs(Symbol("t")), t) == Matrix([1])


def test_user_assumptions_are_kept_in_text():
    t = Symbol("t", positive=True)
    assert derive.parse("sqrt(t**2)", symbols=[t]) == t
    assert derive.parse("abs(t) + s", symbols={"t": t}).free_symbols == {t, Symbol("s")}


def test_let_definitions_and_the_claim_share_the_users_symbols():
    s = Symbol("s")
    z_ = Symbol("z")
    v = derive.check(1 / (1 + sympy.exp(-z_)), z_, "s*(1 - s)", let={s: "1/(1 + exp(-z))"})
    assert v.ok
    v = derive.check("1/(1 + exp(-z))", "z", 2 * s * (1 - s), let={"s": 1 / (1 + sympy.exp(-z_))})
    assert v.status == "wrong" and "2 times" in v.explanation, v.explanation
    assert sole(v.expected, "z") == z_


def test_sheet_and_validate_claims_mix_text_and_sympy():
    from derive.check.claims import check_claim

    result = check_claim("x**2 + y**3", [x, y], [2 * x, "3*y**2"], at={x: 1, "y": 2})
    assert result.ok and result.wrt == (x, y)
    bad = check_claim(x**2 + y**3, "x y", "[2*x, 2*y]")
    assert not bad.ok


def test_to_index_and_to_matrix_three_ways():
    n = Symbol("n", integer=True, positive=True)
    A, v = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("x", n, 1)
    text = derive.to_index("x.T @ A @ x", (), "A: n x n, x: n")
    objects = derive.to_index(v.T * A * v)
    assert text == objects
    w, u = sympy.IndexedBase("w"), sympy.IndexedBase("x")
    j, k = sympy.symbols("j k", integer=True)
    assert derive.to_matrix(sympy.Sum(w[k, j] * u[j], (j, 0, n - 1)), [Symbol("k")]) == \
        derive.to_matrix("sum(w[k, j]*x[j], j)", "k")


def test_cli_let_and_at_name_the_same_variables():
    assert main(["grad", "t**2", "--let", "t: positive", "--at", "t=-1"]) == 2
    assert main(["grad", "x**2", "--wrt", "z"]) == 2


# ---------------------------------------------------------------------------
# derive works over the reals


def test_abs_of_a_plain_sympy_symbol_differentiates_to_sign_in_the_users_symbol():
    g = derive.grad(Abs(x), x)
    assert g == Matrix([sign(x)])
    assert sole(g, "x") == x and not g.has(sympy.Derivative, sympy.re, sympy.im)


@pytest.mark.parametrize("f", ["abs(x/y)", Abs(x / y), "abs(x/y) + 0*x"])
def test_hessian_of_abs_evaluates(f):
    wrt = "x y" if isinstance(f, str) else [x, y]
    H = derive.hessian(f, wrt)
    a, b = (xr, yr) if isinstance(f, str) else (x, y)
    expected = Matrix([[0, -sign(a / b) / b**2], [-sign(a / b) / b**2, 2 * a * sign(a / b) / b**3]])
    assert (H - expected).applyfunc(lambda e: sympy.simplify(e)) == sympy.zeros(2, 2)


@pytest.mark.parametrize("f, expected", [
    (Max(x, 2 * x**2), None), (sympy.Heaviside(x) * x**2, 2 * x * sympy.Heaviside(x)),
    (sympy.floor(x) + x, 1), (sign(x) * x**3, 3 * x**2 * sign(x)),
])
def test_kinks_and_steps_differentiate_almost_everywhere(f, expected):
    # floor: codegen.gradcheck's complex step reads x + floor(x) as slope 2 (numeric's area), so that
    # case is checked here by exact finite differences only
    g = derive.grad(f, x, validate=not f.has(sympy.floor))[0]
    assert not g.has(sympy.Derivative, sympy.DiracDelta)
    if expected is not None:
        assert sympy.simplify(g - expected) == 0
    for value in (Rational(-3, 2), Rational(1, 3), Rational(5, 2)):  # independent check: finite differences
        h = Rational(1, 10**12)
        fd = (f.subs(x, value + h) - f.subs(x, value - h)) / (2 * h)
        assert abs(float(g.subs(x, value)) - float(fd)) < 1e-6


def test_plain_and_real_symbols_in_one_call_are_one_variable():
    g = derive.grad(x**2 + xr**3, "x")  # SymPy: two variables; derive: one name, one variable
    assert g == Matrix([2 * xr + 3 * xr**2])


def test_a_matrix_symbol_declared_in_text_and_given_in_sympy_is_one_variable():
    """w: d in text makes d a positive integer; MatrixSymbol("w", d, 1) with a plain d is the same w.
    Sizes that disagree are an error naming both shapes."""
    w = sympy.MatrixSymbol("w", Symbol("d"), 1)
    assert derive.to_text(derive.grad("w.T@w", w, symbols="w: d")) == "2*w"
    with pytest.raises(SymbolError, match="d x 1 matrix symbol and as a 3 x 1"):
        derive.grad("w.T@w", sympy.MatrixSymbol("w", 3, 1), symbols="w: d")
    # the plain d inside other SymPy objects (OneMatrix(1, d)) means the declared d too
    ones = sympy.OneMatrix(1, Symbol("d"))
    cube = derive.grad(sympy.Trace(ones * sympy.HadamardPower(w, 3)), w, symbols="w: d")
    assert derive.to_text(cube) == "3*w**2"
    assert derive.to_text(derive.grad(sympy.Trace(ones * w), w, symbols="w: d")) == "ones(d, 1)"


# ---------------------------------------------------------------------------
# values at points


@pytest.mark.parametrize("f, wrt", [("sqrt(x**2 + y**2)", "x y"), (sqrt(x**2 + y**2), [x, y]),
                                    ("sqrt(x**2 + y**2)", [x, y])])
def test_cone_tip_derivatives_are_undefined_not_numbers(f, wrt):
    d = derive.differentiate(f, wrt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pv = d.at({"x": 0, "y": 0})
        assert pv.undefined == ((0, 0), (1, 0))
        assert np.isnan(pv.numeric).all()
        data = pv.to_dict()
    assert data["exact"] == [["undefined"], ["undefined"]] and data["value"] == [["undefined"], ["undefined"]]
    assert "undefined" in str(pv) and "nan" not in str(pv)
    assert r"\text{undefined}" in pv._repr_latex_()


@pytest.mark.parametrize("f, point, expected", [
    ("abs(x)", {"x": 0}, [None]),
    ("x*abs(x)", {"x": 0}, [0]),
    ("log(x)", {"x": 0}, [None]),
    ("sqrt(x)", {"x": 0}, [None]),
    ("x**(1/3)", {"x": 0}, [None]),
    ("max(x, y)", {"x": 1, "y": 1}, [None, None]),
    ("max(x, y)", {"x": 2, "y": 1}, [1, 0]),
    ("x**3 - 2*x**2 + 1", {"x": Rational(4, 3)}, [0]),
    ("1/x", {"x": 0}, [None]),
])
def test_values_at_points_exact_or_undefined(f, point, expected):
    d = derive.differentiate(f)
    pv = d.at(point)
    got = [None if (i, 0) in pv.undefined else pv.exact[i, 0] for i in range(len(expected))]
    assert got == expected


def test_sympy_symbols_as_point_keys():
    d = derive.differentiate(Abs(x) ** 3, x)
    pv = d.at({x: 0})
    assert pv.exact == Matrix([0]) and list(pv.point) == [x]
    with pytest.raises(SymbolError, match="'x'"):  # a key of another, incompatible x
        derive.differentiate(Symbol("x", positive=True) ** 2).at({Symbol("x", negative=True): -1})


def test_hessian_undefined_where_the_gradient_has_a_kink():
    pv = derive.differentiate("abs(x)*y", "x y", "hessian").at({"x": 0, "y": 1})
    assert set(pv.undefined) == {(0, 0), (0, 1), (1, 0)} and pv.exact[1, 1] == 0


def test_cli_at_a_cone_tip_prints_undefined_and_json_has_no_complex_numbers(capsys):
    assert main(["grad", "sqrt(x**2+y**2)", "--at", "x=0,y=0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["at"]["exact"] == [["undefined"], ["undefined"]]
    assert "nan" not in json.dumps(out["at"])


# ---------------------------------------------------------------------------
# the diagnosis never raises


def test_diagnosis_of_a_claim_undefined_on_half_the_line():
    v = derive.check("sqrt(tanh(x))", "x", "(1 - tanh(x)**2)/(2*sqrt(tanh(x))) + 1")
    assert v.status == "wrong" and "extra term" in v.explanation
