"""Numeric values of SymPy matrix expressions, with NumPy: one rule per node type.

Checking a matrix-calculus result on an instance used to mean building the
explicit 3 x 3 matrix of symbols, inverting it symbolically and
differentiating every entry: seconds per case.  Here an expression is
evaluated at numbers instead (``inv`` is `numpy.linalg.inv`, ``det`` is
`numpy.linalg.det`, ...), in complex arithmetic when asked, so that the
complex-step derivative of f is exact to rounding:

    >>> import numpy as np, sympy
    >>> X = sympy.MatrixSymbol("X", 2, 2)
    >>> float(evaluate(sympy.log(sympy.Determinant(X)), {X: np.array([[2.0, 1], [0, 3]])}).real)
    1.791759469228055

Transposes are plain transposes (never conjugates), so complex steps pass
through unchanged.  A node without a rule raises `NotEvaluable`; callers
fall back to exact evaluation on explicit instances.
"""

import numpy as np
import sympy
from sympy import (
    Abs,
    Add,
    Determinant,
    DiracDelta,
    Heaviside,
    HadamardPower,
    HadamardProduct,
    Identity,
    Inverse,
    KroneckerProduct,
    MatAdd,
    MatMul,
    MatPow,
    MatrixBase,
    MatrixSymbol,
    Max,
    Min,
    Mul,
    OneMatrix,
    Pow,
    Symbol,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.blockmatrix import BlockMatrix
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import DeriveError
from ..text.functions import sigmoid, softplus


class NotEvaluable(DeriveError):
    """An expression this evaluator has no rule for (a sum over indices, a Piecewise, ...)."""


def evaluate(expr, values, sizes=None):
    """`expr` at `values` (SymPy symbol or matrix symbol -> number or 2-D array).

    `sizes` maps size symbols (n, m) to integers for Identity(n) and the like.
    Scalars come back as Python/NumPy numbers, matrices as 2-D arrays.
    """
    with np.errstate(all="ignore"):  # a value outside f's domain is reported by the caller, not warned about
        return _Evaluator(values, sizes or {})(expr)


class _Evaluator:
    def __init__(self, values, sizes):
        self.values = values
        self.sizes = sizes
        self.cache = {}

    def __call__(self, expr):
        if isinstance(expr, MatrixBase) and not isinstance(expr, sympy.ImmutableMatrix):
            expr = sympy.ImmutableMatrix(expr)
        try:
            return self.cache[expr]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument (never from SymPy trees)
            return self._compute(expr)
        value = self._compute(expr)
        self.cache[expr] = value
        return value

    def _compute(self, expr):
        if isinstance(expr, (int, float, complex)):
            return expr
        if expr in self.values:
            return self.values[expr]
        rule = _rule(type(expr))
        if rule is not None:
            return rule(self, expr)
        if expr.is_Number or expr.is_NumberSymbol:
            return complex(expr) if expr.is_real is False else float(expr)
        raise NotEvaluable(f"cannot evaluate {type(expr).__name__} ({expr}) numerically")

    def size(self, d):
        value = d if isinstance(d, int) else d.xreplace(self.sizes)
        if not getattr(value, "is_Integer", isinstance(value, int)):
            raise NotEvaluable(f"the size {d} has no value")
        return int(value)

    def shape(self, M):
        return tuple(self.size(d) for d in M.shape)

    def integer(self, e):
        v = self(e)
        if np.iscomplexobj(v):
            v = v.real
        if float(v) != round(float(v)):
            raise NotEvaluable(f"{e} is not an integer here")
        return int(round(float(v)))


# ---------------------------------------------------------------------------
# the rules


def _symbol(ev, e):
    raise NotEvaluable(f"no value for {e}")


def _matmul(ev, e):
    coeff, mats = e.as_coeff_matrices()
    out = ev(mats[0])
    for m in mats[1:]:
        out = out @ ev(m)
    return ev(coeff) * out if coeff != 1 else out


def _matpow(ev, e):
    base, exp = e.args
    B = ev(base)
    if B.shape == (1, 1):
        return np.power(B.astype(complex) if _fractional(exp) else B, ev(exp))
    return np.linalg.matrix_power(B, ev.integer(exp))


def _fractional(exp):
    return not (exp.is_integer or exp.is_Integer)


def _explicit(ev, e):
    rows = [[ev(e[i, j]) for j in range(e.shape[1])] for i in range(e.shape[0])]
    return np.array(rows, dtype=complex if any(np.iscomplexobj(v) for r in rows for v in r) else float)


def _elementwise(ev, e):
    lam = e.function
    arg = ev(e.expr)
    inner = _Evaluator({**ev.values, lam.variables[0]: arg}, ev.sizes)
    return np.broadcast_to(inner(lam.expr), arg.shape) * np.ones(arg.shape)


def _element(ev, e):
    M, i, j = e.args
    return ev(M)[ev.integer(i), ev.integer(j)]


def _power(base, exp, exponent):
    if _fractional(exponent) and not np.iscomplexobj(base) and np.any(np.asarray(base) < 0):
        base = np.asarray(base, dtype=complex)  # a non-real value: the caller rejects the point
    return np.power(base, exp)


def _pow(ev, e):
    return _power(ev(e.base), ev(e.exp), e.exp)


def _real(v):
    return np.real(v)


def _maximum(ev, e):
    vals = [ev(a) for a in e.args]
    out = vals[0]
    for v in vals[1:]:
        out = np.where(_real(v) > _real(out), v, out)
    return out


def _minimum(ev, e):
    vals = [ev(a) for a in e.args]
    out = vals[0]
    for v in vals[1:]:
        out = np.where(_real(v) < _real(out), v, out)
    return out


def _unary(fn):
    return lambda ev, e: fn(ev(e.args[0]))


def _softplus(z):
    if np.iscomplexobj(z):
        return np.log1p(np.exp(z))
    return np.logaddexp(0.0, z)


def _special(name):
    """A scipy.special function, imported on first use (scipy costs 0.3 s of import time)."""
    def apply(z):
        import scipy.special

        return getattr(scipy.special, name)(z)
    return _unary(apply)


def _sum(ev, e):
    values = [ev(a) for a in e.args]
    out = values[0]
    for v in values[1:]:
        out = out + v
    return out


def _product(ev, e):
    out = 1
    for a in e.args:
        out = out * ev(a)
    return out


_RULES = {
    Symbol: _symbol,
    MatrixSymbol: _symbol,
    Add: _sum,
    Mul: _product,
    Pow: _pow,
    MatAdd: _sum,
    MatMul: _matmul,
    Transpose: lambda ev, e: ev(e.arg).T,
    Inverse: lambda ev, e: np.linalg.inv(ev(e.arg)),
    MatPow: _matpow,
    Determinant: lambda ev, e: np.linalg.det(ev(e.arg)),
    Trace: lambda ev, e: np.trace(ev(e.arg)),
    HadamardProduct: _product,
    HadamardPower: lambda ev, e: _power(ev(e.args[0]), ev(e.args[1]), e.args[1]),
    ElementwiseApplyFunction: _elementwise,
    KroneckerProduct: lambda ev, e: _kron([ev(a) for a in e.args]),
    DiagMatrix: lambda ev, e: np.diagflat(ev(e.args[0])),
    DiagonalOf: lambda ev, e: np.diag(ev(e.arg)).reshape(-1, 1),
    Identity: lambda ev, e: np.eye(ev.size(e.shape[0])),
    ZeroMatrix: lambda ev, e: np.zeros(ev.shape(e)),
    OneMatrix: lambda ev, e: np.ones(ev.shape(e)),
    MatrixBase: _explicit,
    MatrixElement: _element,
    BlockMatrix: lambda ev, e: np.block([[ev(b) for b in row] for row in e.blocks.tolist()]),
    # scalar functions: NumPy/SciPy versions that also take complex arguments
    sympy.exp: _unary(np.exp),
    sympy.log: _unary(lambda z: np.log(z if np.iscomplexobj(z) or np.all(z > 0) else np.asarray(z, complex))),
    sympy.sin: _unary(np.sin),
    sympy.cos: _unary(np.cos),
    sympy.tan: _unary(np.tan),
    sympy.asin: _unary(np.arcsin),
    sympy.acos: _unary(np.arccos),
    sympy.atan: _unary(np.arctan),
    sympy.sinh: _unary(np.sinh),
    sympy.cosh: _unary(np.cosh),
    sympy.tanh: _unary(np.tanh),
    sympy.asinh: _unary(np.arcsinh),
    sympy.acosh: _unary(np.arccosh),
    sympy.atanh: _unary(np.arctanh),
    sympy.erf: _special("erf"),
    sympy.erfc: _special("erfc"),
    sympy.gamma: _special("gamma"),
    sympy.loggamma: _special("loggamma"),
    sigmoid: _unary(lambda z: 1 / (1 + np.exp(-z))),
    softplus: _unary(_softplus),
    Abs: _unary(np.abs),
    sympy.sign: _unary(lambda z: np.sign(_real(z))),
    Heaviside: _unary(lambda z: np.heaviside(_real(z), 0.5)),
    DiracDelta: _unary(lambda z: np.zeros_like(_real(z))),
    Max: _maximum,
    Min: _minimum,
}


def _kron(mats):
    out = mats[0]
    for m in mats[1:]:
        out = np.kron(out, m)
    return out


_BY_CLASS = {}


def _rule(cls):
    if cls not in _BY_CLASS:
        _BY_CLASS[cls] = next((_RULES[k] for k in cls.__mro__ if k in _RULES), None)
    return _BY_CLASS[cls]


__all__ = ["NotEvaluable", "evaluate"]
