"""`Derivation`: a derivative together with how it was checked.

`grad`, `jacobian` and `hessian` return the bare SymPy Matrix (the contract);
`differentiate` returns this object, which also prints well, renders in
Jupyter and serializes for the CLI's --json.
"""

from dataclasses import dataclass

import numpy as np
import sympy

import codegen

from .errors import DeriveError
from .textform import to_text
from .validation import check_at
from .variables import as_basic

KINDS = ("grad", "jacobian", "hessian")
_TITLES = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}


@dataclass
class Derivation:
    """The derivative of ``f`` with respect to ``wrt``.

    Attributes: ``kind`` ("grad", "jacobian", "hessian"), ``f`` (SymPy scalar
    or column Matrix), ``wrt`` (tuple of Symbols), ``result`` (SymPy Matrix,
    shapes as in the README), ``report`` (the `codegen.Report` of the numeric
    validation, or None when validation was switched off).
    """

    kind: str
    f: object
    wrt: tuple
    result: sympy.Matrix
    report: codegen.Report | None = None

    @property
    def notation(self):
        """"components" (a Matrix of scalar partials), "matrix" or "index"."""
        if isinstance(self.result, sympy.MatrixBase) and not any(isinstance(w, sympy.MatrixSymbol) for w in self.wrt):
            return "components"
        return "matrix" if isinstance(self.result, sympy.MatrixExpr) else "index"

    @property
    def shape(self):
        if self.notation == "index":
            return (1, 1)
        return tuple(self.result.shape)

    def entry_label(self, i, j):
        if self.notation != "components":
            wrt = "".join(f"d{_name(w)}" for w in self.wrt)
            return {"grad": f"df/{wrt}", "hessian": f"d2f/{wrt}" if len(self.wrt) > 1 else f"d2f/{wrt}^2",
                    "jacobian": f"dF/{wrt}"}[self.kind]
        names = [s.name for s in self.wrt]
        if self.kind == "grad":
            return f"df/d{names[i]}"
        if self.kind == "hessian":
            return f"d2f/d{names[i]}d{names[j]}"
        return f"dF{i}/d{names[j]}"

    def entries(self):
        """(label, expression) for every entry, row-major."""
        if self.notation != "components":
            return [(self.entry_label(0, 0), self.result)]
        rows, cols = self.result.shape
        return [(self.entry_label(i, j), self.result[i, j]) for i in range(rows) for j in range(cols)]

    def __str__(self):
        variables = ", ".join(_name(s) for s in self.wrt)
        f_text = to_text(self.f)
        size = {"components": f"{self.shape[0]} x {self.shape[1]}",
                "matrix": f"{to_text(self.shape[0])} x {to_text(self.shape[1])} in matrix notation",
                "index": "in index notation"}[self.notation]
        lines = [f"{_TITLES[self.kind]} of {f_text} with respect to ({variables}), {size}:"]
        width = max(len(label) for label, _ in self.entries())
        lines += [f"  {label.ljust(width)} = {to_text(e)}" for label, e in self.entries()]
        lines.append(f"validated: {self.report}" if self.report else "not validated (validate=False)")
        return "\n".join(lines)

    def _repr_latex_(self):
        names = ", ".join(sympy.latex(s) for s in self.wrt)
        if self.kind == "hessian" and self.notation == "index" and len(self.wrt) == 2:
            names = ", ".join(sympy.latex(s) for s in self.wrt)
        body = sympy.latex(self.result)
        symbol = {"grad": r"\nabla f", "hessian": r"\nabla^2 f", "jacobian": r"J_F"}[self.kind]
        return f"$${symbol}({names}) = {body}$$"

    def to_dict(self):
        if self.notation == "components":
            rows, cols = self.result.shape
            result = [[to_text(self.result[i, j]) for j in range(cols)] for i in range(rows)]
            shape = [rows, cols]
        else:
            result = to_text(self.result)
            shape = [to_text(d) for d in self.shape]
        return {
            "kind": self.kind,
            "notation": self.notation,
            "f": to_text(self.f),
            "wrt": [_name(s) for s in self.wrt],
            "shape": shape,
            "result": result,
            "latex": sympy.latex(self.result),
            "validation": self.report.to_dict() if self.report else None,
        }

    def at(self, values):
        """The derivative at a point: `PointValue` with exact and float values
        and a finite-difference check at exactly that point."""
        return point_value(self, values)


@dataclass
class PointValue:
    """A derivative evaluated at one point (exactly where SymPy can)."""

    derivation: Derivation
    point: dict
    exact: sympy.Matrix
    numeric: np.ndarray
    report: codegen.Report | None

    def __str__(self):
        where = ", ".join(f"{s.name} = {to_text(v)}" for s, v in self.point.items())
        d = self.derivation
        lines = [f"at {where}:"]
        width = max(len(label) for label, _ in d.entries())
        flat_exact = list(self.exact)
        for (label, _), value, num in zip(d.entries(), flat_exact, self.numeric.reshape(-1)):
            text = to_text(value)
            shown = text if text == repr(float(num)) or value.is_Integer else f"{text}  (= {num:.12g})"
            lines.append(f"  {label.ljust(width)} = {shown}")
        if self.report is not None:
            lines.append(f"check at this point: {self.report}")
        return "\n".join(lines)

    def _repr_latex_(self):
        where = r",\ ".join(f"{sympy.latex(s)} = {sympy.latex(v)}" for s, v in self.point.items())
        return f"$${sympy.latex(self.exact)} \\quad \\text{{at }} {where}$$"

    def to_dict(self):
        rows, cols = self.exact.shape
        return {
            "point": {s.name: to_text(v) for s, v in self.point.items()},
            "exact": [[to_text(self.exact[i, j]) for j in range(cols)] for i in range(rows)],
            "value": [[_json(self.numeric[i, j]) for j in range(cols)] for i in range(rows)],
            "check": self.report.to_dict() if self.report else None,
        }


def _name(s):
    return getattr(s, "name", None) or to_text(s)


def point_value(d, values):
    from .calculus import function_vector  # local: calculus imports this module

    if d.notation != "components":
        raise DeriveError("evaluate a matrix- or index-notation derivative with codegen.kernel, or check it at "
                          "concrete sizes with derive.check")
    point = {}
    by_name = {s.name: s for s in d.result.free_symbols | _free(d.f) if isinstance(s, sympy.Symbol)}
    for key, value in values.items():
        sym = by_name.get(key) if isinstance(key, str) else key
        if sym is None:
            sym = next((w for w in d.wrt if w.name == key), None)
        if sym is None:
            raise DeriveError(f"unknown symbol '{key}' in the point: the expression uses "
                              f"{', '.join(sorted(by_name)) or 'no symbols'}")
        if isinstance(value, str):  # text goes through the safe parser, never sympify
            from .parser import Namespace, parse

            value = parse(value, Namespace(strict=True))
        point[sym] = sympy.nsimplify(value) if isinstance(value, float) else as_basic(value)
    missing = [s.name for s in sorted(_free(d.f) | d.result.free_symbols, key=str) if s not in point]
    exact = d.result.subs(point)
    numeric = np.array(exact.evalf(17).tolist(), dtype=complex)
    if np.all(numeric.imag == 0):
        numeric = numeric.real.astype(float)
    report = None
    if not missing and all(w in point for w in d.wrt):
        functions, claimed = function_vector(d.kind, d.f, d.wrt, d.result)
        report = check_at(functions, d.wrt, claimed, point)
    elif missing:
        raise DeriveError(f"the point gives no value for {', '.join(missing)}")
    return PointValue(d, point, exact, numeric, report)


def _free(obj):
    return obj.free_symbols if hasattr(obj, "free_symbols") else set()


def _json(v):
    v = complex(v)
    if v.imag:
        return str(v)
    v = v.real
    return v if np.isfinite(v) else str(v)
