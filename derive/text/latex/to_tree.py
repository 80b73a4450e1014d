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
from ..functions import FUNCTIONS as TEXT_FUNCTIONS, MATRIX_FUNCTIONS
from ..vector_functions import VECTOR_FUNCTIONS
from . import nodes
from .commands import COMMANDS, OPERATOR_WORDS
from .detect import blank_delimiters
from .environments import read_environment
from .reader import Cursor, Environment, Group, Macro, Tok, read

DERIVATIVE_MESSAGE = ("is a derivative, not an expression: check a derivation with derive.check_derivation, "
                      "or differentiate with derive.gradient(f, wrt)")

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


def _is(item, *texts):
    return isinstance(item, Tok) and item.text in texts


def _kind(item):
    if isinstance(item, Macro):
        command = COMMANDS.get(item.name)
        return command.kind if command else "unknown"
    return None


def _start(node):
    return node._s


def _span(node, start, end):
    node._s, node._e = start, end
    return node


def _text_of(items):
    """The letters and digits of a script or a font's argument (`ij`, `max`, `1`), or None."""
    out = []
    for item in items:
        if isinstance(item, Tok) and (item.kind in ("letter", "num") or item.text == ","):
            out.append(item.text)
        elif isinstance(item, Macro) and _kind(item) == "name":
            out.append(COMMANDS[item.name].value)
        elif isinstance(item, Macro) and _kind(item) == "space":
            continue
        else:
            return None
    return "".join(out)


class _Reader:
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
        return _span(ast.Compare(left=left, ops=ops, comparators=comparators), left._s, comparators[-1]._e)

    def relation_op(self, cursor):
        item = cursor.peek()
        if isinstance(item, Macro) and _kind(item) == "relation":
            cursor.next()
            return COMMANDS[item.name].value
        if _is(item, "<", ">", "=", "!"):
            cursor.next()
            op = item.text
            if _is(cursor.peek(), "=") and op != "=":
                cursor.next()
                op += "="
            if op == "!":
                raise self.error("expected != ", item.start)
            return op
        return None

    def sum(self, cursor):
        left = self.product(cursor)
        while _is(cursor.peek(), "+", "-"):
            op = ast.Add() if cursor.next().text == "+" else ast.Sub()
            right = self.product(cursor)
            left = _span(ast.BinOp(left=left, op=op, right=right), left._s, right._e)
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
            left = _span(node, left._s, right._e)

    def product_op(self, item):
        if _is(item, "@"):
            return "@"
        if _is(item, "*"):
            return "cdot"
        if _is(item, "/"):
            return "/"
        kind = _kind(item)
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
        kind = _kind(item)
        if kind == "abs_bar":
            return not (self.bars and self.bars[-1] == "abs")
        if kind == "norm_bar":
            return not (self.bars and self.bars[-1] == "norm")
        return kind not in ("product", "entrywise", "divide", "relation", "space", "sizer", "close")

    def unary(self, cursor):
        item = cursor.peek()
        if _is(item, "-", "+"):
            cursor.next()
            operand = self.unary(cursor)
            op = ast.USub() if item.text == "-" else ast.UAdd()
            return _span(ast.UnaryOp(op=op, operand=operand), item.start, operand._e)
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
            if _is(item, "*") and _is(following, "*") and following.start == item.end:  # text's x**2
                cursor.next()
                cursor.next()
                exponent = self.unary(cursor)
                base = _span(nodes.Power(left=base, right=exponent), base._s, exponent._e)
            elif _is(item, ".") and _is(following, "T") and following.start == item.end:  # text's x.T
                cursor.next()
                cursor.next()
                base = _span(nodes.Transposed(value=base), base._s, following.end)
            elif _is(item, "'"):
                cursor.next()
                base = _span(nodes.Transposed(value=base), base._s, item.end)
            elif _is(item, "!"):
                cursor.next()
                base = _span(_call("factorial", [base]), base._s, item.end)
            else:
                return base

    def scripts(self, cursor):
        """The `_` and `^` that follow (each at most once, in either order): {"_": (items, start,
        end), "^": ...}."""
        found = {}
        while _is(cursor.peek(), "_", "^") and cursor.peek().text not in found:
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
        return _PRIMARY[command.kind](self, item, command, cursor)

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
            return _span(ast.Constant(value=value), item.start, item.end)
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
        if not _is(item, closing) and not (closing == ")" and _kind(item) == "close"):
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
        if len(run) > 1 and (self.declared(word) or (word in _TEXT_CALLS and _is(after, "("))):
            cursor.i += len(run) - 1
            name = _span(ast.Name(id=word, ctx=ast.Load()), item.start, run[-1].end)
        else:
            name = _span(ast.Name(id=item.text, ctx=ast.Load()), item.start, item.end)
        return self.maybe_call(name, cursor)

    def maybe_call(self, name, cursor):
        """f(x) for a declared function f or a function word; other names are values."""
        function = isinstance(self.namespace.names.get(name.id), UndefinedFunction)
        callable_ = function or (name.id in _TEXT_CALLS and not self.declared(name.id))
        if function and _is(cursor.peek(), "'"):  # g'(u), g''(u): the derivative of a declared function
            return self.primed(name, cursor)
        if callable_ and _is(cursor.peek(), "("):
            return self.call(name.id, name._s, cursor)
        return self.value_of(name)

    def primed(self, name, cursor):
        order = 0
        while _is(cursor.peek(), "'"):
            cursor.next()
            order += 1
        if not _is(cursor.peek(), "("):
            where = cursor.peek().start if cursor.peek() is not None else cursor.end
            raise self.error(f"{name.id}{chr(39) * order} is a derivative: write it at a point, "
                             f"{name.id}{chr(39) * order}(u)", where)
        call = self.call(name.id, name._s, cursor)
        return _span(nodes.Primed(call=call, order=order), call._s, call._e)

    def value_of(self, name):
        """A summation index used as a value counts from 1 (\\sum_{i=1}^{n} i is n(n+1)/2)."""
        offset = self.bound.get(name.id, 0)
        if not offset:
            return name
        one = _span(ast.Constant(value=offset), name._s, name._e)
        return _span(ast.BinOp(left=name, op=ast.Add(), right=one), name._s, name._e)

    def call(self, fn, start, cursor, power=None):
        """fn(a, b) with parentheses, fn{a}, or fn followed by a product written side by side
        (\\log \\det A, \\exp x_i)."""
        item = cursor.peek()
        if _is(item, "("):
            cursor.next()
            args = [self.sum(cursor)]
            while _is(cursor.peek(), ","):
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
        node = _span(_call(fn, args), start, end)
        if power is not None:
            node = _span(nodes.Power(left=node, right=power), start, end)
        return node

    def bars_of(self, kind, opening, cursor):
        self.bars.append(kind)
        try:
            inner = self.sum(cursor)
        finally:
            self.bars.pop()
        closing = cursor.next()
        closes = _is(closing, "|") or _kind(closing) == "abs_bar" if kind == "abs" else _kind(closing) == "norm_bar"
        if not closes:
            where = closing.start if closing is not None else cursor.end
            bar = "|" if kind == "abs" else "\\|"
            raise self.error(f"expected a closing {bar} for the {bar} of column {opening.start + 1}", where)
        if kind == "abs":
            return _span(nodes.Bars(value=inner), opening.start, closing.end)
        norm = _span(nodes.Norm(value=inner), opening.start, closing.end)
        norm.kind = "2"
        if _is(cursor.peek(), "_"):  # \|x\|_2, \|A\|_F, \|x\|_1
            mark = cursor.next()
            arg = cursor.raw_next()
            words = _text_of(arg.items if isinstance(arg, Group) else [arg]) if arg is not None else None
            if words not in ("2", "F", "1"):
                raise self.error("a norm's subscript is 2, F or 1 (\\|x\\|_2, \\|A\\|_F, \\|x\\|_1)", mark.start)
            norm.kind = words
            norm._e = arg.end
        return norm

    # -- commands ----------------------------------------------------------------
    def name_command(self, item, command, cursor):
        return self.maybe_call(_span(ast.Name(id=command.value, ctx=ast.Load()), item.start, item.end), cursor)

    def sigma(self, item, command, cursor):
        """\\sigma(z) is the sigmoid; \\sigma alone (or declared) is the name sigma."""
        if _is(cursor.peek(), "(") and not self.declared("sigma"):
            return self.call("sigmoid", item.start, cursor)
        return self.value_of(_span(ast.Name(id="sigma", ctx=ast.Load()), item.start, item.end))

    def function(self, item, command, cursor, fn=None):
        fn = fn or command.value
        scripts = self.scripts(cursor)
        power = None
        if "_" in scripts:
            items, start, end = scripts["_"]
            if fn != "log":
                raise self.error(f"\\{item.name} with a subscript is not supported", start)
            base = self.sub_expression(items, end)
            node = self.call("log", item.start, cursor)
            node.args.append(base)
            return node
        if "^" in scripts:
            items, start, end = scripts["^"]
            power = self.sub_expression(items, end)
            if isinstance(power, ast.UnaryOp):
                raise self.error(f"\\{item.name}^{{-1}} is ambiguous (an inverse function or 1/{fn}): write "
                                 f"the function out", start)
        return self.call(fn, item.start, cursor, power)

    def fraction(self, item, command, cursor):
        numerator, denominator = item.args
        if numerator is None or denominator is None:
            raise self.error(f"\\{item.name} needs two arguments {{..}}{{..}}", item.start)
        if _is_differential(numerator) and _is_differential(denominator):
            raise self.error(f"{self.source[item.start:item.end].strip()} {DERIVATIVE_MESSAGE}", item.start)
        top = self.sub_expression(numerator, item.end)
        bottom = self.sub_expression(denominator, item.end)
        return _span(ast.BinOp(left=top, op=ast.Div(), right=bottom), item.start, item.end)

    def root(self, item, command, cursor):
        degree, body = item.args
        if body is None:
            raise self.error("\\sqrt needs an argument {..}", item.start)
        value = self.sub_expression(body, item.end)
        if degree is None:
            return _span(_call("sqrt", [value]), item.start, item.end)
        n = self.sub_expression(degree, item.end)
        one = _span(ast.Constant(value=1), item.start, item.end)
        exponent = _span(ast.BinOp(left=one, op=ast.Div(), right=n), item.start, item.end)
        return _span(nodes.Power(left=value, right=exponent), item.start, item.end)

    def font(self, item, command, cursor):
        """\\mathbf{x}, \\boldsymbol\\theta, \\vec{x}, \\bm{x}: the name; \\mathbf{1} the ones vector."""
        content = item.args[0] or []
        word = _text_of(content)
        if word == "1":
            return _span(nodes.Ones(), item.start, item.end)
        if word == "I" and not self.declared("I"):
            return self.name_command(item, type(command)("name", "I"), cursor)
        if not word or not word.isidentifier():
            if item.name in ("mathbb", "mathcal") and word:
                raise self.error(f"\\{item.name}{{{word}}} is not supported", item.start)
            raise self.error(f"\\{item.name}{{..}} takes a name here (\\{item.name}{{x}})", item.start)
        if item.name in ("mathbb",) and word in ("E", "R", "P", "N", "Z"):
            raise self.error(f"\\mathbb{{{word}}} is not supported", item.start)
        return self.name_command(item, type(command)("name", word), cursor)

    def word(self, item, command, cursor):
        """\\operatorname{tr}, \\mathrm{tr}, \\text{softmax}: a function; \\mathrm{x} the name x."""
        word = _text_of(item.args[0] or [])
        if not word:
            raise self.error(f"\\{item.name}{{..}} takes a word here", item.start)
        if word == "d":
            raise self.error(f"\\{item.name}{{d}} (a differential) {DERIVATIVE_MESSAGE}", item.start)
        if word in OPERATOR_WORDS:
            fn = OPERATOR_WORDS[word]
            if fn is None:
                raise self.error(f"\\{item.name}{{{word}}} is not supported", item.start)
            return self.function(item, type(command)("function", fn), cursor)
        if not word.isidentifier():
            raise self.error(f"\\{item.name}{{{word}}} is not a name", item.start)
        return self.name_command(item, type(command)("name", word), cursor)

    def accent(self, item, command, cursor):
        """\\hat{y} is the name y_hat, \\bar{x} x_bar."""
        word = _text_of(item.args[0] or [])
        if not word or not word.isidentifier():
            raise self.error(f"\\{item.name}{{..}} takes a name here", item.start)
        return self.name_command(item, type(command)("name", f"{word}_{command.value}"), cursor)

    def norm_bar(self, item, command, cursor):
        return self.bars_of("norm", item, cursor)

    def abs_bar(self, item, command, cursor):
        return self.bars_of("abs", item, cursor)

    def big_operator(self, item, command, cursor):
        """\\sum_{i=1}^{N} body, \\sum_i body, \\sum_{i,j} body, \\prod_{i=1}^{N} body; the body is
        the product that follows (\\sum_i x_i y_i + c adds c once)."""
        scripts = self.scripts(cursor)
        what = "\\" + item.name
        if "_" not in scripts:
            if "^" in scripts:
                raise self.error(f"{what} with an upper bound needs its index: {what}_{{i=1}}^{{N}}", item.start)
            if command.kind == "big_prod":
                raise self.error("\\prod needs its index and bounds: \\prod_{i=1}^{N}", item.start)
            body = self.product(cursor)  # \sum v: the sum of a vector's entries
            return _span(_call("sum", [body]), item.start, body._e)
        items, start, end = scripts["_"]
        indices, lower = _split_lower(items)
        if not indices or not all(i.isidentifier() for i in indices):
            raise self.error(f"{what}_{{..}} names its index: {what}_{{i=1}}^{{N}} or {what}_i", start)
        if (lower is None) != ("^" not in scripts) or (lower is not None and len(indices) != 1):
            raise self.error(f"{what} with bounds takes one index and both bounds: {what}_{{i=1}}^{{N}}", start)
        lo = self.sub_expression(lower, end) if lower is not None else None
        offset = 0 if isinstance(lo, ast.Constant) and lo.value == 0 else 1
        saved = dict(self.bound)
        self.bound.update({i: offset for i in indices})
        try:
            body = self.product(cursor)
        finally:
            self.bound = saved
        index_nodes = [_span(ast.Name(id=i, ctx=ast.Load()), start, end) for i in indices]
        if lo is None:
            if command.kind == "big_prod":
                raise self.error("\\prod needs its bounds: \\prod_{i=1}^{N}", item.start)
            return _span(_call("sum", [body] + index_nodes), item.start, body._e)
        self.in_bounds = True  # n_{c} in a bound is the size n_c, not an entry of n (to_tree.subscript)
        try:
            hi = self.sub_expression(scripts["^"][0], scripts["^"][2])
        finally:
            self.in_bounds = False
        lo, hi = (_shifted(b, offset) for b in (lo, hi))
        if command.kind == "big_prod":
            return _span(nodes.Product(body=body, index=index_nodes[0], lo=lo, hi=hi), item.start, body._e)
        limits = _span(ast.Tuple(elts=[index_nodes[0], lo, hi], ctx=ast.Load()), start, scripts["^"][2])
        return _span(_call("sum", [body, limits]), item.start, body._e)

    def refused(self, item, command, cursor):
        raise self.error(command.value, item.start)

    def derivative(self, item, command, cursor):
        raise self.error(f"\\{item.name} {DERIVATIVE_MESSAGE}", item.start)

    def misplaced(self, item, command, cursor):
        hints = {"transpose": f"\\{item.name} is a transpose: write it as a superscript, x^\\{item.name}",
                 "relation": f"\\{item.name} compares: only a constraint may (a \\le b)",
                 "prime": "\\prime is a transpose here: write it as a superscript, x^\\prime"}
        message = hints.get(command.kind, f"\\{item.name} needs something on its left")
        raise self.error(message, item.start)

    def open_command(self, item, command, cursor):
        node = self.sum(cursor)
        self.expect(cursor, ")", Tok("char", "(", item.start, item.end))
        return node

    # -- scripts ------------------------------------------------------------------
    def sub_expression(self, items, end):
        inner = Cursor(items, end)
        if inner.peek() is None:
            raise self.error("empty braces {}", end - 1)
        node = self.sum(inner)
        self.expect_end(inner)
        return node

    def with_scripts(self, base, scripts):
        if "_" in scripts:
            base = self.subscript(base, *scripts["_"])
        if "^" in scripts:
            base = self.superscript(base, *scripts["^"])
        return base

    def superscript(self, base, items, start, end):
        if _is_transpose(items, self):
            return _span(nodes.Transposed(value=base), base._s, end)
        if _is_inverse(items):
            return _span(nodes.Inverted(value=base), base._s, end)
        if items and isinstance(items[0], Macro) and items[0].name == "circ":  # x^{\circ 2}: entry by entry
            exponent = self.sub_expression(items[1:], end)
            return _span(ast.BinOp(left=base, op=ast.Pow(), right=exponent), base._s, end)
        if len(items) == 2 and _is(items[0], "-") and _is_transpose(items[1:], self):
            inverse = _span(nodes.Inverted(value=base), base._s, end)
            return _span(nodes.Transposed(value=inverse), base._s, end)
        sample = _sample_index(items)
        if sample is not None and isinstance(base, ast.Name):  # x^{(i)}: sample i
            return self.entry_of_sample(base, sample, end)
        exponent = self.sub_expression(items, end)
        if isinstance(base, ast.Name) and base.id == "e" and not self.declared("e"):
            return _span(_call("exp", [exponent]), base._s, end)
        return _span(nodes.Power(left=base, right=exponent), base._s, end)

    def entry_of_sample(self, base, index_item, end):
        index = _span(ast.Name(id=index_item.text, ctx=ast.Load()), index_item.start, index_item.end) \
            if index_item.kind == "letter" else self.entry_number(index_item)
        matrix = self.matrix_of_rows(base.id)
        if matrix is not None:
            row = nodes.Row(matrix=_span(ast.Name(id=matrix, ctx=ast.Load()), base._s, base._e), index=index)
            return _span(row, base._s, end)
        return _span(ast.Subscript(value=base, slice=index, ctx=ast.Load()), base._s, end)

    def entry_number(self, tok):
        """Entries count from 1 in LaTeX: x_1 is derive's x[0]."""
        value = int(tok.text)
        if value < 1:
            raise self.error(f"entries count from 1 in LaTeX (x_1 is the first): {tok.text} is not an entry",
                             tok.start)
        return _span(ast.Constant(value=value - 1), tok.start, tok.end)

    def subscript(self, base, items, start, end):
        if isinstance(base, nodes.Ones):  # \mathbf{1}_n
            size = self.size_argument(items, start, end)
            return _span(_call("ones", [size]), base._s, end)
        if isinstance(base, ast.Name) and base.id == "I" and not self.declared("I"):  # I_n
            size = self.size_argument(items, start, end)
            return _span(_call("eye", [size]), base._s, end)
        if isinstance(base, ast.BinOp) and isinstance(base.left, ast.Name) and base.left.id in self.bound:
            base = base.left  # i_k: i is a name here, not a value
        if not isinstance(base, ast.Name):  # softmax(z)_c, (Xw)_i
            indices = self.indices(items, start, end, two_digits=False)
            return _span(ast.Subscript(value=base, slice=_index_slice(indices), ctx=ast.Load()), base._s, end)
        name = base.id
        if name == "delta" and not self.declared("delta"):  # \delta_{ij}: the Kronecker delta
            indices = self.indices(items, start, end, two_digits=False)
            if len(indices) == 2:
                return _span(_call("delta", indices), base._s, end)
        matrix = self.matrix_of_rows(name)
        words = _text_of(items)
        simple = words is not None and "," not in words
        if (name in self.bound or getattr(self, "in_bounds", False)) and simple and not self.is_array(name):
            # n_c inside \sum_n, or in a sum's upper bound (\sum_{a=1}^{n_{c}}): a size's name
            self.named.add(name)
            return _span(ast.Name(id=f"{name}_{words}", ctx=ast.Load()), base._s, end)
        summed = simple and any(ch in self.bound for ch in words) or (
            words is not None and any(w in self.bound for w in words.split(",")))
        if matrix is not None and simple and len(words) == 1 and (summed or words.isalpha()):
            index = self.indices(items, start, end, two_digits=False)[0]
            return _span(nodes.Row(matrix=_span(ast.Name(id=matrix, ctx=ast.Load()), base._s, base._e),
                                   index=index), base._s, end)
        if self.is_array(name) or summed or not simple:
            matrix_symbol = self.namespace.names.get(name)
            two_d = isinstance(matrix_symbol, MatrixSymbol) and matrix_symbol.shape[1] != 1
            indices = self.indices(items, start, end, two_digits=two_d)
            self.indexed.add(name)
            return _span(ast.Subscript(value=base, slice=_index_slice(indices), ctx=ast.Load()), base._s, end)
        self.named.add(name)
        return self.value_of(_span(ast.Name(id=f"{name}_{words}", ctx=ast.Load()), base._s, end))

    def indices(self, items, start, end, two_digits):
        """The indices of a subscript: `i`, `ij` (two), `i,j`, `i+1`, `12` (two of a matrix)."""
        parts, current = [], []
        for item in items:
            if _is(item, ","):
                parts.append(current)
                current = []
            else:
                current.append(item)
        parts.append(current)
        if len(parts) == 1 and all(isinstance(t, Tok) and t.kind in ("letter", "num") for t in items):
            if all(t.kind == "letter" for t in items) or (two_digits and len(items) == 1 and len(items[0].text) == 2):
                singles = []
                for t in items:
                    for k, ch in enumerate(t.text):
                        singles.append(Tok(t.kind, ch, t.start + k, t.start + k + 1))
                parts = [[t] for t in singles]
        result = []
        for part in parts:
            if not part:
                raise self.error("an empty index", start)
            if len(part) == 1 and isinstance(part[0], Tok) and part[0].kind == "num":
                result.append(self.entry_number(part[0]))
                continue
            saved, self.bound = self.bound, {}  # inside a subscript an index is a position, not a value
            try:
                result.append(self.sub_expression(part, end))
            finally:
                self.bound = saved
        return result

    def size_argument(self, items, start, end):
        words = _text_of(items)
        if not words or not (words.isdigit() or words.isidentifier()):
            raise self.error("a size is a number or a size name (I_n, \\mathbf{1}_n)", start)
        if words.isdigit():
            return _span(ast.Constant(value=int(words)), start, end)
        return _span(ast.Name(id=words, ctx=ast.Load()), start, end)


_PRIMARY = {
    "name": _Reader.name_command,
    "sigma": _Reader.sigma,
    "function": _Reader.function,
    "fraction": _Reader.fraction,
    "root": _Reader.root,
    "font": _Reader.font,
    "word": _Reader.word,
    "accent": _Reader.accent,
    "norm_bar": _Reader.norm_bar,
    "abs_bar": _Reader.abs_bar,
    "big_sum": _Reader.big_operator,
    "big_prod": _Reader.big_operator,
    "refused": _Reader.refused,
    "derivative": _Reader.derivative,
    "open": _Reader.open_command,
    "transpose": _Reader.misplaced,
    "prime": _Reader.misplaced,
    "relation": _Reader.misplaced,
    "product": _Reader.misplaced,
    "entrywise": _Reader.misplaced,
    "divide": _Reader.misplaced,
    "close": _Reader.misplaced,
    "space": _Reader.misplaced,
    "sizer": _Reader.misplaced,
}


def _call(fn, args):
    return ast.Call(func=ast.Name(id=fn, ctx=ast.Load()), args=list(args), keywords=[])


def _index_slice(indices):
    return indices[0] if len(indices) == 1 else ast.Tuple(elts=indices, ctx=ast.Load())


def _shifted(bound, offset):
    """A LaTeX bound counted from 1 as derive's (from 0)."""
    if not offset:
        return bound
    if isinstance(bound, ast.Constant) and isinstance(bound.value, int):
        return _span(ast.Constant(value=bound.value - offset), bound._s, bound._e)
    one = _span(ast.Constant(value=offset), bound._s, bound._e)
    return _span(ast.BinOp(left=bound, op=ast.Sub(), right=one), bound._s, bound._e)


def _split_lower(items):
    """`i=1` -> (["i"], [1]); `i,j` or `ij` -> (["i", "j"], None)."""
    for k, item in enumerate(items):
        if _is(item, "="):
            names = _text_of(items[:k])
            return ([names] if names else []), items[k + 1:]
    words = _text_of(items)
    if words is None:
        return [], None
    if "," in words:
        return [w for w in words.split(",") if w], None
    return (list(words) if all(len(t.text) == 1 for t in items if isinstance(t, Tok)) and
            not any(isinstance(t, Macro) for t in items) else [words]), None


def _is_transpose(items, reader):
    if len(items) != 1:
        return False
    item = items[0]
    if _is(item, "T", "'") and not reader.declared("T"):
        return True
    if isinstance(item, Macro):
        if _kind(item) in ("transpose", "prime"):
            return True
        if item.name in ("mathsf", "mathrm", "mathbf", "text", "mathit", "textsf") and item.args:
            return _text_of(item.args[0] or []) == "T"
    return False


def _is_inverse(items):
    return len(items) == 2 and _is(items[0], "-") and _is(items[1], "1")


def _sample_index(items):
    """x^{(i)}: the index token, else None."""
    if len(items) == 3 and _is(items[0], "(") and _is(items[2], ")") and isinstance(items[1], Tok) \
            and items[1].kind in ("letter", "num"):
        return items[1]
    return None


def _is_differential(items):
    """d, dx, \\partial L, \\partial^2 f, \\mathrm{d}x: one side of a derivative's fraction."""
    if not items:
        return False
    first = items[0]
    if isinstance(first, Macro) and first.name in ("partial", "nabla"):
        return True
    if isinstance(first, Macro) and first.name == "mathrm" and _text_of(first.args[0] or []) == "d":
        return True
    if not _is(first, "d"):
        return False
    if len(items) == 1:
        return True  # the d of d/dx
    second = items[1]
    return (isinstance(second, Tok) and (second.kind == "letter" or second.text == "^")) or \
        (isinstance(second, Macro) and _kind(second) in ("name", "sigma", "font")) or isinstance(second, Group)


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
