"""Grading a class: `derive grade` on examples/grading (40 students x 5 questions) vs checking each
answer separately (issue 22).

Contenders, each a whole process started fresh (as a teaching assistant runs them), interleaved
run by run:

1. `derive grade key.toml answers.csv --out DIR` (the default worker pool: one per core);
2. the same with `--jobs 1`;
3. one process checking the 200 answers one after the other with `derive.check` (no pool, no
   identical answers merged: the in-process loop a person scripts by hand);
4. 200 separate `derive check F --wrt W --claim A --kind K --let ...` CLI calls, two at a time
   (`xargs -P 2`, the 2 cores busy).  A run of these takes minutes, so it has its own, smaller
   number of runs (--cli-runs).

    python benchmarks/bench_grading.py [--runs 5] [--cli-runs 2] [--json PATH]
"""

import argparse
import csv
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "examples" / "grading"
PY = sys.executable


def run_seconds(cmd, **kw):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


LOOP = r"""
import csv, sys, tomllib
import derive
key = {q["id"]: q for q in tomllib.load(open(sys.argv[1], "rb"))["question"]}
for row in csv.DictReader(open(sys.argv[2])):
    q = key[row["question"]]
    try:
        derive.check(q["f"], q["wrt"], row["answer"], q["kind"], symbols=q["let"])
    except derive.DeriveError:
        pass
"""


def cli_calls(path):
    with open(HERE / "key.toml", "rb") as fh:
        key = {q["id"]: q for q in tomllib.load(fh)["question"]}
    lines = []
    with open(HERE / "answers.csv") as fh:
        for row in csv.DictReader(fh):
            q = key[row["question"]]
            args = [PY, "-m", "derive", "check", q["f"], "--wrt", q["wrt"], "--claim", row["answer"] or "0",
                    "--kind", q["kind"], "--let", q["let"]]
            lines.append(" ".join(shlex.quote(a) for a in args) + " || true")
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cli-runs", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    tmp = Path(tempfile.mkdtemp())
    script = tmp / "loop.py"
    script.write_text(LOOP)
    calls = tmp / "calls.sh"
    n = cli_calls(calls)
    key, answers = str(HERE / "key.toml"), str(HERE / "answers.csv")
    contenders = {
        "derive grade (pool)": [PY, "-m", "derive", "grade", key, answers, "--out", str(tmp / "out")],
        "derive grade --jobs 1": [PY, "-m", "derive", "grade", key, answers, "--out", str(tmp / "out1"),
                                  "--jobs", "1"],
        "derive.check loop, 1 process": [PY, str(script), key, answers],
    }
    times = {name: [] for name in contenders}
    for cmd in contenders.values():  # warm the disk caches once
        run_seconds(cmd, env=env)
    for _ in range(args.runs):
        for name, cmd in contenders.items():
            time.sleep(1)
            times[name].append(run_seconds(cmd, env=env))
    name = f"{n} separate CLI calls, 2 at a time"
    times[name] = []
    for _ in range(args.cli_runs):
        times[name].append(run_seconds(["bash", "-c", f"tr '\\n' '\\0' < {calls} | xargs -0 -P 2 -I CMD bash -c CMD"],
                                       env=env))
    base = statistics.median(times["derive grade (pool)"])
    print(f"grading examples/grading: {n} answers, 40 students x 5 questions; {os.cpu_count()} cores; "
          f"{time.strftime('%Y-%m-%d')}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:38s} {med:7.1f} s  [{min(values):.1f}, {max(values):.1f}]  ({len(values)} runs)  "
              f"{med / base:5.1f}x the grading run")
    if args.json:
        Path(args.json).write_text(json.dumps(times, indent=2))


if __name__ == "__main__":
    main()
