"""Derivatives in index notation, with Kronecker deltas contracted.

SymPy differentiates ``Sum(w[i,j]*x[i]*x[j], i, j)`` with respect to ``x[k]``
into a sum that still carries ``KroneckerDelta(i, k)``; its ``doit()`` wraps
the answer in nested ``Piecewise`` on the index range.  Here a delta inside a
sum over one of its indices is contracted directly: the sum over ``i`` goes
away and ``i`` becomes ``k``.  That is exact when ``k`` lies in ``i``'s range,
which is the convention: a free index ranges like the indices it stands for.

    d/dx[k] sum_ij w[i,j] x[i] x[j] = sum_j w[k,j] x[j] + sum_i w[i,k] x[i]

`occurrence_terms` splits a derivative by the product rule into one term per
way the variable occurs (x[i] and x[j] above), which is how a claim that
drops one of them ("the terms with j = k") is diagnosed.
"""

import sympy
from sympy import Add, Indexed, KroneckerDelta, Mul, Sum

from ..errors import DeriveError
from .sums import count_constant_limits, tidy_sums


def diff_indexed(expr, target, targets=None, ranges=None):
    """d expr / d target for an element ``target = x[k]``, deltas contracted.

    The contraction is exact only where k lies in the contracted sum's range, so
    every sum contracted onto a free index of `target` must have one range, the
    index's own (`ranges`: index -> (lo, hi), when known).  And what cannot be
    contracted, a delta between k and an index no sum runs over (z[c] in f, or a
    single entry x[0]), would make the answer depend on whether k equals it.
    Both are refused with a one-line DeriveError rather than answered for some k
    only.  `targets`: every element differentiated by (a delta between two of
    them, as in a Hessian's delta(k, l), is part of the answer)."""
    require_symbolic_index(target)
    seen = {}
    result = contract(sympy.diff(expr, target), seen)
    _require_one_range(target, seen, ranges or {})
    _require_contracted(result, target, targets or (target,), free_indices(expr))
    return result


def free_indices(expr):
    """The indices of f that no sum runs over (i in sum(X[i, k]*A[k, j], k) is one, and j)."""
    bound = {lim[0] for e in expr.atoms(Sum) for lim in e.limits}
    used = {i for e in expr.atoms(Indexed) for i in e.indices if isinstance(i, sympy.Symbol)}
    used |= {a for d in expr.atoms(KroneckerDelta) for a in d.args if isinstance(a, sympy.Symbol)}
    return sorted(used - bound, key=str)


def require_symbolic_index(target):
    """Index notation differentiates by x[k], k an index; a single entry x[2] would need k's range checked
    against 2 at every size (at n = 2 it does not exist), so it is refused with the way round."""
    fixed = [i for i in target.indices if i.is_number]
    if fixed:
        base = target.base
        raise DeriveError(f"{target} is a single entry: differentiate with respect to {base}[k] (an index) and read "
                          f"off k = {fixed[0]}, or write f with plain symbols")


def _require_one_range(target, seen, ranges):
    for index in target.indices:
        found = set(seen.get(index, ()))
        if index in ranges and found:
            found.add(tuple(ranges[index]))
        if len(found) > 1:
            spans = " and ".join(sorted(f"{lo}..{hi}" for lo, hi in found))
            raise DeriveError(f"{target.base}[...] is summed over different ranges of its index ({spans}): the "
                              f"derivative wrt {target} would depend on where {index} lies; give the sums one range")


def _require_contracted(result, target, targets, f_free=()):
    """A delta between the variable's index k and a single entry (x[0]) is refused; one with an
    index of f that no sum runs over (the label c in -log(softmax(z)[c])) is part of the answer:
    d/dz[k] of z[c] is delta(c, k), exactly, for every k and c."""
    free = {i for t in targets for i in t.indices} | set(f_free)
    for delta in sorted(result.atoms(KroneckerDelta), key=str):  # the same message every run
        a, b = delta.args
        if (a in target.indices or b in target.indices) and not (a in free and b in free):
            other = b if a in target.indices else a
            what = f"the single entry {target.base}[{other}]" if other.is_number else f"an index {other} no sum runs over"
            raise DeriveError(f"f uses {what}, so d/d{target} depends on whether {a if other is b else b} equals "
                              f"{other} (delta({a}, {b})); sum over it, or differentiate with respect to plain "
                              f"symbols")


def contract(expr, seen=None):
    """Remove every KroneckerDelta that sits inside a sum over one of its indices.
    `seen` (if given) collects, per index a sum was contracted onto, the sums' ranges."""
    if isinstance(expr, Sum):
        return _contract_sum(contract(expr.function, seen), list(expr.limits), seen)
    if expr.args and not expr.is_Atom and not isinstance(expr, Indexed):
        return expr.func(*(contract(a, seen) for a in expr.args))
    return expr


def _contract_sum(body, limits, seen=None):
    out = []
    for term in Add.make_args(sympy.expand_mul(body)):
        term, remaining = _contract_term(term, limits, seen)
        out.append(Sum(term, *remaining) if remaining else term)
    return Add(*out)


def _contract_term(term, limits, seen=None):
    remaining = list(limits)
    changed = True
    while changed:
        changed = False
        for delta in [f for f in Mul.make_args(term) if isinstance(f, KroneckerDelta)]:
            a, b = delta.args
            for limit in remaining:
                index = limit[0]
                if index not in (a, b):
                    continue
                other = b if index == a else a
                if seen is not None:
                    seen.setdefault(other, set()).add((limit[1], limit[2]))
                term = (term / delta).xreplace({index: other})
                remaining = [lim if lim[0] != index else None for lim in remaining]
                remaining = [lim for lim in remaining if lim is not None]
                remaining = [(lim[0], lim[1].xreplace({index: other}), lim[2].xreplace({index: other}))
                             for lim in remaining]
                changed = True
                break
            if changed:
                break
    return term, remaining


def occurrence_terms(expr, target):
    """[(occurrence, term)]: the derivative split by which occurrence of the
    variable was differentiated (product rule), each part contracted.

    SymPy's derivative marks the occurrence x[i] with KroneckerDelta(i, k);
    the additive pieces are grouped by that marker before contraction.
    """
    groups = {}
    for piece in _additive_pieces(sympy.diff(expr, target)):
        deltas = [d for d in piece.atoms(KroneckerDelta) if set(d.args) & set(target.indices)]
        key = tuple(sorted({a for d in deltas for a in d.args if a not in target.indices}, key=str))
        groups[key] = groups.get(key, 0) + piece
    terms = []
    for key, total in groups.items():
        term = contract(total)
        if term != 0:
            occurrence = target.base[key] if len(key) == len(target.indices) and key else None
            terms.append((occurrence, term))
    return terms


def _additive_pieces(expr):
    """Split into additive pieces, distributing over sums and products of sums."""
    if isinstance(expr, Add):
        return [p for a in expr.args for p in _additive_pieces(a)]
    if isinstance(expr, Sum):
        return [Sum(p, *expr.limits) for p in _additive_pieces(sympy.expand_mul(expr.function))]
    if isinstance(expr, Mul):
        pieces = [Mul(*(a for a in expr.args if not a.has(KroneckerDelta)))]
        for factor in (a for a in expr.args if a.has(KroneckerDelta)):
            pieces = [p * q for p in pieces for q in _additive_pieces(factor)]
        return pieces
    return [expr]


def _index_derivative(expr, targets, kind, namespace):
    if kind == "jacobian":
        raise DeriveError("in index notation, differentiate each output F[i] with grad(F[i], x[k])")
    first = targets[0]
    if kind == "grad":
        if len(targets) != 1:
            raise DeriveError("grad in index notation takes one element, like x[k]")
        return shortest(tidy_index(diff_indexed(expr, first, ranges=namespace.index_ranges))), first
    second = targets[1] if len(targets) > 1 else _second_element(first, expr, namespace)
    pair = (first, second)
    result = diff_indexed(diff_indexed(expr, first, pair, namespace.index_ranges), second, pair,
                          namespace.index_ranges)
    return shortest(tidy_index(result)), (first, second)


def shortest(expr, size_limit=120):
    """`expr` expanded, with its Kronecker deltas collected, when that is shorter: the label-smoothing
    gradient (eps - 1)*(delta(c, k) - p[k]) - eps*(1 - K*p[k])/K reads p[k] - (1 - eps)*delta(c, k) - eps/K."""
    if sympy.count_ops(expr) > size_limit:
        return expr
    expanded = sympy.expand_mul(expr)
    collected = sympy.collect(expanded, sorted(expanded.atoms(KroneckerDelta), key=str))
    from .textbook import logistic_form

    candidates = [tidy_sums(expr), expr, collected]
    candidates = [logistic_form(c) for c in candidates]
    return min(candidates, key=sympy.count_ops)  # the first of the shortest: sums with their factors outside


def _second_element(first, expr, namespace):
    """x[l] for the Hessian when only x[k] was given (W[m, p] for W[k, l]): fresh index names."""
    used = {s.name for s in expr.free_symbols} | {str(i) for i in first.indices} | set(namespace.names)
    fresh = [name for name in ("l", "m", "p", "q", "l1", "l2", "m1", "m2") if name not in used]
    if len(fresh) < len(first.indices):
        raise DeriveError("no free index name left for the second derivative; pass both, like 'x[k], x[l]'")
    indices = []
    for name, k in zip(fresh, first.indices):
        index = namespace.index(name)
        if k in namespace.index_ranges:
            namespace.index_ranges[index] = namespace.index_ranges[k]
        indices.append(index)
    return first.base[tuple(indices)]


def tidy_index(expr):
    """Merge sums over the same range, move constant factors inside, factor bodies.

    sum(-2*A[i,k]*b[i], i)/2 + sum(2*A[i,k]*sum(A[i,j]*x[j], j), i)/2
        -> sum(A[i, k]*(sum(A[i, j]*x[j], j) - b[i]), i)

    A sum whose body does not use its index is a count times the body:
    sum(-P[k, m], i) -> -N*P[k, m] for i in 0..N-1.
    """
    expr = expr.replace(lambda e: isinstance(e, Sum) and any(lim[0] not in e.function.free_symbols
                                                              for lim in e.limits), count_constant_limits)
    expr = sympy.expand_mul(expr, deep=False)
    groups, rest = {}, []
    for term in Add.make_args(expr):
        coeff, sums = [], []
        for factor in Mul.make_args(term):
            (sums if isinstance(factor, Sum) else coeff).append(factor)
        if len(sums) == 1 and not any(lim[0] in Mul(*coeff).free_symbols for lim in sums[0].limits):
            key = sums[0].limits
            groups.setdefault(key, []).append(Mul(*coeff) * sums[0].function)
        else:
            rest.append(term)
    merged = [Sum(sympy.factor_terms(Add(*bodies)), *limits) for limits, bodies in groups.items()]
    return Add(*merged, *rest)
