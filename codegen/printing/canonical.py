"""Bound indices renamed by their depth, so that equal sums look equal.

Differentiation leaves the same sum under different dummy names: the logistic
gradient holds ``Sum(X[p, j]*w[j], j)`` in its exponent and ``Sum(X[p, i]*w[i], i)``
in its denominator.  Written so, common-subexpression elimination computes the
margins X w twice, and the stable-form rewrites cannot see ``exp(u)/(1 + exp(u))``
(which overflows in float32 once u > 88) as the sigmoid it is.  Renaming every
sum's index after its nesting depth (``_s0`` outermost, ``_s1`` inside it, ...)
makes the two sums one expression.  A sum nested in another gets a deeper name,
so no renamed index can capture another one.
"""

import sympy
from sympy import Sum, Symbol
from sympy.concrete.expr_with_limits import ExprWithLimits


def canonical_sums(expr, depth=0):
    """`expr` with each sum's (and IndexMax's) bound indices named `_s<depth>`, `_s<depth>_1`, ..."""
    if not isinstance(expr, sympy.Basic) or not expr.has(ExprWithLimits):
        return expr
    if isinstance(expr, ExprWithLimits) and isinstance(expr, (Sum,)) or type(expr).__name__ == "IndexMax":
        renames = {}
        limits = []
        for n, (index, lo, hi) in enumerate(expr.limits):
            new = Symbol(f"_s{depth}" + (f"_{n}" if n else ""), integer=True)
            renames[index] = new
            limits.append((new, lo, hi))
        body = canonical_sums(expr.function.xreplace(renames), depth + 1)
        return expr.func(body, *limits)
    return expr.func(*(canonical_sums(a, depth) for a in expr.args))


__all__ = ["canonical_sums"]
