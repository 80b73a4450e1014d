"""Show the work: derivations step by step, wrong answers located, and pictures of results.

The crash course's examples, each derivation a list of checked steps:
sigmoid(w*x + b) by the chain rule; x^T A x in differentials; the index-
notation trap with its two Kronecker deltas; then the lessons' mistakes, each
pinned to the step it went wrong at; then the pictures the README shows
(written to OUTDIR, docs/img for the README):

    python examples/show_the_work.py [OUTDIR]
"""

import sys
from pathlib import Path

import derive
from derive.present.plots import finish

DERIVATIONS = [
    ("sigmoid(w*x + b)", "w", {}),
    ("x.T @ A @ x", "x", {"symbols": "A: n x n, x: n"}),
    ("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]", {}),
]

MISTAKES = [
    ("the crash course's dsigmoid", "1/(1 + exp(-z))", "z", "2*s*(1 - s)", {"let": "s = 1/(1 + exp(-z))"}),
    ("the direction field's fy = 2y", "x**2 + y**3", "x y", "[2*x, 2*y]", {}),
    ("the lab's dropped index term", "sum(w[i,j]*x[i]*x[j], i, j)", "x[k]", "sum(w[k,j]*x[j], j)", {}),
    ("a missing chain-rule factor", "sigmoid(w*x + b)", "w", "sigmoid(w*x + b)*(1 - sigmoid(w*x + b))*w", {}),
    ("a transpose lost in least squares", "norm(A@x - b)**2/2", "x", "A @ (A@x - b)",
     {"symbols": "A: n x n, x: n, b: n"}),
]


def main(outdir="."):
    outdir = Path(outdir)
    steps = {}
    for f, wrt, options in DERIVATIONS:
        d = derive.differentiate(f, wrt, **options)
        steps[f] = d.steps
        print(f"== d/d{wrt} {f}")
        print(d.steps)
        print()
    found = {}
    for title, f, wrt, claim, options in MISTAKES:
        v = derive.check(f, wrt, claim, **options)
        found[title] = v
        print(f"== {title}: {claim}")
        print(f"   {v.explanation}")
        print(f"   step: {v.step}")
    pictures = {
        "derivative_steps.png": derive.differentiate("x**2 + y**3", "x y").plot(at={"x": 1, "y": -0.5}),
        "critical_points_map.png": derive.critical_points("x**3 - 3*x + y**3 - 3*y").plot(),
        "svm_kkt_slice.png": derive.kkt("a**2 + b**2", "a b c",
                                        st=["-c >= 1", "a + 2*b + c >= 1", "2*a + b + c >= 1"]).plot(),
    }
    paths = {}
    for name, fig in pictures.items():
        paths[name] = finish(fig, outdir / name, dpi=80)
        print(f"plot written to {paths[name]}")
    return {"steps": steps, "verdicts": found, "plots": paths}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
