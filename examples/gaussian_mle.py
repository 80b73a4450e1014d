"""Gaussian maximum likelihood by matrix calculus, log det included.

With N samples of mean xbar and scatter C = mean((x_i - xbar)(x_i - xbar)^T),
the log-likelihood of N(mu, S) is

    L(mu, S) = -N/2 log det S - N/2 tr(S^-1 C) - N/2 (xbar - mu)^T S^-1 (xbar - mu)

derive gives dL/dmu and dL/dS (SymPy's own matrix calculus returns 0 for the
log det term); both vanish at mu = xbar, S = C, the MLE, which the example
confirms numerically against numpy.mean / numpy.cov(bias=True).

A covariance is symmetric positive definite: declared so ("S: d x d spd"),
derive writes the textbook forms without transposes, N inv(S) (xbar - mu) and
N/2 (inv(S) C inv(S) + inv(S) (xbar - mu)(xbar - mu)^T inv(S) - inv(S)), and
grades the textbook answer for dL/dmu correct, saying it used the declaration.

    python examples/gaussian_mle.py
"""

import numpy as np
import sympy

import derive

LOGLIK = "-N/2*logdet(S) - N/2*trace(inv(S) @ C) - N/2*(xbar - mu).T @ inv(S) @ (xbar - mu)"
DECL = "S: d x d, C: d x d, mu: d, xbar: d, N: positive"
SPD = "S: d x d spd, C: d x d symmetric, mu: d, xbar: d, N: positive"
TEXTBOOK_GRAD_MU = "N * inv(S) @ (xbar - mu)"


def evaluate(expr, values, d):
    """A matrix-notation result at numeric values (dimension d)."""
    dim = sympy.Symbol("d", integer=True, positive=True)
    e = expr.subs(dim, d)
    e = e.xreplace({sympy.MatrixSymbol(name, *shape): sympy.Matrix(v) for name, (shape, v) in values.items()})
    e = e.doit()
    e = e.as_explicit() if hasattr(e, "as_explicit") and not isinstance(e, sympy.MatrixBase) else e
    return np.array(sympy.Matrix(e).evalf(), dtype=float)


def main(outdir=None):
    d_mu = derive.differentiate(LOGLIK, "mu", symbols=DECL)
    d_S = derive.differentiate(LOGLIK, "S", symbols=DECL)
    print(d_mu, "\n")
    print(d_S, "\n")

    rng = np.random.default_rng(0)
    d, N = 3, 500
    A = rng.normal(size=(d, d))
    X = rng.normal(size=(N, d)) @ A.T + np.array([1.0, -2.0, 0.5])
    xbar = X.mean(axis=0)
    C = np.cov(X.T, bias=True)
    values = {"S": ((d, d), C), "C": ((d, d), C), "mu": ((d, 1), xbar.reshape(-1, 1)),
              "xbar": ((d, 1), xbar.reshape(-1, 1))}
    n_sym = {sympy.Symbol("N", positive=True): N}
    g_mu = evaluate(d_mu.result.subs(n_sym), values, d)
    g_S = evaluate(d_S.result.subs(n_sym), values, d)
    print("at mu = mean(x), S = cov(x, bias=True): |dL/dmu| =", np.abs(g_mu).max(), " |dL/dS| =", np.abs(g_S).max())

    # and a point away from the optimum: the gradient does not vanish there
    values["mu"] = ((d, 1), (xbar + 0.3).reshape(-1, 1))
    g_off = evaluate(d_mu.result.subs(n_sym), values, d)
    print("at mu = mean(x) + 0.3: |dL/dmu| =", np.abs(g_off).max())

    # with S declared symmetric positive definite: the textbook forms
    spd_mu = derive.grad(LOGLIK, "mu", symbols=SPD)
    spd_S = derive.grad(LOGLIK, "S", symbols=SPD)
    print("\nwith S: d x d spd:\n  dL/dmu =", derive.to_text(spd_mu), "\n  dL/dS  =", derive.to_text(spd_S))
    verdict = derive.check(LOGLIK, "mu", TEXTBOOK_GRAD_MU, symbols=SPD)
    print(f"the textbook answer {TEXTBOOK_GRAD_MU}:", verdict)
    g_spd = evaluate(spd_mu.subs(n_sym), values, d)
    return {"grad_mu": d_mu.result, "grad_S": d_S.result, "max_grad_at_mle": max(np.abs(g_mu).max(),
                                                                                   np.abs(g_S).max()),
            "max_grad_off": np.abs(g_off).max(), "grad_mu_spd": spd_mu, "textbook_verdict": verdict,
            "spd_agrees": float(np.abs(g_spd - g_off).max())}


if __name__ == "__main__":
    main()
