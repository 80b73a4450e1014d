"""Turning what the user passed (text or SymPy) into expressions and variables."""

import re
from fractions import Fraction

import sympy
from sympy import Basic, MatrixBase, MatrixExpr, Symbol

from ..errors import DeriveError, ShapeError, SymbolError
from . import latex
from .arrays.shapes import is_square, shape_words
from .expressions import parse
from .namespace import Namespace


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


def _check_matrix_powers(f):
    """SymPy builds (y - X*w)**2 for an N x 1 vector as a matrix power (it cannot rule out
    N = 1); derive refuses it instead of failing later in validation."""
    if not isinstance(f, Basic):
        return
    for power in f.atoms(sympy.MatPow):
        base = power.args[0]
        if not is_square(base.shape):
            raise ShapeError(f"{power} is a matrix power of a matrix of shape {shape_words(base.shape)}, which is not "
                             f"square; for the power of each entry use HadamardPower({base}, {power.args[1]})")


def as_expression(f, namespace):
    """`f` (text or SymPy) as a SymPy object; text is parsed into `namespace`,
    and every name means the object it means there (`Namespace.unify`)."""
    if isinstance(f, str):
        return namespace.unify(parse(f, namespace))
    if isinstance(f, (list, tuple)):
        return sympy.Matrix([as_expression(e, namespace) for e in f])
    if isinstance(f, (Basic, MatrixBase)):
        _check_matrix_powers(f)
        return namespace.unify(f)
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


def read_wrt(wrt, namespace, expr):
    """What `wrt` names, read once at the entrance of a call: a tuple of SymPy objects, or None
    when wrt is not given.  The layers below receive these objects and never read wrt again.

    `wrt` is a Symbol, a list of Symbols or names, or text ("x y", "x, y", "sigma^2",
    "W[k, a], W[l, b]").  A name means what it means in `namespace` (the user's object of that
    name, see symbol_table.py); an object is replaced by the one its name means there; an
    element (x[k]) or a power (sigma^2) is parsed.  A name f does not know or a constant is a
    `SymbolError` here; whether the objects can be variables of f is
    `calculus.variables.require_variables`'s to say."""
    if wrt is None:
        return None
    items = wrt_items(wrt)
    if not items:
        raise SymbolError("--wrt names no variable")
    return tuple(_read_item(item, namespace, expr) for item in items)


def _read_item(item, namespace, expr):
    """One item of wrt as the SymPy object it names."""
    if isinstance(item, Basic):
        return namespace.unify(item) if namespace is not None else item
    if not isinstance(item, str):
        raise SymbolError(f"wrt takes symbols or their names, got {type(item).__name__}")
    if not item.isidentifier():  # an element x[k] or a power sigma^2
        obj = parse(item, namespace)
        if "[" not in item and not isinstance(obj, Symbol) and not is_power_of_symbol(obj):
            raise SymbolError(f"cannot differentiate with respect to {item}: name a variable (x), an element "
                              "(x[k]) or the power of a variable (sigma^2)")
        return obj
    obj = namespace.names.get(item) if namespace is not None else None
    if isinstance(obj, (Symbol, sympy.MatrixSymbol, sympy.IndexedBase)):
        return obj
    named = {s.name: s for s in getattr(expr, "free_symbols", ()) if isinstance(s, (Symbol, sympy.MatrixSymbol))}
    if item in named:
        return named[item]
    constant = {"e": "Euler's number e", "pi": "the number pi", "E": "Euler's number e"}.get(item)
    if constant:
        raise SymbolError(f"'{item}' is {constant} in derive's text, not a variable: name the "
                          f"variable differently (the expression uses {variable_names(expr)})")
    raise SymbolError(f"unknown symbol '{item}' in wrt: the expression uses {variable_names(expr)}")


def is_power_of_symbol(obj):
    """sigma**2, sigma**(1/2): a power of a variable, which can be differentiated by (calculus/powers.py)."""
    return isinstance(obj, sympy.Pow) and isinstance(obj.base, Symbol) and obj.exp.is_Rational and obj.exp > 0 \
        and obj.exp != 1


def wrt_items(wrt):
    """`wrt` as a list of names and objects ("x y", "x, y", "W[k, a], W[l, b]", a Symbol, a list)."""
    if isinstance(wrt, str):
        return split_names(wrt)
    if isinstance(wrt, Basic):
        return [wrt]
    if isinstance(wrt, (list, tuple, MatrixBase)):
        return list(wrt)
    raise SymbolError(f"wrt must be a symbol, a list of symbols or text like 'x y', got {type(wrt).__name__}")


def split_names(text):
    """Split "x y", "x, y; z" or "W[k, a], W[l, b]" into items: at blanks, commas and
    semicolons outside brackets (an element's indices stay together)."""
    if latex.is_latex(text):  # \mu, \mathbf{w}, \boldsymbol\theta: derive's names mu, w, theta
        return latex.wrt_names(text)
    items, current, depth = [], [], 0
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if depth <= 0 and (ch.isspace() or ch in ",;"):
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item for item in items if item]


def variable_names(expr):
    """The names of expr's variables: scalars, then matrices and arrays."""
    arrays = {str(a.label) for a in expr.atoms(sympy.IndexedBase)} if isinstance(expr, (Basic, MatrixBase)) else set()
    named = [s.name for s in free_scalars(expr) if s.name not in arrays]  # x, not x and its label x
    if isinstance(expr, (Basic, MatrixBase)):
        named += sorted({m.name for m in expr.atoms(sympy.MatrixSymbol)} | arrays)
    return ", ".join(named) or "no variables"


def new_namespace(symbols=None, *received, judged=()):
    """The symbol table of one call: the declarations `symbols` (see
    `derive.parse`) and every SymPy object among `received` (f, wrt,
    constraints, ...: text in them is skipped) and `judged` (a claim under
    test and its definitions), adopted before any text is parsed, so that a
    name in text means the user's object.  Only `received` teaches the
    problem its index ranges: a claim's ranges are what is checked."""
    namespace = symbols if isinstance(symbols, Namespace) else Namespace(symbols)
    namespace.received(*received, judged=judged)
    namespace.index_names_in_text |= _bracketed_names((*received, *judged))
    return namespace


def _bracketed_names(received):
    """Names written inside brackets (X[m, n]) anywhere in the call's text: indices, which a size
    the parser names itself must not be called (wrt X[m, n] beside a sum over 0..n-1)."""
    found = set()
    for item in received:
        texts = [item] if isinstance(item, str) else [t for t in item if isinstance(t, str)] \
            if isinstance(item, (list, tuple)) else []
        for text in texts:
            for inside in re.findall(r"\[([^\[\]]*)\]", text):
                found |= set(re.findall(r"[A-Za-z_]\w*", inside))
    return found
