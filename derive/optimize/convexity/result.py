"""`Convexity`: the answer to "is f convex?", with the argument or the counterexample."""

from dataclasses import dataclass, field

import sympy

from ...text.printing import latex, to_text

STATUSES = ("convex", "strictly convex", "concave", "not convex", "not decided")
_VERDICT = {"convex": True, "strictly convex": True, "concave": False, "not convex": False, "not decided": None}


@dataclass
class Step:
    """One line of an argument: words, and the formula they are about (SymPy, or None)."""

    text: str
    math: object = None

    def __str__(self):
        return self.text if self.math is None else f"{self.text}: {_text(self.math)}"

    def latex(self):
        words = r"\text{" + _escape(self.text) + "}"
        return words if self.math is None else f"{words}\\quad {latex(self.math)}"

    def _repr_latex_(self):
        return f"${self.latex()}$"

    def to_dict(self):
        return {"text": self.text, "math": None if self.math is None else _text(self.math),
                "latex": None if self.math is None else latex(self.math)}


@dataclass
class Argument:
    """A proof that a Hessian is positive semidefinite (``definite``: positive definite)."""

    definite: bool
    steps: list

    def indented(self, prefix):
        return [Step(prefix + s.text, s.math) for s in self.steps]


@dataclass
class Convexity:
    """Outcome of `derive.convexity`.

    ``status``: "convex", "strictly convex", "concave", "not convex" or "not
    decided"; ``convex`` is True, False or None (not decided).  Convex means for
    every admissible value of the other symbols (parameters, data), as declared.
    ``hessian`` is derive's own Hessian (SymPy; components, matrix or index
    notation), ``argument`` a list of `Step`s (words and formulas) that shows
    the Hessian is PSD (or NSD, for "concave"), ``counterexample`` None or a
    dict with ``point`` (symbol -> exact value; arrays as matrices, with the
    ``sizes`` used), ``direction`` (variable -> value) and ``curvature``
    (v^T H v < 0 there, exact where possible; ``curvature_value`` its float),
    ``domain`` the conditions f's domain imposes, ``evidence`` how the answer
    was checked, ``note`` what to do when it was not decided.
    """

    f: object
    wrt: tuple
    notation: str
    hessian: object
    status: str
    argument: list = field(default_factory=list)
    counterexample: dict | None = None
    domain: list = field(default_factory=list)
    evidence: str = ""
    note: str = ""

    @property
    def convex(self):
        if self.status == "concave" and self.counterexample is None:
            return None  # concave, and no direction of strictly negative curvature was found to rule out affine
        return _VERDICT[self.status]

    def __str__(self):
        lines = [f"{self.headline()}", f"  Hessian ({self.notation} notation): {_text(self.hessian)}"]
        if self.domain:
            lines.append(f"  domain: {', '.join(self.domain)}")
        if self.argument:
            lines.append("  why:")
            lines += [f"    {k}. {step}" for k, step in enumerate(self.argument, 1)]
        if self.counterexample:
            lines.append(f"  counterexample: {counterexample_text(self.counterexample)}")
        if self.evidence:
            lines.append(f"  checked: {self.evidence}")
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)

    def headline(self):
        return f"{to_text(self.f)} {self._verdict()} in {self._variables()}"

    def _verdict(self):
        return {"not decided": "is not decided (neither a proof nor a counterexample was found)"}.get(
            self.status, f"is {self.status}")

    def _variables(self):
        """(x, y); w; or w for index notation (w[k], w[l] are the Hessian's entries)."""
        if self.notation == "index":
            return str(self.wrt[0].base)
        if self.notation == "matrix":
            return _name(self.wrt[0])
        return "(" + ", ".join(_name(w) for w in self.wrt) + ")"

    def _repr_latex_(self):
        lines = [f"f = {latex(self.f)}" + r"\ \text{" + _escape(f" {self._verdict()} in {self._variables()}")
                 + "}", r"\nabla^2 f = " + latex(self.hessian)]
        lines += [f"{k}.\\ " + step.latex() for k, step in enumerate(self.argument, 1)]
        if self.counterexample:
            c = self.counterexample
            lines.append(r"\text{counterexample: }" + r",\ ".join(
                f"{_latex_name(s)} = {latex(v)}" for s, v in {**c["point"]}.items())
                + r";\ v = " + r",\ ".join(f"{latex(v)}" for v in c["direction"].values())
                + r";\ v^T \nabla^2 f\, v = " + latex(c["curvature"]) + " < 0")
        return "$$\\begin{array}{l}" + r" \\ ".join(lines) + r"\end{array}$$"

    def to_dict(self):
        c = self.counterexample
        return {
            "f": to_text(self.f),
            "wrt": [_name(w) for w in self.wrt],
            "notation": self.notation,
            "status": self.status,
            "convex": self.convex,
            "hessian": _text(self.hessian),
            "hessian_latex": latex(self.hessian),
            "argument": [s.to_dict() for s in self.argument],
            "counterexample": None if c is None else {
                "point": {_name(s): _text(v) for s, v in c["point"].items()},
                "sizes": {_name(s): int(v) for s, v in c.get("sizes", {}).items()},
                "direction": {_name(s): _text(v) for s, v in c["direction"].items()},
                "curvature": _text(c["curvature"]),
                "curvature_value": float(c["curvature_value"]),
                "exact": bool(c.get("exact", False)),
            },
            "domain": list(self.domain),
            "evidence": self.evidence,
            "note": self.note,
        }


def counterexample_text(c):
    sizes = ", ".join(f"{_name(s)} = {v}" for s, v in c.get("sizes", {}).items())
    point = ", ".join(f"{_name(s)} = {_text(v)}" for s, v in c["point"].items())
    direction = ", ".join(f"{_name(s)} = {_text(v)}" for s, v in c["direction"].items())
    value = _text(c["curvature"])
    approx = "" if value == f"{c['curvature_value']:.6g}" else f" (~ {c['curvature_value']:.6g})"
    return (f"{'at sizes ' + sizes + ', ' if sizes else ''}at {point}, along the direction {direction}: "
            f"v^T H v = {value}{approx} < 0")


def _text(value):
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):
        value = value[0, 0]
    if isinstance(value, sympy.MatrixBase) and 1 in value.shape:
        return "[" + ", ".join(to_text(v) for v in value) + "]"
    return to_text(value)


def _name(s):
    return getattr(s, "name", None) or str(getattr(s, "label", s))


def _latex_name(s):
    return latex(getattr(s, "label", s))


def _escape(text):
    for a, b in (("\\", r"\backslash "), ("_", r"\_"), ("#", r"\#"), ("%", r"\%"), ("&", r"\&"),
                 ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}"), ("$", r"\$")):
        text = text.replace(a, b)
    return text
