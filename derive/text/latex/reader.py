"""LaTeX -> items: bounds first, then pylatexenc's `LatexWalker`, then a flat list of items.

The walker (a well-kept, pure-Python reader) finds macros with their arguments, groups and
comments; this module checks the input before it runs (length, nesting depth, the TeX
programming commands, balanced braces: each refused in microseconds, nothing expanded) and
turns its nodes into three kinds of item the grammar reads (to_tree.py):

    Tok(kind, text, start, end)    one character, a number, or a letter
    Group(items, start, end)       {...}
    Macro(name, args, start, end)  \\name with its arguments (each a list of items, or None)

and a `Cursor`, the grammar's position in a list of them (to_tree.py, environments.py), with what
the grammar asks of an item (`is_token`, `command_kind`, `text_of`).

`start`/`end` are offsets in the user's text (after `$...$` was blanked), so every error and
every syntax node points at what the user typed.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexCommentNode,
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexSpecialsNode,
    LatexWalker,
    LatexWalkerError,
)
from pylatexenc.macrospec import EnvironmentSpec, LatexContextDb, MacroSpec

from ...errors import LimitError, ParseError
from .commands import COMMANDS, HOSTILE


@dataclass
class Tok:
    kind: str  # "num", "letter", "char"
    text: str
    start: int
    end: int


@dataclass
class Group:
    items: list
    start: int
    end: int


@dataclass
class Environment:
    """\\begin{name} .. \\end{name}: its rows, each a list of cells (split at \\\\ and &), each a list of items."""
    name: str
    rows: list
    start: int = 0
    end: int = 0


@dataclass
class Macro:
    name: str
    args: list = field(default_factory=list)  # one list of items per argument (None: not given)
    start: int = 0
    end: int = 0


class Cursor:
    """A position in a list of items; blanks, `\\left`/`\\right` and the other sizers are skipped."""

    def __init__(self, items, end):
        self.items = items
        self.i = 0
        self.end = end  # offset of the end of this list (for "ends too early")

    def _skip(self):
        while self.i < len(self.items):
            item = self.items[self.i]
            kind = COMMANDS[item.name].kind if isinstance(item, Macro) and item.name in COMMANDS else None
            if kind == "space":
                self.i += 1
            elif kind == "sizer":
                self.i += 1
                nxt = self.items[self.i] if self.i < len(self.items) else None
                if isinstance(nxt, Tok) and nxt.text == ".":  # \left. : no delimiter
                    self.i += 1
            else:
                return

    def peek(self):
        self._skip()
        return self.items[self.i] if self.i < len(self.items) else None

    def next(self):
        item = self.peek()
        if item is not None:
            self.i += 1
        return item

    def raw_next(self):
        """The next item as it is (a script's argument: `x_\\top`, `x^2`)."""
        self._skip()
        return self.next()


def is_token(item, *texts):
    """`item` is the token of one of `texts` (a character, a number, a letter)."""
    return isinstance(item, Tok) and item.text in texts


def command_kind(item):
    """The kind of a command item (commands.COMMANDS; "unknown" for a command not there), else None."""
    if isinstance(item, Macro):
        command = COMMANDS.get(item.name)
        return command.kind if command else "unknown"
    return None


def text_of(items):
    """The letters and digits of a script or a font's argument (`ij`, `max`, `1`), or None."""
    out = []
    for item in items:
        if isinstance(item, Tok) and (item.kind in ("letter", "num") or item.text == ","):
            out.append(item.text)
        elif isinstance(item, Macro) and command_kind(item) == "name":
            out.append(COMMANDS[item.name].value)
        elif isinstance(item, Macro) and command_kind(item) == "space":
            continue
        else:
            return None
    return "".join(out)


_HOSTILE = re.compile(r"\\(" + "|".join(sorted(HOSTILE, key=len, reverse=True)) + r")(?![A-Za-z])")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_OPENERS, _CLOSERS = "{([", "})]"


def read(text, limits):
    """The items of `text` (math delimiters already blanked), or a ParseError / LimitError."""
    _check_hostile(text)
    _check_depth(text, limits)
    _check_braces(text)
    walker = LatexWalker(text, latex_context=_context(), tolerant_parsing=False)
    try:
        nodes, _, _ = walker.get_latex_nodes(parsing_state=walker.make_parsing_state(in_math_mode=True))
    except LatexWalkerError as exc:
        raise ParseError(_walker_message(exc), text, _walker_column(exc)) from None
    except RecursionError:
        raise LimitError("the formula is too deeply nested to read") from None
    return _items(nodes, text)


def _check_hostile(text):
    """TeX's programming commands (file access, macro definitions, catcodes) are never read,
    let alone run: the reader expands nothing, and these are refused before it starts."""
    found = _HOSTILE.search(text)
    if found:
        raise ParseError(f"\\{found.group(1)} is not allowed: derive reads formulas, not TeX programs",
                         text, found.start() + 1)


def _check_depth(text, limits):
    """Nesting beyond the grammar's depth is refused before the (recursive) reader runs."""
    depth = deepest = 0
    for i, ch in enumerate(text):
        if ch in _OPENERS and not _escaped(text, i):
            depth += 1
            if depth > limits.max_depth:
                raise LimitError(f"column {i + 1}: the formula nests deeper than {limits.max_depth} levels")
            deepest = max(deepest, depth)
        elif ch in _CLOSERS and not _escaped(text, i):
            depth = max(depth - 1, 0)


def _check_braces(text):
    """Braces must pair up (the walker's own messages do not say which brace)."""
    opened = []
    for i, ch in enumerate(text):
        if ch == "{" and not _escaped(text, i):
            opened.append(i)
        elif ch == "}" and not _escaped(text, i):
            if not opened:
                raise ParseError("'}' closes no '{'", text, i + 1)
            opened.pop()
    if opened:
        raise ParseError("this '{' is never closed with '}'", text, opened[-1] + 1)


def _escaped(text, i):
    backslashes = len(text[:i]) - len(text[:i].rstrip("\\"))
    return backslashes % 2 == 1


_CONTEXT = None


def _context():
    """The walker's table: our commands with their argument specs, nothing else known (an
    unknown macro takes no arguments and is refused by name later)."""
    global _CONTEXT
    if _CONTEXT is None:
        db = LatexContextDb()
        db.add_context_category("derive", macros=[MacroSpec(name, c.args) for name, c in COMMANDS.items() if c.args],
                                environments=[], specials=[])
        db.set_unknown_macro_spec(MacroSpec(""))
        db.set_unknown_environment_spec(EnvironmentSpec(""))
        _CONTEXT = db
    return _CONTEXT


def _walker_message(exc):
    message = getattr(exc, "msg", None) or str(exc).splitlines()[0]
    found = re.search(r'arguments of macro "(\w+)"', message)
    if found:
        name = found.group(1)
        spec = COMMANDS.get(name)
        return f"\\{name} needs {spec.describe_args() if spec else 'its arguments'}"
    return message.replace("Unexpected", "unexpected").rstrip(".")


def _walker_column(exc):
    pos = getattr(exc, "pos", None)
    return None if pos is None else pos + 1


def _items(nodes, text):
    items = []
    for node in nodes or ():
        items.extend(_item(node, text))
    return items


def _item(node, text):
    start, end = node.pos, node.pos + node.len
    if isinstance(node, LatexCharsNode):
        return list(_tokens(node.chars, start))
    if isinstance(node, LatexGroupNode):
        return [Group(_items(node.nodelist, text), start, end)]
    if isinstance(node, LatexMacroNode):
        args = []
        if node.nodeargd is not None:
            for arg in node.nodeargd.argnlist:
                if arg is None:
                    args.append(None)
                elif isinstance(arg, LatexGroupNode):
                    args.append(_items(arg.nodelist, text))
                else:
                    args.append(_item(arg, text))
        name_end = start + 1 + len(node.macroname)
        return [Macro(node.macroname, args, start, end if args else name_end)]
    if isinstance(node, LatexCommentNode):
        return []  # a % comment, as TeX reads it
    if isinstance(node, LatexEnvironmentNode):  # matrix, bmatrix, cases: read by to_tree (environments.py)
        return [Environment(node.environmentname, _rows(_items(node.nodelist, text)), start, end)]
    if isinstance(node, LatexMathNode):
        raise ParseError("math delimiters ($, \\(, \\[) may only surround the whole formula", text, start + 1)
    if isinstance(node, LatexSpecialsNode):
        return list(_tokens(node.specials_chars, start))
    raise ParseError(f"cannot read {text[start:end]!r}", text, start + 1)


def _rows(items):
    """Items split into rows at \\\\ and cells at & (a trailing \\\\ adds no row)."""
    rows, row, cell = [], [], []
    for item in items:
        if isinstance(item, Macro) and item.name == "\\":
            rows.append(row + [cell])
            row, cell = [], []
        elif isinstance(item, Tok) and item.text == "&":
            row.append(cell)
            cell = []
        else:
            cell.append(item)
    if cell or row:
        rows.append(row + [cell])
    return rows


def _tokens(chars, offset):
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch.isspace():
            i += 1
            continue
        number = _NUMBER.match(chars, i)
        if number:
            yield Tok("num", number.group(), offset + i, offset + number.end())
            i = number.end()
            continue
        if not ch.isascii():
            yield _unicode(ch, offset + i)
            i += 1
            continue
        kind = "letter" if ch.isalpha() else "char"
        yield Tok(kind, ch, offset + i, offset + i + 1)
        i += 1


# what text copied from a PDF or typed on a phone means: a minus, a dot, a cross, a prime
_UNICODE_CHARS = {"\u2212": "-", "\u2013": "-", "\u00b7": "*", "\u22c5": "*", "\u00d7": "*", "\u2032": "'"}
_UNICODE_COMMANDS = {"\u2264": "le", "\u2265": "ge", "\u2016": "|", "\u2207": "nabla", "\u2202": "partial",
                     "\u2211": "sum", "\u220f": "prod", "\u221a": "sqrt", "\u2299": "odot", "\u2297": "otimes"}


def _unicode(ch, start):
    """A Greek letter is its command (alpha is \\alpha); a few symbols are what they look like."""
    if ch in _UNICODE_COMMANDS:
        return Macro(_UNICODE_COMMANDS[ch], [], start, start + 1)
    if _UNICODE_CHARS.get(ch):
        return Tok("char", _UNICODE_CHARS[ch], start, start + 1)
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK ") and " LETTER " in name:
        letter = name.split(" LETTER ")[-1].lower().replace("lamda", "lambda").replace("final sigma", "sigma")
        command = letter.capitalize() if "CAPITAL" in name else letter
        if command in COMMANDS:
            return Macro(command, [], start, start + 1)
    return Tok("char", ch, start, start + 1)
