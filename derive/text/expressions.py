"""The safe parser: text -> SymPy, built directly from a whitelisted syntax tree.

Never `eval`, `exec`, `sympify` or `parse_expr`: Python's `ast` module only
*parses* the text; each allowed node type has one method that builds the
SymPy object, and anything else is refused with a `ParseError` naming the
column.  The grammar (see docs/grammar.md):

    numbers        2, 0.5, 1e-3, 1/3        (decimals are exact: 0.1 is 1/10)
    names          x, w_1, alpha            (identifiers; not _private, not Python builtins)
    operators      + - * / ** ^ @ and unary minus; ^ means power
    calls          exp(x), log(x), max(a, b), where(x > 0, x, 0), ...   (functions.FUNCTIONS)
    indexing       x[i], W[i, j], A[0, 1]                              (grammar/indices.py)
    transpose      A.T
    vectors        [a, b, c] (a column), [[a, b], [c, d]] (a matrix)
    conditions     < <= > >= == and or & |   (inside where(), or with relations=True: grammar/relations.py)

Sizes are bounded (budgets.py): text length, node count, nesting depth and
the bits of every exact constant, estimated before SymPy computes it.

Here: `parse` and `shapes`, and the builder's core (dispatch, the memo of repeated
subexpressions, names, numbers, lists, .T, columns and errors).  Its rules for each kind of
node are mixins: grammar/ (arithmetic, calls, indices, relations), arrays/shapes.py (shape
checks) and latex/semantics.py (the nodes LaTeX adds); grammar/typed.py turns typed text into
Python's syntax first.
"""

import ast
import decimal
import math
import warnings

import sympy
from sympy import Integer, MatrixBase, MatrixExpr, MatrixSymbol, Rational, S
from sympy.matrices.exceptions import ShapeError as SympyShapeError

from ..errors import LimitError, ParseError, ShapeError
from . import latex, ranges
from .arrays.shapes import ShapesMixin, _shape_message, shape_of, shape_words
from .budgets import DEFAULT_LIMITS, check_bits, constant_bits, time_budget
from .functions import FUNCTIONS
from .grammar import syntax_messages
from .grammar.arithmetic import ArithmeticMixin
from .grammar.calls import CallsMixin
from .grammar.indices import IndicesMixin
from .grammar.relations import RelationsMixin
from .grammar.typed import LAMBDA_NAME, translate
from .latex.nodes import OWN_NODES
from .latex.semantics import LatexMixin
from .names import check_name
from .namespace import Namespace

# nodes whose value depends on where they stand (a row x^{(i)} on its sum's range, \mathbf{1} on the
# term that sizes it): a subtree holding one is never reused from elsewhere
_PLACED = frozenset({"Row", "Ones"})

_UNDEFINED = frozenset({S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity})

_MEMO_NODES = (ast.BinOp, ast.Call, ast.Subscript, ast.Attribute, ast.UnaryOp) + tuple(
    n for n in OWN_NODES if n.__name__ != "Ones")

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


def parse(text, symbols=None, *, limits=DEFAULT_LIMITS, strict=False, relations=False, syntax=None):
    """Parse `text` into a SymPy expression (or a Matrix for `[...]` literals).

    `symbols` declares names: a dict name -> SymPy object (Symbol, MatrixSymbol,
    IndexedBase), an iterable of SymPy symbols, a declaration string such as
    ``"A: n x n, x: n; t: positive"`` (see `declare`), or a `Namespace`.
    Undeclared names become scalar symbols (plain `Symbol`s, as SymPy users write them; real
    ones while derive works on a problem, in a `Namespace`) unless `strict` is true, in which
    case they are an error.  `relations=True` allows a top-level
    comparison (``"a + 2*b >= 1"``, ``"x**2 + y**2 = 1"``).  `syntax` is "latex", "text" or
    None: LaTeX is detected (a command, ``^{``, ``_{`` or ``$``; see latex/detect.py), and the
    context default ``derive.text.latex.syntax_default`` can force one for a whole call.

    >>> parse("x^2 + sigmoid(y)")
    x**2 + sigmoid(y)
    >>> parse("__import__('os')")
    Traceback (most recent call last):
    ...
    derive.errors.ParseError: column 1: names starting with '_' are not allowed: '__import__'
    """
    own = not isinstance(symbols, Namespace)
    namespace = Namespace(symbols, strict=strict) if own else symbols
    with time_budget(min(limits.seconds, 5.0), "parsing"):
        expr = ranges.resolve(_Builder(text, namespace, limits, relations, syntax).build(), namespace)
    # a call of its own gives names only the text introduced back as plain Symbols, as SymPy users
    # write them; inside a problem (a Namespace) they stay real, derive's working assumption
    return namespace.plain(expr) if own else expr


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


class _Builder(ArithmeticMixin, CallsMixin, IndicesMixin, RelationsMixin, ShapesMixin, LatexMixin):
    """One method per allowed syntax node; everything else is refused."""

    def __init__(self, text, namespace, limits, relations, syntax=None):
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
        self.latex = latex.is_latex(text, syntax)  # LaTeX: its own front end (latex/), the same visitors
        self.source, self.colmap = (latex.blank_delimiters(text), list(range(len(text) + 1))) if self.latex \
            else translate(text)
        self.depth = 0
        self.fresh_given = set()  # summation indices written in for softmax(z)[c] and the like
        self.recorder = None  # list of (depth, node, value) when shapes are wanted
        self.memo = {}  # structure of a subtree -> its value (_memo_key)
        self.structures, self.structure_ids = {}, {}  # id(node) -> structure number; structure -> number
        self.walked = {}  # values checked for undefined and imaginary constants -> has a symbol (_new_atoms)

    # -- entry -------------------------------------------------------------
    def parse_part(self, text):
        """Parse a piece of this text (one side of an equation) into the same namespace."""
        return parse(text, self.namespace, limits=self.limits)

    def build(self):
        if self.latex:
            return self._build_latex()
        if self.relations:
            relation = self._top_level_equation()
            if relation is not None:
                return relation
        try:
            with warnings.catch_warnings():  # Python's own wording ("invalid decimal literal") never reaches the user
                warnings.simplefilter("ignore", SyntaxWarning)
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

    # -- dispatch ----------------------------------------------------------
    def visit(self, node):
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(f"expression nests deeper than {self.limits.max_depth} levels")
        try:
            key = self._memo_key(node)
            if key is not None and key in self.memo:
                return self.memo[key]
            method = getattr(self, "visit_" + type(node).__name__, None)
            if method is None:
                raise self.error(node, self._refusal(node))
            value = method(node)
            if self.recorder is not None:
                self.recorder.append((self.depth, node, value))
            if key is not None:
                self.memo[key] = value
            return value
        finally:
            self.depth -= 1

    def _memo_key(self, node):
        """A subexpression written twice is built once: Xw, ||Xw - y||, sigma(w^T x^{(i)}) recur through a
        loss, and SymPy's canonical forms cost more than everything else in a parse.  Keyed by the
        subtree's structure (positions aside) and what LaTeX nodes keep beside their fields."""
        if self.recorder is not None or not isinstance(node, _MEMO_NODES):
            return None
        structure = self._structure(node)
        return None if structure is None else (structure, self.memo_context())

    def _structure(self, node):
        """A number for the subtree's structure (node types, field values, the `kind` LaTeX nodes keep;
        not positions): equal subtrees get equal numbers.  Each node is numbered once, children
        first, without recursion (a long a + b + ... chain is a deep tree)."""
        numbers, shapes = self.structures, self.structure_ids
        stack = [(node, False)]
        while stack:
            n, ready = stack.pop()
            if id(n) in numbers:
                continue
            fields = [getattr(n, f, None) for f in n._fields]
            children = [c for f in fields for c in (f if isinstance(f, list) else [f]) if isinstance(c, ast.AST)]
            if not ready:
                stack.append((n, True))
                stack.extend((c, False) for c in children if id(c) not in numbers)
                continue
            parts = [type(n).__name__, getattr(n, "kind", None)]
            placed = type(n).__name__ in _PLACED or any(numbers[id(c)][2] for c in children)
            for f in fields:
                if isinstance(f, list):
                    parts.append(tuple(numbers[id(c)][1] if isinstance(c, ast.AST) else (type(c).__name__, c) for c in f))
                else:
                    parts.append(numbers[id(f)][1] if isinstance(f, ast.AST) else (type(f).__name__, f))
            # the node is kept with its number: a tree built for softmax(z)[c] and dropped would free its
            # id() for a later node, which must not inherit the number
            numbers[id(n)] = (n, shapes.setdefault(tuple(parts), len(shapes)), placed)
        return None if numbers[id(node)][2] else numbers[id(node)][1]

    def memo_context(self):
        """Builder state a subexpression's value depends on beside its text (none in the text grammar)."""
        return ()

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
        name = "lambda" if node.id == LAMBDA_NAME else node.id  # the usual name of a regularization weight
        if name in FUNCTIONS and name not in self.namespace:
            raise self.error(node, f"'{name}' is a function; call it as {name}(...)")
        check_name(name, self.original, self._column(node))
        return self.namespace.lookup(name, self._column(node), self.original)


    def visit_Attribute(self, node):
        if node.attr != "T":
            raise self.error(node, f"attribute access '.{node.attr}' is not allowed (only .T, the transpose)")
        value = self.visit(node.value)
        if not self._is_matrix(value):
            name = self._segment(node.value)
            raise self.error(node, f"{name}{self._transpose_mark(node)} is a transpose, but {name} is not a declared "
                                   f"vector or matrix: declare it (--let \"{name}: n\", symbols=\"{name}: n\")")
        return value.T

    def _transpose_mark(self, node):
        """How the text wrote this transpose: "'" (x'), or ".T"."""
        end = getattr(node, "end_col_offset", None)
        if end is None:
            return ".T"
        k = self.colmap[min(max(self._char_offset(end) - 1, 0), len(self.colmap) - 1)]
        return "'" if self.original[k:k + 1] == "'" else ".T"

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
        if isinstance(value, sympy.Basic):
            found, symbolic = self._new_atoms(value)
            if found & _UNDEFINED:
                segment = ast.get_source_segment(self.source, node) or "this expression"
                raise self.error(node, f"{segment} is undefined (evaluates to {value})")
            if S.ImaginaryUnit in found or (not symbolic and value.is_number and value.is_real is False):
                segment = ast.get_source_segment(self.source, node) or "this expression"
                raise self.error(node, f"{segment} is not real (evaluates to {value}); derive works over the reals")
        return value

    def _new_atoms(self, value):
        """(the undefined and imaginary constants in `value`, whether it has a symbol), walking only the
        parts not walked before: the operands of a node were checked when they were built, so a parse
        walks each distinct subexpression once instead of once per enclosing node."""
        found, symbolic, stack, seen = set(), False, [value], self.walked
        while stack:
            e = stack.pop()
            known = seen.get(e)
            if known is not None:
                symbolic |= known
                continue
            if e in _UNDEFINED or e is S.ImaginaryUnit:
                found.add(e)
            if isinstance(e, (sympy.Symbol, MatrixSymbol)):
                symbolic = True
            stack.extend(e.args)
        if not found:
            seen[value] = symbolic
        return found, symbolic

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
        (which is one line: `translate` turned line breaks into spaces)."""
        return self.colmap[min(max(offset, 0), len(self.colmap) - 1)] + 1

    def error(self, node, message):
        return ParseError(message, self.original, self._column(node))

    def _syntax_error(self, exc):
        """Python's reader failed: say what was typed and what to write (never Python's wording)."""
        reason = exc.msg or ""
        if "too many nested parentheses" in reason:
            raise LimitError("too many nested parentheses") from None
        offset, message = syntax_messages.explain(self.source, reason, exc.offset if exc.offset else None)
        column = None if offset is None else self._original_column(exc.lineno or 1, offset)
        if exc.offset == 0 or message.startswith("the expression ends too early"):  # Python's end of input
            column = len(self.original.rstrip())
        return ParseError(message, self.original, column)
