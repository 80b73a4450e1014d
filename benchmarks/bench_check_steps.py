"""A correct 10-line derivation checked line by line, warm (issue 20: under 3 s).

    python benchmarks/bench_check_steps.py

The chain switches between matrix products and index sums (the gradient of ridge regression),
so every comparison goes through the instances; the first call warms SymPy's caches and
derive's imports, and the warm time is the median of the next runs.
"""

import statistics
import time

import derive

SYMBOLS = "X: n x d, w: d, y: n; lam: positive"
CHAIN = """
d/dw norm(X@w - y)**2 + lam*norm(w)**2 = 2*X.T @ (X@w - y) + 2*lam*w
= 2*X.T @ X @ w - 2*X.T @ y + 2*lam*w
= 2*(X.T @ X @ w - X.T @ y + lam*w)
= 2*(X.T @ X + lam*eye(d)) @ w - 2*X.T @ y
= 2*sum((sum(X[i,j]*w[j], j) - y[i])*X[i,k], i) + 2*lam*w[k]
= 2*sum(X[i,k]*sum(X[i,j]*w[j], j), i) - 2*sum(X[i,k]*y[i], i) + 2*lam*w[k]
= 2*X.T @ (X@w) - 2*X.T @ y + 2*lam*w
= -2*X.T @ (y - X@w) + 2*lam*w
= 2*(X.T @ (X@w - y) + lam*w)
= 2*X.T @ X @ w + 2*lam*w - 2*X.T @ y
"""


def main(runs=5):
    start = time.perf_counter()
    v = derive.check_derivation(CHAIN, symbols=SYMBOLS)
    cold = time.perf_counter() - start
    assert v.ok and len(v.lines) == 10, v
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        v = derive.check_derivation(CHAIN, symbols=SYMBOLS)
        times.append(time.perf_counter() - start)
        assert v.ok
    wrong = CHAIN.replace("= 2*X.T @ (X@w) - 2*X.T @ y + 2*lam*w", "= 2*X.T @ (X@w) - X.T @ y + 2*lam*w")
    start = time.perf_counter()
    w = derive.check_derivation(wrong, symbols=SYMBOLS)
    slip = time.perf_counter() - start
    assert w.first_error == 6, w
    print(f"10-line chain (matrix and index notation): first call {cold:.2f} s, warm median "
          f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, {runs} runs); "
          f"with a slip on line 7 (named: {w.lines[6].mistake}): {slip:.2f} s")
    return statistics.median(times)


if __name__ == "__main__":
    main()
