"""Print SymPy objects back in the parser's own grammar.

`parse(to_text(e))` rebuilds `e`: results can be pasted back into derive
(or into a homework answer) as they are printed.
"""

import re

import mpmath
import sympy
from sympy import S
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter



class TextPrinter(StrPrinter):
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
        if isinstance(expr, sympy.Add) and terms and _negative(terms[0]):
            first = next((k for k, t in enumerate(terms) if not _negative(t)), None)
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
                    if _is_product_1x1(t) and t in [b for f in sympy.Mul.make_args(expr) for b in (f, f.as_base_exp()[0])]}
        if products:
            return self._print(expr.xreplace(products))  # may be a power (T*T) or a number (T/T)
        return super()._print_Mul(expr)

    def _print_MatMul(self, expr):
        softmax = _softmax_vector(expr)
        if softmax is not None:
            coeff, z = softmax
            if coeff == 1:
                return f"softmax({self._print(z)})"
            text = self._print(coeff)
            return f"{f'({text})' if isinstance(coeff, sympy.Add) else text}*softmax({self._print(z)})"
        # NumPy's reading: scalars with *, then the matrices with @ (one precedence level, left to right,
        # so 2*A@x is (2*A)@x)
        coeff, matrices = _split_product(expr)
        text = "@".join(self.parenthesize(m, PRECEDENCE["Mul"]) for m in matrices)
        if coeff is None:
            return text
        if coeff == -1:
            return f"-{text}"
        sign = ""
        if _negative(coeff):
            sign, coeff = "-", -coeff
        scalar = f"({self._print(coeff)})" if _is_product_1x1(coeff) else \
            self.parenthesize(coeff, PRECEDENCE["Mul"])
        return f"{sign}{scalar}*{text}"

    def _print_MatPow(self, expr):
        return f"matrix_power({self._print(expr.base)}, {self._print(expr.exp)})"

    def _print_Subs(self, expr):
        # g'(a.T@x): the derivative of an unspecified one-argument function at a point
        primed = _primed_call(expr)
        if primed is None:
            return super()._print_Subs(expr) if isinstance(expr, sympy.Subs) else super()._print_Derivative(expr)
        g, order, at = primed
        return f"{g}{chr(39) * order}({self._print(at)})"

    _print_Derivative = _print_Subs

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
        renamed = _readable_indices(expr)
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
        summed = _sum_of(expr)
        if summed is not None and tuple(arg.shape) == (1, 1):  # y.T*1: the sum of y's entries
            return f"sum({self._print(summed)})"
        scaled = _scaled_sum(expr)
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
        array = _ArrayText(arg, precedence(expr.expr))
        found = _entrywise_parts(body, t)
        if found is not None:  # in the textbook's order: sigmoid(z)*(1 - sigmoid(z)), never the reverse
            coeff, parts = found
            texts = {"t": lambda f: self.parenthesize(array, PRECEDENCE["Mul"]), "f": lambda f: f"{f.__name__}({arg})",
                     "1-f": lambda f: f"(1 - {f.__name__}({arg}))"}
            text = "*".join(texts[kind](f) for kind, f in parts)
            return text if coeff == 1 else f"{self.parenthesize(coeff, PRECEDENCE['Mul'])}*{text}"
        return self._print(body.xreplace({t: array}))

    def _print__ArrayText(self, expr):
        return expr.name

    def _print_HadamardProduct(self, expr):
        # entry by entry * is associative, but a matrix product beside it is not: a*(X@w), never a*X@w
        over = [a for a in expr.args if isinstance(a, sympy.HadamardPower) and a.exp.is_negative]
        top = [a for a in expr.args if a not in over] or [sympy.OneMatrix(*expr.shape)]
        text = "*".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=not _is_matrix_product(a)) for a in top)
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


def _entrywise_parts(body, t):
    """(c, [(kind, f), ...]) when an entrywise map t -> body is c times a product of t, f(t) and
    1 - f(t) (f one function of the grammar): kind "t", "f" or "1-f"; None otherwise."""
    coeff, parts = sympy.S.One, []
    for factor in sympy.Mul.make_args(body):
        base, power = factor.as_base_exp()
        if not (power.is_Integer and power > 0):
            return None
        if not factor.has(t):
            coeff *= factor
            continue
        if base == t:
            part = ("t", None)
        elif isinstance(base, sympy.Function) and base.args == (t,):
            part = ("f", base.func)
        elif isinstance(base, sympy.Add) and len(base.args) == 2 and sympy.S.One in base.args:
            other = -next(a for a in base.args if a != 1)
            if not (isinstance(other, sympy.Function) and other.args == (t,)):
                return None
            part = ("1-f", other.func)
        else:
            return None
        parts += [part] * int(power)
    parts.sort(key=lambda p: p[0] == "1-f")  # sigmoid(z) o (1 - sigmoid(z)), as textbooks order it
    return (coeff, parts) if parts else None


class _ArrayText(sympy.Symbol):
    """An array's printed text in the place of an entrywise map's variable, parenthesized as the
    array expression it stands for would be."""

    def __new__(cls, text, rank):
        obj = super().__new__(cls, text)
        obj.precedence = rank
        return obj


def _split_product(expr):
    """(the product of a matrix product's scalar factors, or None; its matrices in order)."""
    scalars = [a for a in expr.args if not getattr(a, "is_Matrix", False)]
    return (sympy.Mul(*scalars) if scalars else None), [a for a in expr.args if getattr(a, "is_Matrix", False)]


def _readable_indices(expr):
    """`expr` with its sums' SymPy-made bound indices (Dummy i_1, or names starting with _) renamed to
    free letters (j, p, q, ...), bound as they were; the same object when there are none."""
    hidden = [lim[0] for s in expr.atoms(sympy.Sum) for lim in s.limits
              if lim[0].name.startswith("_") or isinstance(lim[0], sympy.Dummy)]
    if not hidden:
        return expr
    taken = {a.name for a in expr.atoms(sympy.Symbol) if a not in hidden} | \
        {str(b.label) for b in expr.atoms(sympy.IndexedBase)} | {str(m.name) for m in expr.atoms(sympy.MatrixSymbol)}
    letters = [c for c in "jpqrstuvabcdefghi" if c not in taken] + [f"j{k}" for k in range(1, 100)]
    fresh = {}
    for index in dict.fromkeys(hidden):
        name = next(c for c in letters if c not in taken)
        taken.add(name)
        fresh[index] = sympy.Symbol(name, integer=True)
    return expr.xreplace(fresh)


def _is_matrix_product(M):
    return isinstance(M, sympy.MatMul) and sum(1 for a in M.args if getattr(a, "is_Matrix", False)) > 1


def _is_product_1x1(t):
    return isinstance(t, sympy.Trace) and tuple(t.arg.shape) == (1, 1) and isinstance(t.arg, sympy.MatMul)


def _primed_call(expr):
    """(g, order, argument) when `expr` is g'(u) (a Subs of g's derivative at u) or g'(x) (a
    Derivative of g(x) by x), g an unspecified one-argument function; else None."""
    if isinstance(expr, sympy.Subs):
        prime = _prime(expr.expr)
        if prime is not None and len(expr.variables) == 1 and expr.variables[0] == expr.expr.variables[0]:
            return prime + (expr.point[0],)
        return None
    prime = _prime(expr)
    return None if prime is None else prime + (expr.expr.args[0],)


def _prime(d):
    """(g, order) when `d` is the derivative of an unspecified one-argument function g by its argument."""
    if isinstance(d, sympy.Derivative) and isinstance(d.expr, sympy.core.function.AppliedUndef) \
            and len(d.expr.args) == 1 and len(d.variable_count) == 1 and d.variable_count[0][0] == d.expr.args[0]:
        return d.expr.func.__name__, int(d.variable_count[0][1])
    return None


def _exp_of(E):
    """z when E is exp applied entrywise to z, else None."""
    if isinstance(E, sympy.matrices.expressions.applyfunc.ElementwiseApplyFunction):
        fn = E.function
        if isinstance(fn.expr, sympy.exp) and fn.expr.args == fn.variables:
            return E.expr
    return None


def _sum_of(T):
    """M when T is the scalar sum of M's entries (tr(1^T M), tr(M^T 1), ...), else None."""
    if not isinstance(T, sympy.Trace) or not isinstance(T.arg, sympy.MatMul):
        return None
    coeff, mats = T.arg.as_coeff_matrices()
    if coeff != 1:  # tr(1^T (2 y)) is 2*sum(y): the caller prints the coefficient's trace otherwise
        return None
    ones = [m for m in mats if isinstance(m, sympy.OneMatrix)]
    rest = [m for m in mats if not isinstance(m, sympy.OneMatrix)]
    if len(rest) != 1 or not ones:
        return None
    M = rest[0]
    return M.arg if isinstance(M, sympy.Transpose) else M


def _scaled_sum(T):
    """(c, the trace without c) when T is c*tr(...) with c != 1, a product whose coefficient SymPy keeps inside."""
    if not isinstance(T, sympy.Trace) or not isinstance(T.arg, sympy.MatMul):
        return None
    coeff, mats = T.arg.as_coeff_matrices()
    if coeff == 1 or not mats:
        return None
    return coeff, sympy.MatMul(*mats)


def _softmax_vector(expr):
    """(c, z) when a matrix product is c * exp(z)/sum(exp(z)) (z a vector): softmax(z) is read back as that."""
    coeff, mats = expr.as_coeff_matrices()
    if len(mats) != 1 or _exp_of(mats[0]) is None:
        return None
    z = _exp_of(mats[0])
    for factor in sympy.Mul.make_args(coeff):
        if factor.is_Pow and factor.exp == -1 and _sum_of(factor.base) is not None \
                and _exp_of(_sum_of(factor.base)) == z:
            return coeff / factor, z
    return None


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


def _negative(term):
    return term.could_extract_minus_sign() or (term.is_Number and term.is_negative)


def _huge(n):
    """1.2345678901e+47712 for an integer too long to print in full (mpmath reads it without str)."""
    with mpmath.workdps(12):
        return mpmath.nstr(mpmath.mpf(n), 11, min_fixed=0, max_fixed=0)


def to_text(expr):
    """Text in derive's grammar for a SymPy expression or Matrix."""
    return TextPrinter().doprint(expr)


class ResultLatexPrinter(LatexPrinter):
    """SymPy's LaTeX with the textbook's notation for what matrix calculus produces, in forms derive's
    LaTeX front end reads back to the same expression: sigma(Xw) odot (1 - sigma(Xw)) and
    1/(e^{Xw} + 1) for entrywise maps (the body with the array in place of the variable), x^{circ 2},
    diag(v), softmax(z), sized ones (\\mathbf{1}_{N}) and identities (I_{n}), a 1 x 1 product as itself
    (parenthesized in a power), g'(u), \\mathrm{lam} for a name of several letters, entries and sums
    counted from 1 as LaTeX counts them (z[0] is z_{1}, sum over j from 0 to K-1 is \\sum_{j=1}^{K})."""

    def parenthesize(self, item, level, is_neg=False, strict=False):
        # (x^T x)^2, never x^{T} x^{2}: a 1 x 1 product is one factor (SymPy ranks a Trace an atom)
        if _is_product_1x1(item) and level >= PRECEDENCE["Mul"]:
            return self._add_parens(self._print(item))
        if isinstance(item, ElementwiseApplyFunction) and not _is_applied_function(item):
            rank = _entrywise_rank(item)  # printed as its body: 1/(e^{Xw} + 1) ranks as a quotient
            text = self._print(item)
            return self._add_parens(text) if rank < level or (not strict and rank <= level) else text
        return super().parenthesize(item, level, is_neg=is_neg, strict=strict)

    # -- names and entries ------------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        if re.fullmatch(r"[A-Za-z]+\d+", expr.name):  # s2, x0: SymPy's s_{2} would read back as the name s_2
            return rf"\mathrm{{{expr.name}}}"
        base = re.split(r"[_^]", expr.name, maxsplit=1)[0]
        if len(base) > 1 and base.isalpha() and not text_is_greek(base) and base not in ("lambda",) and \
                re.search(r"(bar|hat|dot|ddot|tilde|vec|prime|acute|grave|breve|check)$", base.lower()):
            return rf"\mathrm{{{expr.name}}}"  # xbar: SymPy's \bar{x} reads back as another name, x_bar
        text = super()._print_Symbol(expr, style=style)
        if len(base) > 1 and base.isalpha() and text.startswith(base):  # lam: one name, not l*a*m
            text = rf"\mathrm{{{base}}}" + text[len(base):]
        return text

    def _print__ArrayText(self, expr):
        return expr.name

    def _print_Indexed(self, expr):
        return f"{self._entry_base(expr.base)}_{{{','.join(self._position(i) for i in expr.indices)}}}"

    def _print_MatrixElement(self, expr):
        indices = (expr.i,) if expr.parent.shape[1] == 1 else (expr.i, expr.j)
        return f"{self._entry_base(expr.parent)}_{{{','.join(self._position(i) for i in indices)}}}"

    def _entry_base(self, base):
        text = self._print(base)
        return text if re.fullmatch(r"\\?[A-Za-z]+|\\mathrm\{[A-Za-z]+\}", text) else f"{{{text}}}"

    def _position(self, index):
        """An entry's position as LaTeX counts it: from 1 for a number (z[0] is z_1), a symbol as it is."""
        return self._print(index + 1) if index.is_Integer else self._print(index)

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._position(a) for a in expr.args)
        tex = rf"\delta_{{{i} {j}}}" if all(a.is_Symbol and len(a.name) == 1 for a in expr.args) \
            else rf"\delta_{{{i}, {j}}}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_Sum(self, expr):
        renamed = _readable_indices(expr)
        if renamed is not expr:
            return self._print(renamed)
        # one \sum per index, each counted from 1 when the index only marks positions (z_j); an
        # index used as a value keeps derive's bounds from 0 (the reader counts from 0 then)
        body, limits = expr.function, list(expr.limits)
        heads = []
        for index, lo, hi in limits:
            if _default_range(index, lo, hi) and not _used_as_value(body, index):
                heads.append(rf"\sum_{{{self._print(index)}}}")  # the range the reader gives \sum_i (n or n_i)
                continue
            if lo != 0 and _used_as_value(body, index):
                body, lo, hi = body.xreplace({index: index + lo}), S.Zero, hi - lo
            if lo == 0 and _used_as_value(body, index):
                heads.append(rf"\sum_{{{self._print(index)}=0}}^{{{self._print(hi)}}}")
            else:
                heads.append(rf"\sum_{{{self._print(index)}={self._print(lo + 1)}}}^{{{self._print(hi + 1)}}}")
        inner = self._print(body)
        if isinstance(body, (sympy.Add, sympy.Sum)) or _negative(body):
            inner = self._add_parens(inner)
        return " ".join(heads) + " " + inner

    # -- arrays -------------------------------------------------------------------
    def _applied(self, f, inner):
        """f's own LaTeX around the argument's: \\sigma\\left(X w\\right)."""
        return self._print(f(_ArrayText("SLOT", PRECEDENCE["Atom"]))).replace("SLOT", inner)

    def _print_ElementwiseApplyFunction(self, expr):
        fn, array = expr.function, expr.expr
        t = fn.variables[0]
        if _is_applied_function(expr):
            return self._applied(fn.expr.func, self._print(array))
        found = _entrywise_parts(fn.expr, t)
        if found is not None:  # the textbook's sigma(Xw) odot (1 - sigma(Xw))
            coeff, parts = found
            inner = self._print(array)
            factor = self.parenthesize(array, PRECEDENCE["Mul"], strict=not _is_matrix_product(array))
            pieces = {"t": lambda f: factor, "f": lambda f: self._applied(f, inner),
                      "1-f": lambda f: rf"\left({self._ones(array.shape)} - {self._applied(f, inner)}\right)"}
            text = r" \odot ".join(pieces[kind](f) for kind, f in parts)
            return text if coeff == 1 else rf"{self._scalar_factor(coeff)} \left({text}\right)"
        return _EntrywiseBody(self, t, array).latex(fn.expr)

    def _print_HadamardProduct(self, expr):
        # entry by entry products are associative; a matrix product beside one is not: (X w) odot y
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=not _is_matrix_product(a))
                               for a in expr.args)

    def _print_HadamardPower(self, expr):
        base, p = expr.args
        return rf"{self.parenthesize(base, PRECEDENCE['Pow'], strict=True)}^{{\circ {self._print(p)}}}"

    # functions whose SymPy LaTeX the reader cannot take back (\theta(x) reads as theta times x,
    # \Gamma(x) as a name Gamma): the grammar's own names, which \operatorname reads
    def _named(self, name, *args):
        return rf"\operatorname{{{name}}}\left({', '.join(self._print(a) for a in args)}\right)"

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, sympy.core.function.AppliedUndef):  # g(u) for a declared function: g\left(u\right)
            text = rf"{self._print(sympy.Symbol(expr.func.__name__))}\left({', '.join(self._print(a) for a in expr.args)}\right)"
            return text if exp is None else rf"{text}^{{{exp}}}"
        return super()._print_Function(expr, exp)

    def _print_Heaviside(self, expr, exp=None):
        text = self._named("heaviside", expr.args[0])
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _print_gamma(self, expr, exp=None):
        text = self._named("gamma", expr.args[0])
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _print_loggamma(self, expr, exp=None):
        text = self._named("loggamma", expr.args[0])
        return text if exp is None else rf"\left({text}\right)^{{{exp}}}"

    def _print_polygamma(self, expr, exp=None):
        n, x = expr.args
        text = self._named("digamma", x) if n == 0 else self._named("polygamma", n, x)
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_OneMatrix(self, expr):
        return self._ones(expr.shape)

    def _ones(self, shape):
        """The ones array of a shape: \\mathbf{1}_{N}, a row \\mathbf{1}_{N}^{T}, a matrix \\mathbf{1}_{N} \\mathbf{1}_{d}^{T}."""
        rows, cols = (self._print(n) for n in shape)
        if shape[1] == 1:
            return "1" if shape[0] == 1 else rf"\mathbf{{1}}_{{{rows}}}"
        if shape[0] == 1:
            return rf"\mathbf{{1}}_{{{cols}}}^{{T}}"
        return rf"\mathbf{{1}}_{{{rows}}} \mathbf{{1}}_{{{cols}}}^{{T}}"

    def _print_Identity(self, expr):
        return rf"I_{{{self._print(expr.shape[0])}}}"

    def _print_ZeroMatrix(self, expr):
        return rf"0 \cdot {self._ones(expr.shape)}" if expr.shape != (1, 1) else "0"

    def _print_Trace(self, expr):
        if tuple(expr.arg.shape) == (1, 1):
            summed = _sum_of(expr)
            if summed is not None:  # the sum of M's entries: 1^T M 1
                rows, cols = summed.shape
                inner = self.parenthesize(summed, PRECEDENCE["Mul"], strict=not _is_matrix_product(summed))
                left = rf"{self._ones((1, rows))} " if rows != 1 else ""
                right = rf" {self._ones((cols, 1))}" if cols != 1 else ""
                return f"{left}{inner}{right}"
            return self._print(expr.arg)
        return super()._print_Trace(expr)

    def _print_MatMul(self, expr):
        softmax = _softmax_vector(expr)
        if softmax is not None:
            coeff, z = softmax
            text = rf"\operatorname{{softmax}}\left({self._print(z)}\right)"
            return text if coeff == 1 else rf"{self._scalar_factor(coeff)} {text}"
        # the scalar first, then the matrices in order (SymPy may keep a coefficient between them)
        coeff, matrices = _split_product(expr)
        text = " ".join(self.parenthesize(m, PRECEDENCE["Mul"]) for m in matrices)
        if coeff is None:
            return text
        if coeff == -1:
            return f"- {text}"
        if _negative(coeff):
            return f"- {self._scalar_factor(-coeff)} {text}"
        return f"{self._scalar_factor(coeff)} {text}"

    def _scalar_factor(self, coeff):
        """A scalar before a product: a sum or a 1 x 1 product in parentheses."""
        if _is_product_1x1(coeff) or isinstance(coeff, sympy.Add):
            return self._add_parens(self._print(coeff))
        return self.parenthesize(coeff, PRECEDENCE["Mul"], strict=True)

    def _print_MatAdd(self, expr):
        # A - B, never A + - B
        out = ""
        for k, term in enumerate(self._as_ordered_terms(expr)):
            text = self._print(term)
            if text.startswith("- "):
                out += f" - {text[2:]}" if k else text
            elif text.startswith("-"):
                out += f" - {text[1:]}" if k else text
            else:
                out += f" + {text}" if k else text
        return out

    # -- functions --------------------------------------------------------------------
    def _print_Subs(self, expr):
        # g'(a^T x): the derivative of an unspecified one-argument function at a point
        primed = _primed_call(expr)
        if primed is None:
            return super()._print_Subs(expr) if isinstance(expr, sympy.Subs) else super()._print_Derivative(expr)
        g, order, at = primed
        return rf"{self._print(sympy.Symbol(g))}{chr(39) * order}\left({self._print(at)}\right)"

    _print_Derivative = _print_Subs


class _EntrywiseBody:
    """The LaTeX of an entrywise map t -> body applied to an array, as the body with the array in
    place of t: products of arrays with odot, powers with ^{circ p}, quotients as fractions (the
    reader reads each entry by entry), a constant beside an array as the ones array times it."""

    def __init__(self, printer, t, array):
        self.printer, self.t, self.array = printer, t, array

    def latex(self, e):
        return self.printed(e)[0]

    def printed(self, e):
        """(latex, rank) of a scalar expression in t read entrywise; rank as SymPy's precedence."""
        p = self.printer
        if e == self.t:
            return p._print(self.array), precedence(self.array)
        if not e.has(self.t):
            return p._print(e), precedence(e)
        rule = next((rule for kind, rule in self.RULES if isinstance(e, kind)), None)
        if rule is not None:
            return rule(self, e)
        if isinstance(e, sympy.Function) and len(e.args) == 1:
            return p._applied(e.func, self.printed(e.args[0])[0]), PRECEDENCE["Func"]
        # anything else (max, a piecewise): SymPy's LaTeX with the array in place of t
        return p._print(e.xreplace({self.t: _ArrayText(p._print(self.array), precedence(self.array))})), \
            precedence(e)

    def factor(self, e, level=PRECEDENCE["Mul"]):
        text, rank = self.printed(e)
        # a matrix product among entrywise products needs its parentheses: (X w) odot y
        wrap = rank <= level or (e == self.t and _is_matrix_product(self.array))
        return self.printer._add_parens(text) if wrap else text

    def add(self, e):
        terms = []
        for term in self.printer._as_ordered_terms(e):
            if term.has(self.t):
                text = self.printed(term)[0]
            else:
                ones = self.printer._ones(self.array.shape)
                text = ones if term == 1 else f"- {ones}" if term == -1 else \
                    f"{self.printer._scalar_factor(term)} {ones}"
            terms.append(text)
        out = terms[0]
        for text in terms[1:]:
            out += f" - {text[2:]}" if text.startswith("- ") else f" + {text}"
        return out, PRECEDENCE["Add"]

    def mul(self, e):
        coeff, num, den = S.One, [], []
        for f in sympy.Mul.make_args(e):
            base, power = f.as_base_exp()
            if not f.has(self.t):
                coeff *= f
            elif power.is_number and power.is_negative:
                den.append(base if power == -1 else sympy.Pow(base, -power))
            else:
                num.append(f)
        sign = ""
        if _negative(coeff):
            sign, coeff = "- ", -coeff
        top = r" \odot ".join(self.factor(f) for f in num)
        if den:
            bottom = r" \odot ".join(self.factor(f) if len(den) > 1 else self.printed(f)[0] for f in den)
            top = rf"\frac{{{top or '1'}}}{{{bottom}}}"
        lead = "" if coeff == 1 else f"{self.printer._scalar_factor(coeff)} "
        return f"{sign}{lead}{top}", PRECEDENCE["Mul"]

    def power(self, e):
        base, p = e.as_base_exp()
        if p.is_number and p.is_negative:
            return self.mul(e)
        if p == S.Half:
            return rf"\sqrt{{{self.printed(base)[0]}}}", PRECEDENCE["Func"]
        return rf"{self.factor(base, PRECEDENCE['Pow'])}^{{\circ {self.printer._print(p)}}}", PRECEDENCE["Pow"]

    def exp(self, e):
        return rf"e^{{{self.printed(e.args[0])[0]}}}", PRECEDENCE["Pow"]

    RULES = ((sympy.Add, add), (sympy.Mul, mul), (sympy.Pow, power), (sympy.exp, exp))


def _is_applied_function(E):
    """E applies one function of one argument entry by entry (sigma(Xw), e^{Xw})."""
    fn = E.function
    return isinstance(fn.expr, sympy.Function) and fn.expr.args == fn.variables


def _entrywise_rank(E):
    """The precedence of an entrywise map printed as its body."""
    body = E.function.expr
    if isinstance(body, sympy.Pow) and body.exp.is_number and body.exp.is_negative:
        return PRECEDENCE["Mul"]
    return precedence(body)


def _default_range(index, lo, hi):
    """The range derive gives a sum written without bounds (ranges.py): 0 to n - 1 or n_i - 1 for i."""
    sizes = (sympy.Symbol("n", integer=True, positive=True), sympy.Symbol(f"n_{index}", integer=True, positive=True))
    return lo == 0 and hi + 1 in sizes


def _used_as_value(body, index):
    """True when a summation index appears in `body` outside entries' positions (z_j, delta_{jk})."""
    positions = {a: sympy.Dummy() for a in body.atoms(sympy.Indexed, sympy.KroneckerDelta)}
    positions.update({a: sympy.Dummy() for a in body.atoms(sympy.matrices.expressions.matexpr.MatrixElement)})
    return index in body.xreplace(positions).free_symbols


def text_is_greek(name):
    from sympy.printing.latex import greek_letters_set
    return name.lower() in greek_letters_set


def latex(expr):
    """LaTeX of a result, in the textbook's notation (`ResultLatexPrinter`)."""
    return ResultLatexPrinter().doprint(expr)
