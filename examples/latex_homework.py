"""Homework as it is written: the losses of a machine-learning course, typed in LaTeX.

Each formula is copied as a student writes it (norms, \\frac, x^{(i)}, \\sigma, \\log\\det) and
derive's gradient of it is compared with the gradient of the same loss in derive's text, and
with the known closed form at random data:

    ridge regression     \\frac{1}{2}\\|Xw - y\\|_2^2 + \\frac{\\lambda}{2}\\|w\\|_2^2  ->  X^T (Xw - y) + lambda w
    logistic regression  -\\sum_{i=1}^{N} [y^{(i)} \\log\\sigma(w^T x^{(i)}) + ...]  ->  X^T (sigmoid(Xw) - y)
    Gaussian MLE         \\sum_{i=1}^{N} \\frac{(x_i - \\mu)^2}{2\\sigma^2} + N\\log\\sigma  (wrt \\mu, \\sigma)
    log-determinant      \\log\\det S - \\operatorname{tr}(S C)  ->  S^{-T} - C^T

A claim in LaTeX is checked too: the ridge gradient with the lambda term dropped is wrong.

    python examples/latex_homework.py
"""

import numpy as np

import derive

RIDGE = r"\frac{1}{2}\|X\mathbf{w} - \mathbf{y}\|_2^2 + \frac{\lambda}{2}\|\mathbf{w}\|_2^2"
LOGISTIC = (r"-\sum_{i=1}^{N} \left[ y^{(i)} \log \sigma(\mathbf{w}^\top x^{(i)}) "
            r"+ (1 - y^{(i)}) \log\left(1 - \sigma(\mathbf{w}^\top x^{(i)})\right) \right]")
GAUSSIAN = r"\sum_{i=1}^{N} \frac{(x_i - \mu)^2}{2\sigma^2} + N \log\sigma"
LOGDET = r"\log\det S - \operatorname{tr}(S C)"
DATA = "X: N x d, w: d, y: N"


def _instance(expr, **arrays):
    """A matrix result at concrete arrays (sizes from their shapes), as a NumPy array."""
    import sympy

    sizes = {}
    for m in expr.atoms(sympy.MatrixSymbol):
        for dim, n in zip(m.shape, np.shape(arrays[m.name]) + (1,) * (2 - np.ndim(arrays[m.name]))):
            for s in getattr(dim, "free_symbols", ()):
                sizes[s] = n
    e = expr.xreplace(sizes)
    e = e.xreplace({m: sympy.ImmutableMatrix(np.reshape(arrays[m.name], m.shape)) for m in e.atoms(sympy.MatrixSymbol)})
    e = e.xreplace({s: arrays[s.name] for s in e.free_symbols if s.name in arrays})
    return np.array(e.doit().evalf(), dtype=float)


def main():
    rng = np.random.default_rng(0)
    X, w, y = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5)
    out = {}

    ridge = derive.grad(RIDGE, r"\mathbf{w}", symbols=DATA)
    out["ridge"] = ridge
    out["ridge_same_as_text"] = ridge == derive.grad("norm(X@w - y)**2/2 + lambda*norm(w)**2/2", "w", symbols=DATA)
    out["ridge_error"] = float(np.max(np.abs(_instance(ridge, X=X, w=w, y=y, **{"lambda": 0.3}).ravel()
                                             - (X.T @ (X @ w - y) + 0.3 * w))))
    print(f"ridge:     {RIDGE}\n  gradient: {derive.to_text(ridge)}")

    logistic = derive.grad(LOGISTIC, "w", symbols=DATA)
    out["logistic"] = logistic
    text = ("-sum(y[i]*log(sigmoid(sum(X[i, j]*w[j], j))) + (1 - y[i])*log(1 - sigmoid(sum(X[i, j]*w[j], j))), i)")
    out["logistic_same_as_text"] = logistic == derive.grad(text, "w", symbols=DATA)
    print(f"logistic:  {LOGISTIC}\n  gradient: {logistic}")

    gaussian = derive.grad(GAUSSIAN, r"\mu, \sigma")
    out["gaussian"] = gaussian
    print(f"Gaussian:  {GAUSSIAN}\n  gradient: {gaussian.T}")

    logdet = derive.grad(LOGDET, "S", symbols="S: n x n, C: n x n")
    out["logdet"] = logdet
    print(f"log det:   {LOGDET}\n  gradient: {derive.to_text(logdet)}")

    verdict = derive.check(RIDGE, "w", r"X^\top (X\mathbf{w} - \mathbf{y})", symbols=DATA)
    out["forgot_lambda"] = verdict
    print(f"claim X^T(Xw - y) for the ridge gradient: {verdict.status}")
    return out


if __name__ == "__main__":
    main()
