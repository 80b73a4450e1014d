"""Index-notation steps: Kronecker deltas produced, then contracted one by one.

    d/dx[k] sum(w[i,j]*x[i]*x[j], i, j)
      sum rule                    = sum(d/dx[k](w[i, j]*x[i]*x[j]), i, j)
      constant factor             = sum(w[i, j]*d/dx[k](x[i]*x[j]), i, j)
      product rule                = sum(w[i, j]*(x[i]*d/dx[k](x[j]) + x[j]*d/dx[k](x[i])), i, j)
      Kronecker delta produced    = sum(w[i, j]*(x[i]*delta(j, k) + x[j]*delta(i, k)), i, j)
      split the sum               = sum(w[i, j]*x[i]*delta(j, k), i, j) + sum(w[i, j]*x[j]*delta(i, k), i, j)
      Kronecker delta contracted  = sum(w[i, k]*x[i], i) + sum(w[i, j]*x[j]*delta(i, k), i, j)
      Kronecker delta contracted  = sum(w[i, k]*x[i], i) + sum(w[k, j]*x[j], j)

The derivative rules are the scalar table (scalar.py: an element x[i]
depends on x[k], d x[i]/d x[k] = delta(i, k)); the contraction is derive's
own (calculus.index.contract), applied to one sum at a time so that every
delta is visible.  Each line is checked on instances.
"""

import sympy
from sympy import Add, KroneckerDelta, Mul, Sum

from ..calculus.index import contract, diff_indexed
from ..calculus.index import tidy_index
from .chain import finish
from ..present.formulas import text
from .scalar import derivative_steps
from .step import Step, Steps
from .verify import check_index_chain


def index_steps(d):
    """`Steps` for a derivation in index notation (grad wrt x[k], Hessian wrt x[k], x[l])."""
    targets = d.wrt
    first = targets[0]
    label = f"df/d{text(first)}"
    if d.kind == "grad":
        return Steps([index_chain(d.f, d.f, first, d.result, label, targets)], checked=_CHECKED)
    gradient = tidy_index(diff_indexed(d.f, first))
    second = targets[1]
    chains = [index_chain(d.f, d.f, first, gradient, label, (first,)),
              index_chain(d.f, gradient, second, d.result, f"d2f/d{text(first)}d{text(second)}", targets)]
    return Steps(chains, checked=_CHECKED)


_CHECKED = "each line equals the next on instances (sizes 2 and 3, every value of the free indices)"


def index_chain(f, g, x, target, label, targets):
    """(label, start, steps): d/dx g with deltas contracted, ending at `target`, checked on f's instances."""
    start, steps, names = derivative_steps(g, x, label)
    current = steps[-1].after if steps else start
    steps += contraction_steps(current, label)
    finish(start, steps, target, label, names, "index", note="collect the sums")
    check_index_chain(f, start, steps, targets, label)
    return label, start, steps


def contraction_steps(expr, label):
    """Split sums around their delta terms, then contract one delta at a time."""
    steps = []
    current = expr
    for _ in range(100):
        node = _first_contractible(current)
        if node is None:
            break
        terms = Add.make_args(sympy.expand_mul(node.function))
        if len(terms) > 1:
            new = Add(*(Sum(t, *node.limits) for t in terms))
            rule, note = "split the sum", "a sum of terms is the sum of the sums, one per delta term"
        else:
            new = contract(node)
            rule, note = "Kronecker delta contracted", _contraction_note(node)
        after = current.xreplace({node: new})
        steps.append(Step(rule, current, after, note, label, "index"))
        current = after
    return steps


def _first_contractible(expr):
    """The innermost sum with a delta on one of its own indices."""
    found = None
    for node in sympy.postorder_traversal(expr):
        if isinstance(node, Sum) and _delta_on_index(node):
            return node
    return found


def _delta_on_index(s):
    indices = {lim[0] for lim in s.limits}
    for term in Add.make_args(sympy.expand_mul(s.function)):
        for factor in Mul.make_args(term):
            if isinstance(factor, KroneckerDelta) and set(factor.args) & indices:
                return True
    return False


def _contraction_note(s):
    indices = {lim[0] for lim in s.limits}
    delta = next(f for f in Mul.make_args(s.function) if isinstance(f, KroneckerDelta) and set(f.args) & indices)
    a, b = delta.args
    index, other = (a, b) if a in indices else (b, a)
    return (f"{text(delta)} in the sum over {text(index)} keeps only {text(index)} = {text(other)}: "
            f"the sum over {text(index)} goes away")


__all__ = ["contraction_steps", "index_chain", "index_steps"]
