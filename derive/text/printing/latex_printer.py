"""SymPy -> LaTeX in the textbook's notation (`latex`), in forms derive's LaTeX front end reads back.

sigma(Xw) odot (1 - sigma(Xw)) and 1/(e^{Xw} + 1) for entrywise maps (the body with the array in
place of the variable), x^{circ 2}, diag(v), softmax(z), sized ones and identities, a 1 x 1
product as itself, g'(u), \\mathrm{lam} for a name of several letters, and entries and sums
counted from 1 as LaTeX counts them (see `ResultLatexPrinter`).
"""

import re

import sympy
from sympy import S
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from .forms import (
    ArrayText,
    PrimedCalls,
    entrywise_parts,
    is_matrix_product,
    is_negative,
    is_product_1x1,
    readable_indices,
    softmax_vector,
    split_product,
    sum_of,
)


class ResultLatexPrinter(PrimedCalls, LatexPrinter):
    """SymPy's LaTeX with the textbook's notation for what matrix calculus produces, in forms derive's
    LaTeX front end reads back to the same expression: sigma(Xw) odot (1 - sigma(Xw)) and
    1/(e^{Xw} + 1) for entrywise maps (the body with the array in place of the variable), x^{circ 2},
    diag(v), softmax(z), sized ones (\\mathbf{1}_{N}) and identities (I_{n}), a 1 x 1 product as itself
    (parenthesized in a power), g'(u), \\mathrm{lam} for a name of several letters, entries and sums
    counted from 1 as LaTeX counts them (z[0] is z_{1}, sum over j from 0 to K-1 is \\sum_{j=1}^{K})."""

    def parenthesize(self, item, level, is_neg=False, strict=False):
        # (x^T x)^2, never x^{T} x^{2}: a 1 x 1 product is one factor (SymPy ranks a Trace an atom)
        if is_product_1x1(item) and level >= PRECEDENCE["Mul"]:
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

    def _print_ArrayText(self, expr):
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
        renamed = readable_indices(expr)
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
        if isinstance(body, (sympy.Add, sympy.Sum)) or is_negative(body):
            inner = self._add_parens(inner)
        return " ".join(heads) + " " + inner

    # -- arrays -------------------------------------------------------------------
    def _applied(self, f, inner):
        """f's own LaTeX around the argument's: \\sigma\\left(X w\\right)."""
        return self._print(f(ArrayText("SLOT", PRECEDENCE["Atom"]))).replace("SLOT", inner)

    def _print_ElementwiseApplyFunction(self, expr):
        fn, array = expr.function, expr.expr
        t = fn.variables[0]
        if _is_applied_function(expr):
            return self._applied(fn.expr.func, self._print(array))
        found = entrywise_parts(fn.expr, t)
        if found is not None:  # the textbook's sigma(Xw) odot (1 - sigma(Xw))
            coeff, parts = found
            inner = self._print(array)
            factor = self.parenthesize(array, PRECEDENCE["Mul"], strict=not is_matrix_product(array))
            pieces = {"t": lambda f: factor, "f": lambda f: self._applied(f, inner),
                      "1-f": lambda f: rf"\left({self._ones(array.shape)} - {self._applied(f, inner)}\right)"}
            text = r" \odot ".join(pieces[kind](f) for kind, f in parts)
            return text if coeff == 1 else rf"{self._scalar_factor(coeff)} \left({text}\right)"
        return _EntrywiseBody(self, t, array).latex(fn.expr)

    def _print_HadamardProduct(self, expr):
        # entry by entry products are associative; a matrix product beside one is not: (X w) odot y
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=not is_matrix_product(a))
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
            summed = sum_of(expr)
            if summed is not None:  # the sum of M's entries: 1^T M 1
                rows, cols = summed.shape
                inner = self.parenthesize(summed, PRECEDENCE["Mul"], strict=not is_matrix_product(summed))
                left = rf"{self._ones((1, rows))} " if rows != 1 else ""
                right = rf" {self._ones((cols, 1))}" if cols != 1 else ""
                return f"{left}{inner}{right}"
            return self._print(expr.arg)
        return super()._print_Trace(expr)

    def _print_MatMul(self, expr):
        softmax = softmax_vector(expr)
        if softmax is not None:
            coeff, z = softmax
            text = rf"\operatorname{{softmax}}\left({self._print(z)}\right)"
            return text if coeff == 1 else rf"{self._scalar_factor(coeff)} {text}"
        # the scalar first, then the matrices in order (SymPy may keep a coefficient between them)
        coeff, matrices = split_product(expr)
        text = " ".join(self.parenthesize(m, PRECEDENCE["Mul"]) for m in matrices)
        if coeff is None:
            return text
        if coeff == -1:
            return f"- {text}"
        if is_negative(coeff):
            return f"- {self._scalar_factor(-coeff)} {text}"
        return f"{self._scalar_factor(coeff)} {text}"

    def _scalar_factor(self, coeff):
        """A scalar before a product: a sum or a 1 x 1 product in parentheses."""
        if is_product_1x1(coeff) or isinstance(coeff, sympy.Add):
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
    def _primed(self, g, order, at):
        # g'(a^T x): the derivative of an unspecified one-argument function at a point
        return rf"{self._print(sympy.Symbol(g))}{chr(39) * order}\left({self._print(at)}\right)"


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
        return p._print(e.xreplace({self.t: ArrayText(p._print(self.array), precedence(self.array))})), \
            precedence(e)

    def factor(self, e, level=PRECEDENCE["Mul"]):
        text, rank = self.printed(e)
        # a matrix product among entrywise products needs its parentheses: (X w) odot y
        wrap = rank <= level or (e == self.t and is_matrix_product(self.array))
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
        if is_negative(coeff):
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
