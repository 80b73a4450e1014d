"""Value, value-and-gradient and Hessian-vector-product kernels (derive.kernel(d, value=|fused=|hvp=True)).

Every number is compared with NumPy's closed forms on data the kernels never saw; kernels
compile once per module (Numba takes seconds)."""

import inspect
import re

import numpy as np
import pytest
import sympy
from scipy.special import softmax

import codegen
import derive
from derive.derivation import kernel_kinds
from derive.errors import DeriveError, ValidationError

LOGISTIC = "sum(softplus(X @ w)) - y.T @ X @ w + lam*w.T @ w/2"  # as examples/scipy_training.py: kernels shared
LOGISTIC_INDEX = "sum(softplus(sum(X[i, j]*w[j], j)) - y[i]*sum(X[i, j]*w[j], j), i)"
SOFTMAX = "-sum(Y[i,c]*(sum(X[i,j]*W[j,c], j) - log(sum(exp(sum(X[i,j]*W[j,a], j)), a))), i, c)"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    N, d, K = 60, 4, 3
    X = rng.normal(size=(N, d))
    return {"X": X, "y": (rng.random(N) < 0.5).astype(float), "w": rng.normal(size=d), "v": rng.normal(size=d),
            "Y": np.eye(K)[rng.integers(0, K, N)], "W": rng.normal(size=(d, K)), "V": rng.normal(size=(d, K)),
            "lam": 0.7}


def logistic_numpy(X, w, y, lam):
    z = X @ w
    s = 1 / (1 + np.exp(-z))
    loss = np.sum(np.logaddexp(0, z) - y * z) + lam * w @ w / 2
    grad = X.T @ (s - y) + lam * w
    hess = X.T @ (X * (s * (1 - s))[:, None]) + lam * np.eye(len(w))
    return loss, grad, hess


@pytest.fixture(scope="module")
def logistic():
    d = derive.differentiate(LOGISTIC, "w", symbols="X: N x d, w: d, y: N")
    return {"d": d, "value": derive.kernel(d, value=True), "fused": derive.kernel(d, fused=True),
            "hvp": derive.kernel(d, hvp=True), "grad": derive.kernel(d)}


@pytest.fixture(scope="module")
def softmax_hvp():
    d = derive.differentiate(SOFTMAX, "W[k,l]", "grad")
    return derive.kernel(d, hvp=True)


def test_value_kernel_is_the_loss_in_matrix_notation(logistic, data):
    X, w, y, lam = data["X"], data["w"], data["y"], data["lam"]
    k = logistic["value"]
    assert k(X, w, y, lam) == pytest.approx(logistic_numpy(X, w, y, lam)[0], rel=1e-13)
    assert k.arg_names == logistic["grad"].arg_names == ("X", "w", "y", "lam")  # the gradient's signature
    assert str(inspect.signature(k)) == "(X, w, y, lam)"
    assert "f evaluated independently" in k.validation


def test_value_kernel_from_index_text_sympy_objects_and_both_mixed(data):
    X, w, y = data["X"], data["w"], data["y"]
    expected = logistic_numpy(X, w, y, 0.0)[0]
    text = derive.kernel(derive.differentiate(LOGISTIC_INDEX, "w[k]"), value=True)
    assert text(X, w, y) == pytest.approx(expected, rel=1e-13)

    N, n = sympy.symbols("N d", integer=True, positive=True)
    i, j, k = sympy.symbols("i j k", integer=True)
    Xs, ws, ys = sympy.IndexedBase("X"), sympy.IndexedBase("w"), sympy.IndexedBase("y")
    z = sympy.Sum(Xs[i, j] * ws[j], (j, 0, n - 1))
    f = sympy.Sum(derive.softplus(z) - ys[i] * z, (i, 0, N - 1))
    objects = derive.kernel(derive.differentiate(f, ws[k]), value=True)
    mixed = derive.kernel(derive.differentiate(f, "w[k]"), value=True)  # SymPy f, text variable
    for kern in (objects, mixed):
        assert kern.arg_names == ("X", "w", "y")
        assert kern(X, w, y) == pytest.approx(expected, rel=1e-13)


def test_fused_kernel_returns_value_and_gradient_of_both_kernels(logistic, data):
    X, w, y, lam = data["X"], data["w"], data["y"], data["lam"]
    loss, grad, _ = logistic_numpy(X, w, y, lam)
    fg = logistic["fused"]
    value, gradient = fg(X, w, y, lam)
    assert value == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(gradient, grad, rtol=1e-12, atol=1e-12)
    assert value == logistic["value"](X, w, y, lam)
    np.testing.assert_array_equal(gradient, logistic["grad"](X, w, y, lam))
    assert "two compiled loop kernels" in str(fg) and "central differences" in fg.validation


def test_keywords_and_signatures(logistic, data):
    X, w, y, lam, v = data["X"], data["w"], data["y"], data["lam"], data["v"]
    fg, hv = logistic["fused"], logistic["hvp"]
    by_keyword = fg(lam=lam, y=y, w=w, X=X)
    assert by_keyword[0] == fg(X, w, y, lam)[0]
    np.testing.assert_array_equal(hv(X, w, y, lam, v), hv(X, w, v=v, y=y, lam=lam))
    assert str(inspect.signature(hv)) == "(X, w, y, lam, v)"
    assert repr(hv) == "<Hessian-vector-product kernel (X, w, y, lam, v) -> H v, shaped like w>"
    with pytest.raises(codegen.CodegenError, match=r"kernel takes 5 arguments \(X, w, y, lam, v\), got 4"):
        hv(X, w, y, lam)
    with pytest.raises(codegen.CodegenError, match="unknown argument 'u'"):
        fg(X, w, y, lam, u=1)
    with pytest.raises(codegen.CodegenError, match="given twice"):
        fg(X, w, y, lam, w=w)


def test_hvp_is_the_hessian_times_v_for_logistic(logistic, data):
    X, w, y, lam, v = data["X"], data["w"], data["y"], data["lam"], data["v"]
    hess = logistic_numpy(X, w, y, lam)[2]
    np.testing.assert_allclose(logistic["hvp"](X, w, y, lam, v), hess @ v, rtol=1e-12, atol=1e-12)


def loops(source):
    """(indent, index) of every `for` loop of the generated core."""
    core = source[source.index("def core"):source.index("def kernel(")]
    return [(len(m.group(1)), m.group(2)) for m in re.finditer(r"^( *)for (\w+) in", core, re.M)]


def test_hvp_never_nests_the_variable_loops_inside_the_rows(logistic):
    """Linear in d: inside the row loop, the loop over H v's entry (k) and the one over the
    direction (l) are siblings, never one inside the other (forming H would nest them)."""
    found = loops(logistic["hvp"].source)
    assert {"k", "l"} <= {index for _, index in found}
    for n, (indent, index) in enumerate(found):
        inner = []
        for deeper, other in found[n + 1:]:
            if deeper <= indent:
                break
            inner.append(other)
        if index in ("k", "l"):
            assert not {"k", "l"} & set(inner), (index, inner)


def test_hvp_wrt_a_matrix_softmax_regression(softmax_hvp, data):
    X, Y, W, V = data["X"], data["Y"], data["W"], data["V"]
    assert softmax_hvp.arg_names == ("W", "X", "Y", "v")
    P = softmax(X @ W, axis=1)
    XV = X @ V
    expected = X.T @ (Y.sum(1)[:, None] * P * (XV - np.sum(P * XV, axis=1, keepdims=True)))
    got = softmax_hvp(W, X, Y, V)
    assert got.shape == W.shape
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(softmax_hvp(X=X, Y=Y, W=W, v=V), expected, rtol=1e-11, atol=1e-12)


def test_a_wrong_hvp_is_refused(monkeypatch):
    """Plant a wrong H v (the penalty's lam*v dropped): the kernel is not returned."""
    original = kernel_kinds.contract

    def without_penalty(expr, limits, ranges=None):
        right = original(expr, limits, ranges)
        return sympy.Add(*(t for t in sympy.Add.make_args(right) if not t.has(sympy.Symbol("lam"))))

    monkeypatch.setattr(kernel_kinds, "contract", without_penalty)
    d = derive.differentiate(LOGISTIC, "w", symbols="X: N x d, w: d, y: N")
    with pytest.raises(ValidationError, match="Hessian-vector product kernel disagrees with the symbolic Hessian"):
        derive.kernel(d, hvp=True)


def test_a_gradient_that_is_not_f_s_is_refused():
    """A derivation whose gradient is wrong (factor 2 planted): the differences of the value
    kernel catch it."""
    import dataclasses

    d = derive.differentiate("x**2*y + y**3 + a*x", "x, y")
    wrong = dataclasses.replace(d, result=2 * d.result)
    with pytest.raises(ValidationError, match="central differences"):
        derive.kernel(wrong, fused=True)


def test_scalar_symbols_text_objects_and_mixed():
    x, y, a = sympy.symbols("x y a")
    for d in (derive.differentiate("x**2*y + y**3 + a*x", "x, y"),
              derive.differentiate(x**2 * y + y**3 + a * x, [x, y]),
              derive.differentiate(x**2 * y + y**3 + a * x, "x, y")):
        fg, hv = derive.kernel(d, fused=True), derive.kernel(d, hvp=True)
        assert fg.arg_names == ("x", "y", "a") and hv.arg_names == ("x", "y", "a", "v")
        value, grad = fg(1.5, 2.0, 3.0)
        assert value == pytest.approx(1.5**2 * 2 + 8 + 4.5)
        np.testing.assert_allclose(grad, [[2 * 1.5 * 2 + 3], [1.5**2 + 12]])
        H = np.array([[2 * 2.0, 2 * 1.5], [2 * 1.5, 6 * 2.0]])
        np.testing.assert_allclose(hv(1.5, 2.0, 3.0, v=[1.0, -0.5]), (H @ [1.0, -0.5]).reshape(2, 1))
        # points broadcast, as for every kernel of scalar symbols
        values, grads = fg(np.array([1.5, 0.0]), 2.0, 3.0)
        assert values.shape == (2,) and grads.shape == (2, 2, 1)
        assert "one ufunc kernel computing f and the gradient together" in str(fg)


def test_sample_parameters_hvp():
    """Parameters of a sample (mu, s2 of a Gaussian): one loop kernel per entry of H v."""
    d = derive.differentiate("sum((x[i] - mu)**2/(2*s2), i) + n*log(s2)/2", "mu, s2")
    hv = derive.kernel(d, hvp=True)
    assert hv.arg_names == ("x", "mu", "n", "s2", "v")
    x, mu, n, s2 = np.array([0.3, 1.7, 2.2, -0.4]), 0.9, 4.0, 1.3
    r = x - mu
    H = np.array([[len(x) / s2, np.sum(r) / s2**2],
                  [np.sum(r) / s2**2, np.sum(r**2) / s2**3 - n / (2 * s2**2)]])
    np.testing.assert_allclose(hv(x, mu, n, s2, [0.5, -2.0]), (H @ [0.5, -2.0]).reshape(2, 1), rtol=1e-12)


def test_the_direction_is_renamed_when_f_has_a_v():
    d = derive.differentiate("x**2*v + v**3", "x, v")
    hv = derive.kernel(d, hvp=True)
    assert hv.arg_names == ("x", "v", "v_")
    H = np.array([[2 * 2.0, 2 * 1.0], [2 * 1.0, 6 * 2.0]])  # at x = 1, v = 2
    np.testing.assert_allclose(hv(1.0, 2.0, v_=[1.0, 1.0]).ravel(), H @ [1.0, 1.0])


def test_vector_functions_have_values_but_no_fused_or_hvp():
    d = derive.differentiate("[x*y, x + y]", "x, y", "jacobian")
    k = derive.kernel(d, value=True)
    np.testing.assert_allclose(k(2.0, 3.0), [[6.0], [5.0]])
    for kind in ("fused", "hvp"):
        with pytest.raises(DeriveError, match="needs a scalar f"):
            derive.kernel(d, **{kind: True})
