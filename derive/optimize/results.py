"""What the solvers return: critical points (`CriticalPoint`, `CriticalPoints`: critical.py and the
notations it hands over to) and KKT points (`KKTPoint`, `KKTSolution`: kkt/ and the
notations' problems), and what they share: iteration, and the LaTeX of a point."""

from dataclasses import dataclass, field

import sympy

from ..errors import DeriveError
from ..text.inputs import as_basic
from ..text.printing import latex, to_text
from .parametric import describe
from .realroots import short_text

# The sign convention, the same in Python, on the command line and in --json.
CONVENTION = {
    "min": "L = f + lambda*h + mu*g (h = 0, g <= 0, mu >= 0); relaxing g <= 0 to g <= eps lowers the minimum "
           "by about mu*eps, and moving h = 0 to h = eps changes it by about -lambda*eps",
    "max": "L = f - lambda*h - mu*g (h = 0, g <= 0, mu >= 0); relaxing g <= 0 to g <= eps raises the maximum "
           "by about mu*eps, and moving h = 0 to h = eps changes it by about lambda*eps",
}


class ResultList:
    """Iterable, indexable results (critical points, KKT points) with ``.points``."""

    points: list

    def __iter__(self):
        return iter(self.points)

    def __len__(self):
        return len(self.points)

    def __getitem__(self, i):
        return self.points[i]


LATEX_TEXT = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}",
              **{c: "\\" + c for c in "{}_%&#$"}}


def text_latex(words):
    """Words for LaTeX's \\text{...}: the characters that are commands there escaped, in one pass."""
    return "".join(LATEX_TEXT.get(c, c) for c in str(words))


def point_latex(head, x, value, conditions=(), requires=()):
    """$text{head} x_1 = v_1, ..., f = value, if conditions$ for a critical or KKT point
    (`requires`: conditions in words, such as a rank)."""
    where = ",\\ ".join(f"{latex(s)} = {latex(v)}" for s, v in x.items())
    parts = [latex(c) for c in conditions] + [f"\\text{{{text_latex(r)}}}" for r in requires]
    when = (",\\ \\text{if } " + " \\wedge ".join(parts)) if parts else ""
    return f"$\\text{{{head}}} {where},\\ f = {latex(value)}{when}$"


@dataclass
class CriticalPoint:
    """A point where grad f = 0: ``x`` (symbol -> exact value), ``kind``
    ("min", "max", "saddle", "degenerate"), ``eigenvalues`` of the Hessian
    there, ``value`` f(x), ``reason`` (how the kind was decided),
    ``conditions`` (relations on the parameters under which this point and
    kind hold; empty when unconditional), ``approx`` (floats for display of
    irrational coordinates) and ``notes`` (how each coordinate is known to
    be real, when SymPy could not tell)."""

    x: dict
    kind: str
    eigenvalues: list
    value: object
    reason: str = ""
    hessian: object = None
    conditions: list = field(default_factory=list)
    approx: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    requires: list = field(default_factory=list)
    display: dict = field(default_factory=dict)
    when: str = ""

    def __str__(self):
        if isinstance(self.hessian, sympy.MatrixExpr) and not isinstance(self.hessian, sympy.MatrixBase):
            hessian = f"Hessian {to_text(self.hessian)} "
        elif self.eigenvalues or self.hessian is not None:
            hessian = "Hessian eigenvalues " + (", ".join(short_text(e) for e in self.eigenvalues) or "not computed") + " "
        else:
            hessian = ""
        when = self.condition_text()
        when = f" when {when}" if when else ""
        where = _where(self.display or self.x, self.approx)
        line = f"{self.kind:10} at {where}{when}: f {short_text(self.value, '= ')}; {hessian}({self.reason})"
        return "\n".join([line] + [f"    {n}" for n in self.notes])

    def __repr__(self):
        return f"CriticalPoint({self})"

    def condition_text(self):
        """The conditions in words: the relations (or their wording in ``when``) and the requirements."""
        parts = [self.when or describe(self.conditions)] if (self.when or self.conditions) else []
        return " and ".join(parts + [str(r) for r in self.requires])

    def _repr_latex_(self):
        return point_latex(f"{self.kind} at ", self.x, self.value, self.conditions, self.requires)

    def to_dict(self):
        return {"x": {str(s): to_text(v) for s, v in self.x.items()}, "kind": self.kind,
                "eigenvalues": [to_text(e) for e in self.eigenvalues], "value": to_text(self.value),
                "reason": self.reason, "conditions": [to_text(c) for c in self.conditions],
                "requires": [str(r) for r in self.requires], "when": self.condition_text(),
                "display": {str(s): to_text(v) for s, v in self.display.items()},
                "hessian": None if self.hessian is None else to_text(self.hessian),
                "approx": {str(s): v for s, v in self.approx.items()}, "notes": list(self.notes)}


@dataclass
class CriticalPoints(ResultList):
    """All critical points of f (a list with a readable `str` and `to_dict`).

    With parameters (symbols of f that are not in wrt), each point carries its
    conditions, and ``cases`` lists the parameter values where there is no
    critical point or a whole set of them (`parametric.Case`)."""

    f: object
    wrt: tuple
    points: list = field(default_factory=list)
    note: str = ""
    parameters: tuple = ()
    cases: list = field(default_factory=list)

    def __str__(self):
        params = f", parameters {', '.join(map(str, self.parameters))}" if self.parameters else ""
        head = f"critical points of {to_text(self.f)} over ({', '.join(map(str, self.wrt))}){params}:"
        lines = [f"  {p}" for p in self.points] + [f"  {_case_text(c, self.wrt)}" for c in self.cases]
        lines += [f"  {line}" for line in self.kind_summary()]
        if not lines:
            return head + " none" + (f" ({self.note})" if self.note else "")
        return head + "\n" + "\n".join(lines) + (f"\n  note: {self.note}" if self.note else "")

    def __repr__(self):
        return f"CriticalPoints({self})"

    def _repr_latex_(self):
        rows = [p._repr_latex_().strip("$") for p in self.points]
        return "$$\\begin{gathered}" + (r"\\ ".join(rows) or r"\text{no critical point}") + "\\end{gathered}$$"

    def kind_summary(self):
        """Lines saying how the kind of a parametric point depends on the parameters."""
        groups = {}
        for p in self.points:
            if p.conditions:
                groups.setdefault(tuple(p.x.items()), []).append(p)
        out = []
        for items, pts in groups.items():
            if len({p.kind for p in pts}) > 1 or len(pts) > 1:
                where = ", ".join(f"{s} = {to_text(v)}" for s, v in items)
                out.append(f"the kind at {where} depends on the parameters: "
                           + ", ".join(f"{p.kind} if {describe(p.conditions)}" for p in pts))
        return out

    def to_dict(self):
        return {"f": to_text(self.f), "wrt": [str(s) for s in self.wrt],
                "parameters": [str(s) for s in self.parameters],
                "points": [p.to_dict() for p in self.points],
                "cases": [_case_dict(c) for c in self.cases], "note": self.note}

    def _repr_html_(self):
        from ..present.notebook import critical_html

        return critical_html(self)

    def plot(self, path=None, **options):
        """Contour map (2-D) or curve (1-D) of f with min, max and saddle markers; see
        `derive.figures.plot_critical_points`.  Written to `path` when given, else returned."""
        from ..present.figures import plot_critical_points

        if not all(isinstance(v, sympy.Symbol) for v in self.wrt) or \
                as_basic(self.f).has(sympy.Sum, sympy.MatrixSymbol, sympy.Indexed):
            raise DeriveError("plots of critical points need one or two scalar variables and f in them alone; "
                              "this problem is in matrix or index notation, or over a sample")
        return plot_critical_points(self, path, **options)


def _where(x, approx_x):
    """x = exact (~ float); an exact value too long to read (a polynomial in a CRootOf) is
    shown as its float, marked ~, with a pointer to the exact one."""
    parts = []
    for s, v in x.items():
        text = short_text(v, "= ", limit=120)
        if text.startswith("~"):
            parts.append(f"{s} {text} (exact value in .x)")
        else:
            parts.append(f"{s} {text}" + (f" (~ {approx_x[s]:.10g})" if s in approx_x else ""))
    return ", ".join(parts)


def _case_text(case, wrt):
    when = f"when {describe(case.relations)}: " if case.relations else ""
    if case.values is None:
        return when + "no critical point"
    if set(case.free) == set(wrt):
        return when + "every point is a critical point (f does not depend on the variables)"
    fixed = ", ".join(f"{s} = {to_text(v)}" for s, v in case.values.items())
    return when + f"critical on a whole set: {fixed} with {', '.join(map(str, case.free))} free"


def _case_dict(case):
    kind = "none" if case.values is None else "continuum"
    return {"conditions": [to_text(c) for c in case.relations], "critical": kind,
            "x": {str(s): to_text(v) for s, v in (case.values or {}).items()},
            "free": [str(s) for s in case.free]}


@dataclass
class KKTPoint:
    """A KKT point: ``x`` and ``multipliers`` (exact), ``active`` (indices of the
    inequality constraints that hold with equality), ``value`` f(x), ``kind``
    ("min", "max", "saddle", "degenerate"), ``exact`` (False for the numeric
    fallback), ``notes`` explaining constraints and multipliers (and how a root
    written with I is known to be real), ``conditions`` (relations on the
    parameters under which the point and its kind hold; empty when
    unconditional) and ``approx`` (floats for display of irrational values)."""

    x: dict
    multipliers: dict
    active: tuple
    value: object
    kind: str
    exact: bool = True
    notes: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    approx: dict = field(default_factory=dict)
    requires: list = field(default_factory=list)
    implicit: list = field(default_factory=list)
    every: str = ""

    def __str__(self):
        where = ", ".join(f"{s} = {to_text(v)}" + (f" (~ {self.approx[s]:.10g})" if s in self.approx else "")
                          for s, v in self.x.items())
        where += f" {self.every}" if self.every else ""
        mult = ", ".join(f"{s} = {to_text(v)}" for s, v in self.multipliers.items())
        label = "" if self.exact else " [numeric, not exact]"
        when = self.condition_text()
        when = f" when {when}" if when else ""
        lines = [f"{self.kind}{label}: {where}{when}; objective {short_text(self.value)}"
                 + (f"; multipliers {mult}" if mult else "")]
        lines += [f"    {m} solves {to_text(e.lhs)} = {to_text(e.rhs)} (an implicit equation: no closed form; "
                  "solve it numerically at your data)" for e in self.implicit for m in self._implicit_names(e)]
        lines += [f"    {n}" for n in self.notes]
        return "\n".join(lines)

    def _implicit_names(self, equation):
        names = [str(m) for m, v in self.multipliers.items() if v == m and equation.has(m)]
        return [" and ".join(names)] if names else ["it"]

    def __repr__(self):
        return f"KKTPoint({self})"

    def condition_text(self):
        parts = [describe(self.conditions)] if self.conditions else []
        return " and ".join(parts + [str(r) for r in self.requires])

    def _repr_latex_(self):
        return point_latex(f"{self.kind}: ", self.x, self.value, self.conditions, self.requires)

    def to_dict(self):
        return {"x": {str(s): to_text(v) for s, v in self.x.items()},
                "multipliers": {str(s): to_text(v) for s, v in self.multipliers.items()},
                "active": list(self.active), "value": to_text(self.value), "kind": self.kind,
                "exact": self.exact, "notes": list(self.notes), "conditions": [to_text(c) for c in self.conditions],
                "requires": [str(r) for r in self.requires], "when": self.condition_text(),
                "implicit": [to_text(e) for e in self.implicit], "every": self.every,
                "approx": {str(s): v for s, v in self.approx.items()}}


@dataclass
class KKTSolution(ResultList):
    """The KKT points of a problem, best objective first."""

    problem: object
    points: list
    note: str = ""

    irregular: list = field(default_factory=list)

    def __str__(self):
        head = f"{len(self.points)} KKT point(s) of: {self.problem.sense_text()} {to_text(self.problem.objective)}"
        convention = f"  multipliers: {CONVENTION[self.problem.sense]}" if self.problem.constraints else ""
        body = "\n".join(f"  {p}" for p in self.points) or "  none"
        irregular = "\n".join(f"  {q}" for q in self.irregular)
        return "\n".join(x for x in (head, convention, body, irregular) if x) + \
            (f"\n  note: {self.note}" if self.note else "")

    def __repr__(self):
        return f"KKTSolution({self})"

    def _repr_latex_(self):
        rows = [p._repr_latex_().strip("$") for p in self.points] + [q.latex() for q in self.irregular]
        body = r"\\ ".join(rows) if rows else r"\text{no KKT point}"
        return f"$$\\begin{{gathered}}{self.problem.latex()}\\\\ {body}\\end{{gathered}}$$"

    def to_dict(self):
        return {"problem": self.problem.to_dict(), "points": [p.to_dict() for p in self.points], "note": self.note,
                "irregular": [q.to_dict() for q in self.irregular]}

    def _repr_html_(self):
        from ..present.notebook import kkt_html

        return kkt_html(self)

    def plot(self, path=None, **options):
        """The feasible region, objective contours, the optimum and its active constraints; see
        `derive.figures.plot_kkt`.  Written to `path` when given, else returned."""
        from ..present.figures import plot_kkt

        if self.problem.notation != "scalar":
            raise DeriveError(f"plots of KKT problems need one or two scalar variables; this one is in "
                              f"{self.problem.notation} notation")
        return plot_kkt(self.problem, path, solution=self, **options)
