"""Lesson 1 (mathematical foundations): the Taylor expansion in vector form, the lowest non-zero
derivative deciding an extremum, and why the gradient is the steepest direction.

The lesson writes f(x) = f(a) + grad f(a)^T (x - a) + 1/2 (x - a)^T H(a) (x - a) + ..., says that the
expansion "corresponds one to one with the scalar one", states the rule "where the lowest non-zero
derivative has odd order the point is no extremum, even order an extremum (its sign says which)",
and answers "why is the gradient the fastest direction?" with the directional derivative.  derive
computes each of these exactly and measures what the lesson only states: the Taylor error shrinks
like |h|^3, and a search over every direction finds the gradient's.

    python examples/taylor_and_directional.py [OUTDIR]
"""

import sys
from pathlib import Path

import numpy as np

import derive


def lowest_nonzero_derivative(f, at=0, most=8):
    """(order, value) of the lowest derivative of f (one variable) that does not vanish at `at`."""
    t = derive.taylor(f, "x", at, order=most)
    for k in range(1, most + 1):
        value = t.derivatives[k][(0,) * k]
        if value != 0:
            return k, value
    return None, 0


def steepest_by_search(f, point, step=1e-6):
    """The direction of fastest increase found by trying every angle in 0.1 degree steps (the lesson's way)."""
    angles = np.deg2rad(np.arange(0, 360, 0.1))
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    rates = np.array([(f(*(point + step * d)) - f(*(point - step * d))) / (2 * step) for d in directions])
    best = int(np.argmax(rates))
    return directions[best], rates[best]


def main(outdir="."):
    outdir = Path(outdir)
    expansion = derive.taylor("x**2 + y**3", "x y", [2, 3], order=2)
    print(expansion, end="\n\n")
    one_variable = derive.taylor("exp(x)*sin(x)", "x", 0, order=3)
    print(one_variable, end="\n\n")
    taylor_plot = one_variable.plot(outdir / "taylor_exp_sin.png")

    rule = {}
    for f in ("x**3", "x**4", "-x**6", "x**2*sin(x)**2 + x**5"):
        order, value = lowest_nonzero_derivative(f)
        kind = "no extremum (odd order)" if order % 2 else ("minimum" if value > 0 else "maximum")
        rule[f] = (order, value, kind)
        print(f"{f}: lowest non-zero derivative at 0 has order {order} (value {value}): {kind}")
    found = {c.kind for c in derive.critical_points("x**4", "x")}
    print(f"derive.critical_points agrees for x**4: {found}\n")

    slope = derive.directional("x**2 + y**3", "x y", [2, 3], [1, 1])
    print(slope, end="\n\n")
    direction, rate = steepest_by_search(lambda x, y: x**2 + y**3, np.array([2.0, 3.0]))
    steepest = np.array([float(v) for v in slope.steepest])
    print(f"the search over every angle finds {direction.round(4)} at rate {rate:.6f}; "
          f"the gradient predicts {steepest.round(4)} at rate {float(slope.rate):.6f}")
    directional_plot = slope.plot(outdir / "directional_steepest.png")
    return {"expansion": expansion, "one_variable": one_variable, "rule": rule, "critical_x4": found,
            "directional": slope, "search_direction": direction, "search_rate": rate,
            "plots": [taylor_plot, directional_plot]}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
