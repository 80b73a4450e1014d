"""Latency of derive's calculus answers on the published exercises (issue 24), beside SymPy alone.

Every exercise of tests/data/calculus_exercises.toml (OpenStax Calculus volumes 1-3) is answered as a
user asks it: `derive.integrate` (an antiderivative or a definite integral), `derive.check` of the
published answer and of each typical wrong answer (kind "antiderivative" or "integral"),
`derive.taylor`, `derive.directional`.  Beside each, the peer: SymPy doing the same job without any
checking (`sympy.integrate`, `sympy.series` / the Taylor sum by `sympy.diff`, the gradient dotted with
u/|u|) and, for definite integrals, SciPy's `quad`.  derive's answer costs more because it is
validated (F' = f at random points, quadrature, the measured error order, a finite difference):
the ratio says what that costs.

Each run is a fresh process: it answers two unrelated questions first (imports, first compiles),
then every exercise once, each contender with SymPy's cache cleared before it (so neither profits
from the other's work, nor from a repeat), derive and the peer in alternating order.  Five runs by
default; per exercise the median and range over runs.

    python3 benchmarks/bench_calculus.py [--runs 5] [--top 10]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "calculus_exercises.toml"
PEER_SECONDS = 20.0  # derive's own budget per call (Limits.seconds)


def exercises():
    return tomllib.loads(CORPUS.read_text())["exercise"]


def _derive_calls(e):
    import derive

    kind = e["kind"]
    if kind == "antiderivative":
        yield "integrate", lambda: derive.integrate(e["f"], e["x"])
        yield "check", lambda: derive.check(e["f"], e["x"], e["answer"], kind="antiderivative")
        for w in e.get("wrong", []):
            yield "check wrong", lambda w=w: derive.check(e["f"], e["x"], w["answer"], kind="antiderivative")
    elif kind == "integral":
        yield "integrate", lambda: derive.integrate(e["f"], e["x"], e["a"], e["b"])
        yield "check", lambda: derive.check(e["f"], e["x"], e["answer"], kind="integral", a=e["a"], b=e["b"])
        for w in e.get("wrong", []):
            yield "check wrong", lambda w=w: derive.check(e["f"], e["x"], w["answer"], kind="integral",
                                                          a=e["a"], b=e["b"])
    elif kind == "taylor":
        yield "taylor", lambda: derive.taylor(e["f"], e["wrt"], e["at"], order=e.get("order", 2))
    elif kind == "directional":
        yield "directional", lambda: derive.directional(e["f"], e["wrt"], e["at"], e["u"])


def _peer(e):
    """SymPy (and SciPy) without checks, on the same exercise: the parse is derive's (no sympify of text)."""
    import sympy

    import derive

    f = derive.parse(e["f"])
    if e["kind"] == "antiderivative":
        x = sympy.Symbol(e["x"])
        return lambda: sympy.integrate(f, x)
    if e["kind"] == "integral":
        x = sympy.Symbol(e["x"])
        bound = {"oo": sympy.oo, "-oo": -sympy.oo}
        a, b = (bound.get(str(v)) or derive.parse(str(v)) for v in (e["a"], e["b"]))
        return lambda: sympy.integrate(f, (x, a, b))
    names = e["wrt"].replace(",", " ").split()
    xs = [sympy.Symbol(n) for n in names]
    at = {x: derive.parse(str(v)) for x, v in zip(xs, e["at"])}
    if e["kind"] == "taylor":
        order = e.get("order", 2)

        def taylor_sum():
            if len(xs) == 1:
                return sympy.series(f, xs[0], at[xs[0]], order + 1).removeO()
            total, t = 0, sympy.Symbol("t")  # f(a + t (x - a)) expanded in t to the order, at t = 1
            line = f.subs({x: at[x] + t * (x - at[x]) for x in xs}, simultaneous=True)
            return sympy.series(line, t, 0, order + 1).removeO().subs(t, 1) + total
        return taylor_sum
    u = sympy.Matrix([derive.parse(str(v)) for v in e["u"]])
    return lambda: (sympy.Matrix([f.diff(x) for x in xs]).subs(at).T * u / u.norm())[0]


def _quad_peer(e):
    if e["kind"] != "integral":
        return None
    import math

    import numpy as np
    import sympy
    from scipy.integrate import quad

    import derive

    x = sympy.Symbol(e["x"])
    f = derive.parse(e["f"])
    fn = sympy.lambdify(x, f, "numpy")  # a SymPy tree derive parsed, not user text
    ends = [math.inf if str(v) == "oo" else -math.inf if str(v) == "-oo" else float(derive.parse(str(v)))
            for v in (e["a"], e["b"])]
    return lambda: quad(lambda t: float(np.real(fn(t))), *ends, limit=200)


def one_run(flip):
    """Time every exercise once in this process; print JSON lines."""
    import sympy
    from sympy.core.cache import clear_cache

    import derive
    from derive.errors import LimitError
    from derive.text.budgets import time_budget

    derive.integrate("x*cos(x)", "x")  # warm: imports, first uses
    derive.taylor("exp(y)", "y", 0, order=2)
    rows = []
    for k, e in enumerate(exercises()):
        timings = {}
        contenders = [("derive", list(_derive_calls(e))), ("sympy", [("peer", _peer(e))])]
        quad = _quad_peer(e)
        if quad is not None:
            contenders.append(("scipy quad", [("quad", quad)]))
        if (k + flip) % 2:
            contenders.reverse()
        for who, calls in contenders:
            for what, call in calls:
                clear_cache()
                start = time.perf_counter()
                try:
                    if who == "derive":
                        call()
                    else:  # SymPy alone has no budget of its own: it is stopped at PEER_SECONDS
                        with time_budget(PEER_SECONDS, "the peer"):
                            call()
                    ok = True
                except LimitError:
                    ok = f"stopped at {PEER_SECONDS:g} s"
                except Exception as exc:  # noqa: BLE001 - a failure is reported, not timed as a success
                    ok = f"{type(exc).__name__}: {str(exc)[:80]}"
                timings.setdefault(who, []).append((what, time.perf_counter() - start, ok))
        rows.append({"k": k, "kind": e["kind"], "f": e["f"], "source": e["source"], "timings": timings})
    del sympy
    print(json.dumps(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--one-run", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_run is not None:
        one_run(args.one_run)
        return 0
    runs = []
    for r in range(args.runs):
        out = subprocess.run([sys.executable, __file__, "--one-run", str(r)], capture_output=True, text=True,
                             check=True, cwd=ROOT)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"run {r + 1} of {args.runs} done", file=sys.stderr)
    report(runs, args.top)
    return 0


def report(runs, top):
    answers = []  # (median, lo, hi, label, peer median)
    failures, peer_notes = set(), set()
    per_kind = {}
    for k, row in enumerate(runs[0]):
        derive_calls = len(row["timings"]["derive"])
        for j in range(derive_calls):
            what = row["timings"]["derive"][j][0]
            times = [run[k]["timings"]["derive"][j][1] for run in runs]
            for run in runs:
                ok = run[k]["timings"]["derive"][j][2]
                if ok is not True:
                    failures.add(f"{row['f']} ({what}): {ok}")
            peer = statistics.median(run[k]["timings"]["sympy"][0][1] for run in runs)
            peer_failed = [run[k]["timings"]["sympy"][0][2] for run in runs if run[k]["timings"]["sympy"][0][2] is not True]
            if peer_failed:
                peer_notes.add(f"{row['f']}: SymPy alone {peer_failed[0]}")
            label = f"{what} {row['kind']}: {row['f']}"
            answers.append((statistics.median(times), min(times), max(times), label, peer, row["source"]))
            per_kind.setdefault(f"{what} ({row['kind']})", []).append(statistics.median(times))
    medians = sorted(a[0] for a in answers)
    print(f"{len(runs[0])} exercises, {len(answers)} answers, {len(runs)} runs (a fresh process each)")
    print(f"one answer: median {statistics.median(medians):.3f} s, p90 {medians[int(0.9 * len(medians))]:.3f} s, "
          f"max {medians[-1]:.3f} s; over 2 s: {sum(m > 2 for m in medians)} of {len(medians)}")
    print("\nby kind: answers, median, max (seconds)")
    for kind, times in sorted(per_kind.items()):
        print(f"  {kind:34s} {len(times):4d}  {statistics.median(times):.3f}  {max(times):.3f}")
    peers = [(a[0], a[4]) for a in answers if a[3].startswith(("integrate", "taylor", "directional"))]
    ratios = sorted(d / p for d, p in peers if p > 0)
    print(f"\nderive (validated) / SymPy alone (unchecked), same exercise: median {statistics.median(ratios):.2f}x, "
          f"range {ratios[0]:.2f}x .. {ratios[-1]:.2f}x over {len(ratios)} answers")
    print(f"\nthe {top} slowest answers: median [range] seconds, SymPy alone median")
    for m, lo, hi, label, peer, source in sorted(answers, reverse=True)[:top]:
        print(f"  {m:.2f} [{lo:.2f}, {hi:.2f}]  sympy {peer:.2f}  {label}   ({source})")
    if peer_notes:
        print(f"\nSymPy alone did not answer {len(peer_notes)}:")
        for note in sorted(peer_notes):
            print("  " + note)
    if failures:
        print(f"\n{len(failures)} answers raised:")
        for f in sorted(failures):
            print("  " + f)


if __name__ == "__main__":
    sys.exit(main())
