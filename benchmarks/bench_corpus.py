"""Latency of derive on the published-problem corpus (tests/corpus/*.yaml), in one warm process.

Every problem is run as tests/test_corpus.py runs it (the published answer, then the
typical wrong one; critical points; KKT points).  Each call of derive.check,
derive.critical_points and KKTProblem.solve is one answer a user waits for: the
script prints their latency (median, p90, max), the 10 slowest, and per problem
whether it passed, and with --failures the one-line reason for each failure.

    python3 benchmarks/bench_corpus.py [--failures] [-k SUBSTRING]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import derive  # noqa: E402


def load_runner():
    spec = importlib.util.spec_from_file_location("corpus_runner", ROOT / "tests" / "test_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Timer:
    """Wraps the public entry points so that each call of them is timed."""

    def __init__(self):
        self.calls: list[tuple[float, str, str]] = []
        self.current = ""

    def wrap(self, owner, name):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.calls.append((time.perf_counter() - start, self.current, name))

        setattr(owner, name, timed)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="print the reason of each failing problem")
    parser.add_argument("-k", default="", help="only problems whose id contains this")
    args = parser.parse_args(argv)

    runner = load_runner()
    derive.check("1/(1 + exp(-z))", "z", "sigmoid(z)*(1 - sigmoid(z))")  # warm: imports, caches
    timer = Timer()
    timer.wrap(derive, "check")
    timer.wrap(derive, "critical_points")
    timer.wrap(derive.optimize.kkt.KKTProblem, "solve")

    results, per_problem = [], []
    for problem in runner.PROBLEMS:
        if args.k not in problem["id"]:
            continue
        timer.current = problem["id"]
        start = time.perf_counter()
        try:
            runner.run_problem(problem)
            outcome, reason = "pass", ""
        except Exception as exc:  # a failure is data here, not a crash of the benchmark
            outcome = "fail"
            reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        elapsed = time.perf_counter() - start
        per_problem.append(elapsed)
        expected = "xfail" if problem.get("xfail") else "pass"
        results.append((problem["id"], outcome, expected, elapsed, reason))

    latencies = [t for t, _, _ in timer.calls]
    print(f"problems: {len(results)}; passed {sum(r[1] == 'pass' for r in results)}, "
          f"failed {sum(r[1] == 'fail' for r in results)} "
          f"(marked xfail: {sum(r[2] == 'xfail' for r in results)})")
    if latencies:
        print(f"answers (calls of check / critical_points / kkt.solve): {len(latencies)}; "
              f"median {statistics.median(latencies):.3f} s, p90 {percentile(latencies, 0.9):.3f} s, "
              f"max {max(latencies):.3f} s; over 2 s: {sum(t > 2 for t in latencies)}")
        print(f"per problem: median {statistics.median(per_problem):.3f} s, p90 {percentile(per_problem, 0.9):.3f} s, "
              f"max {max(per_problem):.3f} s, total {sum(per_problem):.1f} s")
        print("10 slowest answers:")
        for seconds, problem_id, name in sorted(timer.calls, reverse=True)[:10]:
            print(f"  {seconds:7.3f} s  {name:16s} {problem_id}")
    surprises = [r for r in results if (r[1] == "pass") != (r[2] == "pass")]
    if surprises:
        print("outcome differs from the mark:")
        for problem_id, outcome, expected, _, _ in surprises:
            print(f"  {problem_id}: {outcome} (marked {expected})")
    if args.failures:
        print("failures:")
        for problem_id, outcome, _, seconds, reason in results:
            if outcome == "fail":
                print(f"  {problem_id} [{seconds:.2f} s]: {reason}")


if __name__ == "__main__":
    main()
