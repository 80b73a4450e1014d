"""Hessians derived by derive and compiled by codegen vs jax.hessian and NumPy closed forms.

Six textbook Hessians, each written as a user would (matrix or index
notation), differentiated by derive and compiled by `derive.kernel(d)` (a loop
kernel: index notation, fused passes and BLAS calls; arguments every array of
f sorted by name, then its scalars):

    logistic regression      sum(softplus(X @ w)) - y.T @ X @ w                 wrt w      (matrix)
    softmax regression       sum_i log sum_c exp(x_i . W_c) - sum_c Y_ic x_i . W_c   wrt W   (index)
    quadratic form           x.T @ A @ x, n = 2000                              wrt x      (matrix)
    Gaussian log-likelihood  -1/2 sum_i (x_i - mu)^T P (x_i - mu)               wrt mu     (index)
    ridge regression         norm(X @ w - y)**2 + lam * w.T @ w                  wrt w      (matrix)
    one hidden layer         sum_i softplus(v . tanh(W x_i)) - y_i v . tanh(W x_i)   wrt v   (index)

against `jax.jit(jax.hessian(f))` (CPU, float64) and a NumPy closed form.
Every value is asserted equal (to 1e-8 relative) before anything is timed.
Timings are paired runs (paired.py): median and range over runs, and the
ratios per run.

    python benchmarks/bench_hessians.py [--runs 7]
"""

import math
import statistics
import time

import numpy as np
from paired import machine_line, paired_runs, ratio_text, ratios, setup, summary

import derive


def matrix_kernel(text, decl, wrt):
    """Hessian of `text` (matrix notation): derive's kernel, arguments every array sorted by name."""
    d = derive.differentiate(text, wrt, "hessian", symbols=decl)
    return derive.kernel(d), d


def index_kernel(text, wrt, validate=True):
    """Hessian of `text` (index notation) wrt elements like 'v[k], v[l]'."""
    d = derive.differentiate(text, wrt, "hessian", validate_result=validate)
    return derive.kernel(d), d


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def logistic(rng, jax, jnp, N=20_000, d=200):
    X, w, y = rng.normal(size=(N, d)), rng.normal(size=d) * 0.1, (rng.random(N) < 0.5) * 1.0
    kern, _ = matrix_kernel("sum(softplus(X @ w)) - y.T @ X @ w", "X: N x d, w: d, y: N", "w")

    def closed():
        s = sigmoid(X @ w)
        return X.T @ (X * (s * (1 - s))[:, None])

    jh = jax.jit(jax.hessian(lambda w, X, y: jnp.sum(jnp.logaddexp(0.0, X @ w) - y * (X @ w))))
    Xj, wj, yj = jnp.asarray(X), jnp.asarray(w), jnp.asarray(y)
    return ("logistic regression", f"N = {N:,}, d = {d}", lambda: kern(X, w, y), closed,
            lambda: jh(wj, Xj, yj).block_until_ready(), True)


def softmax(rng, jax, jnp, N=5_000, d=40, C=10):
    X, W = rng.normal(size=(N, d)), rng.normal(size=(d, C)) * 0.1
    Y = np.eye(C)[rng.integers(0, C, N)]
    kern, _ = index_kernel("sum(log(sum(exp(sum(X[i,j]*W[j,c], j)), c)) - sum(Y[i,c]*sum(X[i,j]*W[j,c], j), c), i)",
                           "W[k,a], W[l,b]")

    def closed():
        Z = X @ W
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        R = (X[:, :, None] * P[:, None, :]).reshape(N, d * C)
        H = -(R.T @ R)
        for a in range(C):
            H[a::C, a::C] += X.T @ (X * P[:, a:a + 1])
        return H.reshape(d, C, d, C)

    def loss(W, X, Y):
        Z = X @ W
        return jnp.sum(jax.nn.logsumexp(Z, axis=1) - jnp.sum(Y * Z, axis=1))

    jh = jax.jit(jax.hessian(loss))
    Xj, Wj, Yj = jnp.asarray(X), jnp.asarray(W), jnp.asarray(Y)
    return ("softmax regression", f"N = {N:,}, d = {d}, C = {C}", lambda: kern(W, X, Y), closed,
            lambda: jh(Wj, Xj, Yj).block_until_ready(), True)


def quadratic(rng, jax, jnp, n=2000):
    A, x = rng.normal(size=(n, n)), rng.normal(size=n)
    kern, _ = matrix_kernel("x.T @ A @ x", "A: n x n, x: n", "x")
    jh = jax.jit(jax.hessian(lambda x, A: x @ A @ x))
    Aj, xj = jnp.asarray(A), jnp.asarray(x)
    return ("x^T A x", f"n = {n}", lambda: kern(A, x), lambda: A + A.T, lambda: jh(xj, Aj).block_until_ready(), True)


def gaussian(rng, jax, jnp, N=2_000, d=50):
    X, mu = rng.normal(size=(N, d)), rng.normal(size=d)
    B = rng.normal(size=(d, d))
    P = B @ B.T / d + np.eye(d)  # a precision matrix
    kern, _ = index_kernel("-sum((X[i,j] - mu[j])*P[j,l]*(X[i,l] - mu[l]), i, j, l)/2", "mu[k], mu[m]")

    def loglik(mu, X, P):
        D = X - mu
        return -0.5 * jnp.sum((D @ P) * D)

    jh = jax.jit(jax.hessian(loglik))
    Xj, muj, Pj = jnp.asarray(X), jnp.asarray(mu), jnp.asarray(P)
    return ("Gaussian log-likelihood wrt the mean", f"N = {N:,}, d = {d}", lambda: kern(P, X, mu),
            lambda: -N * (P + P.T) / 2, lambda: jh(muj, Xj, Pj).block_until_ready(), True)


def ridge(rng, jax, jnp, N=20_000, d=200, lam=0.3):
    X, w, y = rng.normal(size=(N, d)), rng.normal(size=d), rng.normal(size=N)
    kern, _ = matrix_kernel("norm(X @ w - y)**2 + lam * w.T @ w", "X: N x d, w: d, y: N", "w")
    jh = jax.jit(jax.hessian(lambda w, X, y: jnp.sum((X @ w - y) ** 2) + lam * w @ w))
    Xj, wj, yj = jnp.asarray(X), jnp.asarray(w), jnp.asarray(y)
    return ("ridge regression", f"N = {N:,}, d = {d}", lambda: kern(X, w, y, lam),
            lambda: 2 * (X.T @ X) + 2 * lam * np.eye(d), lambda: jh(wj, Xj, yj).block_until_ready(), True)


def hidden_layer(rng, jax, jnp, N=20_000, d=50, m=100):
    X, W = rng.normal(size=(N, d)), rng.normal(size=(m, d)) / math.sqrt(d)
    v, y = rng.normal(size=m) * 0.1, (rng.random(N) < 0.5) * 1.0
    kern, _ = index_kernel("sum(softplus(sum(v[a]*tanh(sum(W[a,j]*X[i,j], j)), a)) "
                           "- y[i]*sum(v[a]*tanh(sum(W[a,j]*X[i,j], j)), a), i)", "v[k], v[l]")

    def closed():
        H = np.tanh(X @ W.T)
        s = sigmoid(H @ v)
        return H.T @ (H * (s * (1 - s))[:, None])

    def loss(v, W, X, y):
        z = jnp.tanh(X @ W.T) @ v
        return jnp.sum(jnp.logaddexp(0.0, z) - y * z)

    jh = jax.jit(jax.hessian(loss))
    vj, Wj, Xj, yj = (jnp.asarray(a) for a in (v, W, X, y))
    return ("one hidden layer, last layer", f"N = {N:,}, d = {d}, m = {m}", lambda: kern(W, X, v, y), closed,
            lambda: jh(vj, Wj, Xj, yj).block_until_ready(), True)


CASES = (logistic, softmax, quadratic, gaussian, ridge, hidden_layer)


def main():
    args, single, jax, jnp = setup(__doc__.splitlines()[0])
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    suite = [case(rng, jax, jnp) for case in CASES]
    built = time.perf_counter() - start
    rows = []
    for name, size, ours, closed, jx, validated in suite:
        want = closed()
        for label, value in (("derive", ours()), ("JAX", np.asarray(jx()))):
            np.testing.assert_allclose(value, want, rtol=1e-8, atol=1e-8 * np.abs(want).max(),
                                       err_msg=f"{name}: {label} differs from the NumPy closed form")
        t = paired_runs({"derive": ours, "numpy": closed, "jax": jx}, runs=args.runs)
        rows.append((name, size, t, validated))

    print(machine_line([f"jax {jax.__version__} (CPU, float64)"]))
    print(("All contenders on one thread (--single-thread). " if single else "")
          + f"{args.runs} paired runs, each the median of 3 calls; median [range] over runs. Values asserted equal "
          f"to the NumPy closed form (and JAX's) before timing; derivation and compilation took {built:.0f} s.\n")
    print("| Hessian | sizes | derive (ms) | NumPy closed form (ms) | jax.jit(jax.hessian) (ms) | JAX / derive "
          "| NumPy / derive |")
    print("|---|---|---|---|---|---|---|")
    jax_ratios = []
    for name, size, t, validated in rows:
        r_jax = ratios(t["jax"], t["derive"])
        jax_ratios.append(statistics.median(r_jax))
        mark = "" if validated else " *"
        print(f"| {name}{mark} | {size} | {summary(t['derive'], digits=2)} | {summary(t['numpy'], digits=2)} | "
              f"{summary(t['jax'], digits=2)} | {ratio_text(r_jax)} | "
              f"{ratio_text(ratios(t['numpy'], t['derive']))} |")
    geo = math.exp(sum(math.log(r) for r in jax_ratios) / len(jax_ratios))
    print(f"\nGeometric mean of the median JAX / derive ratios: {geo:.1f}x.")
    if not all(validated for *_, validated in rows):
        print("* derived with validate_result=False; the values are asserted equal to NumPy and JAX instead.")


if __name__ == "__main__":
    main()
