"""Optimality as the homework writes it: index notation over a sample, matrix notation over a vector.

1. Maximum likelihood from a sample x[0], ..., x[n-1]: the Gaussian (mu = the mean, sigma**2 = the
   biased variance, when the x[i] are not all equal), the Poisson rate and the Bernoulli p (the mean);
2. maximum entropy: on the simplex, p[k] = 1/n (the uniform distribution); with a known mean energy,
   the Gibbs form p[k] = exp(-lambda2*E[k]) / sum(exp(-lambda2*E[i]), i), lambda2 the root of an
   implicit equation, solved here numerically and compared with SciPy's SLSQP;
3. matrix notation: ridge regression w = inv(X^T X + lam I) X^T y and the least-norm solution of
   A x = b, x = A^T inv(A A^T) b, compared with numpy.linalg at random data;
4. a constraint qualification that fails: min x s.t. y**2 <= x**3 has no KKT point, yet (0, 0) is
   the minimum; derive says LICQ fails there and the Fritz John conditions hold with multiplier 0 on f.

    python examples/mle_and_max_entropy.py
"""

import numpy as np
import sympy
from scipy.optimize import brentq, minimize

import derive
from derive.validation.matrix_eval import evaluate


def mle():
    gaussian = derive.critical_points("sum(-log(sigma) - (x[i] - mu)**2/(2*sigma**2), i)", "mu sigma")
    poisson = derive.critical_points("sum(x[i]*log(lam) - lam - log(factorial(x[i])), i)", "lam")
    bernoulli = derive.critical_points("sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)", "p")
    for found in (gaussian, poisson, bernoulli):
        print(found, "\n")
    # the Gaussian answer at a concrete sample, against NumPy's mean and (biased) variance
    sample = np.array([2.0, -1.0, 3.5, 0.25, 1.0])
    (point,) = gaussian.points
    mu, sigma = gaussian.wrt
    x = next(iter(point.x[mu].atoms(sympy.IndexedBase)))
    n = next(s for s in point.x[mu].free_symbols if s.name == "n")
    at = {n: len(sample)}
    data = {x[i]: sympy.nsimplify(v) for i, v in enumerate(sample)}
    values = {v: float(sympy.N(point.x[v].xreplace(at).doit().xreplace(data))) for v in (mu, sigma)}
    return {"gaussian": gaussian, "poisson": poisson, "bernoulli": bernoulli, "sample": sample,
            "mu": values[mu], "sigma": values[sigma]}


def max_entropy():
    uniform = derive.kkt("-sum(p[i]*log(p[i]), i)", "p", st="sum(p[i], i) = 1", sense="max").solve()
    gibbs = derive.kkt("-sum(p[i]*log(p[i]), i)", "p", st=["sum(p[i], i) = 1", "sum(p[i]*E[i], i) = m"],
                       sense="max").solve()
    print(uniform, "\n")
    print(gibbs, "\n")
    # the Gibbs form at concrete energies and mean: lambda2 from the implicit equation, then p
    E, m = np.array([0.0, 1.0, 2.0, 4.0]), 1.2
    lam2 = brentq(lambda b: np.sum((E - m) * np.exp(-b * E)), -20, 20)
    point = gibbs.points[0]
    (entry,) = point.x
    energies = next(a for a in point.x[entry].atoms(sympy.IndexedBase) if str(a) == "E")
    multiplier = next(s for s in point.x[entry].free_symbols if s.name == "lambda2")
    n = next(s for s in point.x[entry].free_symbols if s.name == "n")
    k = entry.indices[0]
    data = {energies[i]: sympy.nsimplify(v) for i, v in enumerate(E)}
    p = np.array([float(sympy.N(point.x[entry].xreplace({k: j, n: len(E), multiplier: lam2}).doit()
                                .xreplace(data))) for j in range(len(E))])
    reference = minimize(lambda q: np.sum(q * np.log(q)), np.full(len(E), 0.25), method="SLSQP",
                         bounds=[(1e-9, 1)] * len(E),
                         constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1},
                                      {"type": "eq", "fun": lambda q: q @ E - m}], options={"ftol": 1e-14})
    return {"uniform": uniform, "gibbs": gibbs, "p": p, "slsqp": reference.x, "lambda2": lam2}


def matrix_notation(seed=0):
    ridge = derive.critical_points("norm(X@w - y)**2 + lam*norm(w)**2", "w", symbols="X: n x d, w: d, y: n")
    least_norm = derive.kkt("norm(x)**2", "x", st="A@x = b", symbols="A: m x n, x: n, b: m").solve()
    print(ridge, "\n")
    print(least_norm, "\n")
    rng = np.random.default_rng(seed)
    X, y, lam = rng.normal(size=(7, 3)), rng.normal(size=(7, 1)), 0.5
    (w,) = ridge.wrt
    positive = next(p for p in ridge.points if p.conditions and str(p.conditions[0]) == "lam > 0")
    symbols = {s.name: s for s in positive.x[w].atoms(sympy.MatrixSymbol)}
    sizes = {s: v for s in positive.x[w].free_symbols for name, v in (("n", 7), ("d", 3)) if s.name == name}
    lam_symbol = next(s for s in positive.x[w].free_symbols if s.name == "lam")
    w_ridge = evaluate(positive.x[w].xreplace({lam_symbol: lam}), {symbols["X"]: X, symbols["y"]: y}, sizes)
    A, b = rng.normal(size=(2, 5)), rng.normal(size=(2, 1))
    point = least_norm.points[0]
    (x,) = point.x
    symbols = {s.name: s for s in point.x[x].atoms(sympy.MatrixSymbol)}
    sizes = {s: v for s in point.x[x].free_symbols for name, v in (("m", 2), ("n", 5)) if s.name == name}
    x_min = evaluate(point.x[x], {symbols["A"]: A, symbols["b"]: b}, sizes)
    return {"ridge": ridge, "least_norm": least_norm,
            "ridge_error": float(np.abs(w_ridge - np.linalg.solve(X.T @ X + lam * np.eye(3), X.T @ y)).max()),
            "least_norm_error": float(np.abs(x_min - np.linalg.lstsq(A, b, rcond=None)[0]).max())}


def licq():
    cusp = derive.kkt("x", "x y", st="y**2 <= x**3").solve()
    print(cusp)
    return {"cusp": cusp}


def main():
    return {**mle(), **max_entropy(), **matrix_notation(), **licq()}


if __name__ == "__main__":
    out = main()
    print(f"\nGaussian MLE at the sample: mu = {out['mu']:.6f} (numpy {np.mean(out['sample']):.6f}), "
          f"sigma = {out['sigma']:.6f} (numpy {np.std(out['sample']):.6f})")
    print(f"Gibbs p from derive's form: {np.round(out['p'], 6)}; SLSQP: {np.round(out['slsqp'], 6)}")
    print(f"ridge vs numpy.linalg.solve: {out['ridge_error']:.2e}; least norm vs lstsq: {out['least_norm_error']:.2e}")
