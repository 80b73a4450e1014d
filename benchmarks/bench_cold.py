"""Cold answers: textbook grad / hessian / check questions, each from a fresh process.

Every case is a new `python -m derive ...` (or `python -c ...` for the Python
API) process, exactly as a user types it: interpreter start, imports, parsing,
differentiation, simplification and numeric validation all count.  Cases are
interleaved (case 1, 2, ..., n, then again) for RUNS rounds, so load on the
machine hits all of them alike; the table gives the median and range of the
wall time and the median CPU time (user + system, which load inflates less).
Reference rows: an empty interpreter, `import sympy` and `import derive`.

Generated kernel modules are cached on disk (codegen.cache), as for a user
asking the same question twice; `--fresh-cache` points every process at an
empty cache directory instead (the first time a question is ever asked).

    python benchmarks/bench_cold.py [--runs 5] [--fresh-cache]
"""

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GAUSS = "-(x-mu)**2/(2*s**2) - log(s) - log(2*pi)/2"
LSE10 = "log(" + " + ".join(f"exp(x{i})" for i in range(10)) + ")"
ROSEN10 = " + ".join(f"100*(x{i + 1} - x{i}**2)**2 + (1 - x{i})**2" for i in range(9))
X10 = ",".join(f"x{i}" for i in range(10))

# (label, argv after `python`)
REFERENCE = [
    ("python (empty interpreter)", ["-c", "pass"]),
    ("import sympy", ["-c", "import sympy"]),
    ("import derive", ["-c", "import derive"]),
]
CASES = [
    ("hessian log(1+exp(xy)) + tanh(x+y) + (x²+y²)/2",
     ["-m", "derive", "hessian", "log(1+exp(x*y)) + tanh(x+y) + (x**2+y**2)/2", "--wrt", "x,y"]),
    ("  the same, --no-simplify",
     ["-m", "derive", "hessian", "log(1+exp(x*y)) + tanh(x+y) + (x**2+y**2)/2", "--wrt", "x,y", "--no-simplify"]),
    ("grad Gaussian log-likelihood wrt mu, s", ["-m", "derive", "grad", GAUSS, "--wrt", "mu,s"]),
    ("check Gaussian log-likelihood, d/dmu = (x-mu)/s²",
     ["-m", "derive", "check", GAUSS, "--wrt", "mu", "--claim", "(x-mu)/s**2"]),
    ("check Gaussian log-likelihood, wrong claim (mu-x)/s²",
     ["-m", "derive", "check", GAUSS, "--wrt", "mu", "--claim", "(mu-x)/s**2"]),
    ("grad logistic loss, 3 weights + bias",
     ["-m", "derive", "grad", "log(1 + exp(-y*(w0*a0 + w1*a1 + w2*a2 + b)))", "--wrt", "w0,w1,w2,b"]),
    ("grad softmax cross-entropy, 3 logits",
     ["-m", "derive", "grad", "log(exp(z0) + exp(z1) + exp(z2)) - z1", "--wrt", "z0,z1,z2"]),
    ("hessian sigmoid(w0 x0 + w1 x1 + b)",
     ["-m", "derive", "hessian", "sigmoid(w0*x0 + w1*x1 + b)", "--wrt", "w0,w1,b"]),
    ("hessian log-sum-exp, 10 variables", ["-m", "derive", "hessian", LSE10, "--wrt", X10]),
    ("hessian Rosenbrock, 10 variables", ["-m", "derive", "hessian", ROSEN10, "--wrt", X10]),
    ("check x³, claim 3x²", ["-m", "derive", "check", "x**3", "--wrt", "x", "--claim", "3*x**2"]),
    ("Python: derive.hessian(log(1+exp(xy)) + ...)",
     ["-c", "import derive; derive.hessian('log(1+exp(x*y)) + tanh(x+y) + (x**2+y**2)/2', 'x y')"]),
    ("Python: derive.check(Gaussian, mu, claim)",
     ["-c", f"import derive; assert derive.check('{GAUSS}', 'mu', '(x-mu)/s**2').ok"]),
]


def run_once(argv, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode not in (0, 1):  # 1 = "checked, and the claim is wrong"
        raise SystemExit(f"{argv} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return wall, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fresh-cache", action="store_true", help="an empty kernel cache for every process")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=ROOT)
    rows = REFERENCE + CASES
    walls = {label: [] for label, _ in rows}
    cpus = {label: [] for label, _ in rows}
    for _ in range(args.runs):
        for label, argv in rows:
            if args.fresh_cache:
                with tempfile.TemporaryDirectory() as cache:
                    wall, cpu = run_once(argv, dict(env, DERIVE_CACHE_DIR=cache))
            else:
                wall, cpu = run_once(argv, env)
            walls[label].append(wall)
            cpus[label].append(cpu)
    import numpy
    import sympy

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Cold answers, {date.today()}, {platform.machine()} ({os.cpu_count()} cores), "
          f"Python {platform.python_version()}, SymPy {sympy.__version__}, NumPy {numpy.__version__}; "
          f"{args.runs} interleaved runs per case, {'empty' if args.fresh_cache else 'warm'} kernel cache; "
          f"load average {load:.1f} at the end")
    print()
    print("| case | wall median | wall range | CPU median | under 1.5 s (wall / CPU) |")
    print("|---|---|---|---|---|")
    reference = {label for label, _ in REFERENCE}
    for label, _ in rows:
        w, c = statistics.median(walls[label]), statistics.median(cpus[label])
        verdict = "" if label in reference else f"{'yes' if w < 1.5 else 'no'} / {'yes' if c < 1.5 else 'no'}"
        print(f"| {label} | {w:.2f} s | {min(walls[label]):.2f}–{max(walls[label]):.2f} s | {c:.2f} s | {verdict} |")


if __name__ == "__main__":
    main()
