"""Change of variables for a density: p_Y(y) = p_X(g^-1(y)) |det J_{g^-1}(y)|.

1. Polar coordinates: (r, theta) -> (r cos theta, r sin theta) has Jacobian
   determinant r, so the standard normal in the plane becomes
   p(r, theta) = r exp(-r^2/2) / (2 pi): it integrates to 1, and a histogram
   of sampled radii follows r exp(-r^2/2).
2. y = exp(x) with x ~ N(0, 1): p_Y(y) = p_X(log y) |d log y / dy| — the
   log-normal density, checked against samples.

    python examples/change_of_variables.py [OUTDIR]
"""

import sys

import numpy as np
import sympy

import derive
from derive.present.plots import pyplot, save


def main(outdir="."):
    plt = pyplot()

    J = derive.jacobian("[r*cos(theta), r*sin(theta)]", "r theta", symbols="r: positive, theta: real")
    detJ = sympy.simplify(J.det())
    print("Jacobian of polar coordinates:", derive.to_text(J), " det =", derive.to_text(detJ))
    r, theta = sorted(J.free_symbols, key=lambda s: s.name)
    p_xy = sympy.exp(-(r**2) / 2) / (2 * sympy.pi)  # x^2 + y^2 = r^2
    p_polar = sympy.simplify(p_xy * abs(detJ))
    total = sympy.integrate(p_polar, (r, 0, sympy.oo), (theta, 0, 2 * sympy.pi))
    print("p(r, theta) =", derive.to_text(p_polar), "; integrates to", total)

    rng = np.random.default_rng(0)
    radii = np.hypot(*rng.normal(size=(2, 200_000)))
    density_r = sympy.lambdify(r, sympy.integrate(p_polar, (theta, 0, 2 * sympy.pi)))
    counts, edges = np.histogram(radii, bins=60, range=(0, 4.5), density=True)
    centers = (edges[:-1] + edges[1:]) / 2
    radial_error = float(np.max(np.abs(counts - density_r(centers))))
    print("max |histogram of radii - r exp(-r^2/2)| =", round(radial_error, 4))

    # y = exp(x): dx/dy = 1/y
    y = sympy.Symbol("y", positive=True)
    dxdy = derive.grad("log(y)", "y", symbols="y: positive")[0]
    p_y = sympy.exp(-sympy.log(y) ** 2 / 2) / sympy.sqrt(2 * sympy.pi) * abs(dxdy)
    print("log-normal density:", derive.to_text(p_y))
    samples = np.exp(rng.normal(size=200_000))
    counts_y, edges_y = np.histogram(samples, bins=80, range=(0, 6), density=True)
    mids = (edges_y[:-1] + edges_y[1:]) / 2
    density_y = sympy.lambdify(y, p_y)(mids)
    lognormal_error = float(np.max(np.abs(counts_y * (np.sum(samples < 6) / samples.size) - density_y)))
    print("max |histogram of exp(x) - density| =", round(lognormal_error, 4))

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.bar(centers, counts, width=edges[1] - edges[0], alpha=0.4, label="radius of 2-D normal samples")
    a.plot(centers, density_r(centers), "k", label="r exp(-r²/2) from |det J| = r")
    a.legend()
    b.bar(mids, counts_y, width=edges_y[1] - edges_y[0], alpha=0.4, label="exp(x), x ~ N(0, 1)")
    b.plot(mids, density_y, "k", label="p(log y) / y")
    b.legend()
    out = save(fig, outdir, "change_of_variables.png", dpi=100)
    return {"det": detJ, "total": total, "radial_error": radial_error, "lognormal_error": lognormal_error,
            "plot": str(out)}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
