"""Checking claims in matrix notation (wrt a matrix symbol) and index notation (wrt x[k]).

May import: derive.derivation and everything below it, and derive.check's findings, diagnosis,
index_form and verdict.

Matrix notation (`NumericProblem`): the expected derivative is derive's own
(`calculus.matrix`, itself checked against complex-step derivatives of f).
The claim is compared with it at random points of two instances (sizes 2 and
3 per symbolic dimension, declared symmetric/spd matrices drawn so), in
floating point with NumPy; points are multiples of 1/8, so any close call,
and every "correct" verdict, is settled by exact evaluation of both sides at
the same point.  No symbolic 3 x 3 inverse is ever formed.

Index notation, and matrix forms the numeric evaluator has no rule for, are
compared exactly on explicit instances (`validation.exact.ExactProblem`).

Points lie where f is defined, with declared data (binary labels, a
simplex) drawn as such.  Index notation is read by its free indices first
(`index_form`): a second free index makes it a Hessian, a stray one is "the
index j is not bound by any sum".  A wrong claim's mistake is named by the
diagnoses in `rules.py` (and `check.findings`); otherwise the difference is
given as a short formula or in numbers at the counterexample, never as whole
expressions at an instance.

    api.py      check_matrix_notation -> Verdict; expected_derivative
    target.py   the variable read from wrt, and the problem that compares claims for it
    problem.py  NumericProblem: derive's checked derivative against a claim at random points
    shapes.py   a claim of the wrong shape: transposed, a broadcast row, the other kind of derivative
    rules.py    the diagnoses (RULES), tried in order on a claim known to be wrong
"""

from .api import check_matrix_notation, expected_derivative
from .problem import NumericProblem

__all__ = ["NumericProblem", "check_matrix_notation", "expected_derivative"]
