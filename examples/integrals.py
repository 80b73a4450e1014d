"""Integrals, checked: antiderivatives with their steps, definite integrals against quadrature, and a
student's integrals homework graded.

Every antiderivative derive shows was differentiated back at random points (numerically, not only by
SymPy); every definite value agrees with mpmath's quadrature; where there is no closed form
(x^x on [0, 1], the "sophomore's dream") the number is labelled numerical, with its error estimate.

    python examples/integrals.py [OUTDIR]
"""

import sys
from pathlib import Path

import derive
from derive.check.sheet import grade

HERE = Path(__file__).resolve().parent


def main(outdir="."):
    outdir = Path(outdir)
    parts = derive.integrate("x*exp(x)", "x")
    print(parts.explain(), end="\n\n")
    fractions = derive.integrate("1/(x**2 - 1)", "x")
    print(fractions.explain(), end="\n\n")
    gaussian = derive.integrate("exp(-x**2)", "x", "-oo", "oo")
    print(gaussian, end="\n\n")
    area = derive.integrate("x*sin(x)", "x", 0, "pi")
    print(area, end="\n\n")
    dream = derive.integrate("x**x", "x", 0, 1)
    print(dream, end="\n\n")
    area_plot = area.plot(outdir / "integral_x_sin_x.png")
    dream_plot = dream.plot(outdir / "integral_x_to_the_x.png")
    print(f"plots written to {area_plot} and {dream_plot}\n")
    sheet = grade(HERE / "integrals_sheet.toml")
    print(sheet)
    return {"parts": parts, "fractions": fractions, "gaussian": gaussian, "area": area, "dream": dream,
            "sheet": sheet, "plots": [area_plot, dream_plot]}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
