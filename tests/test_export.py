"""derive's results as JAX and PyTorch functions (issue 23): eleven ML losses through both
backends, in float32 and float64, under jax.jit / torch.jit.script, against NumPy formulas
written by hand here; the autograd functions against the frameworks' own autodiff."""

import contextlib

import numpy as np
import pytest
import sympy

import derive
from tests.support.extras import need

# the issue asks for TorchScript-able functions; torch 2.13 warns that TorchScript is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(Z):
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


# name: (f, wrt, symbols, data(rng) -> arrays by name, value, gradient, Hessian or None)
LOSSES = {
    "logistic NLL": (
        "sum(softplus(X @ w)) - y.T @ X @ w", "w", "X: N x d, w: d, y: N",
        lambda r: {"X": r.normal(size=(9, 4)), "w": r.normal(size=4), "y": r.integers(0, 2, 9).astype(float)},
        lambda X, w, y: np.sum(np.logaddexp(0, X @ w)) - y @ X @ w,
        lambda X, w, y: X.T @ (sigmoid(X @ w) - y),
        lambda X, w, y: X.T @ np.diag(sigmoid(X @ w) * (1 - sigmoid(X @ w))) @ X),
    "softmax cross-entropy": (
        "-sum(Y[i,c]*(sum(X[i,j]*W[j,c], j) - log(sum(exp(sum(X[i,j]*W[j,a], j)), a))), i, c)", "W[k,l]", None,
        lambda r: {"W": r.normal(size=(4, 3)), "X": r.normal(size=(8, 4)), "Y": np.eye(3)[r.integers(0, 3, 8)]},
        lambda W, X, Y: -np.sum(Y * np.log(softmax(X @ W))),
        lambda W, X, Y: X.T @ (softmax(X @ W) - Y),
        None),
    "least squares": (
        "norm(X @ w - y)**2", "w", "X: N x d, w: d, y: N",
        lambda r: {"X": r.normal(size=(9, 4)), "w": r.normal(size=4), "y": r.normal(size=9)},
        lambda X, w, y: np.sum((X @ w - y) ** 2),
        lambda X, w, y: 2 * X.T @ (X @ w - y),
        lambda X, w, y: 2 * X.T @ X),
    "ridge": (
        "norm(X @ w - y)**2 + lam*norm(w)**2", "w", "X: N x d, w: d, y: N",
        lambda r: {"X": r.normal(size=(9, 4)), "w": r.normal(size=4), "y": r.normal(size=9), "lam": 0.7},
        lambda X, w, y, lam: np.sum((X @ w - y) ** 2) + lam * w @ w,
        lambda X, w, y, lam: 2 * X.T @ (X @ w - y) + 2 * lam * w,
        lambda X, w, y, lam: 2 * X.T @ X + 2 * lam * np.eye(4)),
    "quadratic form": (
        "x.T @ A @ x", "x", "x: n, A: n x n",
        lambda r: {"A": r.normal(size=(5, 5)), "x": r.normal(size=5)},
        lambda A, x: x @ A @ x,
        lambda A, x: (A + A.T) @ x,
        lambda A, x: A + A.T),
    "log-det": (
        "log(det(S))", "S", "S: n x n",
        lambda r: {"S": (lambda G: G @ G.T / 4 + np.eye(4))(r.normal(size=(4, 4)))},
        lambda S: np.linalg.slogdet(S)[1],
        lambda S: np.linalg.inv(S).T,
        None),
    "two-layer network": (
        "sum((sum(tanh(sum(X[i,j]*W[j,h], j))*v[h], h) - y[i])**2, i)", "W[k,l]", None,
        lambda r: {"W": r.normal(size=(3, 4)), "X": r.normal(size=(7, 3)), "v": r.normal(size=4),
                   "y": r.normal(size=7)},
        lambda W, X, v, y: np.sum((np.tanh(X @ W) @ v - y) ** 2),
        lambda W, X, v, y: X.T @ (2 * (np.tanh(X @ W) @ v - y)[:, None] * v[None, :] * (1 - np.tanh(X @ W) ** 2)),
        None),
    "Gaussian NLL": (
        "(x - mu).T @ inv(S) @ (x - mu)/2 + log(det(S))/2", "mu", "x: n, mu: n, S: n x n",
        lambda r: {"S": (lambda G: G @ G.T / 4 + np.eye(4))(r.normal(size=(4, 4))), "mu": r.normal(size=4),
                   "x": r.normal(size=4)},
        lambda S, mu, x: (x - mu) @ np.linalg.solve(S, x - mu) / 2 + np.linalg.slogdet(S)[1] / 2,
        lambda S, mu, x: -np.linalg.solve(S, x - mu),
        lambda S, mu, x: np.linalg.inv(S)),
    "Poisson NLL": (
        "sum(exp(X @ w)) - y.T @ X @ w", "w", "X: N x d, w: d, y: N",
        lambda r: {"X": r.normal(size=(9, 4)) / 2, "w": r.normal(size=4), "y": r.poisson(2.0, 9).astype(float)},
        lambda X, w, y: np.sum(np.exp(X @ w)) - y @ X @ w,
        lambda X, w, y: X.T @ (np.exp(X @ w) - y),
        lambda X, w, y: X.T @ np.diag(np.exp(X @ w)) @ X),
    "logsumexp": (
        "log(sum(exp(x[i]), i))", "x[k]", None,
        lambda r: {"x": r.normal(size=6)},
        lambda x: np.log(np.sum(np.exp(x))),
        lambda x: softmax(x),
        lambda x: np.diag(softmax(x)) - np.outer(softmax(x), softmax(x))),
    "Gaussian sample by (mu, s2)": (
        "sum((x[i] - mu)**2, i)/(2*s2) + n/2*log(s2)", "mu, s2", None,
        lambda r: {"x": r.normal(size=6), "mu": 0.3, "n": 6.0, "s2": 1.4},
        lambda x, mu, n, s2: np.sum((x - mu) ** 2) / (2 * s2) + n / 2 * np.log(s2),
        lambda x, mu, n, s2: np.array([[-np.sum(x - mu) / s2],
                                       [-np.sum((x - mu) ** 2) / (2 * s2**2) + n / (2 * s2)]]),
        lambda x, mu, n, s2: np.array([[n / s2, np.sum(x - mu) / s2**2],
                                       [np.sum(x - mu) / s2**2, np.sum((x - mu) ** 2) / s2**3 - n / (2 * s2**2)]])),
}
KINDS = [(name, kind) for name, case in LOSSES.items() for kind in ("value", "grad", "hessian")
         if kind != "hessian" or case[6] is not None]
_cache = {}


def exported(name, kind, backend):
    """derive.kernel(..., backend) of one loss, made once per session (validated when made)."""
    key = (name, kind, backend)
    if key not in _cache:
        f, wrt, symbols = LOSSES[name][:3]
        d = derive.differentiate(f, wrt, "grad" if kind == "value" else kind, symbols=symbols)
        _cache[key] = derive.kernel(d, backend=backend, value=kind == "value")
    return _cache[key]


def reference(name, kind, arrays):
    value, grad, hess = LOSSES[name][4:]
    return np.asarray({"value": value, "grad": grad, "hessian": hess}[kind](**arrays), dtype=float)


def instance(name, k, dtype, seed=0):
    arrays = LOSSES[name][3](np.random.default_rng(seed))
    return {n: np.asarray(arrays[n], dtype=dtype) for n in k.arg_names}, arrays


def tolerance(dtype):
    return {"rtol": 1e-10, "atol": 1e-10} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-4}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, kind", KINDS)
def test_jax_kernels_under_jit_equal_numpy(name, kind, dtype):
    jax = need("jax")
    k = exported(name, kind, "jax")
    assert k.backend == "jax" and "jax.numpy" in k.source and "numba" not in k.source
    values, _arrays = instance(name, k, dtype)
    with jax.enable_x64(dtype == np.float64):
        out = jax.jit(k.fn)(*[values[n] for n in k.arg_names])
        assert out.dtype == dtype  # created like the arguments: float32 stays float32
        got = np.asarray(out, dtype=float)
    want = reference(name, kind, {n: np.asarray(v, dtype=float) for n, v in values.items()})
    assert got.shape == want.shape or got.size == want.size == 1 or name.startswith("Gaussian sample")
    np.testing.assert_allclose(got, want.reshape(got.shape), **tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, kind", KINDS)
def test_torch_kernels_under_torchscript_equal_numpy(name, kind, dtype):
    torch = need("torch")
    k = exported(name, kind, "torch")
    assert k.backend == "torch" and "import torch" in k.source and "numba" not in k.source
    scripted = torch.jit.script(k.fn)
    values, _ = instance(name, k, dtype)
    tensors = [torch.as_tensor(values[n]) for n in k.arg_names]
    out = scripted(*tensors)
    assert out.dtype == tensors[0].dtype
    eager = k(**values)  # by keyword, NumPy in: turned into tensors
    np.testing.assert_allclose(eager.numpy(), out.numpy(), **tolerance(dtype))
    want = reference(name, kind, {n: np.asarray(v, dtype=float) for n, v in values.items()})
    np.testing.assert_allclose(out.numpy().astype(float), want.reshape(out.shape), **tolerance(dtype))


def test_a_jax_gradient_vmaps_over_a_batch_of_parameters():
    jax = need("jax")
    k = exported("logistic NLL", "grad", "jax")
    _values, arrays = instance("logistic NLL", k, np.float64)
    W = np.random.default_rng(3).normal(size=(5, 4))  # five weight vectors, one call
    with jax.enable_x64(True):
        batched = np.asarray(jax.jit(jax.vmap(k.fn, in_axes=(None, 0, None)))(arrays["X"], W, arrays["y"]))
    for row, w in zip(batched, W):
        np.testing.assert_allclose(row, LOSSES["logistic NLL"][5](arrays["X"], w, arrays["y"]), rtol=1e-12)


def test_a_torch_gradient_vmaps_over_a_batch_of_parameters():
    torch = need("torch")
    k = exported("logistic NLL", "grad", "torch")
    _, arrays = instance("logistic NLL", k, np.float64)
    W = torch.as_tensor(np.random.default_rng(3).normal(size=(5, 4)))
    X, y = torch.as_tensor(arrays["X"]), torch.as_tensor(arrays["y"])
    batched = torch.func.vmap(k.fn, in_dims=(None, 0, None))(X, W, y).numpy()
    for row, w in zip(batched, W.numpy()):
        np.testing.assert_allclose(row, LOSSES["logistic NLL"][5](arrays["X"], w, arrays["y"]), rtol=1e-12)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_hessian_vector_product_is_the_hessian_times_v(backend):
    need(backend)
    f, wrt, symbols = LOSSES["logistic NLL"][:3]
    d = derive.differentiate(f, wrt, "hessian", symbols=symbols)
    hv = derive.kernel(d, backend=backend, hvp=True)
    assert hv.arg_names == ("X", "w", "y", "v")
    _, arrays = instance("logistic NLL", exported("logistic NLL", "grad", backend), np.float64)
    v = np.random.default_rng(5).normal(size=4)
    got = hv(**arrays, v=v)
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got, dtype=float)
    np.testing.assert_allclose(got, LOSSES["logistic NLL"][6](**arrays) @ v, rtol=1e-6)


def test_the_backend_is_never_dropped():
    """derive.kernel(d, backend="jax") on a matrix- or index-notation result used to return a Numba
    kernel silently: the regression."""
    need("jax")
    for name in ("logistic NLL", "softmax cross-entropy", "log-det"):
        k = exported(name, "grad", "jax")
        assert type(k).__name__ == "FrameworkKernel" and k.backend == "jax"
        assert "numba" not in k.source and "jax.numpy" in k.source


def test_a_wrong_printer_is_refused_by_the_validation(monkeypatch):
    """Break the printer (sigmoid printed as tanh): the kernel must not come back."""
    need("jax")
    from codegen.printing.frameworks import JaxPrinter

    monkeypatch.setitem(JaxPrinter.fn, "sigmoid", "jax.numpy.tanh")
    f, wrt, symbols = LOSSES["logistic NLL"][:3]
    d = derive.differentiate(f, wrt, "grad", symbols=symbols)
    with pytest.raises(derive.ValidationError, match="disagrees with jax's autodiff"):
        derive.kernel(d, backend="jax", directory=None)


def test_a_wrong_value_printer_is_refused_too(monkeypatch):
    """The value kernel is checked against derive's own evaluation of f, not against itself."""
    need("torch")
    from codegen.printing.frameworks import TorchPrinter

    monkeypatch.setitem(TorchPrinter.fn, "softplus", "torch.exp")
    f, wrt, symbols = LOSSES["logistic NLL"][:3]
    d = derive.differentiate(f, wrt, "grad", symbols=symbols)
    with pytest.raises(derive.ValidationError, match="derive's evaluation of f"):
        derive.kernel(d, backend="torch", value=True)


def test_shapes_that_clash_are_a_one_line_error():
    need("jax")
    k = exported("logistic NLL", "grad", "jax")
    with pytest.raises(ValueError, match="axis 0 of w must have length d"):
        k.fn(np.zeros((9, 4)), np.zeros(3), np.zeros(9))


# ---------------------------------------------------------------------------
# autograd functions

AUTOGRAD = ["logistic NLL", "ridge", "Poisson NLL", "Gaussian NLL", "logsumexp", "softmax cross-entropy",
            "two-layer network"]
_losses = {}


def autograd(name, backend, hessian):
    key = (name, backend, hessian)
    if key not in _losses:
        f, wrt, symbols = LOSSES[name][:3]
        _losses[key] = derive.autograd_function(f, wrt, backend=backend, hessian=hessian, symbols=symbols)
    return _losses[key]


@pytest.mark.parametrize("hessian", [False, True], ids=["gradient", "gradient and Hessian"])
@pytest.mark.parametrize("name", AUTOGRAD)
def test_jax_grad_and_hessian_of_the_autograd_function_equal_the_plain_ones(name, hessian):
    jax = need("jax")
    loss = autograd(name, "jax", hessian)
    assert (loss.hessian is not None) == hessian and loss.validation
    _, arrays = instance(name, loss.value, np.float64, seed=11)
    args = [arrays[n] for n in loss.arg_names]
    p = loss.position
    with jax.enable_x64(True):
        for op in (jax.grad, jax.hessian, jax.jacfwd):
            got = np.asarray(jax.jit(op(loss.fn, argnums=p))(*args))
            want = np.asarray(jax.jit(op(loss.value.fn, argnums=p))(*args))
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(np.asarray(jax.grad(loss.fn, argnums=p)(*args)).reshape(-1),
                                   reference(name, "grad", arrays).reshape(-1), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("hessian", [False, True], ids=["gradient", "gradient and Hessian"])
@pytest.mark.parametrize("name", AUTOGRAD)
def test_torch_autograd_function_passes_gradcheck_and_its_hessian_is_torchs(name, hessian):
    torch = need("torch")
    loss = autograd(name, "torch", hessian)
    _, arrays = instance(name, loss.value, np.float64, seed=11)
    tensors = [torch.as_tensor(np.asarray(arrays[n], dtype=np.float64)) for n in loss.arg_names]
    p = loss.position
    w = tensors[p].clone().requires_grad_(True)

    def of_w(w):
        return loss.fn(*tensors[:p], w, *tensors[p + 1:])

    assert torch.autograd.gradcheck(of_w, (w,), check_forward_ad=True)  # jvp too, in torch's own forward AD
    assert torch.autograd.gradgradcheck(of_w, (w,))  # double backward through the closed form
    got = torch.func.hessian(of_w)(tensors[p])
    want = torch.func.hessian(lambda w: loss.value.fn(*tensors[:p], w, *tensors[p + 1:]))(tensors[p])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-9)
    g, = torch.autograd.grad(of_w(w), w)
    np.testing.assert_allclose(g.numpy().reshape(-1), reference(name, "grad", arrays).reshape(-1), rtol=1e-9)


def test_torch_autograd_function_gives_data_gradients_by_torchs_autodiff():
    """Data that requires grad (X here) gets torch's own gradient of the plain f: correct, not closed form."""
    torch = need("torch")
    loss = autograd("logistic NLL", "torch", False)
    _, arrays = instance("logistic NLL", loss.value, np.float64)
    X = torch.as_tensor(arrays["X"]).requires_grad_(True)
    w, y = torch.as_tensor(arrays["w"]), torch.as_tensor(arrays["y"])
    assert torch.autograd.gradcheck(lambda X: loss(X, w, y), (X,))


def test_jax_autograd_function_along_data_tangents():
    jax = need("jax")
    loss = autograd("logistic NLL", "jax", True)
    _, arrays = instance("logistic NLL", loss.value, np.float64)
    with jax.enable_x64(True):
        got = jax.grad(loss.fn, argnums=(0, 1))(arrays["X"], arrays["w"], arrays["y"])
        want = jax.grad(loss.value.fn, argnums=(0, 1))(arrays["X"], arrays["w"], arrays["y"])
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10)


def test_a_wrong_closed_form_gradient_is_refused(monkeypatch):
    """autograd_function checks its gradient against the framework's autodiff of the plain f."""
    need("torch")
    from derive.derivation import export

    real = export.export_kernel

    def wrong(d, backend, **options):
        k = real(d, backend, **options)
        if d.kind == "grad" and not options.get("value"):
            fn = k.fn
            k.fn = lambda *a: 2 * fn(*a)  # an extra factor 2, the crash course's dsigmoid
        return k

    monkeypatch.setattr(export, "export_kernel", wrong)
    f, wrt, symbols = LOSSES["logistic NLL"][:3]
    with pytest.raises(derive.ValidationError, match="grad of the torch autograd function"):
        derive.autograd_function(f, wrt, backend="torch", symbols=symbols)


@pytest.mark.parametrize("call, message", [
    (lambda: derive.autograd_function("x**2 + y", "x", backend="jax"), "function of scalars"),
    (lambda: derive.autograd_function("sum(softplus(X @ w))", "w", backend="tensorflow",
                                      symbols="X: N x d, w: d"), "unknown backend 'tensorflow'"),
    (lambda: derive.autograd_function("x.T @ A @ x", "x, A", backend="jax", symbols="x: n, A: n x n"),
     "one matrix or vector at a time"),
])
def test_autograd_function_errors_are_one_line(call, message):
    with pytest.raises(derive.DeriveError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_components_kernels_broadcast_in_both_frameworks():
    jax, torch = need("jax"), need("torch")
    d = derive.differentiate("x**2*y + sin(y)", "x, y", "grad")
    x, y = np.array([0.5, -1.0, 2.0]), np.array([2.0, 0.25, -0.5])
    want = np.stack([2 * x * y, x**2 + np.cos(y)], axis=-1)[..., None]  # a point per row, a 2 x 1 gradient
    with jax.enable_x64(True):
        got = np.asarray(jax.jit(derive.kernel(d, backend="jax").fn)(x, y))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    got = torch.jit.script(derive.kernel(d, backend="torch").fn)(torch.as_tensor(x), torch.as_tensor(y))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_hvp_from_a_gradient_derivation_by_a_weight_matrix(backend):
    """hvp=True on the gradient derivation derives the Hessian itself (as the Numba kernels do); by
    W[k,l] that Hessian has four indices, and H v is shaped like W."""
    framework = need(backend)
    f, wrt = LOSSES["softmax cross-entropy"][:2]
    hv = derive.kernel(derive.differentiate(f, wrt, "grad"), backend=backend, hvp=True)
    assert hv.arg_names == ("W", "X", "Y", "v")
    arrays = LOSSES["softmax cross-entropy"][3](np.random.default_rng(2))
    V = np.random.default_rng(4).normal(size=arrays["W"].shape)
    with framework.enable_x64(True) if backend == "jax" else contextlib.nullcontext():
        got = hv(**arrays, v=V)
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got, dtype=float)
    P = softmax(arrays["X"] @ arrays["W"])
    R = P * (arrays["X"] @ V) - P * np.sum(P * (arrays["X"] @ V), axis=1, keepdims=True)  # d softmax along V
    np.testing.assert_allclose(got, arrays["X"].T @ R, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------------
# what the validation must catch, and results beyond the loss table


def test_a_transposed_gradient_by_a_matrix_is_refused():
    """The instance must not be symmetric: at a symmetric S, inv(S) and inv(S).T agree."""
    need("jax")
    import dataclasses

    d = derive.differentiate("N*log(det(S)) + trace(inv(S) @ X.T @ X)", "S", symbols="X: N x d, S: d x d")
    assert derive.kernel(d, backend="jax").arg_names == ("S", "X")
    with pytest.raises(derive.ValidationError, match="disagrees with jax's autodiff"):
        derive.kernel(dataclasses.replace(d, result=d.result.T), backend="jax")


def test_a_matrix_declared_symmetric_is_validated_where_the_result_holds():
    torch = need("torch")
    d = derive.differentiate("log(det(S))", "S", symbols="S: n x n symmetric")
    assert d.symmetric == ("S",)
    k = derive.kernel(d, backend="torch")
    G = np.random.default_rng(0).normal(size=(4, 4))
    S = G @ G.T + np.eye(4)
    np.testing.assert_allclose(k(torch.as_tensor(S)).numpy(), np.linalg.inv(S), rtol=1e-10)


def test_a_sign_bug_is_refused_even_where_f_needs_positive_data(monkeypatch):
    """log(x[i]) makes the data positive; the variable w must keep both signs, or sign(w) = 1 passes."""
    need("jax")
    from codegen.printing.frameworks import JaxPrinter

    d = derive.differentiate("sum(log(x[i]) + abs(w[i]), i)", "w[k]", "grad")
    derive.kernel(d, backend="jax")
    monkeypatch.setitem(JaxPrinter.fn, "sign", "jax.numpy.ones_like")
    with pytest.raises(derive.ValidationError, match="disagrees"):
        derive.kernel(d, backend="jax")


def test_a_kernel_of_scalars_is_never_returned_unchecked(monkeypatch):
    """log(x - 2) is finite only for x > 2: points are drawn until it is, and a broken log is caught."""
    need("jax")
    from codegen.printing.frameworks import JaxPrinter

    d = derive.differentiate("log(x - 2) + y", "x, y", "grad")
    derive.kernel(d, backend="jax", value=True)
    monkeypatch.setattr(JaxPrinter, "ops", dict(JaxPrinter.ops, log="jax.numpy.exp"))
    with pytest.raises(derive.ValidationError, match="disagrees with NumPy's evaluation"):
        derive.kernel(d, backend="jax", value=True)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_mixed_hessian_by_two_arrays(backend):
    need(backend)
    d = derive.differentiate("sum(A[i,j]*x[i]*y[j], i, j)", "x[k], y[l]", "hessian")
    k = derive.kernel(d, backend=backend)
    A = np.random.default_rng(1).normal(size=(3, 4))
    got = k(A=A, x=np.ones(3), y=np.ones(4))
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), A, rtol=1e-6)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_hessian_whose_second_index_is_only_in_a_delta(backend):
    """An elementwise loss's Hessian is diagonal: delta(k, l) carries l, no array does."""
    need(backend)
    d = derive.differentiate("sum(x[i]**2, i) + sum(exp(x[i]), i)", "x[k]", "hessian")
    x = np.array([0.1, -0.4, 0.7])
    got = derive.kernel(d, backend=backend)(x=x)
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got, dtype=float)
    np.testing.assert_allclose(got, np.diag(2 + np.exp(x)), rtol=1e-6)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_jacobian_in_matrix_notation(backend):
    framework = need(backend)
    d = derive.differentiate("sigmoid(X @ w)", "w", "jacobian", symbols="X: N x d, w: d")
    k = derive.kernel(d, backend=backend)
    rng = np.random.default_rng(2)
    X, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    with framework.enable_x64(True) if backend == "jax" else contextlib.nullcontext():
        got = k(X=X, w=w)
    s = sigmoid(X @ w)
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got),
                               (s * (1 - s))[:, None] * X, rtol=1e-10)


@pytest.mark.xfail(strict=True, reason="PyTorch returns zeros for jacfwd over jacfwd through an autograd.Function "
                                       "(pytorch/pytorch issue 197867); strict, so a fixed PyTorch is noticed")
def test_torch_forward_over_forward_through_the_autograd_function():
    torch = need("torch")
    loss = autograd("logistic NLL", "torch", False)
    _, arrays = instance("logistic NLL", loss.value, np.float64)
    X, w, y = (torch.as_tensor(arrays[n]) for n in ("X", "w", "y"))
    got = torch.func.jacfwd(torch.func.jacfwd(loss.fn, argnums=1), argnums=1)(X, w, y)
    np.testing.assert_allclose(got.numpy(), LOSSES["logistic NLL"][6](**arrays), rtol=1e-9)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_scalar_argument_given_an_array_is_an_error(backend):
    """mu of a sample is one number: an array would broadcast into a meaningless sum."""
    need(backend)
    k = exported("Gaussian sample by (mu, s2)", "grad", backend)
    with pytest.raises((ValueError, RuntimeError), match="mu must be a number"):
        k(x=np.array([0.1, 0.5, -0.3]), mu=np.array([0.0, 1.0, 2.0]), n=3.0, s2=1.0)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_constant_gradient_broadcasts_over_the_points(backend):
    need(backend)
    k = derive.kernel(derive.differentiate("x + 2*y", "x, y", "grad"), backend=backend)
    got = k(np.arange(5.0), np.ones(5))
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got)
    assert got.shape == (5, 2, 1)
    np.testing.assert_array_equal(got[:, :, 0], np.tile([1.0, 2.0], (5, 1)))


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_logistic_gradient_does_not_overflow_in_float32(backend):
    """Both margins X w are one sum after renaming (canonical.py), so exp(u)/(1 + exp(u)) is seen as
    sigmoid(u): finite at X w = 200, where exp overflows float32."""
    framework = need(backend)
    d = derive.differentiate("sum(log(1 + exp(X @ w)))", "w", symbols="X: N x d, w: d")
    k = derive.kernel(d, backend=backend)
    X, w = np.full((3, 2), 50.0, dtype=np.float32), np.full(2, 2.0, dtype=np.float32)
    out = k(X, w) if backend == "torch" else k.fn(framework.numpy.asarray(X), framework.numpy.asarray(w))
    got = np.asarray(out.numpy() if hasattr(out, "numpy") else out)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [150.0, 150.0], rtol=1e-6)
    assert k.source.count("einsum('b,ab->a'") == 1  # X w once, into the sigmoid


def test_torch_calls_take_numpy_lists_and_integer_labels():
    torch = need("torch")
    loss = autograd("logistic NLL", "torch", False)
    _, arrays = instance("logistic NLL", loss.value, np.float64)
    X = arrays["X"].astype(np.float32)
    w = torch.as_tensor(arrays["w"], dtype=torch.float32).requires_grad_(True)
    y = torch.as_tensor(arrays["y"]).long()  # labels as integers
    value = loss(X, w, y)  # NumPy float32 X, a float32 tensor w, int64 y: one dtype, w's
    assert value.dtype == torch.float32
    value.backward()
    np.testing.assert_allclose(w.grad.numpy(), LOSSES["logistic NLL"][5](arrays["X"], arrays["w"], arrays["y"]),
                               rtol=1e-4)
    k = exported("logistic NLL", "grad", "torch")
    got = k(arrays["X"].tolist(), list(arrays["w"]), arrays["y"].astype(int))  # lists too
    np.testing.assert_allclose(got.numpy(), LOSSES["logistic NLL"][5](**arrays), rtol=1e-10)


@pytest.mark.parametrize("how", ["text", "sympy", "mixed"])
def test_sympy_objects_text_and_the_two_mixed_export_alike(how):
    """The same quadratic form given as text, as SymPy objects, and as text with a SymPy wrt."""
    jax, torch = need("jax"), need("torch")
    n = sympy.Symbol("n", integer=True, positive=True)
    A, x = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("x", n, 1)
    f, wrt, symbols = {"text": ("x.T @ A @ x", "x", "x: n, A: n x n"),
                       "sympy": (x.T * A * x, x, None),
                       "mixed": ("x.T @ A @ x", x, "x: n, A: n x n")}[how]
    M = np.random.default_rng(6).normal(size=(4, 4))
    v = np.random.default_rng(7).normal(size=4)
    loss = derive.autograd_function(f, wrt, backend="torch", hessian=True, symbols=symbols)
    assert loss.arg_names == ("A", "x")
    vt = torch.as_tensor(v).requires_grad_(True)
    g, = torch.autograd.grad(loss(torch.as_tensor(M), vt), vt)
    np.testing.assert_allclose(g.numpy(), (M + M.T) @ v, rtol=1e-12)
    k = derive.kernel(derive.differentiate(f, wrt, "hessian", symbols=symbols), backend="jax")
    with jax.enable_x64(True):
        np.testing.assert_allclose(np.asarray(k(A=M, x=v)), M + M.T, rtol=1e-12)
