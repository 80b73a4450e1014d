"""Numba's on-disk cache across processes: compile once, load after.

Runs the same kernel construction in two fresh processes sharing one empty
cache directory and reports the time `codegen.kernel(...)` took in each,
and whether Numba compiled ("data saved") or loaded ("data loaded").

    python benchmarks/bench_cache.py [--runs 5]

Each run uses a new empty cache directory; median [range] over the runs.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

SCRIPT = """
import time, sympy, codegen, derive, numba  # numba imported before the clock starts
x = sympy.symbols("x0:6", real=True)
f = sympy.log(1 + sum(sympy.exp(a * b) for a, b in zip(x, x[1:]))) + sympy.tanh(sum(x))
H = derive.hessian(f, list(x))
start = time.perf_counter()
k = codegen.kernel(H, list(x), backend="numba")
k(*[0.1] * 6)
print("SECONDS", time.perf_counter() - start)
"""


def one_run():
    """{label: (seconds, how)} for two processes sharing a new empty cache."""
    result = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, DERIVE_CACHE_DIR=cache, NUMBA_DEBUG_CACHE="1")
        for label in ("first process", "second process"):
            out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env)
            text = out.stdout + out.stderr
            seconds = float(text.split("SECONDS")[1].split()[0])
            how = "compiled" if "data saved" in text else "loaded from disk" if "data loaded" in text else "?"
            result[label] = (seconds, how)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = [one_run() for _ in range(ap.parse_args().runs)]
    for label in ("first process", "second process"):
        seconds = [r[label][0] for r in runs]
        hows = sorted({r[label][1] for r in runs})
        print(f"{label}: kernel ready in {statistics.median(seconds):.2f} s "
              f"[{min(seconds):.2f}, {max(seconds):.2f}] over {len(runs)} runs ({', '.join(hows)})")


if __name__ == "__main__":
    main()
