"""Checking a whole derivation line by line: where exactly did it go wrong?

A student's gradient of ridge regression, six lines that switch between matrix products and
index sums; line 4 drops a factor 2, line 6 repairs it.  derive compares each line with its own
(validated) derivative and with the line before, at concrete sizes and exact random values, and
names what changed at the first wrong step.  The same derivation written in LaTeX (an align
block, as it would be handed in) and a SymPy version follow.

    python examples/check_steps.py
"""

import sympy

import derive

SYMBOLS = "X: n x d, w: d, y: n; lam: positive"

TEXT = """
d/dw norm(X@w - y)**2 + lam*norm(w)**2 = 2*X.T @ (X@w - y) + 2*lam*w
= 2*sum((sum(X[i,j]*w[j], j) - y[i])*X[i,k], i) + 2*lam*w[k]
= 2*X.T @ X @ w - 2*X.T @ y + 2*lam*w
= 2*X.T @ X @ w - X.T @ y + 2*lam*w
= X.T @ (2*X@w - y) + 2*lam*w
= 2*(X.T @ X + lam*eye(d)) @ w - 2*X.T @ y
"""

LATEX = r"""
\begin{align}
  L(w) &= \|Xw - y\|^2 + \lambda \|w\|^2
\end{align}
\begin{align}
  \nabla_w L &= 2X^T(Xw - y) + 2\lambda w \\
             &= 2X^TXw - 2X^Ty + 2\lambda w \\
             &= 2X^TXw + 2X^Ty + 2\lambda w. \quad \text{(expand)}
\end{align}
"""


def main():
    text = derive.check_derivation(TEXT, symbols=SYMBOLS)
    print(text, end="\n\n")
    try:
        latex = derive.check_derivation(LATEX, symbols="X: n x d, w: d, y: n; lambda: positive")
        print(latex, end="\n\n")
    except derive.DeriveError as exc:  # the LaTeX front end reads \| \|, \lambda, X^T
        latex = None
        print(f"LaTeX: {exc}\n")
    X, w, y = sympy.MatrixSymbol("X", 4, 3), sympy.MatrixSymbol("w", 3, 1), sympy.MatrixSymbol("y", 4, 1)
    f = sympy.Trace((X * w - y).T * (X * w - y))  # the squared error as SymPy users write a 1 x 1 product
    objects = derive.check_derivation([2 * X.T * (X * w - y), 2 * X.T * X * w - 2 * X.T * y, 2 * X.T * X * w],
                                      f=f, wrt=w)
    print(objects)
    return {"text": text, "latex": latex, "sympy": objects}


if __name__ == "__main__":
    main()
