"""Convexity homework: "show that the Hessian is PSD", or find where it is not.

The logistic loss in all three notations derive reads (scalar variables,
matrix notation, index notation), least squares and ridge, log-sum-exp,
negative entropy; then functions that are not convex, each with a point and a
direction of negative curvature confirmed in exact arithmetic; and one that
derive does not decide (its domain x != 0 is not convex), with what to declare.

The figure shows f along the counterexample's line for sin(x) and x^2 - y^2:
the curve lies above its chord, which a convex function never does.

    python examples/convexity.py [OUTDIR]
"""

import sys

import numpy as np

import codegen
import derive
from derive.present.plots import pyplot, save

CONVEX = [
    ("logistic loss, one example", "log(1 + exp(-y*(w*x + b)))", "w b", None),
    ("logistic loss, matrix notation", "sum(softplus(X@w)) - y.T@X@w", "w", "X: n x d, w: d, y: n"),
    ("logistic loss, labels +-1", "sum(softplus(-hadamard(y, X@w)))", "w", "X: n x d, w: d, y: n sign"),
    ("logistic loss, index notation", "sum(log(1 + exp(-y[i]*sum(w[j]*x[i,j], j))), i)", "w[k]", None),
    ("least squares", "norm(X@w - y)**2", "w", "X: n x d, w: d, y: n"),
    ("ridge", "norm(X@w - y)**2 + lam*norm(w)**2", "w", "X: n x d, w: d, y: n; lam: positive"),
    ("log-sum-exp", "log(exp(x) + exp(y) + exp(z))", "x y z", None),
    ("log-sum-exp, index notation", "log(sum(exp(z[i]), i))", "z[k]", None),
    ("negative entropy", "sum(p[i]*log(p[i]), i)", "p[k]", None),
    ("quadratic over linear", "x**2/y", "x y", "y: positive"),
    ("Bernoulli negative log-likelihood", "-sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)", "p", "y: binary"),
]
NOT_CONVEX = [("x**2 - y**2", "x y"), ("sin(x)", "x"), ("x**3", "x"), ("log(x) + x**2", "x")]
UNDECIDED = ("x**2 + 1/x**2", "x")


def main(outdir="."):
    results = {}
    for title, f, wrt, let in CONVEX:
        answer = derive.convexity(f, wrt, let)
        print(f"# {title}\n{answer}\n")
        results[title] = answer
    for f, wrt in NOT_CONVEX:
        answer = derive.convexity(f, wrt)
        print(f"{answer}\n")
        results[f] = answer
    undecided = derive.convexity(*UNDECIDED)
    print(undecided)
    results["undecided"] = undecided
    results["undecided, declared"] = derive.convexity(*UNDECIDED, "x: positive")
    results["plot"] = str(plot_chords(results, outdir))
    return results


def plot_chords(results, outdir):
    """f along x0 + t v through each counterexample, with the chord between t = -1 and t = 1."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, f in zip(axes, ("sin(x)", "x**2 - y**2")):
        c = results[f].counterexample
        variables = list(c["point"])
        x0 = np.array([float(c["point"][s]) for s in variables])
        v = np.array([float(c["direction"][s]) for s in variables])
        v = v * 0.5 / np.max(np.abs(v))
        line = codegen.kernel(results[f].f, variables, backend="numpy")
        t = np.linspace(-1, 1, 201)

        def along(s, line=line, x0=x0, v=v):  # f at x0 + s v (bound now: ruff's B023)
            return line(*(x0 + np.multiply.outer(s, v)).T)

        ax.plot(t, along(t) * np.ones_like(t), label="f(x0 + t v)")
        ax.plot([-1, 1], [along(-1.0), along(1.0)], "r--", label="chord")
        ax.plot(0, along(0.0), "ko")
        ax.set_title(f"{f}: v^T H v = {float(c['curvature_value']):.3g} < 0")
        ax.legend()
    return save(fig, outdir, "convexity.png", dpi=100)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
