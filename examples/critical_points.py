"""Lessons 6 and the lab: critical points and what the Hessian says about them.

x1^2 + x2^2 (a minimum), x1^2 - x2^2 (a saddle), -x1^2 - x2^2 (a maximum),
x^3 - 2x^2 + 1 (a maximum at 0 and a minimum at 4/3), log x (none: 1/x never
vanishes), and x^4 / x^3 where the Hessian is singular and higher-order
derivatives decide.

x^4 - 3x^2 + x has three real critical points (-1.3008, 0.1699, 1.1309: min,
max, min) that SymPy's cubic formula writes with I (the casus irreducibilis);
derive keeps them exact, in trigonometric form, and says why they are real.

With parameters (symbols not in wrt) the points come with conditions:
a x^2 + b x over x has x = -b/(2a), a minimum if a > 0 and a maximum if a < 0;
when a = 0 there is none (b != 0) or every x is critical (b = 0).

    python examples/critical_points.py [OUTDIR]
"""

import sys

import numpy as np

import derive
from derive.present.plots import pyplot, save

FUNCTIONS = ["x1**2 + x2**2", "x1**2 - x2**2", "-x1**2 - x2**2", "x**3 - 2*x**2 + 1", "log(x)", "x**4", "x**3",
             "x**4 - 3*x**2 + x"]
PARAMETRIC = [("a*x**2 + b*x", "x"), ("(x - a)**2 + y**2", "x y"), ("x**2 + a*y**2 + b*x*y", "x y")]


def parametric_examples():
    """Critical points in terms of parameters, and a KKT problem with one."""
    results = {}
    for f, wrt in PARAMETRIC:
        results[f] = derive.critical_points(f, wrt)
        print(results[f])
    problem = derive.kkt("(x - a)**2", "x", st=["x >= 0"])
    results["kkt"] = problem.solve()
    print(results["kkt"])
    return results


def main(outdir="."):
    plt = pyplot()

    results = {}
    for f in FUNCTIONS:
        found = derive.critical_points(f)
        results[f] = found
        print(found)
    results.update(parametric_examples())
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    g = np.linspace(-2, 2, 200)
    X1, X2 = np.meshgrid(g, g)
    for ax, (f, Z) in zip(axes, [(FUNCTIONS[0], X1**2 + X2**2), (FUNCTIONS[1], X1**2 - X2**2),
                                 (FUNCTIONS[2], -X1**2 - X2**2)]):
        ax.contour(X1, X2, Z, levels=15, cmap="viridis")
        for p in results[f]:
            ax.plot(0, 0, "r*", ms=14)
            ax.set_title(f"{f}: {p.kind}, eigenvalues {', '.join(map(str, p.eigenvalues))}")
        ax.set_aspect("equal")
    out = save(fig, outdir, "critical_points.png", dpi=100)
    results["plot"] = str(out)
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
