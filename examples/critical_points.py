"""Lessons 6 and the lab: critical points and what the Hessian says about them.

x1^2 + x2^2 (a minimum), x1^2 - x2^2 (a saddle), -x1^2 - x2^2 (a maximum),
x^3 - 2x^2 + 1 (a maximum at 0 and a minimum at 4/3), log x (none: 1/x never
vanishes), and x^4 / x^3 where the Hessian is singular and higher-order
derivatives decide.

    python examples/critical_points.py [OUTDIR]
"""

import sys

import numpy as np

import derive
from derive.plots import pyplot, save

FUNCTIONS = ["x1**2 + x2**2", "x1**2 - x2**2", "-x1**2 - x2**2", "x**3 - 2*x**2 + 1", "log(x)", "x**4", "x**3"]


def main(outdir="."):
    plt = pyplot()

    results = {}
    for f in FUNCTIONS:
        found = derive.critical_points(f)
        results[f] = found
        print(found)
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
