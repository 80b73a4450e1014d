"""Newton's method in JAX with derive's exported gradient and Hessian.

    L(w) = sum(softplus(X @ w)) - y.T @ X @ w + lam/2 * norm(w)**2

(L2-penalised logistic regression).  derive differentiates L once for the
gradient and once for the Hessian and exports both as JAX functions
(``derive.kernel(d, backend="jax")``): plain ``jax.numpy`` code, the Hessian
one einsum ``X.T @ diag(s (1 - s)) @ X + lam I`` that never forms the N x N
diagonal.  The whole Newton loop, ``w -= solve(H, g)`` under ``lax.scan``, is
one ``jax.jit`` program.

The same loop with JAX's autodiff of the plain loss (``jax.grad`` and
``jax.hessian`` of ``derive.kernel(d, value=True)``) gives the same iterates
to rounding, and scikit-learn's LogisticRegression (C = 1/lam, no intercept:
the same objective divided by lam) the same weights.  Both loops are timed;
the ratio is printed, not promised (it depends on the machine and on XLA).

    python examples/jax_newton_logistic.py
"""

import time
from pathlib import Path

import numpy as np

import derive

LOSS = "sum(softplus(X @ w)) - y.T @ X @ w + lam/2 * norm(w)**2"
SYMBOLS = "X: N x d, w: d, y: N"
STEPS = 10  # quadratic convergence: the gradient is at rounding level after ~7 steps


def newton_loop(grad, hess, value, steps=STEPS):
    """A jitted run of `steps` Newton steps from w0: (iterates, losses, gradient norms), each
    with one row per iterate w_0 ... w_steps.  grad, hess, value take (X, w, y, lam)."""
    import jax
    import jax.numpy as jnp

    def step(state, _):
        X, y, lam, w = state
        g = grad(X, w, y, lam)
        w_next = w - jnp.linalg.solve(hess(X, w, y, lam), g)
        return (X, y, lam, w_next), (w, value(X, w, y, lam), jnp.linalg.norm(g))

    @jax.jit
    def run(X, y, lam, w0):
        (_, _, _, w), (ws, losses, norms) = jax.lax.scan(step, (X, y, lam, w0), None, length=steps)
        last = (w[None], value(X, w, y, lam)[None], jnp.linalg.norm(grad(X, w, y, lam))[None])
        return tuple(jnp.concatenate([a, b]) for a, b in zip((ws, losses, norms), last))

    return run


def best_time(fn, *args, repeats=20):
    """Best wall time of fn(*args) after one warm-up call (the compile is not timed)."""
    import jax

    jax.block_until_ready(fn(*args))
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - start)
    return best


def main(out_dir=None, N=2000, d=10, lam=1.0, seed=0):
    import jax

    with jax.enable_x64(True):  # a comparison to 1e-10 needs float64; scoped, not a global switch
        return _run(out_dir, N, d, lam, seed)


def _run(out_dir, N, d, lam, seed):
    import jax
    import jax.numpy as jnp

    g_d = derive.differentiate(LOSS, "w", "grad", symbols=SYMBOLS)
    h_d = derive.differentiate(LOSS, "w", "hessian", symbols=SYMBOLS)
    print(g_d, "\n")
    print(h_d, "\n")
    start = time.perf_counter()
    G = derive.kernel(g_d, backend="jax")
    H = derive.kernel(h_d, backend="jax")
    V = derive.kernel(g_d, backend="jax", value=True)
    made = time.perf_counter() - start
    print(f"JAX kernels {G.arg_names} made and validated in {made:.1f} s; the Hessian's body:")
    print("    " + H.source.rstrip().splitlines()[-1].strip(), "\n")

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d))
    true_w = rng.normal(size=d)
    y = (rng.random(N) < 1 / (1 + np.exp(-X @ true_w))).astype(float)
    Xj, yj, lamj, w0 = jnp.asarray(X), jnp.asarray(y), jnp.asarray(lam), jnp.zeros(d)

    # The plain loss JAX differentiates itself is derive's value kernel (f as written); checked
    # against the loss written in NumPy, so both loops minimise the objective meant.
    z = X @ true_w
    by_hand = float(np.sum(np.logaddexp(0, z)) - y @ z + lam / 2 * true_w @ true_w)
    value_error = abs(float(jax.jit(V.fn)(Xj, jnp.asarray(true_w), yj, lamj)) - by_hand) / abs(by_hand)
    print(f"derive's value kernel vs the loss written in NumPy: {value_error:.1e} (relative)")

    exported = newton_loop(G.fn, H.fn, V.fn)
    autodiff = newton_loop(jax.grad(V.fn, argnums=1), jax.hessian(V.fn, argnums=1), V.fn)
    ws, losses, norms = (np.asarray(a) for a in exported(Xj, yj, lamj, w0))
    ws_ad, losses_ad, norms_ad = (np.asarray(a) for a in autodiff(Xj, yj, lamj, w0))
    iterate_diff = float(np.max(np.abs(ws - ws_ad)))
    loss_diff = float(np.max(np.abs(losses - losses_ad)) / abs(losses[-1]))
    print("Newton, gradient norms:", " -> ".join(f"{n:.1e}" for n in norms))
    print(f"exported vs jax.grad/jax.hessian: iterates agree to {iterate_diff:.1e}, losses to {loss_diff:.1e} "
          "(relative)")

    w_star = ws[-1]

    @jax.jit  # one compiled program: JAX run eagerly compiles every operation on its own
    def differences(X, w, y, lam):
        return (jnp.max(jnp.abs(G.fn(X, w, y, lam) - jax.grad(V.fn, argnums=1)(X, w, y, lam))),
                jnp.max(jnp.abs(H.fn(X, w, y, lam) - jax.hessian(V.fn, argnums=1)(X, w, y, lam))))

    grad_error, hess_error = (float(e) for e in differences(Xj, w0, yj, lamj))
    print(f"at w0: gradient kernel vs jax.grad {grad_error:.1e}, Hessian kernel vs jax.hessian {hess_error:.1e}")

    from sklearn.linear_model import LogisticRegression

    sk = LogisticRegression(C=1 / lam, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y).coef_[0]
    sklearn_diff = float(np.max(np.abs(sk - w_star)))
    print(f"scikit-learn LogisticRegression(C=1/lam, lbfgs): weights agree to {sklearn_diff:.1e}")

    t_exported = best_time(exported, Xj, yj, lamj, w0)
    t_autodiff = best_time(autodiff, Xj, yj, lamj, w0)
    ratio = t_autodiff / t_exported
    print(f"{STEPS} jitted Newton steps (N = {N}, d = {d}, best of 20): exported {t_exported * 1e3:.2f} ms, "
          f"jax.grad/jax.hessian {t_autodiff * 1e3:.2f} ms; autodiff time / exported time = {ratio:.2f}")

    plot = _plot(out_dir, losses, norms, norms_ad)
    return {"derivations": (g_d, h_d), "kernels": (G, H, V), "made_seconds": made, "iterates": ws,
            "iterates_autodiff": ws_ad, "iterate_diff": iterate_diff, "loss_diff": loss_diff,
            "losses": losses, "grad_norms": norms, "grad_norms_autodiff": norms_ad,
            "final_grad_norm": float(norms[-1]), "value_error": value_error, "grad_error": grad_error,
            "hess_error": hess_error, "sklearn": sk, "sklearn_diff": sklearn_diff, "true_w": true_w,
            "data": (X, y, lam), "seconds": {"exported": t_exported, "autodiff": t_autodiff}, "ratio": ratio,
            "plot": plot}


def _plot(out_dir, losses, norms, norms_ad):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir or ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = np.arange(len(norms))
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(steps, losses, "o-")
    left.set(xlabel="Newton iteration", ylabel="L(w)", title="loss")
    right.semilogy(steps, np.maximum(norms, 1e-300), "o-", label="derive's exported H, g")
    right.semilogy(steps, np.maximum(norms_ad, 1e-300), "x--", label="jax.hessian, jax.grad")
    right.set(xlabel="Newton iteration", ylabel="||gradient||", title="gradient norm")
    right.legend()
    fig.tight_layout()
    path = out_dir / "jax_newton_logistic.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"plot: {path}")
    return path


if __name__ == "__main__":
    main()
