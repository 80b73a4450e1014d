"""Exported JAX and PyTorch kernels vs the frameworks' own autodiff of the same loss (issue 23).

derive differentiates a loss (gradient and Hessian wrt one parameter vector),
`derive.kernel(d, backend="jax" | "torch")` prints the result as framework
code, and the framework compiles or runs it.  The peer is the framework's
autodiff applied to f itself, as `derive.kernel(d, backend=..., value=True)`
prints it (the same loss, so both sides start from the same expression):

1. JAX Hessian: jax.jit(H.fn) against jax.jit(jax.hessian(f_jax, argnums=i));
   also against jax.hessian of the loss written by hand in jax.numpy (so a
   clumsy printing of f cannot flatter the ratio);
2. JAX gradient: jax.jit(G.fn) against jax.jit(jax.grad(f_jax)) (and by hand);
3. PyTorch Hessian: H.fn, and torch.jit.script(H.fn) where it scripts,
   against torch.func.hessian(f_torch, argnums=i);
4. PyTorch gradient: G.fn (and its script) against one forward and one
   backward of f_torch (torch.autograd.grad).

Losses (parameter dimension n = 50, 100, 200, 500; N = 1000 data rows):

    logistic NLL     sum(softplus(X @ w)) - y.T @ X @ w                  wrt w
    least squares    norm(X @ w - y)**2                                  wrt w
    ridge            norm(X @ w - y)**2 + lam*norm(w)**2                 wrt w
    Poisson NLL      sum(exp(X @ w)) - y.T @ X @ w                       wrt w
    quadratic form   x.T @ A @ x                          (A: n x n)     wrt x
    log-det + quad   log(det(S)) + x.T @ inv(S) @ x       (S: n x n SPD) wrt x
    softmax CE       index notation, X: N x d, W: d x C, C = 10, n = d*C wrt W
    Gaussian NLL     index notation, sum_i (x_i - mu)^T P (x_i - mu) / 2 wrt mu   (n <= 200: the
                     peers' Hessians cost N n^3 flops, 20-50 s a call at n = 500)

Everything in float64 on CPU, every framework with its default threads (one
thread each with --single-thread).
Each (loss, n) is checked before it is timed: the exported result and every
peer's must agree (np.allclose, rtol 1e-8, atol 1e-8 of the largest entry);
one that disagrees is reported and the script exits 1, since a fast wrong
answer is no result.  A loss derive refuses is skipped and named.

Timing: every contender is called once first (jit compile, torch warm-up),
then its number of back-to-back calls is chosen so that one timed batch takes
at least 20 ms.  A round times each contender's batch once (a pause before
each, see paired.py, and the order reversed every other round); a time is the
batch time over its calls, and a ratio is peer / exported within one round.
Reported: median [min, max] over rounds; geometric means of the median ratios.

    python benchmarks/bench_export.py [--runs 7] [--sizes 50,100,200,500] [--N 1000] [--losses NAME,...]
                                      [--json PATH] [--single-thread]
    python benchmarks/bench_export.py --from-json PATH   # the tables of a saved run
    python benchmarks/bench_export.py --quick   # smoke test (< 60 s): n = 10, 20, N = 200, three losses,
                                                # 3 runs, short pauses; not a record
"""

import argparse
import inspect
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np
from paired import SETTLE, machine_line, ratio_text, ratios, single_threaded

SOFTMAX = "sum(log(sum(exp(sum(X[i,j]*W[j,c], j)), c)) - sum(Y[i,c]*sum(X[i,j]*W[j,c], j), c), i)"
GAUSSIAN = "sum(sum((X[i,j] - mu[j])*P[j,l]*(X[i,l] - mu[l]), j, l), i)/2"
CLASSES = 10  # softmax: n = d * CLASSES
SLOW = 2.0  # seconds: an extra variant of the exported kernel (TorchScript) slower than this is reported, not timed


# --- the losses: data and the hand-written jax.numpy loss -------------------------------


def regression_data(kind):
    """(n, N, rng) -> arrays for a loss of X @ w; y fits the kind (labels, counts, values)."""
    def data(n, N, rng):
        X = rng.normal(size=(N, n))
        w = rng.normal(size=n) * 0.5 / math.sqrt(n)  # X @ w of order 0.5: exp and softplus stay tame
        z = X @ w
        y = {"logistic": (rng.random(N) < 1 / (1 + np.exp(-z))) * 1.0,
             "poisson": rng.poisson(np.exp(z)) * 1.0}.get(kind, z + rng.normal(size=N))
        return {"X": X, "w": w, "y": y, "lam": 0.1}
    return data


def square_data(spd):
    def data(n, N, rng):
        B = rng.normal(size=(n, n))
        name = "S" if spd else "A"
        return {name: B @ B.T / n + np.eye(n) if spd else B, "x": rng.normal(size=n)}
    return data


def softmax_data(n, N, rng):
    d = n // CLASSES
    return {"X": rng.normal(size=(N, d)), "W": rng.normal(size=(d, CLASSES)) * 0.1,
            "Y": np.eye(CLASSES)[rng.integers(0, CLASSES, N)]}


def gaussian_data(n, N, rng):
    B = rng.normal(size=(n, n))
    return {"X": rng.normal(size=(N, n)) + 1.0, "mu": rng.normal(size=n), "P": B @ B.T / n + np.eye(n)}


# Written as a JAX user would; the arguments are found by name.
def logistic_jax(jnp, jax):
    return lambda X, w, y: jnp.sum(jax.nn.softplus(X @ w)) - y @ (X @ w)


def lsq_jax(jnp, jax):
    return lambda X, w, y: jnp.sum((X @ w - y) ** 2)


def ridge_jax(jnp, jax):
    return lambda X, w, y, lam: jnp.sum((X @ w - y) ** 2) + lam * jnp.sum(w ** 2)


def poisson_jax(jnp, jax):
    return lambda X, w, y: jnp.sum(jnp.exp(X @ w)) - y @ (X @ w)


def quad_jax(jnp, jax):
    return lambda A, x: x @ A @ x


def logdet_jax(jnp, jax):
    return lambda S, x: jnp.linalg.slogdet(S)[1] + x @ jnp.linalg.solve(S, x)


def softmax_jax(jnp, jax):
    return lambda W, X, Y: -jnp.sum(Y * jax.nn.log_softmax(X @ W, axis=1))


def gaussian_jax(jnp, jax):
    def loss(P, X, mu):
        R = X - mu
        return jnp.sum((R @ P) * R) / 2
    return loss


@dataclass(frozen=True)
class Loss:
    name: str
    f: str
    wrt: str  # the parameter's name (an argument of the kernels)
    grad_wrt: str  # what derive.differentiate is given for the gradient
    hessian_wrt: str  # ... and for the Hessian
    symbols: str  # "" for index notation
    data: object  # (n, N, rng) -> {name: array or scalar}
    by_hand: object  # (jnp, jax) -> loss(**arrays)
    max_n: int = 0  # the largest n timed (0: every size), where the peers' cost grows too fast to time


LOSSES = (
    Loss("logistic NLL", "sum(softplus(X @ w)) - y.T @ X @ w", "w", "w", "w", "X: N x d, w: d, y: N",
         regression_data("logistic"), logistic_jax),
    Loss("least squares", "norm(X @ w - y)**2", "w", "w", "w", "X: N x d, w: d, y: N",
         regression_data("lsq"), lsq_jax),
    Loss("ridge", "norm(X @ w - y)**2 + lam*norm(w)**2", "w", "w", "w", "X: N x d, w: d, y: N",
         regression_data("lsq"), ridge_jax),
    Loss("Poisson NLL", "sum(exp(X @ w)) - y.T @ X @ w", "w", "w", "w", "X: N x d, w: d, y: N",
         regression_data("poisson"), poisson_jax),
    Loss("quadratic form", "x.T @ A @ x", "x", "x", "x", "A: n x n, x: n", square_data(False), quad_jax),
    Loss("log-det + quadratic", "log(det(S)) + x.T @ inv(S) @ x", "x", "x", "x", "S: n x n, x: n",
         square_data(True), logdet_jax),
    Loss("softmax cross-entropy", SOFTMAX, "W", "W[k,a]", "W[k,a], W[l,b]", "", softmax_data, softmax_jax),
    # jax.hessian and torch.func.hessian push n tangents through (X - mu) @ P: N n^3 flops, 1.4 and
    # 3.2 s a call at n = 200, N = 1000 on the 2-core machine, 20-50 s at n = 500 (the Hessian is
    # N (P + P.T)/2).
    Loss("Gaussian NLL (mean)", GAUSSIAN, "mu", "mu[k]", "mu[k], mu[m]", "", gaussian_data, gaussian_jax,
         max_n=200),
)
QUICK = ("logistic NLL", "quadratic form", "log-det + quadratic")


# --- building: derive's kernels, then the contenders for one size -----------------------


@dataclass
class Built:
    loss: Loss
    kernels: dict  # {(backend, "hessian" | "grad" | "value"): FrameworkKernel}
    build_s: float  # derive.differentiate and derive.kernel, both kinds and both backends
    scripted: dict  # {"hessian" | "grad": torch.jit.script(kernel.fn) or the reason it did not script}


def build(loss):
    """Built, or the one-line reason derive refused the loss."""
    import torch

    import derive

    start = time.perf_counter()
    kernels = {}
    try:
        for kind, wrt in (("hessian", loss.hessian_wrt), ("grad", loss.grad_wrt)):
            d = derive.differentiate(loss.f, wrt, kind, symbols=loss.symbols or None)
            for backend in ("jax", "torch"):
                kernels[backend, kind] = derive.kernel(d, backend=backend)
                if kind == "grad":
                    kernels[backend, "value"] = derive.kernel(d, backend=backend, value=True)
    except derive.DeriveError as exc:
        return f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    scripted = {}
    for kind in ("hessian", "grad"):
        try:
            scripted[kind] = torch.jit.script(kernels["torch", kind].fn)
        except Exception as exc:  # noqa: BLE001 - TorchScript refusing a construct is a result to report, not a crash
            scripted[kind] = f"does not script ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})"
    return Built(loss, kernels, seconds, scripted)


def contenders(built, arrays, jax, jnp, torch):
    """{table: {name: callable returning a NumPy array}}, the exported kernel first in each."""
    loss, k = built.loss, built.kernels
    names = k["jax", "hessian"].arg_names
    at = names.index(loss.wrt)
    jargs = [jnp.asarray(arrays[a]) for a in names]
    targs = [torch.as_tensor(np.asarray(arrays[a], dtype=np.float64)) for a in names]
    f_jax, f_torch = k["jax", "value"].fn, k["torch", "value"].fn
    hand = loss.by_hand(jnp, jax)
    order = list(inspect.signature(hand).parameters)
    by_hand = lambda *args: hand(*(args[names.index(a)] for a in order))  # noqa: E731

    def jitted(fn):
        fn = jax.jit(fn)
        return lambda: np.asarray(fn(*jargs).block_until_ready())

    def torch_call(fn):
        return lambda: fn(*targs).numpy()

    t_hessian = torch.func.hessian(f_torch, argnums=at)
    with_grad = list(targs)
    with_grad[at] = targs[at].clone().requires_grad_(True)

    def autograd():
        (g,) = torch.autograd.grad(f_torch(*with_grad), with_grad[at])
        return g.numpy()

    tables = {
        "jax hessian": {"exported": jitted(k["jax", "hessian"].fn),
                        "jax.hessian(f)": jitted(jax.hessian(f_jax, argnums=at)),
                        "jax.hessian(by hand)": jitted(jax.hessian(by_hand, argnums=at))},
        "jax grad": {"exported": jitted(k["jax", "grad"].fn),
                     "jax.grad(f)": jitted(jax.grad(f_jax, argnums=at)),
                     "jax.grad(by hand)": jitted(jax.grad(by_hand, argnums=at))},
        "torch hessian": {"exported": torch_call(k["torch", "hessian"].fn),
                          "torch.func.hessian(f)": torch_call(t_hessian)},
        "torch grad": {"exported": torch_call(k["torch", "grad"].fn), "autograd.grad(f)": autograd},
    }
    for kind in ("hessian", "grad"):
        if not isinstance(built.scripted[kind], str):
            tables[f"torch {kind}"]["exported, scripted"] = torch_call(built.scripted[kind])
    return tables


def checked(found, shape, limit):
    """([why] for each contender whose result differs from the exported kernel's,
    {name: seconds} for each extra variant of ours ("exported, ...") whose first call took
    longer than `limit`).  Each is called once here, which also compiles and warms it."""
    results, slow = {}, {}
    for name, fn in found.items():
        start = time.perf_counter()
        results[name] = np.asarray(fn(), dtype=float)
        if name.startswith("exported,") and time.perf_counter() - start > limit:
            slow[name] = time.perf_counter() - start
    ref = results["exported"].reshape(shape)
    bad = []
    for name, got in results.items():
        if got.size != ref.size:
            bad.append(f"{name}: shape {got.shape}, exported {results['exported'].shape}")
            continue
        got = got.reshape(shape)
        scale = max(np.abs(ref).max(), 1e-300)
        if not np.allclose(got, ref, rtol=1e-8, atol=1e-8 * scale):
            bad.append(f"{name}: largest difference {np.abs(got - ref).max() / scale:.1e} of the largest entry")
    return bad, slow


# --- timing ------------------------------------------------------------------------------


def batch_size(fn, target):
    """Calls per timed batch so that a batch takes at least `target` seconds."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        took = time.perf_counter() - start
        if took >= target or calls >= 10**5:
            return calls
        calls = max(calls * 2, math.ceil(calls * 1.2 * target / max(took, 1e-9)))


def paired(found, runs, settle, target):
    """{name: [seconds per call, one per run]}: each run times every contender's batch once."""
    sizes = {name: batch_size(fn, target) for name, fn in found.items()}
    times = {name: [] for name in found}
    names = list(found)
    for run in range(runs):
        for name in names if run % 2 == 0 else names[::-1]:
            fn, calls = found[name], sizes[name]
            time.sleep(settle)
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            times[name].append((time.perf_counter() - start) / calls)
    return times


# --- report ------------------------------------------------------------------------------


TABLES = (("jax hessian", "JAX Hessian: jax.jit(H.fn) vs jax.jit(jax.hessian(...))"),
          ("jax grad", "JAX gradient: jax.jit(G.fn) vs jax.jit(jax.grad(...))"),
          ("torch hessian", "PyTorch Hessian: H.fn (eager) and torch.jit.script(H.fn) vs torch.func.hessian(f_torch)"),
          ("torch grad", ("PyTorch gradient: G.fn (eager) and torch.jit.script(G.fn) vs torch.autograd.grad "
                          "(one forward, one backward)")))


def fmt(values):
    """'median [min, max]' in ms, digits for the size of the numbers."""
    v = [x * 1e3 for x in values]
    m = statistics.median(v)
    digits = 1 if m >= 10 else 2 if m >= 1 else 3
    return f"{m:.{digits}f} [{min(v):.{digits}f}, {max(v):.{digits}f}]"


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def print_table(table, title, rows):
    """rows: [(loss, n, {table: {name: times}})]; ratios are each peer over each exported variant."""
    rows = [r for r in rows if table in r[2]]
    if not rows:
        return
    names = list(dict.fromkeys(name for r in rows for name in r[2][table]))
    ours = [n for n in names if n.startswith("exported")]
    pairs = [(p, o) for p in names if p not in ours for o in ours]
    print(f"\n### {title}\n")
    print("| loss | n | " + " | ".join(f"{n} (ms)" for n in names) + " | "
          + " | ".join(f"{p} / {o}" for p, o in pairs) + " |")
    print("|---|---|" + "---|" * (len(names) + len(pairs)))
    medians = {pair: [] for pair in pairs}
    for loss, n, tables in rows:
        t = tables[table]
        cells = [fmt(t[name]) if name in t else "-" for name in names]
        for p, o in pairs:
            if p in t and o in t:
                r = ratios(t[p], t[o])
                medians[p, o].append(statistics.median(r))
                cells.append(ratio_text(r))
            else:
                cells.append("-")
        print(f"| {loss} | {n} | " + " | ".join(cells) + " |")
    print()
    for (p, o), m in medians.items():
        print(f"Geometric mean of the median {p} / {o} ratios: {geomean(m):.2f}x ({len(m)} cases)  ")
    p, o = pairs[0]
    by_loss = {}
    for (loss, _, _tables), m in zip((r for r in rows if p in r[2][table] and o in r[2][table]), medians[p, o]):
        by_loss.setdefault(loss, []).append(m)
    print(f"Per loss, over n ({p} / {o}): " + ", ".join(f"{loss} {geomean(m):.2f}x" for loss, m in by_loss.items())
          + "  ")


def arguments():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=None, help="paired runs (at least 5; default 7, 3 with --quick)")
    ap.add_argument("--sizes", default=None, help="parameter dimensions n, comma-separated (default 50,100,200,500)")
    ap.add_argument("--N", type=int, default=None, help="data rows (default 1000)")
    ap.add_argument("--losses", default=None, help="comma-separated loss names to run (default all)")
    ap.add_argument("--quick", action="store_true", help="n = 10, 20, N = 200, three losses, 3 runs: a smoke test")
    ap.add_argument("--json", help="also write every time measured to this file (rewritten after each case)")
    ap.add_argument("--from-json", help="print the report of a run saved by --json, timing nothing")
    ap.add_argument("--single-thread", action="store_true", help="every contender on one core (see paired.py)")
    args = ap.parse_args()
    args.runs = args.runs or (3 if args.quick else 7)
    if args.runs < 5 and not args.quick:
        ap.error("--runs must be at least 5 (a median and a range need several runs)")
    args.sizes = [int(s) for s in (args.sizes or ("10,20" if args.quick else "50,100,200,500")).split(",")]
    args.N = args.N or (200 if args.quick else 1000)
    if args.losses:
        wanted = [s.strip() for s in args.losses.split(",")]
        unknown = [w for w in wanted if w not in {loss.name for loss in LOSSES}]
        if unknown:
            ap.error(f"unknown loss {unknown[0]!r}; the losses are {', '.join(loss.name for loss in LOSSES)}")
        args.losses = wanted
    else:
        args.losses = list(QUICK) if args.quick else [loss.name for loss in LOSSES]
    return args


def progress(text):
    print(text, file=sys.stderr, flush=True)


def measure(args, single):
    """Every case timed: the result as report() and --json take it."""
    import jax
    import jax.numpy as jnp
    import torch

    jax.config.update("jax_enable_x64", True)
    settle, target = (0.02, 0.005) if args.quick else (SETTLE, 0.02)
    result = {"machine": machine_line((f"jax {jax.__version__}",
                                       f"torch {torch.__version__} (torch threads: {torch.get_num_threads()})")),
              "quick": args.quick, "single_thread": single, "N": args.N, "runs": args.runs, "target_ms": target * 1e3,
              "rows": [], "built": [], "notes": [], "refused": [], "wrong": []}

    def save():
        result["load_at_end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(result, fh, indent=1)

    for loss in (loss for loss in LOSSES if loss.name in args.losses):
        progress(f"deriving {loss.name} ...")
        built = build(loss)
        if isinstance(built, str):
            result["refused"].append(f"{loss.name}: {built}")
            continue
        result["built"].append((loss.name, built.build_s))
        result["notes"].extend(f"{loss.name}, {kind}: torch.jit.script {why}"
                               for kind, why in built.scripted.items() if isinstance(why, str))
        for n in args.sizes:
            if loss.data is softmax_data and n % CLASSES:
                continue
            if loss.max_n and n > loss.max_n:
                result["notes"].append(f"{loss.name}, n = {n}: not run (the peers' Hessians cost N n^3; "
                                       f"this loss runs to n = {loss.max_n})")
                continue
            started = time.perf_counter()
            arrays = loss.data(n, args.N, np.random.default_rng(n))
            p = np.asarray(arrays[loss.wrt]).size
            timed = {}
            for table, found in contenders(built, arrays, jax, jnp, torch).items():
                bad, slow = checked(found, (p, p) if "hessian" in table else (p,), SLOW)
                if bad:
                    result["wrong"].extend(f"{loss.name}, n = {n}, {table}: {b}" for b in bad)
                    continue
                for name, seconds in slow.items():
                    del found[name]
                    result["notes"].append(f"{loss.name}, n = {n}, {table}: {name} not timed, "
                                           f"one call took {seconds:.2f} s")
                progress(f"  n = {n}: timing {table}")
                timed[table] = paired(found, args.runs, settle, target)
            result["rows"].append((loss.name, n, timed))
            progress(f"  n = {n}: {time.perf_counter() - started:.0f} s")
            save()
    save()
    return result


def report(result):
    print(("QUICK smoke run (small sizes, short pauses): not a record.  " if result["quick"] else "")
          + ("One thread for every contender.  " if result["single_thread"] else "") + result["machine"]
          + f" at the start; {result['load_at_end']} at the end.")
    print(f"\nN = {result['N']} data rows; float64; {result['runs']} paired runs; each time the mean of a batch of "
          f"calls taking >= {result['target_ms']:.0f} ms; ratios peer / exported, > 1 means the exported kernel "
          "is faster.")
    for table, title in TABLES:
        print_table(table, title, result["rows"])
    if result["built"]:
        print("\nderive.differentiate + derive.kernel (gradient and Hessian, JAX and PyTorch, each validated), "
              "seconds: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in result["built"]) + "  ")
    for line in result["notes"]:
        print(f"{line}  ")
    for line in result["refused"]:
        print(f"derive refused {line}  ")
    for line in result["wrong"]:
        print(f"WRONG: {line}  ")


def main():
    args = arguments()
    if args.from_json:
        with open(args.from_json) as fh:
            result = json.load(fh)
    else:
        result = measure(args, single_threaded(sys.argv))  # --single-thread re-runs the script first
    report(result)
    if result["wrong"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
