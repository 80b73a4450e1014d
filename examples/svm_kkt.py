"""Lesson 7: the support vector machine as a constrained problem, solved exactly.

Points (0, 0) in class -1 and (1, 2), (2, 1) in class +1; the widest-margin
line a x + b y + c = 0 solves

    minimize a^2 + b^2   subject to   -(0a + 0b + c) >= 1,  1a + 2b + c >= 1,  2a + 1b + c >= 1

derive enumerates the active sets and finds the exact answer a = b = 2/3,
c = -1, objective 8/9 (SciPy's SLSQP, as in the lesson: 0.8888888888888942).
The lesson's six-point variant adds (-1, -1), (-3, -1) to class -1 and (3, 3)
to class +1 and gets the same line: the three new constraints are inactive
(zero multipliers) — those points lie beyond the margin, so they do not
matter.

    python examples/svm_kkt.py [OUTDIR]
"""

import sys

import numpy as np

import derive
from derive.present.plots import pyplot, save

THREE = {-1: [(0, 0)], +1: [(1, 2), (2, 1)]}
SIX = {-1: [(0, 0), (-1, -1), (-3, -1)], +1: [(1, 2), (2, 1), (3, 3)]}


def constraints(points):
    return [f"{label}*({x}*a + {y}*b + c) >= 1" for label, pts in points.items() for x, y in pts]


def slsqp(points):
    """The lesson's SciPy solution, for comparison (None without SciPy)."""
    try:
        from scipy.optimize import minimize
    except ImportError:  # pragma: no cover
        return None
    cons = [{"type": "ineq", "fun": (lambda w, s=s, x=x, y=y: s * (x * w[0] + y * w[1] + w[2]) - 1)}
            for s, pts in points.items() for x, y in pts]
    res = minimize(lambda w: w[0] ** 2 + w[1] ** 2, np.array([1.0, 1.0, 1.0]), method="SLSQP",
                   bounds=((-10, 10),) * 3, constraints=cons)
    return res


def main(outdir="."):
    plt = pyplot()

    results = {}
    for name, points in (("three points", THREE), ("six points", SIX)):
        problem = derive.kkt("a**2 + b**2", "a b c", st=constraints(points))
        solution = problem.solve()
        best = solution[0]
        print(f"== {name}")
        print(problem if name == "three points" else "")
        print(solution)
        ref = slsqp(points)
        if ref is not None:
            print(f"SciPy SLSQP: objective {ref.fun!r}, solution {ref.x}")
        results[name] = {"problem": problem, "best": best, "slsqp": ref}

    fig, ax = plt.subplots(figsize=(5.5, 5))
    best = results["six points"]["best"]
    a, b, c = (float(best.x[s]) for s in sorted(best.x, key=str))
    xs = np.linspace(-4, 4, 2)
    for offset, style in ((0, "k-"), (1, "k--"), (-1, "k--")):
        ax.plot(xs, (offset - c - a * xs) / b, style, lw=1)
    for label, pts in SIX.items():
        ax.scatter(*zip(*pts), s=60, marker="o" if label > 0 else "s", label=f"class {label:+d}")
    ax.set_xlim(-4, 4)
    ax.set_ylim(-4, 4)
    ax.legend()
    ax.set_title("2/3 x + 2/3 y - 1 = 0 and its margins")
    out = save(fig, outdir, "svm_kkt.png", dpi=100)
    results["plot"] = str(out)
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
