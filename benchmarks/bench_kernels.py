"""Gradient and Hessian kernels of a 10-variable function over 10^6 points.

Side by side in one run: derive's Numba kernel (CSE, compiled gufunc) vs
the same kernel with target="parallel", SymPy's lambdify with NumPy (vectorized over arrays) vs lambdify with `math`
called in a Python loop.  The Python loop is timed on a slice of the points
and scaled to the full count (stated in the output).

    python benchmarks/bench_kernels.py [--points 1000000] [--repeat 3]

Prints a Markdown table of times and ratios for BENCHMARKS.md.
"""

import argparse
import os
import platform
import time

import numpy as np
import sympy

import codegen
import derive

N_VARS = 10


def the_function():
    x = sympy.symbols(f"x0:{N_VARS}", real=True)
    f = sum(sympy.log(1 + sympy.exp(x[i] * x[(i + 1) % N_VARS])) for i in range(N_VARS))
    f += sympy.tanh(sum(x) / N_VARS) + sum(xi**2 for xi in x) / 2
    return f, x


def best_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench(name, exprs, x, points, repeat, loop_points):
    rng = np.random.default_rng(0)
    data = [rng.normal(size=points) for _ in x]

    start = time.perf_counter()
    k = codegen.kernel(exprs, list(x), backend="numba")
    build = time.perf_counter() - start
    k(*[d[:10] for d in data])  # warm
    t_numba = best_time(lambda: k(*data), repeat)
    kp = codegen.kernel(exprs, list(x), backend="numba", parallel=True)
    kp(*[d[:10] for d in data])
    t_parallel = best_time(lambda: kp(*data), repeat)

    flat = list(exprs)
    lam_np = sympy.lambdify(x, flat, modules="numpy")
    t_lam_np = best_time(lambda: [np.broadcast_to(v, data[0].shape) for v in lam_np(*data)], repeat)

    lam_math = sympy.lambdify(x, flat, modules="math")
    sub = [d[:loop_points] for d in data]

    def loop():
        for i in range(loop_points):
            lam_math(*[s[i] for s in sub])

    t_loop = best_time(loop, 1) * points / loop_points

    # same numbers from all three
    ours = k(*[d[:50] for d in data]).reshape(50, -1)
    ref = np.array([[float(v) for v in lam_math(*[d[i] for d in data])] for i in range(50)])
    assert np.allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert np.allclose(kp(*[d[:50] for d in data]).reshape(50, -1), ref, rtol=1e-12, atol=1e-12)
    return {"name": name, "outputs": len(flat), "numba": t_numba, "parallel": t_parallel, "lambdify_numpy": t_lam_np,
            "lambdify_math_loop": t_loop, "build": build, "source_bytes": len(k.source)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--loop-points", type=int, default=20_000)
    args = ap.parse_args()

    f, x = the_function()
    grad = derive.grad(f, list(x))
    hess = derive.hessian(f, list(x))
    rows = [bench("gradient (10 outputs)", grad, x, args.points, args.repeat, args.loop_points),
            bench("Hessian (100 outputs)", hess, x, args.points, args.repeat, args.loop_points)]

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}, sympy {sympy.__version__}")
    print(f"{args.points:,} points, float64, best of {args.repeat}; lambdify(math) loop timed on "
          f"{args.loop_points:,} points and scaled\n")
    print("| kernel | derive (Numba, 1 core) | derive (Numba, parallel) | lambdify numpy | "
          "lambdify math, Python loop | numpy / derive 1-core | loop / derive 1-core |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['numba'] * 1e3:.0f} ms | {r['parallel'] * 1e3:.0f} ms | "
              f"{r['lambdify_numpy'] * 1e3:.0f} ms | {r['lambdify_math_loop']:.1f} s | "
              f"{r['lambdify_numpy'] / r['numba']:.1f}x | {r['lambdify_math_loop'] / r['numba']:.0f}x |")
    print()
    for r in rows:
        print(f"{r['name']}: kernel source {r['source_bytes']:,} bytes, generate+compile (or load) "
              f"{r['build']:.2f} s")


if __name__ == "__main__":
    main()
