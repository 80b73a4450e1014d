"""`Verdict`: the answer to "is this derivative right, and if not, what is wrong?"."""

from dataclasses import dataclass, field

import sympy

from ..text.printing import latex, to_text

STATUSES = ("correct", "wrong", "transposed", "shape")

# What kind of mistake a claim makes, for graders and rubrics (None when the claim is right).
MISTAKES = ("sign", "factor", "transpose", "missing_term", "extra_term", "index_unbound", "index_range",
            "chain_rule", "needs_assumption", "wrong_kind", "domain", "shape", "other")

# the mistake a status implies when no rule named one
_STATUS_MISTAKE = {"correct": None, "wrong": "other", "transposed": "transpose", "shape": "shape"}


@dataclass
class Verdict:
    """Outcome of `derive.check`.

    ``status``: "correct", "wrong", "transposed" or "shape"; ``ok`` is
    ``status == "correct"``.  ``expected`` is the derivative (SymPy), ``claimed``
    the claim as understood, ``counterexample`` a point (symbol -> value,
    exact where possible) where the two differ, with ``values`` =
    (expected, claimed) there; ``explanation`` names the mistake;
    ``evidence`` says what decided (symbolic simplification, or numeric
    agreement at many points).  ``mistake`` is the kind of mistake, machine-readable:
    one of `MISTAKES` ("sign", "factor", "transpose", "missing_term", ...), None when
    right; "needs_assumption" says the claim holds only under the condition the
    explanation names (the status stays "wrong": it does not hold in general);
    "domain" says a claimed antiderivative is undefined on part of f's domain (log(x)
    where log|x| is needed).  For kind "antiderivative" ``expected`` is derive's
    antiderivative (None where it found none) and ``values`` are (f, the claim's
    derivative) at the counterexample; for kind "integral" ``expected`` is the value of
    the integral, ``bounds`` its (a, b) and ``values`` (the value, the claim) as numbers.
    ``kind_inferred`` is True when no kind was given and derive chose it; where it chose a
    Hessian of a scalar f, the explanation says so.
    """

    status: str
    expected: object
    claimed: object
    explanation: str
    evidence: str
    counterexample: dict | None = None
    values: tuple | None = None
    kind: str = "grad"
    wrt: tuple = ()
    details: list = field(default_factory=list)  # per-entry findings: (label, explanation)
    as_written: object = None  # the claim before abbreviations were substituted
    definitions: dict = field(default_factory=dict)  # abbreviation -> expression
    step: object = None  # the step the claim went wrong at (derive.steps.mistakes.StepFinding), if found
    mistake: str | None = "unset"  # one of MISTAKES; by default the one the status implies
    detail: tuple | None = field(default=None, repr=False)  # what the mistake is about (diagnosis.Finding.detail)
    derivation: object = field(default=None, repr=False, compare=False)  # derive's (scalar notation), for locate
    problem: object = field(default=None, repr=False, compare=False)  # the matrix-notation comparison, for locate
    kind_inferred: bool = False  # no kind was given: derive chose it from f and the claim's shape
    bounds: tuple | None = None  # kind "integral": (a, b)

    def __post_init__(self):
        if self.mistake == "unset":
            self.mistake = _STATUS_MISTAKE[self.status]
        if self.status == "correct":
            self.mistake = None
        elif self.mistake not in MISTAKES:
            raise ValueError(f"unknown mistake {self.mistake!r}; one of {', '.join(MISTAKES)}")

    @property
    def ok(self):
        return self.status == "correct"

    def __str__(self):
        head = {"correct": "CORRECT", "wrong": "WRONG", "transposed": "TRANSPOSED", "shape": "SHAPE CLASH"}[self.status]
        if self.mistake == "needs_assumption":
            head = "NOT IN GENERAL"  # right under a condition the explanation names, not everywhere
        lines = [f"{head}: {self.explanation}"]
        if self.step is not None:
            lines.append(f"  step: {self.step}")
        if self.status != "correct":
            expected = _text(self.expected)
            if self.kind == "antiderivative":
                expected = "(no closed form found)" if self.expected is None else expected + " + C"
            lines.append(f"  expected: {expected}")
            claimed = _text(self.as_written if self.as_written is not None else self.claimed)
            if self.definitions:
                claimed += "   where " + ", ".join(f"{_name(k)} = {to_text(v)}" for k, v in self.definitions.items())
            lines.append(f"  claimed:  {claimed}")
        if self.counterexample:
            where = ", ".join(f"{_name(s)} = {_text(v)}" for s, v in self.counterexample.items())
            if self.kind == "antiderivative":  # the claim's derivative against f
                lines.append(f"  counterexample: at {where}: f = {_show(self.values[0])}, the claim's derivative = "
                             f"{_show(self.values[1])}")
            else:
                lines.append(f"  counterexample: at {where}: expected {_show(self.values[0])}, "
                             f"claimed {_show(self.values[1])}")
        lines.append(f"  evidence: {self.evidence}")
        return "\n".join(lines)

    def _repr_latex_(self):
        mark = r"\checkmark" if self.ok else r"\times"
        text = self.explanation.replace("_", r"\_").replace("#", r"\#")
        return (f"$${mark}\\ \\text{{{self.status}: {text}}}\\qquad \\text{{expected }} "
                f"{latex(self.expected)},\\ \\text{{claimed }} {latex(self.claimed)}$$")

    def _repr_html_(self):
        from ..present.notebook import verdict_html

        return verdict_html(self)

    def to_dict(self):
        return {
            "status": self.status,
            "ok": self.ok,
            "mistake": self.mistake,
            "kind": self.kind,
            "kind_inferred": self.kind_inferred,
            "wrt": [_name(s) for s in self.wrt],
            "expected": None if self.expected is None else _text(self.expected),  # no antiderivative found
            "claimed": _text(self.claimed),
            "as_written": None if self.as_written is None else _text(self.as_written),
            "explanation": self.explanation,
            "evidence": self.evidence,
            "counterexample": None if not self.counterexample else
            {_name(s): to_text(v) for s, v in self.counterexample.items()},
            "values": None if self.values is None else [_show(v) for v in self.values],
            "details": [{"entry": label, "explanation": text} for label, text in self.details],
            "step": None if self.step is None else self.step.to_dict(),
            "bounds": None if self.bounds is None else [to_text(v) for v in self.bounds],
        }


def _text(value):
    """1 x 1 matrices print as their entry."""
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):
        value = value[0, 0]
    return to_text(value)


def _name(s):
    return getattr(s, "name", None) or str(s)


def _show(value):
    if value is None:
        return "undefined"
    if isinstance(value, sympy.MatrixBase):
        if value.shape == (1, 1):
            return _show(value[0, 0])
        return to_text(value.applyfunc(lambda v: sympy.Float(v, 12) if v.is_Float else v))
    if isinstance(value, sympy.Basic) and value.is_Float:
        return f"{float(value):.12g}"
    return to_text(value)
