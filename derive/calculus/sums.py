"""Scalar parameters inside index sums: every maximum-likelihood derivation.

    d/dmu  sum((x[i] - mu)**2, i)                        = -2*sum(x[i] - mu, i)
    d/dlam sum(x[i]*log(lam) - lam - log(x[i]!), i)     = sum(x[i] - lam, i)/lam
    d/dp   sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)  = sum(y[i] - p, i)/(p*(1 - p))
    d/db   sum(w[j]*x[i, j] + b, j)                     = n                 (a count)

The derivative of a sum by a symbol the sum does not run over is the sum of the
derivatives (SymPy does that); what is ours is the form it is given in: each
body put over one denominator, factors that do not depend on the summed index
taken out of the sum, and a body that does not use its index counted
(sum(2, i) over 0..n-1 is 2*n).  That is the form a textbook writes and the one
`optimize.critical` solves.

A sum over the elements of a declared vector or matrix (`x: n`, then x[i]) is
index notation too: `as_index_form` writes those elements as `Indexed` ones.
"""

import sympy
from sympy import Add, Indexed, IndexedBase, MatrixSymbol, Mul, Sum
from sympy.matrices.expressions.matexpr import MatrixElement


def has_index_sums(expr):
    """Does `expr` (a scalar) use index notation: a sum or an array element x[i]?"""
    return isinstance(expr, sympy.Basic) and not isinstance(expr, (sympy.MatrixBase, sympy.MatrixExpr)) \
        and bool(expr.has(Sum) or expr.atoms(Indexed) or _summed_elements(expr))


def as_index_form(expr):
    """`expr` with each element of a declared array that a sum runs over (x[i, 0] of x: n)
    written as an `Indexed` element (x[i]), so that the whole expression is index notation.

    Only when every use of the array is such an element: a matrix expression beside the
    sum (log det P + sum(P[j, k]*S[j, k], j, k)) is left for matrix calculus."""
    elements = _summed_elements(expr)
    if not elements:
        return expr
    arrays = {e.args[0] for e in elements}
    if arrays & matrix_uses(expr):
        return expr
    bases = {M: IndexedBase(M.name, real=True) for M in arrays}  # no shape: sizes substituted at instances must not make another array

    def element(e):
        M, r, c = e.args
        base = bases[M]
        if M.shape[1] == 1:
            return base[r]
        if M.shape[0] == 1:
            return base[c]
        return base[r, c]

    return expr.replace(lambda e: isinstance(e, MatrixElement) and e.args[0] in bases, element)


def _summed_elements(expr):
    """Elements of declared arrays at symbolic indices (x[i, 0]: index notation); a single entry
    at numbers (w[0, 0]) is matrix notation's own business."""
    if not isinstance(expr, sympy.Basic):
        return set()
    return {e for e in expr.atoms(MatrixElement) if isinstance(e.args[0], MatrixSymbol)
            and any(not i.is_number for i in e.args[1:])}


def matrix_uses(expr):
    """Matrix symbols used other than through their elements."""
    stripped = expr.replace(lambda e: isinstance(e, MatrixElement), lambda e: sympy.S.Zero) \
        if expr.atoms(MatrixElement) else expr
    return set(stripped.atoms(MatrixSymbol)) if isinstance(stripped, sympy.Basic) else set()


def tidy_sums(expr):
    """The textbook form of a derivative with sums (module doc): bodies over one
    denominator, index-free factors outside, constant bodies counted."""
    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(tidy_sums)
    if not isinstance(expr, sympy.Basic) or not expr.has(Sum):
        return expr
    tidied = expr.replace(lambda e: isinstance(e, Sum), _tidy_one)
    factored = sympy.factor_terms(tidied)
    return factored if sympy.count_ops(factored) <= sympy.count_ops(tidied) else tidied


def count_constant_limits(s):
    """Sum(c, (i, lo, hi), ...) with c free of i: (hi - lo + 1) * Sum(c, other limits)."""
    count, kept = sympy.S.One, []
    for lim in s.limits:
        index, lo, hi = lim
        if index in s.function.free_symbols or any(index in other[1].free_symbols | other[2].free_symbols
                                                    for other in s.limits if other is not lim):
            kept.append(lim)
        else:
            count *= hi - lo + 1
    return count * (Sum(s.function, *kept) if kept else s.function)


def _tidy_one(s):
    s = count_constant_limits(s) if any(lim[0] not in s.function.free_symbols for lim in s.limits) else s
    if not isinstance(s, Sum):
        return s
    indices = {lim[0] for lim in s.limits}
    body = s.function if s.function.has(Sum) else _one_denominator(s.function)
    inside, outside = [], []
    for factor in Mul.make_args(body):
        (inside if factor.free_symbols & indices else outside).append(factor)  # x[i] has i among its symbols
    if not inside:
        return count_constant_limits(Sum(Mul(*outside), *s.limits))
    inner = Mul(*inside)
    # sum(2*mu - 2*x[i], i) reads better as -2*sum(x[i] - mu, i): a leading minus goes outside
    if _leading_minus(inner):
        inner, outside = -inner, outside + [sympy.S.NegativeOne]
    return Mul(*outside) * Sum(inner, *s.limits)


def _one_denominator(body):
    """y/p - (1 - y)/(1 - p) -> (y - p)/(p*(1 - p)): one fraction, its numerator expanded
    when that is shorter; a body that cannot share one denominator stays as it was."""
    numer, denom = sympy.fraction(sympy.together(body))
    expanded = sympy.expand(numer)
    if sympy.count_ops(expanded) < sympy.count_ops(numer):
        numer = expanded
    joined = sympy.factor_terms(numer) / sympy.factor_terms(denom)
    return joined if sympy.count_ops(joined) <= 2 * sympy.count_ops(body) + 4 else sympy.factor_terms(body)


def _leading_minus(body):
    """mu - x[i] -> -(x[i] - mu): the data term first and positive, as textbooks write it."""
    if not isinstance(body, Add):
        return False
    data = [t for t in body.args if t.atoms(Indexed)]
    return bool(data) and all(t.could_extract_minus_sign() for t in data)
