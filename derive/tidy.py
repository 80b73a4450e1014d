"""Budgeted simplification: tidier results, never a hang.

Simplification is optional work: each entry gets a slice of time, the result
is kept only if it is shorter, and a timeout just keeps the raw derivative
(which is already exact).  Expressions with huge integer powers are not
simplified at all, since expanding them is what makes SymPy hang.
"""

import time

import sympy

from .limits import attempt, remaining

MAX_POWER_FOR_SIMPLIFY = 64


def _measure(e):
    return (sympy.count_ops(e), len(str(e)))


def _risky(e):
    return any(p.exp.is_Integer and abs(int(p.exp)) > MAX_POWER_FOR_SIMPLIFY for p in e.atoms(sympy.Pow))


# Rewrites tried on each entry, cheapest first; the shortest result wins.
STRATEGIES = (
    ("together", lambda e: sympy.powsimp(sympy.factor_terms(sympy.cancel(sympy.together(e))), deep=True)),
    ("factor", lambda e: sympy.powsimp(sympy.factor(sympy.together(e)), deep=True)),
    ("simplify", lambda e: sympy.simplify(e, ratio=1.0)),
)


def tidy(expr, seconds=2.0):
    """A simpler equal form of `expr` if one is found within `seconds`."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or _risky(expr):
        return expr
    if sympy.count_ops(expr) <= 3:
        return expr
    end = time.monotonic() + seconds
    best = expr
    for _name, rewrite in STRATEGIES:
        left = end - time.monotonic()
        if left <= 0:
            break
        candidate = attempt(lambda rewrite=rewrite: rewrite(expr), left, expr)
        if _measure(candidate) < _measure(best):
            best = candidate
    # keep the derivative as differentiation wrote it unless simplification
    # clearly pays (3*x**2 - 4*x should not become x*(3*x - 4))
    ops, length = _measure(expr)
    new_ops, new_length = _measure(best)
    if new_ops <= 0.5 * ops or (new_ops <= ops and new_length <= 0.7 * length):
        return best
    return expr


def tidy_matrix(matrix, seconds=4.0, symmetric=False):
    """`tidy` every entry within a total time budget (upper triangle if symmetric)."""
    rows, cols = matrix.shape
    out = sympy.Matrix(matrix)
    end = time.monotonic() + min(seconds, remaining(seconds))
    entries = [(i, j) for i in range(rows) for j in range(cols) if not symmetric or j >= i]
    for k, (i, j) in enumerate(entries):
        left = end - time.monotonic()
        if left <= 0:
            break
        share = max(left / max(len(entries) - k, 1), 0.05)
        out[i, j] = tidy(out[i, j], min(share * 4, left))
        if symmetric and i != j:
            out[j, i] = out[i, j]
    return out

