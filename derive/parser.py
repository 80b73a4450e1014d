"""The safe parser: text -> SymPy, built directly from a whitelisted syntax tree.

Never `eval`, `exec`, `sympify` or `parse_expr`: Python's `ast` module only
*parses* the text; each allowed node type has one method below that builds
the SymPy object, and anything else is refused with a `ParseError` naming the
column.  The grammar (see docs/grammar.md):

    numbers        2, 0.5, 1e-3, 1/3        (decimals are exact: 0.1 is 1/10)
    names          x, w_1, alpha            (identifiers; not _private, not Python builtins)
    operators      + - * / ** ^ @ and unary minus; ^ means power
    calls          exp(x), log(x), max(a, b), where(x > 0, x, 0), ...   (functions.FUNCTIONS)
    indexing       x[i], W[i, j], A[0, 1]
    transpose      A.T
    vectors        [a, b, c] (a column), [[a, b], [c, d]] (a matrix)
    conditions     < <= > >= == and or & |   (inside where(), or with relations=True)

Sizes are bounded (`limits.Limits`): text length, node count, nesting depth
and the bits of every exact constant, estimated before SymPy computes it.
"""

import ast
import builtins
import decimal
import math
import re

import sympy
from sympy import (
    And,
    Eq,
    Ge,
    Gt,
    Integer,
    Le,
    Lt,
    MatMul,
    MatrixBase,
    MatrixExpr,
    MatrixSymbol,
    Ne,
    Or,
    Rational,
    S,
    Symbol,
)
from sympy.matrices.exceptions import ShapeError as SympyShapeError

from . import ranges
from .errors import LimitError, ParseError, ShapeError, SymbolError
from .functions import (
    CONSTANTS,
    FACTORIAL_LIKE,
    FUNCTIONS,
    INDEX_FUNCTIONS,
    MATRIX_FUNCTIONS,
    UNDEFINED_NAMES,
    _sum_entries,
    elementwise,
)
from .limits import DEFAULT_LIMITS, check_bits, constant_bits, exp_bits, factorial_bits, power_bits, time_budget
from .symbol_table import merge, name_of, named_objects

# Python builtins may not be symbol names (`open`, `exec`, `eval`, ...), except
# those that are also math functions here.
RESERVED_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_")) - set(FUNCTIONS) - {"sum"}
CALLABLE = set(FUNCTIONS) | set(MATRIX_FUNCTIONS) | set(INDEX_FUNCTIONS)

_NOT_ALLOWED = {
    ast.Lambda: "lambda expressions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.IfExp: "conditional expressions are not allowed; use where(condition, a, b)",
    ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.NamedExpr: "assignment expressions are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.Slice: "slices are not allowed; index with single positions",
}


def parse(text, symbols=None, *, limits=DEFAULT_LIMITS, strict=False, relations=False):
    """Parse `text` into a SymPy expression (or a Matrix for `[...]` literals).

    `symbols` declares names: a dict name -> SymPy object (Symbol, MatrixSymbol,
    IndexedBase), an iterable of SymPy symbols, a declaration string such as
    ``"A: n x n, x: n; t: positive"`` (see `declare`), or a `Namespace`.
    Undeclared names become real scalar symbols unless `strict` is true, in
    which case they are an error.  `relations=True` allows a top-level
    comparison (``"a + 2*b >= 1"``, ``"x**2 + y**2 = 1"``).

    >>> parse("x^2 + sigmoid(y)")
    x**2 + sigmoid(y)
    >>> parse("__import__('os')")
    Traceback (most recent call last):
    ...
    derive.errors.ParseError: column 1: names starting with '_' are not allowed: '__import__'
    """
    namespace = symbols if isinstance(symbols, Namespace) else Namespace(symbols, strict=strict)
    with time_budget(min(limits.seconds, 5.0), "parsing"):
        return ranges.resolve(_Builder(text, namespace, limits, relations).build(), namespace)


def shapes(text, symbols=None, *, limits=DEFAULT_LIMITS):
    """What every subexpression of `text` is: a list of (depth, text, shape words).

    Raises `ShapeError` (with the clash in words) if the shapes do not fit;
    ``err.partial`` then holds the subexpressions understood before the clash.

    >>> [row[1:] for row in shapes("A @ x - b", "A: m x n, x: n, b: m")][-1]
    ('A @ x - b', 'm x 1')
    """
    namespace = symbols if isinstance(symbols, Namespace) else Namespace(symbols)
    builder = _Builder(text, namespace, limits, relations=False)
    builder.recorder = []
    rows = lambda: [(d, builder._segment(n), shape_words(shape_of(v))) for d, n, v in builder.recorder]  # noqa: E731
    try:
        builder.build()
    except ShapeError as exc:
        exc.partial = rows()
        raise
    return rows()


class Namespace:
    """Names -> SymPy objects, shared by everything parsed for one problem.

    One name, one variable (see symbol_table.py): the SymPy objects a call
    receives are adopted (`adopt`) before its text is read, so a name in the
    text means the user's object, with its assumptions.  Names the text
    introduces on its own (real scalars, real arrays, integer indices) are
    `implicit`: a user's object of the same name replaces them (`unify`).
    A name given two incompatible ways is a `SymbolError`.
    """

    def __init__(self, symbols=None, strict=False):
        self.strict = strict
        self.names = {}
        self.implicit = set()  # names the text created, not the user
        self.index_names = set()
        self.index_ranges = {}  # index symbol -> (lo, hi), both inclusive: declared or learned
        self.axis_ranges = {}  # (array name, axis) -> (lo, hi) its indices run over (ranges.py)
        self.size_names = set()  # sizes named for undeclared ranges (n, n_i, ...)
        self.properties = MatrixProperties()  # matrix name -> {"symmetric", "spd"} (declared)
        if symbols is None:
            return
        if isinstance(symbols, str):
            symbols = declare(symbols)
        for name, words in getattr(symbols, "properties", {}).items():
            self.properties[name] = words
        if isinstance(symbols, dict):
            items = symbols.items()
        elif isinstance(symbols, (sympy.Basic, MatrixBase)):
            items = [(name_of(o), o) for o in named_objects(symbols)]
        else:
            items = [(str(s.name) if hasattr(s, "name") else str(s), s) for s in symbols]
        for name, obj in items:
            check_name(name)
            if isinstance(obj, IndexSpec):
                self.index_names.add(name)
                self.index_ranges[obj.symbol] = (obj.lo, obj.hi)
                obj = obj.symbol
            if isinstance(obj, (Symbol, MatrixSymbol, sympy.IndexedBase)):
                if name_of(obj) != name:
                    raise SymbolError(f"the name '{name}' is declared as {obj}, which prints as another name")
                self._settle(obj)
            else:
                self.names[name] = obj

    def adopt(self, *objects):
        """Register the named objects in SymPy `objects` (also inside lists,
        tuples and dicts) as what their names mean; text is not read here."""
        for obj in objects:
            if isinstance(obj, dict):
                self.adopt(*obj.keys(), *obj.values())
            elif isinstance(obj, (list, tuple)):
                self.adopt(*obj)
            elif isinstance(obj, (sympy.Basic, MatrixBase)):
                for named in named_objects(obj):
                    self._settle(named)

    def unify(self, obj):
        """`obj` (SymPy) with every named object replaced by the one its name means here."""
        if not isinstance(obj, (sympy.Basic, MatrixBase)):
            return obj
        self.adopt(obj)
        mapping = {o: self.names[name_of(o)] for o in named_objects(obj) if self.names[name_of(o)] != o}
        return obj.xreplace(mapping) if mapping else obj

    def _settle(self, obj):
        name = name_of(obj)
        if isinstance(obj, MatrixSymbol):  # its sizes were settled first (named_objects' order)
            sizes = {s: self.names[s.name] for d in obj.shape for s in sympy.sympify(d).free_symbols
                     if self.names.get(s.name, s) != s}
            obj = obj.xreplace(sizes) if sizes else obj
        current = self.names.get(name)
        if current is None or name in self.implicit:
            self.names[name] = obj
            self.implicit.discard(name)
            return
        if not isinstance(current, (Symbol, MatrixSymbol, sympy.IndexedBase)):
            raise SymbolError(f"'{name}' is defined as {current} and also used as a variable")
        self.names[name] = merge(current, obj)

    def dimension(self, name="n"):
        """The size symbol `name` (a positive integer), shared with declarations."""
        return Symbol(name, integer=True, positive=True)

    def index_range(self, index):
        """(lo, hi) of an index: declared or learned (`ranges.py`), or 0..n-1 by default."""
        return self.index_ranges.get(index, (Integer(0), self.dimension() - 1))

    def lookup(self, name, column=None, text=None):
        if name in self.names:
            return self.names[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if self.strict:
            known = ", ".join(sorted(self.names)) or "none"
            raise ParseError(f"unknown symbol '{name}' (declared: {known})", text, column)
        return self._implicit(name, Symbol(name, real=True))

    def array(self, name):
        """The array `name` in x[i]: the user's, or a real IndexedBase."""
        return self.names.get(name) or self._implicit(name, sympy.IndexedBase(name, real=True))

    def _implicit(self, name, obj):
        self.names[name] = obj
        self.implicit.add(name)
        return obj

    def index(self, name, column=None, text=None):
        """An integer index symbol (i in x[i])."""
        obj = self.names.get(name)
        if obj is not None and name not in self.index_names and not (
            isinstance(obj, Symbol) and obj.is_integer
        ):
            raise ParseError(f"'{name}' is used both as an index and as a variable", text, column)
        if obj is None:
            obj = self._implicit(name, Symbol(name, integer=True))
            self.index_names.add(name)
        return obj

    def __contains__(self, name):
        return name in self.names


def check_name(name, text=None, column=None):
    """Symbol names must be identifiers code generation can paste into source."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ParseError(f"not a valid name: {name!r}", text, column)
    if name.startswith("_"):
        raise ParseError(f"names starting with '_' are not allowed: '{name}'", text, column)
    if name in RESERVED_NAMES:
        raise ParseError(f"'{name}' is a reserved Python name and cannot be a symbol", text, column)
    if name in UNDEFINED_NAMES:
        raise ParseError(f"'{name}' is not a number derive accepts (no infinities or NaN)", text, column)
    import keyword

    if keyword.iskeyword(name):
        raise ParseError(f"'{name}' is a Python keyword and cannot be a symbol", text, column)


# ---------------------------------------------------------------------------
# declarations: "A: n x n, x: n; t s: positive"

_ASSUMPTIONS = {
    "scalar": {"real": True},
    "real": {"real": True},
    "positive": {"positive": True},
    "negative": {"negative": True},
    "nonnegative": {"nonnegative": True, "real": True},
    "integer": {"integer": True},
}

# Properties of square matrices, after the shape: "S: n x n spd".  spd implies symmetric.
_PROPERTIES = {
    "symmetric": frozenset({"symmetric"}),
    "spd": frozenset({"symmetric", "spd"}),
}

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
    ``integer``, a shape: ``n`` or ``3`` (a column vector), ``m x n`` or
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
    keyword = spec.lower()
    if keyword in _ASSUMPTIONS:
        return Symbol(name, **_ASSUMPTIONS[keyword]), frozenset()
    if keyword.split()[:1] == ["index"]:
        return _index_spec(name, spec[len("index"):].strip(), dims, item), frozenset()
    words = spec.split()
    properties = frozenset().union(*(_PROPERTIES[w.lower()] for w in words if w.lower() in _PROPERTIES))
    shape_text = " ".join(w for w in words if w.lower() not in _PROPERTIES)
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
            f"cannot read declaration '{item}': expected a kind ({', '.join(_ASSUMPTIONS)}), "
            "a shape like 'n', '3', 'm x n' (square ones optionally symmetric or spd), or index"
        )
    shape = [_dimension(p, dims, item) for p in parts]
    if len(shape) == 1:
        shape.append(Integer(1))
    if properties and shape[0] != shape[1]:
        raise ParseError(f"declaration '{item}': only a square matrix can be "
                         f"{'spd' if 'spd' in properties else 'symmetric'}; {name} is {shape[0]} x {shape[1]}")
    return MatrixSymbol(name, *shape), properties


def _unknown_word(word, item):
    import difflib

    known = list(_ASSUMPTIONS) + list(_PROPERTIES) + ["index"]
    close = difflib.get_close_matches(word.lower(), known, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ParseError(f"unknown word '{word}' in the declaration '{item}'{hint}: a declaration is a kind "
                      f"({', '.join(_ASSUMPTIONS)}), a shape ('n', '3', 'm x n'; sizes are numbers or short names "
                      "like n, N, d2, n_obs) with optionally symmetric or spd, or index")


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


# ---------------------------------------------------------------------------
# the builder


class _Builder:
    """One method per allowed syntax node; everything else is refused."""

    def __init__(self, text, namespace, limits, relations):
        if not isinstance(text, str):
            raise ParseError(f"expected text, got {type(text).__name__}")
        if len(text) > limits.max_length:
            raise LimitError(f"input is {len(text)} characters; the limit is {limits.max_length}")
        if not text.strip():
            raise ParseError("empty expression")
        self.original = text
        self.namespace = namespace
        self.limits = limits
        self.relations = relations
        self.source, self.colmap = _translate(text)
        self.depth = 0
        self.recorder = None  # list of (depth, node, value) when shapes are wanted

    # -- entry -------------------------------------------------------------
    def build(self):
        if self.relations:
            relation = self._top_level_equation()
            if relation is not None:
                return relation
        try:
            tree = ast.parse(self.source, mode="eval")
        except SyntaxError as exc:
            raise self._syntax_error(exc) from None
        except (RecursionError, MemoryError):
            raise LimitError("expression is too long or too deeply nested to parse") from None
        except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
            raise LimitError(f"cannot read the text: {exc}") from None
        count = sum(1 for _ in ast.walk(tree))
        if count > self.limits.max_nodes:
            raise LimitError(f"expression has {count} syntax nodes; the limit is {self.limits.max_nodes}")
        body = tree.body
        if self.relations and isinstance(body, (ast.Compare, ast.BoolOp)):
            return self.visit_condition(body)
        return self.visit(body)

    def _top_level_equation(self):
        """`lhs = rhs` (a single '=') is an equation when relations are allowed."""
        parts = re.split(r"(?<![<>=!])=(?!=)", self.original)
        if len(parts) != 2:
            return None
        lhs = parse(parts[0], self.namespace, limits=self.limits)
        try:
            rhs = parse(parts[1], self.namespace, limits=self.limits)
        except ParseError as exc:  # columns of the right-hand side count from the start of the text
            shift = len(parts[0]) + 1
            raise ParseError(exc.reason, self.original,
                             None if exc.column is None else exc.column + shift) from None
        return Eq(lhs, rhs, evaluate=False)

    # -- dispatch ----------------------------------------------------------
    def visit(self, node):
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(f"expression nests deeper than {self.limits.max_depth} levels")
        try:
            method = getattr(self, "visit_" + type(node).__name__, None)
            if method is None:
                raise self.error(node, self._refusal(node))
            value = method(node)
            if self.recorder is not None:
                self.recorder.append((self.depth, node, value))
            return value
        finally:
            self.depth -= 1

    def _refusal(self, node):
        for cls, message in _NOT_ALLOWED.items():
            if isinstance(node, cls):
                return message
        if isinstance(node, ast.Compare):
            return "comparisons are only allowed inside where(condition, a, b)"
        if isinstance(node, ast.BoolOp):
            return "'and'/'or' are only allowed in conditions"
        return f"{type(node).__name__} syntax is not allowed"

    # -- leaves ------------------------------------------------------------
    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool) or value is None:
            raise self.error(node, f"{value!r} is not a number")
        if isinstance(value, complex):
            raise self.error(node, "complex numbers are not supported")
        if isinstance(value, int):
            check_bits(value.bit_length(), "this integer", self.limits)
            return Integer(value)
        if isinstance(value, float):
            return self._decimal(node)
        raise self.error(node, "strings are not allowed")

    def _decimal(self, node):
        """A decimal literal as the exact rational it spells (0.1 -> 1/10)."""
        literal = ast.get_source_segment(self.source, node) or repr(node.value)
        number = decimal.Decimal(literal.replace("_", ""))
        sign, digits, exponent = number.as_tuple()
        bits = (len(digits) + abs(exponent)) * math.log2(10)
        check_bits(bits, f"the number {literal[:20]}", self.limits)
        return Rational(int("".join(map(str, digits)) or "0") * (-1 if sign else 1)) * Rational(10) ** exponent

    def visit_Name(self, node):
        name = node.id
        if name in FUNCTIONS and name not in self.namespace:
            raise self.error(node, f"'{name}' is a function; call it as {name}(...)")
        check_name(name, self.original, self._column(node))
        return self.namespace.lookup(name, self._column(node), self.original)

    # -- arithmetic --------------------------------------------------------
    def visit_BinOp(self, node):
        op = type(node.op)
        if op in (ast.Add, ast.Sub):
            return self._sum(node)
        if op in (ast.Mult, ast.Div):
            return self._product(node)
        if op is ast.Pow:
            return self._power(node)
        if op is ast.MatMult:
            return self._matmul(node)
        symbol = {ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>",
                  ast.BitAnd: "&", ast.BitOr: "|"}.get(op, op.__name__)
        raise self.error(node, f"operator '{symbol}' is not allowed here")

    def _chain(self, node, ops):
        """Flatten a left-deep chain a op b op c ... without recursing per link."""
        items = []
        while isinstance(node, ast.BinOp) and type(node.op) in ops:
            items.append((type(node.op), node.right))
            node = node.left
        items.append((None, node))
        items.reverse()
        return items

    def _sum(self, node):
        terms, operands = [], []
        for op, operand in self._chain(node, (ast.Add, ast.Sub)):
            value = self.visit(operand)
            operands.append((operand, value))
            terms.append(-value if op is ast.Sub else value)
        self._check_sum_shapes(node, operands)
        self._check_exact(terms, "sum", node, lambda bits: max(bits) + math.log2(len(bits)))
        return self._combine(node, lambda: sympy.Add(*terms) if not self._has_matrix(terms) else _matadd(terms))

    def _product(self, node):
        factors, operands = [], []
        for op, operand in self._chain(node, (ast.Mult, ast.Div)):
            value = self.visit(operand)
            operands.append((operand, value))
            if op is ast.Div:
                if self._is_matrix(value):
                    raise self.error(operand, "cannot divide by a matrix; use inv(A)")
                if value == 0:
                    raise self.error(operand, "division by zero")
                value = 1 / value if isinstance(value, Rational) else sympy.Pow(value, -1)
            factors.append(value)
        self._check_exact(factors, "product", node, sum)
        self._check_product_shapes(node, [(o, v) for o, v in operands if self._is_matrix(v)])
        return self._combine(node, lambda: _multiply(factors))

    def _power(self, node):
        base = self.visit(node.left)
        exponent = self.visit(node.right)
        check_bits(power_bits(base, exponent), "this power", self.limits)
        if base == 0 and isinstance(exponent, Rational) and exponent < 0:
            raise self.error(node, "zero to a negative power")
        if self._is_matrix(base):
            if not (isinstance(exponent, Integer)):
                raise self.error(node, "a matrix power needs an integer exponent")
            if isinstance(base, MatrixBase):  # explicit entries: SymPy multiplies them out
                if abs(int(exponent)) > 256:
                    raise LimitError(f"column {self._column(node)}: a power of an explicit matrix above 256 "
                                     f"({exponent}) is not expanded")
                bits = max((constant_bits(e) for e in base if isinstance(e, Rational)), default=1)
                check_bits(max(bits, 1) * abs(int(exponent)) * base.shape[0], "this matrix power", self.limits)
            return self._combine(node, lambda: base**exponent)
        if self._is_matrix(exponent):
            raise self.error(node, "a matrix cannot be an exponent")
        return self._combine(node, lambda: sympy.Pow(base, exponent))

    def _matmul(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        if not (self._is_matrix(left) and self._is_matrix(right)):
            raise self.error(node, "'@' multiplies matrices or vectors; use '*' for scalars")
        self._check_product_shapes(node, [(node.left, left), (node.right, right)])
        product = self._combine(node, lambda: MatMul(left, right).doit() if isinstance(left, MatrixBase)
                                else left * right)
        return _as_scalar_if_1x1(product)

    def visit_UnaryOp(self, node):
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            raise self.error(node, "'not' is only allowed in conditions")
        raise self.error(node, "operator '~' is not allowed")

    # -- calls -------------------------------------------------------------
    def visit_Call(self, node):
        if not isinstance(node.func, ast.Name):
            raise self.error(node, "only calls of known functions are allowed, like exp(x)")
        name = node.func.id
        if name not in CALLABLE:
            if name.startswith("_"):
                raise self.error(node, f"names starting with '_' are not allowed: '{name}'")
            raise self.error(node, f"unknown function '{name}'; known: {', '.join(sorted(CALLABLE))}")
        if node.keywords:
            raise self.error(node, f"{name}() takes no keyword arguments")
        if name == "sum":
            if len(node.args) == 1:  # sum(v): the sum of a vector's (matrix's) entries
                value = self.visit(node.args[0])
                if not self._is_matrix(value):
                    raise self.error(node, "sum(v) adds the entries of a vector or matrix; for index notation "
                                           "give the indices: sum(x[i], i)")
                return self._combine(node, lambda: _as_scalar_if_1x1(_sum_entries(value)))
            return self._sum_over_indices(node)
        if name == "delta":
            self._arity(node, name, 2, 2)
            i, j = (self._index(a) for a in node.args)
            return sympy.KroneckerDelta(i, j)
        if name in MATRIX_FUNCTIONS:
            fn = MATRIX_FUNCTIONS[name]
            self._arity(node, name, fn.min_args, fn.max_args)
            margs = [self.visit(a) for a in node.args]
            if not all(self._is_matrix(a) for a in margs):
                raise self.error(node, f"{name}() takes a matrix or vector, not a scalar")
            if name == "hadamard" and not _same_dims(shape_of(margs[0]), shape_of(margs[1])):
                raise ShapeError(f"column {self._column(node)}: {self._segment(node)}: an elementwise product "
                                 f"needs equal shapes, got {shape_words(shape_of(margs[0]))} and "
                                 f"{shape_words(shape_of(margs[1]))}")
            if name == "diag" and shape_of(margs[0])[1] != 1:
                raise self.error(node, "diag() takes a column vector")
            return self._combine(node, lambda: fn.build(*margs))
        fn = FUNCTIONS[name]
        self._arity(node, name, fn.min_args, fn.max_args)
        if name == "where":
            args = [self.visit_condition(node.args[0])] + [self.visit(a) for a in node.args[1:]]
        else:
            args = [self.visit(a) for a in node.args]
        if any(self._is_matrix(a) for a in args):
            if len(args) != 1 or name == "where":
                raise self.error(node, f"{name}() takes scalars; only one-argument functions apply "
                                       "elementwise to a matrix")
            return self._combine(node, lambda: elementwise(fn.build, args[0]))
        if name == "exp" and args[0].is_number:
            check_bits(exp_bits(args[0]), f"exp({args[0]})", self.limits)
        if name in FACTORIAL_LIKE and args[0].is_number:
            check_bits(factorial_bits(args[0]), f"{name}({args[0]})", self.limits)
        return self._combine(node, lambda: fn.build(*args))

    def _arity(self, node, name, lo, hi):
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            raise self.error(node, f"{name}() takes {want} argument(s), got {n}")

    def _sum_over_indices(self, node):
        """sum(body, i, j) over declared ranges, or the axes i and j index (`ranges.py`);
        sum(body, (i, lo, hi)) with explicit bounds."""
        self._arity(node, "sum", 2, None)
        limits = []
        for arg in node.args[1:]:
            if isinstance(arg, ast.Name):
                index = self.namespace.index(arg.id, self._column(arg), self.original)
                lo, hi = self.namespace.index_ranges.get(index) or ranges.placeholder(index)
            elif isinstance(arg, ast.Tuple) and len(arg.elts) == 3 and isinstance(arg.elts[0], ast.Name):
                index = self.namespace.index(arg.elts[0].id, self._column(arg), self.original)
                lo, hi = (self._bound_value(e) for e in arg.elts[1:])
            else:
                raise self.error(arg, "sum() takes index names (i, j) or (i, lo, hi) after the body")
            limits.append((index, lo, hi))
        body = self.visit(node.args[0])
        if self._is_matrix(body):
            raise self.error(node, "sum() adds up scalars; the body is a matrix")
        return self._combine(node, lambda: sympy.Sum(body, *limits))

    def _bound_value(self, node):
        value = self.visit(node)
        if value.free_symbols and not all(s.is_integer for s in value.free_symbols):
            value = value.subs({s: self.namespace.dimension(s.name) for s in value.free_symbols})
        if not (value.is_integer or all(s.is_integer for s in value.free_symbols)):
            raise self.error(node, "a sum bound must be an integer or a size like n")
        return value

    # -- conditions (where(), constraints) ---------------------------------
    _COMPARE = {ast.Lt: Lt, ast.LtE: Le, ast.Gt: Gt, ast.GtE: Ge, ast.Eq: Eq, ast.NotEq: Ne}

    def visit_condition(self, node):
        if isinstance(node, ast.Compare):
            values = [self.visit(node.left)] + [self.visit(c) for c in node.comparators]
            if any(self._is_matrix(v) for v in values):
                raise self.error(node, "a condition compares numbers, not matrices or vectors")
            parts = []
            for op, a, b in zip(node.ops, values, values[1:]):
                rel = self._COMPARE.get(type(op))
                if rel is None:
                    raise self.error(node, "only < <= > >= == != comparisons are allowed")
                parts.append(rel(a, b))
            return And(*parts)
        if isinstance(node, ast.BoolOp):
            parts = [self.visit_condition(v) for v in node.values]
            return And(*parts) if isinstance(node.op, ast.And) else Or(*parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            a, b = self.visit_condition(node.left), self.visit_condition(node.right)
            return And(a, b) if isinstance(node.op, ast.BitAnd) else Or(a, b)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return sympy.Not(self.visit_condition(node.operand))
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return sympy.true if node.value else sympy.false
        raise self.error(node, "expected a condition such as x > 0")

    # -- indexing, transpose, literals ---------------------------------------
    def visit_Subscript(self, node):
        if not isinstance(node.value, ast.Name):
            raise self.error(node, "only names can be indexed, like x[i] or W[i, j]")
        name = node.value.id
        check_name(name, self.original, self._column(node))
        idx_nodes = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        indices = [self._index(i) for i in idx_nodes]
        base = self.namespace.names.get(name)
        if isinstance(base, MatrixSymbol):
            return self._matrix_element(node, base, indices)
        if base is not None and not isinstance(base, sympy.IndexedBase):
            raise self.error(node, f"'{name}' is a scalar and cannot be indexed")
        if base is None:
            if self.namespace.strict:
                raise self.error(node, f"unknown symbol '{name}'")
            base = self.namespace.array(name)
        return base[tuple(indices)] if len(indices) > 1 else base[indices[0]]

    def _index(self, node):
        """An index: an integer, an index name, or a sum/difference of those."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return Integer(node.value)
        if isinstance(node, ast.Name):
            check_name(node.id, self.original, self._column(node))
            return self.namespace.index(node.id, self._column(node), self.original)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            total = Integer(0)
            for op, operand in self._chain(node, (ast.Add, ast.Sub)):
                if isinstance(operand, ast.BinOp) and isinstance(operand.op, (ast.Add, ast.Sub)):
                    raise self.error(operand, "an index must be a simple sum like k + 1")
                value = self._index(operand)
                total = total - value if op is ast.Sub else total + value
            return total
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self._index(node.operand)
        raise self.error(node, "an index must be an integer or an index name like i, j")

    def _matrix_element(self, node, base, indices):
        rows, cols = base.shape
        if len(indices) == 1 and cols == 1:
            indices = [indices[0], Integer(0)]
        if len(indices) != 2:
            raise self.error(node, f"'{base.name}' is {rows} x {cols}; index it as {base.name}[i, j]")
        for value, size, what in zip(indices, (rows, cols), ("row", "column")):
            if value.is_Integer and size.is_Integer and not 0 <= int(value) < int(size):
                raise self.error(node, f"{what} index {value} is out of range for '{base.name}' ({rows} x {cols}; indices start at 0)")
        return base[indices[0], indices[1]]

    def visit_Attribute(self, node):
        if node.attr != "T":
            raise self.error(node, f"attribute access '.{node.attr}' is not allowed (only .T, the transpose)")
        value = self.visit(node.value)
        if not self._is_matrix(value):
            raise self.error(node, "'.T' transposes a matrix or vector, not a scalar")
        return value.T

    def visit_List(self, node):
        if not node.elts:
            raise self.error(node, "empty list")
        rows = [self.visit(e) for e in node.elts]
        if all(isinstance(r, MatrixBase) and r.shape[1] == 1 for r in rows) and isinstance(node.elts[0], (ast.List, ast.Tuple)):
            lengths = {r.shape[0] for r in rows}
            if len(lengths) != 1:
                raise self.error(node, f"matrix rows have different lengths: {sorted(lengths)}")
            return sympy.Matrix([list(r) for r in rows])
        for r, e in zip(rows, node.elts):
            if self._is_matrix(r):
                raise self.error(e, "a vector's entries must be scalars")
        return sympy.Matrix(rows)

    visit_Tuple = visit_List

    # -- shapes, in words --------------------------------------------------
    def _segment(self, node):
        text = ast.get_source_segment(self.source, node) or "this term"
        return " ".join(text.split())

    def _check_sum_shapes(self, node, operands):
        shapes = [(o, shape_of(v)) for o, v in operands]
        if all(s is None for _, s in shapes):
            return
        first_node, first = next((o, s) for o, s in shapes if s is not None)
        for o, s in shapes:
            if s is None or not _same_dims(s, first):
                what = "a scalar" if s is None else shape_words(s)
                raise ShapeError(f"column {self._column(node)}: {self._segment(node)}: {self._segment(first_node)} "
                                 f"is {shape_words(first)} but {self._segment(o)} is {what}")

    def _check_product_shapes(self, node, factors):
        for (a_node, a), (b_node, b) in zip(factors, factors[1:]):
            (_, cols), (rows, _) = shape_of(a), shape_of(b)
            if not _same_dims((cols,), (rows,)):
                raise ShapeError(
                    f"column {self._column(node)}: {self._segment(node)}: {self._segment(a_node)} is "
                    f"{shape_words(shape_of(a))} but {self._segment(b_node)} is {shape_words(shape_of(b))} "
                    f"({_dim_text(cols)} columns against {_dim_text(rows)} rows)")

    # -- helpers -----------------------------------------------------------
    @staticmethod
    def _is_matrix(value):
        return isinstance(value, (MatrixBase, MatrixExpr))

    def _has_matrix(self, values):
        return any(self._is_matrix(v) for v in values)

    def _check_exact(self, values, what, node, combine):
        bits = [constant_bits(v) for v in values if isinstance(v, Rational)]
        if len(bits) > 1:
            check_bits(combine(bits), f"this {what} of constants", self.limits)

    def _combine(self, node, build):
        try:
            value = build()
        except SympyShapeError as exc:
            raise ShapeError(f"column {self._column(node)}: {_shape_message(exc)}") from None
        except TypeError as exc:
            raise ShapeError(f"column {self._column(node)}: cannot combine these operands ({exc})") from None
        except ValueError as exc:
            if isinstance(exc, (LimitError, ParseError, ShapeError)):
                raise
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise self.error(node, f"{self._segment(node)}: {reason}") from None
        if isinstance(value, sympy.Basic) and value.has(S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity):
            segment = ast.get_source_segment(self.source, node) or "this expression"
            raise self.error(node, f"{segment} is undefined (evaluates to {value})")
        if isinstance(value, sympy.Basic) and (value.has(S.ImaginaryUnit) or (value.is_number and value.is_real is False)):
            segment = ast.get_source_segment(self.source, node) or "this expression"
            raise self.error(node, f"{segment} is not real (evaluates to {value}); derive works over the reals")
        return value

    def _column(self, node):
        offset = getattr(node, "col_offset", None)
        if offset is None:
            return None
        return self._original_column(getattr(node, "lineno", 1), self._char_offset(offset))

    def _char_offset(self, byte_offset):
        """ast reports UTF-8 byte offsets; columns count characters."""
        return len(self.source.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))

    def _original_column(self, lineno, offset):
        """1-based column in the original text of a 0-based offset in the source
        (which is one line: `_translate` turned line breaks into spaces)."""
        return self.colmap[min(max(offset, 0), len(self.colmap) - 1)] + 1

    def error(self, node, message):
        return ParseError(message, self.original, self._column(node))

    def _syntax_error(self, exc):
        column = None
        reason = exc.msg
        if exc.offset == 0:  # Python reports the end of input as offset 0
            column, reason = len(self.original), "the expression ends too early"
        elif exc.offset is not None:
            column = self._original_column(exc.lineno or 1, exc.offset - 1)
        if "too many nested parentheses" in reason:
            raise LimitError("too many nested parentheses") from None
        if "was never closed" in reason or "unmatched" in reason or "does not match" in reason:
            reason = "unbalanced brackets: " + reason
        return ParseError(reason, self.original, column)


def _translate(text):
    """Replace '^' by '**' (power, as in maths) and line breaks by spaces (so an
    expression may span lines), keeping a map to the original columns."""
    out, colmap = [], []
    for i, ch in enumerate(text):
        if not out and ch.isspace():
            continue  # leading blanks (Python would call them an indent)
        if ch == "^":
            out.append("**")
            colmap += [i, i]
        elif ch in "\r\n\t\f\v":
            out.append(" ")
            colmap.append(i)
        else:
            out.append(ch)
            colmap.append(i)
    colmap.append(len(text))
    return "".join(out), colmap


def shape_of(value):
    """None for a scalar, (rows, cols) for a matrix or vector."""
    if isinstance(value, (MatrixBase, MatrixExpr)):
        return tuple(value.shape)
    return None


def _dim_text(d):
    return str(d).replace(" ", "")


def shape_words(shape):
    """'a scalar', 'an n-vector (n x 1)', 'a 1 x n row', 'an m x n matrix'."""
    if shape is None:
        return "a scalar"
    rows, cols = (_dim_text(d) for d in shape)
    if rows == cols == "1":
        return "1 x 1"
    if cols == "1":
        return f"{rows} x 1"
    if rows == "1":
        return f"1 x {cols}"
    return f"{rows} x {cols}"


def _same_dims(a, b):
    return all(_as_sympy(x) == _as_sympy(y) for x, y in zip(a, b))


def _as_scalar_if_1x1(value):
    """x.T @ W @ x is a number: keep it as the trace of the 1 x 1 product, a scalar
    SymPy can add to other scalars (its matrix element would be a Sum)."""
    if isinstance(value, MatrixExpr) and not isinstance(value, MatrixBase) and value.shape == (1, 1):
        return sympy.Trace(value)
    if isinstance(value, MatrixBase) and value.shape == (1, 1):
        return value[0, 0]
    return value


def _multiply(factors):
    matrices = [f for f in factors if isinstance(f, (MatrixBase, MatrixExpr))]
    if not matrices:
        return sympy.Mul(*factors)
    scalars = [f for f in factors if not isinstance(f, (MatrixBase, MatrixExpr))]
    result = matrices[0]
    for m in matrices[1:]:
        result = result * m
    result = _as_scalar_if_1x1(result)
    return sympy.Mul(*scalars) * result if scalars else result


def _matadd(terms):
    result = terms[0]
    for t in terms[1:]:
        result = result + t
    return result


def _shape_message(exc):
    text = str(exc)
    return f"shapes do not fit: {text}" if text else "shapes do not fit"


__all__ = ["Declarations", "MatrixProperties", "Namespace", "RESERVED_NAMES", "check_name", "declare", "parse",
           "shape_of", "shape_words", "shapes"]


def _as_sympy(value):
    return value if isinstance(value, sympy.Basic) else sympy.Integer(value)
