"""The safe parser: text -> SymPy, built directly from a whitelisted syntax tree.

Never `eval`, `exec`, `sympify` or `parse_expr`: Python's `ast` module only
*parses* the text; each allowed node type has one method that builds the
SymPy object, and anything else is refused with a `ParseError` naming the
column.  The grammar (see docs/grammar.md):

    numbers        2, 0.5, 1e-3, 1/3        (decimals are exact: 0.1 is 1/10)
    names          x, w_1, alpha            (identifiers; not _private, not Python builtins)
    operators      + - * / ** ^ @ and unary minus; ^ means power
    calls          exp(x), log(x), max(a, b), where(x > 0, x, 0), ...   (functions.FUNCTIONS)
    indexing       x[i], W[i, j], A[0, 1]                              (indices.py)
    transpose      A.T
    vectors        [a, b, c] (a column), [[a, b], [c, d]] (a matrix)
    conditions     < <= > >= == and or & |   (inside where(), or with relations=True: relations.py)

Sizes are bounded (budgets.py): text length, node count, nesting depth and
the bits of every exact constant, estimated before SymPy computes it.
"""

import ast
import decimal
import math
import warnings

import sympy
from sympy import Integer, MatMul, MatrixBase, MatrixExpr, MatrixSymbol, Rational, S
from sympy.matrices.exceptions import ShapeError as SympyShapeError

from ..errors import LimitError, ParseError, ShapeError
from . import ranges
from .budgets import DEFAULT_LIMITS, check_bits, constant_bits, exp_bits, factorial_bits, power_bits, time_budget
from . import broadcast, matrix_ops, syntax_messages
from . import vector_functions
from .vector_functions import INFORMATION, VECTOR_FUNCTIONS, entry_of, fresh_index, information, is_log_of_softmax, \
    whole
from .functions import (
    FACTORIAL_LIKE,
    FUNCTIONS,
    INDEX_FUNCTIONS,
    MATRIX_CONSTRUCTORS,
    MATRIX_FUNCTIONS,
    MATRIX_POWER,
    _sum_entries,
    elementwise,
    entrywise_power,
)
from .indices import IndicesMixin
from . import latex
from .latex.nodes import OWN_NODES
from .latex.semantics import LatexMixin
from .names import check_name
from .namespace import Namespace
from .relations import RelationsMixin
from .shapes import ShapesMixin, _same_dims, _shape_message, is_square, shape_of, shape_words


def callable_names():
    """Every name text may call (read from the tables each time: a new entry is callable at once)."""
    return set(FUNCTIONS) | set(MATRIX_FUNCTIONS) | set(INDEX_FUNCTIONS) | set(VECTOR_FUNCTIONS) | set(MATRIX_CONSTRUCTORS) | set(MATRIX_POWER)


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


class _Builder(IndicesMixin, RelationsMixin, ShapesMixin, LatexMixin):
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
            else _translate(text)
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
        if self._has_matrix(terms) and self._identity_symbol() is not None:  # X.T@X + lam*I
            square = next(shape_of(v) for v in terms if self._is_matrix(v))
            operands = [(o, self._as_identity(o, v, square)) for o, v in operands]
            terms = [self._as_identity(None, t, square) for t in terms]
        self._check_exact(terms, "sum", node, lambda bits: max(bits) + math.log2(len(bits)))
        if not self._has_matrix(terms):
            return self._combine(node, lambda: sympy.Add(*terms))
        # NumPy's rules: scalars, columns and rows broadcast (1 + exp(X@w), X - mu.T)
        try:
            return self._combine(node, lambda: _as_scalar_if_1x1(broadcast.add(terms)))
        except broadcast.Incompatible:
            raise self._broadcast_clash(node, operands) from None

    def _broadcast_clash(self, node, operands):
        """The ShapeError naming the first operand whose shape does not broadcast with those before it."""
        shape, before = None, []
        for operand, value in operands:
            if self._is_matrix(value):
                try:
                    shape = broadcast.broadcast_shape(broadcast.placeholder(shape), value)
                except broadcast.Incompatible:
                    return ShapeError(f"column {self._column(node)}: {self._segment(node)}: "
                                      f"{' and '.join(before)} is {shape_words(shape)} but {self._segment(operand)} is "
                                      f"{shape_words(shape_of(value))}, which do not broadcast together (NumPy's rules)")
                before.append(self._segment(operand))
        return ShapeError(f"column {self._column(node)}: {self._segment(node)}: the shapes do not broadcast together")

    def _product(self, node):
        factors, operands = [], []
        for op, operand in self._chain(node, (ast.Mult, ast.Div)):
            value = self.visit(operand)
            operands.append((operand, op, value))
            if op is ast.Div and value == 0:
                raise self.error(operand, "division by zero")
            if op is ast.Div and not self._is_matrix(value):
                value = 1 / value if isinstance(value, Rational) else sympy.Pow(value, -1)
            factors.append(value)
        self._check_exact(factors, "product", node, sum)
        if not any(self._is_matrix(v) for _, _, v in operands):
            return self._combine(node, lambda: sympy.Mul(*factors))
        # NumPy's rules: * and / act entry by entry, broadcasting scalars, columns and rows (@ is the
        # matrix product)
        self._refuse_matlab_product(node, operands)
        result, first = None, None
        for operand, op, value in operands:
            if result is None:
                result, first = (value if op is not ast.Div else broadcast.divide(1, value)), operand
                continue
            step = broadcast.divide if op is ast.Div else broadcast.multiply
            try:
                result = self._combine(node, lambda r=result, v=value, f=step: f(r, v))
            except broadcast.Incompatible:
                raise ShapeError(f"column {self._column(node)}: {self._segment(node)}: {self._segment(first)} is "
                                 f"{shape_words(shape_of(result))} but {self._segment(operand)} is "
                                 f"{shape_words(shape_of(value))}, which do not broadcast together (entry by entry, "
                                 "as in NumPy; for a matrix product write @)") from None
            first = operand
        return _as_scalar_if_1x1(result)

    def _refuse_matlab_product(self, node, operands):
        """x'*A*x is MATLAB's quadratic form; in text * is entry by entry (NumPy), which is never what
        a quote-transpose beside * means: say what to write."""
        arrays = [(o, v) for o, op, v in operands if self._is_matrix(v)]
        if len(arrays) > 1 and any(isinstance(o, ast.Attribute) and self._transpose_mark(o) == "'" for o, _ in arrays):
            written = self._segment(node)
            raise self.error(node, f"{written}: in derive's text * is entry by entry, as in NumPy; for MATLAB's matrix "
                                   f"product write @ ({written.replace('*', ' @ ')})")

    def _power(self, node):
        base = self.visit(node.left)
        if self._is_transpose_mark(node.right):  # x^T, as course notes write the transpose
            if not self._is_matrix(base):
                raise self.error(node, f"{self._segment(node.left)}^T is a transpose, but {self._segment(node.left)} "
                                       f"is not a declared vector or matrix: declare it (--let "
                                       f"\"{self._segment(node.left)}: n\") or write a power with another name than T")
            return self._combine(node, lambda: base.T)
        exponent = self.visit(node.right)
        for entry in (base if isinstance(base, MatrixBase) else [base]):  # explicit entries: each one's power
            check_bits(power_bits(entry, exponent), "this power", self.limits)
        entries = base if isinstance(base, MatrixBase) else [base]
        if isinstance(exponent, Rational) and exponent < 0 and any(e == 0 for e in entries):
            raise self.error(node, "zero to a negative power" + (" (an entry is 0; matrix_power(A, -1) is the "
                                                                 "inverse)" if base is not entries else ""))
        if self._is_matrix(base) and self._is_matrix(exponent):
            raise self.error(node, f"{self._segment(node)}: a power with a vector or matrix exponent is not "
                                   "supported; for positive entries write exp(y*log(x)) for x**y")
        if self._is_matrix(base):
            # NumPy's reading: (y - X@w)**2 squares each entry, for every shape (matrix_power(A, k) is A@A@...)
            return self._combine(node, lambda: entrywise_power(base, exponent))
        return self._scalar_power(node, base, exponent)

    def _is_transpose_mark(self, node):
        """The exponent T (^T, **T) when T is not a declared name."""
        return isinstance(node, ast.Name) and node.id == "T" and "T" not in self.namespace.names

    def _matrix_power(self, node, base, exponent):
        """matrix_power(A, k): A @ A @ ... k times (k an integer, or a name declared 'k: integer')."""
        if self._is_matrix(base):
            symbolic = not exponent.is_number and exponent.is_integer  # X**k with k declared an integer
            if not (isinstance(exponent, Integer) or symbolic):
                raise self.error(node, "a matrix power needs an integer exponent (a number, or a name declared "
                                       "'k: integer')")
            if symbolic:
                if isinstance(base, MatrixBase):
                    raise self.error(node, "a symbolic power of an explicit matrix is not supported")
                return self._combine(node, lambda: sympy.MatPow(base, exponent))
            if isinstance(base, MatrixBase):  # explicit entries: SymPy multiplies them out
                if abs(int(exponent)) > 256:
                    raise LimitError(f"column {self._column(node)}: a power of an explicit matrix above 256 "
                                     f"({exponent}) is not expanded")
                bits = max((constant_bits(e) for e in base if isinstance(e, Rational)), default=1)
                check_bits(max(bits, 1) * abs(int(exponent)) * base.shape[0], "this matrix power", self.limits)
            return self._combine(node, lambda: base**exponent)
        raise self.error(node, "matrix_power(A, k) takes a square matrix")

    def _scalar_power(self, node, base, exponent):
        if self._is_matrix(exponent):
            raise self.error(node, "a matrix cannot be an exponent")
        return self._combine(node, lambda: sympy.Pow(base, exponent))

    def _matmul(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        # a 1 x 1 product (c.T@a, kept as a number) times a row, or a column times one: (c.T@a)@x.T
        if _is_1x1_product(left) and self._is_matrix(right) and right.shape[0] == 1:
            return self._combine(node, lambda: _as_scalar_if_1x1(left * right))
        if _is_1x1_product(right) and self._is_matrix(left) and left.shape[1] == 1:
            return self._combine(node, lambda: _as_scalar_if_1x1(right * left))
        if not (self._is_matrix(left) and self._is_matrix(right)):
            raise self.error(node, "'@' multiplies matrices or vectors; use '*' for scalars")
        self._check_product_shapes(node, [(node.left, left), (node.right, right)])
        product = self._combine(node, lambda: MatMul(left, right).doit() if isinstance(left, MatrixBase)
                                else matrix_ops.mul(left, right))
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
        if isinstance(node.func, ast.Attribute):  # g'(u), g''(u): a declared function's derivatives, as printed
            return self._derivative_call(node)
        if not isinstance(node.func, ast.Name):
            raise self.error(node, "only calls of known functions are allowed, like exp(x)")
        name = node.func.id
        declared = self.namespace.names.get(name)
        if isinstance(declared, sympy.core.function.UndefinedFunction):  # g: function
            return self._unspecified_call(node, declared)
        if name not in callable_names():
            if name.startswith("_"):
                raise self.error(node, f"names starting with '_' are not allowed: '{name}'")
            raise self.error(node, f"unknown function '{name}'; known: {', '.join(sorted(callable_names()))}")
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
        if name in INFORMATION:
            return self.visit(self._information(node, name))
        if name in VECTOR_FUNCTIONS:
            return self.visit(self._vector_function(node, name))
        if is_log_of_softmax(node):
            return self.visit(self._vector_function(node.args[0], "log_softmax"))
        if name in MATRIX_CONSTRUCTORS:
            return self._constant_matrix(node, name)
        if name in MATRIX_POWER:  # NumPy's name: the power of a square matrix (k an integer)
            self._arity(node, name, 2, 2)
            base = self.visit(node.args[0])
            if not self._is_matrix(base) or not is_square(shape_of(base)):
                raise self.error(node, "matrix_power(A, k) takes a square matrix and an integer k")
            exponent = self.visit(node.args[1])
            check_bits(power_bits(base, exponent), "this power", self.limits)
            return self._matrix_power(node, base, exponent)
        if name == "delta":
            self._arity(node, name, 2, 2)
            i, j = (self._index(a) for a in node.args)
            return sympy.KroneckerDelta(i, j)
        if name == "hadamard_power":  # entrywise power of any matrix, square ones included
            self._arity(node, name, 2, 2)
            base, exponent = (self.visit(a) for a in node.args)
            if not self._is_matrix(base) or self._is_matrix(exponent):
                raise self.error(node, "hadamard_power(A, p) takes a matrix or vector and a scalar exponent")
            return self._combine(node, lambda: entrywise_power(base, exponent))
        if name in MATRIX_FUNCTIONS:
            fn = MATRIX_FUNCTIONS[name]
            self._arity(node, name, fn.min_args, fn.max_args)
            margs = [self.visit(a) for a in node.args]
            if name in ("trace", "tr", "det") and len(margs) == 1 and not self._is_matrix(margs[0]):
                return margs[0]  # the trace (determinant) of a 1 x 1 product such as d.T @ d is its value
            if not all(self._is_matrix(a) for a in margs):
                raise self.error(node, f"{name}() takes a matrix or vector, not a scalar")
            if name == "hadamard" and not _same_dims(shape_of(margs[0]), shape_of(margs[1])):
                raise ShapeError(f"column {self._column(node)}: {self._segment(node)}: an elementwise product "
                                 f"needs equal shapes, got {shape_words(shape_of(margs[0]))} and "
                                 f"{shape_words(shape_of(margs[1]))}")
            if name == "diag" and shape_of(margs[0])[1] != 1:
                raise self.error(node, "diag() takes a column vector")
            if name == "diagonal" and not is_square(shape_of(margs[0])):
                raise self.error(node, f"diagonal() takes a square matrix; this one is {shape_words(shape_of(margs[0]))}")
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

    def _unspecified_call(self, node, g):
        """g(a.T @ x) for a declared function g: its derivative stays g'(a.T @ x)."""
        if node.keywords or not node.args:
            raise self.error(node, f"{g}() takes one or more arguments and no keywords")
        args = [self.visit(a) for a in node.args]
        for a, arg_node in zip(args, node.args):
            if self._is_matrix(a) and tuple(shape_of(a)) != (1, 1):
                raise self.error(arg_node, f"{g} is a function of scalars; its argument here is "
                                           f"{shape_words(shape_of(a))}")
        args = [_as_scalar_if_1x1(a) if self._is_matrix(a) else a for a in args]
        return self._combine(node, lambda: g(*args))

    def _derivative_call(self, node):
        """g'(u) (and g''(u)) for g declared a function: the derivative of g at u, as results print it."""
        order, func = 0, node.func
        while isinstance(func, ast.Attribute) and func.attr == "T" and self._transpose_mark(func) == "'":
            order, func = order + 1, func.value
        g = self.namespace.names.get(func.id) if isinstance(func, ast.Name) else None
        if not isinstance(g, sympy.core.function.UndefinedFunction) or isinstance(func, ast.Attribute):
            raise self.error(node, "only calls of known functions are allowed, like exp(x); g'(u) is the derivative "
                                   "of a function declared 'g: function'")
        if len(node.args) != 1 or node.keywords:
            raise self.error(node, f"{func.id}{chr(39) * order}(u) takes one argument")
        u = self._unspecified_call(node, g).args[0]
        xi = sympy.Dummy("xi")
        return sympy.Subs(sympy.Derivative(g(xi), (xi, order)), xi, u)

    def _constant_matrix(self, node, name):
        """eye(n), ones(n), ones(n, m), zeros(n, m): sizes are numbers or size names."""
        fn = MATRIX_CONSTRUCTORS[name]
        self._arity(node, name, fn.min_args, fn.max_args)
        sizes = []
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int) and not isinstance(arg.value, bool) \
                    and 0 < arg.value <= 10_000:
                sizes.append(Integer(arg.value))
            elif isinstance(arg, ast.Name):
                check_name(arg.id, self.original, self._column(arg))
                sizes.append(self.namespace.dimension(arg.id))
            else:
                raise self.error(arg, f"{name}() takes sizes: whole numbers from 1 to 10000 or size names like n")
        value = fn.build(*sizes)
        if value is None:
            raise self.error(node, "eye(n) is square: give one size")
        return value

    def _identity_symbol(self):
        """The name I when the text uses it undeclared: the identity matrix, sized where it meets one."""
        symbol = self.namespace.names.get("I")
        return symbol if "I" in self.namespace.implicit and isinstance(symbol, sympy.Symbol) else None

    def _as_identity(self, node, value, shape):
        """c*I beside an n x n matrix -> c*Identity(n); other terms as they are."""
        I = self._identity_symbol()
        if self._is_matrix(value) or not value.has(I):
            return value
        coeff = sympy.expand(value).coeff(I)
        if coeff.has(I) or sympy.expand(value - coeff * I) != 0:
            return value  # I appears other than as a factor: the shape check says what clashes
        if not is_square(shape):
            where = f"column {self._column(node)}: " if node is not None else ""
            raise ShapeError(f"{where}I is the identity, but it is added to a {shape_words(shape)} matrix, "
                             "which is not square")
        return coeff * sympy.Identity(shape[0])

    def _vector_function(self, node, name, index=None):
        """softmax(z), logsumexp(z) (and softmax(z)[c] with `index`) as the grammar's sums
        (vector_functions.py), located at the call for error messages."""
        self._arity(node, name, 1, 1)
        arg = node.args[0]
        if not isinstance(arg, ast.Name):
            raise self.error(node, f"{name}() takes the name of a vector (softmax(z)[c]); for an expression "
                                   "write the sums out: exp(a[c])/sum(exp(a[j]), j)")
        matrix = isinstance(self.namespace.names.get(arg.id), MatrixSymbol)
        # a new index for every call: softmax(z)[c]*softmax(w)[d] sums over z's axis and w's
        j = fresh_index(self.source, set(self.namespace.names) | self.namespace.index_names | self.fresh_given)
        self.fresh_given.add(j)
        try:
            size = self.namespace.names[arg.id].shape[0] if matrix else None
            tree = entry_of(name, arg.id, index, j) if index is not None else whole(name, arg.id, j, matrix, size)
        except KeyError:
            if name == "logsumexp":
                raise self.error(node, "logsumexp(z) is a number: it takes no index") from None
            raise self.error(node, f"{name}({arg.id}) is a vector: take one entry, {name}({arg.id})[c], or "
                                   f"declare {arg.id} as a vector ('{arg.id}: K')") from None
        for child in ast.walk(tree):
            ast.copy_location(child, node)
            child.end_lineno, child.end_col_offset = node.end_lineno, node.end_col_offset
        return tree

    def _information(self, node, name):
        """entropy(p), kl(p, q), cross_entropy(y, p) as the grammar's sums (vector_functions.py): in matrix
        notation when every vector is declared, else entry by entry."""
        params, written_out = INFORMATION[name]
        self._arity(node, name, len(params), len(params))
        ops = [vector_functions.operand(a) for a in node.args]
        if None in ops:
            usage = f"{name}({', '.join(params)})"
            raise self.error(node, f"{name}() takes names of vectors, {usage}, or softmax(z) in place of one; "
                                   f"for an expression write the sum out: {written_out}")
        arrays = [self.namespace.names.get(array) for _, array in ops]
        matrix = all(isinstance(a, MatrixSymbol) for a in arrays)
        for (_, array), value in zip(ops, arrays):
            if isinstance(value, MatrixSymbol) and value.shape[1] != 1:
                raise self.error(node, f"{name}() takes vectors; {array} is {shape_words(value.shape)}")
        indices = []
        for _ in range(2):  # the sum's index, and one for the sums inside softmax(z)[j]
            taken = set(self.namespace.names) | self.namespace.index_names | self.fresh_given
            indices.append(fresh_index(self.source, taken))
            self.fresh_given.add(indices[-1])
        tree = information(name, ops, *indices, matrix)
        for child in ast.walk(tree):
            ast.copy_location(child, node)
            child.end_lineno, child.end_col_offset = node.end_lineno, node.end_col_offset
        return tree

    def _arity(self, node, name, lo, hi):
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            raise self.error(node, f"{name}() takes {want} argument(s), got {n}")

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
        (which is one line: `_translate` turned line breaks into spaces)."""
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


def _translate(text):
    """Text as people type it -> Python's syntax, with a map to the original columns:
    '^' is a power ('**'); a quote after a name or bracket is the transpose (x' -> x.T); ||x|| is
    norm(x); the name lambda (a keyword in Python) is read as LAMBDA_NAME; line breaks are spaces
    (an expression may span lines)."""
    out, colmap = [], []
    norms_open = in_string = False
    i = 0
    while i < len(text):
        ch = text[i]
        piece = ch
        width = 1
        if not out and ch.isspace():
            i += 1
            continue  # leading blanks (Python would call them an indent)
        if ch == "^":
            piece = "**"
        elif ch in "\r\n\t\f\v":
            piece = " "
        elif ch == "'" and in_string:  # the end of a quoted string (refused later, with its column)
            in_string = False
        elif ch == "'" and out and (out[-1][-1:].isalnum() or out[-1][-1:] in ")]_" or out[-1].startswith(".T")):
            piece = ".T " if _word_char(text, i + 1) else ".T"  # x'y: two terms, never an attribute .Ty
        elif ch == "'":
            in_string = True
        elif text.startswith("||", i):
            piece, width = (")" if norms_open else "norm("), 2
            norms_open = not norms_open
        elif text.startswith("lambda", i) and not _word_char(text, i - 1) and not _word_char(text, i + 6):
            piece, width = LAMBDA_NAME, 6
        out.append(piece)
        colmap += [i] * len(piece)
        i += width
    colmap.append(len(text))
    return "".join(out), colmap


LAMBDA_NAME = "λ"  # a letter Python reads as a name; visit_Name turns it back into 'lambda'


def _word_char(text, k):
    return 0 <= k < len(text) and (text[k].isalnum() or text[k] == "_")


def _is_1x1_product(value):
    return isinstance(value, sympy.Trace) and tuple(value.arg.shape) == (1, 1)


_as_scalar_if_1x1 = matrix_ops.as_scalar_if_1x1  # the name the parser's modules import


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
