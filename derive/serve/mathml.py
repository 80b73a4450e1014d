"""MathML for the page: SymPy's presentation printer for what derive read and derived,
`latex2mathml` for the LaTeX the user typed, and one sanitizer both go through.

Browsers draw MathML natively (MathML Core: no <mfenced>, no named entities in XML), so every
string leaves here rebuilt from an allowlist of MathML elements and attributes, its text
escaped and its entities turned into characters.  latex2mathml copies \\text{...} verbatim
(`\\text{<script>}` comes out as a <script> element): the sanitizer is what makes its output
safe to insert, not a courtesy.
"""

import html
from html.parser import HTMLParser

from sympy.printing.mathml import MathMLPresentationPrinter

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
ELEMENTS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot", "msub", "msup",
    "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
    "semantics", "annotation", "merror", "menclose",
}
ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "form", "largeop",
    "movablelimits", "accent", "accentunder", "linethickness", "columnalign", "rowalign", "columnspacing",
    "rowspacing", "displaystyle", "scriptlevel", "width", "height", "depth", "notation", "minsize", "maxsize",
    "symmetric", "encoding",
}
MAX_CHARS = 200_000  # a result bigger than this is shown as text


class _Printer(MathMLPresentationPrinter):
    """SymPy's presentation printer, with derive's index names printed as names (SymPy prints an
    Idx as `idx(i)`) and e as a plain e."""

    def _print_Idx(self, e):
        return self._print(e.label)

    def _print_Exp1(self, e):  # SymPy's &ExponentialE; is a double-struck e: print the e of textbooks
        x = self.dom.createElement("mi")
        x.appendChild(self.dom.createTextNode("e"))
        return x


def from_sympy(expr):
    """<math> of a SymPy expression or matrix, sanitized.

    Matrix notation goes through derive's own LaTeX (the textbook's X^T (y ⊙ σ(X w))) and
    latex2mathml: SymPy's MathML printer has no rule for most matrix-expression nodes and writes
    hadamardpower(x, 2), elementwiseapplyfunction(...), trace(x^T A x)."""
    import sympy

    if isinstance(expr, sympy.Basic) and expr.atoms(sympy.MatrixSymbol):
        from derive.text.printing import latex

        markup = from_latex(latex(expr))
        if markup is not None:
            return markup
    body = _Printer({"mat_delim": "["}).doprint(expr)
    return sanitize(f'<math xmlns="{MATHML_NS}" display="block">{body}</math>')


def from_latex(text):
    """<math> of what the user typed in LaTeX (latex2mathml), sanitized; None where it cannot read it."""
    import latex2mathml.converter

    try:
        return sanitize(latex2mathml.converter.convert(text.strip().strip("$"), display="block"))
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds on text it cannot read: no preview
        return None


class _Rebuild(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)  # &InvisibleTimes; and &#x2211; become characters
        self.out, self.open, self.skipping = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag not in ELEMENTS:
            self.skipping += 1 if tag in ("script", "style") else 0
            return
        kept = "".join(f' {k}="{html.escape(v or "", quote=True)}"' for k, v in attrs if k in ATTRIBUTES)
        namespace = f' xmlns="{MATHML_NS}"' if tag == "math" and not self.open else ""
        self.out.append(f"<{tag}{namespace}{kept}>")
        self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag in ELEMENTS:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1
        if tag in ELEMENTS and tag in self.open:
            while self.open:  # close what was left open inside it
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == tag:
                    break

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))


def sanitize(markup):
    """Well-formed MathML with only allowlisted elements and attributes, or None."""
    if not markup or len(markup) > MAX_CHARS:
        return None
    parser = _Rebuild()
    parser.feed(markup)
    parser.close()
    parser.out.extend(f"</{t}>" for t in reversed(parser.open))
    text = "".join(parser.out)
    return text if text.startswith("<math") else None
