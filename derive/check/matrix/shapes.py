"""A claim whose shape is not the derivative's: its transpose ("transposed"), a row broadcast onto a
column, the other kind of derivative (the Hessian where the gradient was asked), or a plain clash."""

import sympy
from sympy import MatrixSymbol

from ...calculus.matrix_rules import UnsupportedOperator
from ...errors import DeriveError, ShapeError
from ...validation.matrix_eval import NotEvaluable
from .. import findings
from ..verdict import Verdict
from ...validation.exact import is_matrix, same_entries
from .problem import _shape_text, _transpose
from .target import _problem


def _shape_check(problem):
    if problem.index_form:
        if is_matrix(problem.claim):
            return Verdict("shape", problem.f, problem.claim, "the claim is a matrix; in index notation the "
                           "derivative with respect to an element is a scalar expression", "shapes",
                           kind=problem.kind, wrt=(problem.target,))
        return None
    want = problem.expected_shape()
    got = tuple(problem.claim.shape) if is_matrix(problem.claim) else (1, 1)
    if same_entries(got, want):
        return None
    what = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}[problem.kind]
    text = f"{_shape_text(got)} but the {what} is {_shape_text(want)}"
    if same_entries(got, want[::-1]) and is_matrix(problem.claim) and problem.equal(_transpose(problem.claim)):
        layout = " (a row where the gradient is a column)" if 1 in want else ""
        return Verdict("transposed", problem.display(), problem.claim,
                       f"the claim is the transpose of the derivative{layout}: the claim is {text}",
                       "shapes, then comparison of the transpose", kind=problem.kind, wrt=(problem.target,))
    row = findings.broadcast_row(problem)  # a column plus a row, broadcast: the row is the slip, not the kind
    if row is not None:
        return Verdict("wrong", problem.display(), problem.claim, row.text, "shapes, then comparison with the rows "
                       "transposed", kind=problem.kind, wrt=problem.targets, mistake=row.mistake)
    other = _other_kind(problem, got)
    if other is not None:
        return other
    return Verdict("shape", problem.display(), problem.claim, f"shape clash: the claim is {text}",
                   "shapes", kind=problem.kind, wrt=(problem.target,))


_WHAT = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}


def _other_kind(problem, got):
    """A claim with the other kind's shape (scalar f, vector variable): the Hessian where the gradient
    was asked, or the gradient (a column or a row) where the Hessian was.  It is "wrong_kind" either
    way; the words name the derivative it is when it equals derive's own of that kind, else its shape.
    None for any other shape (a plain "shape" clash)."""
    other = {"grad": "hessian", "hessian": "grad"}.get(problem.kind)
    n = _variable_count(problem)
    if other is None or n is None or (is_matrix(problem.f) and not same_entries(problem.f.shape, (1, 1))):
        return None
    shapes = {"grad": [(n, 1), (1, n)], "hessian": [(n, n)]}
    if not any(same_entries(got, shape) for shape in shapes[other]):
        return None
    target = problem.target if isinstance(problem.target, MatrixSymbol) else problem.targets
    claim = _transpose(problem.claim) if same_entries(got, (1, n)) and not same_entries(got, (n, 1)) else problem.claim
    try:
        truth = _problem(problem.f, target, claim, problem.ns, other, getattr(problem, "seed", 0))
        same = truth.equal(claim)
    except (DeriveError, ShapeError, UnsupportedOperator, NotEvaluable, TypeError, ValueError, ArithmeticError):
        same = False  # no derivative of the other kind to compare with: the shape alone speaks
    if same:
        text, evidence = (f"this is the {_WHAT[other]}; the question asks for the {_WHAT[problem.kind]}",
                          f"shapes, then comparison with derive's {_WHAT[other]}")
    else:
        want = shapes[problem.kind][0]
        text, evidence = ((f"the claim is {_shape_text(got)}, the shape of a {_WHAT[other]}; the question asks "
                           f"for the {_WHAT[problem.kind]} ({_shape_text(want)})"), "shapes")
    return Verdict("wrong", problem.display(), problem.claim, text, evidence, kind=problem.kind,
                   wrt=problem.targets, mistake="wrong_kind")


def _variable_count(problem):
    """n for a gradient (n x 1) and a Hessian (n x n): the length of a column-vector variable, or the
    number of scalar variables; None where a Hessian has no such shape (a matrix variable)."""
    if isinstance(problem.target, MatrixSymbol):
        rows, cols = problem.target.shape
        return rows if same_entries((cols,), (1,)) and not same_entries((rows,), (1,)) else None
    if all(isinstance(t, sympy.Symbol) for t in problem.targets) and len(problem.targets) > 1:
        return len(problem.targets)
    return None
