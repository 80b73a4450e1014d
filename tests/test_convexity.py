"""derive.convexity: "show that the Hessian is PSD", or a counterexample, or "not decided".

Every convex verdict is tested against a near miss that is not convex (the sign
flipped, a parameter left free), and every counterexample is re-evaluated here
independently of derive, from f alone, so that a wrong rule or a wrong number fails.
"""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
import sympy

import derive
from derive.optimize.convexity import components
from derive.optimize.convexity.result import Argument, Step
from derive.optimize.convexity.signs import Facts, sign

LEAST_SQUARES = ("norm(X@w - y)**2", "w", "X: n x d, w: d, y: n")
RIDGE = "norm(X@w - y)**2 + lam*norm(w)**2"
LOGISTIC_INDEX = "sum(log(1 + exp(-y[i]*sum(w[j]*x[i,j], j))), i)"


def by_name(values):
    """A counterexample's point or direction keyed by name (text's symbols carry derive's assumptions)."""
    return {str(getattr(s, "name", s)): v for s, v in values.items()}


def texts(result):
    return " | ".join(str(step) for step in result.argument)


def second_difference(f, point, direction, t=sympy.Rational(1, 1024)):
    """f(x + t v) + f(x - t v) - 2 f(x), evaluated here with SymPy from f and the counterexample alone."""
    def at(s):
        return f.subs({x: point[x] + s * t * direction.get(x, 0) for x in point}).evalf(40)
    return at(1) + at(-1) - 2 * at(0)


def curvature_here(f, point, direction):
    """v^T H v at the point, with SymPy's own hessian (not derive's)."""
    variables = list(direction)
    H = sympy.hessian(f, variables).subs(point)
    v = sympy.Matrix([direction[s] for s in variables])
    return (v.T * H * v)[0, 0]


# -- convex, with the argument a teacher would accept ------------------------------------------


def test_logistic_loss_index_notation_is_a_gram_form_with_nonnegative_weights():
    r = derive.convexity(LOGISTIC_INDEX, "w[k]")
    assert r.status == "convex" and r.convex is True and r.notation == "index"
    assert r.hessian == derive.differentiate(LOGISTIC_INDEX, "w[k]", "hessian").result
    words = texts(r)
    assert "sum over i" in words and "c u u^T" in words and "u[k] = x[i, k]" in words
    assert "0 < sigmoid" in words and r.counterexample is None


def test_logistic_loss_index_notation_with_labels_declared():
    r = derive.convexity("sum(softplus(sum(X[i, j]*w[j], j)) - y[i]*sum(X[i, j]*w[j], j), i)", "w[k]",
                         "y: binary")
    assert r.status == "convex"
    assert "is > 0 (0 < sigmoid" in texts(r)  # sigma (1 - sigma) > 0


def test_logistic_loss_matrix_notation_is_x_transpose_d_x():
    r = derive.convexity("sum(softplus(X@w)) - y.T@X@w", "w", "X: n x d, w: d, y: n")
    assert r.status == "convex" and r.notation == "matrix"
    words = texts(r)
    assert "B^T C B with B = X" in words and "diagonal" in words and "0 < sigmoid((X" in words


def test_logistic_loss_matrix_notation_with_labels_plus_minus_one():
    r = derive.convexity("sum(softplus(-hadamard(y, X@w)))", "w", "X: n x d, w: d, y: n sign")
    assert r.status == "convex" and "y is declared sign" in texts(r)


@pytest.mark.xfail(strict=True, reason="text broadcasting of scalars and elementwise * on vectors "
                                       "('1 + exp(-y*(X@w))') is a ShapeError today (issue 19, item 3)")
def test_logistic_loss_matrix_notation_as_written_in_numpy():
    r = derive.convexity("sum(log(1 + exp(-y*(X@w))))", "w", "X: n x d, w: d, y: n")
    assert r.status == "convex"


def test_least_squares_is_a_gram_matrix_but_not_strictly_convex():
    r = derive.convexity(*LEAST_SQUARES)
    assert r.status == "convex"  # X^T X is singular when X has dependent columns: not strictly
    assert "Gram matrix B^T B with B = X" in texts(r)
    assert derive.convexity("-" + LEAST_SQUARES[0], *LEAST_SQUARES[1:]).status == "concave"


def test_ridge_convex_for_nonnegative_lambda_strictly_for_positive():
    decl = "X: n x d, w: d, y: n; lam: "
    assert derive.convexity(RIDGE, "w", decl + "nonnegative").status == "convex"
    strict = derive.convexity(RIDGE, "w", decl + "positive")
    assert strict.status == "strictly convex" and "lam > 0 (declared)" in texts(strict)


def test_ridge_with_lambda_free_is_not_convex_and_the_counterexample_holds():
    r = derive.convexity(RIDGE, "w", "X: n x d, w: d, y: n")
    assert r.status == "not convex" and r.convex is False
    c = r.counterexample
    point = {s.name: v for s, v in c["point"].items()}
    X, lam = sympy.Matrix(point["X"]), point["lam"]
    v = sympy.Matrix(c["direction"][next(iter(c["direction"]))])
    assert lam < 0
    assert (v.T * (2 * X.T * X + 2 * lam * sympy.eye(X.shape[1])) * v)[0, 0] == c["curvature"] < 0


def test_ridge_in_index_notation():
    f = "sum((y[i] - sum(X[i,j]*w[j], j))**2, i) + lam*sum(w[j]**2, j)"
    assert derive.convexity(f, "w[k]", "lam: positive").status == "strictly convex"
    assert derive.convexity(f, "w[k]", "lam: nonnegative").status == "convex"
    assert derive.convexity(f, "w[k]").status == "not convex"


@pytest.mark.parametrize("f, wrt, let", [
    ("log(exp(x) + exp(y) + exp(z))", "x y z", None),
    ("log(sum(exp(z)))", "z", "z: n"),
    ("log(sum(exp(z[i]), i))", "z[k]", None),
])
def test_log_sum_exp_is_a_covariance(f, wrt, let):
    r = derive.convexity(f, wrt, let)
    assert r.status == "convex"  # not strictly: H 1 = 0
    words = texts(r)
    assert "diag(p) - p p^T" in words and "Cauchy-Schwarz" in words
    assert derive.convexity("-" + f if "(" not in f[:1] else f"-({f})", wrt, let).status == "concave"


@pytest.mark.parametrize("f, wrt, let", [
    ("p*log(p) + q*log(q)", "p q", None),
    ("sum(p[i]*log(p[i]), i)", "p[k]", None),
    ("sum(hadamard(p, log(p)))", "p", "p: n"),
])
def test_negative_entropy_is_strictly_convex_on_its_domain(f, wrt, let):
    r = derive.convexity(f, wrt, let)
    assert r.status == "strictly convex"
    assert "> 0" in texts(r) and ("p > 0" in texts(r) or "p[i] > 0" in texts(r))


def test_x4_plus_y2_is_convex_from_its_diagonal_hessian():
    r = derive.convexity("x**4 + y**2", "x y")
    assert r.status == "convex"  # H(0, y) is singular: the Hessian test cannot say "strictly"
    assert "12*x**2 >= 0" in texts(r) and "diagonal" in texts(r)


def test_schur_complement_and_minors():
    r = derive.convexity("x**2 + x*y + y**2 + 3*z**2 - z*y", "x y z")
    assert r.status == "strictly convex" and "Schur complement" in texts(r)
    assert derive.convexity("x**2 + 3*x*y + y**2", "x y").status == "not convex"  # the same pivot, S = 2 - 9/2
    r = derive.convexity("x**2/y", "x y", "y: positive")  # quadratic over linear: 2/y^3 (y, -x)(y, -x)^T
    assert r.status == "convex" and "rank one" in texts(r)
    assert derive.convexity("x**2/y", "x y", "y: negative").status == "concave"
    r = derive.convexity("x**4 + y**4 + 6*x**2*y**2", "x y")
    assert r.status == "convex" and "principal minor" in texts(r)


def test_rank_one_hessians_of_a_function_of_a_linear_form():
    r = derive.convexity("(x1 + x2 + x3 + x4 + x5)**4")
    assert r.status == "convex" and "rank one" in texts(r)
    assert derive.convexity("-(x1 + x2 + x3 + x4 + x5)**4").status == "concave"
    assert derive.convexity("(x1 + x2 + x3 + x4 + x5)**3").status == "not convex"


def test_inverse_of_a_positive_definite_matrix():
    r = derive.convexity("x.T@inv(S)@x", "x", "S: n x n spd, x: n")
    assert r.status == "strictly convex" and "inverse of a positive definite" in texts(r)
    assert derive.convexity("x.T@inv(S)@x", "x", "S: n x n, x: n").status == "not convex"


def test_sums_of_convex_terms_and_samples():
    r = derive.convexity("-sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)", "p", "y: binary")
    assert r.status == "convex" and "sum of terms" in texts(r) and "y is declared binary" in texts(r)
    # with labels that may be any real number, the same f is not convex: the declaration matters
    free = derive.convexity("-sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)", "p")
    assert free.status == "not convex" and 0 < by_name(free.counterexample["point"])["p"] < 1
    assert derive.convexity("sum((x[i] - mu)**2, i)", "mu").status == "strictly convex"


def test_domain_from_log_and_a_curved_domain_shown_convex():
    r = derive.convexity("-log(1 - x**2 - y**2)", "x y")
    assert r.status == "strictly convex" and "1 - x**2 - y**2 is concave" in texts(r)
    assert r.domain == ["1 - x**2 - y**2 > 0"]


# -- not convex: counterexamples, exact and inside the domain --------------------------------------


def test_saddle_counterexample_is_exact():
    r = derive.convexity("x**2 - y**2", "x y")
    assert r.status == "not convex" and r.convex is False
    c = r.counterexample
    direction = by_name(c["direction"])
    assert direction["x"] == 0 and direction["y"] != 0 and c["exact"]
    assert c["curvature"] == curvature_here(r.f, c["point"], c["direction"]) == -2 * direction["y"] ** 2


@pytest.mark.parametrize("f, wrt, let, inside", [
    ("sin(x)", "x", None, lambda p: sympy.sin(p) > 0),
    ("x**3", "x", None, lambda p: p < 0),
    ("log(x) + x**2", "x", None, lambda p: 0 < p < 1 / sympy.sqrt(2)),
    ("x*y", "x y", None, None),
    ("exp(x)*y**2", "x y", None, None),
])
def test_counterexamples_are_inside_the_domain_and_recheck_independently(f, wrt, let, inside):
    r = derive.convexity(f, wrt, let)
    assert r.status == "not convex"
    c = r.counterexample
    expr, point = r.f, c["point"]
    if inside is not None:
        assert inside(by_name(point)[wrt.split()[0]])
    here = curvature_here(expr, point, c["direction"])
    assert sympy.N(here - c["curvature"], 30) == 0 and sympy.N(here) < 0
    assert second_difference(expr, point, c["direction"]) < 0  # f lies above a chord there


def test_x_cubed_on_the_positive_axis_is_strictly_convex():
    assert derive.convexity("x**3", "x", "x: positive").status == "strictly convex"


def test_quadratic_form_in_matrix_notation_needs_a_psd_matrix():
    r = derive.convexity("x.T@A@x", "x", "A: n x n, x: n")
    assert r.status == "not convex"
    point = {s.name: v for s, v in r.counterexample["point"].items()}
    A = sympy.Matrix(point["A"])
    v = sympy.Matrix(list(r.counterexample["direction"].values())[0])
    assert (v.T * (A + A.T) * v)[0, 0] == r.counterexample["curvature"] < 0
    assert derive.convexity("x.T@A@x", "x", "A: n x n spd, x: n").status == "strictly convex"


def test_concave_functions():
    r = derive.convexity("log(x)", "x")
    assert r.status == "concave" and r.convex is False and r.domain == ["x > 0"]
    assert by_name(r.counterexample["point"])["x"] > 0
    assert derive.convexity("-x**2 - y**2", "x y").status == "concave"
    assert derive.convexity("sqrt(x)", "x").status == "concave"


def test_parameters_are_quantified_over():
    r = derive.convexity("a*x**2 + b*y**2", "x y")
    assert r.status == "not convex"
    point = {s.name: v for s, v in r.counterexample["point"].items()}
    assert point["a"] < 0 or point["b"] < 0
    assert derive.convexity("a*x**2 + b*y**2", "x y", "a b: positive").status == "strictly convex"


# -- not decided ---------------------------------------------------------------------------------


def test_a_domain_in_two_pieces_is_not_decided():
    r = derive.convexity("x**2 + 1/x**2", "x")
    assert r.status == "not decided" and r.convex is None and r.counterexample is None
    assert "x = 0" in r.note and "x: positive" in r.note
    assert derive.convexity("x**2 + 1/x**2", "x", "x: positive").status == "strictly convex"


@pytest.mark.parametrize("f", ["abs(x)", "-abs(x)", "max(x, 0)"])
def test_kinks_are_never_called_convex_from_a_zero_hessian(f):
    r = derive.convexity(f, "x")
    assert r.status == "not decided" and "kinks" in r.note


def test_relu_squared_minus_square_is_not_convex():
    r = derive.convexity("relu(x)**2 - x**2", "x")
    assert r.status == "not convex" and by_name(r.counterexample["point"])["x"] < 0


# -- a symbolic argument is never returned unchecked -------------------------------------------------


def test_a_wrong_rule_cannot_outvote_the_numbers(monkeypatch):
    def trust_me(H, ctx):
        return Argument(True, [Step("every Hessian is PSD (wrong)")])

    monkeypatch.setattr(components, "RULES", (("wrong", trust_me),))
    r = derive.convexity("x**2 - y**2", "x y")
    assert r.status == "not convex" and r.counterexample["curvature"] < 0 and not r.argument
    assert derive.convexity("x**2 + y**2", "x y").argument[0].text == "every Hessian is PSD (wrong)"  # it is used


@pytest.mark.parametrize("expr, proved", [
    ("sigmoid(t)*(1 - sigmoid(t))", "positive"),
    ("12*x**2 - 6*x + 2", "positive"),
    ("x**2 - 2*x*y + y**2", "nonnegative"),
    ("cosh(x) - 1", "nonnegative"),
    ("x**2 - 1", None),
    ("(x - y)**3", None),
    ("-sin(x)", None),
    ("2 - x**2", None),
])
def test_signs_are_proved_or_left_open(expr, proved):
    e = derive.parse(expr)
    found = sign(e, Facts(), "positive") or sign(e, Facts())
    if proved is None:
        assert found is None
    else:
        assert found is not None and found.strict == (proved == "positive")


# -- three ways in, bad input --------------------------------------------------------------------


def test_sympy_objects_and_mixed():
    x, y = sympy.symbols("x y")
    r = derive.convexity(x**2 - y**2, [x, y])
    assert r.status == "not convex" and r.counterexample["point"][x] is not None  # the user's own x
    assert derive.convexity("x**4 + y**2", [x, "y"]).status == "convex"
    n, d = sympy.symbols("n d", integer=True, positive=True)
    X, w, yv = sympy.MatrixSymbol("X", n, d), sympy.MatrixSymbol("w", d, 1), sympy.MatrixSymbol("y", n, 1)
    lam = sympy.Symbol("lam", positive=True)
    assert derive.convexity((X * w - yv).T * (X * w - yv) + lam * w.T * w, w).status == "strictly convex"
    assert derive.convexity(RIDGE, w, {"X": X, "y": yv, "lam": lam}).status == "strictly convex"
    i, j, k = sympy.symbols("i j k", integer=True)
    N = sympy.Symbol("N", integer=True, positive=True)
    Xb, wb, yb = sympy.IndexedBase("X"), sympy.IndexedBase("w"), sympy.IndexedBase("y")
    z = sympy.Sum(Xb[i, j] * wb[j], (j, 0, d - 1))
    assert derive.convexity(sympy.Sum(derive.softplus(z) - yb[i] * z, (i, 0, N - 1)), wb[k]).status == "convex"


@pytest.mark.parametrize("f, wrt, let, error", [
    ("x**2 + y**2", "z", None, derive.SymbolError),
    ("[x, y]", "x y", None, derive.ShapeError),
    ("X@w", "w", "X: n x d, w: d", derive.ShapeError),
    ("x**2 +", "x", None, derive.ParseError),
    ("sum(W[i,j]**2, i, j)", "W[k, a]", None, derive.DeriveError),
    ("log(det(X))", "X", "X: n x n", derive.ShapeError),
])
def test_bad_input_is_a_one_line_error(f, wrt, let, error):
    with pytest.raises(error) as info:
        derive.convexity(f, wrt, let)
    assert "\n" not in str(info.value)


def test_result_object_prints_serializes_and_renders():
    r = derive.convexity("x**2 - y**2", "x y")
    text = str(r)
    assert "not convex" in text and "counterexample" in text and "v^T H v = -2" in text
    data = json.loads(json.dumps(r.to_dict()))
    assert data["status"] == "not convex" and data["convex"] is False
    assert data["counterexample"]["curvature"] == "-2" and data["counterexample"]["exact"] is True
    assert r._repr_latex_().startswith("$$") and "counterexample" in r._repr_latex_()
    convex = derive.convexity(*LEAST_SQUARES)
    data = json.loads(json.dumps(convex.to_dict()))
    assert data["convex"] is True and data["argument"] and all("text" in s for s in data["argument"])


# -- command line, example -----------------------------------------------------------------------


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=120)


def test_cli_exit_codes_and_json():
    done = run_cli("convex", "x**2 - y**2", "--wrt", "x,y", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["status"] == "not convex"
    done = run_cli("convex", RIDGE, "--wrt", "w", "--let", "X: n x d, w: d, y: n; lam: nonnegative")
    assert done.returncode == 0 and "is convex" in done.stdout and "Gram matrix" in done.stdout
    done = run_cli("convex", "abs(x)", "--wrt", "x")
    assert done.returncode == 1 and "not decided" in done.stdout
    done = run_cli("convex", "x**2", "--wrt", "z")
    assert done.returncode == 2 and done.stderr.startswith("derive: error:") and "Traceback" not in done.stderr


def test_example_runs_headless(root, tmp_path):
    spec = importlib.util.spec_from_file_location("convexity_example", root / "examples" / "convexity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(tmp_path)
    assert all(out[title].convex for title, *_ in module.CONVEX)
    assert all(out[f].status == "not convex" for f, _ in module.NOT_CONVEX)
    assert out["undecided"].status == "not decided" and out["undecided, declared"].status == "strictly convex"
    assert (tmp_path / "convexity.png").stat().st_size > 10_000
    assert np.isfinite(out["sin(x)"].counterexample["curvature_value"])
