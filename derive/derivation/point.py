"""A derivative's values at a point, as shown: `PointValue` (str, LaTeX, to_dict) and the JSON of
the entries it shares with matrix_point.MatrixPointValue.  Computed by result.point_value and
matrix_point.matrix_point_value (`Derivation.at`)."""

from dataclasses import dataclass

import numpy as np
import sympy

import codegen

from ..text.printing import latex, to_text

UNDEFINED = "undefined"


@dataclass
class PointValue:
    """A derivative evaluated at one point (exactly where SymPy can)."""

    derivation: object  # the Derivation
    point: dict
    exact: sympy.Matrix
    numeric: np.ndarray
    report: codegen.Report | None
    undefined: tuple = ()  # entries (i, j) where the derivative does not exist (exact nan, numeric nan)

    @property
    def defined(self):
        return not self.undefined

    def _shown(self, i, j):
        """The entry in words: 'undefined', an exact value, and its float when that says more."""
        if (i, j) in self.undefined:
            return UNDEFINED
        value, num = self.exact[i, j], float(self.numeric[i, j])
        text = to_text(value)
        return text if text == repr(num) or value.is_Integer else f"{text}  (= {num:.12g})"

    def __str__(self):
        where = ", ".join(f"{s.name} = {to_text(v)}" for s, v in self.point.items())
        d = self.derivation
        lines = [f"at {where}:"]
        width = max(len(label) for label, _ in d.entries())
        cols = self.exact.shape[1]
        for k, (label, _) in enumerate(d.entries()):
            lines.append(f"  {label.ljust(width)} = {self._shown(*divmod(k, cols))}")
        if self.report is not None:
            lines.append(f"check at this point: {self.report}")
        elif self.undefined:
            lines.append("undefined: the difference quotients have no common finite limit here (a kink, a "
                         "domain edge or 0/0 without a limit)")
        return "\n".join(lines)

    def _repr_latex_(self):
        where = r",\ ".join(f"{latex(s)} = {latex(v)}" for s, v in self.point.items())
        rows, cols = self.exact.shape
        shown = sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(r"\text{undefined}") if (i, j) in self.undefined
                             else self.exact[i, j])
        return f"$${latex(shown)} \\quad \\text{{at }} {where}$$"

    def to_dict(self):
        return {"point": {s.name: to_text(v) for s, v in self.point.items()},
                **entry_values(self.exact, self.numeric, self.undefined, self.report)}


def entry_values(exact, numeric, undefined, report):
    """The JSON of a derivative's values at a point: exact and float entries ("undefined" where the
    derivative does not exist), which those are, and the check there."""
    rows, cols = exact.shape
    return {
        "exact": [[UNDEFINED if (i, j) in undefined else to_text(exact[i, j]) for j in range(cols)]
                  for i in range(rows)],
        "value": [[UNDEFINED if (i, j) in undefined else float(numeric[i, j]) for j in range(cols)]
                  for i in range(rows)],
        "undefined": [list(e) for e in undefined],
        "check": report.to_dict() if report else None,
    }
