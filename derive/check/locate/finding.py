"""The step a claim departs from the derivation at (`StepFinding`), and the derivation of
`check --steps` with that step marked (`MarkedSteps`)."""

from dataclasses import dataclass

from ...present.formulas import text
from ...steps.step import Step


@dataclass
class StepFinding:
    """The step where a claim departs from the derivation.

    ``entry``: the entry's label; ``step``: the `Step` (checked) at which the
    claim and the derivation part; ``expected``/``claimed``: what that step
    gives and what the claim amounts to there; ``text``: one sentence.
    """

    entry: str
    step: Step
    expected: object
    claimed: object
    text: str

    def __str__(self):
        return self.text

    def to_dict(self):
        return {"entry": self.entry, "rule": self.step.rule, "text": self.text,
                "expected": text(self.expected), "claimed": text(self.claimed), "step": self.step.to_dict()}


class MarkedSteps:
    """The derivation of `check --steps` with the step the claim left it at marked ("<- the claim
    leaves the derivation here: ..."); `to_dict` adds ``left_at`` (entry, step number, words)."""

    def __init__(self, steps, finding):
        self.steps, self.finding = steps, finding
        self.at = _find_step(steps, finding) if finding is not None else None

    def __str__(self):
        lines = str(self.steps).split("\n")
        if self.finding is None:
            return "\n".join(lines)
        mark = f"  ^ the claim leaves the derivation here: {self.finding.text}"
        if self.at is None:
            return "\n".join(lines + [f"the claim leaves the derivation at: {self.finding.text}"])
        chain, j = self.at
        row = sum(2 + max(len(steps), 1) for _, _, steps in self.steps.chains[:chain]) + 2 + j
        return "\n".join(lines[:row + 1] + [mark] + lines[row + 1:])

    def to_dict(self):
        out = self.steps.to_dict()
        if self.finding is not None:
            chain, j = self.at if self.at is not None else (None, None)
            out["left_at"] = {"entry": self.finding.entry, "chain": chain, "step": j, "rule": self.finding.step.rule,
                              "text": self.finding.text}
        return out

    def _repr_latex_(self):
        return self.steps._repr_latex_()


def _find_step(steps, finding):
    """(chain number, step number) of the step in `steps` that `finding` names, or None."""
    want = finding.step
    matches = []
    for c, (_, _, chain) in enumerate(steps.chains):
        for j, s in enumerate(chain):
            if s.rule == want.rule and text(s.before) == text(want.before):
                return c, j
            if s.rule == want.rule and text(s.after) == text(want.after):
                matches.append((c, j))
    return matches[0] if matches else None
