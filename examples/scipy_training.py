"""Training with scipy.optimize: a value-and-gradient kernel for L-BFGS-B and a
Hessian-vector-product kernel for Newton-CG.

    L(w) = sum(softplus(X @ w)) - y.T @ X @ w + lam * w.T @ w / 2

(logistic regression with an L2 penalty).  derive differentiates L once and
compiles three kinds of kernel from it, each validated when it is made:

* ``derive.kernel(d, fused=True)``: ``fg(X, w, y, lam) -> (L, gradient)``, what
  ``scipy.optimize.minimize(fun, w0, jac=True)`` calls;
* ``derive.kernel(d, hvp=True)``: ``hv(X, w, y, lam, v) -> H v`` computed as
  ``lam v + sum_i s_i (1 - s_i) X[i, :] (X[i, :] . v)``, one pass over the rows
  and never the d x d Hessian, for ``method="Newton-CG", hessp=...``;
* ``derive.kernel(d, value=True)`` and ``derive.kernel(d)`` (value and gradient
  alone, the same compiled code the fused kernel runs).

Both optimizers reach the same weights, which agree with a NumPy Newton
iteration on the closed forms and with scikit-learn's LogisticRegression
(C = 1/lam, no intercept: the same objective divided by lam).

    python examples/scipy_training.py
"""

import time

import numpy as np
from scipy.optimize import minimize

import derive

LOSS = "sum(softplus(X @ w)) - y.T @ X @ w + lam*w.T @ w/2"


def numpy_newton(X, y, lam, steps=30):
    """The same optimum from the closed forms: g = X^T (s - y) + lam w, H = X^T S X + lam I."""
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        s = 1 / (1 + np.exp(-X @ w))
        g = X.T @ (s - y) + lam * w
        if np.linalg.norm(g) < 1e-12:
            break
        H = X.T @ (X * (s * (1 - s))[:, None]) + lam * np.eye(len(w))
        w = w - np.linalg.solve(H, g)
    return w


def main(N=4000, d=12, lam=1.0, seed=0):
    d_loss = derive.differentiate(LOSS, "w", symbols="X: N x d, w: d, y: N")
    print(d_loss, "\n")
    start = time.perf_counter()
    fg = derive.kernel(d_loss, fused=True)
    hv = derive.kernel(d_loss, hvp=True)
    value, gradient = derive.kernel(d_loss, value=True), derive.kernel(d_loss)
    made = time.perf_counter() - start
    print(fg, "\n")
    print(hv, "\n")
    print(f"kernels made, compiled and validated in {made:.1f} s\n")

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d))
    true_w = rng.normal(size=d)
    y = (rng.random(N) < 1 / (1 + np.exp(-X @ true_w))).astype(float)
    w0 = np.zeros(d)

    start = time.perf_counter()
    lbfgs = minimize(lambda w: fg(X, w, y, lam), w0, jac=True, method="L-BFGS-B",
                     options={"gtol": 1e-9, "ftol": 1e-15, "maxiter": 500})
    lbfgs_s = time.perf_counter() - start
    start = time.perf_counter()
    newton = minimize(lambda w: value(X, w, y, lam), w0, method="Newton-CG",
                      jac=lambda w: gradient(X, w, y, lam),
                      hessp=lambda w, p: hv(X=X, w=w, y=y, lam=lam, v=p), options={"xtol": 1e-12})
    newton_s = time.perf_counter() - start

    reference = numpy_newton(X, y, lam)
    from sklearn.linear_model import LogisticRegression

    sk = LogisticRegression(C=1 / lam, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y).coef_[0]

    def loss(w):
        z = X @ w
        return float(np.sum(np.logaddexp(0, z) - y * z) + lam * w @ w / 2)

    rows = [("L-BFGS-B, fused (f, g) kernel", lbfgs.x, lbfgs.nfev, lbfgs_s),
            ("Newton-CG, hvp kernel", newton.x, newton.nhev, newton_s),
            ("NumPy Newton (closed forms)", reference, None, None),
            ("scikit-learn LogisticRegression", sk, None, None)]
    for name, w, calls, seconds in rows:
        extra = "" if calls is None else f"  ({calls} {'calls' if 'fused' in name else 'H v products'}, " \
                                         f"{seconds * 1e3:.0f} ms)"
        print(f"{name:34s} loss {loss(w):.10f}  |w - w_numpy| {np.max(np.abs(w - reference)):.1e}{extra}")

    v = rng.normal(size=d)
    s = 1 / (1 + np.exp(-X @ newton.x))
    H = X.T @ (X * (s * (1 - s))[:, None]) + lam * np.eye(d)
    hvp_error = float(np.max(np.abs(hv(X, newton.x, y, lam, v) - H @ v)) / np.max(np.abs(H @ v)))
    print(f"\nH v from the kernel vs NumPy's H @ v at the optimum: relative difference {hvp_error:.1e}")
    return {"lbfgs": lbfgs, "newton": newton, "numpy": reference, "sklearn": sk, "hvp_error": hvp_error,
            "loss": loss, "made_seconds": made, "arg_names": (fg.arg_names, hv.arg_names)}


if __name__ == "__main__":
    main()
