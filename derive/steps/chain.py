"""One chain of steps, checked: d/dx f by the rules, ending exactly at the entry it explains.

The rules (scalar.py) write the derivative their own way; when their last line differs in
form from the entry of ``Derivation.result``, `finish` appends a "simplify" step to it, checked
like the others.  `scalar_chain` is one such chain in scalar notation (explain.py builds a
derivation's steps from them; index.py's chains end the same way).
"""

import sympy

from ..present.formulas import text
from .scalar import FUNCTION_RULES, derivative_steps
from .step import Step
from .verify import check_scalar_chain


def scalar_chain(f, x, target, label):
    """(label, start, steps) for d/dx f ending exactly at `target`, checked."""
    start, steps, names = derivative_steps(f, x, label)
    finish(start, steps, target, label, names, "scalar")
    check_scalar_chain(start, steps, label)
    return label, start, steps


def finish(start, steps, target, label, names, notation, note="collect terms"):
    """Append a 'simplify' step when the rules' last line is not `target` as written."""
    current = steps[-1].after if steps else start
    if current == target:
        return
    if names:
        spelled = ", ".join(f"{n}(u) = {text(FUNCTION_RULES[_cls(n)].definition(sympy.Symbol('u')))}"
                            for n in names)
        note = f"write {spelled} and simplify"
    steps.append(Step("simplify", current, target, note, label, notation))


def _cls(name):
    return next(c for c, r in FUNCTION_RULES.items() if r.name == name)


__all__ = ["finish", "scalar_chain"]
