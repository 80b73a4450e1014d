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
import re
import statistics
import time

import derive

DECLARATIONS = "X: N x d, w: d, y: N, S: d x d, A: d x d"
TERM = (r"\frac{%d}{2}\|Xw - y\|_2^2 + \frac{\lambda}{%d}\|\mathbf{w}\|^2 "
        r"- \sum_{i=1}^{N} \left[ y^{(i)} \log \sigma(w^\top x^{(i)}) + (1 - y_i)\log(1 - \sigma(w^T x_i)) \right] "
        r"+ %d\log\det S - \operatorname{tr}(A^T S) + w^T A w")
MATRIX_TERM = (r"\frac{%d}{2}\|Xw - y\|_2^2 + \frac{\lambda}{%d}\|\mathbf{w}\|^2 + %d\log\det S "
               r"- \operatorname{tr}(A^T S) + w^\top (A + \lambda I) w + \mathbf{1}^T \sigma(Xw)")
# no term written twice (a parse reuses what it built for a repeated subexpression, so the repeated
# formulas above are the friendly case): a loss as a student would write it once, about 2 kB
DISTINCT = " + ".join([
    r"\frac{1}{2N}\|Xw - y\|_2^2", r"\frac{\lambda}{2}\|\mathbf{w}\|^2", r"\xi \|w\|_1",
    r"- \sum_{i=1}^{N} \left[ y^{(i)} \log \sigma(w^\top x^{(i)}) + (1 - y_i)\log(1 - \sigma(w^T x_i)) \right]",
    r"\log\det S", r"- \operatorname{tr}(A^T S)", r"w^T A w", r"\frac{1}{2} (w - m)^T S^{-1} (w - m)",
    r"\mathbf{1}_N^T \sigma(Xw)", r"\operatorname{tr}(S A S^T)", r"\alpha \log(1 + e^{-w^T m})",
    r"\sqrt{w^T w + \epsilon}", r"\frac{\beta}{2} \|A w - m\|^2", r"\sum_{j=1}^{d} \log(1 + w_j^2)",
    r"\exp\left(- \frac{\|w - m\|^2}{2 \tau^2}\right)", r"\operatorname{tr}\left((S + \lambda I)^{-1} A\right)",
    r"\frac{\kappa}{N}\sum_{i=1}^{N} \tanh(x_i^T m)", r"\rho \, m^T S m", r"\log \det (A^T A + \delta I)",
    r"\frac{1}{N} \mathbf{1}_N^T \log(1 + e^{-y \odot (X w)})", r"- \eta \, y^T X w",
    r"\frac{\mu}{2}\|X^T y - S w\|^2", r"\operatorname{tr}(A)^2", r"\nu \, \mathbf{1}_N^T (X m)",
    r"\frac{\theta}{2} w^T (A + A^T) w", r"\log\left(\sum_{j=1}^{d} e^{w_j}\right)",
    r"\|S - A\|_F^2", r"\zeta \, \sigma(m^T w)",
])
# and once more with the vectors and the matrices swapped: new subexpressions throughout, about 2 kB
SWAP = {"w": "m", "m": "w", "A": "S", "S": "A"}
DISTINCT = DISTINCT + " + " + re.sub(r"(?<![\\A-Za-z])[wmAS](?![A-Za-z])", lambda k: SWAP[k.group(0)], DISTINCT)
DISTINCT_DECLARATIONS = DECLARATIONS + ", m: d"
TEXT_TERM = ("%d/2*norm(X@w - y)**2 + lambda/%d*norm(w)**2 "
             "- sum(y[i]*log(sigmoid(sum(w[j]*X[i, j], j))) + (1 - y[i])*log(1 - sigmoid(sum(w[j]*X[i, j], j))), i) "
             "+ %d*logdet(S) - tr(A.T@S) + w.T@A@w")


def formula(term, size=2000):
    parts, k = [], 1
    while len(" + ".join(parts)) < size:
        parts.append(term % (k, k + 1, k + 2))
        k += 1
    return " + ".join(parts)


def median_seconds(text, runs, declarations=DECLARATIONS):
    derive.parse(text, declarations)  # warm-up: imports, tables
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        derive.parse(text, declarations)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rows = (("LaTeX, sums over samples", formula(TERM), DECLARATIONS),
            ("text, the same loss", formula(TEXT_TERM), DECLARATIONS),
            ("LaTeX, matrix notation", formula(MATRIX_TERM), DECLARATIONS),
            ("LaTeX, no term twice", DISTINCT, DISTINCT_DECLARATIONS))
    for name, source, declarations in rows:
        median, low, high = median_seconds(source, args.runs, declarations)
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
