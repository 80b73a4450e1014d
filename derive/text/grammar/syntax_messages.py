"""What to write instead, when Python's reader cannot read the text.

The parser hands the text to Python's `ast` module, whose messages speak of tokens and literals
("invalid decimal literal", "unterminated string literal", "Perhaps you forgot a comma?").  None of
them reaches the user: each is read here into a message that names what was typed and says what to
write instead (`3*x*y`, `w.T @ X @ w`, `<=`).  One table per kind of mistake.
"""

import re

# characters people paste from notes and papers -> what derive's text writes
UNICODE_HINTS = {
    "≤": "<=", "≥": ">=", "≠": "!= (not supported: write two conditions)", "×": "* (or @ for a matrix product)",
    "·": "* (or @ for a matrix product)", "⋅": "* (or @ for a matrix product)", "−": "-", "–": "-",
    "²": "**2", "³": "**3", "∑": "sum(x[i], i)", "Σ": "sum(x[i], i)", "√": "sqrt(x)", "‖": "norm(x) or ||x||",
    "⊙": "* (entry by entry)", "∘": "* (entry by entry)", "ᵀ": ".T", "⊤": ".T", "∂": "derive.grad(f, wrt)",
    "∇": "derive.grad(f, wrt)", "∞": "a number", "π": "pi", "…": "the terms written out",
}

KEYWORDS = {"if", "else", "for", "in", "is", "not", "def", "class", "return", "import", "from", "while",
            "with", "as", "del", "pass", "global", "try", "except", "yield", "None", "True", "False"}

_OPERAND_END = re.compile(r"[\w)\]]\s*$")
_OPERAND_START = re.compile(r"^\s*[\w(\[]")
_WORD = re.compile(r"\w+")


def explain(source, msg, offset):
    """(0-based offset into `source` or None, message) for Python's SyntaxError `msg` at 1-based `offset`."""
    at = None if not offset else min(offset - 1, len(source))
    for pattern, rule in _RULES:
        if re.search(pattern, msg):
            found = rule(source, at, msg)
            if found is not None:
                return found
    return at, _unexpected(source, at)


def _number_then_name(source, at, msg):
    match = None
    for m in re.finditer(r"(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)([A-Za-z_]\w*)", source):
        if at is None or m.start() <= at <= m.end():
            match = m
            break
    if match is None:
        return None
    number, name = match.groups()
    split = "*".join(name)
    hint = f"{number}*{name}" if len(name) == 1 else f"{number}*{split} (or {number}*{name} if {name} is one name)"
    return match.start(), f"'{match.group(0)}': a number written against a name; write {hint}"


def _quote(source, at, msg):
    return at, ("a quote ' is the transpose only right after a name or a closing bracket (x', (A @ x)'); "
                "text has no strings")


def _backslash(source, at, msg):
    start = source.find("\\")
    command = _WORD.match(source, start + 1)
    name = "\\" + (command.group(0) if command else "")
    return (start if start >= 0 else at), (f"'{name}' is LaTeX: pass the formula with syntax=\"latex\" (--latex on "
                                            "the command line), or write it in derive's text")


def _character(source, at, msg):
    found = re.search(r"invalid character '(.)'", msg)
    if found is None:
        return None
    ch = found.group(1)
    position = source.find(ch)
    hint = UNICODE_HINTS.get(ch)
    return (position if position >= 0 else at), \
        f"'{ch}' is not part of derive's text" + (f"; write {hint}" if hint else "")


def _leading_zeros(source, at, msg):
    m = re.search(r"\b0\d+", source)
    if m is None:
        return None
    return m.start(), f"a number with leading zeros ('{m.group(0)}'): write {int(m.group(0))}"


def _brackets(source, at, msg):
    unmatched = re.search(r"unmatched '(.)'", msg)
    if unmatched:
        return at, f"unbalanced brackets: '{unmatched.group(1)}' closes nothing"
    never = re.search(r"'(.)' was never closed", msg)
    if never:
        return at, f"unbalanced brackets: '{never.group(1)}' is never closed"
    clash = re.search(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'", msg)
    if clash:
        return at, f"unbalanced brackets: '{clash.group(1)}' closes '{clash.group(2)}'"
    return at, "unbalanced brackets"


def _end(source, at, msg):
    return len(source.rstrip()), "the expression ends too early"


def _unexpected(source, at):
    """Python's "invalid syntax" and its guesses, read from what stands at the column."""
    if at is None or at >= len(source.rstrip()):
        return "the expression ends too early"
    before, rest = source[:at], source[at:]
    word = _WORD.match(rest)
    if word and word.group(0) in KEYWORDS:
        return f"'{word.group(0)}' is a Python keyword, not part of derive's grammar"
    if _OPERAND_END.search(before) and _OPERAND_START.match(rest):
        left = re.search(r"[\w.)\]]+\s*$", before).group(0).strip()
        right = (word.group(0) if word else rest.strip()[:1])
        numbers = re.fullmatch(r"[\d.]+", left) or re.fullmatch(r"[\d.]+", right)
        return (f"two terms side by side ('{left} {right}'): write " +
                (f"{left}*{right}" if numbers else f"{left} @ {right} for a matrix product or {left}*{right} for a "
                 "product of numbers (entry by entry for arrays)"))
    ch = rest.lstrip()[:1]
    if ch == "=" and not rest.lstrip().startswith("=="):
        return "'=' is not part of an expression; write the expression alone (== compares inside where())"
    hints = {"!": "'!' is not supported; write factorial(n)", ":": "':' is not allowed; index with single "
             "positions, x[i]", "$": "'$' marks LaTeX: pass the formula with syntax=\"latex\"",
             ",": "a comma out of place: one expression, or arguments inside f(...)",
             "?": "'?' is not part of derive's text", "'": "a quote ' is the transpose only right after a name"}
    if ch in hints:
        return hints[ch]
    return f"unexpected '{rest.strip()[:12]}'; expected a name, a number or an operator here"


_RULES = [
    (r"decimal literal|invalid (hexadecimal|octal|binary|imaginary) literal", _number_then_name),
    (r"string literal|EOF while scanning", _quote),
    (r"line continuation character", _backslash),
    (r"invalid character|invalid non-printable", _character),
    (r"leading zeros", _leading_zeros),
    (r"never closed|unmatched|does not match", _brackets),
    (r"unexpected EOF|was never closed", _end),
]
