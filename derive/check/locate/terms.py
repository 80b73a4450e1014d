"""A sum of terms (the sum rule): the one term t_j of f whose derivative the claim has as c*d t_j,
found from values at the check's own points and confirmed by its comparison; the step to name, and
the words."""

import itertools

import numpy as np
import sympy
from sympy import MatrixSymbol

from ...errors import DeriveError
from ...present.formulas import text
from ...steps.step import Step
from .finding import StepFinding
from .pinned import _factor_words, _index_derivative, _mistake_at_node, _scalar_derivative
from .values import _close, _coefficient


class _Terms:
    """The terms of f that depend on the variable, each one's derivative (derive's own), and the
    values of those derivatives and of the claim at the check's own points (flat float vectors).
    ``ok``: the terms' derivatives add up to the check's derivative (else no term is named)."""

    def __init__(self, f, target, claim, problem, derivative, values):
        self.terms = [t for t in _split_terms(f, target) if _depends(t, target)]
        self.values, self.ok = values, False
        try:
            self.derivatives = [derivative(t) for t in self.terms]
        except (DeriveError, TypeError, ValueError):
            return  # a term derive will not differentiate alone: the other searches still run
        self.claim_values = values(claim)
        self.term_values = [values(g) for g in self.derivatives]
        self.ok = (self.claim_values is not None and all(v is not None for v in self.term_values)
                   and problem.equal(_add(self.derivatives)))

    def rest(self, j):
        """The claim less the other terms' derivatives, in values: what the claim has for term j."""
        return self.claim_values - sum((v for k, v in enumerate(self.term_values) if k != j),
                                       np.zeros_like(self.claim_values))

    def others(self, j):
        return [g for k, g in enumerate(self.derivatives) if k != j]


def _locate_terms(terms, f, target, claim, problem, label, notation):
    """Sum rule: the one term t_j of f (of two or more that depend on the variable) with
    claim = (the other terms' derivatives) + c * d t_j, confirmed by the check's own comparison.
    Within that term a sign or a factor is pinned to a pending derivative where the term's
    derivation allows (index notation, samples)."""
    if not terms.ok or len(terms.terms) < 2:
        return None
    found = []
    for j, g in enumerate(terms.term_values):
        c = _coefficient(terms.rest(j), g)
        if c is not None and c != 1:
            found.append((j, c))
    if len(found) != 1:
        return None  # no term, or two that would explain it equally: no step is named
    j, c = found[0]
    term, G = terms.terms[j], terms.derivatives[j]
    if not problem.equal(_add(terms.others(j) + [c * G]), reference=claim):
        return None
    if c != 0 and notation != "matrix":
        derivative = _index_derivative(target, problem.ns) if isinstance(target, sympy.Indexed) \
            else _scalar_derivative(target)
        inner = _mistake_at_node(term, target, ("factor", c), problem, claim, label, derivative,
                                 others=_add(terms.others(j)))
        if inner is not None:
            inner.text = f"in the term {_term_text(term)}: {inner.text}"
            return inner
    if c == 0:
        has = sympy.ZeroMatrix(*G.shape) if isinstance(G, sympy.MatrixExpr) else sympy.S.Zero
    else:
        has = _claim_piece(claim, terms.rest(j), terms.values) or c * G
    return StepFinding(label, _sum_rule_step(f, target, label, notation), G, has,
                       _sum_rule_words(term, G, has, _factor_words(c) if c != 0 else None))


def _sum_rule_words(term, G, has, tail):
    """"sum rule (...): the derivative of the term T is G; the claim has P (tail)"; `tail` None: missing."""
    rule = "sum rule (each term is differentiated on its own)"
    if tail is None:
        return f"{rule}: the derivative of the term {_term_text(term)}, {_words(G)}, is missing"
    return f"{rule}: the derivative of the term {_term_text(term)} is {_words(G)}; the claim has {_words(has)}{tail}"


def _split_terms(f, target):
    """f's additive terms as f writes them: a + b; c*(a + b) as c*a, c*b when c is free of the
    variable; sum(a + b, i) as sum(a, i), sum(b, i); the trace of a 1 x 1 sum term by term."""
    if isinstance(f, sympy.Add):
        return [t for a in f.args for t in _split_terms(a, target)]
    if isinstance(f, sympy.Mul):
        dependent = [a for a in f.args if _depends(a, target)]
        if len(dependent) == 1 and isinstance(dependent[0], (sympy.Add, sympy.Sum, sympy.Trace)):
            parts = _split_terms(dependent[0], target)
            if len(parts) > 1:
                coefficient = sympy.Mul(*(a for a in f.args if a is not dependent[0]))
                return [coefficient * p for p in parts]
    if isinstance(f, sympy.Sum):
        parts = _split_terms(f.function, target)
        if len(parts) > 1:
            return [sympy.Sum(p, *f.limits) for p in parts]
    if isinstance(f, sympy.Trace) and isinstance(f.arg, sympy.MatAdd):
        return [t for a in f.arg.args for t in _split_terms(sympy.Trace(a), target)]
    return [f]


def _depends(expr, target):
    if target is None:
        return True
    if isinstance(target, sympy.Indexed):
        return any(a.base == target.base for a in expr.atoms(sympy.Indexed))
    return expr.has(target)


def _add(exprs, evaluate=True):
    """The sum of derivatives (matrix expressions or scalars); 0 for none."""
    exprs = [e for e in exprs if not (e == 0 or isinstance(e, sympy.ZeroMatrix))]
    if not exprs:
        return sympy.S.Zero
    if any(isinstance(e, sympy.MatrixExpr) for e in exprs):
        return sympy.MatAdd(*exprs).doit() if evaluate else sympy.MatAdd(*exprs, evaluate=False)
    return sympy.Add(*exprs, evaluate=evaluate)


def _claim_piece(claim, rest, values):
    """The claim's own terms whose sum is what the claim has for one term of f (as the claim
    writes them), or None."""
    if isinstance(claim, sympy.MatAdd):
        parts = list(claim.args)
    elif isinstance(claim, sympy.MatrixBase):
        return None
    else:
        parts = _split_terms(claim, None)
    if len(parts) > 6:
        return None
    vectors = [values(p) for p in parts]
    if any(v is None for v in vectors):
        return None
    for size in range(1, len(parts) + 1):
        for subset in itertools.combinations(range(len(parts)), size):
            if _close(sum(vectors[i] for i in subset), rest):
                return _add([parts[i] for i in subset], evaluate=False)
    return None


def _term_text(term):
    """A term of f as f writes it, its scalar coefficient first: lam*w.T@w."""
    if isinstance(term, sympy.Mul):
        traces = [a for a in term.args if isinstance(a, sympy.Trace)]
        if len(traces) == 1:
            scalars = [a for a in term.args if a is not traces[0]]
            if not any(a.atoms(MatrixSymbol) for a in scalars):
                body = traces[0].arg
                inner = body.args if isinstance(body, sympy.MatMul) else (body,)
                return text(sympy.Trace(sympy.MatMul(*scalars, *inner)))
    return text(term)


def _words(expr):
    """A derivative in words: 2*lam*w rather than (2*lam)*w."""
    if isinstance(expr, sympy.MatAdd) and any(_words(a) != text(a) for a in expr.args):
        out = ""
        for part in (_words(a) for a in expr.args):
            out = part if not out else out + (f" - {part[1:]}" if part.startswith("-") else f" + {part}")
        return out
    if isinstance(expr, sympy.MatMul):
        coefficient, matrices = expr.as_coeff_matrices()
        if isinstance(coefficient, sympy.Mul) and matrices and all(a.is_Number or a.is_Symbol for a in coefficient.args):
            rest = sympy.MatMul(*matrices)
            body = f"({text(rest)})" if isinstance(rest, sympy.MatAdd) else text(rest)
            return f"{text(coefficient)}*{body}"
    return text(expr)


def _sum_rule_step(f, target, label, notation, rule="sum rule"):
    """The first step of f's derivation with `rule` (the first step when None or when none has
    it), taken without the whole chain and its checks."""
    if notation == "matrix":
        steps = _first_matrix_steps(f, target, label)
    else:
        from ...steps.scalar import derivative_steps

        _, steps, _ = derivative_steps(f, target, label)
    return next((s for s in steps if rule is not None and s.rule == rule), steps[0])


_FIRST_STEPS = 4


def _first_matrix_steps(f, X, label):
    """The first few steps of matrix_chain (the same rules, unchecked: they only say where)."""
    from ...steps.differentials import variable_differential
    from ...steps.matrix import _Differentiator, _pending, _rewrite

    dX = variable_differential(X, {m.name for m in f.atoms(MatrixSymbol)})
    d = _Differentiator(X, dX)
    current, steps = d(f), []
    while len(steps) < _FIRST_STEPS:
        nodes = _pending(current)
        if not nodes:
            break
        rewrites = [_rewrite(node, d) for node in nodes]
        chosen = [r for r in rewrites if r[0] == rewrites[0][0]]
        after = current.xreplace({node: replacement for _, node, replacement, _ in chosen})
        note = "; ".join(dict.fromkeys(n for *_, n in chosen if n))
        steps.append(Step(rewrites[0][0], current, after, note, label, "matrix"))
        current = after
    return steps
