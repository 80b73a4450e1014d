"""SymPy -> text in the parser's own grammar (`to_text`).

`parse(to_text(e))` rebuilds `e`: results can be pasted back into derive
(or into a homework answer) as they are printed.
"""

import mpmath
import sympy
from sympy import S
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from .forms import (
    ArrayText,
    PrimedCalls,
    entrywise_parts,
    is_matrix_product,
    is_negative,
    is_product_1x1,
    readable_indices,
    scaled_sum,
    softmax_vector,
    split_product,
    sum_of,
)


class TextPrinter(PrimedCalls, StrPrinter):
    """StrPrinter with the parser's names: abs, max, min, where, heaviside, e."""

    def parenthesize(self, item, level, strict=False):
        # x.T*A*x prints as a product but is one Trace object, which SymPy ranks as an atom:
        # inside a power or a quotient it needs its parentheses ((x.T*x)**2, 1/(x.T*x))
        if isinstance(item, sympy.Trace) and tuple(item.arg.shape) == (1, 1) \
                and isinstance(item.arg, sympy.MatMul) and level >= PRECEDENCE["Mul"]:
            return f"({self._print(item)})"
        if isinstance(item, ElementwiseApplyFunction):  # printed as its body: 1/(1 + exp(X@w)) ranks as a quotient
            fn = item.function
            if not (isinstance(fn.expr, sympy.Function) and fn.expr.args == fn.variables):
                rank, text = precedence(fn.expr), self._print(item)
                return f"({text})" if rank < level or (not strict and rank <= level) else text
        return super().parenthesize(item, level, strict)

    def _as_ordered_terms(self, expr, order=None):
        # x[i] - mu, not SymPy's -mu + x[i]: a sum starts with a term that has no minus sign
        # when it has one (order only: the expression read back is the same)
        terms = list(super()._as_ordered_terms(expr, order=order))
        if isinstance(expr, sympy.Add) and terms and is_negative(terms[0]):
            first = next((k for k, t in enumerate(terms) if not is_negative(t)), None)
            if first is not None:
                terms.insert(0, terms.pop(first))
        return terms

    def _print_Mul(self, expr):
        softmax = _softmax_entries(expr)
        if softmax is not None:
            return self._print(softmax)
        # a 1 x 1 product is one factor: -2/(b.T*inv(A)*b), never -2/b.T*inv(A)*b (SymPy ranks a
        # negative product like a sum, so parenthesize alone misses the denominator)
        products = {t: sympy.Symbol(f"({self._print(t)})") for t in expr.atoms(sympy.Trace)
                    if is_product_1x1(t) and t in [b for f in sympy.Mul.make_args(expr) for b in (f, f.as_base_exp()[0])]}
        if products:
            return self._print(expr.xreplace(products))  # may be a power (T*T) or a number (T/T)
        return super()._print_Mul(expr)

    def _print_MatMul(self, expr):
        softmax = softmax_vector(expr)
        if softmax is not None:
            coeff, z = softmax
            if coeff == 1:
                return f"softmax({self._print(z)})"
            text = self._print(coeff)
            return f"{f'({text})' if isinstance(coeff, sympy.Add) else text}*softmax({self._print(z)})"
        # NumPy's reading: scalars with *, then the matrices with @ (one precedence level, left to right,
        # so 2*A@x is (2*A)@x)
        coeff, matrices = split_product(expr)
        text = "@".join(self.parenthesize(m, PRECEDENCE["Mul"]) for m in matrices)
        if coeff is None:
            return text
        if coeff == -1:
            return f"-{text}"
        sign = ""
        if is_negative(coeff):
            sign, coeff = "-", -coeff
        scalar = f"({self._print(coeff)})" if is_product_1x1(coeff) else \
            self.parenthesize(coeff, PRECEDENCE["Mul"])
        return f"{sign}{scalar}*{text}"

    def _print_MatPow(self, expr):
        return f"matrix_power({self._print(expr.base)}, {self._print(expr.exp)})"

    def _primed(self, g, order, at):
        # g'(a.T@x): the derivative of an unspecified one-argument function at a point
        return f"{g}{chr(39) * order}({self._print(at)})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Integer(self, expr):
        # Python refuses to print integers of more than 4300 digits; a counterexample at x = 3 of
        # x**100000 has 47,713: print its leading digits and its size
        if abs(expr.p).bit_length() > 3300:  # about 1000 digits
            return _huge(expr.p)
        return super()._print_Integer(expr)

    def _print_Rational(self, expr):
        if max(abs(expr.p).bit_length(), expr.q.bit_length()) > 3300:
            return f"{_huge(expr.p)}/{_huge(expr.q)}"
        return super()._print_Rational(expr)

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Piecewise(self, expr):
        # undefined where no condition holds: nan
        has_default = expr.args[-1].cond == S.true
        out = self._print(expr.args[-1].expr) if has_default else "nan"
        pieces = expr.args[:-1] if has_default else expr.args
        for piece in reversed(pieces):
            out = f"where({self._print(piece.cond)}, {self._print(piece.expr)}, {out})"
        return out

    def _print_Heaviside(self, expr):
        return f"heaviside({self._print(expr.args[0])})"

    def _print_DiracDelta(self, expr):
        if len(expr.args) > 1:
            return super()._print_Function(expr)
        return f"dirac({self._print(expr.args[0])})"

    def _print_polygamma(self, expr):
        if expr.args[0] == 0:
            return f"digamma({self._print(expr.args[1])})"
        return f"polygamma({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Exp1(self, expr):
        return "e"

    def _print_ceiling(self, expr):
        return f"ceil({self._print(expr.args[0])})"

    def _print_And(self, expr):
        return " and ".join(self.parenthesize(a, PRECEDENCE["And"] + 1) for a in expr.args)

    def _print_Or(self, expr):
        return " or ".join(self.parenthesize(a, PRECEDENCE["Or"] + 1) for a in expr.args)

    def _print_ITE(self, expr):
        c, a, b = (self._print(arg) for arg in expr.args)
        return f"(({c}) and ({a})) or (not ({c}) and ({b}))"

    def _print_Not(self, expr):
        return f"not ({self._print(expr.args[0])})"

    def _print_Relational(self, expr):
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_MatrixBase(self, expr):
        if expr.shape[1] == 1:
            return "[" + ", ".join(self._print(e) for e in expr) + "]"
        return "[" + ", ".join("[" + ", ".join(self._print(e) for e in expr.row(i)) + "]"
                               for i in range(expr.shape[0])) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase
    _print_ImmutableMatrix = _print_MatrixBase

    def _print_Sum(self, expr):
        renamed = readable_indices(expr)
        if renamed is not expr:  # SymPy's own bound indices (Dummy i_1, printed _i_1) are not names text may use
            return self._print(renamed)
        limits = []
        for index, lo, hi in expr.limits:
            # the ranges the parser gives a sum without bounds (ranges.py): n, or n_i for i
            default = lo == 0 and hi + 1 in (sympy.Symbol("n", integer=True, positive=True),
                                             sympy.Symbol(f"n_{index}", integer=True, positive=True))
            limits.append(self._print(index) if default else
                          f"({self._print(index)}, {self._print(lo)}, {self._print(hi)})")
        return f"sum({self._print(expr.function)}, {', '.join(limits)})"

    def _print_KroneckerDelta(self, expr):
        return f"delta({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Trace(self, expr):
        arg = expr.arg
        if isinstance(arg, sympy.MatMul):  # sum(M) is stored as tr(1^T M 1)
            coeff, mats = arg.as_coeff_matrices()
            if coeff == 1 and len(mats) >= 2 and isinstance(mats[0], sympy.OneMatrix) \
                    and isinstance(mats[-1], sympy.OneMatrix | sympy.MatrixExpr):
                inner = mats[1:-1] if isinstance(mats[-1], sympy.OneMatrix) else mats[1:]
                if inner:
                    return f"sum({self._print(sympy.MatMul(*inner) if len(inner) > 1 else inner[0])})"
        summed = sum_of(expr)
        if summed is not None and tuple(arg.shape) == (1, 1):  # y.T*1: the sum of y's entries
            return f"sum({self._print(summed)})"
        scaled = scaled_sum(expr)
        if scaled is not None:  # tr(1^T (lam*M)): lam*sum(M)
            coeff, inner = scaled
            return f"{self.parenthesize(coeff, PRECEDENCE['Mul'])}*{self._print(sympy.Trace(inner))}"
        if tuple(arg.shape) == (1, 1):  # x.T*A*x: the trace of a 1 x 1 product is the product
            # a sum keeps its parentheses: the trace may be a factor ((x.T*x + b.T*x)/2)
            return f"({self._print(arg)})" if isinstance(arg, sympy.MatAdd) else self._print(arg)
        return f"trace({self._print(arg)})"

    def _print_ElementwiseApplyFunction(self, expr):
        fn, arg = expr.function, self._print(expr.expr)
        t = fn.variables[0]
        body = fn.expr
        if isinstance(body, sympy.Function) and body.args == (t,):
            return f"{type(body).__name__}({arg})"
        # NumPy's reading: every scalar operation on an array acts entry by entry, so the map t -> body
        # is body with the array in place of t (1/(1 + exp(X@w)), sigmoid(X@w)*(1 - sigmoid(X@w)))
        array = ArrayText(arg, precedence(expr.expr))
        found = entrywise_parts(body, t)
        if found is not None:  # in the textbook's order: sigmoid(z)*(1 - sigmoid(z)), never the reverse
            coeff, parts = found
            texts = {"t": lambda f: self.parenthesize(array, PRECEDENCE["Mul"]), "f": lambda f: f"{f.__name__}({arg})",
                     "1-f": lambda f: f"(1 - {f.__name__}({arg}))"}
            text = "*".join(texts[kind](f) for kind, f in parts)
            return text if coeff == 1 else f"{self.parenthesize(coeff, PRECEDENCE['Mul'])}*{text}"
        return self._print(body.xreplace({t: array}))

    def _print_ArrayText(self, expr):
        return expr.name

    def _print_HadamardProduct(self, expr):
        # entry by entry * is associative, but a matrix product beside it is not: a*(X@w), never a*X@w
        over = [a for a in expr.args if isinstance(a, sympy.HadamardPower) and a.exp.is_negative]
        top = [a for a in expr.args if a not in over] or [sympy.OneMatrix(*expr.shape)]
        text = "*".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=not is_matrix_product(a)) for a in top)
        for a in over:  # y*b**(-1) is y/b, as NumPy code writes it
            base = a.base if a.exp == -1 else sympy.HadamardPower(a.base, -a.exp)
            text += "/" + self.parenthesize(base, PRECEDENCE["Mul"], strict=False)
        return text

    def _print_HadamardPower(self, expr):
        base, p = expr.args
        text = self.parenthesize(base, PRECEDENCE["Pow"])  # ** acts entry by entry, as in NumPy
        exponent = self._print(p)
        return f"{text}**{exponent if p.is_Symbol or (p.is_Integer and p >= 0) else f'({exponent})'}"

    def _print_DiagMatrix(self, expr):
        v = expr.args[0]
        return f"diag({self._print(v if v.shape[1] == 1 else sympy.Transpose(v).doit())})"  # diag(v.T) is diag(v)

    def _print_Identity(self, expr):
        return f"eye({self._print(expr.shape[0])})"

    def _print_DiagonalOf(self, expr):
        return f"diagonal({self._print(expr.arg)})"

    def _print_OneMatrix(self, expr):
        return f"ones({self._print(expr.shape[0])}, {self._print(expr.shape[1])})"

    def _print_ZeroMatrix(self, expr):
        return f"zeros({self._print(expr.shape[0])}, {self._print(expr.shape[1])})"

    def _print_Determinant(self, expr):
        return f"det({self._print(expr.arg)})"

    def _print_Inverse(self, expr):
        return f"inv({self._print(expr.arg)})"

    def _print_Transpose(self, expr):
        arg = self._print(expr.arg)
        if not (expr.arg.is_Symbol or getattr(expr.arg, "is_MatrixSymbol", False) or arg.isidentifier()):
            arg = f"({arg})"
        return f"{arg}.T"


def _softmax_entries(expr):
    """exp(z[k])/sum(exp(z[j]), j) as softmax(z)[k] (which the parser reads back as that quotient),
    or None.  Only a sum from 0 over a bare exp of the same array's entries qualifies."""
    factors = list(sympy.Mul.make_args(expr))
    for den in factors:
        if not (den.is_Pow and den.exp == -1 and isinstance(den.base, sympy.Sum) and len(den.base.limits) == 1):
            continue
        total = den.base
        j, lo, hi = total.limits[0]
        body = total.function
        if lo != 0 or not (hi + 1).is_Symbol or not (isinstance(body, sympy.exp) and isinstance(body.args[0], sympy.Indexed)
                           and body.args[0].indices == (j,)):
            continue
        base = body.args[0].base
        for num in factors:
            if isinstance(num, sympy.exp) and isinstance(num.args[0], sympy.Indexed) \
                    and num.args[0].base == base and len(num.args[0].indices) == 1:
                index = num.args[0].indices[0]
                entry = sympy.Symbol(f"softmax({base})[{TextPrinter().doprint(index)}]")
                rest = [f for f in factors if f is not num and f is not den]
                return sympy.Mul(*rest, entry, evaluate=False) if rest else entry
    return None


def _huge(n):
    """1.2345678901e+47712 for an integer too long to print in full (mpmath reads it without str)."""
    with mpmath.workdps(12):
        return mpmath.nstr(mpmath.mpf(n), 11, min_fixed=0, max_fixed=0)


def to_text(expr):
    """Text in derive's grammar for a SymPy expression or Matrix."""
    return TextPrinter().doprint(expr)
