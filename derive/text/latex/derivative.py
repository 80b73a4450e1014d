"""The derivative at the start of a line: what is differentiated, by what, and the rest.

A derivative operator is not an expression of derive's grammar (parse refuses it); a checker
of derivations reads the first line of a derivation with `split_derivative` instead.

Contract::

    split_derivative(line) -> (f, wrt, rest)  or  None when the line does not start with a derivative

    f     the text of the function differentiated, as written (LaTeX or text): "L",
          "\\frac{1}{2}\\|Xw - y\\|^2", "f(w)"; None when the operator stands alone
          (\\frac{\\partial}{\\partial w} with nothing after it, before '=')
    wrt   derive's names of the variables, in order: ["w"], ["mu"] (\\mu), ["theta"]
          (\\boldsymbol\\theta); [] for \\nabla L without a subscript
    rest  the text after the derivative (and after f when f follows the operator), stripped:
          usually "= ..." (the derivation's next step); "" when nothing follows

Recognised (LaTeX, with or without $...$; and text):

    \\frac{\\partial}{\\partial w} EXPR      \\frac{d}{dx} EXPR      \\frac{\\mathrm{d}}{\\mathrm{d}x} EXPR
    \\frac{\\partial L}{\\partial w}         \\frac{dL}{d\\mu}        \\dfrac, \\tfrac alike
    \\nabla_w L      \\nabla_{\\mathbf w} f(w)      \\nabla L
    \\partial L / \\partial w                d/dw f      dL/dmu

Second derivatives (\\frac{\\partial^2 f}{\\partial x \\partial y}, \\nabla^2) are a `ParseError`
saying so: state f and wrt, or use derive.hessian.
"""

import re

from ...errors import ParseError
from ..budgets import DEFAULT_LIMITS
from .detect import blank_delimiters
from .names import wrt_names
from .reader import Group, Macro, Tok, read

_FRACTIONS = ("frac", "dfrac", "tfrac")
_TEXT_OPERATOR = re.compile(r"\s*d\s*/\s*d\s*([A-Za-z_]\w*)\b")  # d/dw f
_TEXT_QUOTIENT = re.compile(r"\s*d([A-Za-z_]\w*)\s*/\s*d([A-Za-z_]\w*)\b")  # dL/dmu
_PARTIAL_QUOTIENT = re.compile(r"\s*\\partial\s*(.+?)\s*/\s*\\partial\s*(\\?[A-Za-z]\w*(?:\{[^{}]*\})?)")


def split_derivative(line):
    """(f, wrt, rest) for a line that starts with a derivative, else None (see the module's contract)."""
    if not isinstance(line, str):
        raise ParseError(f"expected text, got {type(line).__name__}")
    source = blank_delimiters(line)
    if len(source) > DEFAULT_LIMITS.max_length:
        raise ParseError(f"the line is {len(source)} characters; the limit is {DEFAULT_LIMITS.max_length}")
    for reader in (_text_forms, _latex_forms):
        found = reader(source)
        if found is not None:
            f, wrt, rest = found
            return (f.strip() or None) if f is not None else None, wrt, rest.strip()
    return None


def _text_forms(source):
    match = _TEXT_OPERATOR.match(source)
    if match:
        return _function_after(source, match.end(), [match.group(1)])
    match = _TEXT_QUOTIENT.match(source)
    if match:
        return match.group(1), [match.group(2)], source[match.end():]
    match = _PARTIAL_QUOTIENT.match(source)
    if match:
        return match.group(1), wrt_names(match.group(2)), source[match.end():]
    return None


def _latex_forms(source):
    if "\\" not in source:
        return None
    head = source[:_first_equals(source, 0)]
    items = read(head, DEFAULT_LIMITS)
    if not items:
        return None
    first = items[0]
    if isinstance(first, Macro) and first.name in _FRACTIONS and len(first.args) == 2 and all(first.args):
        numerator, denominator = first.args
        top, bottom = _differential(numerator, source), _differential(denominator, source)
        if top is None or bottom is None:
            return None
        if top.order != 1 or bottom.order != 1:
            raise ParseError("a second derivative in a derivation is not supported: give f and wrt, or use "
                             "derive.hessian", source, first.start + 1)
        wrt = wrt_names(bottom.text)
        if top.text.strip():
            return top.text, wrt, source[first.end:]
        return _function_after(source, first.end, wrt)
    if isinstance(first, Macro) and first.name == "nabla":
        end, wrt = first.end, []
        if len(items) > 2 and isinstance(items[1], Tok) and items[1].text == "^":
            raise ParseError("\\nabla^2 (a Hessian) in a derivation is not supported: give f and wrt, or use "
                             "derive.hessian", source, first.start + 1)
        if len(items) > 2 and isinstance(items[1], Tok) and items[1].text == "_":
            script = items[2]
            inner = source[script.start + 1:script.end - 1] if isinstance(script, Group) else \
                source[script.start:script.end]
            wrt, end = wrt_names(inner), script.end
        return _function_after(source, end, wrt)
    return None


class _Side:
    def __init__(self, text, order):
        self.text, self.order = text, order


def _differential(items, source):
    """`\\partial L`, `dL`, `d`, `\\mathrm{d} x`, `\\partial^2 f`: the part after the d and the order."""
    first = items[0]
    is_d = (isinstance(first, Tok) and first.text == "d") or (isinstance(first, Macro) and first.name == "partial") \
        or (isinstance(first, Macro) and first.name == "mathrm" and first.args and first.args[0]
            and "".join(t.text for t in first.args[0] if isinstance(t, Tok)) == "d")
    if not is_d:
        return None
    order, rest = 1, items[1:]
    after = rest[0] if rest else None
    if after is not None and not ((isinstance(after, Tok) and (after.kind == "letter" or after.text == "^"))
                                  or isinstance(after, (Macro, Group))):
        return None  # d_1, d + 1: a name d, not a differential
    if rest and isinstance(rest[0], Tok) and rest[0].text == "^":
        order = 2
        rest = rest[2:]
    if any(isinstance(t, Macro) and t.name == "partial" for t in rest):
        order = 2  # \partial x \partial y
    if not rest:
        return _Side("", order)
    return _Side(source[rest[0].start:rest[-1].end], order)


def _function_after(source, start, wrt):
    """The function written after an operator (up to a top-level '='), and what follows it."""
    end = _first_equals(source, start)
    return source[start:end], wrt, source[end:]


def _first_equals(source, start):
    """The offset of the first '=' outside brackets (not in <=, >=, !=), else the end."""
    depth = 0
    for i in range(start, len(source)):
        ch = source[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "=" and depth <= 0 and source[i - 1:i] not in ("<", ">", "!") and source[i + 1:i + 2] != "=":
            return i
    return len(source)
