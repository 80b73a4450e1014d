"""Logistic regression: generated gradient and Hessian loop kernels vs NumPy and JAX.

Side by side in one run, on this machine:

* gradient, N = 10^6, d = 20: derive's kernel (index notation -> fused
  parallel loop) vs NumPy X.T @ (sigmoid(X @ w) - y) vs jax.jit(jax.grad(loss));
* Hessian, N = 2*10^4, d = 200: derive's kernel (weights in one fused pass,
  then SYRK) vs NumPy X.T @ (X * s(1-s)[:, None]) vs jax.jit(jax.hessian(loss));
* the memory-bandwidth bound: bytes of X over the measured read bandwidth.

    python benchmarks/bench_logistic.py [--repeat 5]
"""

import argparse
import os
import platform
import time

import numpy as np

import codegen
import derive

LOSS = "sum(softplus(sum(X[i, j]*w[j], j)) - y[i]*sum(X[i, j]*w[j], j), i)"


def kernels():
    ns = derive.Namespace(derive.declare("i: index N, j k l: index d"))
    grad = derive.differentiate(LOSS, "w[k]", "grad", symbols=ns)
    hess = derive.differentiate(LOSS, "w[k], w[l]", "hessian", symbols=ns)
    X, w, y = (ns.names[n] for n in "Xwy")
    k, l = ns.names["k"], ns.names["l"]
    return (codegen.kernel(grad.result, [X, w, y], index=k),
            codegen.kernel(hess.result, [X, w, y], index=(k, l)), grad, hess)


def best(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def read_bandwidth(repeat):
    """Bytes per second reading a large array with all cores (a parallel sum)."""
    import numba

    @numba.njit(parallel=True, fastmath=True)
    def total(a):
        s = 0.0
        for i in numba.prange(a.size):
            s += a[i]
        return s

    a = np.random.default_rng(0).normal(size=2 * 10**8 // 8 * 4)  # 800 MB
    t = best(lambda: total(a), repeat)
    return a.nbytes / t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    gk, hk, grad, hess = kernels()

    def jloss(w, X, y):
        z = X @ w
        return jnp.sum(jnp.logaddexp(0.0, z) - y * z)

    jgrad = jax.jit(jax.grad(jloss))
    jhess = jax.jit(jax.hessian(jloss))
    rng = np.random.default_rng(0)
    bandwidth = read_bandwidth(args.repeat)
    rows = []
    for what, N, d in (("gradient", 10**6, 20), ("Hessian", 2 * 10**4, 200)):
        X = rng.normal(size=(N, d))
        w = rng.normal(size=d) * 0.1
        y = (rng.random(N) < 0.5).astype(float)
        Xj, wj, yj = jnp.asarray(X), jnp.asarray(w), jnp.asarray(y)
        if what == "gradient":
            ours = lambda: gk(X, w, y)  # noqa: E731

            def numpy_closed():
                return X.T @ (1 / (1 + np.exp(-(X @ w))) - y)

            jx = lambda: jgrad(wj, Xj, yj).block_until_ready()  # noqa: E731
        else:
            ours = lambda: hk(X, w, y)  # noqa: E731

            def numpy_closed():
                s = 1 / (1 + np.exp(-(X @ w)))
                return X.T @ (X * (s * (1 - s))[:, None])

            jx = lambda: jhess(wj, Xj, yj).block_until_ready()  # noqa: E731
        ref = numpy_closed()
        assert np.allclose(ours(), ref, rtol=1e-9, atol=1e-9)
        assert np.allclose(np.asarray(jx() if False else (jgrad if what == "gradient" else jhess)(wj, Xj, yj)),
                           ref, rtol=1e-9, atol=1e-9)
        t = {"derive": best(ours, args.repeat), "numpy": best(numpy_closed, args.repeat),
             "jax": best(jx, args.repeat)}
        rows.append((what, N, d, t, X.nbytes / bandwidth))

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, jax {jax.__version__} (CPU, float64); best of {args.repeat}")
    print(f"measured read bandwidth: {bandwidth / 1e9:.1f} GB/s (parallel sum over 800 MB)\n")
    print("| kernel | N | d | derive | NumPy closed form | jax.jit (CPU) | bound: read X once | NumPy / derive | JAX / derive |")
    print("|---|---|---|---|---|---|---|---|---|")
    for what, N, d, t, bound in rows:
        print(f"| {what} | {N:,} | {d} | {t['derive'] * 1e3:.1f} ms | {t['numpy'] * 1e3:.1f} ms | "
              f"{t['jax'] * 1e3:.1f} ms | {bound * 1e3:.1f} ms | {t['numpy'] / t['derive']:.2f}x | "
              f"{t['jax'] / t['derive']:.2f}x |")
    print()
    print("derive's gradient kernel:", derive.to_text(grad.result))
    print("derive's Hessian kernel: ", derive.to_text(hess.result))


if __name__ == "__main__":
    main()
