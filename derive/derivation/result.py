"""`Derivation`: a derivative together with how it was checked.

`grad`, `jacobian` and `hessian` return the bare SymPy Matrix (the contract);
`differentiate` returns this object, which also prints well, renders in
Jupyter and serializes for the CLI's --json.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy

import codegen

from ..errors import DeriveError, SymbolError
from ..validation.pointwise import derivative_values, value_at
from ..calculus.reals import RealView
from ..text.symbol_table import merge, name_of
from ..text.printing import to_text
from ..validation.numeric import check_at
from ..text.inputs import as_basic
from ..text.printing import latex
from .point import UNDEFINED, PointValue, entry_values

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
    change: object = None  # `calculus.powers.PowerVariables` when wrt has a power (sigma^2)
    symmetric: tuple = ()  # names of the matrices declared symmetric: the result holds only on those

    def __repr__(self):
        # derive's text, never SymPy's internals (Lambda(_t, ...), Trace of a 1 x 1 product)
        wrt = ", ".join(to_text(w) for w in self.wrt)
        status = self.report.status if self.report is not None else "not validated"
        return (f"Derivation(kind={self.kind!r}, f={to_text(self.f)!r}, wrt=({wrt}), "
                f"result={to_text(self.result)!r}, validation={status!r})")

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
        names = [_label(s) for s in self.wrt]
        if self.kind == "grad":
            return f"df/d{names[i]}"
        if self.kind == "hessian":
            return f"d2f/d{names[i]}d{names[j]}"
        return f"dF{i}/d{names[j]}"

    @property
    def free_indices(self):
        """'i, j (of f); m, n (of the variable)': the indices the index-notation result depends
        on, or "" (a result that holds for every value of them)."""
        if self.notation != "index":
            return ""
        from ..calculus.index import free_indices

        own = list(dict.fromkeys(i for w in self.wrt if isinstance(w, sympy.Indexed) for i in w.indices
                                 if isinstance(i, sympy.Symbol)))
        of_f = [i for i in free_indices(self.f) if i not in own] if isinstance(self.f, sympy.Basic) else []
        parts = []
        if of_f:
            parts.append(f"{', '.join(map(str, of_f))} (of f)")
        if own:
            parts.append(f"{', '.join(map(str, own))} (of the variable)")
        return "; ".join(parts)

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
        if self.free_indices:
            lines.append(f"free indices: {self.free_indices}")
        lines.append(f"validated: {self.report}" if self.report else "not validated (validate=False)")
        return "\n".join(lines)

    def _repr_latex_(self):
        names = ", ".join(latex(s) for s in self.wrt)
        if self.kind == "hessian" and self.notation == "index" and len(self.wrt) == 2:
            names = ", ".join(latex(s) for s in self.wrt)
        body = latex(self.result)
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
            "latex": latex(self.result),
            "free_indices": self.free_indices,
            "validation": self.report.to_dict() if self.report else None,
        }

    def at(self, values):
        """The derivative at a point: `PointValue` with exact and float values
        and a finite-difference check at exactly that point."""
        return point_value(self, values)

    @cached_property
    def steps(self):
        """The derivation step by step: a `derive.steps.Steps` list of `Step`
        (rule, before, after, note), one chain per distinct entry, every step
        checked numerically before it is shown."""
        from ..steps import derivation_steps
        from ..steps.step import Steps

        view = RealView(self.f, self.result, self.wrt)  # the rules work over the reals
        steps = derivation_steps(view.real(self))
        chains = [(label, view.user(start), [view.user(s) for s in chain]) for label, start, chain in steps.chains]
        return Steps(chains, steps.same_as, steps.checked)

    def plot(self, path=None, **options):
        """A figure of the derivative against finite differences (see `derive.figures.plot_derivation`);
        written to `path` (PNG, SVG, PDF) when given, else returned."""
        from ..present.figures import plot_derivation

        return plot_derivation(self, path, **options)

    def _repr_html_(self):
        from ..present.notebook import derivation_html

        return derivation_html(self)


def _name(s):
    return getattr(s, "name", None) or to_text(s)


def _label(s):
    """x, or (sigma**2) for a power of a variable: df/d(sigma**2)."""
    name = _name(s)
    return name if name.isidentifier() else f"({name})"


def point_value(d, values):
    """`d` at the point `values` (names or the user's symbols -> numbers or text)."""
    from ..calculus.scalar import function_vector

    undeclared = {a.func for a in d.result.atoms(sympy.core.function.AppliedUndef)} \
        if isinstance(d.result, (sympy.Basic, sympy.MatrixBase)) else set()
    if undeclared:  # g: function has no values: the derivative at a point would be g'(2) itself
        names = ", ".join(sorted(str(g) for g in undeclared))
        raise DeriveError(f"{names} is an unspecified function: the derivative has no numeric value at a point; "
                          "substitute a concrete function to evaluate it")
    if d.notation == "matrix":  # arrays for the matrices: they fix the sizes
        from .matrix_point import matrix_point_value

        return matrix_point_value(d, values, point_value)
    if d.notation != "components":
        raise DeriveError("a derivative in index notation has no value at a point as a whole: differentiate "
                          "in matrix notation (wrt the vector or matrix) to evaluate it at arrays, or compile "
                          "it with derive.kernel")
    point = _point(d, values)
    f, wrt, result, at = d.f, d.wrt, d.result, point
    if d.change:  # wrt sigma^2: evaluate in v = sigma^2 (at v = sigma**2 of the point)
        f, wrt, result, at = d.change.to_new(f), d.change.new(wrt), d.change.to_new(result), d.change.point(point)
    view = RealView(f, result, wrt)  # derive works over the reals
    f, wrt, result, real_point = view.real(f), view.real(wrt), view.real(result), view.real(at)
    functions, claimed = function_vector(d.kind, f, wrt, result)
    if d.kind == "hessian":  # the Hessian differentiates the gradient, whose values are decided first
        outer = value_at(f, real_point)
        gradient = derivative_values(sympy.Matrix([f]), wrt, functions.T, real_point, [outer])[0]
    else:
        gradient = [value_at(g, real_point) for g in functions]
    entries = derivative_values(functions, wrt, claimed, real_point, gradient)
    if d.kind == "grad":
        entries = [[e] for e in entries[0]]
    undefined = tuple((i, j) for i, row in enumerate(entries) for j, e in enumerate(row) if e is None)
    exact = sympy.Matrix([[sympy.nan if e is None else view.user(e) for e in row] for row in entries])
    numeric = np.array([[np.nan if e is None else float(e) for e in row] for row in entries], dtype=float)
    report = None
    if not undefined:  # check the values reported (the formula may be 0/0 where the limit exists), here only
        values = sympy.Matrix([[view.real(e) for e in row] for row in entries])
        report = check_at(functions, wrt, values, real_point, nearby=0)
    return PointValue(d, point, exact, numeric, report, undefined)


def _point(d, values):
    """{the derivation's symbol: exact number} from names or symbols -> numbers or text."""
    from ..text.namespace import Namespace
    from ..text.expressions import parse

    if not isinstance(values, dict):
        raise DeriveError(f"a point is a dict of symbol (or name) -> number, got {type(values).__name__}")
    variables = set().union(*(_free(w) for w in d.wrt))
    by_name = {s.name: s for s in d.result.free_symbols | _free(d.f) | variables if isinstance(s, sympy.Symbol)}
    point = {}
    for key, value in values.items():
        name = key if isinstance(key, str) else name_of(key) if isinstance(key, sympy.Basic) else None
        sym = by_name.get(name)
        if sym is None:
            raise SymbolError(f"unknown symbol '{key}' in the point: the expression uses "
                              f"{', '.join(sorted(by_name)) or 'no symbols'}")
        if not isinstance(key, str):
            merge(sym, key)  # the same variable, or a SymbolError naming the clash
        if isinstance(value, str):  # text goes through the safe parser, never sympify
            value = parse(value, Namespace(strict=True))
        if isinstance(value, (sympy.MatrixBase, list, tuple, np.ndarray)):
            raise DeriveError(f"{name} is a scalar variable: give it a number, not an array")
        value = sympy.nsimplify(value) if isinstance(value, float) else as_basic(value)
        if not (value.is_number and value.is_real) or value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            raise DeriveError(f"the value of {name} must be a finite real number, got {to_text(value)}")
        for fact in ("positive", "negative", "nonnegative", "nonpositive", "integer", "nonzero"):
            if getattr(sym, f"is_{fact}") and getattr(value, f"is_{fact}") is False:
                raise SymbolError(f"'{name}' is {fact}, but the point has {name} = {to_text(value)}")
        point[sym] = value
    missing = [s.name for s in sorted(_free(d.f) | d.result.free_symbols | variables, key=str)
               if isinstance(s, sympy.Symbol) and s not in point]
    if missing:
        raise DeriveError(f"the point gives no value for {', '.join(missing)}")
    return point


def _free(obj):
    return obj.free_symbols if hasattr(obj, "free_symbols") else set()


__all__ = ["KINDS", "UNDEFINED", "Derivation", "PointValue", "entry_values", "point_value"]
