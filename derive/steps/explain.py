"""The steps of a `Derivation`: one checked chain per distinct entry.

    gradient     one chain per variable: d/dx_i f -> df/dx_i
    Jacobian     one chain per distinct (F_i, x_j)
    Hessian      the gradient's chains, then d/dx_j (df/dx_i) for i <= j
                 (the lower triangle is the same by symmetry)
    index        d/dx[k] f, deltas produced, then contracted (index.py)
    matrix       differentials, then the gradient read off (matrix.py)

Every chain starts at the derivative still to be taken and ends exactly at
the entry of ``Derivation.result``: when the rules' raw output differs in
form, a last "simplify" step (checked like the others, chain.py) goes there.
"""

import sympy

from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..calculus.simplify import tidy
from .chain import finish, scalar_chain
from .step import Steps


def derivation_steps(d, limits=DEFAULT_LIMITS):
    """`Steps` for a `derive.Derivation` (every step checked numerically)."""
    with time_budget(limits.seconds, "building the steps"):
        if d.change:  # wrt sigma^2: the steps differentiate by the new variable (sigma2 = sigma**2)
            import dataclasses

            steps = derivation_steps(dataclasses.replace(d, f=d.change.to_new(d.f), wrt=d.change.new(d.wrt),
                                                         result=d.change.to_new(d.result), change=None), limits)
            steps.checked = "; ".join(filter(None, [d.change.describe(), steps.checked]))
            return steps
        if d.notation == "components":
            return _component_steps(d)
        if d.notation == "index":
            from .index import index_steps

            return index_steps(d)
        from .matrix import matrix_steps

        return matrix_steps(d)


def _component_steps(d):
    chains, same_as, seen = [], {}, {}

    def add(label, f, x, target):
        key = (f, x)
        if key in seen:
            same_as[label] = seen[key]
            return
        seen[key] = label
        chains.append(scalar_chain(f, x, target, label))

    if d.kind == "grad":
        for i, x in enumerate(d.wrt):
            add(d.entry_label(i, 0), d.f, x, d.result[i, 0])
    elif d.kind == "jacobian":
        for i in range(d.result.rows):
            for j, x in enumerate(d.wrt):
                add(d.entry_label(i, j), d.f[i], x, d.result[i, j])
    else:
        gradient = [tidy(sympy.diff(d.f, x), 1.0) for x in d.wrt]
        for i, x in enumerate(d.wrt):
            add(f"df/d{x.name}", d.f, x, gradient[i])
        for i in range(len(d.wrt)):
            for j in range(len(d.wrt)):
                if j < i:
                    same_as[d.entry_label(i, j)] = f"{d.entry_label(j, i)} (second derivatives commute)"
                else:
                    add(d.entry_label(i, j), gradient[i], d.wrt[j], d.result[i, j])
    checked = "each line equals the next at 3 random points (exact or 40-digit arithmetic)"
    return Steps(chains, same_as, checked)


__all__ = ["derivation_steps", "finish", "scalar_chain"]
