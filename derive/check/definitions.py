"""Abbreviations a claim is written with (`let`): "s = 1/(1 + exp(-z)); t = 2*s", read and
substituted.  Its own module, so that every kind of check (derivatives in `api.py`, integrals in
`integrals.py`) reads them the same way without importing each other."""

import re

import sympy

from ..errors import DeriveError, ParseError
from ..text.expressions import parse
from ..text.inputs import as_basic, as_expression


def parse_definitions(let, ns):
    """`let` as {Symbol: expression}: "s = 1/(1+exp(-z)); t = 2*s" or a dict."""
    if not let:
        return {}
    if isinstance(let, str):
        items = [p for p in re.split(r"[;\n]", let) if p.strip()]
        pairs = []
        for item in items:
            if "=" not in item:
                raise ParseError(f"a definition needs the form name = expression, got '{item.strip()}'")
            name, text = (s.strip() for s in item.split("=", 1))
            pairs.append((name, text))
    else:
        pairs = list(let.items())
    definitions = {}
    for name, value in pairs:
        sym = parse(name, ns) if isinstance(name, str) else ns.unify(as_basic(name))
        if not isinstance(sym, sympy.Symbol):
            raise ParseError(f"cannot define '{name}': the left side must be a name")
        definitions[sym] = as_expression(value, ns)
    return definitions


def substitute(expr, definitions):
    for _ in range(8):  # definitions may refer to each other
        new = expr.xreplace(definitions) if definitions else expr
        if new == expr:
            return new
        expr = new
    raise DeriveError("the definitions refer to each other in a cycle")


__all__ = ["parse_definitions", "substitute"]
