"""Issue 26's one pass from input to SymPy, timed against the commit before it.

Each public call below is timed in one fresh process: its first call (cold: the on-disk kernel
cache is warm, SymPy's caches are not) and the median of 3 calls after it (warm).  The layout
change removed repeated reading of wrt, repeated validation entries and, for a wrong claim in
matrix notation, two re-derivations of the expected gradient in the step locator; this says what
that is worth, and that nothing got slower.

    python benchmarks/bench_one_pass.py             # one run: JSON {case: [cold s, warm s]}
    python benchmarks/bench_one_pass.py --vs OLD    # 5 paired runs, this tree and the git tree OLD

OLD is a checkout of the commit before (git worktree add /tmp/old 21513bb).  Results: BENCHMARKS.md.
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "check, scalar, wrong": ("check", ("x**3 - 2*x**2 + 1", "x", "3*x**2 - 4"), {}),
    "check, Hessian, wrong": ("check", ("x**2*y + sin(x*y)", "x y", "[[2*y, 2*x], [2*x, 1]]"), {}),
    "check, matrix notation, wrong": ("check", ("x.T @ A @ x", "x", "2*A@x"), {"symbols": "x: n; A: n x n"}),
    "check, sample, missing term": ("check", ("sum(-(x[i] - mu)**2/(2*sigma**2) - log(2*pi*sigma**2)/2, i)", "mu",
                                              "sum(x[i], i)/sigma**2"), {"symbols": "sigma: positive"}),
    "grad by sigma^2": ("differentiate", ("-log(sigma^2)/2 - (x - mu)^2/(2*sigma^2)", "mu, sigma^2"), {}),
    "Hessian of a loss": ("differentiate", ("sum(softplus(X @ w)) - y.T @ X @ w", "w", "hessian"),
                          {"symbols": "X: N x p, w: p, y: N"}),
}


def one_run():
    import derive

    out = {}
    for name, (function, args, kwargs) in CASES.items():
        call = getattr(derive, function)
        start = time.perf_counter()
        call(*args, **kwargs)
        cold = time.perf_counter() - start
        warm = []
        for _ in range(3):
            start = time.perf_counter()
            call(*args, **kwargs)
            warm.append(time.perf_counter() - start)
        out[name] = [cold, statistics.median(warm)]
    return out


def paired(old, runs=5):
    here = Path(__file__).resolve().parents[1]
    results = {"new": [], "old": []}
    for _ in range(runs):
        for label, tree in (("old", Path(old)), ("new", here)):
            text = subprocess.run([sys.executable, str(Path(__file__).resolve())], cwd=tree, capture_output=True,
                                  text=True, check=True).stdout
            results[label].append(json.loads(text))
    for name in CASES:
        for k, what in enumerate(("cold", "warm")):
            o = [r[name][k] for r in results["old"]]
            n = [r[name][k] for r in results["new"]]
            ratio = [b / a for a, b in zip(o, n)]
            print(f"| {name} | {what} | {statistics.median(o) * 1000:.0f} [{min(o) * 1000:.0f}, {max(o) * 1000:.0f}] | "
                  f"{statistics.median(n) * 1000:.0f} [{min(n) * 1000:.0f}, {max(n) * 1000:.0f}] | "
                  f"{statistics.median(ratio):.2f} [{min(ratio):.2f}, {max(ratio):.2f}] |")


if __name__ == "__main__":
    if "--vs" in sys.argv:
        paired(sys.argv[sys.argv.index("--vs") + 1])
    else:
        sys.path.insert(0, str(Path.cwd()))  # the tree it runs in: this one, or OLD
        print(json.dumps(one_run()))
