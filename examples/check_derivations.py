"""Checking people's derivatives: the crash course's and the lab's mistakes, diagnosed.

Each claim below is a real mistake from the lessons (or a classic one); derive
says whether it is right, names the mistake, and gives a point where the claim
and the derivative disagree.  The last part grades a whole homework sheet.

    python examples/check_derivations.py
"""

from pathlib import Path

import derive
from derive.check.sheet import grade

CLAIMS = [
    ("the crash course's dsigmoid", "1/(1 + exp(-z))", "z", "2*s*(1 - s)",
     {"let": "s = 1/(1 + exp(-z))"}),
    ("its direction field: d/dy y^3 as 2y", "x**2 + y**3", "x y", "[2*x, 2*y]", {}),
    ("x^T W x claimed as 2 W x", "x.T @ W @ x", "x", "2*W @ x", {"symbols": "W: n x n, x: n"}),
    ("least squares with a transpose error (A square)", "norm(A@x - b)**2/2", "x", "A @ (A@x - b)",
     {"symbols": "A: n x n, x: n, b: n"}),
    ("least squares with a transpose error (A is m x n)", "norm(A@x - b)**2/2", "x", "A @ (A@x - b)",
     {"symbols": "A: m x n, x: n, b: m"}),
    ("the lab's index-summation trap", "sum(w[i,j]*x[i]*x[j], i, j)", "x[k]", "sum(w[k,j]*x[j], j)", {}),
    ("softmax cross-entropy gradient p - y", ("-(y1*log(exp(z1)/(exp(z1)+exp(z2))) + "
                                              "y2*log(exp(z2)/(exp(z1)+exp(z2))))"), "z1 z2",
     "[exp(z1)/(exp(z1)+exp(z2)) - y1, exp(z2)/(exp(z1)+exp(z2)) - y2]", {}),
    ("a right answer in another form", "sin(x)**2", "x", "sin(2*x)", {}),
]


def main(outdir=None):
    verdicts = {}
    for title, f, wrt, claim, options in CLAIMS:
        v = derive.check(f, wrt, claim, **options)
        verdicts[title] = v
        print(f"== {title}")
        print(v)
        print()
    sheet = Path(__file__).with_name("homework_sheet.toml")
    grades = grade(sheet)
    print(grades)
    return {"verdicts": verdicts, "grades": grades}


if __name__ == "__main__":
    main()
