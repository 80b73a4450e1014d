"""What a claim in index notation says by its free indices.

A derivative with respect to w[k] has exactly the free index k; a Hessian
d2f/dw[k]dw[l] has k and a second one, l, which only the claim can name.  So
the claim's free indices (those no sum binds, other than f's own free labels)
decide three things before any value is compared:

    a second free index of w's kind, and no kind given    -> the Hessian is meant (pair w[k], w[l])
    the Hessian asked, but only k free                    -> the gradient (wrong kind) or a shape mistake
    any other free index (j in sum((y[i] - w[j]*x[i,j])*x[i,k], i))  -> "the index j is not bound by any sum"
"""

import sympy
from sympy import Indexed, Sum, Symbol

from ..text.printing import to_text


def free_indices(expr):
    """Index symbols of `expr`'s array elements that no sum binds."""
    if not isinstance(expr, sympy.Basic):
        return set()
    indices = {s for a in expr.atoms(Indexed) for i in a.indices for s in sympy.sympify(i).free_symbols
               if isinstance(s, Symbol)}
    return indices & expr.free_symbols


def unbound(claim, f, targets):
    """The claim's free indices that neither the targets (k, l) nor f (a label c) leave free."""
    allowed = {i for t in targets for i in t.indices} | free_indices(f) | (
        f.free_symbols if isinstance(f, sympy.Basic) else set())
    return sorted(free_indices(claim) - allowed, key=str)


def second_target(first, claim, f):
    """w[l] when the claim has, besides k, free indices that can be the Hessian's second element
    (as many as w has indices, none of them an index f sums over: a j that escaped its sum is
    not a second variable), else None."""
    extra = unbound(claim, f, (first,))
    summed = {v for s in f.atoms(Sum) for v in s.variables} if isinstance(f, sympy.Basic) else set()
    if len(extra) != len(first.indices) or set(extra) & summed:
        return None
    return first.base[tuple(extra)] if len(extra) > 1 else first.base[extra[0]]


def unbound_words(names, claim, f):
    """"the index j is not bound by any sum: ..." with where it is free and where f sums it."""
    plural = len(names) > 1
    listed = " and ".join(str(n) for n in names)
    uses = sorted({to_text(a) for a in claim.atoms(Indexed) if set(a.indices) & set(names)}, key=len)[:4]
    summed = [s for s in f.atoms(Sum) if set(s.variables) & set(names)] if isinstance(f, sympy.Basic) else []
    where = f" (in f it is summed: {to_text(min(summed, key=lambda s: len(str(s))))})" if summed else ""
    return (f"the ind{'ices' if plural else 'ex'} {listed} {'are' if plural else 'is'} not bound by any sum: "
            f"{', '.join(uses)} {'use' if len(uses) > 1 else 'uses'} {listed} freely, but the derivative has no "
            f"free {listed}{where}")


__all__ = ["axis_bounds", "free_indices", "second_target", "unbound", "unbound_words"]


def axis_bounds(expr):
    """{(array, axis): (lo, hi)} for each sum index used as an array index: i in x[i, j] over 0..n_i - 1."""
    out = {}
    for s in expr.atoms(sympy.Sum):
        for index, lo, hi in s.limits:
            if len(hi.free_symbols) != 1 or lo.free_symbols:
                continue
            for a in s.function.atoms(sympy.Indexed):
                for axis, i in enumerate(a.indices):
                    if i == index:
                        out.setdefault((a.base.label, axis), (lo, hi))
    return out
