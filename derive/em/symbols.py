"""The names every EM derivation shares: indices, sizes and the data arrays.

Index notation throughout: ``x[i, j]`` is coordinate j of row i (``x[i]`` for
scalar data or integer codes), ``r[i, k]`` the responsibility of component k
for row i, ``w[k]`` the mixture weights.  Sizes: N rows, K components,
d coordinates, C categories.  ``logdet(Sigma[k])`` and ``Lambda[k, j, l]`` (the
precision) write a full covariance.
"""

from sympy import Function, IndexedBase, Sum, Symbol

i, k, j, l, c = (Symbol(name, integer=True) for name in ("i", "k", "j", "l", "c"))
N, K, d, C = (Symbol(name, integer=True, positive=True) for name in ("N", "K", "d", "C"))

x = IndexedBase("x", real=True)
codes = IndexedBase("x", integer=True)  # categorical data: integer codes 0..C-1
r = IndexedBase("r", nonnegative=True)
w = IndexedBase("w", positive=True)

# a full covariance in index notation (the normal family writes it, the validation writes it out)
logdet = Function("logdet")  # log det of a component's covariance, logdet(Sigma[k])
Lambda = IndexedBase("Lambda", real=True)  # the precision Sigma[k]^-1, element Lambda[k, j, l]

# what each index runs over (0 .. size - 1)
RANGES = {i: N, k: K, j: d, l: d, c: C}

# free indices of a derivative target (d/d mu[a, b]): never a summation index of J
a, b, e = (Symbol(name, integer=True) for name in ("a", "b", "e"))
TARGET_INDEX = {k: a, j: b, l: e, c: b}


def total(body, *indices):
    """The sum of `body` over `indices` (innermost first), each over its full range."""
    for index in indices:
        body = Sum(body, (index, 0, RANGES[index] - 1))
    return body


def over_rows(body):
    """sum_i body, over the data rows i = 0..N-1."""
    return total(body, i)
