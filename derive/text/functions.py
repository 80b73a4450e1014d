"""The functions text may call, and the two SymPy lacks (sigmoid, softplus).

`FUNCTIONS` is the parser's whole vocabulary of calls: name -> `Fn`.  A name
not in this table cannot be called, which is what keeps `open(...)` and
`__import__(...)` out.  Derivatives of the new functions are declared next to
them (`fdiff`), so the compact forms survive differentiation:
sigmoid' = sigmoid (1 - sigmoid), softplus' = sigmoid.
"""

from dataclasses import dataclass
from collections.abc import Callable

from sympy import (
    Abs,
    Add,
    Determinant,
    DiracDelta,
    Dummy,
    E,
    Function,
    HadamardPower,
    HadamardProduct,
    Heaviside,
    Identity,
    Inverse,
    Lambda,
    MatrixBase,
    Max,
    Min,
    OneMatrix,
    Piecewise,
    S,
    Trace,
    Transpose,
    ZeroMatrix,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceiling,
    cos,
    cosh,
    erf,
    erfc,
    exp,
    factorial,
    floor,
    gamma,
    log,
    loggamma,
    pi,
    polygamma,
    sign,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf


def _sigmoid_special_values(x):
    if x.is_zero:
        return S.Half
    if x is S.Infinity:
        return S.One
    if x is S.NegativeInfinity:
        return S.Zero
    return None


class _SmoothPositive(Function):
    """A real-analytic, positive function of a real argument, evaluated
    numerically through its rewrite in exp/log (subclasses give `_latex_name`,
    `fdiff` and `_eval_rewrite_as_exp`)."""

    _latex_name = ""

    def _eval_evalf(self, prec):
        return self.rewrite(exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        body = rf"{self._latex_name}\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"  # sigma(u)^{2}


class sigmoid(_SmoothPositive):  # noqa: N801 - printers dispatch on the class name
    """The logistic function 1 / (1 + exp(-x))."""

    _latex_name = r"\sigma"

    # SymPy's hook for simplifying applications (sigmoid(0) = 1/2); named, not defined
    # with `def`, so that no line here reads like a call of Python's eval
    eval = classmethod(lambda cls, x: _sigmoid_special_values(x))

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + exp(-x))


class softplus(_SmoothPositive):  # noqa: N801
    """log(1 + exp(x)), the smooth ReLU."""

    _latex_name = r"\operatorname{softplus}"

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return log(1 + exp(x))

    _eval_rewrite_as_log = _eval_rewrite_as_exp


def _where(cond, a, b):
    return Piecewise((a, cond), (b, True))


def _log(x, base=None):
    return log(x) if base is None else log(x, base)


@dataclass(frozen=True)
class Fn:
    build: Callable
    min_args: int
    max_args: int | None  # None: any number
    doc: str


FUNCTIONS = {
    "exp": Fn(exp, 1, 1, "e**x"),
    "log": Fn(_log, 1, 2, "natural log; log(x, b) in base b"),
    "ln": Fn(log, 1, 1, "natural log"),
    "sqrt": Fn(sqrt, 1, 1, "square root"),
    "sin": Fn(sin, 1, 1, "sine"),
    "cos": Fn(cos, 1, 1, "cosine"),
    "tan": Fn(tan, 1, 1, "tangent"),
    "asin": Fn(asin, 1, 1, "arcsine"),
    "acos": Fn(acos, 1, 1, "arccosine"),
    "atan": Fn(atan, 1, 1, "arctangent"),
    "atan2": Fn(atan2, 2, 2, "atan2(y, x)"),
    "sinh": Fn(sinh, 1, 1, "hyperbolic sine"),
    "cosh": Fn(cosh, 1, 1, "hyperbolic cosine"),
    "tanh": Fn(tanh, 1, 1, "hyperbolic tangent"),
    "asinh": Fn(asinh, 1, 1, "inverse hyperbolic sine"),
    "acosh": Fn(acosh, 1, 1, "inverse hyperbolic cosine"),
    "atanh": Fn(atanh, 1, 1, "inverse hyperbolic tangent"),
    "sigmoid": Fn(sigmoid, 1, 1, "logistic 1/(1+exp(-x))"),
    "softplus": Fn(softplus, 1, 1, "log(1+exp(x))"),
    "relu": Fn(lambda x: Max(0, x), 1, 1, "max(0, x)"),
    "abs": Fn(Abs, 1, 1, "absolute value"),
    "sign": Fn(sign, 1, 1, "sign (-1, 0, 1)"),
    "heaviside": Fn(Heaviside, 1, 1, "step function, 1/2 at 0"),
    "dirac": Fn(DiracDelta, 1, 1, "Dirac delta (derivative of heaviside)"),
    "max": Fn(Max, 1, None, "maximum of the arguments"),
    "min": Fn(Min, 1, None, "minimum of the arguments"),
    "where": Fn(_where, 3, 3, "where(condition, a, b): a where the condition holds, else b"),
    "floor": Fn(floor, 1, 1, "round down"),
    "ceil": Fn(ceiling, 1, 1, "round up"),
    "erf": Fn(erf, 1, 1, "error function"),
    "erfc": Fn(erfc, 1, 1, "complementary error function"),
    "gamma": Fn(gamma, 1, 1, "Gamma function"),
    "loggamma": Fn(loggamma, 1, 1, "log Gamma"),
    "lgamma": Fn(loggamma, 1, 1, "log Gamma"),
    "factorial": Fn(factorial, 1, 1, "n!"),
    "digamma": Fn(lambda x: polygamma(0, x), 1, 1, "d/dx log Gamma(x)"),
    "polygamma": Fn(polygamma, 2, 2, "polygamma(n, x): the (n+1)-th derivative of log Gamma"),
}

def _norm(v):
    """2-norm of a vector, Frobenius norm of a matrix."""
    return sqrt(Trace(Transpose(v) * v))


def _sum_entries(M):
    """The sum of all entries: 1^T M 1, kept as a (1 x 1 -> scalar) trace; for explicit
    entries ([a, b]) simply their sum."""
    if isinstance(M, MatrixBase):
        return Add(*M)
    rows, cols = M.shape
    return Trace(OneMatrix(1, rows) * M * OneMatrix(cols, 1))


def _hadamard(A, B):
    if isinstance(A, MatrixBase) and isinstance(B, MatrixBase):  # explicit entries: multiply them
        return A.multiply_elementwise(B)
    return HadamardProduct(A, B)


def entrywise_power(M, p):
    """M raised to p entry by entry (hadamard_power(A, p), and ** off the square)."""
    if isinstance(M, MatrixBase):  # explicit entries: raise each
        return M.applyfunc(lambda e: e**p)
    return HadamardPower(M, p)


def elementwise(fn, M):
    """fn applied to every entry of M (exp(A@x) means elementwise exp)."""
    if isinstance(M, MatrixBase):  # explicit entries: apply it to each
        return M.applyfunc(fn)
    return ElementwiseApplyFunction(Lambda(_T, fn(_T)), M)


# One variable for every entrywise map, so that exp(z) parsed twice is the same object twice
# (with a new Dummy each time, softmax(z) - softmax(z) did not cancel and equal terms never merged).
_T = Dummy("t")


# Functions of matrices and vectors (arguments must be matrix-valued).
MATRIX_FUNCTIONS = {
    "hadamard": Fn(_hadamard, 2, 2, "elementwise product of two same-shaped matrices"),
    # its exponent is a scalar, so the parser checks its arguments itself; ** is entrywise only off the square
    "hadamard_power": Fn(entrywise_power, 2, 2, "A raised entrywise to p (any shape)"),
    "diag": Fn(DiagMatrix, 1, 1, "the diagonal matrix of a vector"),
    "diagonal": Fn(DiagonalOf, 1, 1, "the diagonal of a square matrix, as a vector"),
    "trace": Fn(Trace, 1, 1, "trace of a square matrix"),
    "tr": Fn(Trace, 1, 1, "trace of a square matrix"),
    "det": Fn(Determinant, 1, 1, "determinant"),
    "logdet": Fn(lambda A: log(Determinant(A)), 1, 1, "log of the determinant"),
    "inv": Fn(Inverse, 1, 1, "matrix inverse"),
    "transpose": Fn(Transpose, 1, 1, "transpose (same as .T)"),
    "norm": Fn(_norm, 1, 1, "2-norm of a vector, Frobenius norm of a matrix"),
}

# Constant matrices of given sizes (sizes are numbers or size names: eye(n), ones(n), ones(1, d)).
MATRIX_CONSTRUCTORS = {
    "eye": Fn(lambda n, m=None: Identity(n) if m is None or m == n else None, 1, 2, "the n x n identity, eye(n)"),
    "ones": Fn(lambda n, m=1: OneMatrix(n, m), 1, 2, "the vector of ones ones(n), or the n x m matrix ones(n, m)"),
    "zeros": Fn(lambda n, m=1: ZeroMatrix(n, m), 1, 2, "zeros(n) or zeros(n, m)"),
}

# A matrix and an exponent, read by the parser itself (the exponent is a scalar, the base a square matrix).
MATRIX_POWER = {"matrix_power": "matrix_power(A, k): A multiplied by itself k times (k an integer)"}

# Index notation: sum(body, i, j) and delta(i, j) take index arguments.
INDEX_FUNCTIONS = {
    "sum": "sum(body, i, j, ...) over index ranges; sum(body, (i, 1, n)) with explicit bounds",
    "delta": "Kronecker delta delta(i, j)",
}

# Functions whose values grow like n! for a numeric argument: the parser
# bounds their argument before SymPy evaluates them.
FACTORIAL_LIKE = frozenset({"factorial", "gamma"})

CONSTANTS = {"pi": pi, "e": E}

# Names SymPy prints for undefined values; never symbols.
UNDEFINED_NAMES = frozenset({"nan", "zoo", "oo", "inf", "infinity"})

# Classes whose presence makes an expression non-analytic: complex-step
# differentiation does not apply to them.
NON_ANALYTIC = (Abs, Max, Min, Piecewise, Heaviside, DiracDelta, sign, floor, ceiling)


def is_analytic(expr):
    """True when no kink-making function occurs in `expr` (a SymPy object)."""
    return not any(expr.has(cls) for cls in NON_ANALYTIC)


__all__ = ["MATRIX_CONSTRUCTORS", "MATRIX_POWER", "elementwise", "entrywise_power", "CONSTANTS", "INDEX_FUNCTIONS", "MATRIX_FUNCTIONS", "UNDEFINED_NAMES", "FACTORIAL_LIKE", "FUNCTIONS", "Fn", "is_analytic", "sigmoid", "softplus"]
