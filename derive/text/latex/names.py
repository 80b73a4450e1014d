"""Variables named in LaTeX (a `wrt` such as "\\mu, \\mathbf{w}", "\\boldsymbol\\theta", "w_1") as
derive's names ("mu", "w", "theta", "w_1"), so that they mean what the same names mean in f."""

from ...errors import ParseError
from ..budgets import DEFAULT_LIMITS
from .commands import COMMANDS
from .detect import blank_delimiters
from .reader import Group, Macro, Tok, read


def wrt_names(text):
    """The names in `text`, in order: separated by commas, semicolons or blanks."""
    source = blank_delimiters(text)
    items = read(source, DEFAULT_LIMITS)
    names, i = [], 0
    while i < len(items):
        item = items[i]
        if isinstance(item, Tok) and item.text in ",;":
            i += 1
            continue
        name, i = _name(items, i, source)
        names.append(name)
    return names


def _name(items, i, source):
    item = items[i]
    start = item.start
    if isinstance(item, Tok) and item.kind == "letter":
        end = i + 1
        while end < len(items) and isinstance(items[end], Tok) and items[end].kind == "letter" \
                and items[end].start == items[end - 1].end:
            end += 1
        name, i = "".join(t.text for t in items[i:end]), end
    elif isinstance(item, Macro) and _kind(item) in ("name", "sigma"):
        name, i = COMMANDS[item.name].value, i + 1
    elif isinstance(item, Macro) and _kind(item) in ("font", "word", "accent"):
        inner, _ = _name(item.args[0] or [], 0, source) if item.args and item.args[0] else (None, 0)
        if inner is None:
            raise ParseError(f"\\{item.name}{{..}} should wrap a name", source, start + 1)
        name = f"{inner}_{COMMANDS[item.name].value}" if _kind(item) == "accent" else inner
        i += 1
    else:
        raise ParseError(f"expected a variable's name, found {source[item.start:item.end]!r}", source, start + 1)
    if i + 1 < len(items) and isinstance(items[i], Tok) and items[i].text == "_":  # w_1, \theta_{0}
        script = items[i + 1]
        parts = script.items if isinstance(script, Group) else [script]
        words = "".join(p.text if isinstance(p, Tok) else COMMANDS[p.name].value if isinstance(p, Macro)
                        and _kind(p) == "name" else "?" for p in parts)
        if not (name + "_" + words).isidentifier():
            raise ParseError(f"cannot read {source[start:script.end]!r} as a name", source, start + 1)
        name, i = f"{name}_{words}", i + 2
    if i < len(items) and isinstance(items[i], Tok) and items[i].text == "[":  # W[k, a]: an element, as text
        close = next((k for k in range(i, len(items)) if isinstance(items[k], Tok) and items[k].text == "]"), None)
        if close is None:
            raise ParseError("'[' is never closed", source, items[i].start + 1)
        name, i = name + source[items[i].start:items[close].end], close + 1
    return name, i


def _kind(item):
    command = COMMANDS.get(item.name)
    return command.kind if command else None
