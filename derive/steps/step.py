"""`Step` and `Steps`: one line of a derivation, and the whole derivation.

A step rewrites one expression into an equal one by one rule.  In scalar and
index notation what is still to be differentiated is an unevaluated
``sympy.Derivative``; in matrix notation it is a pending differential d(...)
(`differentials.MatrixDifferential`), and the last step identifies the
gradient from the differential (``relation`` "=>").

    >>> import derive
    >>> steps = derive.differentiate("x**3 - 2*x**2 + 1", "x").steps
    >>> [s.rule for s in steps]
    ['sum rule', 'constant factor', 'power rule']
    >>> print(steps[-1])
    power rule: d/dx(x**3) - 2*d/dx(x**2) = 3*x**2 - 4*x   (d/dx x**n = n*x**(n - 1))
"""

from dataclasses import dataclass, field

from ..present.formulas import latex, text


@dataclass
class Step:
    """One rule applied: ``before`` and ``after`` are equal (SymPy objects).

    ``rule`` names the rule ("chain rule", "power rule", "Kronecker delta
    contracted", "differential of the inverse", ...), ``note`` says in one
    line what it did, ``entry`` which entry of the result the step belongs to
    ("df/dx"), ``notation`` is "scalar", "index" or "matrix", and
    ``relation`` is "=" (an equality) or "=>" (the last matrix step: the
    gradient read off the differential).  ``checked`` says how the step was
    verified before it was shown.
    """

    rule: str
    before: object
    after: object
    note: str = ""
    entry: str = ""
    notation: str = "scalar"
    relation: str = "="
    checked: str = ""
    parts: tuple = field(default=(), repr=False, compare=False)  # (node, replacement) pairs rewritten

    def __str__(self):
        note = f"   ({self.note})" if self.note else ""
        return f"{self.rule}: {text(self.before)} {self.relation} {text(self.after)}{note}"

    def latex_row(self):
        """``before & = after`` with the rule as a right-hand comment, for an align block."""
        return rf"&{self._latex_relation()} {latex(self.after)} &&\quad \text{{{_latex_text(self.rule)}}}"

    def _repr_latex_(self):
        rel = self._latex_relation()
        note = rf"\quad\text{{({_latex_text(self.note)})}}" if self.note else ""
        return f"$${latex(self.before)} {rel} {latex(self.after)} \\qquad \\text{{{_latex_text(self.rule)}}}{note}$$"

    def _latex_relation(self):
        """'=', or for the identification '=> grad f =' as \\Rightarrow \\nabla f ="""
        if self.relation == "=":
            return "="
        name = self.relation.removeprefix("=>").removesuffix("=").strip()
        name = {"grad f": r"\nabla f", "J": "J", "H": "H"}.get(name, _latex_text(name))
        return rf"\;\Rightarrow\; {name} ="

    def to_dict(self):
        return {"rule": self.rule, "before": text(self.before), "after": text(self.after), "note": self.note,
                "entry": self.entry, "notation": self.notation, "relation": self.relation,
                "checked": self.checked, "latex": {"before": latex(self.before), "after": latex(self.after)}}


class Steps(list):
    """The steps of a derivation: a list of `Step`, grouped per distinct entry.

    ``chains`` is a list of (entry label, start expression, steps) — the
    start of each chain is ``Derivative(f, x)`` (scalar, index) or d f
    (matrix).  Entries that repeat another one (a symmetric Hessian's lower
    triangle, equal entries) are listed once; ``same_as`` maps their labels to
    the label shown.
    """

    def __init__(self, chains, same_as=None, checked=""):
        super().__init__(step for _, _, steps in chains for step in steps)
        self.chains = list(chains)
        self.same_as = dict(same_as or {})
        self.checked = checked

    def entries(self):
        """[(label, [Step, ...])] per distinct entry."""
        return [(label, steps) for label, _, steps in self.chains]

    def __str__(self):
        lines = []
        width = max((len(s.rule) for s in self), default=0)
        for label, start, steps in self.chains:
            lines.append(f"{label}:")
            lines.append(f"  {'':{width}}   {text(start)}")
            for s in steps:
                note = f"   ({s.note})" if s.note else ""
                lines.append(f"  {s.rule:{width}} {s.relation} {text(s.after)}{note}")
            if not steps:
                lines.append(f"  {'':{width}}   (nothing to differentiate)")
        for label, other in self.same_as.items():
            lines.append(f"{label}: same as {other}")
        if self.checked:
            lines.append(f"every step checked: {self.checked}")
        return "\n".join(lines)

    def _repr_latex_(self):
        return "$$" + self.latex_body() + "$$"

    def _repr_html_(self):
        from ..present.notebook import steps_html

        return steps_html(self)

    def latex_body(self):
        """One aligned block: per entry a heading, the start, then '= after' per step with the rule on the right."""
        rows = []
        for label, start, steps in self.chains:
            rows.append(rf"\text{{{_latex_text(label)}:}} & \\")
            lead = latex(start)
            if not steps:
                rows.append(lead + r" & \\")
            for k, s in enumerate(steps):
                rows.append((lead if k == 0 else "") + " " + s.latex_row() + r" \\")
            rows[-1] += "[0.5em]"
        return r"\begin{aligned}" + "\n".join(rows) + r"\end{aligned}"

    def to_dict(self):
        return {"entries": [{"entry": label, "start": text(start), "steps": [s.to_dict() for s in steps]}
                            for label, start, steps in self.chains],
                "same_as": dict(self.same_as), "checked": self.checked}


def _latex_text(words):
    """Plain words inside \\text{}: escape what LaTeX would read as commands."""
    for a, b in (("\\", r"\backslash "), ("_", r"\_"), ("#", r"\#"), ("%", r"\%"), ("&", r"\&"),
                 ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}"), ("$", r"\$")):
        words = words.replace(a, b)
    return words
