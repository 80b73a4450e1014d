"""A Verdict's counterexample, written the way the question writes its variables.

`derive.check` finds a point where a wrong answer and the derivative differ.  Its keys are SymPy
objects: sizes (n), scalars (mu), whole arrays (MatrixSymbol A -> Matrix) and, for index notation,
single entries (x[0], x[1], X[0, 1]).  A student reads the point as the question declared it:
sizes first, each array once as a whole vector or matrix, numbers short
("n = 2; x = (-16/7, -17/5); mu = -3").
"""

import math

import sympy
from sympy import Indexed, MatrixBase, MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

from ..text.printing import to_text
from .hints import declared_kinds

SMALL_DIGITS = 8  # a fraction with at most this many digits (numerator and denominator) is shown exactly
SIGNIFICANT = 4  # other numbers: this many significant digits
SEPARATOR = "; "  # between variables (arrays have commas inside)


def readable_point(point, symbols=None):
    """`point` (a Verdict's counterexample: symbol -> value) as "n = 2; X = [[1, 2], [3, 4]]; mu = -3".

    Sizes come first, then the question's variables in the order `symbols` declares them (a
    declaration string, dict, list or Namespace, as derive takes them), then the others in the
    point's order.  Entries y[0], y[1] of one array are shown together as y = (a, b); X[i, j] as a
    matrix.  "" for no point.
    """
    if not point:
        return ""
    kinds = declared_kinds(symbols)
    sizes, variables = {}, {}
    shape_sizes = {str(s) for key in point if isinstance(key, MatrixSymbol)
                   for d in key.shape for s in getattr(d, "free_symbols", ())}
    for key, value in point.items():
        name = _label(key)
        if isinstance(key, (Indexed, MatrixElement)) and _position(key) is not None:
            variables.setdefault(name, {})[_position(key)] = value
        elif isinstance(key, (Indexed, MatrixElement)):  # an entry at a symbolic place (x[k]): as it is
            variables[str(key)] = value
        elif _is_size(key, name, kinds, shape_sizes):
            sizes[name] = value
        else:
            variables[name] = value
    ordered = [n for n in kinds if n in sizes] + [n for n in sizes if n not in kinds]
    parts = [f"{n} = {readable_number(sizes[n])}" for n in ordered]
    ordered = [n for n in kinds if n in variables] + [n for n in variables if n not in kinds]
    for name in ordered:
        value = variables[name]
        parts.append(_entries(name, value) if isinstance(value, dict) else f"{name} = {readable_value(value)}")
    return SEPARATOR.join(parts)


def readable_values(values):
    """A Verdict's (expected, claimed) at the counterexample: "expected 1/3, claimed 1/9"; "" for none."""
    if not values:
        return ""
    expected, claimed = values
    return f"expected {readable_value(expected)}, claimed {readable_value(claimed)}"


def readable_value(value):
    """A number, a column vector as (a, b), a 1 x 1 matrix as its entry, other matrices as [[a, b], [c, d]]."""
    if isinstance(value, MatrixBase):
        rows, cols = value.shape
        if (rows, cols) == (1, 1):
            return readable_number(value[0, 0])
        if cols == 1:
            return "(" + ", ".join(readable_number(v) for v in value) + ")"
        return "[" + ", ".join("[" + ", ".join(readable_number(v) for v in value.row(i)) + "]"
                               for i in range(rows)) + "]"
    return readable_number(value)


def readable_number(value):
    """Exact small fractions as they are (26/11), anything else to 4 significant digits (0.2338)."""
    if value is None:
        return "undefined"
    if isinstance(value, bool) or not isinstance(value, (int, float, sympy.Basic)):
        return str(value)
    value = sympy.Integer(value) if isinstance(value, int) else sympy.Float(value) if isinstance(value, float) \
        else value
    if value is sympy.nan or value is sympy.zoo:
        return "undefined"
    if value.is_infinite:
        return "infinity" if value.is_positive else "-infinity"
    if value.is_Rational:
        if len(str(abs(value.p))) + len(str(value.q)) <= SMALL_DIGITS:
            return str(value)
        return _significant(value)
    if value.is_number:
        number = value.evalf(SIGNIFICANT + 11)
        if number.is_real:
            return _significant(number)
        real, imag = number.as_real_imag()
        return f"{_significant(real)} {'-' if imag < 0 else '+'} {_significant(abs(imag))}*i"
    return to_text(value)


def _significant(number):
    x = float(number)
    if not math.isfinite(x):  # beyond a float: let SymPy round it
        return str(sympy.Float(number, SIGNIFICANT))
    shown = f"{x:.{SIGNIFICANT}g}"
    return "0" if shown == "-0" else shown


def _label(key):
    if isinstance(key, Indexed):
        return str(key.base.label)
    if isinstance(key, MatrixElement):
        return str(key.parent.name)
    return getattr(key, "name", None) or str(key)


def _position(key):
    """The entry's integer position, or None when a place is symbolic (x[k])."""
    if isinstance(key, Indexed):
        places = key.indices
    else:
        places = (key.i,) if key.parent.shape[1] == 1 else (key.i, key.j)  # a column's x[i, 0] is its i-th
    if not all(getattr(i, "is_Integer", False) or isinstance(i, int) for i in places):
        return None
    return tuple(int(i) for i in places)


def _is_size(key, name, kinds, shape_sizes):
    """n in "X: n x d", or a size derive named itself for an index range (n_i): a positive integer symbol."""
    if kinds.get(name) == "size" or name in shape_sizes:
        return True
    return isinstance(key, sympy.Symbol) and bool(key.is_integer) and bool(key.is_positive)


def _entries(name, entries):
    """One array's entries {position: value} as a vector or matrix when they fill one, else one by one."""
    positions = sorted(entries)
    width = len(positions[0])
    if all(len(p) == width for p in positions) and width in (1, 2):
        spans = [range(min(p[a] for p in positions), max(p[a] for p in positions) + 1) for a in range(width)]
        if len(positions) == math.prod(len(s) for s in spans):  # no gaps: a whole vector or matrix
            if width == 1:
                return f"{name} = (" + ", ".join(readable_number(entries[(i,)]) for i in spans[0]) + ")"
            rows = ("[" + ", ".join(readable_number(entries[(i, j)]) for j in spans[1]) + "]" for i in spans[0])
            return f"{name} = [" + ", ".join(rows) + "]"
    return SEPARATOR.join(f"{name}[{', '.join(map(str, p))}] = {readable_number(entries[p])}" for p in positions)
