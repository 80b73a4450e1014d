"""The lab: gradient descent on L(x) = 1/2 ||A x - b||^2, written in components for 2-D x.

    L(x1, x2) = 1/2 sum_i (a_i1 x1 + a_i2 x2 - b_i)^2

derive's gradient of the component form must equal A^T (A x - b); a compiled
kernel of it drives gradient descent with step 1/L (L = largest eigenvalue of
A^T A), which converges to the least-squares solution numpy.linalg.lstsq finds.
The same loss in matrix notation, sum((A@x - b)**2)/2 (** on a vector squares
each entry, as in NumPy), gives A^T (A x - b) directly, and a homework answer
to the ridge version that forgets the 2 of lam*x^T x is told which term is off.

    python examples/least_squares_gd.py [OUTDIR]
"""

import sys

import numpy as np
import sympy

import codegen
import derive
from derive.present.plots import pyplot, save

A = np.array([[2.0, 1.0], [1.0, 3.0], [0.5, -1.0]])
b = np.array([1.0, 2.0, -0.5])


def loss_text():
    terms = [f"({sympy.nsimplify(a1)}*x1 + {sympy.nsimplify(a2)}*x2 - {sympy.nsimplify(bi)})**2"
             for (a1, a2), bi in zip(A, b)]
    return "(" + " + ".join(terms) + ")/2"


def main(outdir=".", iterations=200):
    plt = pyplot()

    d = derive.differentiate(loss_text(), "x1 x2")
    print(d)
    grad = codegen.kernel(d.result, list(d.wrt), backend="numba")

    # the component gradient is A^T (A x - b) at random points
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(5, 2))
    ours = grad(pts[:, 0], pts[:, 1])[:, :, 0]
    matrix_form = (pts @ A.T - b) @ A
    print("max |grad - A^T(Ax - b)| at 5 random points:", float(np.max(np.abs(ours - matrix_form))))

    step = 1.0 / np.linalg.eigvalsh(A.T @ A).max()
    x = np.array([-2.0, 2.5])
    path = [x.copy()]
    for _ in range(iterations):
        x = x - step * grad(x[0], x[1])[:, 0]
        path.append(x.copy())
    path = np.array(path)
    lstsq = np.linalg.lstsq(A, b, rcond=None)[0]
    print(f"gradient descent after {iterations} steps: {x}, lstsq: {lstsq}, "
          f"distance {np.linalg.norm(x - lstsq):.2e}")

    # the same loss in matrix notation, and a ridge homework answer missing a factor 2
    matrix = derive.grad("sum((A@x - b)**2)/2", "x", symbols="A: m x n, x: n, b: m")
    textbook = derive.check("sum((A@x - b)**2)/2", "x", "A.T@(A@x - b)", symbols="A: m x n, x: n, b: m")
    print("in matrix notation:", derive.to_text(matrix), "-", textbook.explanation)
    ridge = derive.check("sum((A@x - b)**2)/2 + lam*x.T@x", "x", "A.T@(A@x - b) + lam*x",
                         symbols="A: m x n, x: n, b: m")
    print("ridge homework:", ridge.explanation)

    g1, g2 = np.meshgrid(np.linspace(-2.5, 2.5, 200), np.linspace(-1.5, 3, 200))
    loss = 0.5 * sum((A[i, 0] * g1 + A[i, 1] * g2 - b[i]) ** 2 for i in range(len(b)))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contour(g1, g2, np.log(loss + 1e-3), levels=25, cmap="viridis")
    ax.plot(path[:, 0], path[:, 1], ".-", color="crimson", ms=3, label="gradient descent")
    ax.plot(*lstsq, "k*", ms=12, label="lstsq")
    ax.legend()
    ax.set_title("1/2 ||Ax - b||², step 1/L")
    out = save(fig, outdir, "least_squares_gd.png", dpi=100)
    return {"x": x, "lstsq": lstsq, "max_diff_matrix_form": float(np.max(np.abs(ours - matrix_form))),
            "textbook": textbook, "ridge": ridge, "plot": str(out)}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
