"""Code printers: one class per target, one method per node type.

`ScalarPrinter` writes straight-line scalar code for Numba (`math.*`, ternaries,
builtin `max`/`min`), which compiles in nopython mode where lambdify's output
does not (`select(...)`, `reduce(...)`).  `ArrayPrinter` writes NumPy code that
broadcasts over arrays and also runs on complex input (used for complex-step
differentiation).

Both know the non-SymPy functions the parser offers (`sigmoid`, `softplus`)
by class name, the way SymPy printers dispatch, so `codegen` needs no import
of `derive`.
"""

from sympy import Function, S
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pycode import PythonCodePrinter

from ..errors import CodegenError

_INT64_MAX = 2**63 - 1
_POW = PRECEDENCE["Pow"]
_MUL = PRECEDENCE["Mul"]


def _float_literal(value):
    try:
        text = repr(float(value))
    except OverflowError:
        raise CodegenError(f"the constant {str(value)[:40]}... does not fit in a float64") from None
    if text in ("inf", "-inf", "nan"):
        return {"inf": "math.inf", "-inf": "(-math.inf)", "nan": "math.nan"}[text]
    return text


class _CommonMixin:
    """Rules shared by both targets."""

    def _print_Rational(self, expr):
        p, q = int(expr.p), int(expr.q)
        if abs(p) > _INT64_MAX or q > _INT64_MAX:
            return _float_literal(expr)
        return f"({p}/{q})"

    def _print_Half(self, expr):
        return "0.5"

    def _print_Float(self, expr):
        return _float_literal(expr)

    def _print_ImaginaryUnit(self, expr):
        raise CodegenError("kernels are real-valued; the expression contains the imaginary unit I")

    def _print_not_supported(self, expr):
        # A function with no printer method of its own prints as its elementary form,
        # if its class gives one (SymPy's rewrite protocol: _eval_rewrite_as_elementary).
        # So a new function is one class: derivative (fdiff) and code (that rewrite).
        if isinstance(expr, Function):
            elementary = expr.rewrite("elementary")
            if elementary != expr:
                return self._print(elementary)
        raise CodegenError(f"cannot generate code for {type(expr).__name__}: {str(expr)[:80]}")

    emptyPrinter = _print_not_supported

    def _print_polygamma(self, expr):
        order, arg = expr.args
        if order == 0:
            return f"_digamma({self._print(arg)})"
        if order == 1:
            return f"_trigamma({self._print(arg)})"
        raise CodegenError(f"kernels support polygamma of order 0 and 1, not {order}")

    def _print_Derivative(self, expr):
        raise CodegenError(f"cannot generate code for an unevaluated derivative: {expr}")

    def _print_Integral(self, expr):
        raise CodegenError(f"cannot generate code for an unevaluated integral: {expr}")

    def _print_Sum(self, expr):
        raise CodegenError("sums over indices need index kernels (codegen.kernel(..., index=...))")

    def _print_factorial(self, expr):
        # factorial of a real argument: Gamma(x + 1), defined for non-integers too.
        return self._print(self._gamma_of(expr.args[0] + 1))

    def _print_ComplexInfinity(self, expr):
        return "math.nan"

    def _print_NaN(self, expr):
        return "math.nan"

    def _print_Infinity(self, expr):
        return "math.inf"

    def _print_NegativeInfinity(self, expr):
        return "(-math.inf)"

    @staticmethod
    def _gamma_of(arg):
        from sympy import gamma

        return gamma(arg)


class ScalarPrinter(_CommonMixin, PythonCodePrinter):
    """Scalar float64 code for Numba's nopython mode."""

    printmethod = "_numbacode"

    def __init__(self, settings=None):
        super().__init__(dict(settings or {}, fully_qualified_modules=True))

    def _print_Integer(self, expr):
        # floats everywhere so ternary branches and outputs type-unify
        value = int(expr)
        if abs(value) > _INT64_MAX:
            return _float_literal(value)
        return f"{value}.0"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        if exp.is_Integer and abs(int(exp)) <= _INT64_MAX:
            b = self.parenthesize(base, _POW)
            n = int(exp)
            if n < 0:
                return f"(1.0/{b}**{-n})" if n != -1 else f"(1.0/{b})"
            return f"{b}**{n}"
        if exp == S.Half:
            return f"math.sqrt({self._print(base)})"
        if exp == -S.Half:
            return f"(1.0/math.sqrt({self._print(base)}))"
        return f"{self.parenthesize(base, _POW)}**{self.parenthesize(exp, _POW)}"

    def _print_Piecewise(self, expr):
        parts = []
        closing = ""
        for piece in expr.args:
            if piece.cond == S.true:
                parts.append(self._print(piece.expr))
                break
            parts.append(f"({self._print(piece.expr)} if {self._print(piece.cond)} else ")
            closing += ")"
        else:
            parts.append("math.nan")  # no condition held: undefined, not None
        return "".join(parts) + closing

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_sign(self, expr):
        x = self._print(expr.args[0])
        return f"(0.0 if {x} == 0 else math.copysign(1.0, {x}))"

    def _print_Heaviside(self, expr):
        x = self._print(expr.args[0])
        h0 = self._print(expr.args[1]) if len(expr.args) > 1 else "0.5"
        return f"(0.0 if {x} < 0 else (1.0 if {x} > 0 else ({h0} if {x} == 0 else {x})))"

    def _print_DiracDelta(self, expr):
        # zero away from the origin, undefined (NaN) at it
        x = self._print(expr.args[0])
        return f"(0.0 if {x} != 0 else math.nan)"

    def _print_sigmoid(self, expr):
        return f"_sigmoid({self._print(expr.args[0])})"

    def _print_softplus(self, expr):
        return f"_softplus({self._print(expr.args[0])})"

    def _print_xlogy(self, expr):
        return f"_xlogy({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_floor(self, expr):
        return f"float(math.floor({self._print(expr.args[0])}))"

    def _print_ceiling(self, expr):
        return f"float(math.ceil({self._print(expr.args[0])}))"

    def _print_log(self, expr):
        return f"math.log({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"


class ArrayPrinter(_CommonMixin, NumPyPrinter):
    """NumPy code that broadcasts over arrays (and accepts complex input)."""

    printmethod = "_numpycode"

    def _print_Integer(self, expr):
        value = int(expr)
        return str(value) if abs(value) <= _INT64_MAX else _float_literal(value)

    def __init__(self, settings=None):
        super().__init__(dict(settings or {}, fully_qualified_modules=True))

    def _nested(self, fn, args):
        args = [self._print(a) for a in args]
        out = args[-1]
        for a in reversed(args[:-1]):
            out = f"numpy.{fn}({a}, {out})"
        return out

    def _print_Max(self, expr):
        return self._nested("maximum", expr.args)

    def _print_Min(self, expr):
        return self._nested("minimum", expr.args)

    def _print_Piecewise(self, expr):
        out = "math.nan"
        for piece in reversed(expr.args):
            value = self._print(piece.expr)
            if piece.cond == S.true:
                out = value
            else:
                out = f"numpy.where({self._print(piece.cond)}, {value}, {out})"
        return out

    def _print_Abs(self, expr):
        return f"numpy.abs({self._print(expr.args[0])})"

    def _print_sign(self, expr):
        return f"numpy.sign({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        h0 = self._print(expr.args[1]) if len(expr.args) > 1 else "0.5"
        return f"numpy.heaviside(numpy.real({self._print(expr.args[0])}), {h0})"

    def _print_DiracDelta(self, expr):
        x = self._print(expr.args[0])
        return f"numpy.where({x} != 0, 0.0, math.nan)"

    def _print_sigmoid(self, expr):
        return f"_sigmoid({self._print(expr.args[0])})"

    def _print_softplus(self, expr):
        return f"_softplus({self._print(expr.args[0])})"

    def _print_xlogy(self, expr):
        return f"_xlogy({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_erf(self, expr):
        return f"_erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr):
        return f"_erfc({self._print(expr.args[0])})"

    def _print_gamma(self, expr):
        return f"_gamma({self._print(expr.args[0])})"

    def _print_loggamma(self, expr):
        return f"_lgamma({self._print(expr.args[0])})"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        if exp.is_Integer and 0 < int(exp) <= _INT64_MAX:
            return f"{self.parenthesize(base, _POW)}**{int(exp)}"
        if exp.is_Integer and int(exp) < 0 and -int(exp) <= _INT64_MAX:
            return f"(1.0/{self.parenthesize(base, _POW)}**{-int(exp)})"
        if exp == S.Half:
            return f"numpy.sqrt({self._print(base)})"
        return f"{self.parenthesize(base, _POW)}**{self.parenthesize(exp, _POW)}"


# Helpers the NumPy modules define for functions NumPy lacks.
# Digamma and trigamma (derivatives of log Gamma), which neither math nor
# NumPy has: recurrence up to x >= 10, then the asymptotic series (error
# below 1e-16 there); reflection for negative x.
SPECIAL_FUNCTIONS = '''
def _digamma_scalar(x):
    if x <= 0.0 and x == math.floor(x):
        return math.nan
    reflect = 0.0
    if x < 0.0:
        reflect = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (
        -1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))))
    return reflect + shift + math.log(x) - 0.5 / x + series


def _trigamma_scalar(x):
    if x <= 0.0 and x == math.floor(x):
        return math.nan
    reflect = 0.0
    sign = 1.0
    if x < 0.0:
        reflect = (math.pi / math.sin(math.pi * x)) ** 2
        sign = -1.0
        x = 1.0 - x
    shift = 0.0
    while x < 10.0:
        shift += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    series = 1.0 / x + 0.5 * f + (f / x) * (1.0 / 6 + f * (-1.0 / 30 + f * (1.0 / 42 + f * (-1.0 / 30 + f * (
        5.0 / 66 + f * (-691.0 / 2730 + f * (7.0 / 6)))))))
    return reflect + sign * (shift + series)
'''


ARRAY_HELPERS = SPECIAL_FUNCTIONS + '''

def _safe(fn):
    """A math function that returns inf/nan where math raises."""
    def call(x):
        try:
            return fn(x)
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan
    return call


def _sigmoid(x):
    """1/(1 + exp(-x)) with no overflow; each branch is analytic, so complex steps work."""
    pos = numpy.real(x) >= 0
    e = numpy.exp(numpy.where(pos, -x, x))
    return numpy.where(pos, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), analytic branch by branch."""
    pos = numpy.real(x) > 0
    return numpy.where(pos, x, 0.0) + numpy.log1p(numpy.exp(numpy.where(pos, -x, x)))


def _xlogy(x, y):
    """x*log(y), 0 where x is 0 (log(0) is never taken there, so no warning either)."""
    zero = x == 0
    return numpy.where(zero, 0.0 * x, x * numpy.log(numpy.where(zero, 1.0, y)))


_erf = numpy.vectorize(math.erf, otypes=[float])
_erfc = numpy.vectorize(math.erfc, otypes=[float])
_gamma = numpy.vectorize(_safe(math.gamma), otypes=[float])
_lgamma = numpy.vectorize(_safe(math.lgamma), otypes=[float])
_digamma = numpy.vectorize(_digamma_scalar, otypes=[float])
_trigamma = numpy.vectorize(_trigamma_scalar, otypes=[float])
'''

# The same special functions for Numba modules, compiled only if used.
SCALAR_HELPERS = "\n".join(
    ("@numba.njit(cache=True)\n" + block.strip()) for block in SPECIAL_FUNCTIONS.strip().split("\n\n\n")
) + "\n\n\n_digamma = _digamma_scalar\n_trigamma = _trigamma_scalar\n"

# sigmoid and softplus for Numba: one exp of -|x| (never overflows) and no branch (a select), so
# tiny values come out right and random signs cost no mispredictions (17 ms per 10^6 in a loop)
STABLE_HELPERS = '''
@numba.njit(cache=True, inline="always")
def _sigmoid(x):
    e = math.exp(-abs(x))
    return (1.0 if x >= 0.0 else e) / (1.0 + e)


@numba.njit(cache=True, inline="always")
def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
'''

# x*log(y), 0 where x is 0: the entropy's 0*log(0), which as written is nan
XLOGY_HELPER = '''
@numba.njit(cache=True, inline="always")
def _xlogy(x, y):
    return 0.0 * x if x == 0.0 else x * math.log(y)
'''


def scalar_helpers(code):
    """The helper definitions a Numba module's `code` calls (empty if none)."""
    out = []
    if "_digamma(" in code or "_trigamma(" in code:
        out.append(SCALAR_HELPERS)
    if "_sigmoid(" in code or "_softplus(" in code:
        out.append(STABLE_HELPERS)
    if "_xlogy(" in code:
        out.append(XLOGY_HELPER)
    return "\n\n".join(out)

PRINTERS = {"numba": ScalarPrinter, "numpy": ArrayPrinter}


def printer_for(backend):
    try:
        return PRINTERS[backend]()
    except KeyError:
        raise CodegenError(f"unknown backend {backend!r}; choose one of {sorted(PRINTERS)}") from None

