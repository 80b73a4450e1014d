"""A PyTorch training loop whose loss has derive's closed-form gradient.

    L(w) = (sum(exp(X @ w)) - y.T @ X @ w)/N + lam/2 * norm(w)**2

(Poisson regression: the mean negative log-likelihood of counts y with rates
exp(X @ w), up to the constant log(y!), plus a ridge penalty; N in the text is
the number of rows of X, so on a mini-batch it is the batch size).
``derive.autograd_function(L, "w", backend="torch", hessian=True)`` returns L
as a ``torch.autograd.Function``: its backward is derive's gradient
``X.T @ (exp(X @ w) - y)/N + lam w`` and its forward-mode derivative of that
gradient derive's Hessian, so ``loss.backward()``, ``torch.func.grad`` and
``torch.func.hessian`` all go through closed forms.

The same model is trained twice with ``torch.optim.Adam`` in float64 from the
same seed: once through derive's function, once through the line of torch a
person would write, differentiated by autograd.  The losses per epoch and the
final weights agree to rounding; ``torch.autograd.gradcheck`` and
``gradgradcheck`` pass on derive's function; its ``torch.func.hessian``
equals that of the plain loss; Newton's method on those Hessians finds the
optimum Adam is heading for.

    python examples/torch_training_loop.py
"""

import time
from pathlib import Path

import numpy as np
import torch

import derive

LOSS = "(sum(exp(X @ w)) - y.T @ X @ w)/N + lam/2 * norm(w)**2"
SYMBOLS = "X: N x d, w: d, y: N"


def plain_loss(X, w, y, lam):
    """The loss as one writes it in torch (autograd differentiates it)."""
    z = X @ w
    return (torch.exp(z).sum() - y @ z) / X.shape[0] + lam / 2 * (w @ w)


def train(loss_fn, X, y, lam, *, epochs, batch, lr, seed):
    """Adam over shuffled mini-batches, the step size decaying per epoch; returns (weights, the
    loss on all the data after each epoch)."""
    generator = torch.Generator().manual_seed(seed)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=lr)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.85)  # mini-batch noise dies down
    history = []
    for _ in range(epochs):
        for rows in torch.randperm(X.shape[0], generator=generator).split(batch):
            optimizer.zero_grad()
            loss_fn(X[rows], w, y[rows], lam).backward()
            optimizer.step()
        schedule.step()
        with torch.no_grad():
            history.append(float(plain_loss(X, w, y, lam)))
    return w.detach(), np.array(history)


def main(out_dir=None, N=2000, d=10, lam=0.01, epochs=30, batch=200, lr=0.05, seed=0):
    start = time.perf_counter()
    loss = derive.autograd_function(LOSS, "w", backend="torch", hessian=True, symbols=SYMBOLS)
    made = time.perf_counter() - start
    print(f"{loss}, made in {made:.1f} s")
    print(f"validated: {loss.validation}")
    print("its gradient:", loss.gradient.source.rstrip().splitlines()[-1].strip(), "\n")

    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.normal(size=(N, d)) / np.sqrt(d))
    true_w = rng.normal(size=d)
    y = torch.as_tensor(rng.poisson(np.exp(X.numpy() @ true_w)).astype(float))
    lam_t = torch.tensor(lam, dtype=torch.float64)

    runs = {}
    for name, fn in (("derive", loss), ("autograd", plain_loss)):
        start = time.perf_counter()
        w, history = train(fn, X, y, lam_t, epochs=epochs, batch=batch, lr=lr, seed=seed)
        runs[name] = (w, history, time.perf_counter() - start)
    (w, history, t_derive), (w_ad, history_ad, t_ad) = runs["derive"], runs["autograd"]
    loss_diff = float(np.max(np.abs(history - history_ad) / np.abs(history_ad)))
    weight_diff = float(torch.max(torch.abs(w - w_ad)))
    print(f"Adam, {epochs} epochs of batches of {batch}: loss {history[0]:.6f} -> {history[-1]:.10f}")
    print(f"derive's function vs torch autograd: losses per epoch agree to {loss_diff:.1e} (relative), "
          f"final weights to {weight_diff:.1e}")
    print(f"training time: derive {t_derive:.2f} s, autograd {t_ad:.2f} s")

    # Second derivatives through the Function: torch.func.hessian (forward over reverse) uses
    # derive's Hessian in the jvp of its backward.
    hessian = torch.func.hessian(loss, argnums=1)(X, w, y, lam_t)
    hessian_ad = torch.func.hessian(plain_loss, argnums=1)(X, w, y, lam_t)
    hessian_diff = float(torch.max(torch.abs(hessian - hessian_ad)) / torch.max(torch.abs(hessian_ad)))
    print(f"torch.func.hessian through derive's function vs of the plain loss: {hessian_diff:.1e} (relative)")

    w_star = torch.zeros(d, dtype=torch.float64)
    grad = torch.func.grad(loss, argnums=1)
    for _ in range(30):
        g = grad(X, w_star, y, lam_t)
        if float(torch.linalg.norm(g)) < 1e-13:
            break
        w_star = w_star - torch.linalg.solve(torch.func.hessian(loss, argnums=1)(X, w_star, y, lam_t), g)
    optimum_grad_norm = float(torch.linalg.norm(grad(X, w_star, y, lam_t)))
    optimum = float(plain_loss(X, w_star, y, lam_t))
    adam_gap = float(torch.max(torch.abs(w - w_star)))
    print(f"Newton on torch.func.hessian: gradient norm {optimum_grad_norm:.1e} at the optimum; "
          f"Adam's weights are {adam_gap:.1e} from it, its loss {history[-1] - optimum:.1e} above")

    checks = _gradchecks(loss, seed)
    print("gradcheck / gradgradcheck on derive's function (float64, X 6 x 3):",
          ", ".join(f"{k} {v}" for k, v in checks.items()))

    plot = _plot(out_dir, history, history_ad, optimum)
    return {"loss": loss, "made_seconds": made, "history": history, "history_autograd": history_ad,
            "loss_diff": loss_diff, "w": w.numpy(), "w_autograd": w_ad.numpy(), "weight_diff": weight_diff,
            "hessian_diff": hessian_diff, "w_star": w_star.numpy(), "optimum": optimum,
            "optimum_grad_norm": optimum_grad_norm, "adam_gap": adam_gap, "true_w": true_w,
            "data": (X.numpy(), y.numpy(), lam), "gradcheck": checks,
            "seconds": {"derive": t_derive, "autograd": t_ad}, "plot": plot}


def _gradchecks(loss, seed):
    """torch's own numerical checks, on small float64 sizes; X too requires grad in one of them
    (the data's derivative is torch's autodiff of the plain f inside derive's Function)."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(6, 3, dtype=torch.float64, generator=generator, requires_grad=True)
    w = (0.5 * torch.randn(3, dtype=torch.float64, generator=generator)).requires_grad_()
    y = torch.poisson(torch.full((6,), 2.0, dtype=torch.float64), generator=generator)
    lam = torch.tensor(0.3, dtype=torch.float64)
    by_w = lambda w: loss(X.detach(), w, y, lam)  # noqa: E731
    return {"gradcheck": torch.autograd.gradcheck(by_w, (w,), check_batched_grad=True),
            "gradgradcheck": torch.autograd.gradgradcheck(by_w, (w,)),
            "gradcheck (X, w)": torch.autograd.gradcheck(lambda X, w: loss(X, w, y, lam), (X, w))}


def _plot(out_dir, history, history_ad, optimum):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir or ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    epochs = np.arange(1, len(history) + 1)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.semilogy(epochs, history - optimum, "o-", label="derive.autograd_function")
    ax.semilogy(epochs, history_ad - optimum, "x--", label="plain torch loss (autograd)")
    ax.set(xlabel="epoch", ylabel="L(w) - L(w*)", title="Poisson regression, Adam (float64)")
    ax.legend()
    fig.tight_layout()
    path = out_dir / "torch_training_loop.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"plot: {path}")
    return path


if __name__ == "__main__":
    main()
