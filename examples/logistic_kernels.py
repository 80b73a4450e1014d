"""Logistic regression: loss -> gradient and Hessian -> loop kernels -> Newton's method.

    L(w) = sum_i softplus(sum_j X[i,j] w[j]) - y[i] sum_j X[i,j] w[j]

No declarations: i ranges over X's rows and y, j over X's columns and w, so X
is N x d with N != d.  derive differentiates the loss in index notation
(deltas contracted), checks both results on instances of different sizes,
and `derive.kernel` compiles them: the gradient as one fused parallel pass
over X, the Hessian as one pass for the rows sqrt(s_i (1 - s_i)) X[i, :]
followed by SYRK.  The same Hessian written in matrix notation
(X.T @ diag(s(1-s)) @ X) compiles to the same linear-in-N plan.  Every kernel
checks its arguments: a w of the wrong length is an error naming the arrays,
not a number.  Newton's method converges in a handful of steps; the result is
compared with NumPy's closed forms.  Timings: benchmarks/bench_logistic.py.

    python examples/logistic_kernels.py
"""

import time

import numpy as np

import codegen
import derive

LOSS = "sum(softplus(sum(X[i, j]*w[j], j)) - y[i]*sum(X[i, j]*w[j], j), i)"


def main(outdir=None, N=20_000, d=10):
    g = derive.differentiate(LOSS, "w[k]", "grad")
    h = derive.differentiate(LOSS, "w[k], w[l]", "hessian")
    print(g, "\n")
    print(h, "\n")
    grad_k, hess_k = derive.kernel(g), derive.kernel(h)
    print(f"kernel arguments: {grad_k.arg_names}")
    print("Hessian kernel core:\n" + hess_k.source.split("def core")[1].split("\n\n\n")[0])

    rng = np.random.default_rng(1)
    true_w = rng.normal(size=d)
    Xv = rng.normal(size=(N, d))
    yv = (rng.random(N) < 1 / (1 + np.exp(-Xv @ true_w))).astype(float)

    wv = np.zeros(d)
    history = []
    for _ in range(25):
        gv = grad_k(Xv, wv, yv)
        z = Xv @ wv
        history.append((float(np.sum(np.logaddexp(0, z) - yv * z)), float(np.linalg.norm(gv))))
        if history[-1][1] < 1e-9:
            break
        wv = wv - np.linalg.solve(hess_k(Xv, wv, yv), gv)
    print("Newton:", " -> ".join(f"{norm:.1e}" for _, norm in history), "(gradient norms)")

    s = 1 / (1 + np.exp(-Xv @ wv))
    closed_grad = Xv.T @ (s - yv)
    closed_hess = Xv.T @ (Xv * (s * (1 - s))[:, None])
    grad_error = float(np.max(np.abs(grad_k(Xv, wv, yv) - closed_grad)))
    hess_error = float(np.max(np.abs(hess_k(Xv, wv, yv) - closed_hess)) / np.max(np.abs(closed_hess)))
    print(f"kernels vs NumPy closed forms at the optimum: gradient {grad_error:.1e}, Hessian (relative) "
          f"{hess_error:.1e}")
    print("recovered weights vs the true ones (max difference):", float(np.max(np.abs(wv - true_w))))

    matrix = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w", "w", "hessian",
                                  symbols="X: N x d, w: d, y: N")
    matrix_k = derive.kernel(matrix)
    matrix_error = float(np.max(np.abs(matrix_k(Xv, wv, yv) - closed_hess)) / np.max(np.abs(closed_hess)))
    print(f"matrix notation {matrix.result}: same Hessian to {matrix_error:.1e}")

    try:
        grad_k(Xv, wv[:-1], yv)
    except codegen.CodegenError as exc:
        print(f"a w of the wrong length: {exc}")
        refused = str(exc)

    start = time.perf_counter()
    grad_k(Xv, wv, yv)
    print(f"one gradient: {1e3 * (time.perf_counter() - start):.2f} ms (N = {N}, d = {d})")
    return {"history": history, "w": wv, "true_w": true_w, "grad_error": grad_error, "hess_error": hess_error,
            "matrix_error": matrix_error, "refused": refused}


if __name__ == "__main__":
    main()
