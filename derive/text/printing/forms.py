"""The forms of a result both printers recognize in SymPy's trees, and print as derive writes them.

    split_product       a matrix product's scalar factors and its matrices, in order
    is_product_1x1      x.T*A*x: a 1 x 1 product, one factor (SymPy ranks its Trace an atom)
    is_matrix_product   a product of two or more matrices (parenthesized beside entrywise ones)
    sum_of, scaled_sum  tr(1^T M) and the like: the sum of M's entries (sum(M)), c*sum(M)
    exp_of, softmax_vector   exp applied entrywise; c*exp(z)/sum(exp(z)), softmax(z)
    entrywise_parts     sigmoid(z)*(1 - sigmoid(z)) as the textbook orders it
    primed_call         g'(u): the derivative of a declared one-argument function at u (PrimedCalls)
    readable_indices    SymPy's own bound indices (Dummy i_1) renamed to free letters
    ArrayText           an array's printed text standing in for an entrywise map's variable
    is_negative         a term printed with a leading minus
"""

import sympy


def entrywise_parts(body, t):
    """(c, [(kind, f), ...]) when an entrywise map t -> body is c times a product of t, f(t) and
    1 - f(t) (f one function of the grammar): kind "t", "f" or "1-f"; None otherwise."""
    coeff, parts = sympy.S.One, []
    for factor in sympy.Mul.make_args(body):
        base, power = factor.as_base_exp()
        if not (power.is_Integer and power > 0):
            return None
        if not factor.has(t):
            coeff *= factor
            continue
        if base == t:
            part = ("t", None)
        elif isinstance(base, sympy.Function) and base.args == (t,):
            part = ("f", base.func)
        elif isinstance(base, sympy.Add) and len(base.args) == 2 and sympy.S.One in base.args:
            other = -next(a for a in base.args if a != 1)
            if not (isinstance(other, sympy.Function) and other.args == (t,)):
                return None
            part = ("1-f", other.func)
        else:
            return None
        parts += [part] * int(power)
    parts.sort(key=lambda p: p[0] == "1-f")  # sigmoid(z) o (1 - sigmoid(z)), as textbooks order it
    return (coeff, parts) if parts else None


class ArrayText(sympy.Symbol):
    """An array's printed text in the place of an entrywise map's variable, parenthesized as the
    array expression it stands for would be."""

    def __new__(cls, text, rank):
        obj = super().__new__(cls, text)
        obj.precedence = rank
        return obj


def split_product(expr):
    """(the product of a matrix product's scalar factors, or None; its matrices in order)."""
    scalars = [a for a in expr.args if not getattr(a, "is_Matrix", False)]
    return (sympy.Mul(*scalars) if scalars else None), [a for a in expr.args if getattr(a, "is_Matrix", False)]


def readable_indices(expr):
    """`expr` with its sums' SymPy-made bound indices (Dummy i_1, or names starting with _) renamed to
    free letters (j, p, q, ...), bound as they were; the same object when there are none."""
    hidden = [lim[0] for s in expr.atoms(sympy.Sum) for lim in s.limits
              if lim[0].name.startswith("_") or isinstance(lim[0], sympy.Dummy)]
    if not hidden:
        return expr
    taken = {a.name for a in expr.atoms(sympy.Symbol) if a not in hidden} | \
        {str(b.label) for b in expr.atoms(sympy.IndexedBase)} | {str(m.name) for m in expr.atoms(sympy.MatrixSymbol)}
    letters = [c for c in "jpqrstuvabcdefghi" if c not in taken] + [f"j{k}" for k in range(1, 100)]
    fresh = {}
    for index in dict.fromkeys(hidden):
        name = next(c for c in letters if c not in taken)
        taken.add(name)
        fresh[index] = sympy.Symbol(name, integer=True)
    return expr.xreplace(fresh)


def is_matrix_product(M):
    return isinstance(M, sympy.MatMul) and sum(1 for a in M.args if getattr(a, "is_Matrix", False)) > 1


def is_product_1x1(t):
    return isinstance(t, sympy.Trace) and tuple(t.arg.shape) == (1, 1) and isinstance(t.arg, sympy.MatMul)


def primed_call(expr):
    """(g, order, argument) when `expr` is g'(u) (a Subs of g's derivative at u) or g'(x) (a
    Derivative of g(x) by x), g an unspecified one-argument function; else None."""
    if isinstance(expr, sympy.Subs):
        prime = _prime(expr.expr)
        if prime is not None and len(expr.variables) == 1 and expr.variables[0] == expr.expr.variables[0]:
            return prime + (expr.point[0],)
        return None
    prime = _prime(expr)
    return None if prime is None else prime + (expr.expr.args[0],)


def _prime(d):
    """(g, order) when `d` is the derivative of an unspecified one-argument function g by its argument."""
    if isinstance(d, sympy.Derivative) and isinstance(d.expr, sympy.core.function.AppliedUndef) \
            and len(d.expr.args) == 1 and len(d.variable_count) == 1 and d.variable_count[0][0] == d.expr.args[0]:
        return d.expr.func.__name__, int(d.variable_count[0][1])
    return None


class PrimedCalls:
    """g'(u) in a printer: the Subs (or Derivative) of a declared one-argument function's derivative
    prints as the printer's `_primed(g, order, u)`; any other Subs or Derivative as its base class
    prints it."""

    def _print_Subs(self, expr):
        primed = primed_call(expr)
        if primed is None:
            return super()._print_Subs(expr) if isinstance(expr, sympy.Subs) else super()._print_Derivative(expr)
        return self._primed(*primed)

    _print_Derivative = _print_Subs


def exp_of(E):
    """z when E is exp applied entrywise to z, else None."""
    if isinstance(E, sympy.matrices.expressions.applyfunc.ElementwiseApplyFunction):
        fn = E.function
        if isinstance(fn.expr, sympy.exp) and fn.expr.args == fn.variables:
            return E.expr
    return None


def sum_of(T):
    """M when T is the scalar sum of M's entries (tr(1^T M), tr(M^T 1), ...), else None."""
    if not isinstance(T, sympy.Trace) or not isinstance(T.arg, sympy.MatMul):
        return None
    coeff, mats = T.arg.as_coeff_matrices()
    if coeff != 1:  # tr(1^T (2 y)) is 2*sum(y): the caller prints the coefficient's trace otherwise
        return None
    ones = [m for m in mats if isinstance(m, sympy.OneMatrix)]
    rest = [m for m in mats if not isinstance(m, sympy.OneMatrix)]
    if len(rest) != 1 or not ones:
        return None
    M = rest[0]
    return M.arg if isinstance(M, sympy.Transpose) else M


def scaled_sum(T):
    """(c, the trace without c) when T is c*tr(...) with c != 1, a product whose coefficient SymPy keeps inside."""
    if not isinstance(T, sympy.Trace) or not isinstance(T.arg, sympy.MatMul):
        return None
    coeff, mats = T.arg.as_coeff_matrices()
    if coeff == 1 or not mats:
        return None
    return coeff, sympy.MatMul(*mats)


def softmax_vector(expr):
    """(c, z) when a matrix product is c * exp(z)/sum(exp(z)) (z a vector): softmax(z) is read back as that."""
    coeff, mats = expr.as_coeff_matrices()
    if len(mats) != 1 or exp_of(mats[0]) is None:
        return None
    z = exp_of(mats[0])
    for factor in sympy.Mul.make_args(coeff):
        if factor.is_Pow and factor.exp == -1 and sum_of(factor.base) is not None \
                and exp_of(sum_of(factor.base)) == z:
            return coeff / factor, z
    return None


def is_negative(term):
    return term.could_extract_minus_sign() or (term.is_Number and term.is_negative)
