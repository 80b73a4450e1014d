"""Lagrange multipliers and KKT points, exactly, with pictures.

1. max xy subject to x + y = 10: x = y = 5, value 25, multiplier 5
   (one more unit of budget raises the best product by about 5);
2. projection onto the unit circle: min (x - 2)^2 + (y - 1)^2 s.t.
   x^2 + y^2 = 1 -> (2, 1)/sqrt(5); the opposite point is the maximum;
3. maximum entropy on the probability simplex: -sum p log p with
   sum p = 1, p >= 0 -> the uniform distribution, value log 3 (the
   constraints p >= 0 are inactive).

    python examples/constrained_optimization.py [OUTDIR]
"""

import sys

import numpy as np

import derive
from derive.present.plots import pyplot, save


def main(outdir="."):
    plt = pyplot()

    budget = derive.kkt("x*y", "x y", eq=["x + y = 10"], sense="max")
    s_budget = budget.solve()
    print(s_budget, "\n")
    circle = derive.kkt("(x - 2)**2 + (y - 1)**2", "x y", eq=["x**2 + y**2 = 1"])
    s_circle = circle.solve()
    print(s_circle, "\n")
    entropy = derive.kkt("-(p1*log(p1) + p2*log(p2) + p3*log(p3))", "p1 p2 p3", eq=["p1 + p2 + p3 = 1"],
                         st=["p1 >= 0", "p2 >= 0", "p3 >= 0"], sense="max")
    s_entropy = entropy.solve()
    print(s_entropy)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    g = np.linspace(-1, 11, 300)
    X, Y = np.meshgrid(g, g)
    left.contour(X, Y, X * Y, levels=20, cmap="viridis")
    left.plot(g, 10 - g, "r-", label="x + y = 10")
    for p in s_budget:
        left.plot(float(p.x[budget.wrt[0]]), float(p.x[budget.wrt[1]]), "k*", ms=14, label=f"{p.kind}, xy = 25")
    left.set_title("max xy subject to x + y = 10")
    left.legend()
    g = np.linspace(-2, 3, 300)
    X, Y = np.meshgrid(g, g)
    right.contour(X, Y, (X - 2) ** 2 + (Y - 1) ** 2, levels=20, cmap="viridis")
    t = np.linspace(0, 2 * np.pi, 200)
    right.plot(np.cos(t), np.sin(t), "r-", label="x² + y² = 1")
    for p in s_circle:
        right.plot(float(p.x[circle.wrt[0]]), float(p.x[circle.wrt[1]]), "k*" if p.kind == "min" else "kx",
                   ms=12, label=p.kind)
    right.set_aspect("equal")
    right.set_title("projection of (2, 1) onto the unit circle")
    right.legend()
    out = save(fig, outdir, "constrained_optimization.png", dpi=100)
    return {"budget": s_budget, "circle": s_circle, "entropy": s_entropy, "plot": str(out),
            "problems": (budget, circle, entropy)}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
