"""Latency of the answers a student waits for: the slowest commands of issue 19, warm.

Each case is a CLI command run in-process (`derive.cli.main`, output captured),
so the time is what `derive ...` spends after Python and derive are imported
and one unrelated question has been answered: what a notebook, the web page or
a session sees for a new question.  That first call of each case is the
figure reported; a repeat of the same question (caches of identical
expressions hit) is shown beside it.

With `--baseline DIR` (a checkout of an earlier commit, e.g. made with
`git worktree add /tmp/base <commit>`) each run alternates the two versions in
fresh processes, so the before/after pair saw the same machine.

    python benchmarks/bench_latency.py [--runs 5] [--baseline /tmp/base]
"""

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time

CASES = {
    "ridge check (matrix notation)": ["check", "norm(X@w - y)**2 + lam*norm(w)**2", "--wrt", "w",
                                      "--claim", "2*X.T@(X@w - y) + 2*lam*w", "--let", "X: n x d, w: d, y: n"],
    "ridge check, wrong claim": ["check", "norm(X@w - y)**2 + lam*norm(w)**2", "--wrt", "w",
                                 "--claim", "X.T@(X@w - y) + lam*w", "--let", "X: n x d, w: d, y: n"],
    "check --steps (sigmoid chain)": ["check", "log(1 + exp(-y*(w*x + b)))", "--wrt", "w",
                                      "--claim", "-x*y/(1 + exp(y*(w*x + b)))", "--steps"],
    "3-class softmax check (scalars)": ["check", "-log(exp(z1)/(exp(z1) + exp(z2) + exp(z3)))", "--wrt", "z1,z2,z3",
                                        "--claim", ("[exp(z1)/(exp(z1) + exp(z2) + exp(z3)) - 1, "
                                                    "exp(z2)/(exp(z1) + exp(z2) + exp(z3)), "
                                                    "exp(z3)/(exp(z1) + exp(z2) + exp(z3))]")],
    "n-class softmax check (index)": ["check", "-log(exp(z[c])/sum(exp(z[j]), j))", "--wrt", "z[k]",
                                      "--claim", "exp(z[k])/sum(exp(z[j]), j) - delta(c, k)"],
    "batched cross-entropy check": ["check", "-sum(Y[i,c]*(Z[i,c] - log(sum(exp(Z[i,j]), j))), i, c)",
                                    "--wrt", "Z[m,k]", "--claim",
                                    "sum(Y[m,c], c)*exp(Z[m,k])/sum(exp(Z[m,j]), j) - Y[m,k]"],
    "batched cross-entropy grad": ["grad", "-sum(Y[i,c]*(Z[i,c] - log(sum(exp(Z[i,j]), j))), i, c)",
                                   "--wrt", "Z[m,k]"],
    "Gaussian critical (scalars)": ["critical", "-log(2*pi*s2)/2 - (x - mu)**2/(2*s2)", "--wrt", "mu,s2"],
    "Gaussian MLE critical (sample)": ["critical", "sum(-log(2*pi*s2)/2 - (x[i] - mu)**2/(2*s2), i)",
                                       "--wrt", "mu,s2"],
    "kkt (SVM, DESIGN.md)": ["kkt", "--min", "a**2 + b**2", "--wrt", "a,b,c", "--st", "-c >= 1",
                             "--st", "a + 2*b + c >= 1", "--st", "2*a + b + c >= 1"],
    "kkt (max entropy, index)": ["kkt", "--max", "-sum(p[i]*log(p[i]), i)", "--wrt", "p",
                                 "--st", "sum(p[i], i) = 1"],
    "em normal --cov spherical": ["em", "normal", "--k", "3", "--dim", "2", "--cov", "spherical"],
    "logistic Hessian (index)": ["hessian", "sum(log(1 + exp(-y[i]*sum(w[j]*x[i,j], j))), i)", "--wrt", "w[k]"],
}


def run_case(args):
    """(seconds, exit code) of one in-process CLI call."""
    from derive.cli import main

    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code
    return time.perf_counter() - start, code


def measure(repeat):
    """{case: {"first": s, "times": [s...], "code": exit code}} in this process."""
    import derive  # noqa: F401 - imported before the clock starts

    run_case(["grad", "sin(u)*v**2", "--wrt", "u,v"])  # a warm session: one unrelated question answered
    results = {}
    for name, args in CASES.items():
        times, code = [], None
        for _ in range(repeat):
            seconds, code = run_case(args)
            times.append(seconds)
        results[name] = {"first": times[0], "times": times, "code": code}
    return results


def in_subprocess(root, repeat):
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, __file__, "--child", str(repeat)], cwd=root, env=env,
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="paired runs (fresh processes)")
    ap.add_argument("--repeat", type=int, default=2, help="calls per case in each process (warm after the first)")
    ap.add_argument("--baseline", help="a checkout of an earlier commit to compare with")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    versions = {"now": here} | ({"before": args.baseline} if args.baseline else {})
    first = {v: {c: [] for c in CASES} for v in versions}
    repeated = {v: {c: [] for c in CASES} for v in versions}
    codes = {v: {} for v in versions}
    for _ in range(args.runs):
        for v, root in versions.items():
            for case, r in in_subprocess(root, args.repeat).items():
                first[v][case].append(r["first"])
                repeated[v][case].append(min(r["times"][1:] or r["times"]))
                codes[v][case] = r["code"]
    sys.path.insert(0, os.path.join(here, "benchmarks"))
    from paired import machine_line

    print(machine_line())
    head = ("| case | now: new question, s | now: repeated | exit |"
            + (" before: new question, s | before: repeated | exit |" if args.baseline else ""))
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for case in CASES:
        row = f"| {case} | {_stat(first['now'][case])} | {_stat(repeated['now'][case])} | {codes['now'][case]} |"
        if args.baseline:
            row += (f" {_stat(first['before'][case])} | {_stat(repeated['before'][case])} |"
                    f" {codes['before'][case]} |")
        print(row)
    all_now = [statistics.median(t) for t in first["now"].values()]
    print(f"\nnow: slowest case median {max(all_now):.2f} s; cases over 2 s: "
          f"{sum(1 for t in all_now if t > 2)} of {len(all_now)}")


def _stat(values):
    return f"{statistics.median(values):.2f} [{min(values):.2f}, {max(values):.2f}]"


if __name__ == "__main__":
    main()
