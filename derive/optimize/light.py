"""Simplification and solving without `sympy.simplify`.

The first call of `sympy.simplify` in a process imports `sympy.physics.units`
(to look for physical quantities): half a second of a command that should
answer in under two.  `sympy.solve` calls it too unless told ``simplify=False``.
Results here are short forms chosen among cheap rewrites (cancel, powsimp,
exponentials and logarithms expanded where that is valid, factor_terms); sums
are held as symbols meanwhile, since SymPy's rewrites of sums can fail.

    >>> import sympy
    >>> n = sympy.Symbol("n", positive=True); lam = sympy.Symbol("lam", real=True)
    >>> tidy(sympy.exp(-1 - (sympy.log(n) - 1)))
    1/n
"""

import sympy
from sympy import Sum

from ..text.budgets import attempt


def _held(expr):
    sums = sorted(expr.atoms(Sum), key=sympy.default_sort_key)
    forward = {s: sympy.Dummy(f"sum{k}", positive=True if s.function.is_positive else None, real=True)
               for k, s in enumerate(sums)}
    return expr.xreplace(forward), {d: s for s, d in forward.items()}


def tidy(expr):
    """A short equal form of `expr` (see module doc)."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or isinstance(expr, sympy.MatrixExpr):
        return expr
    hidden, back = _held(expr)
    candidates = [hidden]
    for rewrite in (_expanded_exp, sympy.cancel, lambda e: sympy.powsimp(e, combine="exp", deep=True),
                    sympy.factor_terms, lambda e: sympy.expand_log(e, force=False), _log_then_cancel):
        try:
            candidates.append(rewrite(hidden))
        except (TypeError, ValueError, AttributeError, sympy.PolynomialError):  # pragma: no cover
            continue
    best = min(candidates, key=lambda e: (sympy.count_ops(e), len(str(e))))
    return best.xreplace(back)


def _expanded_exp(e):
    return sympy.expand(e, power_exp=True, deep=True, mul=False, multinomial=False, log=False, power_base=False,
                        basic=False)


def _log_then_cancel(e):
    return sympy.cancel(sympy.expand_log(_expanded_exp(e), force=False))


def is_zero(expr):
    """Exactly zero, decided by cheap rewrites (None when they cannot tell)."""
    if not isinstance(expr, sympy.Basic):
        return expr == 0
    hidden, _ = _held(expr)
    for rewrite in (lambda e: e, sympy.expand, sympy.cancel, lambda e: sympy.cancel(sympy.expand_log(
            _expanded_exp(e), force=False))):
        value = rewrite(hidden)
        if value == 0:
            return True
    return None


def solve(equations, unknowns, seconds=4.0):
    """sympy.solve in dict form, with ``simplify=False`` (see module doc); None when out of time."""
    return attempt(lambda: sympy.solve(equations, unknowns, dict=True, simplify=False, check=False), seconds, None)


def fast_solve(equations, unknowns, manual=True):
    """sympy.solve (dict form) without its own substitution check, which costs most of the time of
    elementwise.py's and sample/'s solving; every point they find is checked on written-out
    instances anyway, and roots that make an equation's denominator vanish are dropped."""
    found = None
    if manual:  # fastest for one equation; for systems it may divide by data that can vanish
        try:
            found = sympy.solve(equations, unknowns, dict=True, manual=True, check=False, simplify=False)
        except (NotImplementedError, ValueError, TypeError):
            found = None
    if not found:
        found = sympy.solve(equations, unknowns, dict=True, simplify=False, check=False)
    return [r for r in found if all(not sympy.denom(sympy.together(e)).xreplace(r).is_zero for e in equations)]
