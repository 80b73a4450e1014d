"""Gradient and Hessian kernels of a 10-variable function over 10^6 points.

Side by side in one run: derive's Numba kernel (CSE, compiled gufunc) vs
the same kernel with target="parallel", SymPy's lambdify with NumPy (vectorized over arrays) vs lambdify with `math`
called in a Python loop.  The Python loop is timed on a slice of the points
and scaled to the full count (stated in the output).

    python benchmarks/bench_kernels.py [--points 1000000] [--runs 5]

The three vectorized contenders are timed in paired runs (paired.py): median
[range] over the runs, ratios per run.  Prints a Markdown table for
BENCHMARKS.md.
"""

import argparse
import statistics
import time

import numpy as np
import sympy
from paired import machine_line, paired_runs, ratio_text, ratios, summary

import codegen
import derive

N_VARS = 10


def the_function():
    x = sympy.symbols(f"x0:{N_VARS}", real=True)
    f = sum(sympy.log(1 + sympy.exp(x[i] * x[(i + 1) % N_VARS])) for i in range(N_VARS))
    f += sympy.tanh(sum(x) / N_VARS) + sum(xi**2 for xi in x) / 2
    return f, x


def bench(name, exprs, x, points, runs, loop_points):
    rng = np.random.default_rng(0)
    data = [rng.normal(size=points) for _ in x]

    start = time.perf_counter()
    k = codegen.kernel(exprs, list(x), backend="numba")
    build = time.perf_counter() - start
    kp = codegen.kernel(exprs, list(x), backend="numba", parallel=True)
    flat = list(exprs)
    lam_np = sympy.lambdify(x, flat, modules="numpy")
    times = paired_runs({
        "numba": lambda: k(*data),
        "parallel": lambda: kp(*data),
        "lambdify_numpy": lambda: [np.broadcast_to(v, data[0].shape) for v in lam_np(*data)],
    }, runs=runs)

    lam_math = sympy.lambdify(x, flat, modules="math")
    sub = [d[:loop_points] for d in data]

    def loop():
        for i in range(loop_points):
            lam_math(*[s[i] for s in sub])

    start = time.perf_counter()
    loop()
    t_loop = (time.perf_counter() - start) * points / loop_points

    # same numbers from all three
    ours = k(*[d[:50] for d in data]).reshape(50, -1)
    ref = np.array([[float(v) for v in lam_math(*[d[i] for d in data])] for i in range(50)])
    assert np.allclose(ours, ref, rtol=1e-12, atol=1e-12)
    assert np.allclose(kp(*[d[:50] for d in data]).reshape(50, -1), ref, rtol=1e-12, atol=1e-12)
    return {"name": name, "outputs": len(flat), **times, "lambdify_math_loop": t_loop, "build": build,
            "source_bytes": len(k.source)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5, help="paired runs (at least 5)")
    ap.add_argument("--loop-points", type=int, default=20_000)
    args = ap.parse_args()

    f, x = the_function()
    grad = derive.grad(f, list(x))
    hess = derive.hessian(f, list(x))
    rows = [bench("gradient (10 outputs)", grad, x, args.points, args.runs, args.loop_points),
            bench("Hessian (100 outputs)", hess, x, args.points, args.runs, args.loop_points)]

    print(machine_line())
    print(f"{args.points:,} points, float64; {args.runs} paired runs, each the median of 3 calls; "
          f"median [range] in ms; lambdify(math) loop timed once on {args.loop_points:,} points and scaled\n")
    print("| kernel | derive (Numba, 1 core) | derive (Numba, parallel) | lambdify numpy | "
          "lambdify math, Python loop | numpy / derive 1-core | loop / derive 1-core |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {summary(r['numba'], digits=0)} | {summary(r['parallel'], digits=0)} | "
              f"{summary(r['lambdify_numpy'], digits=0)} | {r['lambdify_math_loop']:.1f} s | "
              f"{ratio_text(ratios(r['lambdify_numpy'], r['numba']))} | "
              f"{r['lambdify_math_loop'] / statistics.median(r['numba']):.0f}x |")
    print()
    for r in rows:
        print(f"{r['name']}: kernel source {r['source_bytes']:,} bytes, generate+compile (or load) "
              f"{r['build']:.2f} s")


if __name__ == "__main__":
    main()
