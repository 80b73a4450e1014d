"""Critical points and KKT points in index and matrix notation, and of functions of a sample.

Every answer is compared with an independent computation: NumPy's linear algebra at random
data for the matrix forms, SciPy's SLSQP for the constrained ones, NumPy's mean and variance
for the likelihoods.  Inputs are text, SymPy objects (IndexedBase/Sum, MatrixSymbol) and both
mixed in one call.
"""

import json
import numpy as np
import pytest
import sympy
from scipy.optimize import brentq, minimize

import derive
from derive.errors import DeriveError, LimitError, SymbolError
from derive.validation.matrix_eval import evaluate

ENTROPY = "-sum(p[i]*log(p[i]), i)"


def run_cli(*args):
    """The command line in this process (its own process costs a second of imports per call)."""
    import contextlib
    import io

    from derive.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as exc:  # argparse and the error path exit
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def named(expr, name):
    return next(s for s in expr.free_symbols | expr.atoms(sympy.MatrixSymbol, sympy.IndexedBase)
                if getattr(s, "name", str(s)) == name)


def at_sample(value, data, size):
    """A value in index notation (sums over x[i], i < n) at a concrete sample."""
    n = named(value, "n")
    bases = {str(b): b for b in value.atoms(sympy.IndexedBase)}
    subs = {bases[name][i]: sympy.nsimplify(v) for name, arr in data.items() for i, v in enumerate(arr)}
    return float(sympy.N(value.xreplace({n: size}).doit().xreplace(subs)))


def matrix_value(expr, arrays, sizes, scalars=None):
    """A matrix expression evaluated by NumPy at concrete arrays (name -> array) and sizes (name -> int)."""
    symbols = {m.name: m for m in expr.atoms(sympy.MatrixSymbol)}
    size_symbols = {s: sizes[s.name] for s in expr.free_symbols if getattr(s, "name", None) in sizes}
    values = {symbols[k]: v for k, v in arrays.items() if k in symbols}
    values.update({s: float(v) for s, v in size_symbols.items()})  # a size in a scalar factor (1/n)
    expr = expr.xreplace({named(expr, k): v for k, v in (scalars or {}).items()})
    return np.asarray(evaluate(expr, values, size_symbols), dtype=float)


# ---------------------------------------------------------------------------
# maximum entropy in index notation


def test_max_entropy_on_the_simplex_is_uniform_text():
    problem = derive.kkt(ENTROPY, "p", st="sum(p[i], i) = 1", sense="max")
    (point,) = problem.solve()
    (entry,) = point.x
    n = named(point.x[entry], "n")
    assert sympy.simplify(point.x[entry] - 1 / n) == 0
    (lam,) = point.multipliers
    assert sympy.simplify(point.multipliers[lam] - (sympy.log(n) - 1)) == 0
    assert point.kind == "max" and sympy.simplify(point.value - sympy.log(n)) == 0
    # independently: the stationarity of f - lambda (sum p - 1) at n = 4 entries, p = 1/4
    p = sympy.symbols("p0:4", positive=True)
    L = -sum(q * sympy.log(q) for q in p) - lam * (sum(p) - 1)
    at = {**{q: sympy.Rational(1, 4) for q in p}, lam: sympy.log(4) - 1}
    assert all(sympy.simplify(sympy.diff(L, q).xreplace(at)) == 0 for q in p)


def test_max_entropy_sympy_objects_and_mixed():
    p, E = sympy.IndexedBase("p"), sympy.IndexedBase("E")
    i, N = sympy.Symbol("i", integer=True), sympy.Symbol("N", integer=True, positive=True)
    f = -sympy.Sum(p[i] * sympy.log(p[i]), (i, 0, N - 1))
    (point,) = derive.kkt(f, p, st=[sympy.Eq(sympy.Sum(p[i], (i, 0, N - 1)), 1)], sense="max").solve()
    assert sympy.simplify(list(point.x.values())[0] - 1 / N) == 0
    # mixed: SymPy objective, text constraint naming the same p and N
    (mixed,) = derive.kkt(f, "p", st="sum(p[i], (i, 0, N - 1)) = 1", sense="max").solve()
    assert sympy.simplify(list(mixed.x.values())[0] - 1 / N) == 0
    # the element as wrt: p[k]
    (element,) = derive.kkt(ENTROPY, "p[k]", st="sum(p[i], i) = 1", sense="max").solve()
    assert str(list(element.x)[0]) == "p[k]"
    del E


def test_max_entropy_with_a_mean_is_gibbs_with_an_implicit_multiplier():
    solution = derive.kkt(ENTROPY, "p", st=["sum(p[i], i) = 1", "sum(p[i]*E[i], i) = m"], sense="max").solve()
    (point,) = solution
    (entry,) = point.x
    assert len(point.implicit) == 1 and "implicit equation" in str(point)
    lam2 = named(point.x[entry], "lambda2")
    assert point.multipliers[lam2] == lam2  # left as the root of the implicit equation
    # at concrete energies: lambda2 from derive's implicit equation, p from derive's formula vs SLSQP
    energies, mean = np.array([0.0, 1.0, 2.0, 5.0]), 1.5
    equation = point.implicit[0].lhs
    bases = {str(b): b for b in equation.atoms(sympy.IndexedBase)}
    n, m = named(equation, "n"), named(equation, "m")
    data = {bases["E"][j]: sympy.nsimplify(v) for j, v in enumerate(energies)}

    def residual(b):
        return float(sympy.N(equation.xreplace({n: 4, m: sympy.nsimplify(mean), lam2: b}).doit().xreplace(data)))

    beta = brentq(residual, -10, 10)
    k = entry.indices[0]
    p = np.array([float(sympy.N(point.x[entry].xreplace({k: j, n: 4, lam2: beta}).doit().xreplace(data)))
                  for j in range(4)])
    ref = minimize(lambda q: np.sum(q * np.log(q)), np.full(4, 0.25), method="SLSQP", bounds=[(1e-9, 1)] * 4,
                   constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1},
                                {"type": "eq", "fun": lambda q: q @ energies - mean}], options={"ftol": 1e-14})
    assert np.allclose(p, ref.x, atol=1e-6)
    assert np.allclose(p, np.exp(-beta * energies) / np.exp(-beta * energies).sum(), atol=1e-12)


def test_nonnegativity_per_entry_is_inactive_at_the_uniform_point():
    (point,) = derive.kkt("sum(p[i]**2, i)", "p", st=["sum(p[i], i) = 1", "p[i] >= 0"]).solve()
    (entry,) = point.x
    n = named(point.x[entry], "n")
    assert sympy.simplify(point.x[entry] - 1 / n) == 0 and point.kind == "min"
    mu = next(m for m in point.multipliers if str(m) == "mu1")
    assert point.multipliers[mu] == 0 and "inactive at every entry" in str(point)


def test_index_critical_points_couple_through_sums():
    (point,) = derive.critical_points("sum((p[i] - c[i])**2, i) + sum(p[i], i)**2", "p")
    (entry,) = point.x
    # p = c - sum(c)/(n + 1) at n = 3, c = (1, 2, 6): the gradient 2(p - c) + 2 sum(p) vanishes
    c = np.array([1.0, 2.0, 6.0])
    k, n = entry.indices[0], named(point.x[entry], "n")
    base = next(b for b in point.x[entry].atoms(sympy.IndexedBase) if str(b) == "c")
    values = np.array([float(point.x[entry].xreplace({k: j, n: 3}).doit().xreplace(
        {base[t]: sympy.nsimplify(v) for t, v in enumerate(c)})) for j in range(3)])
    assert np.allclose(2 * (values - c) + 2 * values.sum(), 0) and point.kind == "min"


# ---------------------------------------------------------------------------
# matrix notation


RIDGE = "norm(X@w - y)**2 + lam*norm(w)**2"
RIDGE_DECL = "X: n x d, w: d, y: n"


def test_ridge_and_the_normal_equations_against_numpy():
    found = derive.critical_points(RIDGE, "w", symbols=RIDGE_DECL)
    (w,) = found.wrt
    by_case = {tuple(str(c) for c in p.conditions): p for p in found.points}
    assert set(by_case) == {("lam > 0",), ("Eq(lam, 0)",)}
    positive, zero = by_case[("lam > 0",)], by_case[("Eq(lam, 0)",)]
    assert positive.kind == zero.kind == "min"
    assert [r.text for r in zero.requires] == ["X has full column rank (rank d)"]
    assert "X.T@X@w = X.T@y" in str(zero)
    rng = np.random.default_rng(3)
    for rows, cols in ((8, 3), (5, 5)):
        X, y, lam = rng.normal(size=(rows, cols)), rng.normal(size=(rows, 1)), 0.7
        sizes = {"n": rows, "d": cols}
        ridge = matrix_value(positive.x[w], {"X": X, "y": y}, sizes, {"lam": lam})
        assert np.allclose(ridge, np.linalg.solve(X.T @ X + lam * np.eye(cols), X.T @ y), atol=1e-12)
        normal = matrix_value(zero.x[w], {"X": X, "y": y}, sizes)
        assert np.allclose(normal, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-10)
        value = float(matrix_value(positive.value, {"X": X, "y": y}, sizes, {"lam": lam}))
        assert value == pytest.approx(float(np.sum((X @ ridge - y) ** 2) + lam * np.sum(ridge ** 2)), rel=1e-10)


def test_least_squares_sympy_objects_and_mixed():
    n, d = sympy.symbols("n d", integer=True, positive=True)
    X, w, y = sympy.MatrixSymbol("X", n, d), sympy.MatrixSymbol("w", d, 1), sympy.MatrixSymbol("y", n, 1)
    f = (X * w - y).T * (X * w - y)  # a 1 x 1 matrix expression
    (point,) = derive.critical_points(f, w).points
    rng = np.random.default_rng(1)
    A, b = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    assert np.allclose(matrix_value(point.x[w], {"X": A, "y": b}, {"n": 6, "d": 2}),
                       np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-10)
    (mixed,) = derive.critical_points("norm(X@w - y)**2", w, symbols={"X": X, "y": y}).points
    assert mixed.x[w] == point.x[w]


@pytest.mark.parametrize("f, factor", [("x.T@A@x - b.T@x", 0.5), ("1/2*x.T@A@x - b.T@x", 1.0)])
def test_quadratic_with_spd_matrix(f, factor):
    (point,) = derive.critical_points(f, "x", symbols="A: n x n spd, x: n, b: n").points
    (x,) = point.x
    assert point.kind == "min" and not point.requires
    rng = np.random.default_rng(2)
    L = rng.normal(size=(4, 4))
    A, b = L @ L.T + 4 * np.eye(4), rng.normal(size=(4, 1))
    assert np.allclose(matrix_value(point.x[x], {"A": A, "b": b}, {"n": 4}), factor * np.linalg.solve(A, b))


def test_quadratic_with_a_general_matrix_splits_the_kind():
    found = derive.critical_points("x.T@A@x - b.T@x", "x", symbols="A: n x n, x: n, b: n")
    assert [p.kind for p in found] == ["min", "max", "saddle"]
    assert "A + A.T is positive definite" in found.points[0].condition_text()


def test_least_norm_solution_of_a_linear_system():
    problem = derive.kkt("norm(x)**2", "x", st="A@x = b", symbols="A: m x n, x: n, b: m")
    (point,) = problem.solve()
    (x,) = point.x
    (lam,) = point.multipliers
    assert isinstance(lam, sympy.MatrixSymbol) and point.kind == "min"
    assert [r.text for r in point.requires] == ["A has full row rank (rank m)"]
    rng = np.random.default_rng(4)
    A, b = rng.normal(size=(3, 7)), rng.normal(size=(3, 1))
    sizes = {"m": 3, "n": 7}
    xv = matrix_value(point.x[x], {"A": A, "b": b}, sizes)
    assert np.allclose(xv, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-12)  # the minimum-norm solution
    lv = matrix_value(point.multipliers[lam], {"A": A, "b": b}, sizes)
    assert np.allclose(2 * xv + A.T @ lv, 0, atol=1e-12)  # stationarity of x.T x + lambda.T (A x - b)
    assert float(matrix_value(point.value, {"A": A, "b": b}, sizes)) == pytest.approx(float((xv.T @ xv)[0, 0]))


def test_quadratic_with_a_linear_equality_against_the_kkt_block_system():
    problem = derive.kkt("1/2*x.T@Q@x + c.T@x", "x", st="A@x = b",
                         symbols="Q: n x n spd, A: m x n, x: n, b: m, c: n")
    (point,) = problem.solve()
    (x,) = point.x
    (lam,) = point.multipliers
    rng = np.random.default_rng(5)
    L = rng.normal(size=(5, 5))
    Q, A, b, c = L @ L.T + np.eye(5), rng.normal(size=(2, 5)), rng.normal(size=(2, 1)), rng.normal(size=(5, 1))
    block = np.block([[Q, A.T], [A, np.zeros((2, 2))]])
    reference = np.linalg.solve(block, np.vstack([-c, b]))
    arrays, sizes = {"Q": Q, "A": A, "b": b, "c": c}, {"n": 5, "m": 2}
    assert np.allclose(matrix_value(point.x[x], arrays, sizes), reference[:5], atol=1e-10)
    assert np.allclose(matrix_value(point.multipliers[lam], arrays, sizes), reference[5:], atol=1e-10)


def test_matrix_notation_scalar_constraint_and_max():
    (point,) = derive.kkt("-norm(x - c)**2", "x", st="sum(x) = 1", symbols="x: n, c: n", sense="max").solve()
    (x,) = point.x
    c = np.array([[0.5], [2.0], [-1.0]])
    xv = matrix_value(point.x[x], {"c": c}, {"n": 3})
    assert np.allclose(xv, c - (c.sum() - 1) / 3) and point.kind == "max"  # the projection onto sum x = 1


def test_out_of_reach_in_matrix_notation_is_one_line():
    with pytest.raises(DeriveError):  # refused by the parser or by kkt, with one line
        derive.kkt("norm(x)**2", "x", st="x >= 0", symbols="x: n")
    with pytest.raises(LimitError, match="inequality"):
        derive.kkt("norm(x)**2", "x", st="sum(x) <= 1", symbols="x: n")
    with pytest.raises(LimitError, match="not linear"):
        derive.critical_points("sum(exp(x))", "x", symbols="x: n")


# ---------------------------------------------------------------------------
# likelihoods of a sample: textbook answers


def test_gaussian_mle_is_the_mean_and_the_biased_variance():
    found = derive.critical_points("sum(-log(sigma) - (x[i] - mu)**2/(2*sigma**2), i)", "mu sigma")
    (point,) = found.points
    mu, sigma = found.wrt
    assert point.kind == "max"
    assert point.when == "the x[i] are not all equal"
    text = str(found)
    assert ("sigma = sqrt(sum((x[i] - mu)**2, i)/n)" in text or "sigma = sqrt(sum((x[i] - mu)**2, i))/sqrt(n)" in text) \
        and "biased sample variance" in text
    assert "400 random draws" not in text and "S1" not in text
    sample = np.array([1.5, -2.0, 0.25, 3.0, 4.5, -1.0])
    assert at_sample(point.x[mu], {"x": sample}, 6) == pytest.approx(np.mean(sample), rel=1e-12)
    assert at_sample(point.x[sigma], {"x": sample}, 6) ** 2 == pytest.approx(np.var(sample), rel=1e-12)


def test_variance_as_the_variable_and_sympy_sums():
    x, i = sympy.IndexedBase("x"), sympy.Symbol("i", integer=True)
    N = sympy.Symbol("N", integer=True, positive=True)
    mu, s2 = sympy.symbols("mu s2")
    f = -N / 2 * sympy.log(2 * sympy.pi * s2) - sympy.Sum((x[i] - mu) ** 2, (i, 0, N - 1)) / (2 * s2)
    (point,) = derive.critical_points(f, [mu, s2]).points
    sample = np.array([2.0, 7.0, -1.0, 0.5])
    assert at_sample(point.x[mu].xreplace({N: sympy.Symbol("n")}), {"x": sample}, 4) == pytest.approx(
        np.mean(sample))
    assert float(sympy.N(point.x[s2].xreplace({N: 4}).doit().xreplace(
        {x[j]: sympy.nsimplify(v) for j, v in enumerate(sample)}))) == pytest.approx(np.var(sample))
    assert point.x[mu].has(mu) is False and point.kind == "max"
    # mixed: text f with the user's own mu
    (mixed,) = derive.critical_points("sum((x[i] - mu)**2, i)", mu).points
    assert list(mixed.x) == [mu]


@pytest.mark.parametrize("f, var, data", [
    ("sum(x[i]*log(lam) - lam - log(factorial(x[i])), i)", "lam", [3, 0, 5, 2, 1]),
    ("sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)", "p", [1, 0, 0, 1, 1, 1, 0]),
])
def test_poisson_and_bernoulli_mle_are_the_mean(f, var, data):
    found = derive.critical_points(f, var)
    (point,) = found.points
    (v,) = found.wrt
    assert point.kind == "max" and "sample mean" in str(point)
    name = "x" if "x[i]" in f else "y"
    assert at_sample(point.x[v], {name: data}, len(data)) == pytest.approx(np.mean(data))
    assert len(point.conditions) <= 2 and "n*" not in point.condition_text()


def test_a_scalar_n_next_to_a_sum_over_n_i_says_how_to_declare():
    with pytest.raises(SymbolError, match="i: index n"):
        derive.critical_points("-n/2*log(s2) - sum((x[i] - mu)**2, i)/(2*s2)", "mu s2")


def test_logistic_regression_has_no_closed_form_and_says_so():
    with pytest.raises(LimitError, match="no closed form"):
        derive.critical_points("sum(log(1 + exp(-y[i]*w*x[i])), i)", "w")


# ---------------------------------------------------------------------------
# constraint qualification, conventions, result objects


@pytest.mark.parametrize("f, wrt, st, where", [("x", "x y", "y**2 <= x**3", {"x": 0, "y": 0}),
                                               ("x", "x", "x**2 <= 0", {"x": 0})])
def test_licq_failure_is_said(f, wrt, st, where):
    solution = derive.kkt(f, wrt, st=st).solve()
    assert len(solution) == 0 and "infeasible" not in solution.note
    (q,) = solution.irregular
    assert {str(k): v for k, v in q.x.items()} == where
    assert "LICQ fails" in str(solution) and "Fritz John" in str(solution) and "multiplier 0 on f" in str(q)
    assert "local minimum" in q.local and q.to_dict()["multiplier_of_f"] == "0"


def test_a_regular_problem_has_no_licq_note():
    solution = derive.kkt("x + y", "x y", st="x**2 + y**2 <= 2").solve()
    assert not solution.irregular and len(solution) == 1


def test_multiplier_sign_convention_is_the_same_in_python_and_on_the_cli():
    py = derive.kkt("x*y", "x y", st="x + y = 10", sense="max").solve()
    rc, out, _ = run_cli("kkt", "--max", "x*y", "--wrt", "x,y", "--st", "x + y = 10", "--json")
    cli = json.loads(out)
    assert rc == 0 and cli["points"][0]["multipliers"] == {"lambda1": "5"}
    assert py.points[0].to_dict()["multipliers"] == {"lambda1": "5"}
    assert cli["problem"]["convention"] == py.problem.to_dict()["convention"]
    assert cli["problem"]["lagrangian"] == py.problem.to_dict()["lagrangian"]
    lam = sympy.Symbol("lambda1")
    assert sympy.expand(derive.parse(cli["problem"]["lagrangian"]).subs(derive.parse("lambda1"), lam)
                        - (derive.parse("x*y") - lam * derive.parse("x + y - 10"))) == 0


def test_default_sense_is_stated():
    problem = derive.kkt("x**2", "x", st="x >= 1")
    assert "min (the default sense" in str(problem) and "min (the default sense" in str(problem.solve())
    assert "default" not in str(derive.kkt("x**2", "x", st="x >= 1", sense="min"))


def test_result_objects_render():
    for problem in (derive.kkt("a**2 + b**2", "a b", st="a + b >= 1"),
                    derive.kkt(ENTROPY, "p", st="sum(p[i], i) = 1", sense="max"),
                    derive.kkt("norm(x)**2", "x", st="A@x = b", symbols="A: m x n, x: n, b: m")):
        solution = problem.solve()
        for obj in (problem, solution, solution.points[0]):
            assert "object at 0x" not in repr(obj)
            latex = obj._repr_latex_()
            assert latex.startswith("$") and latex.endswith("$")
        json.dumps(solution.to_dict())


# ---------------------------------------------------------------------------
# the command line and the example


def test_cli_max_entropy_and_ridge():
    rc, out, _ = run_cli("kkt", "--max", ENTROPY, "--wrt", "p", "--st", "sum(p[i], i) = 1")
    assert rc == 0 and "p[k] = 1/n" in out and "lambda1 = log(n) - 1" in out
    rc, out, _ = run_cli("critical", RIDGE, "--wrt", "w", "--let", RIDGE_DECL, "--json")
    data = json.loads(out)
    assert rc == 0 and {p["x"]["w"] for p in data["points"]} == {"inv(lam*eye(d) + X.T@X)@X.T@y", "inv(X.T@X)@X.T@y"}
    rc, out, err = run_cli("kkt", "--min", "norm(x)**2", "--wrt", "x", "--st", "sum(x) <= 1", "--let", "x: n")
    assert rc == 2 and err.count("\n") == 1 and "out of reach" in err


def test_example_runs(root):
    import importlib.util

    spec = importlib.util.spec_from_file_location("mle_and_max_entropy", root / "examples" / "mle_and_max_entropy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main()
    assert out["mu"] == pytest.approx(np.mean(out["sample"])) and out["sigma"] == pytest.approx(np.std(out["sample"]))
    assert np.allclose(out["p"], out["slsqp"], atol=1e-6)
    assert out["ridge_error"] < 1e-10 and out["least_norm_error"] < 1e-10
    assert len(out["cusp"]) == 0 and out["cusp"].irregular


def test_errors_are_derive_errors():
    with pytest.raises(DeriveError):
        derive.kkt(ENTROPY, "p q", st="sum(p[i], i) = 1")


def test_sigma_squared_as_the_variable():
    found = derive.critical_points("sum(-log(sigma**2)/2 - (x[i] - mu)**2/(2*sigma**2), i)", "mu, sigma^2")
    (point,) = found.points
    _mu, variance = found.wrt
    assert str(variance) == "sigma**2" and point.kind == "max"
    sample = np.array([0.5, 2.0, -3.0, 1.25])
    assert at_sample(point.x[variance], {"x": sample}, 4) == pytest.approx(np.var(sample))
    with pytest.raises(SymbolError, match="not only on sigma"):
        derive.critical_points("sum(-log(sigma) - (x[i] - mu)**2/(2*sigma**2), i)", "mu, sigma^2")


def test_requirements_in_latex_are_escaped():
    from derive.optimize.results import text_latex

    assert text_latex("X_1 has 50% {rank}") == r"X\_1 has 50\% \{rank\}"
    latex = derive.critical_points(RIDGE, "w", symbols=RIDGE_DECL)._repr_latex_()
    assert latex.startswith("$$") and r"\text{X has full column rank (rank d)}" in latex


def test_kl_projection_onto_the_simplex_needs_positive_data_for_its_kind():
    q = sympy.IndexedBase("q", positive=True)
    (point,) = derive.kkt("sum(p[i]*log(p[i]/q[i]), i)", "p", st="sum(p[i], i) = 1", symbols={"q": q}).solve()
    (entry,) = point.x
    k, n = entry.indices[0], named(point.x[entry], "n")
    weights = np.array([0.5, 2.0, 1.5])
    p = [float(point.x[entry].xreplace({k: j, n: 3}).doit().xreplace(
        {q[t]: sympy.nsimplify(v) for t, v in enumerate(weights)})) for j in range(3)]
    assert np.allclose(p, weights / weights.sum()) and point.kind == "min"
    # with q of any sign the point needs sum(q) > 0, and its kind depends on the data
    (general,) = derive.kkt("sum(p[i]*log(p[i]/q[i]), i)", "p", st="sum(p[i], i) = 1").solve()
    assert [str(c) for c in general.conditions] == ["Sum(q[i], (i, 0, n - 1)) > 0"]
    assert general.kind == "degenerate" and "depends on the data" in str(general)


def test_scalar_ridge_over_a_sample_splits_on_the_parameter():
    found = derive.critical_points("sum((y[i] - w*x[i])**2, i) + lam*w**2", "w")
    (point,) = found.points
    (w,) = found.wrt
    assert point.kind == "min" and point.when == "lam + sum(x[i]**2, i) > 0"
    xs, ys, lam = np.array([1.0, -2.0, 0.5]), np.array([0.25, 3.0, -1.0]), 0.75
    value = point.x[w].xreplace({named(point.x[w], "lam"): sympy.nsimplify(lam)})
    assert at_sample(value, {"x": xs, "y": ys}, 3) == pytest.approx(xs @ ys / (lam + xs @ xs))


def test_exponential_rate_mle():
    (point,) = derive.critical_points("sum(log(lam) - lam*x[i], i)", "lam").points
    (lam,) = point.x
    assert point.kind == "max" and point.when == "sum(x[i], i) > 0"
    assert at_sample(point.x[lam], {"x": [0.5, 2.0, 1.5]}, 3) == pytest.approx(1 / np.mean([0.5, 2.0, 1.5]))


def test_sufficient_statistics_as_parameters_read_as_one_condition():
    """The issue's example: sums of data given as scalars S1, S2 (n positive)."""
    found = derive.critical_points("-n/2*log(2*pi*s2) - (S2 - 2*mu*S1 + n*mu**2)/(2*s2)", "mu s2",
                                   symbols="n: positive")
    (point,) = found.points
    text = str(found)
    assert point.kind == "max" and point.condition_text() == "S2*n - S1**2 > 0"
    assert "S1 != 0" not in text and "400 random draws" not in text and "n**8" not in text
    _mu, s2 = found.wrt
    S1, S2, n = (named(point.x[s2], k) for k in ("S1", "S2", "n"))
    sample = np.array([1.0, 4.0, -2.5, 0.5])
    at = {S1: sympy.nsimplify(sample.sum()), S2: sympy.nsimplify((sample ** 2).sum()), n: 4}
    assert float(point.x[s2].xreplace(at)) == pytest.approx(np.var(sample))


def test_plots_outside_scalar_notation_are_one_line_errors():
    with pytest.raises(DeriveError, match="scalar variables"):
        derive.critical_points(RIDGE, "w", symbols=RIDGE_DECL).plot()
    with pytest.raises(DeriveError, match="index notation"):
        derive.kkt(ENTROPY, "p", st="sum(p[i], i) = 1", sense="max").solve().plot()
