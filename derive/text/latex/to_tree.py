"""LaTeX items (reader.py) -> a Python `ast` expression of derive's grammar.

A recursive-descent reading of mathematical notation, one precedence level per method:

    relation   sum (\\le | \\ge | < | > | =) sum          (constraints only)
    sum        product (+|- product)*
    product    unary ((\\cdot | \\times | * | / | \\odot | juxtaposition) unary)*
    unary      -unary | power
    power      primary (_sub | ^sup | ')*
    primary    number | letter | {..} | (..) | |..| | \\|..\\| | a command of commands.COMMANDS

The tree uses the grammar's own nodes (Name, BinOp, Call, Subscript, Tuple) and the few of
nodes.py where LaTeX leaves a choice to the values (`Xw`: matrix product or product).  What a
name with a subscript is depends on the declarations: `x_i` indexes a declared array or a
summed index, is row i of a declared N x d matrix X (the ML convention), and is otherwise the
name `x_i`.  Entries count from 1 as in LaTeX: `x_1` is derive's x[0], and
`\\sum_{i=1}^{N}` runs over derive's 0..N-1 (the value of i inside it is i + 1).
Every node carries its span in the user's text.
"""

import ast

from sympy import IndexedBase, MatrixSymbol
from sympy.core.function import UndefinedFunction

from ...errors import ParseError
from ..functions import FUNCTIONS as TEXT_FUNCTIONS
from ..functions import MATRIX_FUNCTIONS
from ..grammar.vector_functions import VECTOR_FUNCTIONS
from . import nodes
from .command_readers import PRIMARY, CommandsMixin
from .commands import COMMANDS
from .detect import blank_delimiters
from .environments import read_environment
from .nodes import call_node, span
from .reader import Cursor, Environment, Group, Macro, Tok, command_kind, is_token, read, text_of
from .scripts import ScriptsMixin

_RELATIONS = {"<": ast.Lt, ">": ast.Gt, "=": ast.Eq, "<=": ast.LtE, ">=": ast.GtE, "!=": ast.NotEq}
_TEXT_CALLS = set(TEXT_FUNCTIONS) | set(MATRIX_FUNCTIONS) | set(VECTOR_FUNCTIONS)


def to_tree(text, namespace, limits, relations=False):
    """The syntax tree (an `ast.Expression`) of the LaTeX formula `text`."""
    source = blank_delimiters(text)
    items = read(source, limits)
    reader = _Reader(source, namespace)
    cursor = Cursor(items, len(source.rstrip()))
    if cursor.peek() is None:
        raise ParseError("empty formula", text)
    body = reader.relation(cursor) if relations else reader.sum(cursor)
    reader.expect_end(cursor)
    both = reader.named & reader.indexed
    if both:  # z_c beside \sum_j z_j: z is one array, z_c its entry c (read again, knowing that)
        reader = _Reader(source, namespace, arrays=both)
        cursor = Cursor(items, len(source.rstrip()))
        body = reader.relation(cursor) if relations else reader.sum(cursor)
    tree = ast.Expression(body)
    _locate(tree, source)
    return tree


class _Reader(CommandsMixin, ScriptsMixin):
    """One method per precedence level and kind of primary; commands (command_readers.py) and
    scripts (scripts.py) are mixins."""

    def __init__(self, source, namespace, arrays=frozenset()):
        self.source = source
        self.namespace = namespace
        self.arrays = arrays  # names the formula indexes somewhere: z_c is then an entry of z too
        self.named, self.indexed = set(), set()  # names given a subscript as a name (w_1) / as an index
        self.bound = {}  # summation index name -> what LaTeX's value of it adds to derive's (1 or 0)
        self.bars = []  # open |..| and \|..\| (a bar closes the innermost one of its kind)

    # -- errors --------------------------------------------------------------
    def error(self, message, offset):
        return ParseError(message, self.source, None if offset is None else offset + 1)

    def expect_end(self, cursor):
        item = cursor.peek()
        if item is not None:
            raise self.error(f"unexpected {self.describe(item)}", item.start)

    def describe(self, item):
        if isinstance(item, Macro):
            return f"\\{item.name}"
        if isinstance(item, Group):
            return "'{'"
        return f"'{item.text}'"

    # -- declarations --------------------------------------------------------
    def declared(self, name):
        return name in self.namespace.names and name not in self.namespace.implicit

    def is_array(self, name):
        return name in self.arrays or isinstance(self.namespace.names.get(name), (MatrixSymbol, IndexedBase))

    def matrix_of_rows(self, name):
        """X for x when X is a declared N x d matrix and x itself is not declared (x^{(i)}, x_i);
        \\Phi for \\phi (Greek capitals are capitalized names: phi_n is row n of Phi)."""
        if self.declared(name) or not name.isalpha() or not name.islower():
            return None
        for capital in dict.fromkeys((name.upper(), name.capitalize())):
            matrix = self.namespace.names.get(capital)
            if isinstance(matrix, MatrixSymbol) and matrix.shape[1] != 1:
                return capital
        return None

    # -- levels --------------------------------------------------------------
    def relation(self, cursor):
        left = self.sum(cursor)
        ops, comparators = [], []
        while True:
            op = self.relation_op(cursor)
            if op is None:
                break
            ops.append(_RELATIONS[op]())
            comparators.append(self.sum(cursor))
        if not ops:
            return left
        return span(ast.Compare(left=left, ops=ops, comparators=comparators), left._s, comparators[-1]._e)

    def relation_op(self, cursor):
        item = cursor.peek()
        if isinstance(item, Macro) and command_kind(item) == "relation":
            cursor.next()
            return COMMANDS[item.name].value
        if is_token(item, "<", ">", "=", "!"):
            cursor.next()
            op = item.text
            if is_token(cursor.peek(), "=") and op != "=":
                cursor.next()
                op += "="
            if op == "!":
                raise self.error("expected != ", item.start)
            return op
        return None

    def sum(self, cursor):
        left = self.product(cursor)
        while is_token(cursor.peek(), "+", "-"):
            op = ast.Add() if cursor.next().text == "+" else ast.Sub()
            right = self.product(cursor)
            left = span(ast.BinOp(left=left, op=op, right=right), left._s, right._e)
        return left

    def product(self, cursor, explicit=True):
        """Factors joined by \\cdot, \\times, *, /, \\odot or written side by side (`explicit=False`:
        side by side only, the argument of \\log x y)."""
        left = self.unary(cursor) if explicit else self.power(cursor)
        while True:
            item = cursor.peek()
            op = self.product_op(item) if explicit else None
            if op is not None:
                cursor.next()
                right = self.unary(cursor)
                if op in ("/", "div"):
                    node = ast.BinOp(left=left, op=ast.Div(), right=right)
                elif op == "@":  # text's matrix product, beside LaTeX (w^\top @ A @ w)
                    node = ast.BinOp(left=left, op=ast.MatMult(), right=right)
                elif op == "entrywise":
                    node = ast.BinOp(left=left, op=ast.Mult(), right=right)
                else:
                    node = nodes.Juxtaposition(left=left, right=right)
                    node.kind = op
            elif self.starts_operand(item):
                right = self.power(cursor)
                node = nodes.Juxtaposition(left=left, right=right)
                node.kind = "juxtaposition"
            else:
                return left
            left = span(node, left._s, right._e)

    def product_op(self, item):
        if is_token(item, "@"):
            return "@"
        if is_token(item, "*"):
            return "cdot"
        if is_token(item, "/"):
            return "/"
        kind = command_kind(item)
        if kind == "product":
            return item.name
        if kind in ("entrywise", "divide"):
            return "entrywise" if kind == "entrywise" else "div"
        return None

    def starts_operand(self, item):
        if item is None:
            return False
        if isinstance(item, Tok):
            if item.kind in ("num", "letter") or item.text in "([":
                return True
            return item.text == "|" and not (self.bars and self.bars[-1] == "abs")
        if isinstance(item, Group):
            return True
        kind = command_kind(item)
        if kind == "abs_bar":
            return not (self.bars and self.bars[-1] == "abs")
        if kind == "norm_bar":
            return not (self.bars and self.bars[-1] == "norm")
        return kind not in ("product", "entrywise", "divide", "relation", "space", "sizer", "close")

    def unary(self, cursor):
        item = cursor.peek()
        if is_token(item, "-", "+"):
            cursor.next()
            operand = self.unary(cursor)
            op = ast.USub() if item.text == "-" else ast.UAdd()
            return span(ast.UnaryOp(op=op, operand=operand), item.start, operand._e)
        return self.power(cursor)

    def power(self, cursor):
        base = self.primary(cursor)
        while True:
            scripts = self.scripts(cursor)
            if scripts:
                base = self.with_scripts(base, scripts)
                continue
            item = cursor.peek()
            following = cursor.items[cursor.i + 1] if cursor.i + 1 < len(cursor.items) else None
            if is_token(item, "*") and is_token(following, "*") and following.start == item.end:  # text's x**2
                cursor.next()
                cursor.next()
                exponent = self.unary(cursor)
                base = span(nodes.Power(left=base, right=exponent), base._s, exponent._e)
            elif is_token(item, ".") and is_token(following, "T") and following.start == item.end:  # text's x.T
                cursor.next()
                cursor.next()
                base = span(nodes.Transposed(value=base), base._s, following.end)
            elif is_token(item, "'"):
                cursor.next()
                base = span(nodes.Transposed(value=base), base._s, item.end)
            elif is_token(item, "!"):
                cursor.next()
                base = span(call_node("factorial", [base]), base._s, item.end)
            else:
                return base

    def scripts(self, cursor):
        """The `_` and `^` that follow (each at most once, in either order): {"_": (items, start,
        end), "^": ...}."""
        found = {}
        while is_token(cursor.peek(), "_", "^") and cursor.peek().text not in found:
            mark = cursor.next()
            arg = cursor.raw_next()
            if arg is None:
                raise self.error(f"'{mark.text}' needs something after it (x{mark.text}2, x{mark.text}{{ij}})",
                                 mark.start)
            if isinstance(arg, Group):
                found[mark.text] = (arg.items, arg.start, arg.end)
            elif isinstance(arg, Tok) and arg.kind == "num" and len(arg.text) > 1:
                # x^23 is x^2 3 in LaTeX: one character is the script
                first = Tok("num", arg.text[0], arg.start, arg.start + 1)
                cursor.items[cursor.i - 1] = Tok("num", arg.text[1:], arg.start + 1, arg.end)
                cursor.i -= 1
                found[mark.text] = ([first], first.start, first.end)
            else:
                found[mark.text] = ([arg], arg.start, arg.end)
        return found

    # -- primaries -------------------------------------------------------------
    def primary(self, cursor):
        item = cursor.next()
        if item is None:
            raise self.error("the formula ends too early", cursor.end)
        if isinstance(item, Tok):
            return self.token(item, cursor)
        if isinstance(item, Group):
            return self.group(item)
        if isinstance(item, Environment):  # \begin{bmatrix}, \begin{cases}
            return read_environment(self, item)
        command = COMMANDS.get(item.name)
        if command is None:
            raise self.error(f"\\{item.name} is not supported", item.start)
        return PRIMARY[command.kind](self, item, command, cursor)

    def group(self, group):
        inner = Cursor(group.items, group.end - 1)
        if inner.peek() is None:
            raise self.error("empty braces {}", group.start)
        node = self.sum(inner)
        self.expect_end(inner)
        return node

    def token(self, item, cursor):
        if item.kind == "num":
            value = float(item.text) if "." in item.text else int(item.text)
            return span(ast.Constant(value=value), item.start, item.end)
        if item.kind == "letter":
            return self.letters(item, cursor)
        if item.text in "([":
            closing = ")" if item.text == "(" else "]"
            node = self.sum(cursor)
            self.expect(cursor, closing, item)
            return node  # its own span: errors point at the expression inside
        if item.text == "|":
            return self.bars_of("abs", item, cursor)
        raise self.error(f"unexpected '{item.text}'", item.start)

    def expect(self, cursor, closing, opening):
        item = cursor.next()
        if not is_token(item, closing) and not (closing == ")" and command_kind(item) == "close"):
            where = item.start if item is not None else cursor.end
            found = self.describe(item) if item is not None else "the end"
            raise self.error(f"expected '{closing}' to close the '{opening.text}' of column {opening.start + 1}, "
                             f"found {found}", where)
        return item.end

    def letters(self, item, cursor):
        """A letter, or a word: a declared name (`lam`), or a function of the text grammar
        called with parentheses (`softmax(z)`); otherwise letters side by side are a product."""
        run = [item]
        while True:
            nxt = cursor.items[cursor.i + len(run) - 1] if cursor.i + len(run) - 1 < len(cursor.items) else None
            if isinstance(nxt, Tok) and nxt.kind == "letter" and nxt.start == run[-1].end:
                run.append(nxt)
            else:
                break
        word = "".join(t.text for t in run)
        after = cursor.items[cursor.i + len(run) - 1] if cursor.i + len(run) - 1 < len(cursor.items) else None
        if len(run) > 1 and (self.declared(word) or (word in _TEXT_CALLS and is_token(after, "("))):
            cursor.i += len(run) - 1
            name = span(ast.Name(id=word, ctx=ast.Load()), item.start, run[-1].end)
        else:
            name = span(ast.Name(id=item.text, ctx=ast.Load()), item.start, item.end)
        return self.maybe_call(name, cursor)

    def maybe_call(self, name, cursor):
        """f(x) for a declared function f or a function word; other names are values."""
        function = isinstance(self.namespace.names.get(name.id), UndefinedFunction)
        callable_ = function or (name.id in _TEXT_CALLS and not self.declared(name.id))
        if function and is_token(cursor.peek(), "'"):  # g'(u), g''(u): the derivative of a declared function
            return self.primed(name, cursor)
        if callable_ and is_token(cursor.peek(), "("):
            return self.call(name.id, name._s, cursor)
        return self.value_of(name)

    def primed(self, name, cursor):
        order = 0
        while is_token(cursor.peek(), "'"):
            cursor.next()
            order += 1
        if not is_token(cursor.peek(), "("):
            where = cursor.peek().start if cursor.peek() is not None else cursor.end
            raise self.error(f"{name.id}{chr(39) * order} is a derivative: write it at a point, "
                             f"{name.id}{chr(39) * order}(u)", where)
        call = self.call(name.id, name._s, cursor)
        return span(nodes.Primed(call=call, order=order), call._s, call._e)

    def value_of(self, name):
        """A summation index used as a value counts from 1 (\\sum_{i=1}^{n} i is n(n+1)/2)."""
        offset = self.bound.get(name.id, 0)
        if not offset:
            return name
        one = span(ast.Constant(value=offset), name._s, name._e)
        return span(ast.BinOp(left=name, op=ast.Add(), right=one), name._s, name._e)

    def call(self, fn, start, cursor, power=None):
        """fn(a, b) with parentheses, fn{a}, or fn followed by a product written side by side
        (\\log \\det A, \\exp x_i)."""
        item = cursor.peek()
        if is_token(item, "("):
            cursor.next()
            args = [self.sum(cursor)]
            while is_token(cursor.peek(), ","):
                cursor.next()
                args.append(self.sum(cursor))
            end = self.expect(cursor, ")", item)
        elif isinstance(item, Group):  # \sin{\left(x \right)} (SymPy's own LaTeX): the braces hold the argument
            cursor.next()
            args, end = [self.sub_expression(item.items, item.end)], item.end
        elif self.starts_operand(item):
            args = [self.product(cursor, explicit=False)]
            end = args[0]._e
        else:
            where = item.start if item is not None else cursor.end
            raise self.error(f"{fn} needs an argument", where)
        node = span(call_node(fn, args), start, end)
        if power is not None:
            node = span(nodes.Power(left=node, right=power), start, end)
        return node

    def bars_of(self, kind, opening, cursor):
        self.bars.append(kind)
        try:
            inner = self.sum(cursor)
        finally:
            self.bars.pop()
        closing = cursor.next()
        closes = is_token(closing, "|") or command_kind(closing) == "abs_bar" if kind == "abs" else command_kind(closing) == "norm_bar"
        if not closes:
            where = closing.start if closing is not None else cursor.end
            bar = "|" if kind == "abs" else "\\|"
            raise self.error(f"expected a closing {bar} for the {bar} of column {opening.start + 1}", where)
        if kind == "abs":
            return span(nodes.Bars(value=inner), opening.start, closing.end)
        norm = span(nodes.Norm(value=inner), opening.start, closing.end)
        norm.kind = "2"
        if is_token(cursor.peek(), "_"):  # \|x\|_2, \|A\|_F, \|x\|_1
            mark = cursor.next()
            arg = cursor.raw_next()
            words = text_of(arg.items if isinstance(arg, Group) else [arg]) if arg is not None else None
            if words not in ("2", "F", "1"):
                raise self.error("a norm's subscript is 2, F or 1 (\\|x\\|_2, \\|A\\|_F, \\|x\\|_1)", mark.start)
            norm.kind = words
            norm._e = arg.end
        return norm


def _locate(tree, source):
    """lineno / col_offset (UTF-8 bytes, as `ast` counts) on every node, from its span in the text;
    a node without one takes its parent's."""
    if source.isascii():
        byte = list(range(len(source) + 1))
    else:
        byte, total = [0], 0
        for ch in source:
            total += len(ch.encode("utf-8"))
            byte.append(total)
    stack = [(tree.body, 0, len(source))]
    while stack:
        node, start, end = stack.pop()
        start, end = getattr(node, "_s", start), getattr(node, "_e", end)
        node.lineno = node.end_lineno = 1
        node.col_offset, node.end_col_offset = byte[start], byte[max(end, start)]
        for child in ast.iter_child_nodes(node):
            stack.append((child, start, end))
