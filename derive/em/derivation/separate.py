"""Sufficient statistics: sums over the data with everything else pulled out.

    sum_i r[i,k] (x[i,j] - mu[k,j]) / s[k]
        = (1/s[k]) sum_i r[i,k] x[i,j]  -  (mu[k,j]/s[k]) sum_i r[i,k]

`pull_out(expr, targets)` moves every factor free of a sum's index out of the
sum, and multiplies out a factor only where it mixes a target parameter with
the summation index, so ``sum_i r (x - mu)^2`` stays compact when solving for
a variance but becomes ``sum_i r x^2 - 2 mu sum_i r x + mu^2 sum_i r`` when the
target is mu (or every parameter, for the kernels).  What is left inside a
sum over rows is then a statistic of the data alone; a sum that still holds a
target after multiplying out (log(x - mu)) is *not separable*: no finite set
of statistics carries it.
"""

import sympy
from sympy import Add, Dummy, Indexed, Mul, Sum


def has_target(expr, targets):
    """Does `expr` contain an element of one of the arrays `targets` (IndexedBase labels) or a target symbol?"""
    if not targets:
        return False
    if expr.free_symbols & targets:
        return True
    return any(e.base.label in targets for e in expr.atoms(Indexed))


def pull_out(expr, targets):
    """`expr` with every sum's body reduced to the factors that depend on its indices (see module doc)."""
    if isinstance(expr, Sum):
        body = pull_out(expr.function, targets)
        return Add(*[_pull_term(t, expr.limits, targets) for t in Add.make_args(body)])
    if expr.args and not expr.is_Atom and not isinstance(expr, Indexed):
        return expr.func(*(pull_out(a, targets) for a in expr.args))
    return expr


def _pull_term(term, limits, targets, depth=0):
    indices = {lim[0] for lim in limits}
    factors = Mul.make_args(term)
    mixed = [f for f in factors if f.free_symbols & indices and has_target(f, targets)]
    sums_inside = [f for f in factors if isinstance(f, Add) and f.free_symbols & indices]
    if (mixed or sums_inside) and depth < 3:
        # a sum of terms is summed term by term; a factor mixing a target with the
        # index is multiplied out (powers too) so that the target can come out
        expanded = sympy.expand(term, log=False, power_exp=False) if mixed else sympy.expand_mul(term)
        parts = Add.make_args(expanded)
        if len(parts) > 1:
            return Add(*[_pull_term(p, limits, targets, depth + 1) for p in parts])
    inside = [f for f in factors if f.free_symbols & indices]
    outside = Mul(*(f for f in factors if not f.free_symbols & indices))
    if not inside:
        count = Mul(*((hi - lo + 1) for _, lo, hi in limits))
        return outside * count
    return outside * Sum(Mul(*inside), *limits)


def sums_as_symbols(expr, unknowns):
    """Replace each outermost sum free of `unknowns` by a symbol.

    Returns (expression, {symbol: sum}, separable) where separable is False if
    some sum still contains an unknown.
    """
    mapping, separable = {}, [True]

    def walk(e):
        if isinstance(e, Sum):
            if has_target(e, unknowns):
                separable[0] = False
                return e
            for sym, s in mapping.items():
                if s == e:
                    return sym
            sym = Dummy(f"S{len(mapping)}", real=True)
            mapping[sym] = e
            return sym
        if e.args and not e.is_Atom and not isinstance(e, Indexed):
            return e.func(*(walk(a) for a in e.args))
        return e

    return walk(expr), mapping, separable[0]
