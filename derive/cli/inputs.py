"""What the subcommands share of their input: the common arguments (EXPR, --wrt, --let, --json),
the namespace of the --let declarations, definitions (s = ...), points (--at x=1,y=2).
"""

import argparse
import re

from .usage import _UsageError


def add_common(p, wrt_required=False):
    """EXPR, --wrt, --let and --json: the arguments of every subcommand over one function."""
    p.add_argument("expr", help="the function, as text (quote it)")
    p.add_argument("--wrt", required=wrt_required,
                   help="variables, e.g. x,y (default: every symbol, alphabetically)")
    p.add_argument("--let", action="append", default=[], metavar="DECL",
                   help='declare symbols: "A: 3 x 3, x: 3; t: positive" (repeatable)')
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.formatter_class = argparse.RawDescriptionHelpFormatter


def _namespace(args):
    return namespace_of(args.let)


def namespace_of(lets):
    """The Namespace of --let items (their declarations; definitions s = ... are the check's)."""
    from ..text.declarations import Declarations, declare
    from ..text.namespace import Namespace

    decls = Declarations()  # keeps the matrix properties (symmetric, spd) of every --let
    for text in _declarations(lets):
        decls.update(declare(text))
    return Namespace(decls)


_DEFINITION = re.compile(r"(?<![<>=!])=(?!=)")


def _declarations(items):
    """The --let pieces that declare (A: n x n), not the ones that define (s = ...)."""
    return [p for text in items for p in text.split(";") if p.strip() and not _DEFINITION.search(p)]


def _definitions(items):
    return "; ".join(p for text in items for p in text.split(";") if _DEFINITION.search(p))


def _point_or_values(text, ns):
    """--at x=1,y=2 (names), or --at 1,2 / --at 0 (values in --wrt's order)."""
    if "=" in text:
        return parse_point(text, ns)
    values = [v for v in _split_top_level(text) if v.strip()]
    if not values:
        raise _UsageError(f"no values in '{text}': give x=1,y=2 or 1,2")
    return values


def parse_point(text, namespace):
    """'x=1, y=2/3' or 'x=[1, 2], A=[[1, 2], [3, 4]]' -> {name: exact SymPy number or matrix}.
    Values are parsed with derive's own parser (never eval); a matrix declared symmetric or spd
    must be one."""
    import sympy

    from ..errors import DeriveError, ParseError
    from ..text.expressions import parse
    from ..text.namespace import Namespace

    point = {}
    for item in _split_top_level(text):
        if "=" not in item:
            raise ParseError(f"--at expects name=value pairs like x=1,y=2 or x=[1, 2]; got '{item}'")
        name, value_text = (s.strip() for s in item.split("=", 1))
        if name in point:
            raise ParseError(f"--at gives {name} twice")
        value = parse(value_text, Namespace(strict=True))
        entries = list(value) if isinstance(value, sympy.MatrixBase) else [value]
        for entry in entries:
            if not isinstance(entry, sympy.Basic) or not entry.is_number or entry.free_symbols:
                raise DeriveError(f"--at value for {name} must be a number or an array of numbers "
                                  f"([1, 2], [[1, 2], [3, 4]]), got '{value_text}'")
            if not entry.is_real:
                raise DeriveError(f"--at value for {name} must be real, got '{value_text}'")
        if isinstance(value, sympy.MatrixBase):
            value = sympy.ImmutableMatrix(value)
            _check_declared(name, value, namespace.properties.get(name, ()))
        point[name] = value
    if not point:
        raise ParseError("--at names no point")
    return point


def _check_declared(name, value, words):
    """A matrix declared symmetric (or spd) at a point that is not: its derivative assumed it."""
    import numpy as np

    from ..errors import DeriveError

    words = set(words)
    if not words & {"symmetric", "spd"}:
        return
    if value.shape[0] != value.shape[1] or value != value.T:
        raise DeriveError(f"--at value for {name} is not symmetric, but {name} is declared "
                          f"{'spd' if 'spd' in words else 'symmetric'}")
    if "spd" in words and np.linalg.eigvalsh(np.array(value, dtype=float)).min() <= 0:
        raise DeriveError(f"--at value for {name} is not positive definite, but {name} is declared spd")


def _split_top_level(text):
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch in ",;" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]



