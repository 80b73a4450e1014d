"""The JAX and PyTorch worked examples: derive's exported derivatives drive Newton's method and a
training loop, and agree with the frameworks' autodiff, scikit-learn and NumPy's closed forms."""

import numpy as np
import pytest

from tests.support.extras import need
from tests.test_examples import load

# the examples run for ~5-15 s each (mostly JAX compiling derive's validation); torch's own
# forward-mode decompositions call the deprecated torch.jit.script when first loaded (torch.func.hessian)
pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")]


def test_jax_newton_logistic(root, tmp_path):
    jax = need("jax")
    out = load(root, "jax_newton_logistic").main(tmp_path)
    X, y, lam = out["data"]
    ws = out["iterates"]
    assert ws.dtype == np.float64 and ws.shape == (11, X.shape[1])
    norms = out["grad_norms"]
    assert norms[0] > 100 and out["final_grad_norm"] < 1e-8  # converged from far away
    assert np.all(norms[1:7] < norms[:6] / 3)  # every step before the rounding floor gains
    # the optimum is the true one: NumPy's closed-form gradient vanishes there
    w = ws[-1]
    s = 1 / (1 + np.exp(-X @ w))
    assert np.linalg.norm(X.T @ (s - y) + lam * w) < 1e-8
    hessian = X.T @ (X * (s * (1 - s))[:, None]) + lam * np.eye(len(w))
    G, H, V = out["kernels"]
    with jax.enable_x64(True):  # outside the example's scope JAX computes in float32
        exported = np.asarray(H.fn(X, w, y, lam))
    assert exported.dtype == np.float64
    np.testing.assert_allclose(exported, hessian, rtol=1e-12, atol=1e-12 * hessian.max())
    # exported vs jax.grad / jax.hessian: the same iterates, step by step
    assert out["iterate_diff"] < 1e-10 and out["loss_diff"] < 1e-12
    np.testing.assert_allclose(out["iterates_autodiff"], ws, atol=1e-10)
    assert out["grad_error"] < 1e-9 and out["hess_error"] < 1e-9 and out["value_error"] < 1e-12
    assert out["sklearn_diff"] < 1e-5
    assert G.arg_names == H.arg_names == V.arg_names == ("X", "w", "y", "lam")
    assert np.isfinite(out["ratio"]) and out["ratio"] > 0  # printed, never asserted: machines differ
    assert out["plot"] == tmp_path / "jax_newton_logistic.png" and out["plot"].stat().st_size > 10_000


def test_torch_training_loop(root, tmp_path):
    need("torch")
    out = load(root, "torch_training_loop").main(tmp_path)
    X, y, lam = out["data"]
    N = X.shape[0]
    # derive's Function and the plain torch loss train identically (same seed, same batches)
    assert out["loss_diff"] < 1e-10 and out["weight_diff"] < 1e-10
    np.testing.assert_allclose(out["history"], out["history_autograd"], rtol=1e-10)
    assert out["hessian_diff"] < 1e-12
    assert out["gradcheck"] == {"gradcheck": True, "gradgradcheck": True, "gradcheck (X, w)": True}
    # Newton through torch.func.hessian reaches the point where NumPy's closed-form gradient vanishes
    w_star = out["w_star"]
    assert out["optimum_grad_norm"] < 1e-10
    assert np.linalg.norm(X.T @ (np.exp(X @ w_star) - y) / N + lam * w_star) < 1e-10
    # and Adam heads there
    history = out["history"]
    assert history[-1] < history[0] and history[-1] - out["optimum"] < 1e-5 and out["adam_gap"] < 0.02
    # one backward through the Function: derive's closed form (its own node, not autograd's graph
    # of exp and matmul), equal to NumPy's
    import torch

    w = torch.tensor(w_star + 0.1, requires_grad=True)
    value = out["loss"](torch.as_tensor(X), w, torch.as_tensor(y), lam)
    assert type(value.grad_fn).__name__ == "ValueBackward"
    value.backward()
    z = X @ (w_star + 0.1)
    np.testing.assert_allclose(w.grad.numpy(), X.T @ (np.exp(z) - y) / N + lam * (w_star + 0.1), rtol=1e-12,
                               atol=1e-14)
    assert out["loss"].hessian is not None and "exp" in out["loss"].gradient.source
    assert out["plot"] == tmp_path / "torch_training_loop.png" and out["plot"].stat().st_size > 10_000
