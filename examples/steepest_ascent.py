"""Lesson 3: the gradient of f(x, y) = x^2 + y^3 and the direction of steepest ascent.

The crash course finds the steepest direction at (2, 3) by trying every angle
in steps of 0.1 degrees; the gradient (2x, 3y^2) = (4, 27) predicts it.  Its
direction-field code used `fy = 2*y` for the y-derivative (it should be
3*y**2): `codegen.gradcheck` catches that bug.

    python examples/steepest_ascent.py [OUTDIR]
"""

import sys

import numpy as np

import codegen
import derive
from derive.present.plots import pyplot, save


def f(x, y):
    return x**2 + y**3


def steepest_angle_by_search(x, y, step=1e-6):
    """The lesson's search: the angle (degrees, clockwise from +y as in the lesson:
    dx = sin, dy = cos) with the largest rate of change."""
    angles = np.arange(0, 360, 0.1)
    rad = np.deg2rad(angles)
    dx, dy = np.sin(rad) * step, np.cos(rad) * step
    rates = (f(x + dx, y + dy) - f(x - dx, y - dy)) / (2 * step)
    best = int(np.argmax(rates))
    return angles[best], rates[best]


def main(outdir="."):
    plt = pyplot()

    d = derive.differentiate("x**2 + y**3", "x y")
    print(d)
    at = d.at({"x": 2, "y": 3})
    gx, gy = (float(v) for v in at.exact)
    print(at)

    angle, rate = steepest_angle_by_search(2.0, 3.0)
    predicted = np.rad2deg(np.arctan2(gx, gy)) % 360  # same angle convention as the search
    print(f"search over angles: steepest ascent at {angle:.1f} deg, rate {rate:.4f}")
    print(f"gradient (4, 27): angle {predicted:.2f} deg, |grad f| = {np.hypot(gx, gy):.4f}")

    # The published direction-field code differentiated y^3 as 2*y:
    buggy = codegen.gradcheck(lambda v: f(*v), lambda v: np.array([2 * v[0], 2 * v[1]]), [2.0, 3.0],
                              names=["x", "y"])
    fixed = codegen.gradcheck(lambda v: f(*v), lambda v: np.array([2 * v[0], 3 * v[1] ** 2]), [2.0, 3.0],
                              names=["x", "y"])
    print("crash-course field, fy = 2*y:    ", buggy)
    print("corrected field,   fy = 3*y**2:  ", fixed)

    grid = np.linspace(-10, 10, 20)
    xv, yv = np.meshgrid(grid, grid, indexing="ij")
    kernel = codegen.kernel(d.result, list(d.wrt), backend="numpy")
    field = kernel(xv, yv)[..., :, 0]  # shape (20, 20, 2)
    fx, fy = field[..., 0], field[..., 1]
    size = np.hypot(fx, fy)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.quiver(xv, yv, fx / size, fy / size, size, cmap="viridis")
    ax.set_title("direction of steepest ascent of x² + y³")
    path = save(fig, outdir, "steepest_ascent.png", dpi=100)
    return {"gradient": (gx, gy), "search_angle": float(angle), "predicted_angle": float(predicted),
            "search_rate": float(rate), "buggy": buggy, "fixed": fixed, "plot": str(path)}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
