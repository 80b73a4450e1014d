"""Values of written-out instances at many points, fast and in 60 digits.

Comparing a claim with the derivative on an instance (`exact.ExactProblem`) means evaluating
large explicit expressions (a batched cross-entropy written out at sizes 2, 3, 4) at several
points.  Substituting into SymPy trees and calling evalf costs tens of milliseconds per entry,
and differentiating the instance symbolically costs more.  A `Program` is the same expressions
as a list of distinct nodes in evaluation order: one pass per point with mpmath numbers, each
shared subexpression once.  First derivatives come by complex step, f(x + i h e_j) with
h = 1e-30: mpmath keeps real and imaginary parts in separate 60-digit numbers, so the
derivative is good to about 60 digits (the truncation error is h^2 f''').

Only what is analytic in the variables takes the complex step (no abs, max, sign, floor,
piecewise: `Program.analytic`); anything the table does not know is `Unsupported`, and the
caller keeps SymPy's exact path.  A difference found here is a candidate only: callers
confirm it exactly before they call a claim wrong.
"""

import mpmath
import sympy
from mpmath import mp

from ..text.functions import sigmoid, softplus
from ..text.inputs import as_basic

DIGITS = 60
STEP = mpmath.mpf(10) ** -30  # the complex step


class Unsupported(Exception):
    """A node the table cannot evaluate: use SymPy's evaluation instead."""


def _sigmoid(u):
    return 1 / (1 + mpmath.exp(-u))


def _softplus(u):
    return mpmath.log(1 + mpmath.exp(u))


_ANALYTIC = {
    sympy.exp: mpmath.exp, sympy.log: mpmath.log, sympy.sin: mpmath.sin, sympy.cos: mpmath.cos,
    sympy.tan: mpmath.tan, sympy.asin: mpmath.asin, sympy.acos: mpmath.acos, sympy.atan: mpmath.atan,
    sympy.sinh: mpmath.sinh, sympy.cosh: mpmath.cosh, sympy.tanh: mpmath.tanh, sympy.asinh: mpmath.asinh,
    sympy.acosh: mpmath.acosh, sympy.atanh: mpmath.atanh, sympy.erf: mpmath.erf, sympy.erfc: mpmath.erfc,
    sympy.gamma: mpmath.gamma, sympy.loggamma: mpmath.loggamma, sigmoid: _sigmoid, softplus: _softplus,
}
_KINKED = {sympy.Abs: abs}  # evaluated, but no complex step through them

_CONST, _VAR, _ADD, _MUL, _POW, _FUNC = range(6)


class Program:
    """`exprs` (SymPy scalars) as distinct nodes in evaluation order; `run(values)` evaluates
    them at one point (symbol or array element -> exact number), `outputs` are the exprs' places."""

    def __init__(self, exprs):
        self.ops, self.variables = [], {}
        self.analytic = True
        self.transcendental = False
        self.logs = []  # places of the arguments of logs (f's domain: positive)
        self.roots = []  # places of the bases of fractional powers (nonnegative)
        place = {}
        with mp.workdps(DIGITS):  # constants (pi, 1/3) in 60 digits, not the double precision around us
            for e in exprs:
                self._compile(as_basic(e), place)
        self.outputs = [place[as_basic(e)] for e in exprs]

    def _compile(self, root, place):
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if node in place:
                continue
            if not ready and node.args and not _is_leaf(node):
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in place)
                continue
            place[node] = len(self.ops)
            self.ops.append(self._op(node, place))

    def _op(self, node, place):
        if node.is_Number or node in (sympy.pi, sympy.E, sympy.I):
            return (_CONST, _number(node), ())
        if _is_leaf(node):
            self.variables.setdefault(node, len(self.variables))
            return (_VAR, node, ())
        args = tuple(place[a] for a in node.args)
        if isinstance(node, sympy.Add):
            return (_ADD, None, args)
        if isinstance(node, sympy.Mul):
            return (_MUL, None, args)
        if isinstance(node, sympy.Pow):
            if not node.exp.is_Integer:
                self.roots.append(args[0])
                self.transcendental = True
            return (_POW, None, args)
        fn = _ANALYTIC.get(node.func)
        if fn is None and node.func in _KINKED:
            fn, self.analytic = _KINKED[node.func], False
        if fn is None or len(args) != 1:
            raise Unsupported(f"no fast evaluation of {node.func}")
        self.transcendental = True
        if node.func is sympy.log:
            self.logs.append(args[0])
        return (_FUNC, fn, args)

    def run(self, point, step=None):
        """Every node's value at `point` ({variable: exact number}); with `step` = variable, that
        variable moved by i*STEP (complex step)."""
        values = [None] * len(self.ops)
        with mp.workdps(DIGITS):
            for k, (code, payload, args) in enumerate(self.ops):
                if code == _CONST:
                    v = payload
                elif code == _VAR:
                    if payload not in point:
                        raise Unsupported(f"no value for {payload}")
                    v = _number(point[payload])
                    if payload == step:
                        v = mpmath.mpc(v, STEP)
                elif code == _ADD:
                    v = mpmath.fsum(values[a] for a in args)
                elif code == _MUL:
                    v = values[args[0]]
                    for a in args[1:]:
                        v = v * values[a]
                elif code == _POW:
                    base, exponent = values[args[0]], values[args[1]]
                    if base == 0 and (mpmath.re(exponent) < 0):
                        raise ZeroDivisionError
                    v = mpmath.power(base, exponent)
                else:
                    v = payload(values[args[0]])
                values[k] = v
        return values

    def real_outputs(self, values):
        """The outputs as real mpf numbers, None for one that is not finite and real."""
        return [_real(values[k]) for k in self.outputs]

    def inside_domain(self, values):
        """Every log's argument positive, every fractional power's base nonnegative, at these values."""
        for k in self.logs + self.roots:
            v = values[k]
            if isinstance(v, mpmath.mpc) and abs(v.imag) > 1e-40 * max(abs(v.real), 1):
                return False
            if mpmath.re(v) < 0 or (mpmath.re(v) == 0 and k in self.logs):
                return False
        return True


def _is_leaf(node):
    return isinstance(node, (sympy.Symbol, sympy.Indexed))


def _number(value):
    if isinstance(value, sympy.Rational):
        return mpmath.mpf(int(value.p)) / int(value.q)
    if value == sympy.I:
        return mpmath.mpc(0, 1)
    if isinstance(value, (mpmath.mpf, mpmath.mpc, int, float)):
        return mpmath.mpmathify(value)
    value = value.evalf(DIGITS + 5)
    if not isinstance(value, sympy.Float):
        raise Unsupported(f"no fast value for {value}")
    return mpmath.mpf(value._mpf_)


def _real(v):
    if v is None:
        return None
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > mpmath.mpf(10) ** (-DIGITS // 2) * max(abs(v.real), 1):
            return None
        v = v.real
    if not mpmath.isfinite(v):
        return None
    return v


def evaluate(program, point, step=None):
    """The program's outputs at `point` as real numbers (None where not finite and real), or None
    when the point is unusable (a division by zero, a variable without a value)."""
    try:
        return program.real_outputs(program.run(point, step))
    except (ZeroDivisionError, ValueError, OverflowError):
        return None


def derivative(program, point, variable):
    """d(output)/d(variable) for each output by complex step, or None where f is not analytic there."""
    try:
        values = program.run(point, step=variable)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    with mp.workdps(DIGITS):
        return [mpmath.im(values[k]) / STEP if isinstance(values[k], mpmath.mpc) else mpmath.mpf(0)
                for k in program.outputs]


def as_sympy(value):
    """An mpmath number as a SymPy Float of DIGITS digits (None stays None)."""
    return None if value is None else sympy.Float(value, DIGITS)


__all__ = ["DIGITS", "Program", "Unsupported", "as_sympy", "derivative", "evaluate"]
