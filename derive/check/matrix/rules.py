"""Diagnoses (`RULES`), tried in order on the same points for a claim known to be wrong; each names the
mistake with a `Verdict.mistake`:

    the whole result transposed (the claim's transpose is right)     -> "transposed"
    one factor where its transpose belongs (A(Ax - b) for A^T(Ax - b)) -> "A should be A.T: ..."
    a sum over part of an axis f sums over whole (i = 0..n-2)         -> "the sum over i runs over ..."
    a constant factor or a flipped sign                               -> "the factor 2 is missing", "the sign is flipped"
    index form missing the terms of one occurrence (product rule)    -> "the terms with j = k are missing: ..."
    a factor or a term missing or extra (`findings`)                  -> "the factor c[i] is missing", ...
    right only for symmetric W                                        -> "holds only if W is symmetric"
    right only for data on the simplex, or K = a size (`findings`)   -> "holds only if sum_j y[j] = 1 (...)"
Otherwise the difference is given as a short formula or in numbers at the
counterexample, never as whole expressions at an instance."""

import itertools
import time

import sympy
from sympy import MatrixExpr, MatrixSymbol

from ...calculus.index import occurrence_terms
from ...errors import DeriveError, ShapeError
from ...text.printing import to_text
from .. import findings, index_form
from ..diagnosis import Finding, factor_finding
from ...validation.exact import is_matrix, same_entries
from .problem import NumericProblem, _transpose

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


DIAGNOSIS_SECONDS = 1.5  # CPU seconds: naming the mistake is optional work; past this, the difference is given


def _diagnose(problem, claim, seed):
    """(status, `Finding`) for a claim known to be wrong."""
    problem.deadline = time.process_time() + DIAGNOSIS_SECONDS
    for rule in RULES:
        if time.process_time() > problem.deadline:
            break
        found = rule(problem, claim)
        if found:
            return ("transposed" if found.mistake == "transpose" and rule is _rule_transposed_result else "wrong"), found
    by = findings.short_difference(problem, claim)
    if by is not None:
        return "wrong", by
    if isinstance(problem, NumericProblem):
        missing = _missing_matrix_term(problem, claim)
        if missing is not None:
            return "wrong", missing
    return "wrong", Finding("other", problem.difference_text(seed))


def _missing_matrix_term(problem, claim):
    """"a term is missing: -2*A.T*y" when derivative - claim is short and like no term of the claim
    (a term like one of the claim's is a wrong coefficient, not a missing term: the difference is given)."""
    by = problem.difference()
    if by is None:
        return None
    mine = [_matrix_part(t) for t in _matrix_terms(claim)]
    if any(_matrix_part(t) in mine for t in _matrix_terms(by)):
        return None
    return Finding("missing_term", f"a term is missing: {to_text(by)}")


def _matrix_terms(e):
    return list(e.args) if isinstance(e, sympy.MatAdd) else list(sympy.Add.make_args(sympy.expand(e)))


def _matrix_part(term):
    """A term without its scalar coefficient: 2*lam*w -> w."""
    if isinstance(term, sympy.MatMul):
        return sympy.MatMul(*(a for a in term.args if isinstance(a, MatrixExpr))).doit()
    if isinstance(term, sympy.Mul):
        return sympy.Mul(*(a for a in term.args if not a.is_number))
    return term


def _rule_transposed_result(problem, claim):
    if problem.index_form or not is_matrix(claim) or claim.shape[0] != claim.shape[1]:
        return None
    if problem.equal(_transpose(claim)):
        return Finding("transpose", "the claim is the transpose of the derivative (transposed)")
    return None


def _rule_transposed_factor(problem, claim):
    """One factor transposed is a wrong answer (the result is not the transpose): say which."""
    if problem.index_form:
        return None
    for M in sorted(claim.atoms(MatrixSymbol), key=str):
        if M == problem.target or M.shape[0] == 1 or M.shape[1] == 1:
            continue
        variants = list(_each_occurrence_transposed(claim, M))
        for k, (swapped, was_transposed) in enumerate(variants):
            if problem.equal(swapped):
                which = f"the {_ORDINALS[k]} " if len(variants) > 1 and k < len(_ORDINALS) else ""
                wrote, meant = (f"{M.name}.T", M.name) if was_transposed else (M.name, f"{M.name}.T")
                return Finding("transpose", f"{which}{wrote} should be {meant}: {to_text(swapped)} is the derivative")
    return None


def _each_occurrence_transposed(expr, M):
    """(`expr` with one occurrence of M or M.T transposed, whether it was M.T), for each in turn."""
    count = [0]

    def walk(e, target, seen):
        if e == M or e == sympy.Transpose(M):
            hit = count[0] == target
            count[0] += 1
            if hit:
                seen.append(e != M)
                return M if e != M else sympy.Transpose(M)
            return e
        if e.args and not isinstance(e, MatrixSymbol):
            return e.func(*(walk(a, target, seen) for a in e.args))
        return e

    for target in range(8):
        count[0], seen = 0, []
        try:
            swapped = walk(expr, target, seen)
        except (TypeError, ValueError, IndexError):  # IndexError: an entry [i, j] of a concrete-size matrix
            return  # that the swap reshaped
        if not seen:
            return
        yield swapped, seen[0]


def _rule_constant_factor(problem, claim):
    try:
        factor = problem.ratio(claim)
    except (ShapeError, DeriveError, TypeError, ValueError):
        return None
    if factor is None or factor == 1 or factor == 0:
        return None
    return factor_finding(factor)


def _rule_missing_occurrence(problem, claim):
    if not problem.index_form:
        return None
    terms = occurrence_terms(problem.f, problem.target)
    if len(terms) < 2:
        return None
    for size in range(1, len(terms)):
        for subset in itertools.combinations(range(len(terms)), size):
            partial = sum(terms[i][1] for i in subset)
            if problem.equal(claim, reference=partial):
                missing = [terms[i] for i in range(len(terms)) if i not in subset]
                parts = []
                for occurrence, term in missing:
                    where = ""
                    if occurrence is not None:
                        pairs = ", ".join(f"{a} = {b}" for a, b in zip(occurrence.indices, problem.target.indices))
                        where = f"with {pairs} (where {to_text(occurrence)} is {to_text(problem.target)}) "
                    parts.append(f"the terms {where}are missing: {to_text(term)}")
                return Finding("missing_term", "; ".join(parts))
    return None


def _rule_symmetric_only(problem, claim):
    for name, key in problem.symmetric_choices():
        if problem.equal(claim, symmetric=key):
            return Finding("needs_assumption", f"holds only if {name} is symmetric")
    return None


def _rule_chain_factors(problem, claim):
    """The derivative with respect to an inner matrix (A X B) given for X: the chain rule's
    factors A.T (left) and B.T (right) left out."""
    if problem.index_form or not isinstance(problem.target, MatrixSymbol) or not is_matrix(claim):
        return None
    around = sorted(problem.f.atoms(MatrixSymbol) - {problem.target}, key=str)
    sides = [None] + [M.T for M in around] + around
    for left, right in itertools.product(sides, sides):
        if left is None and right is None:
            continue
        try:
            variant = sympy.MatMul(*[m for m in (left, claim, right) if m is not None])
        except (ShapeError, ValueError, TypeError):
            continue
        if problem.equal(variant):
            missing = " and ".join(f"{to_text(m)} (on the {side})" for m, side in ((left, "left"), (right, "right"))
                                   if m is not None)
            plural = "s" if left is not None and right is not None else ""
            return Finding("chain_rule", f"the chain-rule factor{plural} {missing} {'are' if plural else 'is'} "
                                         f"missing: {to_text(variant)} is the derivative")
    return None


def _rule_sum_range(problem, claim):
    """A sum of the claim over a range other than the whole axis it indexes (i = 0..n-2 where f sums
    x over 0..n-1, j = 0..K-2 over z: K): a term left out (or one too many), which is right once the
    sum runs over the whole axis."""
    if not isinstance(claim, sympy.Basic) or not claim.has(sympy.Sum) or not isinstance(problem.f, sympy.Basic):
        return None
    for s in sorted(claim.atoms(sympy.Sum), key=sympy.default_sort_key):
        for k, (index, lo, hi) in enumerate(s.limits):
            axis = next((a for a in _whole_axes(s.function, index, problem.f) if a[1] != (lo, hi)), None)
            if axis is None:
                continue
            what, (want_lo, want_hi) = axis
            limits = list(s.limits)
            limits[k] = (index, want_lo, want_hi)
            if problem.equal(claim.xreplace({s: sympy.Sum(s.function, *limits)})):
                return Finding("index_range", f"the sum over {index} runs over {index} = {to_text(lo)}..{to_text(hi)}, "
                                              f"but it must run over {to_text(want_lo)}..{to_text(want_hi)} ({what})")
    return None


def _whole_axes(body, index, f):
    """(words, (lo, hi)) for each axis `index` indexes in `body` whose whole range is known: an
    array f sums over (x[i] in f's sum over 0..n-1), or a matrix symbol's rows or columns (z: K)."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    summed = index_form.axis_bounds(f)
    for a in sorted(body.atoms(sympy.Indexed), key=sympy.default_sort_key):
        for position, i in enumerate(a.indices):
            if i == index and (a.base.label, position) in summed:
                what = {(1, 0): "entry", (2, 0): "row", (2, 1): "column"}.get((len(a.indices), position),
                                                                           f"index {position}")
                yield f"every {what} of {a.base.label}, as in f", summed[(a.base.label, position)]
    for e in sorted(body.atoms(MatrixElement), key=sympy.default_sort_key):
        M = e.parent
        if not isinstance(M, MatrixSymbol):
            continue
        vector = same_entries((M.shape[1],), (1,))
        for position, i, size in ((0, e.i, M.shape[0]), (1, e.j, M.shape[1])):
            if i == index:
                what = "entry" if vector else ("row", "column")[position]
                yield f"every {what} of {M.name}", (sympy.Integer(0), size - 1)


RULES = (findings.unbound_index,  # a sample's sum dropped (index notation says so before comparing)
         _rule_transposed_result, _rule_transposed_factor, _rule_sum_range, _rule_constant_factor,
         _rule_missing_occurrence,
         findings.missing_factor, findings.terms, _rule_chain_factors, _rule_symmetric_only,
         findings.free_index_assumption, findings.data_assumption, findings.size_assumption,
         findings.data_and_size_assumption, findings.wrong_term, findings.inner_derivative)
