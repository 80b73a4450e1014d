"""derive.hessian (validated) vs sympy.hessian (not validated) on polynomials of n variables.

Issue 19 asks for the validated Hessian of a 40-variable polynomial in at most
1.5x the time of SymPy's own unvalidated `hessian`.  The polynomials are what a
course's exercises look like at scale: for each i a cubic coupling of x_i with
its neighbour and a random third variable, and a quartic term,

    sum_i  c1 x_i^2 x_{i+1} + c2 x_i x_{i+1} x_r(i) + x_i^4 / c3

with random small integer coefficients.  Every call gets a polynomial neither
side has seen (both libraries cache derivatives and derive caches validation
kernels), and the two results are asserted equal before anything is timed.
Paired runs (paired.py): median and range.

    python benchmarks/bench_hessian_vs_sympy.py [--runs 5] [--sizes 10 20 40 80]
"""

import argparse
import itertools
import random

import sympy
from paired import machine_line, paired_runs, ratio_text, ratios, summary

import derive


def polynomial(n, seed):
    rng = random.Random(seed)
    xs = sympy.symbols(f"x0:{n}")
    terms = []
    for i in range(n):
        a, b, c = xs[i], xs[(i + 1) % n], xs[rng.randrange(n)]
        terms.append(rng.randint(1, 5) * a**2 * b + rng.randint(1, 3) * a * b * c + a**4 / rng.randint(2, 6))
    return sympy.Add(*terms), list(xs)


def contenders(n):
    """Each side walks the same sequence of polynomials, one it has not seen per call."""
    seeds = {"sympy": itertools.count(1000 * n), "derive": itertools.count(1000 * n)}

    def with_sympy():
        f, xs = polynomial(n, next(seeds["sympy"]))
        return sympy.hessian(f, xs)

    def with_derive():
        f, xs = polynomial(n, next(seeds["derive"]))
        return derive.hessian(f, xs)

    return {"sympy.hessian": with_sympy, "derive.hessian (validated)": with_derive}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40, 80])
    args = ap.parse_args()
    for n in args.sizes:  # the answers agree before anything is timed
        f, xs = polynomial(n, 7)
        assert (sympy.hessian(f, xs) - derive.hessian(f, xs)).applyfunc(sympy.expand) == sympy.zeros(n, n)
    print(machine_line())
    print("| n | sympy.hessian (ms) | derive.hessian, validated (ms) | derive / sympy |")
    print("|---|---|---|---|")
    for n in args.sizes:
        times = paired_runs(contenders(n), runs=args.runs, inner=1)
        s, d = times["sympy.hessian"], times["derive.hessian (validated)"]
        print(f"| {n} | {summary(s)} | {summary(d)} | {ratio_text(ratios(d, s))} |", flush=True)


if __name__ == "__main__":
    main()
