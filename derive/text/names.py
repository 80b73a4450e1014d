"""What a symbol name may be: an identifier code generation can paste into
source, not private (_x), not a Python builtin or keyword, not inf/nan."""

import builtins
import keyword

from ..errors import ParseError
from .functions import FUNCTIONS, UNDEFINED_NAMES

# Python builtins may not be symbol names (`open`, `exec`, `eval`, ...), except
# those that are also math functions here.
RESERVED_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_")) - set(FUNCTIONS) - {"sum"}


# keywords that are the usual names of things in ML notes (a regularization weight): the text reads them
# (grammar/typed.py), and printers for Python source spell them lambda_
SPELLED_KEYWORDS = frozenset({"lambda"})


def check_name(name, text=None, column=None):
    """Symbol names must be identifiers code generation can paste into source."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ParseError(f"not a valid name: {name!r}", text, column)
    if name.startswith("_"):
        raise ParseError(f"names starting with '_' are not allowed: '{name}'", text, column)
    if name in RESERVED_NAMES:
        raise ParseError(f"'{name}' is a reserved Python name and cannot be a symbol", text, column)
    if name in UNDEFINED_NAMES:
        raise ParseError(f"'{name}' is not a number derive accepts (no infinities or NaN)", text, column)
    if keyword.iskeyword(name) and name not in SPELLED_KEYWORDS:
        raise ParseError(f"'{name}' is a Python keyword and cannot be a symbol", text, column)
