"""Issue 19, item 9: loose ends, each a test (text, SymPy objects, and both mixed where it applies)."""

import json

import numpy as np
import pytest
import sympy
from sympy import Eq, IndexedBase, MatrixSymbol, Sum, Symbol

import derive
from derive import em
from derive.cli import main

x3 = MatrixSymbol("x", 3, 1)
n = Symbol("n", integer=True, positive=True)


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def plain_hessian(f, X):
    """SymPy's own Hessian of f written in plain symbols x_0, x_1, ...: the ground truth."""
    entries = sympy.symbols(f"e0:{X.shape[0]}", real=True)
    swap = {X[i, 0]: e for i, e in enumerate(entries)}
    H = sympy.hessian(f.xreplace(swap), entries)
    return H.xreplace({e: X[i, 0] for i, e in enumerate(entries)})


# ---------------------------------------------------------------------------
# 1. SymPy element-form Hessians ("no Jacobian rule for ImmutableDenseMatrix")


ELEMENT_FORMS = {
    "entries": x3[0] ** 2 * x3[1] + sympy.exp(x3[2]),
    "as_explicit": (x3.as_explicit().T * x3.as_explicit())[0, 0],
    "explicit 1 x 1 matrix": x3.as_explicit().T * sympy.Matrix([[1, 2, 0], [0, 1, 0], [0, 0, 3]]) * x3.as_explicit(),
    "sum of entries": sum(x3[i] ** 2 for i in range(3)) + x3[0] * x3[1],
}


@pytest.mark.parametrize("name", ELEMENT_FORMS)
def test_element_form_hessians_are_the_matrix_of_second_partials(name):
    f = ELEMENT_FORMS[name]
    scalar = f[0, 0] if isinstance(f, sympy.MatrixBase) else f
    d = derive.differentiate(f, x3, "hessian")
    assert d.report.ok
    assert sympy.simplify(sympy.Matrix(d.result) - plain_hessian(scalar, x3)) == sympy.zeros(3, 3)
    g = derive.grad(f, x3)
    assert sympy.simplify(sympy.Matrix(g) - sympy.Matrix([scalar.diff(x3[i, 0]) for i in range(3)])) == \
        sympy.zeros(3, 1)


def test_element_form_in_text_and_mixed_and_its_steps_and_kernel():
    text = derive.hessian("x[0]**2*x[1] + exp(x[2])", "x", symbols="x: 3")
    mixed = derive.hessian("x[0]**2*x[1] + exp(x[2])", x3)
    expected = plain_hessian(ELEMENT_FORMS["entries"], x3)
    assert sympy.Matrix(text) == expected and sympy.Matrix(mixed) == expected
    d = derive.differentiate(ELEMENT_FORMS["entries"], x3, "hessian")
    assert d.steps.chains and "differential entry by entry" in str(d.steps)
    hess = derive.kernel(d)(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(hess, [[4, 2, 0], [2, 0, 0], [0, 0, np.exp(3)]], rtol=1e-12)
    jac = derive.jacobian(sympy.Matrix([x3[0] * x3[1], x3[2] ** 2]), x3)
    assert sympy.Matrix(jac) == sympy.Matrix([[x3[1, 0], x3[0, 0], 0], [0, 0, 2 * x3[2, 0]]])


# ---------------------------------------------------------------------------
# 2. det(X**j), tr(X**j), trace(d.T@d) and OneMatrix through SymPy objects


def test_determinant_and_trace_of_a_symbolic_power_have_checked_steps():
    j = Symbol("j", integer=True)
    X = MatrixSymbol("X", n, n)
    for f, rule, grad in [(sympy.Determinant(X ** j), "differential of the determinant of a power",
                           "(j*det(X)**j)*inv(X.T)"),
                          (sympy.log(sympy.Determinant(X ** j)), "differential of the determinant of a power",
                           "j*inv(X.T)"),
                          (sympy.Trace(X ** j), "differential of the trace of a power", "j*matrix_power(X.T, j - 1)")]:
        d = derive.differentiate(f, X)
        assert d.report.ok and derive.to_text(d.result) == grad
        steps = d.steps
        assert rule in [s.rule for _, _, chain in steps.chains for s in chain]
        assert steps.chains[0][2][-1].after == d.result


def test_kernel_of_an_inverse_compiles():
    """Once a clear error; now the inverse is formed once per call (issue 21, item 6;
    tests/test_kernels_linalg.py has the rest)."""
    X = MatrixSymbol("X", n, n)
    k = derive.kernel(derive.differentiate(sympy.log(sympy.Determinant(X)), X))
    Xv = np.random.default_rng(1).normal(size=(4, 4)) + 4 * np.eye(4)
    np.testing.assert_allclose(k(Xv), np.linalg.inv(Xv).T, rtol=1e-12)


def test_trace_of_d_T_d_and_linear_forms_of_ones_through_sympy_objects():
    d = MatrixSymbol("d", n, 1)
    ones = sympy.OneMatrix(n, 1)
    assert derive.to_text(derive.grad(sympy.Trace(d.T * d), d)) == "2*d"
    assert derive.to_text(derive.hessian(sympy.Trace(d.T * d), d)) == "2*eye(n)"
    assert derive.check(sympy.Trace(d.T * d), d, 2 * d).ok
    assert derive.check("trace(d.T@d)", d, "2*d").ok  # mixed
    linear = derive.differentiate(sympy.Trace(ones.T * d), d, "hessian")  # a constant gradient: its d is 0
    assert linear.result == sympy.ZeroMatrix(n, n) or linear.result == 0
    rules = [s.rule for _, _, chain in linear.steps.chains for s in chain]
    assert "constant rule" in rules


# ---------------------------------------------------------------------------
# 3. Max and Heaviside: an answer or a DeriveError, never a foreign exception


def test_max_of_an_entry_compiles_to_the_right_numbers():
    w = MatrixSymbol("w", 3, 1)
    d = derive.differentiate(sympy.Max(w[0], 0) ** 2 + w[1] ** 2, w)
    k = derive.kernel(d)
    np.testing.assert_allclose(k(np.array([1.5, 2.0, 3.0])), [3.0, 4.0, 0.0])
    np.testing.assert_allclose(k(np.array([-1.5, 2.0, 3.0])), [0.0, 4.0, 0.0])


@pytest.mark.parametrize("f, wrt", [
    ("max(x, 0)", "x"), ("heaviside(x)*x**2", "x"), ("max(x, y)**2", "x y"),
    (sympy.Max(Symbol("x"), 0), "x"), (sympy.Heaviside(Symbol("x")) * Symbol("x"), Symbol("x")),
])
def test_max_and_heaviside_answer_or_refuse_in_every_operation(f, wrt):
    operations = [lambda: derive.differentiate(f, wrt), lambda: derive.differentiate(f, wrt, "hessian"),
                  lambda: derive.differentiate(f, wrt).steps, lambda: derive.check(f, wrt, "2*x"),
                  lambda: derive.kernel(derive.differentiate(f, wrt))]
    for op in operations:
        try:
            op()
        except derive.DeriveError:
            pass


# ---------------------------------------------------------------------------
# 4. a product is explained by the product rule, a quotient by the quotient rule


@pytest.mark.parametrize("f, rule, note", [
    ("x*exp(-x)", "product rule", "differentiate x and exp(-x)"),
    (Symbol("x") * sympy.exp(-Symbol("x")), "product rule", "differentiate x and exp(-x)"),
    ("exp(x)*x**-2", "quotient rule", "u = exp(x), v = x**2"),
    ("x/(1 + x)", "quotient rule", "u = x, v = x + 1"),
    ("x*exp(-x)/(1 + x)", "quotient rule", "u = x*exp(-x), v = x + 1"),
])
def test_first_rule_follows_the_written_form(f, rule, note):
    first = derive.differentiate(f, "x").steps.chains[0][2][0]
    assert first.rule == rule and note in first.note


# ---------------------------------------------------------------------------
# 5. EM in one dimension


def test_one_dimensional_rates_have_shape_k():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.poisson(2, 200), rng.poisson(9, 200)]).astype(float)
    u = em.derive_updates(em.mixture("poisson", 2))
    lam = IndexedBase("lam", positive=True)
    r, xs = IndexedBase("r", nonnegative=True), IndexedBase("x", real=True)
    i, k = Symbol("i", integer=True), Symbol("k", integer=True)
    N = Symbol("N", integer=True, positive=True)
    rows = lambda e: Sum(e, (i, 0, N - 1))  # noqa: E731
    assert u.m_step["rates"] == Eq(lam[k], rows(r[i, k] * xs[i]) / rows(r[i, k]))
    fit = u.fit(X, init={"weights": [0.5, 0.5], "rates": [1.0, 10.0]})
    assert fit.params["rates"].shape == (2,)
    assert sorted(fit.params["rates"]) == pytest.approx([2.1, 8.45], abs=0.05)
    with pytest.raises(derive.DeriveError, match=r"has shape \(2, 1\); expected \(2,\)"):
        u.fit(X, init={"rates": [[1.0], [10.0]]})
    assert em.derive_updates(em.mixture("exponential", 2, dim=2)).fit(rng.exponential(1, (50, 2))).params[
        "rates"].shape == (2, 2)


@pytest.mark.parametrize("cov, shape", [("full", (2, 1, 1)), ("diag", (2, 1)), ("spherical", (2,))])
def test_one_dimensional_normal_updates_are_the_lectures(cov, shape):
    u = em.derive_updates(em.mixture("normal", 2, dim=1, cov=cov))
    mu = IndexedBase("mu", real=True)
    r, xs = IndexedBase("r", nonnegative=True), IndexedBase("x", real=True)
    i, k = Symbol("i", integer=True), Symbol("k", integer=True)
    N = Symbol("N", integer=True, positive=True)
    rows = lambda e: Sum(e, (i, 0, N - 1))  # noqa: E731
    assert u.m_step["means"] == Eq(mu[k], rows(r[i, k] * xs[i]) / rows(r[i, k]))
    assert sympy.simplify(u.m_step["covariances"].rhs - rows(r[i, k] * (xs[i] - mu[k]) ** 2) / rows(r[i, k])) == 0
    assert "dJ/dsigma2 = 0 after the covariances update" in str(u.validation)  # validated like every update
    # one EM step against NumPy, from a given start, in scikit-learn's shapes
    X = np.array([-1.0, 0.2, 0.5, 4.0, 5.5, 6.1])
    w0, m0, v0 = np.array([0.4, 0.6]), np.array([0.0, 5.0]), np.array([1.0, 2.0])
    fit = u.fit(X, init={"weights": w0, "means": m0.reshape(2, 1), "covariances": v0.reshape(shape)},
                max_iter=1, tol=0)
    logp = -0.5 * np.log(2 * np.pi * v0) - (X[:, None] - m0) ** 2 / (2 * v0) + np.log(w0)
    R = np.exp(logp - logp.max(axis=1, keepdims=True))
    R /= R.sum(axis=1, keepdims=True)
    Nk = R.sum(axis=0)
    means = R.T @ X / Nk
    variances = (R * (X[:, None] - means) ** 2).sum(axis=0) / Nk
    assert fit.params["means"].shape == (2, 1) and fit.params["covariances"].shape == shape
    np.testing.assert_allclose(fit.params["means"].ravel(), means, rtol=1e-10)
    np.testing.assert_allclose(np.ravel(fit.params["covariances"]), variances, rtol=1e-10)


def test_one_dimensional_normal_with_a_normal_inverse_wishart_prior():
    from scipy import stats

    X = np.array([-1.0, 0.2, 0.5, 4.0, 5.5, 6.1])
    w0, m0, v0 = np.array([0.4, 0.6]), np.array([0.0, 5.0]), np.array([1.0, 2.0])
    kappa, nu, psi, mean = 0.5, 4.0, 1.5, 1.0
    prior = {"means": em.NormalInverseWishart(mean=mean, kappa=kappa, dof=nu, scale=psi)}
    u = em.derive_updates(em.mixture("normal", 2, prior=prior))
    fit = u.fit(X, init={"weights": w0, "means": m0.reshape(2, 1), "covariances": v0.reshape(2, 1, 1)},
                max_iter=1, tol=0)
    logp = -0.5 * np.log(2 * np.pi * v0) - (X[:, None] - m0) ** 2 / (2 * v0) + np.log(w0)
    R = np.exp(logp - logp.max(axis=1, keepdims=True))
    R /= R.sum(axis=1, keepdims=True)
    Nk = R.sum(axis=0)
    mu = (R.T @ X + kappa * mean) / (Nk + kappa)  # the MAP updates: IW in one dimension is InvGamma
    var = ((R * (X[:, None] - mu) ** 2).sum(axis=0) + kappa * (mu - mean) ** 2 + psi) / (Nk + nu + 3)
    np.testing.assert_allclose(fit.params["means"].ravel(), mu, rtol=1e-10)
    np.testing.assert_allclose(fit.params["covariances"].ravel(), var, rtol=1e-10)
    log_prior = sum(stats.norm.logpdf(m0[k], mean, np.sqrt(v0[k] / kappa))
                    + stats.invgamma.logpdf(v0[k], nu / 2, scale=psi / 2) for k in range(2))
    assert fit.loglik[0] == pytest.approx(np.log(np.exp(logp).sum(axis=1)).sum() + log_prior, rel=1e-12)


def test_cli_em_normal_dim_1_prints_the_one_dimensional_updates(capsys):
    code, out, err = cli(capsys, "em", "normal", "--k", "2", "--dim", "1")
    assert code == 0, err
    assert "mu[k] = sum(r[i, k]*x[i], (i, 0, N - 1))/sum(r[i, k], (i, 0, N - 1))" in out
    assert "sigma2[k] = sum((x[i] - mu[k])**2*r[i, k], (i, 0, N - 1))/sum(r[i, k], (i, 0, N - 1))" in out
    assert "Sigma[k, j, l]" not in out and "x[i, j]" not in out


# ---------------------------------------------------------------------------
# 6. --at with vectors and matrices


def test_at_takes_vectors_and_matrices_with_concrete_or_symbolic_sizes(capsys):
    for sizes in ("A: 2 x 2, x: 2", "A: n x n, x: n"):
        code, out, err = cli(capsys, "grad", "x.T@A@x", "--wrt", "x", "--let", sizes,
                             "--at", "x=[1,2], A=[[1,2],[3,4]]", "--json")
        assert code == 0, err
        at = json.loads(out)["at"]
        assert at["exact"] == [["12"], ["21"]] and at["check"]["status"] == "ok"  # (A + A.T) x
    assert at["sizes"] == {"n": 2}


def test_at_in_python_with_arrays_kinks_and_sympy_objects():
    X = MatrixSymbol("X", n, n)
    v = derive.differentiate(sympy.log(sympy.Determinant(X)), X).at({X: np.array([[2.0, 1.0], [1.0, 3.0]])})
    assert v.exact == sympy.Matrix([[sympy.Rational(3, 5), -sympy.Rational(1, 5)],
                                    [-sympy.Rational(1, 5), sympy.Rational(2, 5)]]) and v.report.ok
    kink = derive.differentiate("norm(x)", "x", symbols="x: n").at({"x": [0, 0]})
    assert kink.undefined == ((0, 0), (1, 0)) and kink.report is None
    h = derive.differentiate("x.T@A@x", "x", "hessian", symbols="A: n x n, x: n").at({"x": [1, 2],
                                                                                      "A": [[1, 0.5], [3, 4]]})
    assert h.exact == sympy.Matrix([[2, sympy.Rational(7, 2)], [sympy.Rational(7, 2), 8]])


@pytest.mark.parametrize("args, message", [
    (["grad", "x.T@A@x", "--wrt", "x", "--let", "A: n x n, x: n", "--at", "x=[1,2], A=[[1,2,3],[4,5,6],[7,8,9]]"],
     "A gives n = 3, but x gives n = 2"),
    (["grad", "x.T@A@x", "--wrt", "x", "--let", "A: n x n, x: n", "--at", "x=[1,2]"], "no value for A"),
    (["grad", "x.T@A@x", "--wrt", "x", "--let", "A: n x n, x: n", "--at", "x=1, A=[[1]]"],
     "give its value as an array"),
    (["grad", "x**2 + y", "--wrt", "x,y", "--at", "x=[1,2], y=1"], "x is a scalar variable"),
    (["grad", "sum(x[i]**2, i)", "--wrt", "x[k]", "--at", "x=[1,2]"], "index notation has no value at a point"),
    (["grad", "x.T@S@x", "--wrt", "x", "--let", "S: n x n spd, x: n", "--at", "x=[1,2], S=[[1,2],[3,4]]"],
     "not symmetric"),
    (["grad", "x.T@A@x", "--wrt", "x", "--let", "A: n x n, x: n", "--at", "x=[1,2], A=[[1,2],[3,__import__]]"],
     "not allowed"),
])
def test_at_errors_are_one_line(capsys, args, message):
    code, _out, err = cli(capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------------
# 7. --plot is drawn around, and marks, the point of --at


def test_plot_is_centred_on_and_marks_the_point():
    fig = derive.differentiate("x**3 - 2*x**2 + 1", "x").plot(at={"x": 3})
    left = fig.axes[0]
    star = next(line for line in left.get_lines() if line.get_marker() == "*")
    assert star.get_xdata()[0] == 3 and star.get_ydata()[0] == pytest.approx(15)
    lo, hi = left.get_xlim()
    assert lo < 3 < hi and abs((lo + hi) / 2 - 3) < 1.5
    fig = derive.differentiate("x**2 + y**3", "x, y").plot(at={"x": 2, "y": -1})
    star = next(line for line in fig.axes[0].get_lines() if line.get_marker() == "*")
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (2, -1)


def test_cli_plot_uses_the_point_of_at(capsys, tmp_path, monkeypatch):
    import derive.present.figures as figures

    seen = {}

    def plot(d, path=None, **options):
        seen.update(options)
        return path

    monkeypatch.setattr(figures, "plot_derivation", plot)
    code, _out, err = cli(capsys, "grad", "x**3", "--wrt", "x", "--at", "x=3", "--plot", str(tmp_path / "f.png"))
    assert code == 0, err
    assert {str(k): v for k, v in seen["at"].items()} == {"x": 3}


# ---------------------------------------------------------------------------
# 8. codegen -o into a folder that does not exist yet


def test_codegen_output_creates_its_folder(capsys, tmp_path):
    target = tmp_path / "kernels" / "grad" / "k.py"
    code, _, err = cli(capsys, "codegen", "x**2 + y**3", "--wrt", "x,y", "-o", str(target))
    assert code == 0, err
    assert "def kernel" in target.read_text()
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _out, err = cli(capsys, "codegen", "x**2", "--wrt", "x", "-o", str(blocker / "k.py"))
    assert code == 2 and "a part of its folder path is a file" in err
