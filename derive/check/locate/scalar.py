"""Scalar notation: each derivative still to be taken, d/dx(u), enters the derivation linearly, so the
claim pins a q for it; a q as simple as the true d/dx(u) names that step."""

import sympy
from sympy import Derivative, MatrixBase

from ...calculus.simplify import tidy
from ...present.formulas import text
from ...steps.scalar import pending, recognize
from ...validation.equivalence import numeric_search
from .finding import StepFinding


def _locate_components(f, verdict, definitions):
    from ...calculus.variables import Problem
    from ...derivation.api import derive_problem
    from ...steps.explain import scalar_chain

    expected, claim = verdict.expected, verdict.claimed
    if not isinstance(expected, MatrixBase) or not isinstance(claim, MatrixBase) or expected.shape != claim.shape:
        return None
    d = verdict.derivation or derive_problem(
        Problem.of(f if verdict.kind != "jacobian" else sympy.Matrix(f), verdict.wrt), verdict.kind,
        validate_result=False)
    for i in range(expected.rows):
        for j in range(expected.cols):
            e, c = expected[i, j], claim[i, j]
            symbols = sorted(e.free_symbols | c.free_symbols, key=str)
            if numeric_search(e, c, symbols, 4)[0] is None:
                continue
            g, x = _entry_function(d, i, j)
            label = d.entry_label(i, j)
            _, start, steps = scalar_chain(g, x, e, label)
            return _locate_in_chain(start, steps, x, c, label, definitions)
    return None


def _entry_function(d, i, j):
    """(function, variable) whose derivative is entry (i, j)."""
    if d.kind == "grad":
        return d.f, d.wrt[i]
    if d.kind == "jacobian":
        return d.f[i], d.wrt[j]
    return tidy(sympy.diff(d.f, d.wrt[i]), 1.0), d.wrt[j]


def _locate_in_chain(start, steps, x, claim, label, definitions):
    rewritten_by = {part.node: part for step in steps for part in step.parts}
    depth = {start: 0}
    candidates = []
    for k, step in enumerate(steps):
        for part in step.parts:
            for node in pending(part.replacement, x):
                depth.setdefault(node, depth.get(part.node, 0) + 1)
                found = _explains(node, step.after, claim, x)
                if found is not None:
                    q, truth = found
                    candidates.append((depth[node], sympy.count_ops(q), k, part, node, q, truth))
    if candidates:
        _, _, k, part, node, q, truth = min(candidates, key=lambda c: c[:3])
        shown = _in_user_terms(q, definitions)
        inner = dict((du, u) for u, du in part.inner)
        if node in inner:
            u = inner[node]
            if q == 1:
                words = f"the chain rule's inner derivative d/d{text(x)}({text(u)}) = {text(truth)} is missing"
            else:
                words = f"the chain rule's inner derivative of {text(u)} is {text(truth)}; the claim has {text(shown)}"
            return StepFinding(label, steps[k], truth, shown, words)
        rule = rewritten_by.get(node)
        where = next((s for s in steps if rule is not None and rule in s.parts), steps[k])
        name = f"{rule.rule}: " if rule is not None and rule.rule not in ("sum rule", "constant factor") else ""
        words = f"{name}{text(node)} = {text(truth)}; the claim has {text(shown)}"
        return StepFinding(label, where, truth, shown, words)
    if not steps:
        return None
    first = next((s for s in steps if s.parts and s.rule != "simplify" and "recognized" not in s.rule), steps[0])
    truth = steps[-1].after
    shown = _in_user_terms(claim, definitions)
    how = f" ({first.note})" if first.note and not first.note.startswith(first.rule) else ""
    return StepFinding(label, first, truth, shown, f"{first.rule}{how}: {text(start)} = {text(truth)}; "
                                                   f"the claim has {text(shown)}")


def _explains(node, line, claim, x):
    """(q, true value) if the claim is `line` with `node` replaced by a q as simple as the truth; else None."""
    t = sympy.Dummy("t")
    E = line.xreplace({node: t}).doit()
    B = sympy.diff(E, t)
    if B == 0 or sympy.diff(B, t) != 0:
        return None
    A = E.subs(t, 0)
    q = claim if (A, B) == (0, 1) else tidy((claim - A) / B, _TIDY_SECONDS)
    truth = _truth(node)
    if q.has(Derivative) or not q.free_symbols <= node.expr.free_symbols:
        return None  # a derivative of u is a function of what u depends on
    budget = max(sympy.count_ops(truth), sympy.count_ops(node.expr)) + 2
    if sympy.count_ops(recognize(q)[0]) > budget:
        return None
    symbols = sorted(q.free_symbols | truth.free_symbols, key=str)
    if numeric_search(truth, q, symbols, 4)[0] is None:
        return None  # the claim agrees with the derivation here
    return q, truth


_TIDY_SECONDS = 0.15  # per candidate node: enough for the short q that pins a step; a long one never does
_TRUTHS = {}


def _truth(node):
    """The value of a pending derivative, tidied once (the same nodes recur across entries)."""
    if node not in _TRUTHS:
        if len(_TRUTHS) > 256:
            _TRUTHS.clear()
        _TRUTHS[node] = tidy(node.doit(), _TIDY_SECONDS)
    return _TRUTHS[node]


def _in_user_terms(q, definitions):
    """q written with the claim's own abbreviations (s for 1/(1 + exp(-z)))."""
    for symbol, value in definitions.items():
        named, names = recognize(value)
        if names:
            q, _ = recognize(q)
        q = q.xreplace({named: symbol, value: symbol})
    return q
