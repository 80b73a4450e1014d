"""A scalar f of scalar variables at a point, as `derive.taylor` and `derive.directional` read it:
f, the variables and the point from the user's input (`read_problem`, `read_point`), exact
numbers only; the values of its derivatives there (`value_at`), and the text of points and
derivatives (d^3 f/dx^2 dy).
"""

import math

import sympy

from ..errors import DeriveError, ParseError, ShapeError, SymbolError
from ..text.budgets import attempt
from ..text.expressions import parse
from ..text.inputs import as_basic, as_expression, as_scalar, free_scalars, new_namespace
from ..calculus.variables import resolve_wrt
from ..text.namespace import Namespace
from ..text.printing import to_text
from ..validation.equivalence import numeric_value


def read_problem(f, wrt, at, symbols):
    """(f, wrt, point, namespace): f a scalar of scalar variables, point {variable: number} in
    wrt's order; parameters fixed by a dict point are substituted into f."""
    at = assignments(at)
    received = [v for v in ([*at.keys(), *at.values()] if isinstance(at, dict) else [at]) if isinstance(v, sympy.Basic)]
    ns = new_namespace(symbols, f, wrt, *received)
    expr = as_scalar(as_expression(f, ns))
    if expr.atoms(sympy.MatrixSymbol, sympy.Indexed):
        raise DeriveError("this needs f as a function of scalar variables; f is in matrix or index notation")
    if wrt is None and isinstance(at, dict):  # the point's keys name the variables (unknown ones: read_point)
        names = {s.name for s in free_scalars(expr)}
        wrt = [k for k in at if (k.strip() if isinstance(k, str) else getattr(k, "name", None)) in names] or None
    wrt = resolve_wrt(wrt, expr, ns)
    point, fixed = read_point(at, wrt, expr, "at")
    if fixed:
        expr = expr.xreplace(fixed)
    return expr, wrt, point, ns


def assignments(values):
    """Text "x = 1, y = pi/2" as the dict {"x": "1", "y": "pi/2"}; anything else as it is."""
    if not isinstance(values, str) or "=" not in values:
        return values
    parts, current, depth = [], [], 0
    for ch in values:
        depth += (ch in "([{") - (ch in ")]}")
        if depth == 0 and ch in ",;":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    out = {}
    for part in filter(str.strip, parts):
        name, eq, value = part.partition("=")
        if not eq or not name.strip() or "=" in value:
            raise DeriveError(f"cannot read the point {values!r}: write name = value, separated by commas")
        out[name.strip()] = value.strip()
    return out


def read_point(at, wrt, expr, what="at", parameters=True):
    """({variable: exact number} in wrt's order, {parameter: exact number}) from one number,
    a list (or text "[1, pi/2]") of numbers, or a dict name -> number (text "x = 1, y = 2");
    `parameters=False`: every key must be a variable."""
    at = assignments(at)
    if isinstance(at, dict):
        known = {s.name: s for s in free_scalars(expr)}
        point, fixed = {}, {}
        for key, value in at.items():
            name = key.strip() if isinstance(key, str) else getattr(key, "name", None)
            sym = known.get(name)
            if sym is None:
                raise SymbolError(f"unknown symbol '{key}' in {what}: the expression uses "
                                  f"{', '.join(sorted(known)) or 'no variables'}")
            if sym not in wrt and not parameters:
                raise SymbolError(f"{what} has a component for '{name}', which is not a variable "
                                  f"({', '.join(x.name for x in wrt)})")
            (point if sym in wrt else fixed)[sym] = read_number(value, f"{what}: {name}")
        missing = [x.name for x in wrt if x not in point]
        if missing:
            raise DeriveError(f"{what} gives no value for {', '.join(missing)}")
        return {x: point[x] for x in wrt}, fixed
    return dict(zip(wrt, read_vector(at, len(wrt), what, wrt))), {}


def read_vector(values, n, what, wrt):
    """n exact numbers from one number, a list, a Matrix, or text ("[1, 2]", "1, 2", "pi/2")."""
    if isinstance(values, str):
        text = values.strip()
        if "," in text and not text.startswith(("[", "(", "\\")):
            text = f"[{text}]"
        values = _parse_number(text, what)
    if isinstance(values, sympy.MatrixBase):
        values = list(values)
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) != n:
        names = ", ".join(x.name for x in wrt)
        raise ShapeError(f"{what} gives {len(values)} value{'s' if len(values) != 1 else ''} for "
                         f"{n} variable{'s' if n != 1 else ''} ({names}): give one per variable")
    return [read_number(v, f"{what}: {x.name}") for v, x in zip(values, wrt)]


def read_number(value, what):
    """An exact real number (text through derive's parser, never sympify; floats made exact)."""
    if isinstance(value, str):
        value = _parse_number(value, what)
    if isinstance(value, (list, tuple, dict)):
        raise DeriveError(f"{what} must be a number, got a {type(value).__name__}")
    if isinstance(value, float):
        value = sympy.nsimplify(value, rational=True) if math.isfinite(value) else sympy.nan
    elif not isinstance(value, sympy.MatrixBase):
        value = as_basic(value)
    if isinstance(value, sympy.MatrixBase) or not value.is_number or value.has(sympy.nan, sympy.zoo) \
            or numeric_value(value, {}) is None:
        raise DeriveError(f"{what} must be a finite real number, got {to_text(value)}")
    return value


def _parse_number(text, what):
    """Text of numbers through derive's parser (never sympify): names are not numbers."""
    try:
        return parse(text, Namespace(strict=True))
    except ParseError as e:
        if "unknown symbol" in e.reason:
            raise SymbolError(f"{what} must be numbers, and {text!r} names a symbol (a parameter takes its "
                              "value in a dict point, {'x': 0, 'a': 2})") from None
        raise ParseError(f"in {what} ({text!r}): {e.reason}", e.text, e.column) from None


def parameters_of(f, wrt):
    """f's symbols that are not variables, by name."""
    return tuple(s for s in free_scalars(f) if s not in wrt)


def point_text(point):
    if len(point) == 1:
        (x, v), = point.items()
        return f"{x} = {to_text(v)}"
    return f"({', '.join(map(str, point))}) = ({', '.join(to_text(v) for v in point.values())})"


def derivative_name(index, wrt, of="f"):
    """d^3 f/dx^2 dy for the multi-index (0, 0, 1)."""
    counts = [(wrt[i], index.count(i)) for i in sorted(set(index))]
    below = " ".join(f"d{x}" + (f"^{c}" if c > 1 else "") for x, c in counts)
    k = len(index)
    return f"d{'^' + str(k) if k > 1 else ''}{of}/{below}" if k else of


def value_at(expr, point, f, wrt, user_point, index=(), lacks="no Taylor expansion"):
    """An exact derivative's value at the point, or a one-line DeriveError where it is not a
    finite real number (a singularity: f has `lacks` there)."""
    value = expr.xreplace(point)
    bad = value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or (value.is_number and numeric_value(value, {}) is None)
    if bad:
        what = "f itself" if not index else f"its derivative {derivative_name(index, wrt)}"
        raise DeriveError(f"{to_text(f)} has {lacks} at {point_text(user_point)}: "
                          f"{what} is not a finite real number there (a singularity or the edge of its domain)")
    return _tidy(value)


def _tidy(value):
    """A value in its shortest form (simplification is optional work: on a timeout, as it is)."""
    if value.is_Rational or value.is_Symbol:
        return value
    simpler = attempt(lambda: sympy.simplify(value), 1.0, value)
    return simpler if sympy.count_ops(simpler) < sympy.count_ops(value) else value


def require_numbers(params, what):
    """A DeriveError for pictures of a function that still has parameters."""
    if params:
        names = ", ".join(p.name for p in params)
        raise DeriveError(f"{what} needs numbers, and f has the parameter{'s' if len(params) > 1 else ''} {names}: "
                          f"give {'their values' if len(params) > 1 else 'its value'} in the point (at={{..., "
                          f"'{params[0].name}': 2}})")
