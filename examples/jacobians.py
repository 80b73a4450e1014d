"""Lesson 4: Jacobians of (2xy, x^2 y) and of three sigmoids of linear forms.

    f(x, y) = (sigmoid(p x + q y), sigmoid(r x + s y), sigmoid(t x + u y))

has the 3 x 2 Jacobian whose row i is s_i (1 - s_i) times the coefficients of
its linear form.  derive returns it in that layout (row i = gradient of
output i) and validates it by finite differences, constants p..u included.

    python examples/jacobians.py
"""

import numpy as np

import codegen
import derive


def main(outdir=None):
    J1 = derive.jacobian("[2*x*y, x**2*y]", "x y")
    print("Jacobian of (2xy, x^2 y):")
    print(derive.to_text(J1))

    F = "[sigmoid(p*x + q*y), sigmoid(r*x + s*y), sigmoid(t*x + u*y)]"
    d = derive.differentiate(F, "x y", "jacobian")
    print(d)

    # the closed form every row should have: s (1 - s) * (coefficients)
    coeffs = {"p": 0.5, "q": -1.0, "r": 2.0, "s": 0.25, "t": -0.75, "u": 1.5}
    point = {"x": 0.3, "y": -0.7, **coeffs}
    J = np.array(d.result.subs({sym: point[sym.name] for sym in d.result.free_symbols}).evalf(), dtype=float)
    x, y = point["x"], point["y"]
    rows = [(coeffs["p"], coeffs["q"]), (coeffs["r"], coeffs["s"]), (coeffs["t"], coeffs["u"])]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    closed = np.array([[a * sig(a * x + b * y) * (1 - sig(a * x + b * y)),
                        b * sig(a * x + b * y) * (1 - sig(a * x + b * y))] for a, b in rows])
    print("max |derive - closed form| at the point:", float(np.max(np.abs(J - closed))))

    # and against finite differences of a plain NumPy implementation
    def forward(v):
        return np.array([sig(a * v[0] + b * v[1]) for a, b in rows])

    report = codegen.gradcheck(forward, lambda v: closed_at(v, rows, sig), [x, y], names=["x", "y"])
    print("closed form vs finite differences:", report)
    return {"J_2xy": J1, "J_sigmoids": d.result, "max_diff": float(np.max(np.abs(J - closed))), "report": report}


def closed_at(v, rows, sig):
    return np.array([[a * sig(a * v[0] + b * v[1]) * (1 - sig(a * v[0] + b * v[1])),
                      b * sig(a * v[0] + b * v[1]) * (1 - sig(a * v[0] + b * v[1]))] for a, b in rows])


if __name__ == "__main__":
    main()
