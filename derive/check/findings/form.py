"""Asked by `check.matrix` at their own moment, before any rule compares: an index no sum binds
(a sample's sum dropped), and a row broadcast onto a column (with the shapes)."""

import sympy
from sympy import Indexed, MatAdd, OneMatrix, Sum

from ...text.printing import to_text
from .. import index_form
from ..diagnosis import Finding
from .reading import _is_matrix_claim, _times_text


def unbound_index(problem, claim):
    """A sample's parameter (mu in sum(-(x[i] - mu)**2, i)): the claim uses an index freely that
    f sums over (the sum dropped), so it is no single number.  Index notation (wrt w[k]) says this
    before comparing (`index_form.unbound`); here the scalar's claim was compared first."""
    if problem.index_form or not isinstance(claim, sympy.Basic) or _is_matrix_claim(claim) \
            or not isinstance(problem.f, sympy.Basic):
        return None
    stray = index_form.unbound(claim, problem.f, ())
    if not stray:
        return None
    listed = " and ".join(str(i) for i in stray)
    plural = len(stray) > 1
    uses = sorted({to_text(a) for a in claim.atoms(Indexed) if set(a.indices) & set(stray)}, key=len)[:4]
    sums = [to_text(e) for e in problem.f.atoms(Sum) if set(e.variables) & set(stray)]
    summed = min(sums, key=len) if sums else None
    where = "" if summed is None else f" (in f it is summed: {summed if len(summed) <= 40 else 'sum over ' + listed})"
    return Finding("index_unbound", f"the ind{'ices' if plural else 'ex'} {listed} {'are' if plural else 'is'} not "
                                    f"bound by any sum: {', '.join(uses)} {'use' if len(uses) > 1 else 'uses'} "
                                    f"{listed} freely, but the derivative has no free {listed}{where}")


def broadcast_row(problem):
    """A gradient (a column) claimed as a sum of columns and rows, which NumPy broadcasts to the
    Hessian's shape (2*X.T@X@w - 2*y.T@X: d x 1 plus 1 x d is d x d): right once each row term is
    transposed.  The row is the slip (transpose), not the kind of derivative."""
    claim = problem.claim
    if problem.kind != "grad" or not isinstance(claim, MatAdd) or problem.expected_shape()[1] != 1:
        return None
    columns, rows = [], []
    for t in claim.args:
        scalar, matrices = t.as_coeff_matrices() if isinstance(t, sympy.MatMul) else (1, [t])
        if len(matrices) > 1 and isinstance(matrices[-1], OneMatrix) and matrices[-1].shape[0] == 1:
            columns.append(sympy.MatMul(scalar, *matrices[:-1]))  # v @ ones(1, n): a column across
        elif len(matrices) > 1 and isinstance(matrices[0], OneMatrix) and matrices[0].shape[1] == 1:
            rows.append(sympy.MatMul(scalar, *matrices[1:]))  # ones(n, 1) @ r: a row down
        else:
            return None  # a term of its own shape: no broadcast to undo
    if not columns or not rows:
        return None
    fixed = [sympy.Transpose(r).doit() for r in rows]
    try:
        right = problem.equal(sympy.MatAdd(*columns, *fixed))
    except (TypeError, ValueError, sympy.ShapeError):
        return None
    if not right:
        return None
    n = to_text(problem.expected_shape()[0])
    if len(rows) == 1:
        said = f"the term {_times_text(1, rows[0])} is a row (1 x {n}) where the gradient is a column: its " \
               f"transpose is {_times_text(1, fixed[0])}"
    else:
        said = f"the terms {', '.join(_times_text(1, r) for r in rows)} are rows (1 x {n}) where the gradient is " \
               f"a column: their transposes are {', '.join(_times_text(1, c) for c in fixed)}"
    return Finding("transpose", f"{said}; adding a row to a column broadcasts to {n} x {n}")
