"""Index notation (wrt x[k]): the claim against subsets of the product rule's Kronecker delta terms,
a term of a sum, or a diagnosed sign or factor pinned; and the scalar parameters of a sample (mu in
sum((x[i] - mu)**2, i))."""

import itertools

import sympy

from ...present.formulas import text
from .finding import StepFinding
from .pinned import _index_derivative, _mistake_at_node, _scalar_derivative
from .terms import _depends, _locate_terms, _split_terms, _Terms
from .values import _coefficient, _exact_values


def _locate_index(f, verdict, ns):
    from ...calculus.index import occurrence_terms, tidy_index
    from ...steps.index import index_chain
    from ...validation.exact import ExactProblem

    target = verdict.wrt[0]
    if len(verdict.wrt) != 1 or verdict.kind != "grad":
        return None
    claim = verdict.claimed
    problem = ExactProblem(f, target, claim, ns, "grad")
    label = f"df/d{text(target)}"
    if verdict.detail is not None:  # the diagnosed sign or factor, at a pending derivative of f (cheap: first)
        found = _mistake_at_node(f, target, verdict.detail, problem, claim, label, _index_derivative(target, ns))
        if found is not None:
            return found
    if len([t for t in _split_terms(f, target) if _depends(t, target)]) > 1:
        terms = _Terms(f, target, claim, problem, _index_derivative(target, ns), _exact_values(problem, claim))
        found = _locate_terms(terms, f, target, claim, problem, label, "index")
        if found is not None or verdict.detail is not None:
            return found
    elif verdict.detail is not None:
        return None
    terms = occurrence_terms(f, target)
    if len(terms) < 2:
        return None
    for size in range(1, len(terms)):
        for subset in itertools.combinations(range(len(terms)), size):
            partial = sum(terms[i][1] for i in subset)
            if not problem.equal(claim, reference=partial, seed=5):
                continue
            expected = tidy_index(sum(t for _, t in terms))
            _, _, steps = index_chain(f, f, target, expected, label, (target,))
            produced = next(s for s in steps if s.rule == "Kronecker delta produced")
            hit = " and ".join(sorted(text(o) for o, _ in terms if o is not None))
            kept = "; ".join(_occurrence(o, target, t) for o, t in (terms[i] for i in subset))
            dropped = "; ".join(_occurrence(o, target, t) for i, (o, t) in enumerate(terms) if i not in subset)
            words = (f"d/d{text(target)} hits both {hit} (the product rule gives one Kronecker delta each); "
                     f"the claim keeps only {kept}, and drops {dropped}")
            return StepFinding(label, produced, expected, claim, words)
    return None


def _occurrence(occurrence, target, term):
    if occurrence is None:
        return f"the term {text(term)}"
    pairs = ", ".join(f"{a} = {b}" for a, b in zip(occurrence.indices, target.indices))
    return f"the term from {text(occurrence)} ({pairs}): {text(term)}"


def _locate_sample(f, verdict, ns):
    """mu in sum((x[i] - mu)**2, i): the term whose derivative the claim got wrong, or (one term)
    the pending derivative where the claim's sign or factor went astray."""
    from ...validation.exact import ExactProblem

    claim = verdict.claimed
    for i, target in enumerate(verdict.wrt):
        entry = claim[i] if isinstance(claim, sympy.MatrixBase) else claim
        problem = ExactProblem(f, (target,), entry, ns, "grad")
        if len(verdict.wrt) > 1 and problem.equal(entry):
            continue
        label = f"df/d{text(target)}"
        derivative = _scalar_derivative(target)
        terms = _Terms(f, target, entry, problem, derivative, _exact_values(problem, entry))
        found = _locate_terms(terms, f, target, entry, problem, label, "sample")
        if found is not None:
            return found
        detail = verdict.detail if len(verdict.wrt) == 1 else None
        if detail is None and terms.ok and len(terms.terms) == 1:  # one term: claim = c * its derivative?
            c = _coefficient(terms.claim_values, terms.term_values[0])
            detail = ("factor", c) if c is not None and c not in (0, 1) else None
        return _mistake_at_node(f, target, detail, problem, entry, label, derivative) if detail else None
    return None
