"""What every PSD rule is given, and the small helpers the rule tables share.

A rule is a function ``rule(H, ctx) -> Argument | None``: it recognizes one
structure of a Hessian (a Gram form, a diagonal, ...) and returns the argument
that it is positive semidefinite, or None.  `Context.prove` tries a table of
rules in order and is also how a rule proves the parts it is made of (the terms
of a sum, the middle of X^T D X, a Schur complement).
"""

from dataclasses import dataclass, replace

import sympy

from ...text.budgets import attempt
from ...text.printing import to_text
from .result import Argument, Step
from .signs import Facts, sign

MAX_DEPTH = 8
ZERO_SECONDS = 0.3


@dataclass
class Context:
    """``table``: the rules of this notation; ``facts``: what declarations and f's domain say;
    ``f``: the function whose Hessian is examined (None for a part of a Hessian, where rules
    that need f, such as "H = diag(p) - p p^T with p = grad f", do not apply);
    ``gradient``: f -> its gradient in this notation; ``variables``: what f is differentiated by."""

    table: tuple
    facts: Facts
    f: object = None
    gradient: object = None
    variables: tuple = ()
    extra: dict = None  # notation-specific: vector entries and declared properties (matrix), index ranges
    depth: int = 0

    def prove(self, H, f=None):
        """The first rule of the table that shows H is PSD, or None."""
        if self.depth > MAX_DEPTH:
            return None
        inner = replace(self, f=f, depth=self.depth + 1)
        for _, rule in self.table:
            found = rule(H, inner)
            if found is not None:
                return found
        return None

    @property
    def top(self):
        """True for the Hessian itself, False for a part of it."""
        return self.depth == 1

    @property
    def this(self):
        return "the Hessian" if self.top else "the matrix"


def strict_sign(expr, facts):
    """The strongest sign provable: > 0, else >= 0, else None."""
    return sign(expr, facts, "positive") or sign(expr, facts, "nonnegative")


def sign_step(words, expr, found):
    """'words >= 0 (because ...)' with the relation as the formula."""
    relation = sympy.StrictGreaterThan if found.strict else sympy.GreaterThan
    because = f" ({found.words()})" if found.because else ""
    shown = expr if found.form is None else found.form
    return Step(f"{words} is {'> 0' if found.strict else '>= 0'}{because}", relation(shown, 0, evaluate=False))


def is_zero(expr, seconds=ZERO_SECONDS):
    """True if `expr` simplifies to 0 (never guessed: False when unsure)."""
    if expr == 0:
        return True
    for rewrite in (sympy.expand, lambda e: sympy.cancel(sympy.together(e)),
                    lambda e: sympy.cancel(sympy.powsimp(sympy.expand(e, power_exp=True), force=False))):
        if attempt(lambda rewrite=rewrite: rewrite(expr), seconds, None) == 0:
            return True
    return False


def sum_of_terms(H, ctx, add):
    """A sum (of class `add`: Add in index notation, MatAdd in matrix notation) whose every term is
    proved PSD: a PSD sum.  None when H is no such sum or a term is not proved."""
    if not isinstance(H, add):
        return None
    parts = []
    for term in H.args:
        found = ctx.prove(term)
        if found is None:
            return None
        parts.append((to_text(term), found))
    return sum_argument(parts, f"{ctx.this} is a sum of PSD terms, so it is PSD")


def scaled_argument(H, ctx, c, rest, found, name):
    """c times `rest` (named "T" or "M"), c >= 0 by `found`: PSD when `rest` is proved PSD."""
    inner = ctx.prove(rest)
    if inner is None:
        return None
    return Argument(found.strict and inner.definite, [
        Step(f"{ctx.this} is c {name} with c = {to_text(c)} and {name} = {to_text(rest)}: PSD when c >= 0 and "
             f"{name} is", H),
        sign_step("c", c, found)] + inner.indented("  "))


def sum_argument(parts, headline):
    """PSD parts add up to a PSD matrix (definite if one part is and the rest are PSD).

    `parts` is a list of (label, Argument); `headline` the words of the first step."""
    steps = [Step(headline)]
    for label, arg in parts:
        if len(arg.steps) == 1:
            steps += arg.indented(f"{label}: ")
        else:
            steps.append(Step(f"{label}:"))
            steps += arg.indented("  ")
    return Argument(any(a.definite for _, a in parts), steps)
