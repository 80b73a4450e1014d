"""How long derive takes to read a 2 kB LaTeX formula (issue 20: under 50 ms).

The formula is a regularized loss as students write it, repeated with different weights
until it is about 2,000 characters: norms, fractions, a sum over samples with x^{(i)},
sigmoids, a log-determinant, traces and transposes.  Reports the median of 20 parses
(after one warm-up) and the same for the text of equal meaning, side by side; then the same
for a formula in matrix notation only (no sums over samples), and the front end alone (LaTeX ->
syntax tree: pylatexenc's reading and the mapping to the grammar, before SymPy builds anything).

    python benchmarks/bench_latex_parse.py [--runs 20]
"""

import argparse
import statistics
import time

import derive

DECLARATIONS = "X: N x d, w: d, y: N, S: d x d, A: d x d"
TERM = (r"\frac{%d}{2}\|Xw - y\|_2^2 + \frac{\lambda}{%d}\|\mathbf{w}\|^2 "
        r"- \sum_{i=1}^{N} \left[ y^{(i)} \log \sigma(w^\top x^{(i)}) + (1 - y_i)\log(1 - \sigma(w^T x_i)) \right] "
        r"+ %d\log\det S - \operatorname{tr}(A^T S) + w^T A w")
MATRIX_TERM = (r"\frac{%d}{2}\|Xw - y\|_2^2 + \frac{\lambda}{%d}\|\mathbf{w}\|^2 + %d\log\det S "
               r"- \operatorname{tr}(A^T S) + w^\top (A + \lambda I) w + \mathbf{1}^T \sigma(Xw)")
TEXT_TERM = ("%d/2*norm(X@w - y)**2 + lambda/%d*norm(w)**2 "
             "- sum(y[i]*log(sigmoid(sum(w[j]*X[i, j], j))) + (1 - y[i])*log(1 - sigmoid(sum(w[j]*X[i, j], j))), i) "
             "+ %d*logdet(S) - tr(A.T@S) + w.T@A@w")


def formula(term, size=2000):
    parts, k = [], 1
    while len(" + ".join(parts)) < size:
        parts.append(term % (k, k + 1, k + 2))
        k += 1
    return " + ".join(parts)


def median_seconds(text, runs):
    derive.parse(text, DECLARATIONS)  # warm-up: imports, tables
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        derive.parse(text, DECLARATIONS)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rows = (("LaTeX, sums over samples", formula(TERM)), ("text, the same loss", formula(TEXT_TERM)),
            ("LaTeX, matrix notation", formula(MATRIX_TERM)))
    for name, source in rows:
        median, low, high = median_seconds(source, args.runs)
        print(f"{name:26} {len(source):5d} characters  median {median * 1000:7.1f} ms  "
              f"[{low * 1000:.1f} .. {high * 1000:.1f}] over {args.runs} parses")
    median = front_end_seconds(formula(TERM), args.runs)
    print(f"{'LaTeX front end alone':26} {len(formula(TERM)):5d} characters  median {median * 1000:7.1f} ms  "
          "(reader + syntax tree, before SymPy)")


def front_end_seconds(text, runs):
    from derive.text.budgets import DEFAULT_LIMITS
    from derive.text.latex.to_tree import to_tree
    from derive.text.namespace import Namespace

    namespace = Namespace(DECLARATIONS)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        to_tree(text, namespace, DEFAULT_LIMITS)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
