"""What each kind of command in commands.COMMANDS reads into: one method per kind, mixed into
to_tree's reader, and the table `PRIMARY` (kind -> method) by which a primary dispatches.

    \\frac{a}{b}, \\sqrt[n]{x}              a quotient, a root (a derivative's fraction is refused)
    \\mathbf{x}, \\operatorname{tr}, \\hat{y}  a name, a function word, y_hat
    \\sum_{i=1}^{N} body, \\prod_{i=1}^{N}    a sum (counted from 1, as derive's from 0), a product
    \\log_b x, \\sin^2 x, \\sigma(z)           functions, with a base or a power
    \\partial, \\nabla, a misplaced ^T        refused, with what to write
"""

import ast

from . import nodes
from .commands import OPERATOR_WORDS
from .nodes import call_node, span
from .reader import Group, Macro, Tok, command_kind, is_token, text_of

DERIVATIVE_MESSAGE = ("is a derivative, not an expression: check a derivation with derive.check_derivation, "
                      "or differentiate with derive.gradient(f, wrt)")


class CommandsMixin:
    """The reader's commands (its levels, errors and `call`, `bars_of` are to_tree._Reader's)."""

    def name_command(self, item, command, cursor):
        return self.maybe_call(span(ast.Name(id=command.value, ctx=ast.Load()), item.start, item.end), cursor)

    def sigma(self, item, command, cursor):
        """\\sigma(z) is the sigmoid; \\sigma alone (or declared) is the name sigma."""
        if is_token(cursor.peek(), "(") and not self.declared("sigma"):
            return self.call("sigmoid", item.start, cursor)
        return self.value_of(span(ast.Name(id="sigma", ctx=ast.Load()), item.start, item.end))

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
        return span(ast.BinOp(left=top, op=ast.Div(), right=bottom), item.start, item.end)

    def root(self, item, command, cursor):
        degree, body = item.args
        if body is None:
            raise self.error("\\sqrt needs an argument {..}", item.start)
        value = self.sub_expression(body, item.end)
        if degree is None:
            return span(call_node("sqrt", [value]), item.start, item.end)
        n = self.sub_expression(degree, item.end)
        one = span(ast.Constant(value=1), item.start, item.end)
        exponent = span(ast.BinOp(left=one, op=ast.Div(), right=n), item.start, item.end)
        return span(nodes.Power(left=value, right=exponent), item.start, item.end)

    def font(self, item, command, cursor):
        """\\mathbf{x}, \\boldsymbol\\theta, \\vec{x}, \\bm{x}: the name; \\mathbf{1} the ones vector."""
        content = item.args[0] or []
        word = text_of(content)
        if word == "1":
            return span(nodes.Ones(), item.start, item.end)
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
        word = text_of(item.args[0] or [])
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
        word = text_of(item.args[0] or [])
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
            return span(call_node("sum", [body]), item.start, body._e)
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
        index_nodes = [span(ast.Name(id=i, ctx=ast.Load()), start, end) for i in indices]
        if lo is None:
            if command.kind == "big_prod":
                raise self.error("\\prod needs its bounds: \\prod_{i=1}^{N}", item.start)
            return span(call_node("sum", [body] + index_nodes), item.start, body._e)
        self.in_bounds = True  # n_{c} in a bound is the size n_c, not an entry of n (to_tree.subscript)
        try:
            hi = self.sub_expression(scripts["^"][0], scripts["^"][2])
        finally:
            self.in_bounds = False
        lo, hi = (_shifted(b, offset) for b in (lo, hi))
        if command.kind == "big_prod":
            return span(nodes.Product(body=body, index=index_nodes[0], lo=lo, hi=hi), item.start, body._e)
        limits = span(ast.Tuple(elts=[index_nodes[0], lo, hi], ctx=ast.Load()), start, scripts["^"][2])
        return span(call_node("sum", [body, limits]), item.start, body._e)

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


PRIMARY = {
    "name": CommandsMixin.name_command,
    "sigma": CommandsMixin.sigma,
    "function": CommandsMixin.function,
    "fraction": CommandsMixin.fraction,
    "root": CommandsMixin.root,
    "font": CommandsMixin.font,
    "word": CommandsMixin.word,
    "accent": CommandsMixin.accent,
    "norm_bar": CommandsMixin.norm_bar,
    "abs_bar": CommandsMixin.abs_bar,
    "big_sum": CommandsMixin.big_operator,
    "big_prod": CommandsMixin.big_operator,
    "refused": CommandsMixin.refused,
    "derivative": CommandsMixin.derivative,
    "open": CommandsMixin.open_command,
    "transpose": CommandsMixin.misplaced,
    "prime": CommandsMixin.misplaced,
    "relation": CommandsMixin.misplaced,
    "product": CommandsMixin.misplaced,
    "entrywise": CommandsMixin.misplaced,
    "divide": CommandsMixin.misplaced,
    "close": CommandsMixin.misplaced,
    "space": CommandsMixin.misplaced,
    "sizer": CommandsMixin.misplaced,
}


def _shifted(bound, offset):
    """A LaTeX bound counted from 1 as derive's (from 0)."""
    if not offset:
        return bound
    if isinstance(bound, ast.Constant) and isinstance(bound.value, int):
        return span(ast.Constant(value=bound.value - offset), bound._s, bound._e)
    one = span(ast.Constant(value=offset), bound._s, bound._e)
    return span(ast.BinOp(left=bound, op=ast.Sub(), right=one), bound._s, bound._e)


def _split_lower(items):
    """`i=1` -> (["i"], [1]); `i,j` or `ij` -> (["i", "j"], None)."""
    for k, item in enumerate(items):
        if is_token(item, "="):
            names = text_of(items[:k])
            return ([names] if names else []), items[k + 1:]
    words = text_of(items)
    if words is None:
        return [], None
    if "," in words:
        return [w for w in words.split(",") if w], None
    return (list(words) if all(len(t.text) == 1 for t in items if isinstance(t, Tok)) and
            not any(isinstance(t, Macro) for t in items) else [words]), None


def _is_differential(items):
    """d, dx, \\partial L, \\partial^2 f, \\mathrm{d}x: one side of a derivative's fraction."""
    if not items:
        return False
    first = items[0]
    if isinstance(first, Macro) and first.name in ("partial", "nabla"):
        return True
    if isinstance(first, Macro) and first.name == "mathrm" and text_of(first.args[0] or []) == "d":
        return True
    if not is_token(first, "d"):
        return False
    if len(items) == 1:
        return True  # the d of d/dx
    second = items[1]
    return (isinstance(second, Tok) and (second.kind == "letter" or second.text == "^")) or \
        (isinstance(second, Macro) and command_kind(second) in ("name", "sigma", "font")) or isinstance(second, Group)
