"""A matrix-notation derivative at one point: arrays for the matrices, numbers for the scalars.

    d = derive.differentiate("x.T @ A @ x", "x", symbols="A: n x n, x: n")
    d.at({"x": [1, 2], "A": [[1, 2], [3, 4]]})          # n = 2, read off the arrays

The arrays fix the symbolic sizes (all of them must agree).  At those sizes the
derivative is an explicit matrix of ordinary partial derivatives, so each entry is
decided from its definition exactly as for scalar variables (`result.point_value`):
an exact value checked at that very point, or "undefined" at a kink.
"""

from dataclasses import dataclass

import numpy as np
import sympy
from sympy import ImmutableMatrix, MatrixBase, MatrixSymbol, Symbol

from ..errors import DeriveError, ShapeError, SymbolError
from ..text.inputs import as_basic
from ..text.printing import latex, to_text
from ..validation.instances import Instance, dimensions
from .point import UNDEFINED, entry_values



@dataclass
class MatrixPointValue:
    """A matrix-notation derivative at one point: ``exact`` (a SymPy Matrix of the result's
    shape at the point's sizes), ``numeric``, ``report`` (the check at this point), ``undefined``
    (entries (i, j) where the derivative does not exist), ``point`` (name -> value) and
    ``sizes`` (size symbol -> the length the arrays gave it)."""

    derivation: object
    point: dict
    sizes: dict
    exact: sympy.Matrix
    numeric: np.ndarray
    report: object
    undefined: tuple = ()

    @property
    def defined(self):
        return not self.undefined

    def _where(self):
        where = ", ".join(f"{name} = {to_text(v)}" for name, v in self.point.items())
        sizes = ", ".join(f"{s} = {v}" for s, v in self.sizes.items())
        return where + (f" ({sizes})" if sizes else "")

    def _shown(self):
        rows, cols = self.exact.shape
        return sympy.Matrix(rows, cols, lambda i, j: Symbol(UNDEFINED) if (i, j) in self.undefined
                            else self.exact[i, j])

    def __str__(self):
        (label, _), = self.derivation.entries()
        lines = [f"at {self._where()}:", f"  {label} = {to_text(self._shown())}"]
        if self.report is not None:
            lines.append(f"check at this point: {self.report}")
        elif self.undefined:
            lines.append(f"undefined at {len(self.undefined)} entr{'y' if len(self.undefined) == 1 else 'ies'}: "
                         "the difference quotients have no common finite limit there (a kink, a domain edge or "
                         "0/0 without a limit)")
        return "\n".join(lines)

    def _repr_latex_(self):
        where = r",\ ".join(f"{latex(Symbol(n))} = {latex(v)}" for n, v in self.point.items())
        shown = self._shown().applyfunc(lambda e: Symbol(r"\text{undefined}") if e == Symbol(UNDEFINED) else e)
        return f"$${latex(shown)} \\quad \\text{{at }} {where}$$"

    def to_dict(self):
        return {"point": {name: to_text(v) for name, v in self.point.items()},
                "sizes": {str(s): v for s, v in self.sizes.items()},
                **entry_values(self.exact, self.numeric, self.undefined, self.report)}



def matrix_point_value(d, values, point_value):
    """`d` (matrix notation) at `values` (names or symbols -> arrays and numbers); `point_value`
    evaluates the derivative in components at the instance the arrays fix."""
    given = _given(d, values)
    sizes = _sizes(given)
    instance = Instance(sizes)
    (X,) = d.wrt
    variables = list(instance.matrix(X))  # row-major: entry (i, j) of a matrix X is variables[i * cols + j]
    f = instance.explicit(d.f)
    if d.kind != "jacobian" and isinstance(f, MatrixBase):
        f = f[0, 0]  # x.T*A*x: a 1 x 1 matrix is a scalar
    result = instance.explicit(d.result)
    rows, cols = result.shape
    components = sympy.Matrix(len(variables), 1, list(result)) if d.kind == "grad" else result
    point = {s: v for s, v in given.items() if isinstance(s, Symbol)}
    for M, value in given.items():
        if isinstance(M, MatrixSymbol):
            point.update(zip(instance.matrix(M), value))
    inner = point_value(type(d)(d.kind, f, tuple(variables), components), point)  # d in components, at these sizes
    flat = [divmod(k, cols) if d.kind == "grad" else (k, j) for k, j in inner.undefined]
    exact = sympy.Matrix(rows, cols, list(inner.exact))
    numeric = np.asarray(inner.numeric, dtype=float).reshape(rows, cols)
    shown = {s.name: v for s, v in given.items()}
    return MatrixPointValue(d, shown, {s: sizes[s] for s in sorted(sizes, key=str)}, exact, numeric,
                            inner.report, tuple(flat))


def _given(d, values):
    """{MatrixSymbol or Symbol of d: exact value (an ImmutableMatrix for a matrix)}."""
    if not isinstance(values, dict):
        raise DeriveError(f"a point is a dict of name -> number or array, got {type(values).__name__}")
    arrays = {M.name: M for e in (d.f, d.result, *d.wrt) if isinstance(e, sympy.Basic)
              for M in e.atoms(MatrixSymbol)}
    sizes = set(dimensions(d.f, d.result, *d.wrt))
    scalars = {s.name: s for e in (d.f, d.result) if isinstance(e, sympy.Basic) for s in e.free_symbols
               if isinstance(s, Symbol) and s not in sizes and s.name not in arrays}
    known = sorted(set(arrays) | set(scalars))
    given = {}
    for key, value in values.items():
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if name in arrays:
            given[arrays[name]] = _array(arrays[name], value)
        elif name in scalars:
            given[scalars[name]] = _number(name, value)
        elif name in {str(s) for s in sizes}:
            continue  # a size: the arrays give it (and must agree, see _sizes)
        else:
            raise SymbolError(f"unknown name '{key}' in the point: the derivative uses {', '.join(known)}")
    missing = [n for n in known if {**scalars, **arrays}[n] not in given]
    if missing:
        raise DeriveError(f"the point gives no value for {', '.join(missing)} "
                          f"(arrays as [1, 2] or [[1, 2], [3, 4]])")
    return given


def _array(M, value):
    """value as an exact matrix of M's orientation: a flat list is a column (or a row, for a row M)."""
    rows, cols = M.shape
    if isinstance(value, str):
        from ..text.expressions import parse
        from ..text.namespace import Namespace

        value = parse(value, Namespace(strict=True))  # derive's own parser, never eval
    if isinstance(value, (list, tuple, np.ndarray)):
        value = np.asarray(value, dtype=object)
        if value.ndim > 2 or value.size == 0:
            raise ShapeError(f"{M.name} is {to_text(rows)} x {to_text(cols)}: give a vector or a matrix")
        exact = np.vectorize(lambda v: _number(M.name, v), otypes=[object])(value)  # before SymPy makes floats Floats
        value = sympy.Matrix(exact.tolist()) if value.ndim == 2 else sympy.Matrix(list(exact))
    if not isinstance(value, MatrixBase):
        if (rows, cols) == (1, 1):
            value = sympy.Matrix([[value]])
        else:
            raise ShapeError(f"{M.name} is {to_text(rows)} x {to_text(cols)}: give its value as an array, "
                             f"e.g. {M.name}=[1, 2]" + ("" if cols == 1 else f" or {M.name}=[[1, 2], [3, 4]]"))
    if (cols == 1 and value.shape[0] == 1 and rows != 1) or (rows == 1 and value.shape[1] == 1 and cols != 1):
        value = value.T  # a row given for a column vector, or a column for a row
    return ImmutableMatrix(value.applyfunc(lambda v: _number(M.name, v)))


def _number(name, value):
    """An exact finite real number (floats as the rationals they print as)."""
    if isinstance(value, str):
        from ..text.expressions import parse
        from ..text.namespace import Namespace

        value = parse(value, Namespace(strict=True))
    if isinstance(value, (MatrixBase, list, tuple, np.ndarray)):
        raise ShapeError(f"{name} is a scalar: give it a number, not an array")
    value = sympy.nsimplify(value) if isinstance(value, (float, np.floating, sympy.Float)) else as_basic(value)
    if not (value.is_number and value.is_real) or value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise DeriveError(f"the value of {name} must be finite real numbers, got {to_text(value)}")
    return value


def _sizes(given):
    """{size symbol: length} from the arrays' shapes; a clash between two arrays is a ShapeError."""
    sizes, seen = {}, {}
    for M, value in given.items():
        if not isinstance(M, MatrixSymbol):
            continue
        for dim, length in zip(M.shape, value.shape):
            dim = as_basic(dim)
            if isinstance(dim, Symbol):
                if dim in sizes and sizes[dim] != length:
                    raise ShapeError(f"{M.name} gives {dim} = {length}, but {seen[dim]} gives {dim} = {sizes[dim]}")
                sizes[dim], seen[dim] = length, M.name
    for M, value in given.items():
        if isinstance(M, MatrixSymbol):
            expected = tuple(as_basic(dim).subs(sizes) for dim in M.shape)
            if any(not e.is_Integer for e in expected):
                raise ShapeError(f"the sizes of {M.name} ({to_text(M.shape[0])} x {to_text(M.shape[1])}) are not "
                                 "fixed by the arrays given")
            if tuple(int(e) for e in expected) != tuple(value.shape):
                raise ShapeError(f"{M.name} is {expected[0]} x {expected[1]} here, but its value is "
                                 f"{value.shape[0]} x {value.shape[1]}")
    return sizes


__all__ = ["MatrixPointValue", "matrix_point_value"]
