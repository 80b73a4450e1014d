"""Matrix-calculus rules: one entry per operator, declared next to each other.

Three tables, each applied recursively by `matrix.py`:

``VJP`` (reverse: a scalar f of a matrix X).  Like HIPS autograd's
`defvjp`, each operator's rule takes the node and its adjoint G (dL/dnode,
the node's shape; a scalar g for scalar nodes) and returns (child, adjoint of
the child) pairs:

    d tr(A)       = tr(dA)              ->  dA gets  g I
    d det(A)      = det(A) tr(A^-1 dA)  ->  dA gets  g det(A) A^-T
    d A^-1        = -A^-1 dA A^-1       ->  dA gets  -A^-T G A^-T
    d A^k         = sum A^i dA A^(k-1-i) -> dA gets  sum (A^T)^i G (A^T)^(k-1-i)
    d (A B)       = dA B + A dB         ->  dA gets  G B^T,  dB gets  A^T G
    d A^T         = (dA)^T              ->  dA gets  G^T
    d (A o B)     = dA o B + A o dB     ->  dA gets  G o B
    d A^(o p)     = p A^(o p-1) o dA    ->  dA gets  p G o A^(o p-1)
    d f.(A)       = f'.(A) o dA         ->  dA gets  G o f'.(A)
    d A[i, j]     = dA[i, j]            ->  dA gets  g E_ij

``JVP`` (forward: the Jacobian of a vector y = L M R with respect to a vector
x, for the part of y that flows through the node M; L and R are the factors
around it, R None or 1 x 1 for a column y).  The leaves are M = x
(J = r L, r the 1 x 1 R as a scalar) and M = x^T (J = L R^T); every other
rule moves factors from M into L and R:

    L (P Q) R       ->  (L, P, Q R) and (L P, Q, R)
    L P^-1 R        ->  (-L P^-1, P, P^-1 R)
    L f.(p) R       ->  (r L diag(f'.(p)), p, .)             p a column
    L (a o p) R     ->  (r L diag(a), p, .)

``DIFF`` (forward: d/ds of a matrix or scalar expression for a scalar s,
the derivative of sin(s) A x or of tr(s^2 X)).  The same rules are the
operators' differentials, which is how `derive.steps` shows a derivation in
matrix notation: ``WORDING`` names each rule and states its identity, and
`differential` applies the DIFF / SCALAR_DIFF entry to pending differentials.

Every result built from these tables is checked numerically before it is
returned (`tensor.verify`): a wrong rule raises `ValidationError`.
"""

import sympy
from sympy import (
    Determinant,
    Dummy,
    HadamardPower,
    HadamardProduct,
    Identity,
    ImmutableMatrix,
    Inverse,
    KroneckerProduct,
    Lambda,
    MatAdd,
    MatMul,
    MatPow,
    MatrixBase,
    OneMatrix,
    Trace,
    Transpose,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import DeriveError
from ..text.inputs import as_basic


class UnsupportedOperator(DeriveError):
    """An operator (or a use of one) the matrix-calculus tables have no rule for."""

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()))  # one line, even with an explicit Matrix in it


def elementwise_derivative(node):
    """f'.(A) for f.(A), as an elementwise application of the derivative."""
    fn = node.function
    t = _ENTRY  # matrix entries are real: d|t|/dt = sign(t), not a formula in re and im
    body = fn.expr.xreplace({fn.variables[0]: t})
    return ElementwiseApplyFunction(Lambda(t, sympy.diff(body, t)), node.expr)


# One variable for every derivative map, so that the same map met twice is one object and like terms
# merge (a two-layer network's gradient printed (A) + (A) with a new Dummy in each)
_ENTRY = Dummy("t", real=True)


def product(factors):
    """The matrix product of `factors`, skipping None (an identity)."""
    factors = [f for f in factors if f is not None]
    if not factors:
        return None
    return factors[0] if len(factors) == 1 else MatMul(*factors)


def total(terms):
    """The sum of `terms`, skipping None (a zero); None if nothing is left."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else MatAdd(*terms)


def is_integer_power(k, base=None):
    """An integer exponent: a number, a symbol declared integer, or (for A**k) one of
    A's own sizes, which are integers whatever their assumptions say."""
    if k.is_Integer or (k.is_integer and not k.is_number):
        return True
    sizes = set().union(*(as_basic(d).free_symbols for d in base.shape)) if base is not None else set()
    return isinstance(k, sympy.Symbol) and k in sizes


def as_scalar(M):
    """A 1 x 1 matrix expression as a scalar (its trace); None stays None (= 1)."""
    return None if M is None else Trace(M)


def scaled(c, M):
    """c * M for a scalar c, unevaluated: SymPy's c * M runs a deep doit() every time,
    which is quadratic over a derivation; `tidy` evaluates once at the end."""
    return M if c == 1 else MatMul(c, M)


def hadamard_power(base, q):
    """base raised entrywise to q: base itself for q = 1, a matrix of ones for q = 0 (so the
    derivative of sum(v**2) prints as 2*v, and its Hessian as 2*X.T*X)."""
    if q == 1:
        return base
    if q == 0:
        return OneMatrix(*base.shape)
    return HadamardPower(base, q)


def scale(factor, M):
    """factor * M for a scalar factor that may be None (= 1)."""
    return M if factor is None else scaled(factor, M)


def unit_matrix(M, i, j):
    """The matrix E_ij of M's shape (1 at [i, j]); only at concrete sizes."""
    rows, cols = M.shape
    if not (rows.is_Integer and cols.is_Integer and i.is_Integer and j.is_Integer):
        raise UnsupportedOperator(f"the element {M}[{i}, {j}] of a matrix of symbolic size {rows} x {cols}: "
                                  "differentiate with respect to an element in index notation (x[k]) instead")
    E = sympy.zeros(int(rows), int(cols))
    E[int(i), int(j)] = 1
    return ImmutableMatrix(E)


def _is_scaled_identity(G):
    if isinstance(G, Identity):
        return True
    return isinstance(G, MatMul) and len(G.as_coeff_matrices()[1]) == 1 and isinstance(G.as_coeff_matrices()[1][0],
                                                                                        Identity)


# ---------------------------------------------------------------------------
# VJP: (node, adjoint) -> [(child, adjoint of the child)]


def vjp_matadd(node, G):
    return [(term, G) for term in node.args]


def vjp_matmul(node, G):
    coeff, mats = node.as_coeff_matrices()
    out = []
    for i, M in enumerate(mats):
        left, right = product(mats[:i]), product(mats[i + 1:])
        factors = [Transpose(left) if left is not None else None, G,
                   Transpose(right) if right is not None else None]
        out.append((M, scaled(coeff, product(factors))))
    if coeff.free_symbols:
        out.append((coeff, Trace(MatMul(Transpose(G), *mats))))
    return out


def vjp_transpose(node, G):
    return [(node.arg, Transpose(G))]


def vjp_inverse(node, G):
    inv_t = Transpose(node)
    return [(node.arg, MatMul(-1, inv_t, G, inv_t))]


def vjp_trace(node, g):
    return [(node.arg, scaled(g, Identity(node.arg.shape[0])))]


def vjp_determinant(node, g):
    return [(node.arg, scaled(g * node, Transpose(Inverse(node.arg))))]


def vjp_element(node, g):
    M, i, j = node.args
    return [(M, scaled(g, unit_matrix(M, i, j)))]


def vjp_hadamard(node, G):
    args = list(node.args)
    return [(a, HadamardProduct(G, *(args[:i] + args[i + 1:]))) for i, a in enumerate(args)]


def vjp_hadamard_power(node, G):
    base, p = node.args
    return [(base, scaled(p, HadamardProduct(G, hadamard_power(base, p - 1)))), (p, _hadamard_power_exponent(node, G))]


def _hadamard_power_exponent(node, G):
    """d/dp of sum G o A^(o p) = sum G o log.(A) o A^(o p) (only when p varies)."""
    base, p = node.args
    if not p.free_symbols:
        return 0
    t = _ENTRY
    logs = ElementwiseApplyFunction(Lambda(t, sympy.log(t)), base)
    ones = sympy.OneMatrix(1, base.shape[0]), sympy.OneMatrix(base.shape[1], 1)
    return Trace(MatMul(ones[0], HadamardProduct(G, logs, node), ones[1]))


def vjp_elementwise(node, G):
    return [(node.expr, HadamardProduct(G, elementwise_derivative(node)))]


def vjp_diag(node, G):
    (v,) = node.args
    d = DiagonalOf(G)
    return [(v, d if v.shape[1] == 1 else Transpose(d))]


def vjp_diagonal(node, G):
    """diagonal(A) -> the vector of A's diagonal: <G, diagonal(dA)> = <diag(G), dA>."""
    (A,) = node.args
    return [(A, DiagMatrix(G))]


def vjp_matpow(node, G):
    base, k = node.args
    if base.shape == (1, 1):  # a 1 x 1 power is a scalar power: any exponent
        return [(base, scaled(k * Trace(base) ** (k - 1), G))]
    if k.is_Integer and k == 0:
        return []
    if k.is_Integer and k < 0:  # A^-k = (A^-1)^k
        inverse = Inverse(base)
        return [(inverse if k == -1 else MatPow(inverse, -k), G)]
    if k.is_Integer:
        k = int(k)
        terms = [MatMul(*([Transpose(base)] * i), G, *([Transpose(base)] * (k - 1 - i))) for i in range(k)]
        return [(base, MatAdd(*terms))]
    if is_integer_power(k, base) and _is_scaled_identity(G):  # tr(A^k): the k terms are equal
        return [(base, MatMul(k, G, Transpose(MatPow(base, k - 1))))]
    raise UnsupportedOperator(f"the matrix power {node}: with a symbolic exponent only tr(A**k) and det(A**k) have "
                              "rules here" + ("" if is_integer_power(k, base) else
                                              f" (and {k} must be declared integer)"))


def vjp_kronecker(node, G):
    raise UnsupportedOperator(f"no gradient rule for the Kronecker product {node}")


VJP = {
    MatAdd: vjp_matadd,
    MatMul: vjp_matmul,
    Transpose: vjp_transpose,
    Inverse: vjp_inverse,
    Trace: vjp_trace,
    Determinant: vjp_determinant,
    MatrixElement: vjp_element,
    HadamardProduct: vjp_hadamard,
    HadamardPower: vjp_hadamard_power,
    ElementwiseApplyFunction: vjp_elementwise,
    DiagMatrix: vjp_diag,
    DiagonalOf: vjp_diagonal,
    MatPow: vjp_matpow,
    KroneckerProduct: vjp_kronecker,
}

# Scalar-valued nodes built from matrices: the reverse pass treats them as atoms.
SCALAR_NODES = (Trace, Determinant, MatrixElement)


def rewrite_determinant(node):
    """det(A^k) = det(A)^k and det(A^-1) = 1/det(A): simpler gradients (and the only
    ones for a symbolic integer k)."""
    arg = node.arg
    if isinstance(arg, MatPow) and is_integer_power(arg.args[1], arg.args[0]):
        return Determinant(arg.args[0]) ** arg.args[1]
    return node


# ---------------------------------------------------------------------------
# JVP: the Jacobian of y = L M R (a column) with respect to a vector x.
# `ctx.recurse(L, M, R)` continues the pass, `ctx.gradient(c)` is the gradient of a
# scalar coefficient, `ctx.x` the variable.  L is never None; R is None (= 1) or 1 x 1
# when M is a column.


def jvp_matadd(L, M, R, ctx):
    return [t for term in M.args for t in ctx.recurse(L, term, R)]


def jvp_matmul(L, M, R, ctx):
    coeff, mats = M.as_coeff_matrices()
    terms = []
    for i, factor in enumerate(mats):
        left = product([L, *mats[:i]])
        terms += ctx.recurse(scaled(coeff, left), factor, product([*mats[i + 1:], R]))
    if coeff.has(ctx.x):
        terms.append(MatMul(product([L, *mats, R]), Transpose(ctx.gradient(coeff))))
    return terms


def jvp_inverse(L, M, R, ctx):
    return ctx.recurse(-product([L, M]), M.arg, product([M, R]))


def jvp_matpow(L, M, R, ctx):
    base, k = M.args
    if base.shape == (1, 1):
        return ctx.recurse(scaled(k * Trace(base) ** (k - 1), L), base, R)
    if not k.is_Integer:
        raise UnsupportedOperator(f"the Jacobian of the matrix power {M} with a symbolic exponent")
    if k == 0:
        return []
    factor, n = (base if k > 0 else Inverse(base)), abs(int(k))
    return ctx.recurse(L, MatMul(*([factor] * n)) if n > 1 else factor, R)


def _through_entrywise(L, R, ctx, inner, weight):
    """y = L (w o d inner) R for a column or row `inner` and weights w of its shape."""
    if inner.shape[1] == 1:  # column: L (w o dp) r = r L diag(w) dp
        return ctx.recurse(scale(as_scalar(R), product([L, DiagMatrix(weight)])), inner, None)
    if inner.shape[0] == 1:  # row: L (w o dp) R = L dp diag(w) R
        return ctx.recurse(L, inner, product([DiagMatrix(weight), R]))
    raise UnsupportedOperator(f"the Jacobian through an elementwise operation on the matrix {inner} "
                              f"({inner.shape[0]} x {inner.shape[1]}) is a 3-dimensional array")


def jvp_elementwise(L, M, R, ctx):
    return _through_entrywise(L, R, ctx, M.expr, elementwise_derivative(M))


def jvp_hadamard(L, M, R, ctx):
    args = list(M.args)
    terms = []
    for i, a in enumerate(args):
        if a.has(ctx.x):
            others = args[:i] + args[i + 1:]
            terms += _through_entrywise(L, R, ctx, a, others[0] if len(others) == 1 else HadamardProduct(*others))
    return terms


def jvp_hadamard_power(L, M, R, ctx):
    base, p = M.args
    if p.has(ctx.x):
        raise UnsupportedOperator(f"the Jacobian of {M} with respect to a variable in its exponent")
    return _through_entrywise(L, R, ctx, base, scaled(p, hadamard_power(base, p - 1)))


def jvp_transpose(L, M, R, ctx):
    pushed = M.doit()  # (A B)^T = B^T A^T, ...: the transpose moves down to the leaves
    if pushed == M:
        raise UnsupportedOperator(f"the Jacobian through the transpose {M}")
    return ctx.recurse(L, pushed, R)


def jvp_diag(L, M, R, ctx):
    (v,) = M.args
    column = v if v.shape[1] == 1 else Transpose(v).doit()
    return ctx.recurse(product([L, DiagMatrix(R)]) if R is not None else L, column, None)


def jvp_explicit(L, M, R, ctx):
    """An explicit matrix (the gradient of x[0]**2*x[1]): entry by entry,
    L dM R = sum over (a, b) of L E_ab R (grad M[a, b])^T dx."""
    rows, cols = M.shape
    return [MatMul(product([L, _unit(rows, cols, a, b), R]), Transpose(ctx.gradient(M[a, b])))
            for a in range(rows) for b in range(cols) if M[a, b].has(ctx.x)]


def _unit(rows, cols, a, b):
    """E_ab: the rows x cols matrix with 1 at (a, b) and 0 elsewhere."""
    return ImmutableMatrix(rows, cols, lambda i, j: int((i, j) == (a, b)))


JVP = {
    MatAdd: jvp_matadd,
    MatMul: jvp_matmul,
    Inverse: jvp_inverse,
    MatPow: jvp_matpow,
    Transpose: jvp_transpose,
    ElementwiseApplyFunction: jvp_elementwise,
    HadamardProduct: jvp_hadamard,
    HadamardPower: jvp_hadamard_power,
    DiagMatrix: jvp_diag,
    MatrixBase: jvp_explicit,
}


# ---------------------------------------------------------------------------
# DIFF: d/ds of a matrix expression for a scalar s.  `ctx.d(M)` is the derivative of a
# matrix child (None for zero), `ctx.scalar_d(e)` of a scalar one, `ctx.varies(e)` says
# whether e depends on s.


def diff_matadd(M, ctx):
    return total([ctx.d(a) for a in M.args])


def diff_matmul(M, ctx):
    coeff, mats = M.as_coeff_matrices()
    terms = []
    dc = ctx.scalar_d(coeff)
    if dc != 0:
        terms.append(scaled(dc, product(mats)))
    for i, factor in enumerate(mats):
        df = ctx.d(factor)
        if df is not None:
            terms.append(scaled(coeff, product([*mats[:i], df, *mats[i + 1:]])))
    return total(terms)


def diff_transpose(M, ctx):
    inner = ctx.d(M.arg)
    return None if inner is None else Transpose(inner)


def diff_inverse(M, ctx):
    inner = ctx.d(M.arg)
    return None if inner is None else MatMul(-1, M, inner, M)


def diff_matpow(M, ctx):
    base, k = M.args
    if base.shape == (1, 1):  # a 1 x 1 power is a scalar power: d(b^k), exponent included
        rate = ctx.scalar_d(Trace(base) ** k)
        return None if rate == 0 else scaled(rate, Identity(1))
    if ctx.varies(k):
        raise UnsupportedOperator(f"the derivative of the matrix power {M} with respect to its exponent")
    if not k.is_Integer:
        raise UnsupportedOperator(f"the derivative of the matrix power {M} with a symbolic exponent")
    if k == 0:
        return None
    factor, n = (M.args[0] if k > 0 else Inverse(base)), abs(int(k))
    return ctx.d(MatMul(*([factor] * n)) if n > 1 else factor)


def diff_multilinear(M, ctx):
    """d(A o B) = dA o B + A o dB, and the same for the Kronecker product."""
    args = list(M.args)
    terms = []
    for i, a in enumerate(args):
        da = ctx.d(a)
        if da is not None:
            terms.append(type(M)(*args[:i], da, *args[i + 1:]))
    return total(terms)


def diff_hadamard_power(M, ctx):
    base, p = M.args
    terms = []
    db = ctx.d(base)
    if db is not None:
        terms.append(scaled(p, HadamardProduct(hadamard_power(base, p - 1), db)))
    dp = ctx.scalar_d(p)
    if dp != 0:
        t = _ENTRY
        terms.append(scaled(dp, HadamardProduct(ElementwiseApplyFunction(Lambda(t, sympy.log(t)), base), M)))
    return total(terms)


def diff_elementwise(M, ctx):
    inner = ctx.d(M.expr)
    return None if inner is None else HadamardProduct(elementwise_derivative(M), inner)


def diff_diag(M, ctx):
    inner = ctx.d(M.args[0])
    return None if inner is None else DiagMatrix(inner)


def diff_diagonal(M, ctx):
    inner = ctx.d(M.args[0])
    return None if inner is None else DiagonalOf(inner)


def diff_explicit(M, ctx):
    out = M.applyfunc(ctx.scalar_d)
    return None if all(e == 0 for e in out) else ImmutableMatrix(out)


DIFF = {
    MatAdd: diff_matadd,
    MatMul: diff_matmul,
    Transpose: diff_transpose,
    Inverse: diff_inverse,
    MatPow: diff_matpow,
    HadamardProduct: diff_multilinear,
    HadamardPower: diff_hadamard_power,
    ElementwiseApplyFunction: diff_elementwise,
    DiagMatrix: diff_diag,
    DiagonalOf: diff_diagonal,
    KroneckerProduct: diff_multilinear,
    MatrixBase: diff_explicit,
}

# d of the scalar-valued matrix nodes (tr, det, an element), given d of their matrix
SCALAR_DIFF = {
    Trace: lambda node, dM: Trace(dM),
    Determinant: lambda node, dM: node * Trace(MatMul(Inverse(node.arg), dM)),
    MatrixElement: lambda node, dM: dM[node.args[1], node.args[2]],
}


def rule_for(table, node):
    """The rule for `node`'s type (or the nearest base class with one)."""
    for cls in type(node).__mro__:
        if cls in table:
            return table[cls]
    return None


# How a derivation shows each operator's differential (derive.steps): the rule's
# name and its identity.  The differential itself is the operator's DIFF or
# SCALAR_DIFF entry above, so the derivative and its explanation cannot drift apart.
WORDING = {
    MatAdd: ("sum rule", "d(A + B) = dA + dB"),
    MatMul: ("product rule", "d(A B) = dA B + A dB"),
    Transpose: ("differential of the transpose", "d(A.T) = (dA).T"),
    Inverse: ("differential of the inverse", "d inv(A) = -inv(A) dA inv(A)"),
    MatPow: ("product rule (power)", "d(A^k) = sum over i of A^i dA A^(k-1-i)"),
    HadamardProduct: ("product rule (Hadamard)", "d(A o B) = dA o B + A o dB"),
    HadamardPower: ("power rule (Hadamard)", "d(A^(o p)) = p A^(o p-1) o dA"),
    ElementwiseApplyFunction: ("chain rule (elementwise)", "d f.(A) = f'.(A) o dA"),
    DiagMatrix: ("differential of diag", "d diag(a) = diag(da)"),
    DiagonalOf: ("differential of the diagonal", "d diagonal(A) = diagonal(dA)"),
    KroneckerProduct: ("product rule (Kronecker)", "d(A (x) B) = dA (x) B + A (x) dB"),
    Trace: ("differential of the trace", "d tr(A) = tr(dA)"),
    Determinant: ("differential of the determinant", "d det(A) = det(A) tr(inv(A) dA)"),
    MatrixElement: ("differential of an entry", "d(A[i, j]) = dA[i, j]"),
    MatrixBase: ("differential entry by entry", "d [a_ij] = [d a_ij]"),
}


class _PendingContext:
    """The DIFF rules' `ctx` over pending differentials: ``d(child)`` gives a child's
    differential (dX, a pending d(child), or None for a constant)."""

    def __init__(self, d):
        self.d = d

    def scalar_d(self, e):
        de = self.d(e)
        return sympy.S.Zero if de is None else de

    def varies(self, e):
        return self.d(e) is not None


# d(A^k) for a symbolic k has no closed form (k terms A^i dA A^(k-1-i)), but under a trace
# the terms are equal (the cyclic rule), and det(A^k) = det(A)^k: the same identities the
# gradient uses (vjp_matpow, rewrite_determinant)
OF_A_POWER = {
    Trace: ("differential of the trace of a power", "d tr(A^k) = k tr(A^(k-1) dA)",
            lambda node, A, k, dA: k * Trace(MatMul(MatPow(A, k - 1), dA))),
    Determinant: ("differential of the determinant of a power", "d det(A^k) = k det(A^k) tr(inv(A) dA)",
                  lambda node, A, k, dA: k * node * Trace(MatMul(Inverse(A), dA))),
}


def _symbolic_power(M):
    return isinstance(M, MatPow) and not M.args[1].is_Integer and M.args[0].shape != (1, 1) \
        and is_integer_power(M.args[1], M.args[0])


def differential(node, d):
    """(rule, identity, d(node)) from the tables, given ``d(child)`` for the children;
    None when no rule applies.  d(node) is None when node is constant."""
    cls = next((c for c in type(node).__mro__ if c in WORDING), None)
    if cls is None:
        return None
    rule, identity = WORDING[cls]
    if cls in OF_A_POWER and _symbolic_power(node.args[0]):
        rule, identity, rewritten = OF_A_POWER[cls]
        (A, k), inner = node.args[0].args, d(node.args[0].args[0])
        return rule, identity, None if inner is None else rewritten(node, A, k, inner)
    if cls in SCALAR_DIFF:
        inner = d(node.args[0])
        return rule, identity, None if inner is None else SCALAR_DIFF[cls](node, inner)
    return rule, identity, rule_for(DIFF, node)(node, _PendingContext(d))
