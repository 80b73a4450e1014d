"""Printers for the training frameworks: JAX (`jax.numpy`) and PyTorch (`torch`).

Each is SymPy's own printer for its framework (its table of elementary
functions) with derive's shared rules on top: constants as in the Numba and
NumPy printers (`_CommonMixin`), index notation and matrix expressions as
whole-array code (`TensorMixin`: einsum, linear algebra), and the functions
SymPy's printers lack or get wrong for our use (sigmoid, softplus, max/min
against a number, log-det through the factorization).  Nothing printed fixes
a dtype or a device: arrays are created like the arguments, so the same
function runs in float32 and float64, on a CPU or a GPU.
"""

import math

import sympy
from sympy import S
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import JaxPrinter as _SympyJaxPrinter
from sympy.printing.pycode import PythonCodePrinter

from .printers import _CommonMixin
from .rewrite import IndexMax
from .tensor import TensorMixin

_MATH = PythonCodePrinter({"fully_qualified_modules": True, "strict": True})
_HELPERS = {
    "jax": '''
def _logdet(m):
    """log(det(m)) from the LU factorization: finite where det(m) itself overflows."""
    sign, logabs = jax.numpy.linalg.slogdet(m)
    return jax.numpy.where(sign > 0, logabs, jax.numpy.nan)
''',
    "torch": '''
def _logdet(m):
    """log(det(m)) from the LU factorization: finite where det(m) itself overflows."""
    sign, logabs = torch.linalg.slogdet(m)
    return torch.where(sign > 0, logabs, torch.full_like(logabs, math.nan))
''',
}


class _FrameworkMixin(TensorMixin, _CommonMixin):
    """What both framework printers print the same way, given `ops` and `fn` names."""

    fn = {}  # sigmoid, softplus, abs, sign, maximum, minimum, where, erf, ...

    def __init__(self, settings=None):
        super().__init__(dict(settings or {}, fully_qualified_modules=True))

    def _call(self, name, *args):
        return f"{self.fn[name]}({', '.join(self._print(a) for a in args)})"

    def _symbol_name(self, expr):
        return self._names.get(expr.name, expr.name) if hasattr(self, "_names") else expr.name

    def _print(self, expr, **kwargs):
        # A constant (log(2), sqrt(pi), erf(1)) is a number when printed: torch.log(2) is a
        # TypeError (torch functions take tensors), and neither framework needs to compute it.
        if isinstance(expr, sympy.Expr) and not isinstance(expr, sympy.MatrixExpr) and not expr.is_Number \
                and expr.is_number and not expr.has(sympy.Sum, IndexMax):
            value = complex(expr.evalf(20))
            if value.imag == 0 and math.isfinite(value.real):
                return repr(value.real)
        if self._of_sizes(expr):
            # log(N), sqrt(N) of sizes alone: Python ints (the arrays' shapes), which torch's functions
            # refuse; Python's math takes them in TorchScript and under jax.jit (shapes are static)
            names = {s: sympy.Symbol(self._symbol_name(s)) for s in expr.free_symbols}
            try:
                return _MATH.doprint(expr.xreplace(names))
            except PrintMethodNotImplementedError:
                pass
        return super()._print(expr, **kwargs)

    def _of_sizes(self, expr):
        if not isinstance(expr, sympy.Expr) or isinstance(expr, sympy.MatrixExpr) or not expr.free_symbols \
                or not expr.free_symbols <= getattr(self, "_size_vars", set()):
            return False
        return bool(expr.atoms(sympy.Function)) or any(not p.exp.is_Integer for p in expr.atoms(sympy.Pow))

    def _print_Integer(self, expr):
        return str(int(expr))

    def _print_sigmoid(self, expr):
        return self._call("sigmoid", expr.args[0])

    def _print_softplus(self, expr):
        return self._call("softplus", expr.args[0])

    def _print_xlogy(self, expr):
        return self._call("xlogy", *expr.args)

    def _print_Abs(self, expr):
        return self._call("abs", expr.args[0])

    def _print_sign(self, expr):
        return self._call("sign", expr.args[0])

    def _print_erf(self, expr):
        return self._call("erf", expr.args[0])

    def _print_erfc(self, expr):
        return self._call("erfc", expr.args[0])

    def _print_loggamma(self, expr):
        return self._call("lgamma", expr.args[0])

    def _print_gamma(self, expr):
        return self._call("gamma", expr.args[0])

    def _print_polygamma(self, expr):
        order, arg = expr.args
        if order == 0:
            return self._call("digamma", arg)
        return f"{self.fn['polygamma']}({int(order)}, {self._print(arg)})"

    def _print_Max(self, expr):
        return self._extremum("maximum", expr.args)

    def _print_Min(self, expr):
        return self._extremum("minimum", expr.args)

    def _extremum(self, name, args):
        out = self._print(args[-1])
        for a in reversed(args[:-1]):
            out = f"{self.fn[name]}({self._print(a)}, {out})"
        return out

    def _print_Heaviside(self, expr):
        x = self._print(expr.args[0])
        h0 = self._print(expr.args[1]) if len(expr.args) > 1 else "0.5"
        one, zero, half = (self._number(c) for c in ("1.0", "0.0", h0))
        return self._where(f"{x} > 0", one, self._where(f"{x} < 0", zero, half))

    def _print_Piecewise(self, expr):
        out = self._number("math.nan")
        for piece in reversed(expr.args):
            value = self._print(piece.expr)
            if piece.expr.is_number:
                value = self._number(value)
            out = value if piece.cond == S.true else self._where(self._print(piece.cond), value, out)
        return out

    def _number(self, code):
        """A number as a branch of `where` (the framework's own where takes numbers as they are)."""
        return code

    def _print_Relational(self, expr):
        return f"({self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)})"

    def _print_And(self, expr):
        return "(" + " & ".join(self._print(a) for a in expr.args) + ")"

    def _print_Or(self, expr):
        return "(" + " | ".join(self._print(a) for a in expr.args) + ")"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        b = self.parenthesize(base, 60)
        if exp == S.Half:
            return f"{self.fn['sqrt']}({self._print(base)})"
        if exp == -S.Half:
            return f"(1.0/{self.fn['sqrt']}({self._print(base)}))"
        if exp.is_Integer and exp < 0:
            return f"(1.0/{b}**{-int(exp)})" if exp != -1 else f"(1.0/{b})"
        return f"{b}**{self.parenthesize(exp, 60)}"


class JaxPrinter(_FrameworkMixin, _SympyJaxPrinter):
    """jax.numpy code: jit-able, differentiable, vmap-able."""

    printmethod = "_derive_jax"
    ops = {
        "einsum": "jax.numpy.einsum('{spec}', {args})",
        "eye": "jax.numpy.eye({n}, dtype=_dtype)",
        "arange": "jax.numpy.arange({start}, {stop})",
        "cast": "({x}).astype(_dtype)",
        "zeros": "jax.numpy.zeros({shape}, dtype=_dtype)",
        "ones": "jax.numpy.ones({shape}, dtype=_dtype)",
        "T": "{x}.T",
        "inv": "jax.numpy.linalg.inv({x})",
        "matrix_power": "jax.numpy.linalg.matrix_power({x}, {n})",
        "det": "jax.numpy.linalg.det({x})",
        "logdet": "_logdet({x})",
        "trace": "jax.numpy.trace({x})",
        "log": "jax.numpy.log",
        "amax": "jax.lax.stop_gradient(jax.numpy.max({x}, axis={axes}))",
    }
    fn = {
        "sigmoid": "jax.nn.sigmoid", "softplus": "jax.nn.softplus", "abs": "jax.numpy.abs",
        "sign": "jax.numpy.sign", "maximum": "jax.numpy.maximum", "minimum": "jax.numpy.minimum",
        "sqrt": "jax.numpy.sqrt", "erf": "jax.scipy.special.erf", "erfc": "jax.scipy.special.erfc",
        "lgamma": "jax.scipy.special.gammaln", "gamma": "jax.scipy.special.gamma",
        "digamma": "jax.scipy.special.digamma", "polygamma": "jax.scipy.special.polygamma",
        "xlogy": "jax.scipy.special.xlogy",
    }
    imports = "import math\n\nimport jax\nimport jax.lax\nimport jax.numpy\nimport jax.scipy.special\n"
    helpers = _HELPERS["jax"]

    def _where(self, cond, a, b):
        return f"jax.numpy.where({cond}, {a}, {b})"


class _TorchRules(_FrameworkMixin):
    """torch code: TorchScript-able, differentiable, on the arguments' device.  The printer is
    these rules on SymPy's TorchPrinter, made on first use (`printer_class`): importing SymPy's
    torch printer imports torch itself, 1-4 s that a JAX user should not pay."""

    printmethod = "_derive_torch"
    ops = {
        "einsum": "torch.einsum('{spec}', [{args}])",
        "eye": "torch.eye({n}, dtype=_like.dtype, device=_like.device)",
        "arange": "torch.arange({start}, {stop}, device=_like.device)",
        "cast": "({x}).to(_like.dtype)",
        "zeros": "torch.zeros({shape}, dtype=_like.dtype, device=_like.device)",
        "ones": "torch.ones({shape}, dtype=_like.dtype, device=_like.device)",
        "T": "{x}.transpose(0, 1)",
        "inv": "torch.linalg.inv({x})",
        "matrix_power": "torch.linalg.matrix_power({x}, {n})",
        "det": "torch.linalg.det({x})",
        "logdet": "_logdet({x})",
        "trace": "torch.trace({x})",
        "log": "torch.log",
        "amax": "torch.amax({x}, dim={dims}).detach()",
    }
    fn = {
        "sigmoid": "torch.sigmoid", "softplus": "torch.nn.functional.softplus", "abs": "torch.abs",
        "sign": "torch.sign", "maximum": "torch.maximum", "minimum": "torch.minimum", "sqrt": "torch.sqrt",
        "erf": "torch.special.erf", "erfc": "torch.special.erfc", "lgamma": "torch.lgamma",
        "gamma": "_gamma", "digamma": "torch.special.digamma", "polygamma": "torch.special.polygamma",
        "xlogy": "torch.xlogy",
    }
    imports = "import math\n\nimport torch\nimport torch.nn.functional\n"
    helpers = _HELPERS["torch"] + '''

def _gamma(x):
    return torch.exp(torch.lgamma(x)) * torch.where((x > 0) | (torch.floor(x) % 2 == 0), 1.0, -1.0)
'''

    def _where(self, cond, a, b):
        return f"torch.where({cond}, {a}, {b})"

    def _number(self, code):
        # torch.where(c, 1.0, 0.0) is float32 whatever the arguments are; a tensor of their dtype
        # sets the result's (a number on the other side follows it)
        return f"torch.tensor({code}, dtype=_like.dtype, device=_like.device)"

    def _extremum(self, name, args):
        # torch.maximum takes two tensors: a number bounds by clamp (TorchScript-able), the rest pair up
        numbers = [a for a in args if a.is_Number]
        out = super()._extremum(name, [a for a in args if not a.is_Number])
        if numbers:
            bound = max(numbers) if name == "maximum" else min(numbers)
            out = f"torch.clamp({out}, {'min' if name == 'maximum' else 'max'}={float(bound)!r})"
        return out


FRAMEWORKS = ("jax", "torch")
_made = {"jax": JaxPrinter}


def printer_class(backend):
    """The printer class of a framework ("jax" or "torch")."""
    if backend not in _made:
        from sympy.printing.pytorch import TorchPrinter as _SympyTorchPrinter

        _made["torch"] = type("TorchPrinter", (_TorchRules, _SympyTorchPrinter), {"__module__": __name__})
    return _made[backend]


def __getattr__(name):
    if name == "TorchPrinter":
        return printer_class("torch")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FRAMEWORKS", "JaxPrinter", "printer_class"]  # and TorchPrinter, made on first use
