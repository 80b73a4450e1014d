"""The walk down a derivation: each line against derive's derivative and against the line before.

A line is "ok" when it equals derive's derivative.  (Equal to the line before, when that one
was ok, is the same thing: every ok line equals the derivative.)  At a wrong line the step from
the last readable line is compared too: if it is an equality the line only carries an earlier
mistake along; if not, this is where a mistake was made, and `changes` names what changed.  A
later line equal to the derivative again is "ok" (a slip fixed), and says so.  An unreadable
line is skipped: the next line is compared with the last one that could be read.
"""

import sympy

from ...errors import DeriveError
from . import changes
from .entries import Mismatch
from .verdict import LineVerdict


def walk(items, derivative, comparer):
    """`items`: (text, expr or None, parse message) per line -> [LineVerdict]."""
    out, last = [], None  # last: index of the last readable line
    for text, expr, problem in items:
        if expr is None:
            out.append(LineVerdict(text, None, problem[0], problem[1], mistake=problem[2]))
            continue
        out.append(_line(text, expr, derivative, comparer, out[last] if last is not None else None))
        last = len(out) - 1
    return out


def _line(text, expr, derivative, comparer, before):
    try:
        wrong = comparer.difference(derivative, expr)
    except Mismatch as exc:
        return _wrong(text, expr, derivative, comparer, before, mismatch=exc)
    except DeriveError as exc:
        return LineVerdict(text, expr, "unparsed", f"cannot be checked: {exc}")
    if wrong is None:
        evidence = comparer.evidence
        if before is None:
            words = "equals derive's derivative"
        elif before.status == "ok":
            words = "equals the line before"
        else:
            words = "right again: equals derive's derivative (the line before does not)"
        return LineVerdict(text, expr, "ok", words, equals_previous=None if before is None else before.ok,
                           evidence=evidence)
    return _wrong(text, expr, derivative, comparer, before, against_truth=wrong)


def _wrong(text, expr, derivative, comparer, before, mismatch=None, against_truth=None):
    if before is not None and before.status == "wrong":
        try:
            carried = comparer.difference(before.expr, expr)
        except (Mismatch, DeriveError):
            carried = False
        if carried is None:
            return LineVerdict(text, expr, "wrong", "equals the line before, which is already wrong",
                               mistake=before.mistake, equals_previous=True, evidence=comparer.evidence)
    reference, name = (before.expr, "the line before") if before is not None else (derivative, "the derivative")
    try:
        difference = comparer.difference(reference, expr) if mismatch is None else None
    except (Mismatch, DeriveError):
        difference = None
    if difference is None and against_truth is not None and before is not None and mismatch is None:
        # the step is an equality but the line before was not readable as right: it carries a mistake
        return LineVerdict(text, expr, "wrong", "equals the line before, which is already wrong",
                           equals_previous=True, evidence=comparer.evidence)
    shown = difference or against_truth
    names = (name, "this line") if difference is not None else ("the derivative", "this line")
    found = changes.explain(changes.Step(reference, expr, comparer, name, mismatch))
    if found is None and before is not None and before.ok and mismatch is None:
        # the line before is right but written another way (a sum where this line has a product):
        # what changed may show against derive's own derivative
        found = changes.explain(changes.Step(derivative, expr, comparer, "derive's derivative"))
    if found is not None:
        words, mistake = found.text, found.mistake
    elif mismatch is not None:
        words, mistake = f"this line {mismatch}", "transpose" if mismatch.transposed else "shape"
    else:
        words = f"this step is not an equality: {shown.words(names)}" if shown is not None else \
            "this line does not equal the derivative"
        mistake = "other"
    counterexample = None
    if shown is not None:
        counterexample = {**shown.to_dict(names), "words": shown.words(names)}
    return LineVerdict(text, expr, "wrong", words, counterexample, mistake,
                       equals_previous=False if before is not None else None)


def as_derivative_value(value):
    """derive's derivative as one expression: a 1 x 1 result is its entry."""
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):
        return value[0, 0]
    return value
