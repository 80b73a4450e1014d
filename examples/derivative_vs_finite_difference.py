"""Lesson 1 of the calculus crash course: f(x) = x^3 - 2x^2 + 1.

The lesson asks for f'(x) by the power rule and a check against the rate of
change (f(x + dx) - f(x)) / dx on a grid.  derive does both: the exact
derivative 3x^2 - 4x (validated by its own finite-difference checker before
it is shown), a compiled Numba kernel, the comparison on a grid, and a plot.
This is also what `derive demo` runs.

    python examples/derivative_vs_finite_difference.py [OUTDIR]
"""

import sys

from derive.demo import run


def main(outdir="."):
    return run(outdir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
