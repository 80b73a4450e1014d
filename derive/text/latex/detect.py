"""Is this text LaTeX?  And the math delimiters around it, blanked.

Detection follows DESIGN.md: a backslash command (`\\frac`, `\\|`, `\\top`), or a braced
sub/superscript (`^{`, `_{`), or math delimiters (`$...$`, `$$...$$`, `\\(...\\)`,
`\\[...\\]`).  Text without any of those is derive's text grammar.  The choice can be
forced per call (`syntax="latex"` / `"text"`) or for a whole call tree with the context
variable `syntax_default` (the public API's `syntax=` and the CLI's `--latex` set it).
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar

from ...errors import ParseError

# None: detect; "latex" or "text": forced for every parse made while it is set
syntax_default = ContextVar("derive_syntax_default", default=None)

SYNTAXES = (None, "latex", "text")

_LATEX_MARK = re.compile(r"\\[A-Za-z|{}()\[\],;!]|[\^_]\{|\$")

# opening -> closing math delimiter (longest first: $$ before $)
_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))


def chosen_syntax(syntax=None):
    """The syntax a parse uses: the argument, else the context default, else None (detect)."""
    if syntax not in SYNTAXES:
        raise ParseError(f"syntax must be 'latex', 'text' or None (detect), not {syntax!r}")
    return syntax or syntax_default.get()


def is_latex(text, syntax=None):
    """True when `text` is read as LaTeX (forced, or detected from a command, ^{ or _{, or $)."""
    syntax = chosen_syntax(syntax)
    if syntax is not None:
        return syntax == "latex"
    return isinstance(text, str) and _LATEX_MARK.search(text) is not None


@contextmanager
def using_syntax(syntax):
    """Every parse inside the block reads text as `syntax` (None: detect)."""
    token = syntax_default.set(chosen_syntax(syntax) if syntax is not None else syntax_default.get())
    try:
        yield
    finally:
        syntax_default.reset(token)


def blank_delimiters(text):
    """`text` with surrounding math delimiters and line breaks replaced by blanks, so every
    character keeps its column: '$x^2$' -> ' x^2 '."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    for opening, closing in _DELIMITERS:
        if len(stripped) >= len(opening) + len(closing) and stripped.startswith(opening) \
                and stripped.endswith(closing):
            inner_start, inner_end = lead + len(opening), lead + len(stripped) - len(closing)
            text = " " * inner_start + text[inner_start:inner_end] + " " * (len(text) - inner_end)
            break
    return re.sub(r"[\r\n\t\f\v]", " ", text)


def accepts_syntax(function):
    """`function` with a keyword `syntax=` ("latex", "text" or None) that holds for every parse
    the call makes, however deep (the public API's grad, hessian, jacobian, check, ...)."""
    import functools

    @functools.wraps(function)
    def with_syntax(*args, syntax=None, **kwargs):
        if syntax is None:
            return function(*args, **kwargs)
        with using_syntax(syntax):
            return function(*args, **kwargs)

    return with_syntax
