"""Declarations as course notes write them: `X \\in \\mathbb{R}^{N \\times d}, \\lambda > 0`.

`as_declarations` turns such a line into derive's declaration text ("X: N x d, lambda: positive"),
which `declare` then reads as any other.  Sets are a table: each LaTeX set names a derive spec;
a set it does not know is a `ParseError` naming it.
"""

import re

from ...errors import ParseError
from .names import wrt_names

_SPACE = re.compile(r"\\[,;:!]|\\quad|\\qquad|~")
_SIZE = r"([A-Za-z0-9_]+|\\\w+)"
_POWER = r"(?:\^\{\s*(?P<a>[^{}]+?)\s*(?:\\times|\\cdot|\*|x|,)\s*(?P<b>[^{}]+?)\s*\}|\^\{\s*(?P<c>[^{}]+?)\s*\}|\^(?P<d>\w))?"

# set (a regular expression, on a set written with its superscript removed) -> spec for a scalar
_SCALAR_SETS = [
    (r"\\mathbb\{R\}_\{?(\+\+|>\s*0|\+)\}?", "positive"),
    (r"\\mathbb\{R\}_\{?(\\geq?|\\ge)\s*0\}?", "nonnegative"),
    (r"\\mathbb\{R\}", "real"),
    (r"\\mathbb\{N\}|\\mathbb\{Z\}_\{?(\+|>\s*0)\}?", "positive integer"),
    (r"\\mathbb\{Z\}", "integer"),
    (r"\\\{\s*0\s*,\s*1\s*\\\}", "binary"),
    (r"\\\{\s*-\s*1\s*,\s*\+?\s*1\s*\\\}|\\\{\s*\\pm\s*1\s*\\\}", "sign"),
    (r"\(\s*0\s*,\s*1\s*\)|\[\s*0\s*,\s*1\s*\]", "probability"),
]
_RELATIONS = [(r">\s*0", "positive"), (r"(\\geq?|\\ge|>=)\s*0", "nonnegative"), (r"<\s*0", "negative")]


def is_latex_declaration(text):
    return "\\in" in text or "∈" in text or re.search(r"\\(lambda|mu|sigma|mathbf|boldsymbol)", text) is not None


def as_declarations(text):
    """derive's declaration text for a LaTeX one (`X \\in \\mathbb{R}^{N \\times d}, \\lambda > 0`)."""
    text = _SPACE.sub(" ", text.replace("∈", "\\in").replace("$", " "))
    out = []
    for item in _items(text):
        if not item.strip():
            continue
        out.append(_item(item.strip()))
    return ", ".join(out)


def _items(text):
    """Split at commas and semicolons outside braces, brackets and \\{ \\} sets."""
    items, depth, start, k = [], 0, 0, 0
    while k < len(text):
        ch = text[k]
        if text.startswith("\\{", k) or text.startswith("\\}", k):
            depth += 1 if text[k + 1] == "{" else -1
            k += 2
            continue
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch in ",;" and depth == 0:
            items.append(text[start:k])
            start = k + 1
        k += 1
    items.append(text[start:])
    return items


def _item(item):
    if "\\in" in item:
        names_part, space = item.split("\\in", 1)
        return f"{_names(names_part, item)}: {_spec(space.strip(), item)}"
    for pattern, spec in _RELATIONS:
        match = re.search(pattern + r"\s*$", item)
        if match:
            return f"{_names(item[:match.start()], item)}: {spec}"
    if ":" in item:  # already derive's form ("X: N x d") beside LaTeX ones
        return item
    return _names(item, item)


def _names(part, item):
    try:
        names = wrt_names(part)
    except ParseError as exc:
        raise ParseError(f"cannot read the names in the declaration '{item}': {exc}") from None
    if not names:
        raise ParseError(f"the declaration '{item}' names nothing before \\in")
    return " ".join(names)


def _spec(space, item):
    """derive's spec for a LaTeX set with its superscript (dimensions) and subscript (sign)."""
    matrices = re.fullmatch(r"\\mathbb\{S\}(?P<sub>_\{?\+\+\}?|_\{?\+\}?)?\^\{?(?P<n>[^{}]+?)\}?(?P<sub2>_\{?\+\+\}?|_\{?\+\}?)?",
                            space)
    if matrices:  # S^n, S^n_{++}: symmetric (positive definite) n x n
        n = _size(matrices.group("n"), item)
        definite = "++" in (matrices.group("sub") or "") + (matrices.group("sub2") or "")
        return f"{n} x {n} {'spd' if definite else 'symmetric'}"
    shape = re.search(_POWER + r"\s*$", space)
    base, dims = space, ""
    if shape and shape.group(0):
        base = space[:shape.start()].strip()
        if shape.group("a"):
            dims = f"{_size(shape.group('a'), item)} x {_size(shape.group('b'), item)}"
        else:
            dims = _size(shape.group("c") or shape.group("d"), item)
    for pattern, spec in _SCALAR_SETS:
        if re.fullmatch(pattern, base):
            if not dims:
                return spec
            if spec in ("real",):
                return dims
            if spec in ("binary", "sign", "probability"):
                return f"{dims} {spec}"
            raise ParseError(f"the declaration '{item}': derive's arrays have real entries ({base}^... is not "
                             "supported; declare the shape and the entries' kind, X: N x d)")
    raise ParseError(f"the declaration '{item}': the set {space} is not one derive knows (\\mathbb{{R}}, "
                     "\\mathbb{R}^{n}, \\mathbb{R}^{m \\times n}, \\mathbb{R}_{+}, \\mathbb{S}^{n}_{++}, \\{0, 1\\}^N, ...)")


def _size(token, item):
    token = token.strip()
    if re.fullmatch(r"\d+|[A-Za-z][A-Za-z0-9_]*", token):
        return token
    names = wrt_names(token) if token.startswith("\\") else []
    if len(names) == 1:
        return names[0]
    raise ParseError(f"the declaration '{item}': the size '{token}' is not a number or a name")
