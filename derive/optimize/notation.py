"""Which notation an optimality problem is written in, from what `wrt` names.

    "x y" (scalars), f without sums over parameters     -> "scalar"  (critical.py, kkt.py)
    "w" declared a vector (w: d), f in matrix notation  -> "matrix"  (matrix_form.py)
    "p" an array of f (p[i] in its sums), or "p[k]"     -> "index"   (elementwise.py)
    "mu sigma" (scalars) inside sums over data x[i]     -> "sample"  (sample/)
"""

from dataclasses import dataclass

import sympy
from sympy import Indexed, IndexedBase, MatrixSymbol, Sum
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import DeriveError, SymbolError


@dataclass
class Route:
    """``kind`` ("scalar", "matrix", "index", "sample") and ``variables``: the matrix symbol, the
    array (an IndexedBase, with the element ``element`` such as p[k] when one was named), or None
    for scalars (`calculus.variables.require_scalars`)."""

    kind: str
    variable: object = None
    element: object = None


def route(expressions, wrt, namespace):
    """The `Route` of a problem whose expressions (f and the constraints) are `expressions`, by the
    variables `wrt` (SymPy objects, read at the call's entrance by `text.inputs.read_wrt`)."""
    objects = list(wrt or ())
    arrays = [o for o in objects if isinstance(o, (MatrixSymbol, IndexedBase, Indexed))]
    if arrays:
        if len(objects) != 1:
            raise DeriveError("optimize over one vector at a time in matrix or index notation (stack the "
                              f"variables into one vector); got {', '.join(map(str, objects))}")
        obj = arrays[0]
        if isinstance(obj, Indexed):
            return Route("index", obj.base, obj)
        if isinstance(obj, MatrixSymbol) and _written_by_entries(expressions, obj):
            return Route("index", IndexedBase(sympy.Symbol(obj.name, real=True)))
        if isinstance(obj, MatrixSymbol):
            return Route("matrix", obj)
        if not any(e.has(obj) for e in expressions if isinstance(e, sympy.Basic)):
            raise SymbolError(f"'{obj}' is not a variable of the problem")
        return Route("index", obj)
    if wrt is None:
        arrays = {a.base for e in expressions if isinstance(e, sympy.Basic) for a in e.atoms(Indexed)}
        if len(arrays) == 1 and not _sums_over_scalars(expressions) and not _free_scalars(expressions, arrays):
            return Route("index", arrays.pop())
    variables = [o for o in objects if isinstance(o, sympy.Symbol)]
    # a likelihood of a sample: sums over data, the variables inside them or beside them
    # (-n*log(sigma) - sum((y[i] - mu)**2, i)/(2*sigma**2) in sigma)
    if any(isinstance(e, sympy.Basic) and e.has(Sum) and any(e.has(v) for v in variables)
           for e in expressions) if variables else _sums_over_scalars(expressions):
        return Route("sample")
    return Route("scalar")


def one_by_one(expr):
    """A 1 x 1 matrix expression (x.T*A*x from SymPy) as the scalar it is (its trace)."""
    if isinstance(expr, sympy.MatrixExpr) and not isinstance(expr, sympy.MatrixBase) and expr.shape == (1, 1):
        return sympy.Trace(expr)
    return expr


def _written_by_entries(expressions, M):
    """f uses M only through entries in sums (sum(p[i]*log(p[i]), i) with p declared a vector)."""
    entries = [e for expr in expressions if isinstance(expr, sympy.Basic) for e in expr.atoms(MatrixElement)
               if e.parent == M]
    return bool(entries) and M.shape[1] == 1


def _sums_over_scalars(expressions):
    """No wrt: the problem is about a sample when its scalars appear inside sums over data."""
    for e in expressions:
        if not isinstance(e, sympy.Basic):
            continue
        for s in e.atoms(Sum):
            labels = {a.base.label for a in s.atoms(Indexed)} | {m.parent for m in s.atoms(MatrixElement)}
            scalars = {x for x in s.free_symbols if isinstance(x, sympy.Symbol) and not x.is_integer} - labels
            if scalars:
                return True
    return False


def _free_scalars(expressions, arrays):
    labels = {a.label for a in arrays}
    return [s for e in expressions if isinstance(e, sympy.Basic) for s in e.free_symbols
            if isinstance(s, sympy.Symbol) and not s.is_integer and s not in labels]
