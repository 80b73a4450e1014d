"""Declarations: "A: n x n, x: n; t s: positive; i: index N; S: n x n spd".

`declare` reads them into a `Declarations` dict (name -> SymPy object, and
``.properties`` for matrices declared symmetric or spd); an unknown word is
a `ParseError` naming it (with a "did you mean").
"""

import re

from sympy import Function, Integer, MatrixSymbol, Symbol

from ..errors import LimitError, ParseError
from .names import check_name


_ASSUMPTIONS = {
    "scalar": {"real": True},
    "real": {"real": True},
    "positive": {"positive": True},
    "negative": {"negative": True},
    "nonnegative": {"nonnegative": True, "real": True},
    "integer": {"integer": True},
    "positive integer": {"integer": True, "positive": True},  # a count or a size: n, N, K
    "nonnegative integer": {"integer": True, "nonnegative": True},  # a count that may be 0: x[i] events
}


# Properties of square matrices, after the shape: "S: n x n spd".  spd implies symmetric.
_PROPERTIES = {
    "symmetric": frozenset({"symmetric"}),
    "spd": frozenset({"symmetric", "spd"}),
}
_SQUARE_ONLY = {"symmetric", "spd"}

# Kinds of data, alone ("y: binary": y as the text uses it, a scalar or an array) or after a
# shape ("y: n sign", "r: N x K simplex"): draws, counterexamples and instances honour them.
_DATA = {
    "binary": frozenset({"binary"}),  # 0/1 labels
    "sign": frozenset({"sign"}),  # +-1 labels
    "probability": frozenset({"probability"}),  # 0 < p < 1
    "simplex": frozenset({"simplex"}),  # entries >= 0 summing to 1 (each row of a matrix)
    "onehot": frozenset({"onehot"}),  # one entry 1, the others 0 (each row of a matrix): class labels
}
_PROPERTIES.update(_DATA)


# A size is a number or a short name: one letter, then digits or _ and more (n, N, d2, n_obs).
_SIZE_NAME = re.compile(r"[A-Za-z](?:\d*|_\w+)")


class Declarations(dict):
    """What `declare` returns: name -> SymPy object, and ``.properties``:
    name -> set of words ("symmetric", "spd") for matrices declared with them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.properties = {}

    def update(self, other=(), **kwargs):
        super().update(other, **kwargs)
        for name, words in getattr(other, "properties", {}).items():
            self.properties.setdefault(name, set()).update(words)


class MatrixProperties(dict):
    """Declared matrix properties by name; ``props[S]`` and ``props["S"]`` are the same."""

    @staticmethod
    def _key(key):
        return getattr(key, "name", key)

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __setitem__(self, key, words):
        super().__setitem__(self._key(key), set(words))

    def __contains__(self, key):
        return super().__contains__(self._key(key))

    def get(self, key, default=None):
        return super().get(self._key(key), default)


def declare(text):
    """Parse a declaration string into a dict name -> SymPy object.

    Items are separated by ``,`` or ``;``.  Each item is ``NAMES: SPEC`` where
    SPEC is ``scalar``/``real``/``positive``/``negative``/``nonnegative``/
    ``integer``/``positive integer``/``nonnegative integer``, a kind of data:
    ``binary`` (0/1), ``sign`` (+-1), ``probability`` (0 < p < 1), ``simplex``
    (entries >= 0 summing to 1; each row of a matrix), alone or after a shape
    (``"y: n binary"``, ``"r: N x K simplex"``), a shape: ``n`` or ``3`` (a column vector), ``m x n`` or
    ``3x3`` (a matrix), or an index: ``index`` (0..n-1), ``index m``
    (0..m-1), ``index 1..n``.  A square shape may be followed by ``symmetric``
    or ``spd`` (symmetric positive definite): ``"S: n x n spd"``; the word alone
    (``"S: spd"``) gives the property to a matrix S that comes as a SymPy object.
    The properties are in ``.properties`` of the result (and of a `Namespace`).
    Sizes are numbers or short names (``n``, ``N``, ``d2``, ``n_obs``); any other
    word is a `ParseError`.  Names listed without a spec take the next item's spec
    (``"x, y: positive"``); trailing bare names are real scalars.

    >>> declare("A: n x n, x: n")
    {'A': A, 'x': x}
    >>> sorted(declare("S: 3 x 3 spd").properties["S"])
    ['spd', 'symmetric']
    """
    if not isinstance(text, str) or len(text) > 2000:
        raise ParseError("declarations must be a string of at most 2000 characters")
    from .latex.sets import as_declarations, is_latex_declaration  # X \in \mathbb{R}^{N \times d}, \lambda > 0

    if is_latex_declaration(text):
        text = as_declarations(text)
    result, pending = Declarations(), []
    dims = {}
    for item in filter(None, (p.strip() for p in re.split(r"[;,]", text))):
        if ":" not in item:
            pending += item.split()
            continue
        names_part, spec = (s.strip() for s in item.split(":", 1))
        names = pending + names_part.split()
        pending = []
        if not names:
            raise ParseError(f"declaration '{item}' names nothing before ':'")
        for name in names:
            check_name(name)
            obj, properties = _declared_object(name, spec, dims, item)
            if obj is not None:
                if name in result and result[name] != obj:  # the last one winning silently hides a typo
                    raise ParseError(f"'{name}' is declared twice, differently: '{item}' and an earlier item")
                result[name] = obj
            if properties:
                result.properties[name] = set(properties)
    for name in pending:
        check_name(name)
        result[name] = Symbol(name, real=True)
    return result


class IndexSpec:
    """A declared index: its symbol and inclusive range."""

    def __init__(self, symbol, lo, hi):
        self.symbol, self.lo, self.hi = symbol, lo, hi

    def __repr__(self):
        return f"{self.symbol} in {self.lo}..{self.hi}"


def _declared_object(name, spec, dims, item):
    """(SymPy object or None, properties) for one ``name: spec``."""
    keyword = " ".join(spec.lower().split())
    if keyword == "function":  # g: function, an unspecified real function of one or more arguments
        return Function(name, real=True), frozenset()
    if keyword in _ASSUMPTIONS:
        return Symbol(name, **_ASSUMPTIONS[keyword]), frozenset()
    if keyword.split()[:1] == ["index"]:
        return _index_spec(name, spec[len("index"):].strip(), dims, item), frozenset()
    words = spec.split()
    properties = frozenset().union(*(_PROPERTIES[w.lower()] for w in words if w.lower() in _PROPERTIES))
    shape_text = " ".join(w for w in words if w.lower() not in _PROPERTIES)
    if len(properties & set(_DATA)) > 1:
        raise ParseError(f"declaration '{item}' gives {name} two kinds of data: "
                         f"{' and '.join(sorted(properties & set(_DATA)))}")
    if not shape_text:
        if properties:
            return None, properties  # the matrix is the user's SymPy object of this name
        raise ParseError(f"declaration '{item}' says nothing after ':'")
    parts = [p for p in re.split(r"\s*(?:\bx\b|(?<=\d)x(?=\d)|(?<=\d)x(?=[A-Za-z])|\*|×)\s*|\s+", shape_text) if p]
    for part in parts:
        if not (part.isdigit() or _SIZE_NAME.fullmatch(part)):
            raise _unknown_word(part, item)
    if not 1 <= len(parts) <= 2:
        raise ParseError(
            f"cannot read declaration '{item}': expected a kind ({', '.join(_ASSUMPTIONS)}), a kind of data "
            f"({', '.join(_DATA)}), a shape like 'n', '3', 'm x n' (square ones optionally symmetric or spd), "
            "or index"
        )
    shape = [_dimension(p, dims, item) for p in parts]
    if len(shape) == 1:
        shape.append(Integer(1))
    if all(d.is_number for d in shape) and shape[0] * shape[1] > MAX_ENTRIES:
        # results are validated on an instance of that size: it must fit in memory
        raise LimitError(f"declaration '{item}' has {int(shape[0] * shape[1]):,} entries, more than derive instantiates "
                         f"({MAX_ENTRIES:,}); declare a symbolic size instead (the derivative is the same)")
    if properties & _SQUARE_ONLY and shape[0] != shape[1]:
        raise ParseError(f"declaration '{item}': only a square matrix can be "
                         f"{'spd' if 'spd' in properties else 'symmetric'}; {name} is {shape[0]} x {shape[1]}")

    return MatrixSymbol(name, *shape), properties


def _unknown_word(word, item):
    import difflib

    known = [w for k in list(_ASSUMPTIONS) + list(_PROPERTIES) for w in k.split()] + ["index"]
    close = difflib.get_close_matches(word.lower(), known, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ParseError(f"unknown word '{word}' in the declaration '{item}'{hint}: a declaration is a kind "
                      f"({', '.join(_ASSUMPTIONS)}), a kind of data ({', '.join(_DATA)}), a shape ('n', '3', "
                      "'m x n'; sizes are numbers or short names like n, N, d2, n_obs) with optionally symmetric, "
                      "spd or a kind of data, or index")


def _index_spec(name, rest, dims, item):
    """'index' (0..n-1), 'index m' (0..m-1), 'index 1..n' (1..n)."""
    if not rest:
        lo, hi = Integer(0), _dimension("n", dims, item) - 1
    elif ".." in rest:
        a, b = (t.strip() for t in rest.split("..", 1))
        lo, hi = _bound(a, dims, item), _bound(b, dims, item)
    else:
        lo, hi = Integer(0), _dimension(rest, dims, item) - 1
    return IndexSpec(Symbol(name, integer=True), lo, hi)


def _bound(token, dims, item):
    m = re.fullmatch(r"([A-Za-z_]\w*)?\s*([+-]\s*\d+)?|(-?\d+)", token)
    if not m or not token:
        raise ParseError(f"cannot read the index bound '{token}' in '{item}'")
    if m.group(3) is not None:
        return Integer(int(m.group(3)))
    base = _dimension(m.group(1), dims, item) if m.group(1) else Integer(0)
    shift = int(m.group(2).replace(" ", "")) if m.group(2) else 0
    return base + shift


MAX_ENTRIES = 10_000_000  # of a matrix at a concrete size (80 MB of float64)


def _dimension(token, dims, item):
    if token.isdigit():
        value = int(token)
        if not 1 <= value <= 1_000_000:
            raise LimitError(f"dimension {value} in '{item}' is out of range 1..1000000")
        return Integer(value)
    check_name(token)
    if token not in dims:
        dims[token] = Symbol(token, integer=True, positive=True)
    return dims[token]
