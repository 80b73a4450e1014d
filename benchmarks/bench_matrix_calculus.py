"""Matrix calculus at concrete sizes: every ported SymPy matrix-derivative case, timed.

Each case of tests/sympy_matrix_cases.py (SymPy's own test_derivatives.py) at
3 x 3 and at SymPy's symbolic size k: `derive.differentiate` (derive the
derivative with the rule tables, then check it numerically against
complex-step derivatives of f at two instances) side by side with SymPy's own
`expr.diff(X)` (which is not checked, and is sometimes a silent wrong 0).
Runs are interleaved (derive, SymPy, derive, SymPy, ...) and SymPy's cache is
cleared before every call, so each time is a cold derivation.  Reports the
median and the range over `--repeat` runs.

    python benchmarks/bench_matrix_calculus.py [--repeat 5] [--sizes 3 k]
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import sympy
from sympy.core.cache import clear_cache

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import derive
from derive.text.budgets import time_budget
from tests.sympy_matrix_cases import CASES, K, variant_names

BUDGET = 20.0

# The examples issue 10 names, as text at 3 x 3, with the times it measured before.
ISSUE_EXAMPLES = [
    ("grad det(X)", "det(X)", "X", "X: 3 x 3", "2.1 s"),
    ("grad tr(inv(X) A)", "trace(inv(X) @ A)", "X", "X: 3 x 3, A: 3 x 3", "5.2 s"),
    ("grad log det(A + X)", "logdet(A + X)", "X", "X: 3 x 3, A: 3 x 3", "> 20 s (budget)"),
    ("grad tr(inv(X + A))", "trace(inv(X + A))", "X", "X: 3 x 3, A: 3 x 3", "> 20 s (budget)"),
]
GAUSSIAN = "-(x - mu).T @ inv(S) @ (x - mu)/2 - logdet(S)/2"
COLD_CHECKS = [
    ("check Gaussian grad wrt mu, S: d x d spd", ["check", GAUSSIAN, "--wrt", "mu", "--claim", "inv(S) @ (x - mu)",
                                                  "--let", "S: d x d spd, x: d, mu: d"]),
    ("check Gaussian grad wrt mu, S: 3 x 3 spd", ["check", GAUSSIAN, "--wrt", "mu", "--claim", "inv(S) @ (x - mu)",
                                                  "--let", "S: 3 x 3 spd, x: 3, mu: 3"]),
    ("check Gaussian grad wrt mu, S: d x d (not symmetric)",
     ["check", GAUSSIAN, "--wrt", "mu", "--claim", "inv(S) @ (x - mu)", "--let", "S: d x d, x: d, mu: d"]),
]


def run_derive(case, size):
    f, wrt = case.build(variant_names(case, size))
    clear_cache()
    start = time.perf_counter()
    try:
        d = derive.differentiate(f, wrt, case.kind)
        status = "ok" if d.report.ok else "not validated"
    except derive.LimitError:
        status = "timeout"
    except derive.DeriveError as exc:
        status = "refused" if case.refuse and case.refuse in str(exc) else f"error: {str(exc)[:60]}"
    return time.perf_counter() - start, status


def run_sympy(case, size):
    f, wrt = case.build(variant_names(case, size))
    clear_cache()
    start = time.perf_counter()
    try:
        with time_budget(BUDGET, "SymPy's diff"):
            f.diff(wrt)
        status = "ok"
    except derive.LimitError:
        status = "timeout"
    except Exception as exc:  # noqa: BLE001 - SymPy raises anything; that is the status
        status = type(exc).__name__
    return time.perf_counter() - start, status


def run_text(f, wrt, decl):
    clear_cache()
    start = time.perf_counter()
    d = derive.differentiate(f, wrt, symbols=decl)
    assert d.report.ok
    return time.perf_counter() - start


def run_cold(argv):
    """A fresh process, as a user runs the CLI: import, derive, check, print."""
    import subprocess

    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "derive", *argv], capture_output=True, text=True, timeout=120,
                       cwd=Path(__file__).resolve().parents[1])
    elapsed = time.perf_counter() - start
    return elapsed, r.stdout.split(":")[0].strip() or r.stderr.strip()[:60]


def judge_sympy(case, size):
    """Is SymPy's (unchecked) answer right?  Compared numerically with derive's checked one."""
    import numpy as np

    from derive.validation.instances import Point
    from derive.validation.matrix_eval import NotEvaluable, evaluate

    f, wrt = case.build(variant_names(case, size))
    try:
        ours = derive.differentiate(f, wrt, case.kind).result
        with time_budget(BUDGET, "SymPy's diff"):
            theirs = f.diff(wrt)
    except Exception:  # noqa: BLE001 - either side failing means no comparison
        return "n/a"
    theirs = theirs.doit() if hasattr(theirs, "doit") else theirs
    sizes = {K: 3} if size == "k" else {}
    symbols = set()
    for e in (f, ours, theirs):
        if isinstance(e, sympy.Basic):
            symbols |= e.atoms(sympy.MatrixSymbol) | {s for s in e.free_symbols if isinstance(s, sympy.Symbol)}
    symbols -= set(sizes)
    rng = np.random.default_rng(0)
    for attempt in range(12):
        point = Point.draw(sizes, symbols, rng, attempt)
        values = {**point.values, **sizes}
        try:
            a = np.asarray(evaluate(ours, values, sizes), dtype=complex).ravel()
            b = np.asarray(evaluate(theirs, values, sizes), dtype=complex).ravel()
        except NotEvaluable:
            return "n/a (not a matrix)"
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            continue
        if not (np.all(np.isfinite(a)) and np.all(np.abs(a.imag) < 1e-12)):
            continue
        if a.size != b.size:
            return "WRONG (shape)"
        right = np.allclose(a, b, rtol=1e-8, atol=1e-10 * max(np.max(np.abs(a)), 1e-300))
        return "right" if right else "WRONG"
    return "n/a"


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    return (f"{datetime.date.today()}, {model} ({os.cpu_count()} cores), Python {platform.python_version()}, "
            f"SymPy {sympy.__version__}, NumPy {numpy.__version__}")


def ms(t):
    return f"{1000 * t:.0f} ms" if t < 10 else f"{t:.1f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", nargs="+", default=["3", "k"], choices=["3", "k", "3x2"])
    args = parser.parse_args()
    variants = [(c, s) for s in args.sizes for c in CASES if s in c.sizes()]
    times = {v: ([], []) for v in range(len(variants))}
    statuses = {}
    for run in range(args.repeat):
        for index, (case, size) in enumerate(variants):
            t, status = run_derive(case, size)
            times[index][0].append(t)
            statuses[index] = status
            t, sympy_status = run_sympy(case, size)
            times[index][1].append(t)
            statuses[index] = (status, sympy_status)
        print(f"run {run + 1}/{args.repeat} done", file=sys.stderr)

    examples = {e[0]: [] for e in ISSUE_EXAMPLES}
    cold = {c[0]: [] for c in COLD_CHECKS}
    statuses_cold = {}
    for _ in range(args.repeat):
        for name, f, wrt, decl, _ in ISSUE_EXAMPLES:
            examples[name].append(run_text(f, wrt, decl))
        for name, argv in COLD_CHECKS:
            t, status = run_cold(argv)
            cold[name].append(t)
            statuses_cold[name] = status

    print("## Matrix calculus at concrete sizes: SymPy's matrix-derivative tests (issue 10)\n")
    print(f"`python benchmarks/bench_matrix_calculus.py --repeat {args.repeat}` — {machine()}.\n")
    print("Each row: `derive.differentiate` (derivation plus the numeric check) and SymPy's unchecked "
          "`expr.diff(X)`, cold (SymPy cache cleared), interleaved; median and max of "
          f"{args.repeat} runs.  Status: ok (derived and checked), refused (a one-line DeriveError by "
          "design).  SymPy's answer: right or WRONG compared numerically with derive's checked result at a "
          "random point, n/a where it is not a matrix (ArrayDerivative, 4-d arrays), or the exception its "
          "diff raised.\n")
    print("### The examples of issue 10 (text, 3 x 3, in-process, SymPy cache cleared)\n")
    print("| gradient | derive (median) | range | before (issue 10) |")
    print("|---|---|---|---|")
    for name, *_, before in ISSUE_EXAMPLES:
        t = examples[name]
        print(f"| {name} | {ms(statistics.median(t))} | {ms(min(t))} – {ms(max(t))} | {before} |")
    print("\n### Cold command line (a fresh `python -m derive` process each run, import included)\n")
    print("| command | median | range | verdict |")
    print("|---|---|---|---|")
    for name, _ in COLD_CHECKS:
        t = cold[name]
        print(f"| {name} | {ms(statistics.median(t))} | {ms(min(t))} – {ms(max(t))} | {statuses_cold[name]} |")
    print("\nBefore (issue 10): 7–9 s for the Gaussian log-likelihood gradient check.\n")
    for size in args.sizes:
        rows = [(i, c) for i, (c, s) in enumerate(variants) if s == size]
        label = "3 x 3 (2 x 2 / 2 x 1 where SymPy's case is that size)" if size == "3" else \
            "SymPy's symbolic size k"
        print(f"### {label}\n")
        print("| case | derive (median) | derive (max) | status | SymPy diff (median) | SymPy's answer |")
        print("|---|---|---|---|---|---|")
        medians, verdicts = [], []
        for i, case in rows:
            d, s = times[i]
            status, sympy_status = statuses[i]
            medians.append((statistics.median(d), max(d), status))
            verdict = sympy_status if sympy_status != "ok" else judge_sympy(case, size) if status == "ok" else "-"
            verdicts.append(verdict if status == "ok" else "-")
            print(f"| {case.id} | {ms(statistics.median(d))} | {ms(max(d))} | {status} | "
                  f"{ms(statistics.median(s))} | {verdict} |")
        ok = [m for m in medians if m[2] == "ok"]
        print(f"\n{len(ok)} derived and checked, {sum(1 for m in medians if m[2] == 'refused')} refused, "
              f"{sum(1 for m in medians if m[2] not in ('ok', 'refused'))} other; of the checked ones "
              f"{sum(1 for m in ok if m[0] < 0.3)} under 0.3 s and {sum(1 for m in ok if m[1] < 2.0)} "
              f"under 2 s at their slowest; slowest median {ms(max((m[0] for m in ok), default=0.0))}, "
              f"slowest run {ms(max((m[1] for m in ok), default=0.0))}.  SymPy's diff on the "
              f"{len(ok)}: {sum(v == 'right' for v in verdicts)} right, "
              f"{sum(v.startswith('WRONG') for v in verdicts)} silently wrong, "
              f"{sum(v.startswith('n/a') for v in verdicts)} not a matrix, "
              f"{sum(v not in ('-', 'right') and not v.startswith(('WRONG', 'n/a')) for v in verdicts)} "
              "raised.\n")


if __name__ == "__main__":
    main()
