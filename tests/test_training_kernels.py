"""Kernels as training code calls them (issue 21, items 1-4): weight-matrix gradients
planned as blocked GEMMs, one thread for small calls, compiled before derive.kernel
returns, keyword calls, float32, (N, 1) columns, sizes read from array axes.

Every kernel is compared with a NumPy formula written here, at random data, on both
the one-thread core and the parallel one (SERIAL_WORK moved so that each runs)."""

import inspect

import numpy as np
import pytest
import sympy

import codegen
import derive

SOFTMAX_CE = "-sum(Y[i,c]*(sum(X[i,j]*W[j,c], j) - log(sum(exp(sum(X[i,j]*W[j,a], j)), a))), i, c)"
TWO_LAYER = "sum((sum(tanh(sum(X[i,j]*W1[j,h], j))*W2[h,c], h) - Y[i,c])**2, i, c)/2"


def _softmax_grad(X, W, Y):
    Z = X @ W
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X.T @ (P * Y.sum(axis=1, keepdims=True) - Y)


@pytest.fixture(scope="module")
def softmax():
    return derive.kernel(derive.differentiate(SOFTMAX_CE, "W[k,l]", "grad"))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    N, d, K = 3001, 6, 4  # rows not a multiple of any block
    X = rng.normal(size=(N, d))
    W = rng.normal(size=(d, K)) * 0.5
    Y = np.eye(K)[rng.integers(0, K, N)]
    return X, W, Y


def _both_paths(k, *args, **kwargs):
    """(one-thread result, parallel result) of loop kernel k."""
    module = k.module
    saved = module.SERIAL_WORK
    try:
        module.SERIAL_WORK = 1 << 62
        serial = k(*args, **kwargs)
        module.SERIAL_WORK = 0
        parallel = k(*args, **kwargs)
    finally:
        module.SERIAL_WORK = saved
    return serial, parallel


def test_softmax_regression_gradient_is_blocked_gemms_and_right(softmax, data):
    X, W, Y = data
    assert "numpy.dot(" in softmax.source  # X[rows] @ W and X[rows]^T R by BLAS, block by block
    core = softmax.source[softmax.source.index("def core("):softmax.source.index("def kernel(")]
    assert core.count("math.exp(") == 1  # each exponential once per entry
    expected = _softmax_grad(X, W, Y)
    for got in _both_paths(softmax, W, X, Y):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_softmax_gradient_with_soft_labels(softmax, data):
    """Rows of Y that do not sum to 1 (label smoothing, weights): the P * sum(Y) term counts."""
    X, W, Y = data
    Ys = 0.8 * Y + 0.05 + np.random.default_rng(1).random(Y.shape) * 0.1
    for got in _both_paths(softmax, W, X, Ys):
        np.testing.assert_allclose(got, _softmax_grad(X, W, Ys), rtol=1e-10, atol=1e-10)


def test_softmax_gradient_from_sympy_objects_and_mixed(data):
    X, W, Y = data
    i, j, c, a = sympy.symbols("i j c a", integer=True)
    Xs, Ws, Ys = (sympy.IndexedBase(n) for n in ("X", "W", "Y"))
    z = lambda col: sympy.Sum(Xs[i, j] * Ws[j, col], (j, 0, sympy.Symbol("d") - 1))  # noqa: E731
    K, N = sympy.symbols("K N")
    f = -sympy.Sum(Ys[i, c] * (z(c) - sympy.log(sympy.Sum(sympy.exp(z(a)), (a, 0, K - 1)))),
                   (i, 0, N - 1), (c, 0, K - 1))
    k, l = sympy.symbols("k l", integer=True)
    for wrt in (Ws[k, l], "W[k, l]"):  # SymPy object, and text naming the user's W
        kern = derive.kernel(derive.differentiate(f, wrt, "grad"))
        np.testing.assert_allclose(kern(W=W, X=X, Y=Y), _softmax_grad(X, W, Y), rtol=1e-10, atol=1e-10)


def test_two_layer_network_weight_gradients(data):
    X, _, Y = data
    rng = np.random.default_rng(2)
    W1, W2 = rng.normal(size=(X.shape[1], 5)) * 0.4, rng.normal(size=(5, Y.shape[1])) * 0.4
    H = np.tanh(X @ W1)
    R = H @ W2 - Y
    expected = {"W1[k,l]": X.T @ ((R @ W2.T) * (1 - H**2)), "W2[k,l]": H.T @ R}
    for wrt, want in expected.items():
        k = derive.kernel(derive.differentiate(TWO_LAYER, wrt, "grad"))
        assert "numpy.dot(" in k.source
        for got in _both_paths(k, X=X, W1=W1, W2=W2, Y=Y):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_kernel_is_compiled_before_it_returns(monkeypatch, tmp_path):
    monkeypatch.setenv("DERIVE_COMPILE", "eager")  # what users get (the suite compiles lazily: conftest)
    d = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w", "w", "grad", symbols="X: N x d, w: d, y: N")
    k = derive.kernel(d, directory=tmp_path)
    assert k.compiled_from == "compiled" and k.compile_seconds > 0
    assert k.module.core.signatures
    again = derive.kernel(d, directory=tmp_path)
    assert (again.compiled_from, again.compile_seconds) == ("memory", 0.0)  # this process has it already


def test_keywords_and_signature(softmax, data):
    X, W, Y = data
    assert list(inspect.signature(softmax).parameters) == ["W", "X", "Y"]
    np.testing.assert_array_equal(softmax(X=X, Y=Y, W=W), softmax(W, X, Y))
    np.testing.assert_array_equal(softmax(W, Y=Y, X=X), softmax(W, X, Y))
    with pytest.raises(codegen.CodegenError, match="unknown argument 'Z'"):
        softmax(W=W, X=X, Z=Y)
    with pytest.raises(codegen.CodegenError, match="missing argument Y"):
        softmax(W=W, X=X)
    with pytest.raises(codegen.CodegenError, match="given twice"):
        softmax(W, X, Y, X=X)


def test_column_vectors_and_float32():
    d = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w + lam/2 * w.T @ w", "w", "grad",
                             symbols="X: N x p, w: p, y: N")
    k = derive.kernel(d)
    rng = np.random.default_rng(3)
    X, w, y = rng.normal(size=(500, 4)), rng.normal(size=4), (rng.random(500) < 0.5) * 1.0
    expected = X.T @ (1 / (1 + np.exp(-X @ w)) - y) + 0.3 * w
    np.testing.assert_allclose(k(X, w, y, 0.3), expected, rtol=1e-12)
    np.testing.assert_allclose(k(X, w[:, None], y[:, None], 0.3), expected, rtol=1e-12)  # (n, 1) columns
    got = k(X.astype(np.float32), w.astype(np.float32), y.astype(np.float32), 0.3)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=2e-4, atol=2e-4)
    assert k(X.astype(np.float32), w, y, 0.3).dtype == np.float64  # mixed: float64
    with pytest.raises(codegen.CodegenError, match="must have 1 axis"):
        k(X, np.ones((4, 2)), y, 0.3)


def test_float32_softmax_computes_in_float32(softmax, data):
    X, W, Y = data
    got = softmax(W.astype(np.float32), X.astype(np.float32), Y.astype(np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _softmax_grad(X, W, Y), rtol=1e-3, atol=1e-2)


def test_class_count_is_read_from_the_arrays_and_a_clash_is_an_error():
    """K is a size (Y: N x K), never an argument; 1/K in f reads Y's columns."""
    d = derive.differentiate("sum(Y * (X @ W)) / K + sum(W**2)", "W", "grad",
                             symbols="X: N x d, W: d x K, Y: N x K")
    k = derive.kernel(d)
    assert "K" not in k.arg_names
    rng = np.random.default_rng(4)
    X, W, Y = rng.normal(size=(50, 3)), rng.normal(size=(3, 4)), rng.normal(size=(50, 4))
    np.testing.assert_allclose(k(X=X, W=W, Y=Y), X.T @ Y / 4 + 2 * W, rtol=1e-12)
    with pytest.raises(codegen.CodegenError, match="W has 7 columns"):
        k(X=X, W=rng.normal(size=(3, 7)), Y=Y)


def test_small_calls_run_on_one_thread(softmax, data):
    """The one-thread core is chosen below SERIAL_WORK entries; both give the same numbers."""
    X, W, Y = data
    assert X.size + Y.size < softmax.module.SERIAL_WORK
    serial, parallel = _both_paths(softmax, W, X, Y)
    np.testing.assert_allclose(serial, parallel, rtol=1e-12, atol=1e-12)


def test_symmetric_output_with_a_row_product_term():
    """N mu_k mu_l + sum_i (X_ik X_il - X_ik mu_l - X_il mu_k) is symmetric as a whole, but the
    X_ik mu_l term goes to a blocked GEMM: it must be added after the triangle is mirrored."""
    N, (k, l, i) = sympy.Symbol("N"), sympy.symbols("k l i", integer=True)
    X, mu = sympy.IndexedBase("X"), sympy.IndexedBase("mu")
    e = N * mu[k] * mu[l] + sympy.Sum(X[i, k] * X[i, l] - X[i, k] * mu[l] - X[i, l] * mu[k], (i, 0, N - 1))
    kern = codegen.kernel(e, [X, mu, N], index=(k, l))
    rng = np.random.default_rng(5)
    Xv, m = rng.normal(size=(200, 4)), rng.normal(size=4)
    for got in _both_paths(kern, Xv, m, 200):
        np.testing.assert_allclose(got, (Xv - m).T @ (Xv - m), rtol=1e-12, atol=1e-12)


def test_logistic_gradient_and_hessian_on_both_cores():
    rng = np.random.default_rng(6)
    X, w, y = rng.normal(size=(5000, 5)), rng.normal(size=5) * 0.3, (rng.random(5000) < 0.4) * 1.0
    s = 1 / (1 + np.exp(-X @ w))
    for kind, want in (("grad", X.T @ (s - y)), ("hessian", X.T @ (X * (s * (1 - s))[:, None]))):
        d = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w", "w", kind, symbols="X: N x d, w: d, y: N")
        for got in _both_paths(derive.kernel(d), X=X, w=w, y=y):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_softmax_hessian_by_the_weight_matrix_from_one_index_pair(data):
    """hessian by W[k, l] alone: the second pair W[m, p] is made up (it raised IndexException)."""
    X, W, Y = data
    X, Y = X[:200], Y[:200]
    d = derive.differentiate(SOFTMAX_CE, "W[k,l]", "hessian")
    assert [len(w.indices) for w in d.wrt] == [2, 2]
    Z = X @ W
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    s = Y.sum(axis=1)
    K = W.shape[1]
    want = np.einsum("i,ik,im,il,lp->klmp", s, X, X, P, np.eye(K)) - np.einsum("i,ik,im,il,ip->klmp", s, X, X, P, P)
    np.testing.assert_allclose(derive.kernel(d)(W=W, X=X, Y=Y), want, rtol=1e-10, atol=1e-10)
