"""The verdict on a claim in matrix or index notation: `check_matrix_notation`, and
`expected_derivative` (the derivative a claim is compared with)."""

import sympy
from sympy import MatrixBase, MatrixSymbol

from ...calculus.index import _second_element
from ...calculus.targets import describe_properties
from ...errors import ShapeError
from ...validation.exact import ExactProblem
from ...validation.instances import DATA_KINDS
from .. import index_form
from ..verdict import Verdict
from ...validation.exact import is_matrix
from .problem import POINTS, NumericProblem
from .rules import _diagnose
from .shapes import _shape_check
from .target import _problem, _target


def check_matrix_notation(expr, wrt, claim, ns, kind=None, seed=0):
    if isinstance(claim, MatrixBase):
        claim = sympy.ImmutableMatrix(claim)  # hashable, and a matrix expression like the others
    target = _target(wrt, ns, expr)
    early, target, kind = _read_free_indices(expr, target, claim, ns, kind, seed)
    if early is not None:
        return early
    problem = _problem(expr, target, claim, ns, kind, seed)
    shape_verdict = _shape_check(problem)
    if shape_verdict is not None:
        return shape_verdict
    try:
        found = problem.first_difference(claim, seed, **({"exact": True} if isinstance(problem, NumericProblem) else {}))
        if found is None and isinstance(problem, NumericProblem):
            found = problem.confirm(claim)
    except ShapeError as exc:
        return Verdict("shape", problem.display(), claim, str(exc), "shapes", kind=problem.kind, wrt=problem.targets)
    if found is None:
        words = "the claimed Hessian equals the derivative" if problem.kind == "hessian" else \
            "the claim equals the derivative"
        return Verdict("correct", problem.display(), claim, words, _evidence(problem),
                       kind=problem.kind, wrt=problem.targets)
    if isinstance(problem, ExactProblem):
        problem.witness = found  # candidates of the diagnosis are screened at this entry and point first
    status, finding = _diagnose(problem, claim, seed)
    counterexample, values = problem.counterexample(found)
    return Verdict(status, problem.display(), claim, finding.text, "numeric: exact evaluation at the counterexample",
                   counterexample, values, kind=problem.kind, wrt=problem.targets, mistake=finding.mistake,
                   detail=finding.detail, problem=problem)


def _read_free_indices(expr, target, claim, ns, kind, seed):
    """(verdict or None, target, kind) from the claim's free indices in index notation: a second
    free index of the variable's kind is a Hessian; the Hessian asked of a claim with one free
    index, or an index no sum binds, is answered before anything is compared."""
    targets = target if isinstance(target, tuple) else (target,)
    if not all(isinstance(t, sympy.Indexed) for t in targets) or is_matrix(claim):
        return None, target, kind
    first = targets[0]
    if len(targets) == 1:
        second = index_form.second_target(first, claim, expr)
        if second is not None and kind in (None, "hessian"):
            targets, kind = (first, second), "hessian"
        elif second is not None and kind == "grad":
            hessian = _problem(expr, (first, second), claim, ns, "hessian", seed)
            if hessian.equal(claim):
                return _kind_verdict(hessian, _problem(expr, first, claim, ns, "grad", seed), claim), target, kind
        elif kind == "hessian":
            targets = (first, _second_element(first, expr, ns))
            hessian = _problem(expr, targets, claim, ns, "hessian", seed)
            gradient = _problem(expr, first, claim, ns, "grad", seed)
            if gradient.equal(claim):
                return _kind_verdict(gradient, hessian, claim), target, kind
            names = " and ".join(str(i) for t in targets for i in t.indices)
            # one free index where two belong, and not the gradient either: an index slip (phi[n,k]*phi[n,k]
            # for phi[n,k]*phi[n,l]) more often than another kind, so a shape mistake
            return Verdict("shape", hessian.display(), claim, f"the claim has only the free index "
                           f"{', '.join(str(i) for i in first.indices)} (the form of a gradient); the Hessian has two "
                           f"free indices: {names}", "free indices", kind="hessian", wrt=targets), target, kind
    stray = index_form.unbound(claim, expr, targets)
    if stray:
        problem = _problem(expr, targets if len(targets) > 1 else first, claim, ns, kind, seed)
        return Verdict("wrong", problem.display(), claim, index_form.unbound_words(stray, claim, expr),
                       "free indices: an index no sum binds", kind=problem.kind, wrt=problem.targets,
                       mistake="index_unbound"), target, kind
    return None, targets if len(targets) > 1 else first, kind


def _kind_verdict(claimed_kind, asked, claim):
    what = {"grad": "gradient", "hessian": "Hessian", "jacobian": "Jacobian"}
    return Verdict("wrong", asked.display(), claim, f"this is the {what[claimed_kind.kind]}; the question asks for "
                   f"the {what[asked.kind]}", "exact comparison with the " + what[claimed_kind.kind],
                   kind=asked.kind, wrt=asked.targets, mistake="wrong_kind")


def expected_derivative(expr, wrt, ns, kind=None):
    """The derivative in matrix/index notation (derive's, checked), else explicit at an instance."""
    target = _target(wrt, ns, expr)
    claim = target if isinstance(target, MatrixSymbol) else sympy.S.Zero
    return _problem(expr, target, claim, ns, kind, 0).display()


def _evidence(problem):
    if isinstance(problem, NumericProblem):
        text = (f"derive's derivative (checked against complex-step derivatives of f) agrees with the claim at "
                f"{problem.describe()}, {POINTS} random points each, and exactly at one point per size")
        structure = {M: words for M, words in problem.declared.items() if words & {"symmetric", "spd"}}
        declared = describe_properties(structure)
        data = ", ".join(f"{getattr(s, 'name', s)} {w}" for s, words in sorted(problem.declared.items(), key=str)
                         for w in sorted(words) if w in DATA_KINDS)
        declared = "; ".join(p for p in (declared, data and f"data as declared: {data}") if p)
        return text + (f"; {declared}" if declared else "")
    data = ", ".join(f"{s} {w}" for s, w in sorted(problem.kinds.items(), key=str))
    return (f"exact comparison at {problem.describe()} with 4 random points each (agreement to 25 digits)"
            + (f"; data as declared: {data}" if data else ""))
