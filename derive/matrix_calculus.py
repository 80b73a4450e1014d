"""Derivatives in matrix notation, from the rule tables in `matrix_rules.py`.

    gradient(f, X)   scalar f, matrix or vector X   -> shape of X
    jacobian(F, x)   vector F (m x 1), vector x     -> m x n
    hessian(f, x)    scalar f, vector x             -> n x n (the Jacobian of the gradient)

The reverse pass: a scalar f is a SymPy expression whose "matrix atoms"
(traces, determinants) carry the dependence on X.  Each atom is replaced by a
plain symbol, SymPy differentiates the scalar part (log, exp, powers: the
chain rule), and each atom's adjoint is pushed down its matrix expression by
the VJP table.  Results are tidied into readable forms ((A + A.T)*x, X.T^-1)
and — by the caller — checked on concrete instances, since SymPy's own matrix
calculus returns silent zeros.
"""

import sympy
from sympy import (
    Determinant,
    Dummy,
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    S,
    Trace,
    Transpose,
    ZeroMatrix,
)

from .matrix_rules import JVP, VJP, UnsupportedOperator

SCALAR_ATOMS = (Trace, Determinant)


def gradient(f, X):
    """df/dX for a scalar expression f, with the shape of X."""
    if isinstance(f, MatrixExpr):
        if f.shape != (1, 1):
            raise UnsupportedOperator(f"the gradient needs a scalar function; this one is {f.shape[0]} x {f.shape[1]}")
        f = Trace(f)
    return tidy(_scalar_gradient(f, X))


def _scalar_gradient(f, X):
    atoms = [a for a in _matrix_atoms(f) if a.has(X)]
    if not atoms:
        return ZeroMatrix(*X.shape)
    dummies = [Dummy("a") for _ in atoms]
    plain = f.xreplace(dict(zip(atoms, dummies)))
    if plain.has(X):
        raise UnsupportedOperator(f"cannot differentiate {f} with respect to {X}: it uses {X} outside a trace "
                                  "or determinant")
    back = dict(zip(dummies, atoms))
    terms = []
    for atom, t in zip(atoms, dummies):
        coeff = sympy.diff(plain, t).xreplace(back)
        if coeff != 0:
            terms.append(coeff * _backprop(atom, S.One, X))
    return _sum(terms, X.shape)


def _matrix_atoms(f):
    """Scalar-valued nodes built from matrices (tr, det), outermost only."""
    found = []

    def walk(e):
        if isinstance(e, SCALAR_ATOMS):
            found.append(e)
            return
        for a in e.args:
            if isinstance(a, sympy.Basic):
                walk(a)

    walk(f)
    return list(dict.fromkeys(found))


def _backprop(node, adjoint, X):
    """The contribution of `node` (with adjoint dL/dnode) to dL/dX."""
    if node == X:
        return adjoint
    if not node.has(X):
        return None
    rule = VJP.get(type(node))
    if rule is None and not isinstance(node, MatrixExpr):
        return adjoint * _scalar_gradient(node, X)  # a scalar (say tr(X) * A) inside a matrix expression
    if rule is None:
        raise UnsupportedOperator(f"no matrix-calculus rule for {type(node).__name__} ({node})")
    parts = [_backprop(child, adj, X) for child, adj in rule(node, adjoint)]
    return _sum([p for p in parts if p is not None], X.shape)


def _sum(terms, shape):
    terms = [t for t in terms if t is not None and not isinstance(t, ZeroMatrix)]
    if not terms:
        return ZeroMatrix(*shape)
    return terms[0] if len(terms) == 1 else MatAdd(*terms)


def jacobian(F, x):
    """dF/dx for a vector expression F (m x 1) and a vector x (n x 1): m x n."""
    if x.shape[1] != 1:
        raise UnsupportedOperator(f"Jacobians are taken with respect to a vector; {x} is {x.shape[0]} x {x.shape[1]}")
    return tidy(_jac(F, x))


def _jac(e, x):
    if e == x:
        return Identity(x.shape[0])
    if not e.has(x):
        return ZeroMatrix(e.shape[0], x.shape[0])
    if e.shape[1] != 1:
        raise UnsupportedOperator(f"the Jacobian of {e} ({e.shape[0]} x {e.shape[1]}): only vectors have one")
    rule = JVP.get(type(e))
    if rule is None:
        raise UnsupportedOperator(f"no Jacobian rule for {type(e).__name__} ({e})")
    return rule(e, lambda child: _jac(child, x), x, _scalar_gradient)


def hessian(f, x):
    """The n x n Hessian of a scalar f with respect to a vector x."""
    return tidy(_jac(gradient(f, x), x))


# ---------------------------------------------------------------------------
# readable forms


def tidy(expr):
    """Canonical, readable matrix expression: (A + A.T)*x rather than A*x + A.T*x."""
    expr = expr.doit() if isinstance(expr, MatrixExpr) else expr
    expr = _drop_ones(expr)
    for _ in range(3):
        new = _factor_common(expr)
        if new == expr:
            break
        expr = new
    return expr


def _drop_ones(expr):
    """G o 1 = G; and the 1 x 1 identity / ones from traces of 1 x 1 products."""
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return expr
    args = [_drop_ones(a) for a in expr.args]
    if isinstance(expr, HadamardProduct):
        kept = [a for a in args if not isinstance(a, OneMatrix)]
        if len(kept) == 1:
            return kept[0]
        return HadamardProduct(*kept) if kept else expr
    if isinstance(expr, MatMul):
        kept = [a for a in args if not (isinstance(a, (Identity, OneMatrix)) and a.shape == (1, 1))]
        if not kept:
            return expr
        return MatMul(*kept).doit() if len(kept) > 1 else kept[0]
    try:
        return expr.func(*args)
    except (TypeError, ValueError):
        return expr


def _factor_common(expr):
    """Pull a factor shared by every term of a sum out to the left or right."""
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return expr
    if not isinstance(expr, MatAdd):
        try:
            return expr.func(*(_factor_common(a) for a in expr.args))
        except (TypeError, ValueError):
            return expr
    terms = [_as_product(t) for t in expr.args]
    for side in (-1, 0):
        factors = [mats[side] if mats else None for _, mats in terms]
        if factors[0] is not None and all(f == factors[0] for f in factors) and all(len(m) > 1 for _, m in terms):
            rest = [c * _product(m[:-1] if side == -1 else m[1:]) for c, m in terms]
            inner = MatAdd(*rest).doit()
            inner = _factor_common(inner)
            return MatMul(inner, factors[0]) if side == -1 else MatMul(factors[0], inner)
    return MatAdd(*(_factor_common(a) for a in expr.args))


def _as_product(term):
    if isinstance(term, MatMul):
        coeff, mats = term.as_coeff_matrices()
        return coeff, list(mats)
    if isinstance(term, MatrixExpr):
        return S.One, [term]
    return term, []


def _product(mats):
    return mats[0] if len(mats) == 1 else MatMul(*mats)


__all__ = ["gradient", "hessian", "jacobian", "tidy", "MatrixSymbol", "Transpose"]
