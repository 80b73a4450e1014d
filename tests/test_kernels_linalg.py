"""Kernels of results with inverses and determinants (issue 21, item 6): each matrix factored
once per call (Cholesky or LU), never an inverse per entry, checked against NumPy formulas
written here, and validated when built."""

import inspect

import numpy as np
import pytest
import sympy

import codegen
import derive
from derive.derivation import linalg_kernels
from derive.derivation.kernels import loop_kernel

rng = np.random.default_rng(21)

# a Gaussian's negative log-likelihood from a sample X (N x d), as docs/latex.md writes the sum over rows
GAUSS_NLL = "N/2*logdet(S) + 1/2*trace((X - ones(N) @ mu.T) @ inv(S) @ (X - ones(N) @ mu.T).T)"
GAUSS_DECL = "X: N x d, mu: d, S: d x d spd"


def spd(d):
    G = rng.normal(size=(d, d))
    return G @ G.T / d + np.eye(d)


def general(d):
    """Well conditioned and far from symmetric: a transposed inverse shows."""
    return rng.normal(size=(d, d)) + d * np.eye(d)


@pytest.fixture(scope="module")
def gaussian_mu():
    return derive.kernel(derive.differentiate(GAUSS_NLL, "mu", symbols=GAUSS_DECL))


@pytest.fixture(scope="module")
def gaussian_S():
    return derive.kernel(derive.differentiate(GAUSS_NLL, "S", symbols=GAUSS_DECL))


@pytest.fixture(scope="module")
def quadratic():
    return derive.kernel(derive.differentiate("x.T @ inv(A) @ x", "x", symbols="x: n, A: n x n"))


def test_gaussian_nll_gradient_wrt_the_mean(gaussian_mu):
    X, mu, S = rng.normal(size=(200, 4)) + 1.0, rng.normal(size=4), spd(4)
    want = -np.linalg.solve(S, (X - mu).sum(axis=0))  # -inv(S) sum_i (x_i - mu)
    np.testing.assert_allclose(gaussian_mu(S, X, mu), want, rtol=1e-10)
    assert [s.kind for s in gaussian_mu.steps] == ["product"]  # a solve: inv(S) is never formed


def test_gaussian_nll_gradient_wrt_the_covariance(gaussian_S):
    X, mu, S = rng.normal(size=(150, 3)), rng.normal(size=3), spd(3)
    R, Si = X - mu, np.linalg.inv(S)
    want = 150 / 2 * Si - Si @ R.T @ R @ Si / 2
    np.testing.assert_allclose(gaussian_S(S, X, mu), want, rtol=1e-9)
    # at the MLE (mu = mean, S = the biased covariance) the gradient vanishes
    mle = gaussian_S(np.cov(X.T, bias=True), X, X.mean(axis=0))
    assert np.max(np.abs(mle)) < 1e-9 * 150


def test_keywords_signature_and_argument_checks(gaussian_mu):
    k = gaussian_mu
    assert k.arg_names == ("S", "X", "mu") and list(inspect.signature(k).parameters) == ["S", "X", "mu"]
    X, mu, S = rng.normal(size=(50, 3)), rng.normal(size=3), spd(3)
    np.testing.assert_allclose(k(mu=mu, S=S, X=X), k(S, X, mu), rtol=0, atol=0)
    with pytest.raises(codegen.CodegenError, match="S"):
        k(spd(4), X, mu)  # d is 3 by X and mu
    with pytest.raises(codegen.CodegenError, match="S must have 2 axes"):
        k(np.ones(3), X, mu)
    with pytest.raises(codegen.CodegenError, match="missing argument mu"):
        k(S=S, X=X)


def test_singular_matrices_are_errors_not_nan(gaussian_mu, quadratic):
    X, mu = rng.normal(size=(20, 3)), rng.normal(size=3)
    v = rng.normal(size=(3, 1))
    with pytest.raises(codegen.CodegenError, match="S is singular"):
        gaussian_mu(v @ v.T, X, mu)  # rank 1, symmetric: Cholesky fails, LU finds it singular
    with pytest.raises(codegen.CodegenError, match="A is singular"):
        quadratic(np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones(2))


def test_quadratic_form_with_a_nonsymmetric_matrix(quadratic):
    A, x = general(5), rng.normal(size=5)
    np.testing.assert_allclose(quadratic(A, x), (np.linalg.inv(A) + np.linalg.inv(A).T) @ x, rtol=1e-12)
    assert "inv(A) @ x" in repr(quadratic) and "inv(A.T) @ x" in repr(quadratic)


def test_each_matrix_is_factored_once_per_call_and_not_inverted_for_a_solve(quadratic, monkeypatch):
    made, inverted = [], []

    class Counting(linalg_kernels.Factorization):
        def __init__(self, M, name):
            made.append(name)
            super().__init__(M, name)

        def inverse(self):
            inverted.append(self.name)
            return super().inverse()

    monkeypatch.setattr(linalg_kernels, "Factorization", Counting)
    quadratic(general(4), rng.normal(size=4))
    assert made == ["A"] and inverted == []  # one LU of A, two solves (A x and A^T x)


def test_a_transposed_inverse_is_caught():
    """a^T inv(X) b by X is -inv(X)^T a b^T inv(X)^T; with X far from symmetric, reading
    inv(X) for inv(X)^T anywhere would give other numbers."""
    k = derive.kernel(derive.differentiate("a.T @ inv(X) @ b", "X", symbols="a: n, b: n, X: n x n"))
    X, a, b = general(4), rng.normal(size=4), rng.normal(size=4)
    Xi = np.linalg.inv(X)
    want = -Xi.T @ np.outer(a, b) @ Xi.T
    np.testing.assert_allclose(k(X, a, b), want, rtol=1e-11)
    assert np.max(np.abs(want - (-Xi @ np.outer(a, b) @ Xi))) > 1e-2  # the wrong transpose differs


def test_a_wrong_prelude_is_refused_when_the_kernel_is_built(monkeypatch):
    """Validation when built: solves with the transpose swapped disagree with NumPy's evaluation."""
    solve = linalg_kernels.Factorization.solve
    monkeypatch.setattr(linalg_kernels.Factorization, "solve",
                        lambda self, B, transposed=False: solve(self, B, not transposed))
    with pytest.raises(derive.DeriveError, match="disagrees with NumPy"):
        derive.kernel(derive.differentiate("a.T @ inv(X) @ b", "X", symbols="a: n, b: n, X: n x n"))


def test_log_det_value_and_gradient():
    d = derive.differentiate("logdet(X)", "X", symbols="X: n x n")
    grad, value = derive.kernel(d), loop_kernel(d.f, d.f)
    X = general(4)
    np.testing.assert_allclose(grad(X), np.linalg.inv(X).T, rtol=1e-12)  # X^-T, not X^-1
    assert value(X) == pytest.approx(np.linalg.slogdet(X)[1], rel=1e-13)
    S = spd(4)
    assert value(S) == pytest.approx(np.linalg.slogdet(S)[1], rel=1e-13)  # the Cholesky path
    flip = np.diag([-1.0, 1.0, 1.0, 1.0]) @ X  # det < 0: log det is not a real number
    with pytest.raises(codegen.CodegenError, match="determinant is negative"):
        value(flip)


def test_symmetric_indefinite_matrices_fall_back_to_lu():
    M = np.diag([3.0, -2.0, 1.0])
    M[0, 2] = M[2, 0] = 0.5
    f = linalg_kernels.Factorization(M, "M")
    assert f.cholesky is None
    np.testing.assert_allclose(f.inverse(), np.linalg.inv(M), rtol=1e-14)
    assert f.det() == pytest.approx(np.linalg.det(M), rel=1e-14)
    with pytest.raises(codegen.CodegenError, match="negative"):
        f.logdet()
    S = spd(5)
    g = linalg_kernels.Factorization(S, "S")
    assert g.cholesky is not None
    assert g.logdet() == pytest.approx(np.linalg.slogdet(S)[1], rel=1e-13)


def test_ridge_inverse_of_a_matrix_expression():
    """inv(X.T @ X + lam*I): the matrix is evaluated by a loop kernel, factored by Cholesky."""
    k = derive.kernel(derive.differentiate("y.T @ X @ inv(X.T @ X + lam*eye(d)) @ X.T @ y", "y",
                                           symbols="X: N x d, y: N"))
    X, y, lam = rng.normal(size=(80, 3)), rng.normal(size=80), 0.3
    want = 2 * X @ np.linalg.solve(X.T @ X + lam * np.eye(3), X.T @ y)
    np.testing.assert_allclose(k(X, y, lam), want, rtol=1e-11)
    np.testing.assert_allclose(k(lam=lam, y=y, X=X), want, rtol=1e-11)
    assert k.arg_names == ("X", "y", "lam")


def test_sympy_objects_and_mixed_input(quadratic):
    n = sympy.Symbol("n", integer=True, positive=True)
    A, x = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("x", n, 1)
    from_sympy = derive.kernel(derive.differentiate(x.T * A.I * x, x))
    Av, xv = general(4), rng.normal(size=4)
    np.testing.assert_allclose(from_sympy(Av, xv), quadratic(Av, xv), rtol=1e-14)

    mixed = derive.parse("logdet(A)", symbols="A: n x n") + sympy.Trace(x.T * A.I * x)  # text + SymPy, wrt SymPy
    k = derive.kernel(derive.differentiate(mixed, A))
    Ai = np.linalg.inv(Av)
    np.testing.assert_allclose(k(A=Av, x=xv), Ai.T - Ai.T @ np.outer(xv, xv) @ Ai.T, rtol=1e-11)


def test_the_cli_says_why_it_cannot_write_a_standalone_module(capsys):
    from derive.cli import main

    assert main(["codegen", "x.T@inv(A)@x", "--wrt", "x", "--let", "x: n, A: n x n"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("derive: error:") and "derive.kernel(d) factors" in err and len(err.splitlines()) == 1


def test_dask_arrays_are_refused_not_loaded(gaussian_mu):
    da = pytest.importorskip("dask.array")
    X = da.from_array(rng.normal(size=(40, 3)), chunks=10)
    with pytest.raises(codegen.CodegenError, match="NumPy arrays only"):
        gaussian_mu(spd(3), X, np.zeros(3))


def test_float32_in_float32_out(gaussian_mu):
    """The prelude factors in float64; with every array float32 the loops and the result are float32."""
    X, mu, S = rng.normal(size=(60, 3)), rng.normal(size=3), spd(3)
    want = gaussian_mu(S, X, mu)
    got = gaussian_mu(S.astype(np.float32), X.astype(np.float32), mu.astype(np.float32))
    assert got.dtype == np.float32 and want.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.max(np.abs(want)))
