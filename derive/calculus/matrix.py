"""Derivatives in matrix notation, from the rule tables in `matrix_rules.py`.

    gradient(f, X)       scalar f, matrix or vector X        -> shape of X
    jacobian(F, x)       vector F (m x 1), vector x          -> m x n
    hessian(f, x)        scalar f, vector x                  -> n x n (the Jacobian of the gradient)
    derivative(F, s)     matrix, vector or scalar F, scalar s -> shape of F (dF/ds entrywise)

The reverse pass: a scalar f is a SymPy expression whose "matrix atoms"
(traces, determinants, elements) carry the dependence on X.  Each atom is
replaced by a plain symbol, SymPy differentiates the scalar part (log, exp,
powers: the chain rule), and each atom's adjoint is pushed down its matrix
expression by the VJP table.  The forward passes (Jacobians, d/ds) walk the
JVP and DIFF tables the same way.  Results are tidied into readable forms
((A + A.T)*x, X.T^-1; S*x + S*x = 2*S*x for a matrix declared symmetric)
and — by the caller — checked numerically, since SymPy's own matrix calculus
returns silent zeros.
"""

import sympy
from sympy import (
    Dummy,
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixBase,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    S,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy import Determinant
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from .matrix_rules import DIFF, JVP, SCALAR_DIFF, SCALAR_NODES, VJP, UnsupportedOperator, rewrite_determinant, rule_for, scaled


def is_matrix_expr(e):
    return isinstance(e, MatrixExpr) and not isinstance(e, MatrixBase)


def as_scalar_function(f):
    """A 1 x 1 matrix expression is a scalar: its trace.  Determinants of powers
    and inverses are rewritten (det(A^k) = det(A)^k)."""
    if isinstance(f, (MatrixExpr, MatrixBase)):
        if f.shape != (1, 1):
            raise UnsupportedOperator(f"the gradient needs a scalar function; this one is {f.shape[0]} x {f.shape[1]}"
                                      " (use jacobian for a vector function)")
        f = Trace(f) if is_matrix_expr(f) else f[0, 0]
    return f.replace(lambda e: isinstance(e, Determinant), rewrite_determinant)


# ---------------------------------------------------------------------------
# reverse: the gradient of a scalar


def gradient(f, X, symmetric=()):
    """df/dX for a scalar expression f, with the shape of X."""
    return tidy(_scalar_gradient(as_scalar_function(f), X), symmetric)


def _scalar_gradient(f, X):
    atoms = [a for a in _matrix_atoms(f) if a.has(X)]
    if not atoms:
        return ZeroMatrix(*X.shape)
    dummies = [Dummy("a") for _ in atoms]
    plain = f.xreplace(dict(zip(atoms, dummies)))
    if plain.has(X):
        raise UnsupportedOperator(f"cannot differentiate {f} with respect to {X}: it uses {X} outside a trace, "
                                  "determinant or element")
    back = dict(zip(dummies, atoms))
    terms = []
    for atom, t in zip(atoms, dummies):
        coeff = _pending_at(sympy.diff(plain, t), dummies).xreplace(back)
        if coeff != 0:
            terms.append(scaled(coeff, _backprop(atom, S.One, X)))
    return _sum(terms, X.shape)


def _pending_at(coeff, dummies):
    """g'(a) for an unspecified g stays a pending derivative at the point a; written as
    Subs(Derivative(g(xi), xi), xi, a), so that a may become tr(a.T*x) again."""
    def at_point(d):
        point = next(v for v, _ in d.variable_count if v in dummies)
        xi = Dummy("xi")
        return sympy.Subs(sympy.Derivative(d.expr.xreplace({point: xi}), *[(xi if v == point else v, n)
                                                                          for v, n in d.variable_count]),
                          xi, point)

    return coeff.replace(lambda e: isinstance(e, sympy.Derivative) and any(v in dummies for v in e.variables),
                         at_point)


def _matrix_atoms(f):
    """Scalar-valued nodes built from matrices (tr, det, elements), outermost only."""
    found = []

    def walk(e):
        if isinstance(e, SCALAR_NODES):
            found.append(e)
            return
        if isinstance(e, sympy.Sum) and e.has(sympy.matrices.expressions.matexpr.MatrixElement):
            raise UnsupportedOperator("a sum over matrix elements (SymPy's (x.T*A*x)[0, 0] at a symbolic size): "
                                      "write it in matrix notation, or differentiate with respect to an element")
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
    rule = rule_for(VJP, node)
    if rule is None and not isinstance(node, MatrixExpr):
        return scaled(adjoint, _scalar_gradient(node, X))  # a scalar (say tr(X) * A) inside a matrix expression
    if rule is None:
        raise UnsupportedOperator(f"no matrix-calculus rule for {type(node).__name__} ({node})")
    parts = [_backprop(child, adj, X) for child, adj in rule(node, adjoint)]
    return _sum([p for p in parts if p is not None], X.shape)


def _sum(terms, shape):
    terms = [t for t in terms if t is not None and not isinstance(t, ZeroMatrix)]
    if not terms:
        return ZeroMatrix(*shape)
    return terms[0] if len(terms) == 1 else MatAdd(*terms)


# ---------------------------------------------------------------------------
# forward: Jacobians of vectors, Hessians


def jacobian(F, x, symmetric=()):
    """dF/dx for a vector expression F (m x 1, or a row) and a vector x (n x 1): m x n."""
    if x.shape[1] != 1:
        if not isinstance(F, (MatrixExpr, MatrixBase)) or F.shape == (1, 1):
            raise UnsupportedOperator(f"Jacobians are taken with respect to vectors; for a scalar f of the "
                                      f"{x.shape[0]} x {x.shape[1]} matrix {x} use grad (the shape of {x})")
        raise UnsupportedOperator(f"the derivative of a vector with respect to the {x.shape[0]} x {x.shape[1]} "
                                  f"matrix {x} is a 3-dimensional array; derive takes Jacobians with respect to "
                                  "vectors")
    if not isinstance(F, (MatrixExpr, MatrixBase)):  # a scalar: its Jacobian is the gradient's transpose
        return tidy(Transpose(_scalar_gradient(as_scalar_function(F), x)), symmetric)
    return tidy(_jac(F, x), symmetric)


class _Forward:
    """The context the JVP rules see."""

    def __init__(self, x):
        self.x = x

    def gradient(self, c):
        return _scalar_gradient(c, self.x)

    def recurse(self, L, M, R):
        x = self.x
        if not M.has(x):
            return []
        if M == x:
            return [L if R is None else scaled(Trace(R), L)]
        if M == Transpose(x):
            return [L if R is None else MatMul(L, Transpose(R))]
        rule = rule_for(JVP, M)
        if rule is None:
            raise UnsupportedOperator(f"no Jacobian rule for {type(M).__name__} ({M})")
        return rule(L, M, R, self)


def _jac(F, x):
    if isinstance(F, (MatrixExpr, MatrixBase)) and F.shape[0] == 1 and F.shape[1] != 1:
        F = Transpose(F).doit()  # a row vector: its Jacobian is its transpose's
    if not isinstance(F, (MatrixExpr, MatrixBase)) or F.shape[1] != 1:
        shape = F.shape if isinstance(F, (MatrixExpr, MatrixBase)) else (1, 1)
        raise UnsupportedOperator(f"the Jacobian of a {shape[0]} x {shape[1]} matrix with respect to a vector is a "
                                  "3-dimensional array; derive takes Jacobians of vectors")
    terms = _Forward(x).recurse(Identity(F.shape[0]), F, None)
    return _sum(terms, (F.shape[0], x.shape[0]))


def hessian(f, x, symmetric=()):
    """The n x n Hessian of a scalar f with respect to a vector x."""
    return tidy(_jac(gradient(f, x, symmetric), x), symmetric)


# ---------------------------------------------------------------------------
# forward: d/ds for a scalar s


class _Derivative:
    """The context the DIFF rules see: d/ds for the scalars `variables` (one at a time)."""

    def __init__(self, s):
        self.s = s
        self.variables = (s,)

    def varies(self, e):
        return e.has(self.s)

    def d(self, M):
        """dM/ds for a matrix M, or None when it is zero."""
        if not M.has(self.s):
            return None
        rule = rule_for(DIFF, M)
        if rule is None:
            raise UnsupportedOperator(f"no rule for the derivative of {type(M).__name__} ({M}) with respect to "
                                      f"{self.s}")
        return rule(M, self)

    def scalar_d(self, e):
        """de/ds for a scalar e that may contain traces, determinants and elements."""
        if not isinstance(e, sympy.Basic) or not e.has(self.s):
            return S.Zero
        atoms = [a for a in _matrix_atoms(e) if a.has(self.s)]
        dummies = [Dummy("a") for _ in atoms]
        plain = e.xreplace(dict(zip(atoms, dummies)))
        back = dict(zip(dummies, atoms))
        total = sympy.diff(plain, self.s).xreplace(back)
        for atom, t in zip(atoms, dummies):
            coeff = sympy.diff(plain, t).xreplace(back)
            if coeff != 0:
                inner = self.d(atom.args[0])
                if inner is not None:
                    total += coeff * SCALAR_DIFF[type(atom)](atom, inner)
        return total


def derivative(F, s, symmetric=()):
    """dF/ds for a scalar symbol s: a matrix of F's shape, or a scalar."""
    ctx = _Derivative(s)
    if is_matrix_expr(F):
        result = ctx.d(F)
        return tidy(result if result is not None else ZeroMatrix(*F.shape), symmetric)
    return tidy(ctx.scalar_d(F), symmetric)


# ---------------------------------------------------------------------------
# readable forms


def tidy(expr, symmetric=()):
    """Canonical, readable matrix expression: (A + A.T)*x rather than A*x + A.T*x.

    Matrices in `symmetric` are their own transposes: S.T becomes S."""
    swap = {Transpose(M): M for M in symmetric}
    if swap:
        expr = expr.xreplace(swap)
    expr = expr.doit() if isinstance(expr, MatrixExpr) else expr
    if swap:
        expr = expr.xreplace(swap)
    expr = _drop_ones(expr)
    for _ in range(3):
        new = _factor_common(expr)
        if new == expr:
            break
        expr = new
    return expr


def _cancel_reciprocals(args):
    """(1/M) o M = 1 entrywise (the gradient of entropy(p), -log(p) - (1/p) o p, is -log(p) - 1)."""
    args = list(args)
    for a in list(args):
        if isinstance(a, ElementwiseApplyFunction) and a.function.expr == 1 / a.function.variables[0] \
                and a.expr in args:
            args.remove(a)
            args.remove(a.expr)
            if not args:
                return [OneMatrix(*a.shape)]
    return args


def _drop_ones(expr):
    """G o 1 = G; and the 1 x 1 identity / ones from traces of 1 x 1 products."""
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return expr
    args = [_drop_ones(a) for a in expr.args]
    if isinstance(expr, HadamardProduct):
        args = _cancel_reciprocals(args)
        if len(args) == 1 and isinstance(args[0], OneMatrix):
            return args[0]
        coeff, kept = sympy.S.One, []
        for a in args:  # c*1 o G = c*G (a broadcast scalar times an array)
            c, mats = a.as_coeff_matrices() if isinstance(a, MatMul) else (sympy.S.One, [a])
            if isinstance(a, OneMatrix) or (len(mats) == 1 and isinstance(mats[0], OneMatrix)):
                coeff *= c
            else:
                kept.append(a)
        if not kept:
            return expr
        kept = kept[0] if len(kept) == 1 else HadamardProduct(*kept)
        return kept if coeff == 1 else coeff * kept
    if isinstance(expr, DiagMatrix) and _is_ones(args[0]):  # diag(1) = I
        return Identity(max(args[0].shape, key=lambda d: d != 1))
    if isinstance(expr, DiagonalOf) and isinstance(args[0], MatMul):
        # diag(1 M) = M.T 1: the diagonal of ones times M holds M's column sums
        coeff, mats = args[0].as_coeff_matrices()
        if len(mats) >= 2 and isinstance(mats[0], OneMatrix):
            rest = mats[1:]
            M = rest[0] if len(rest) == 1 else MatMul(*rest)
            return coeff * (Transpose(M).doit() * OneMatrix(M.shape[0], 1))
    if isinstance(expr, MatMul):
        kept = [a for a in args if not (isinstance(a, (Identity, OneMatrix)) and a.shape == (1, 1))]
        if sum(1 for a in kept if isinstance(a, MatrixExpr)) > 1:  # I M = M
            kept = [a for a in kept if not isinstance(a, Identity)]
        if not kept:
            return expr
        return MatMul(*kept).doit() if len(kept) > 1 else kept[0]
    try:
        return expr.func(*args)
    except (TypeError, ValueError):
        return expr


def _is_ones(M):
    return isinstance(M, OneMatrix) or (isinstance(M, Transpose) and isinstance(M.arg, OneMatrix))


def _factor_common(expr):
    """Pull a factor shared by every term of a sum out to the left or right."""
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return expr
    if not isinstance(expr, MatAdd):
        try:
            return expr.func(*(_factor_common(a) for a in expr.args))
        except (TypeError, ValueError):
            return expr
    expr = _like_terms(expr)
    if not isinstance(expr, MatAdd):
        return _factor_common(expr)
    terms = [_as_product(t) for t in expr.args]
    partial = _factor_group(expr, terms)
    if partial is not None:  # Q*x/2 + Q.T*x/2 + c -> (Q + Q.T)*x/2 + c
        return partial
    for side in (-1, 0):
        if not all(len(m) > 1 for _, m in terms):
            break
        common = terms[0][1][side]
        signs = [1 if m[side] == common else -1 if m[side] == _negated(common) else 0 for _, m in terms]
        if all(signs):
            rest = [sign * c * _product(m[:-1] if side == -1 else m[1:]) for sign, (c, m) in zip(signs, terms)]
            inner = _factor_common(MatAdd(*rest).doit())
            if isinstance(common, MatAdd) and _all_negative(inner):  # -(A + B)*(mu - x) -> (A + B)*(x - mu)
                inner, common = _negated(inner), _negated(common)
            inner = _common_coefficient(inner)
            parts = list(inner.args) if isinstance(inner, MatMul) else [inner]
            return MatMul(*parts, common) if side == -1 else MatMul(common, *parts)
    return MatAdd(*(_factor_common(a) for a in expr.args))


def _like_terms(expr):
    """Terms with the same matrix part added up: Q*x/2 + Q*x/2 -> Q*x (a symmetric Q made them equal)."""
    totals = {}
    for t in expr.args:
        coeff, mats = _as_product(t)
        key = _product(mats)
        totals[key] = totals.get(key, 0) + coeff
    if len(totals) == len(expr.args):
        return expr
    kept = [c * m for m, c in totals.items() if c != 0]
    if not kept:
        return ZeroMatrix(*expr.shape)
    return MatAdd(*kept).doit() if len(kept) > 1 else kept[0]


def _factor_group(expr, terms):
    """When only some terms share their last (or first) factor, factor those and keep the rest:
    None when all or none of them share one (the caller's cases)."""
    for side in (-1, 0):
        groups = {}
        for k, (_, m) in enumerate(terms):
            if len(m) > 1:
                groups.setdefault(m[side], []).append(k)
        shared = max(groups.values(), key=len, default=[])
        if 2 <= len(shared) < len(terms):
            grouped = _factor_common(MatAdd(*(expr.args[k] for k in shared)))
            rest = [expr.args[k] for k in range(len(terms)) if k not in shared]
            return MatAdd(grouped, *(_factor_common(r) for r in rest))
    return None


def _negated(M):
    """-M, written as a sum when M is one ((mu - x) for (x - mu)), so that it compares equal."""
    return MatAdd(*(-a for a in M.args)).doit() if isinstance(M, MatAdd) else -M


def _all_negative(expr):
    terms = expr.args if isinstance(expr, MatAdd) else (expr,)
    return all(_as_product(t)[0].could_extract_minus_sign() for t in terms)


def _common_coefficient(expr):
    """A.T/2 + B/2 -> (A.T + B)/2."""
    if not isinstance(expr, MatAdd):
        return expr
    coeffs = [_as_product(t)[0] for t in expr.args]
    if coeffs[0] == 1 or any(c != coeffs[0] for c in coeffs):
        return expr
    return MatMul(coeffs[0], MatAdd(*(_product(_as_product(t)[1]) for t in expr.args)))


def _as_product(term):
    if isinstance(term, MatMul):
        coeff, mats = term.as_coeff_matrices()
        return coeff, list(mats)
    if isinstance(term, MatrixExpr):
        return S.One, [term]
    return term, []


def _product(mats):
    return mats[0] if len(mats) == 1 else MatMul(*mats)


__all__ = ["derivative", "gradient", "hessian", "jacobian", "tidy", "MatrixSymbol", "Transpose"]
