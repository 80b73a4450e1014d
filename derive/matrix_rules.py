"""Matrix-calculus rules: one entry per operator, declared next to each other.

Like HIPS autograd's `defvjp`, each operator has a *vector-Jacobian product*
rule: given the adjoint G of the node (dL/dnode, the node's shape; a scalar g
for scalar nodes), it returns (child, adjoint of the child) pairs.  The
reverse pass in `matrix_calculus.py` is nothing but this table applied
recursively.  A second, smaller table gives forward Jacobians of vector
expressions (for Jacobians and Hessians).

    d tr(A)       = tr(dA)              ->  dA gets  g I
    d det(A)      = det(A) tr(A^-1 dA)  ->  dA gets  g det(A) A^-T
    d A^-1        = -A^-1 dA A^-1       ->  dA gets  -A^-T G A^-T
    d (A B)       = dA B + A dB         ->  dA gets  G B^T,  dB gets  A^T G
    d A^T         = (dA)^T              ->  dA gets  G^T
    d (A o B)     = dA o B + A o dB     ->  dA gets  G o B
    d f.(A)       = f'.(A) o dA         ->  dA gets  G o f'.(A)
"""

import sympy
from sympy import (
    Determinant,
    Dummy,
    HadamardProduct,
    Identity,
    Inverse,
    Lambda,
    MatAdd,
    MatMul,
    MatPow,
    Trace,
    Transpose,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from .errors import DeriveError


class UnsupportedOperator(DeriveError):
    """An operator the matrix-calculus tables have no rule for."""


def explained(rule, formula, differential):
    """Declare, next to a VJP rule, how a derivation shows it (derive.steps):
    the rule's name, its identity in differentials, and ``differential(node,
    d)``: the differential of `node` given ``d(child)`` (the pending
    differential of a child, dX for the variable itself, None for a constant)."""

    def mark(vjp):
        vjp.rule, vjp.formula, vjp.differential = rule, formula, differential
        return vjp

    return mark


def _added(terms):
    """The sum of the non-zero terms (None if there are none)."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    return MatAdd(*terms) if isinstance(terms[0], sympy.MatrixExpr) else sympy.Add(*terms)


def _map_nonzero(fn, value):
    return None if value is None else fn(value)


def elementwise_derivative(node):
    """f'.(A) for f.(A), as an elementwise application of the derivative."""
    fn = node.function
    t = Dummy("t")
    body = fn.expr.xreplace({fn.variables[0]: t})
    return ElementwiseApplyFunction(Lambda(t, sympy.diff(body, t)), node.expr)


def _product(factors):
    factors = [f for f in factors if f is not None]
    if not factors:
        return None
    return factors[0] if len(factors) == 1 else MatMul(*factors)


def differential_matadd(node, d):
    return _added([d(a) for a in node.args])


@explained("sum rule", "d(A + B) = dA + dB", differential_matadd)
def vjp_matadd(node, G):
    return [(term, G) for term in node.args]


def differential_matmul(node, d):
    coeff, mats = node.as_coeff_matrices()
    terms = [coeff * _product(list(mats[:i]) + [dM] + list(mats[i + 1:]))
             for i, dM in enumerate(d(M) for M in mats) if dM is not None]
    terms.append(_map_nonzero(lambda dc: dc * _product(mats), d(coeff)))
    return _added(terms)


@explained("product rule", "d(A B) = dA B + A dB", differential_matmul)
def vjp_matmul(node, G):
    coeff, mats = node.as_coeff_matrices()
    out = []
    for i, M in enumerate(mats):
        left, right = _product(mats[:i]), _product(mats[i + 1:])
        factors = [Transpose(left) if left is not None else None, G,
                   Transpose(right) if right is not None else None]
        out.append((M, coeff * _product(factors)))
    if coeff.free_symbols:
        out.append((coeff, Trace(Transpose(G) * _product(mats))))
    return out


def differential_transpose(node, d):
    return _map_nonzero(Transpose, d(node.arg))


@explained("differential of the transpose", "d(A.T) = (dA).T", differential_transpose)
def vjp_transpose(node, G):
    return [(node.arg, Transpose(G))]


def differential_inverse(node, d):
    return _map_nonzero(lambda da: -node * da * node, d(node.arg))


@explained("differential of the inverse", "d inv(A) = -inv(A) dA inv(A)", differential_inverse)
def vjp_inverse(node, G):
    inv_t = Transpose(node)
    return [(node.arg, -inv_t * G * inv_t)]


def differential_trace(node, d):
    return _map_nonzero(Trace, d(node.arg))


@explained("differential of the trace", "d tr(A) = tr(dA)", differential_trace)
def vjp_trace(node, g):
    return [(node.arg, g * Identity(node.arg.shape[0]))]


def differential_determinant(node, d):
    return _map_nonzero(lambda da: node * Trace(Inverse(node.arg) * da), d(node.arg))


@explained("differential of the determinant", "d det(A) = det(A) tr(inv(A) dA)", differential_determinant)
def vjp_determinant(node, g):
    return [(node.arg, g * node * Transpose(Inverse(node.arg)))]


def differential_hadamard(node, d):
    args = list(node.args)
    return _added([HadamardProduct(*(args[:i] + [da] + args[i + 1:]))
                   for i, da in enumerate(d(a) for a in args) if da is not None])


@explained("product rule (Hadamard)", "d(A o B) = dA o B + A o dB", differential_hadamard)
def vjp_hadamard(node, G):
    args = list(node.args)
    return [(a, HadamardProduct(G, *(args[:i] + args[i + 1:]))) for i, a in enumerate(args)]


def differential_elementwise(node, d):
    return _map_nonzero(lambda da: HadamardProduct(elementwise_derivative(node), da), d(node.expr))


@explained("chain rule (elementwise)", "d f.(A) = f'.(A) o dA", differential_elementwise)
def vjp_elementwise(node, G):
    return [(node.expr, HadamardProduct(G, elementwise_derivative(node)))]


def differential_matpow(node, d):
    base, k = node.args
    if not (k.is_Integer and k > 0):
        raise UnsupportedOperator(f"the power {node} needs a positive integer exponent (use inv() for -1)")
    k = int(k)
    return _map_nonzero(lambda da: _added([_product([base] * i + [da] + [base] * (k - 1 - i)) for i in range(k)]),
                        d(base))


@explained("product rule (power)", "d(A^k) = sum over i of A^i dA A^(k-1-i)", differential_matpow)
def vjp_matpow(node, G):
    base, k = node.args
    if not (k.is_Integer and k > 0):
        raise UnsupportedOperator(f"the power {node} needs a positive integer exponent (use inv() for -1)")
    k = int(k)
    terms = [MatMul(*([Transpose(base)] * i), G, *([Transpose(base)] * (k - 1 - i))) for i in range(k)]
    return [(base, MatAdd(*terms))]


VJP = {
    MatAdd: vjp_matadd,
    MatMul: vjp_matmul,
    Transpose: vjp_transpose,
    Inverse: vjp_inverse,
    Trace: vjp_trace,
    Determinant: vjp_determinant,
    HadamardProduct: vjp_hadamard,
    ElementwiseApplyFunction: vjp_elementwise,
    MatPow: vjp_matpow,
}


# --- forward Jacobians of vector expressions: d(expr)/dx, (rows of expr) x (rows of x)


def jvp_matadd(node, jac, x, gradient):
    return MatAdd(*(jac(a) for a in node.args if a.has(x)))


def jvp_matmul(node, jac, x, gradient):
    coeff, mats = node.as_coeff_matrices()
    if any(m.has(x) for m in mats[:-1]):
        raise UnsupportedOperator(
            f"the Jacobian of {node}: the variable sits inside a matrix factor, not only in the last vector")
    rest = _product(mats[:-1])
    last = mats[-1]
    terms = []
    if last.has(x):
        terms.append(coeff * (_product([rest, jac(last)])))
    if coeff.has(x):
        terms.append(_product(mats) * Transpose(gradient(coeff, x)))
    return MatAdd(*terms) if len(terms) > 1 else terms[0]


def jvp_elementwise(node, jac, x, gradient):
    return DiagMatrix(elementwise_derivative(node)) * jac(node.expr)


def jvp_hadamard(node, jac, x, gradient):
    args = list(node.args)
    terms = []
    for i, a in enumerate(args):
        others = args[:i] + args[i + 1:]
        other = others[0] if len(others) == 1 else HadamardProduct(*others)
        if a.has(x):
            terms.append(DiagMatrix(other) * jac(a))
    return MatAdd(*terms) if len(terms) > 1 else terms[0]


JVP = {MatAdd: jvp_matadd, MatMul: jvp_matmul, ElementwiseApplyFunction: jvp_elementwise,
       HadamardProduct: jvp_hadamard}


