"""Logistic regression: generated gradient and Hessian loop kernels vs NumPy and JAX.

The kernels come from the loss as a SymPy user writes it: `Sum`s over two
size symbols N and d,

    z_i = Sum(X[i, j]*w[j], (j, 0, d - 1))
    L   = Sum(log(1 + exp(z_i)) - y[i]*z_i, (i, 0, N - 1))

differentiated by derive (index notation, deltas contracted, checked on
instances) and compiled by codegen (log(1 + exp(z)) is computed as a stable
softplus).  Side by side, in paired runs (see paired.py):

* gradient, N = 10^6, d = 20: one fused parallel pass over X vs NumPy
  X.T @ (sigmoid(X @ w) - y) vs jax.jit(jax.grad(loss)), and the bound of
  reading X once at the measured bandwidth;
* Hessian, N = 2*10^4, d = 200: one pass for the rows sqrt(w_i) X[i, :], then
  SYRK, vs NumPy X.T @ (X * s(1-s)[:, None]) vs jax.jit(jax.hessian(loss)).

    python benchmarks/bench_logistic.py [--runs 7]
"""

import statistics
import time

import numpy as np
import sympy
from paired import machine_line, paired_runs, ratio_text, ratios, setup, summary

import codegen
import derive


def kernels():
    """(gradient kernel, Hessian kernel) from SymPy Sums with size symbols N and d."""
    N, d = sympy.symbols("N d")
    i, j, k, l = sympy.symbols("i j k l", integer=True)
    X, w, y = sympy.IndexedBase("X"), sympy.IndexedBase("w"), sympy.IndexedBase("y")
    z = sympy.Sum(X[i, j] * w[j], (j, 0, d - 1))
    loss = sympy.Sum(sympy.log(1 + sympy.exp(z)) - y[i] * z, (i, 0, N - 1))
    grad = derive.grad(loss, w[k])
    hess = derive.hessian(loss, [w[k], w[l]])
    return codegen.kernel(grad, [X, w, y], index=k), codegen.kernel(hess, [X, w, y], index=(k, l)), grad, hess


def contenders(what, X, w, y, kernel, jax_fn, jnp):
    """(derive, NumPy closed form, JAX) callables for the gradient or the Hessian at (X, w, y)."""
    Xj, wj, yj = jnp.asarray(X), jnp.asarray(w), jnp.asarray(y)

    def closed():
        s = 1 / (1 + np.exp(-(X @ w)))
        return X.T @ (s - y) if what == "gradient" else X.T @ (X * (s * (1 - s))[:, None])

    return (lambda: kernel(X, w, y)), closed, (lambda: jax_fn(wj, Xj, yj).block_until_ready())


def read_bandwidth(runs):
    """Bytes per second reading a large array with all cores (a parallel sum), median of runs."""
    import numba

    @numba.njit(parallel=True, fastmath=True)
    def total(a):
        s = 0.0
        for i in numba.prange(a.size):
            s += a[i]
        return s

    a = np.random.default_rng(0).normal(size=10**8)  # 800 MB
    total(a)
    times = []
    for _ in range(runs):
        time.sleep(0.25)
        start = time.perf_counter()
        total(a)
        times.append(time.perf_counter() - start)
    return a.nbytes / statistics.median(times)


def main():
    args, single, jax, jnp = setup(__doc__.splitlines()[0])
    gk, hk, grad, hess = kernels()

    def jloss(w, X, y):
        z = X @ w
        return jnp.sum(jnp.logaddexp(0.0, z) - y * z)

    jgrad, jhess = jax.jit(jax.grad(jloss)), jax.jit(jax.hessian(jloss))
    rng = np.random.default_rng(0)
    bandwidth = read_bandwidth(args.runs)
    rows = []
    for what, N, d in (("gradient", 10**6, 20), ("Hessian", 2 * 10**4, 200)):
        X = rng.normal(size=(N, d))
        w = rng.normal(size=d) * 0.1
        y = (rng.random(N) < 0.5).astype(float)
        ours, closed, jx = contenders(what, X, w, y, gk if what == "gradient" else hk,
                                      jgrad if what == "gradient" else jhess, jnp)
        want = closed()
        np.testing.assert_allclose(ours(), want, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(np.asarray(jx()), want, rtol=1e-9, atol=1e-9)
        t = paired_runs({"derive": ours, "numpy": closed, "jax": jx}, runs=args.runs)
        rows.append((what, N, d, t, X.nbytes / bandwidth))

    print(f"{machine_line([f'jax {jax.__version__} (CPU, float64)'])}")
    print(("All contenders on one thread (--single-thread). " if single else "")
          + f"{args.runs} paired runs, each the median of 3 calls; median [range] over runs. Read bandwidth "
          f"{bandwidth / 1e9:.1f} GB/s (parallel sum over 800 MB).\n")
    print("| kernel | N | d | derive (ms) | NumPy closed form (ms) | jax.jit (ms) | read X once (ms) "
          "| NumPy / derive | JAX / derive | derive / bound |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for what, N, d, t, bound in rows:
        print(f"| {what} | {N:,} | {d} | {summary(t['derive'])} | {summary(t['numpy'])} | {summary(t['jax'])} | "
              f"{bound * 1e3:.1f} | {ratio_text(ratios(t['numpy'], t['derive']))} | "
              f"{ratio_text(ratios(t['jax'], t['derive']))} | "
              f"{ratio_text([x / bound for x in t['derive']]) if what == 'gradient' else '-'} |")
    print()
    print("derive's gradient:", derive.to_text(grad))
    print("derive's Hessian: ", derive.to_text(hess))


if __name__ == "__main__":
    main()
