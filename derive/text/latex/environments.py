"""\\begin{..} .. \\end{..} in a formula: explicit arrays and pieces, as derive's grammar writes them.

    bmatrix, pmatrix, matrix, Bmatrix   [[a, b], [c, d]]; one column is a vector [a, b]
    cases                               where(c1, e1, where(c2, e2, e3)): rows "e & \\text{for} c"
                                        (or \\text{if}, a comma, nothing), "e & \\text{otherwise}" last

Conditions are comparisons joined by \\wedge / \\land / \\text{and} and \\vee / \\lor / \\text{or}
(and binds first).  Students write vectors as matrices, and SymPy prints a result's explicit
matrix and piecewise so: both read back.
"""

import ast

from .commands import COMMANDS
from .reader import Cursor, Macro, Tok

MATRICES = ("matrix", "bmatrix", "pmatrix", "Bmatrix", "smallmatrix")
CASES = ("cases", "dcases")

_AND, _OR = ("wedge", "land"), ("vee", "lor")
_LEADING_WORDS = ("for", "if", "when", "where")
_DEFAULT_WORDS = ("otherwise", "else")


def read_environment(reader, env):
    """The syntax tree of `env` (reader: to_tree's _Reader, for its levels and errors)."""
    rule = next((build for names, build in _RULES if env.name in names), None)
    if rule is None:
        raise reader.error(f"\\begin{{{env.name}}} is not supported inside a formula (bmatrix, pmatrix, matrix "
                           "and cases are)", env.start)
    return rule(reader, env)


def _span(node, env):
    node._s, node._e = env.start, env.end
    return node


def _matrix(reader, env):
    rows = [[reader.sub_expression(cell, env.end) for cell in row] for row in env.rows]
    if not rows:
        raise reader.error(f"an empty \\begin{{{env.name}}}", env.start)
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise reader.error(f"the rows of this \\begin{{{env.name}}} have different lengths: {sorted(widths)}",
                           env.start)
    if widths == {1}:  # one column: a vector, as [a, b] in text
        return _span(ast.List(elts=[row[0] for row in rows], ctx=ast.Load()), env)
    return _span(ast.List(elts=[_span(ast.List(elts=row, ctx=ast.Load()), env) for row in rows],
                          ctx=ast.Load()), env)


def _cases(reader, env):
    pieces, default = [], None
    for row in env.rows:
        if len(row) != 2:
            raise reader.error("each row of \\begin{cases} is 'value & condition' (or '& \\text{otherwise}')",
                               env.start)
        value_items, condition_items = row
        while value_items and isinstance(value_items[-1], Tok) and value_items[-1].text == ",":
            value_items = value_items[:-1]  # "x, & x > 0"
        value = reader.sub_expression(value_items, env.end)
        condition_items = _without_leading_words(condition_items)
        if _is_default(condition_items):
            if default is not None or row is not env.rows[-1]:
                raise reader.error("\\text{otherwise} is the last row of \\begin{cases}", env.start)
            default = value
            continue
        pieces.append((_condition(reader, condition_items, env), value))
    if default is None:
        raise reader.error("\\begin{cases} needs a last row '.. & \\text{otherwise}': derive gives every point "
                           "a value", env.start)
    out = default
    for condition, value in reversed(pieces):
        out = _span(ast.Call(func=_span(ast.Name(id="where", ctx=ast.Load()), env),
                             args=[condition, value, out], keywords=[]), env)
    return out


def _word(item):
    """The word of \\text{for}, \\mathrm{if}, ... (None for any other item)."""
    if isinstance(item, Macro) and COMMANDS.get(item.name) is not None and COMMANDS[item.name].kind == "word" \
            and item.args and item.args[0]:
        return "".join(t.text for t in item.args[0] if isinstance(t, Tok)).strip()
    return None


def _is_space(item):
    return isinstance(item, Macro) and COMMANDS.get(item.name) is not None and COMMANDS[item.name].kind == "space"


def _without_leading_words(items):
    k = 0
    while k < len(items) and (_is_space(items[k]) or _word(items[k]) in _LEADING_WORDS
                              or (isinstance(items[k], Tok) and items[k].text == ",")):
        k += 1
    return items[k:]


def _is_default(items):
    words = [i for i in items if not _is_space(i)]
    return len(words) == 1 and _word(words[0]) in _DEFAULT_WORDS


def _split(items, names, words):
    parts, current = [], []
    for item in items:
        if (isinstance(item, Macro) and item.name in names) or _word(item) in words:
            parts.append(current)
            current = []
        else:
            current.append(item)
    return parts + [current]


def _condition(reader, items, env):
    """c1 \\wedge c2 \\vee c3 as BoolOps of comparisons (and binds first)."""
    def comparison(part):
        if not part:
            raise reader.error("an empty condition in \\begin{cases}", env.start)
        cursor = Cursor(part, env.end)
        node = reader.relation(cursor)
        reader.expect_end(cursor)
        if not isinstance(node, ast.Compare):
            raise reader.error("a condition in \\begin{cases} compares (x > 0, x \\le 1)", node._s)
        return node

    def joined(op, values):
        return values[0] if len(values) == 1 else _span(ast.BoolOp(op=op, values=values), env)

    return joined(ast.Or(), [joined(ast.And(), [comparison(p) for p in _split(group, _AND, ("and",))])
                             for group in _split(items, _OR, ("or",))])


_RULES = ((MATRICES, _matrix), (CASES, _cases))
