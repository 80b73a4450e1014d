"""`ChainVerdict` and `LineVerdict`: a derivation checked line by line."""

from dataclasses import dataclass, field

import sympy

from ...text.printing import latex, to_text

LINE_STATUSES = ("ok", "wrong", "unparsed")
_MARK = {"ok": "✓", "wrong": "✗", "unparsed": "?"}


@dataclass
class LineVerdict:
    """One line: ``text`` as written, ``expr`` as understood (None when unreadable), ``status``
    "ok" (it equals derive's derivative), "wrong" or "unparsed"; ``explanation`` says why,
    ``counterexample`` (a dict: sizes, values, both sides' numbers) where the line differs from
    the one before (or from the derivative); ``mistake`` is machine-readable (`Verdict.mistake`'s
    categories: "sign", "factor", "transpose", "missing_term", ...; None when ok)."""

    text: str
    expr: object
    status: str
    explanation: str = ""
    counterexample: dict | None = None
    mistake: str | None = None
    equals_previous: bool | None = None  # is the step from the last readable line an equality?
    evidence: str = ""

    @property
    def ok(self):
        return self.status == "ok"

    def to_dict(self):
        return {"text": self.text, "expr": None if self.expr is None else _text(self.expr), "status": self.status,
                "explanation": self.explanation, "mistake": self.mistake, "equals_previous": self.equals_previous,
                "counterexample": self.counterexample, "evidence": self.evidence}


@dataclass
class ChainVerdict:
    """Outcome of `derive.check_derivation`.

    ``lines`` (`LineVerdict`s, from the line that says what is derived; definitions before it such
    as ``L(w) = ...`` are not steps), ``ok`` (every line right), ``first_error`` (0-based index of
    the first wrong line, or None), ``final`` (the `Verdict` of the last readable line against
    derive's own derivative, as `derive.check` gives it), ``explanation`` (the first wrong line
    and what changed from the line before), ``f``, ``wrt`` and ``derivative`` (derive's own).
    """

    lines: list
    final: object
    f: object = None
    wrt: tuple = ()
    derivative: object = None
    title: str = ""
    definitions: dict = field(default_factory=dict)
    what: str = ""  # what is derived, as written ("d/dw norm(X@w - y)**2")

    @property
    def ok(self):
        return all(line.status == "ok" for line in self.lines) and (self.final is None or self.final.ok)

    @property
    def first_error(self):
        return next((k for k, line in enumerate(self.lines) if line.status == "wrong"), None)

    @property
    def explanation(self):
        k = self.first_error
        if k is None:
            unread = [n for n, line in enumerate(self.lines) if line.status == "unparsed"]
            if unread:
                return (f"line {unread[0] + 1} could not be read ({self.lines[unread[0]].explanation}); "
                        "every line that could be read is right")
            return "every line is right: each equals derive's derivative"
        return f"line {k + 1} is wrong: {self.lines[k].explanation}"

    def __str__(self):
        what = self.what or (f"d/d{', '.join(_text(w) for w in self.wrt)} {_text(self.f)}" if self.f is not None
                             else "the derivation")
        head = f"{self.title + ': ' if self.title else ''}{what}"
        verdict = "every line right" if self.ok else ("WRONG from line " + str(self.first_error + 1)
                                                      if self.first_error is not None else "NOT CHECKED in full")
        out = [f"{head}  —  {verdict}"]
        first = self.first_error
        width = len(str(len(self.lines)))
        for k, line in enumerate(self.lines):
            out.append(f"  {_MARK[line.status]} {str(k + 1).rjust(width)}  {line.text}")
            if k == first or line.status == "unparsed":
                out.append(f"  {' ' * (width + 4)}{line.explanation}")
                if k == first and line.counterexample and line.counterexample.get("words", "") not in line.explanation:
                    out.append(f"  {' ' * (width + 4)}{line.counterexample['words']}")
            elif line.status == "ok" and k and first is not None and k > first and \
                    self.lines[k - 1].status == "wrong":
                out.append(f"  {' ' * (width + 4)}{line.explanation}")
        if self.derivative is not None and not self.ok:
            out.append(f"  derive's derivative: {_text(self.derivative)}")
        return "\n".join(out)

    def _repr_latex_(self):
        rows = []
        for line in self.lines:
            mark = {"ok": r"\checkmark", "wrong": r"\times", "unparsed": "?"}[line.status]
            body = latex(line.expr) if line.expr is not None else r"\text{" + _escape(line.text) + "}"
            note = "" if line.status == "ok" else r"\quad \text{" + _escape(line.explanation) + "}"
            rows.append(f"{mark} & {body}{note}")
        return r"$$\begin{array}{ll}" + r" \\ ".join(rows) + r"\end{array}$$"

    def to_dict(self):
        return {"ok": self.ok, "first_error": self.first_error, "explanation": self.explanation,
                "title": self.title or None, "f": None if self.f is None else _text(self.f),
                "wrt": [_text(w) for w in self.wrt],
                "derivative": None if self.derivative is None else _text(self.derivative),
                "lines": [line.to_dict() for line in self.lines],
                "final": None if self.final is None else self.final.to_dict()}


@dataclass
class UnreadableDerivation:
    """A derivation in a file that could not be checked at all (its first line, f or a declaration
    cannot be read): the reason, in the parser's or checker's words, so that the file's other
    derivations are still checked.  Not ok; no line is wrong or right."""

    title: str
    reason: str
    steps: object = None

    ok = False
    first_error = None
    lines = ()

    @property
    def explanation(self):
        return f"the derivation could not be read: {self.reason}"

    def __str__(self):
        head = f"{self.title}: " if self.title else ""
        first = self.steps if isinstance(self.steps, str) else (self.steps[0] if self.steps else "")
        first = " ".join(str(first).split())
        what = first if len(first) <= 80 else first[:77] + "..."
        return f"{head}{what or 'the derivation'}  —  UNREADABLE\n  ? {self.reason}"

    def _repr_latex_(self):
        return r"$$\text{" + _escape(str(self)) + "}$$"

    def to_dict(self):
        return {"ok": False, "unreadable": True, "first_error": None, "explanation": self.explanation,
                "title": self.title or None, "lines": [], "final": None}


def _text(value):
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):
        value = value[0, 0]
    return to_text(value)


_ESCAPES = {"\\": r"\textbackslash{}", "_": r"\_", "#": r"\#", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
            "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


def _escape(text):
    """Text for \\text{...}: every LaTeX special character escaped, in one pass."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)
