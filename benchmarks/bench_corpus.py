"""Latency of derive on the published-problem corpus (tests/corpus/*.yaml), in one warm process.

Every problem is run as tests/test_corpus.py runs it (the published answer, then the
typical wrong one; critical points; KKT points).  Each call of derive.check,
derive.critical_points and KKTProblem.solve is one answer a user waits for: the
script prints their latency (median, p90, max), the 10 slowest, and per problem
whether it passed, and with --failures the one-line reason for each failure.

    python3 benchmarks/bench_corpus.py [--failures] [--sync-xfail] [-k SUBSTRING]

--sync-xfail rewrites the `xfail:` marks in tests/corpus/*.yaml to what this run saw:
a mark is removed where the problem now passes, its message updated where it still
fails, and added where a problem newly fails; the issue item is guessed from the error
(ITEMS below), else kept from the old mark, else "?" (which tests/test_corpus.py
rejects, so a person classifies it).  Review the diff: a new mark on a problem that passed before is
a regression to report, not a mark to keep.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
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


# Issue 19's items, guessed from the error of a newly failing problem (first match wins).
ITEMS = [
    (r"checked with respect to one variable at a time|unknown function '(ones|eye)'", 3),
    (r"unknown symbol 'sigma\^2'|parametric system is out of reach|took longer than|not among \[\]", 1),
    (r"unknown symbol '.*' in wrt|no KKT point", 4),
    (r"Cannot convert symbols to int|summed over different ranges|index .* no sum runs over", 2),
    (r"is a scalar and cannot be indexed|found no point where f and its derivative are defined", 7),
    (r"matrix power needs an integer exponent", 9),
    (r"explanation lacks|^AssertionError: mistake ", 6),
]


def sync_xfail(results, directory):
    """Rewrite the xfail marks of the YAML files in `directory` to the outcomes in `results`."""
    outcome = {problem_id: reason for problem_id, _, _, _, reason in results}
    changes = []
    for path in sorted(directory.glob("*.yaml")):
        blocks = re.split(r"(?m)^(?=- id: )", path.read_text(encoding="utf-8"))
        for n, block in enumerate(blocks):
            found = re.match(r"- id: (\S+)", block)
            if not found or found.group(1) not in outcome:
                continue
            problem_id, reason = found.group(1), outcome[found.group(1)]
            old = re.search(r'(?m)^  xfail: "issue 19 item (\S+?):', block)
            block = re.sub(r"(?m)^  xfail: .*\n", "", block)
            if reason:
                guessed = next((str(number) for pattern, number in ITEMS if re.search(pattern, reason)), None)
                item = guessed or (old.group(1) if old else "?")
                text = reason if len(reason) <= 230 else reason[:227] + "..."
                line = f"issue 19 item {item}: {text}".replace("\\", "\\\\").replace('"', '\\"')
                block = re.sub(r"(?m)^(  mistake: .*)$", lambda m, line=line: f'{m.group(1)}\n  xfail: "{line}"',
                               block, count=1)
                if not old:
                    changes.append(f"  marked {problem_id} (item {item})")
            elif old:
                changes.append(f"  unmarked {problem_id} (passes now)")
            blocks[n] = block
        path.write_text("".join(blocks), encoding="utf-8")
    print("xfail marks synced" + (":" if changes else " (no mark added or removed)"))
    for change in changes:
        print(change)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="print the reason of each failing problem")
    parser.add_argument("--sync-xfail", action="store_true", help="rewrite the YAML xfail marks to this run")
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
        except Exception as exc:  # noqa: BLE001 - a failure is data here, not a crash of the benchmark
            outcome = "fail"
            reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
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
                print(f"  {problem_id} [{seconds:.2f} s]: {reason[:300]}")
    if args.sync_xfail:
        if args.k:
            parser.error("--sync-xfail needs the whole corpus (no -k)")
        sync_xfail(results, ROOT / "tests" / "corpus")


if __name__ == "__main__":
    main()
