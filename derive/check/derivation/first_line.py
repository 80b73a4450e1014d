"""What a derivation derives, read from its lines.

    d/dw f = ...            d/dw[k] f = ...          dL/dw = ...         (text)
    \\frac{\\partial L}{\\partial w} = ...   \\nabla_w L = ...          (LaTeX, by the LaTeX front end's
                                                                    `split_derivative` once it is there)
    L = ...   L(w) = ...   J(\\theta) = ...                           (a definition of a name used later)

`derivative(line)` -> (f text or None, wrt names, the rest after '=' or None), or None for a
line that is no derivative; `definition(line)` -> (name, text) or None.
"""

import re

from .split import equalities, top_level_equals

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_WRT = _NAME + r"(?:\[[^\]]*\])?"
# d/dw f, d/dw[k] f, d/d(w) f ; then dL/dw, df/dx[k]
_OPERATOR = re.compile(r"^d\s*/\s*d\s*(?:\(\s*(?P<wrt1>" + _WRT + r"(?:\s*,\s*" + _WRT + r")*)\s*\)|(?P<wrt2>" + _WRT
                       + r"))(?P<f>(?:\s|\(|\[).*)?$", re.S)
_RATIO = re.compile(r"^d\s*(?P<f>" + _NAME + r")\s*/\s*d\s*(?P<wrt>" + _WRT + r")$")
# L, L(w), J(theta, b), \mathcal{L}(w), \ell(\theta): a name and maybe its arguments
_DEFINED = re.compile(r"^(?P<name>\\?[A-Za-z]+(?:\{\\?[A-Za-z]+\})?|" + _NAME + r")\s*(?:_\{?[A-Za-z0-9]*\}?)?\s*"
                      r"(?:\\left\s*)?(?:\((?P<args>[^=]*)\))?(?:\\right)?\s*$")


# LaTeX functions of a formula, never the name of what is derived: \log(x) is a formula
_FUNCTIONS_NOT_NAMES = {"\\log", "\\ln", "\\exp", "\\sin", "\\cos", "\\tanh", "\\sigma", "\\det",
                        "\\operatorname", "\\mathrm", "\\text", "\\operatorname{tr}", "\\sqrt", "\\frac",
                        "\\left", "log", "exp", "sigmoid", "tanh", "sin", "cos", "det", "trace", "sqrt"}


def split_equation(line):
    """(left, right) at the line's top-level '=', or (line, None)."""
    pieces = equalities(line)
    if len(pieces) == 1 and "=" in line:
        cuts = top_level_equals(line)
        if cuts:
            cut = cuts[0]
            return line[:cut].strip(), line[cut + 1:].strip()
    return line.strip(), None


def derivative(line):
    """(f text or None, [wrt names], rest or None) when the line says what is derived, else None."""
    left, right = split_equation(line)
    found = _latex_derivative(line)
    if found is not None:
        return found
    m = _OPERATOR.match(left)
    if m:
        names = m.group("wrt1") or m.group("wrt2")
        f = (m.group("f") or "").strip() or None
        return f, [n.strip() for n in re.split(r",(?![^\[]*\])", names)], right
    m = _RATIO.match(left)
    if m:
        return m.group("f"), [m.group("wrt")], right
    return None


def definition(line):
    """(name, expression text) for 'L = ...' or 'L(w) = ...', else None."""
    left, right = split_equation(line)
    if right is None or not left:
        return None
    m = _DEFINED.match(left)
    if not m:
        return None
    return plain_name(m.group("name")), right


def named(text):
    """(plain name, arguments text or None) when `text` is a name with maybe a subscript and
    arguments (L, \\ell, \\mathcal{L}(w), J(\\theta)), else None."""
    m = _DEFINED.match(text)
    if not m or m.group("name") in _FUNCTIONS_NOT_NAMES or (m.group("args") is not None and m.group("name") in _calls()):
        return None  # sum(...), norm(...), \log(...): a formula, not the name of what is derived
    return plain_name(m.group("name")), m.group("args")


def _calls():
    """The function names of derive's grammar (sum, norm, softmax, ...): f(x) with one is a formula."""
    from ...text.latex.to_tree import _TEXT_CALLS

    return _TEXT_CALLS | {"sum", "prod", "diff", "Sum"}


def plain_name(name):
    """\\mathcal{L} -> L, \\ell -> ell, L -> L."""
    inner = re.fullmatch(r"\\[A-Za-z]+\{\\?([A-Za-z]+)\}", name)
    if inner:
        return inner.group(1)
    return name.lstrip("\\")


def _latex_derivative(line):
    """The LaTeX front end's reading of a first line, where it exists and the line is LaTeX."""
    if "\\" not in line and "_{" not in line and "^{" not in line:
        return None
    try:
        from ...text.latex.derivative import split_derivative
    except ImportError:
        return None
    try:
        found = split_derivative(line)
    except ValueError:  # a ParseError: not a derivative this front end reads
        return None
    if not found:
        return None
    f, wrt, rest = found
    if isinstance(wrt, str):
        wrt = [wrt]
    # wrt [] for \nabla L with no subscript: the variables come from wrt=
    return (f.strip() if isinstance(f, str) and f.strip() else None), list(wrt), (
        rest.strip() if isinstance(rest, str) and rest.strip() else None)


