"""Turning what the user passed (text or SymPy) into expressions and variables."""

import re
from fractions import Fraction

import sympy
from sympy import Basic, MatrixBase, MatrixExpr, Symbol

from .errors import DeriveError, ShapeError, SymbolError
from .parser import Namespace, parse


def as_basic(value):
    """A SymPy object from a SymPy object or a Python number.  Never parses text
    (sympify would eval it): text goes through `derive.parse`."""
    if isinstance(value, Basic):
        return value
    if isinstance(value, bool):
        raise DeriveError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, float):
        return sympy.Float(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, MatrixBase):
        return value
    raise DeriveError(f"expected a number or a SymPy expression, got {type(value).__name__}")


def as_expression(f, namespace):
    """`f` (text or SymPy) as a SymPy object; text is parsed into `namespace`."""
    if isinstance(f, str):
        return parse(f, namespace)
    if isinstance(f, (list, tuple)):
        return sympy.Matrix([as_expression(e, namespace) for e in f])
    if isinstance(f, (Basic, MatrixBase)):
        return f
    if isinstance(f, (int, float, Fraction)):
        return as_basic(f)
    raise DeriveError(f"expected text or a SymPy expression, got {type(f).__name__}")


def as_scalar(expr, what="f"):
    """A scalar expression, or a ShapeError saying what it is instead."""
    if isinstance(expr, MatrixBase):
        if expr.shape == (1, 1):
            return expr[0, 0]
        rows, cols = expr.shape
        raise ShapeError(f"{what} is a {rows} x {cols} matrix; this needs a scalar function (use jacobian for vectors)")
    if isinstance(expr, MatrixExpr):
        raise ShapeError(f"{what} is a {expr.shape[0]} x {expr.shape[1]} matrix expression; this needs a scalar")
    if expr.is_Relational or isinstance(expr, (sympy.logic.boolalg.BooleanFunction,
                                              sympy.logic.boolalg.BooleanAtom)):
        raise DeriveError(f"{what} is a condition ({expr}), not a function")
    return expr


def as_vector(expr, what="F"):
    """A column Matrix of scalar expressions."""
    if isinstance(expr, MatrixBase):
        if 1 not in expr.shape:
            rows, cols = expr.shape
            raise ShapeError(f"{what} is a {rows} x {cols} matrix; a Jacobian needs a vector of functions")
        return sympy.Matrix(list(expr))
    return sympy.Matrix([as_scalar(expr, what)])


def free_scalars(expr):
    """Real scalar symbols of `expr`, sorted by name (index symbols excluded)."""
    syms = [s for s in expr.free_symbols if isinstance(s, Symbol) and not s.is_integer]
    return sorted(syms, key=lambda s: s.name)


def resolve_wrt(wrt, expr, namespace):
    """The variables to differentiate by, as a tuple of distinct Symbols.

    Accepts a Symbol, a list of Symbols or names, or text ("x y", "x, y").
    Names are looked up among the symbols of `expr` (and the namespace the
    text was parsed into); an unknown name is a `SymbolError`.
    """
    if wrt is None:
        found = free_scalars(expr)
        if not found:
            raise SymbolError("the expression has no variables to differentiate by")
        return tuple(found)
    if isinstance(wrt, str):
        items = [w for w in re.split(r"[\s,;]+", wrt.strip()) if w]
        if not items:
            raise SymbolError("--wrt names no variable")
    elif isinstance(wrt, (Symbol, Basic)):
        items = [wrt]
    else:
        items = list(wrt)
    known = {s.name: s for s in expr.free_symbols if isinstance(s, Symbol)}
    result = []
    for item in items:
        if isinstance(item, str):
            sym = known.get(item) or _from_namespace(namespace, item)
            if sym is None:
                uses = ", ".join(s.name for s in free_scalars(expr)) or "no variables"
                raise SymbolError(f"unknown symbol '{item}' in wrt: the expression uses {uses}")
        else:
            sym = item
        if isinstance(sym, (sympy.MatrixSymbol, sympy.Indexed)) or not isinstance(sym, Symbol):
            raise DeriveError(
                f"differentiating with respect to {sym} ({type(sym).__name__}) is not supported yet; "
                "use scalar symbols"
            )
        if sym.is_integer:
            raise SymbolError(f"'{sym}' is an integer index, not a variable")
        if sym in result:
            raise SymbolError(f"'{sym}' appears twice in wrt")
        result.append(sym)
    return tuple(result)


def _from_namespace(namespace, name):
    obj = namespace.names.get(name) if namespace is not None else None
    return obj if isinstance(obj, Symbol) else None


def new_namespace(symbols=None):
    return symbols if isinstance(symbols, Namespace) else Namespace(symbols)
