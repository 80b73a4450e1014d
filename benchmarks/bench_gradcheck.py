"""gradcheck at scale: correct gradients and gradients with one entry 0.1 % off.

Problem 1, a 1,908-parameter MLP: X (64 x 10) -> tanh(X W1 + b1) (100 hidden)
-> W2 (100 x 8) + b2, loss 0.5 * sum((out - Y)^2) / 64; parameters W1, b1, W2,
b2.  The wrong backward() multiplies dL/dW1[3, 7] by 1.001.

Problem 2, a cheap function where the cost of a call is mostly overhead: the
logistic loss sum(log(1 + exp(-y X w))) with 200 weights and 32 samples; the
wrong gradient multiplies entry 17 by 1.001.  Both losses broadcast over a
leading axis (batch=True).

Contenders, interleaved (A, B, C, ... then again) for RUNS rounds:

* codegen.gradcheck: every entry at x and 3 random points (the default);
  again with ``points=0`` (x only, like the peers); and with ``batch=True``
  (the loss broadcasts over a leading axis of the parameters);
* scipy.optimize.check_grad: forward differences with step 1.49e-8, returns
  ||claimed - estimate||_2; the user must pick a threshold (shown raw here);
* fixed-step central differences with torch.autograd.gradcheck's defaults
  (eps = 1e-6, atol = 1e-5, rtol = 1e-3), written in NumPy because torch is
  not installed.  jax.test_util.check_grads is not a peer: it checks JAX's own
  derivatives of a JAX function, not a gradient the user wrote.

"evals / entry" counts evaluations of f per parameter per point checked.

    python benchmarks/bench_gradcheck.py [--runs 5]
"""

import argparse
import os
import platform
import statistics
import time
from datetime import date

import numpy as np
import scipy
import scipy.optimize

import codegen

N, D, H, K = 64, 10, 100, 8
BAD_ENTRY = (3, 7)  # of W1


def make_logistic(seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(32, 200)), rng.choice([-1.0, 1.0], 32)
    params = {"w": rng.normal(size=200) * 0.1}

    def loss(p):
        return np.sum(np.logaddexp(0, -y * (p["w"] @ X.T)), axis=-1)

    def backward(p, wrong=False):
        g = -X.T @ (y / (1 + np.exp(y * (X @ p["w"]))))
        if wrong:
            g[17] *= 1.001
        return {"w": g}

    return params, loss, backward


def make_mlp(seed=0):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(N, D)), rng.normal(size=(N, K))
    params = {"W1": rng.normal(size=(D, H)) / 3, "b1": rng.normal(size=H) * 0.1,
              "W2": rng.normal(size=(H, K)) / 10, "b2": rng.normal(size=K) * 0.1}

    def loss(p):  # also takes a batch: every parameter with a leading axis
        h = np.tanh(X @ p["W1"] + p["b1"][..., None, :])
        out = h @ p["W2"] + p["b2"][..., None, :]
        return 0.5 * np.sum((out - Y) ** 2, axis=(-2, -1)) / N

    def backward(p, wrong=False):
        h = np.tanh(X @ p["W1"] + p["b1"])
        dout = (h @ p["W2"] + p["b2"] - Y) / N
        dh = dout @ p["W2"].T * (1 - h**2)
        g = {"W1": X.T @ dh, "b1": dh.sum(0), "W2": h.T @ dout, "b2": dout.sum(0)}
        if wrong:
            g["W1"] = g["W1"].copy()
            g["W1"][BAD_ENTRY] *= 1.001
        return g

    return params, loss, backward


class Flat:
    """The same problem on one flat vector, for the peers."""

    def __init__(self, params, loss, backward):
        self.keys = list(params)
        self.shapes = [params[k].shape for k in self.keys]
        self.sizes = [params[k].size for k in self.keys]
        self.x = np.concatenate([params[k].ravel() for k in self.keys])
        self.loss, self.backward, self.evals = loss, backward, 0

    def unflat(self, v):
        out, i = {}, 0
        for k, s, n in zip(self.keys, self.shapes, self.sizes):
            out[k] = v[i:i + n].reshape(s)
            i += n
        return out

    def f(self, v):
        self.evals += 1
        return float(self.loss(self.unflat(v)))

    def g(self, v, wrong):
        grads = self.backward(self.unflat(v), wrong)
        return np.concatenate([grads[k].ravel() for k in self.keys])


def torch_style(flat, wrong, eps=1e-6, atol=1e-5, rtol=1e-3):
    """torch.autograd.gradcheck's rule on a scalar loss: central differences with a fixed step."""
    x, claimed = flat.x.copy(), flat.g(flat.x, wrong)
    estimate = np.empty_like(x)
    for j in range(x.size):
        keep = x[j]
        x[j] = keep + eps
        up = flat.f(x)
        x[j] = keep - eps
        down = flat.f(x)
        x[j] = keep
        estimate[j] = (up - down) / (2 * eps)
    ok = np.all(np.abs(claimed - estimate) <= atol + rtol * np.abs(estimate))
    return "ok" if ok else "mismatch", 1


def scipy_check(flat, wrong):
    err = scipy.optimize.check_grad(flat.f, lambda v: flat.g(v, wrong), flat.x)
    return f"error norm {err:.2g}", 1


def ours(points=3, batch=False):
    def run(problem, wrong):
        params, loss, backward = problem
        r = codegen.gradcheck(loss, lambda p: backward(p, wrong), params, points=points, batch=batch)
        named = r.status + (f" ({r.entry_name(r.worst)})" if r.status == "mismatch" else "")
        return named, r.evals, len(r.points)
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for title, problem in (("MLP, 1,908 parameters", make_mlp()), ("logistic loss, 200 weights", make_logistic())):
        bench(title, problem, args.runs)


def bench(title, problem, runs):
    n = sum(v.size for v in problem[0].values())
    contenders = [
        ("codegen.gradcheck (x + 3 random points)", "ours", ours()),
        ("codegen.gradcheck, points=0 (x only)", "ours", ours(points=0)),
        ("codegen.gradcheck, batch=True (x + 3 random points)", "ours", ours(batch=True)),
        ("scipy.optimize.check_grad (forward, step 1.5e-8)", "peer", scipy_check),
        ("fixed-step central, torch.autograd.gradcheck defaults (NumPy)", "peer", torch_style),
    ]
    results = {}
    for _ in range(runs):
        for label, kind, fn in contenders:
            for wrong in (False, True):
                flat = Flat(*problem)
                start = time.perf_counter()
                if kind == "ours":
                    verdict, evals, npts = fn(problem, wrong)
                else:
                    verdict, npts = fn(flat, wrong)
                    evals = flat.evals
                seconds = time.perf_counter() - start
                results.setdefault((label, wrong), []).append((seconds, verdict, evals / (n * npts)))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"gradcheck, {title}: {date.today()}, {platform.machine()} ({os.cpu_count()} cores), "
          f"Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}; "
          f"{runs} interleaved runs; load average {load:.1f} at the end")
    print()
    print("| checker | gradient | verdict | evals / entry | seconds (median) | range |")
    print("|---|---|---|---|---|---|")
    for label, _, _ in contenders:
        for wrong in (False, True):
            rows = results[(label, wrong)]
            secs = [r[0] for r in rows]
            verdicts = sorted({r[1] for r in rows})
            per_entry = statistics.median(r[2] for r in rows)
            print(f"| {label} | {'one entry x 1.001' if wrong else 'correct'} | {' / '.join(verdicts)} | "
                  f"{per_entry:.2f} | {statistics.median(secs):.3f} | {min(secs):.3f}–{max(secs):.3f} |")
    print()


if __name__ == "__main__":
    main()
