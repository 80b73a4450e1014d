"""Showing the work: derivations step by step, every step checked.

    >>> import derive
    >>> d = derive.differentiate("sigmoid(w*x + b)", "w")
    >>> [s.rule for s in d.steps]
    ['chain rule', 'sum rule', 'constant factor', 'variable rule']

`Derivation.steps` is a `Steps` list of `Step` objects (rule, before, after,
note); `Verdict.step` names the step a wrong claim went wrong at.  The rule
tables: scalar.py (scalar and index notation: where a chain-rule step is
worded), index.py (Kronecker deltas produced and contracted), matrix.py with
derive/calculus/matrix_rules.py (matrix notation, in differentials); verify.py
checks every line before it is shown.

May import: derive.validation, derive.present, derive.calculus, derive.text, derive.errors.
"""

from .explain import derivation_steps
from .step import Step, Steps

__all__ = ["Step", "Steps", "derivation_steps"]
