"""Kernels as training code uses them: derive's gradients vs NumPy and jax.jit(jax.grad) (issue 21).

Side by side in one run, in paired runs (paired.py: contenders interleaved, a
pause before each, the median of several calls per run; median [range] over
runs), every contender on the same NumPy float64 arrays and returning NumPy
arrays (JAX's result is copied to the host with np.asarray inside the timing):

1. softmax cross-entropy, gradient wrt W (X: N x 20, W: 20 x 10, one-hot Y),
   N = 10^5 and 10^6: derive.kernel of
       -sum(Y[i,c]*(sum(X[i,j]*W[j,c], j) - log(sum(exp(sum(X[i,j]*W[j,a], j)), a))), i, c)
   wrt W[k,l], against NumPy X.T @ (softmax(X @ W) - Y) and
   jax.jit(jax.grad(loss));
2. a two-layer network's weight gradients (tanh hidden layer of 32, squared
   error, X: N x 20, Y: N x 10), N = 10^5 and 10^6: derive's two kernels (wrt
   W1[k,l] and W2[k,l]) together, against NumPy backprop computing both and
   jax.jit(jax.grad(loss, argnums=(0, 1)));
3. the logistic gradient (sum(softplus(X @ w)) - y.T @ X @ w wrt w, d = 20) at
   N = 10^4, called in a loop where the caller does other work between calls
   (three 300 x 300 matrix products and an elementwise tanh, as a training
   step does; only the gradient call is timed), and back to back;
4. compile honesty: fresh processes (subprocess) with DERIVE_CACHE_DIR in a
   new empty directory, then again with that directory filled: the time
   derive.kernel(d) takes, the kernel's own compile_seconds and compiled_from,
   the first call after derive.kernel returned and a normal call.

Every contender is warmed up, and checked against the others once
(np.allclose) before timing; one that disagrees is not timed or reported.
Without JAX the JAX column is skipped.

    python benchmarks/bench_training.py [--runs 7] [--compile-runs 5] [--json PATH] [--single-thread]
    python benchmarks/bench_training.py --quick   # smoke test (< 60 s): N = 10^4 and 3*10^4,
                                                  # 3 runs, one compile pair (logistic); not a record
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
from paired import SETTLE, machine_line, paired_runs, ratio_text, ratios, single_threaded

SOFTMAX = "-sum(Y[i,c]*(sum(X[i,j]*W[j,c], j) - log(sum(exp(sum(X[i,j]*W[j,a], j)), a))), i, c)"
TWO_LAYER = "sum((sum(tanh(sum(X[i,j]*W1[j,h], j))*W2[h,c], h) - Y[i,c])**2, i, c)/2"
LOGISTIC = "sum(softplus(X @ w)) - y.T @ X @ w"
CONTENDERS = ("derive", "numpy", "jax")
SMALL = 10**4  # the logistic gradient's N: a small batch


# --- the problems: data, NumPy's hand-written gradient, JAX's loss -----------------------


def softmax_data(N, rng):
    return {"W": rng.normal(size=(20, 10)) * 0.1, "X": rng.normal(size=(N, 20)),
            "Y": np.eye(10)[rng.integers(0, 10, N)]}


def softmax_numpy(W, X, Y):
    Z = X @ W
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    return (X.T @ (P - Y),)


def softmax_jax(jax, jnp):
    def loss(W, X, Y):
        return -jnp.sum(Y * jax.nn.log_softmax(X @ W, axis=1))
    return loss


def two_layer_data(N, rng):
    return {"W1": rng.normal(size=(20, 32)) / np.sqrt(20), "W2": rng.normal(size=(32, 10)) / np.sqrt(32),
            "X": rng.normal(size=(N, 20)), "Y": rng.normal(size=(N, 10))}


def two_layer_numpy(W1, W2, X, Y):
    H = np.tanh(X @ W1)
    R = H @ W2 - Y
    return X.T @ ((R @ W2.T) * (1 - H * H)), H.T @ R


def two_layer_jax(jax, jnp):
    def loss(W1, W2, X, Y):
        return jnp.sum((jnp.tanh(X @ W1) @ W2 - Y) ** 2) / 2
    return loss


def logistic_data(N, rng):
    return {"w": rng.normal(size=20) * 0.1, "X": rng.normal(size=(N, 20)), "y": (rng.random(N) < 0.5) * 1.0}


def logistic_numpy(w, X, y):
    return (X.T @ (1 / (1 + np.exp(-(X @ w))) - y),)


def logistic_jax(jax, jnp):
    def loss(w, X, y):
        z = X @ w
        return jnp.sum(jnp.logaddexp(0.0, z)) - y @ z
    return loss


@dataclass(frozen=True)
class Problem:
    title: str
    f: str
    wrt: tuple  # derive's variables, one kernel each; also the parameters JAX differentiates by
    params: tuple  # the parameter arrays, in JAX's argument order (then the data)
    symbols: str  # declarations for derive.differentiate ("" when index notation says it all)
    data: object  # (N, rng) -> {name: array}
    numpy: object  # (**arrays) -> tuple of gradients, one per wrt
    jax_loss: object  # (jax, jnp) -> loss(*params, *data)


PROBLEMS = {
    "softmax": Problem("softmax cross-entropy, grad W", SOFTMAX, ("W[k,l]",), ("W",), "",
                       softmax_data, softmax_numpy, softmax_jax),
    "two_layer": Problem("two-layer network, grad W1 and W2", TWO_LAYER, ("W1[k,l]", "W2[k,l]"), ("W1", "W2"), "",
                         two_layer_data, two_layer_numpy, two_layer_jax),
    "logistic": Problem("logistic gradient", LOGISTIC, ("w",), ("w",), "X: N x d, w: d, y: N",
                        logistic_data, logistic_numpy, logistic_jax),
}


def derive_kernels(problem):
    """[(kernel, derivation seconds, derive.kernel seconds)], one per wrt variable."""
    import derive

    built = []
    for wrt in problem.wrt:
        start = time.perf_counter()
        d = derive.differentiate(problem.f, wrt, "grad", symbols=problem.symbols or None)
        derived = time.perf_counter() - start
        start = time.perf_counter()
        k = derive.kernel(d)
        built.append((k, derived, time.perf_counter() - start))
    return built


def load_jax():
    """(jax, jax.numpy, None) on CPU in float64, or (None, None, why not)."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as exc:
        return None, None, f"jax is not installed ({exc}); its column is skipped"
    jax.config.update("jax_enable_x64", True)
    return jax, jnp, None


def contenders(problem, data, kernels, jax, jnp):
    """{name: callable returning a tuple of NumPy gradients} on the same NumPy arrays
    (derive's column only when its kernels were built)."""
    found = {"derive": lambda: tuple(k(**data) for k in kernels)} if kernels is not None else {}
    found["numpy"] = lambda: problem.numpy(**data)
    if jax is not None:
        names = problem.params + tuple(sorted(n for n in data if n not in problem.params))
        jgrad = jax.jit(jax.grad(problem.jax_loss(jax, jnp), argnums=tuple(range(len(problem.params)))))
        arrays = [data[n] for n in names]
        found["jax"] = lambda: tuple(np.asarray(g) for g in jgrad(*arrays))
    return found


def verified(found):
    """(the contenders that agree with the others, {name: why one was refused}).

    Each contender is run once (this also warms it up: JIT compiles, first-call costs)
    and compared with every other by np.allclose (rtol 1e-8, atol 1e-8 of the largest
    entry).  A contender is kept when the contenders it agrees with, itself included, are
    a majority of those that ran: with three, one wrong contender is refused and the two
    that agree are kept; with two that disagree, or one alone, nothing is checked and
    nothing is kept."""
    results, refused = {}, {}
    for name, fn in found.items():
        try:
            results[name] = tuple(np.array(g, dtype=float) for g in fn())
        except Exception as exc:  # noqa: BLE001 - a contender that cannot run is reported, not timed
            refused[name] = f"raised {type(exc).__name__}: {exc}"
    for name, mine in results.items():
        others = [o for o in results if o != name]
        agree = [o for o in others if _close(mine, results[o])]
        if not others:
            refused[name] = "no other contender ran to check it against"
        elif 2 * (len(agree) + 1) <= len(results):
            wrong = [o for o in others if o not in agree]
            refused[name] = f"disagrees with {', '.join(wrong)} ({_difference(mine, results[wrong[0]])})"
    return {n: fn for n, fn in found.items() if n not in refused}, refused


def _close(a, b):
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=1e-8, atol=1e-8 * np.abs(y).max())
                                    for x, y in zip(a, b))


def _difference(a, b):
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
        return f"shapes {[x.shape for x in a]} vs {[y.shape for y in b]}"
    worst = max(np.abs(x - y).max() / max(np.abs(y).max(), 1e-300) for x, y in zip(a, b))
    return f"largest difference {worst:.1e} of the largest entry"


# --- timing ----------------------------------------------------------------------------


def make_work(rng):
    """What a training step does between gradient calls: three 300 x 300 products and an
    elementwise map (a few ms)."""
    A = rng.normal(size=(300, 300)) / 17
    v = rng.normal(size=100_000)

    def work():
        B = A @ A
        B = B @ A.T
        B = B @ A
        return float(np.tanh(v).sum() + B[0, 0])

    return work


def paired_runs_with_work(found, work, runs, inner, settle=SETTLE):
    """{name: [seconds per run]}: as paired_runs, but each timed call follows a call of
    `work` (not timed), as in a training loop."""
    for fn in found.values():
        work()
        fn()
    times = {name: [] for name in found}
    for _ in range(runs):
        for name, fn in found.items():
            time.sleep(settle)
            calls = []
            for _ in range(inner):
                work()
                start = time.perf_counter()
                fn()
                calls.append(time.perf_counter() - start)
            times[name].append(statistics.median(calls))
    return times


def work_seconds(work, runs=30):
    calls = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        calls.append(time.perf_counter() - start)
    return statistics.median(calls)


# --- compile honesty: fresh processes ----------------------------------------------------


def compile_child(name, N):
    """In a fresh process: derive the problem's gradients, build their kernels, call them;
    prints one JSON line of times (seconds).  derive is imported before any clock starts
    (derive_kernels times derive.differentiate and derive.kernel apart)."""
    problem = PROBLEMS[name]
    data = problem.data(N, np.random.default_rng(0))
    report = {"kernels": []}
    for k, derived, built in derive_kernels(problem):
        start = time.perf_counter()
        k(**data)
        first = time.perf_counter() - start
        normal = []
        for _ in range(5):
            start = time.perf_counter()
            k(**data)
            normal.append(time.perf_counter() - start)
        report["kernels"].append({"derivation_s": derived, "kernel_s": built,
                                  "compile_seconds": getattr(k, "compile_seconds", None),
                                  "compiled_from": getattr(k, "compiled_from", None),
                                  "first_call_s": first, "normal_call_s": statistics.median(normal)})
    print("RESULT " + json.dumps(report))


class ChildFailed(Exception):
    pass


def compile_runs(name, N, runs):
    """[{"empty": child report, "filled": child report}] over `runs` new empty cache directories."""
    out = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="derive-bench-cache-") as cache:
            run = {}
            for state in ("empty", "filled"):
                env = dict(os.environ, DERIVE_CACHE_DIR=cache)
                start = time.perf_counter()
                proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--compile-child", name, "--n", str(N)],
                                      capture_output=True, text=True, env=env)
                wall = time.perf_counter() - start
                lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
                if proc.returncode or not lines:
                    tail = " / ".join((proc.stderr.strip().splitlines() or ["no output"])[-3:])
                    raise ChildFailed(f"the fresh process for {name} ({state} cache) failed "
                                      f"(exit {proc.returncode}): {tail}")
                run[state] = dict(json.loads(lines[0][len("RESULT "):]), process_wall_s=wall)
            out.append(run)
    return out


# --- report ------------------------------------------------------------------------------


def fmt(values, scale=1e3):
    """'median [min, max]' in ms, with digits for the size of the numbers."""
    v = [x * scale for x in values]
    m = statistics.median(v)
    digits = 1 if m >= 10 else 2 if m >= 1 else 3
    return f"{m:.{digits}f} [{min(v):.{digits}f}, {max(v):.{digits}f}]"


def row_cells(row):
    cells = []
    for name in CONTENDERS:
        if name in row["times"]:
            cells.append(fmt(row["times"][name]))
        else:
            cells.append(row["missing"].get(name, "-"))
    t = row["times"]
    for other in ("numpy", "jax"):
        cells.append(ratio_text(ratios(t[other], t["derive"])) if other in t and "derive" in t else "-")
    return cells


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def json_row(row):
    t = row["times"]
    out = {"name": row["name"], "N": row["N"], "calls_per_run": row["inner"], "seconds": {n: stats(v) for n, v in t.items()},
           "not_reported": row["missing"]}
    out["ratios"] = {f"{o}/derive": stats(ratios(t[o], t["derive"])) for o in ("numpy", "jax") if o in t and "derive" in t}
    return out


def targets(rows, compiled):
    """Issue 21's measured targets, evaluated on the rows this run has (median of paired ratios)."""
    lines = []
    for row in rows:
        t = row["times"]
        if "derive" not in t:
            continue
        if row["problem"] in ("softmax", "two_layer") and row["N"] in (10**5, 10**6):
            for other, want in (("numpy", 2.0), ("jax", 1.0)):
                if other in t:
                    r = statistics.median(ratios(t[other], t["derive"]))
                    lines.append(f"{row['name']}, N = {row['N']:,}: {other}/derive {r:.2f}x (target >= {want:g}x): "
                                 f"{'met' if r >= want else 'NOT met'}")
        if row["name"].endswith("work between calls") and "numpy" in t:
            r = statistics.median(ratios(t["derive"], t["numpy"]))
            lines.append(f"{row['name']}, N = {row['N']:,}: derive/numpy {r:.2f}x (target <= 2x): "
                         f"{'met' if r <= 2 else 'NOT met'}")
    for name, runs in compiled.items():
        m = statistics.median(summed([r["filled"] for r in runs], "kernel_s"))
        numba_part = statistics.median(summed([r["filled"] for r in runs], "compile_seconds"))
        lines.append(f"{PROBLEMS[name].title}: derive.kernel with the cache filled {m:.2f} s, of which "
                     f"k.compile_seconds {numba_part:.2f} s (target: ready in < 0.5 s): {'met' if m < 0.5 else 'NOT met'}")
    return lines


def machine(jax):
    """Facts about this machine and the libraries, for the header and the JSON."""
    import numba
    import threadpoolctl

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel region has run in this process
        layer = f"{numba.config.THREADING_LAYER} (configured; no parallel region ran)"
    blas = ", ".join(f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads)"
                     for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas")
    return {"header": machine_line([f"jax {jax.__version__} (CPU, float64)"] if jax else ["jax not installed"]),
            "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "numba_threading_layer": layer, "numba_threads": numba.config.NUMBA_NUM_THREADS, "blas": blas}


def summed(reports, key):
    """Per run, the sum of `key` over the problem's kernels (the two-layer network has two)."""
    return [sum(k[key] or 0.0 for k in rep["kernels"]) for rep in reports]


def print_report(facts, args, single, rows, compiled, notes):
    print(facts["header"])
    print(f"usable CPUs {facts['cpus_usable']}; Numba threading layer {facts['numba_threading_layer']} "
          f"({facts['numba_threads']} threads); BLAS {facts['blas'] or 'unknown'}")
    print(("All contenders on one thread (--single-thread). " if single else "")
          + ("QUICK smoke run (small N, 0.1 s pauses): not a record. " if args.quick else "")
          + f"{args.runs} paired runs; each run's time is the median of that row's calls per run; "
          "median [range] over runs, times in ms; ratios are paired (per run), median [range].\n")
    head = ["problem", "N", "calls/run", "derive (ms)", "NumPy (ms)", "jax.jit(jax.grad) (ms)", "NumPy / derive",
            "JAX / derive"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join([row["name"], f"{row['N']:,}", str(row["inner"])] + row_cells(row)) + " |")
    for line in notes:
        print(line)
    if compiled:
        print(f"\nCompile (fresh processes; DERIVE_CACHE_DIR a new empty directory, then the same one filled); "
              f"median [range] over {len(next(iter(compiled.values())))} runs, seconds, first/normal call in ms:\n")
        head = ["problem", "N", "cache", "derivation (s)", "derive.kernel (s)", "k.compile_seconds (s)",
                "k.compiled_from", "first call (ms)", "normal call (ms)", "process wall (s)"]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for name, runs in compiled.items():
            for state in ("empty", "filled"):
                reports = [r[state] for r in runs]
                where = sorted({str(k["compiled_from"]) for rep in reports for k in rep["kernels"]})
                print("| " + " | ".join([
                    PROBLEMS[name].title, f"{runs[0]['N']:,}", state,
                    fmt(summed(reports, "derivation_s"), 1.0), fmt(summed(reports, "kernel_s"), 1.0),
                    fmt(summed(reports, "compile_seconds"), 1.0), ", ".join(where),
                    fmt(summed(reports, "first_call_s")), fmt(summed(reports, "normal_call_s")),
                    fmt([rep["process_wall_s"] for rep in reports], 1.0)]) + " |")
        if "two_layer" in compiled:
            print("(for the two-layer network, the sum over its two kernels)")
    print("\nTargets (issue 21), at the median:")
    for line in targets(rows, compiled) or ["(no row of this run has a target)"]:
        print("  " + line)


# --- main --------------------------------------------------------------------------------


def arguments():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=None, help="paired runs (at least 5; default 7, 3 with --quick)")
    ap.add_argument("--quick", action="store_true", help="small N and 3 runs: a smoke test (< 60 s), not a record")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    ap.add_argument("--compile-runs", type=int, default=None,
                    help="fresh-process pairs (empty, filled cache) per problem; default 5, 1 with --quick; 0 skips")
    ap.add_argument("--single-thread", action="store_true", help="every contender on one core (see paired.py)")
    ap.add_argument("--compile-child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.runs is None:
        args.runs = 3 if args.quick else 7
    if args.compile_runs is None:
        args.compile_runs = 1 if args.quick else 5
    if args.runs < 5 and not args.quick:
        print(f"note: {args.runs} runs; a record needs at least 5", file=sys.stderr)
    return args


_STARTED = time.perf_counter()


def progress(text):
    print(f"[{time.perf_counter() - _STARTED:5.1f} s] {text}", file=sys.stderr, flush=True)


def build_kernels(notes):
    """{problem: [kernels] or the reason derive could not build them}, with a note each."""
    built = {}
    for key, problem in PROBLEMS.items():
        progress(f"building derive's kernels for {problem.title} ...")
        try:
            made = derive_kernels(problem)
        except Exception as exc:  # noqa: BLE001 - reported in derive's column, the other contenders still run
            built[key] = f"failed to build: {type(exc).__name__}: {exc}"
            notes.append(f"NOT MEASURED: derive for {problem.title}: {built[key]}")
            continue
        built[key] = [k for k, _, _ in made]
        for k, derived, seconds in made:
            compiled_in = getattr(k, "compile_seconds", None)
            notes.append(f"{problem.title}: derivation {derived:.2f} s, derive.kernel {seconds:.2f} s "
                         f"(compile_seconds {'?' if compiled_in is None else f'{compiled_in:.2f}'} s, "
                         f"from {getattr(k, 'compiled_from', '?')}) in this process")
    return built


def speed_rows(args, built, jax, jnp, notes):
    """The table's rows: each problem's contenders verified, then timed in paired runs."""
    rows = []
    rng = np.random.default_rng(0)

    def timed(name, key, N, inner, work=None):
        progress(f"timing {name}, N = {N:,} ...")
        problem = PROBLEMS[key]
        data = problem.data(N, rng)
        kernels = built[key] if isinstance(built[key], list) else None
        found = contenders(problem, data, kernels, jax, jnp)
        kept, refused = verified(found)
        missing = {"jax": "not installed"} if jax is None else {}
        if kernels is None:
            missing["derive"] = "not built"
        for n, why in refused.items():
            missing[n] = "refused: " + why
            notes.append(f"REFUSED {n} for {name}, N = {N:,}: {why}")
        # a shorter pause in a smoke run: its numbers are not a record, its time is the point
        settle = 0.1 if args.quick else SETTLE
        if work is None:
            t = paired_runs(kept, runs=args.runs, inner=inner, settle=settle)
        else:
            t = paired_runs_with_work(kept, work, runs=args.runs, inner=inner, settle=settle)
        rows.append({"name": name, "problem": key, "N": N, "inner": inner, "times": t, "missing": missing})

    for key in ("softmax", "two_layer"):
        for N in (10**4, 3 * 10**4) if args.quick else (10**5, 10**6):
            timed(PROBLEMS[key].title, key, N, inner=3)
    work = make_work(rng)
    inner = 10 if args.quick else 20
    timed(f"{PROBLEMS['logistic'].title}, work between calls", "logistic", SMALL, inner, work=work)
    timed(f"{PROBLEMS['logistic'].title}, back to back", "logistic", SMALL, 5 * inner)
    notes.append(f"work between calls (not timed): {work_seconds(work) * 1e3:.2f} ms median per call of it "
                 "(three 300 x 300 products, tanh of 10^5)")
    return rows


def compile_section(args, notes):
    """{problem: [{"empty": ..., "filled": ..., "N": N}] per run} from fresh processes."""
    compiled = {}
    for key in (("logistic",) if args.quick else ("softmax", "two_layer", "logistic")) if args.compile_runs else ():
        N = SMALL if args.quick else 10**5
        progress(f"compile: {PROBLEMS[key].title}, {args.compile_runs} x (empty, filled cache) ...")
        try:
            compiled[key] = [dict(r, N=N) for r in compile_runs(key, N, args.compile_runs)]
        except ChildFailed as exc:
            notes.append(f"NOT MEASURED: compile of {PROBLEMS[key].title}: {exc}")
    return compiled


def main():
    args = arguments()
    if args.compile_child:
        compile_child(args.compile_child, args.n)
        return
    single = single_threaded(sys.argv)
    jax, jnp, no_jax = load_jax()
    notes = [f"note: {no_jax}"] if no_jax else []
    if no_jax:
        progress(no_jax)
    built = build_kernels(notes)
    rows = speed_rows(args, built, jax, jnp, notes)
    compiled = compile_section(args, notes)
    facts = machine(jax)
    print_report(facts, args, single, rows, compiled, notes)
    if args.json:
        out = {"machine": facts, "single_thread": single, "quick": args.quick, "runs": args.runs,
               "rows": [json_row(r) for r in rows], "compile": compiled, "notes": notes,
               "targets": targets(rows, compiled)}
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
        progress(f"wrote {args.json}")


if __name__ == "__main__":
    main()
