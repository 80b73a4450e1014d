"""What every diagnosis reads of a problem and a claim: the derivative as a formula and its
terms' count limit, the problem's sizes, the diagnosis' deadline, and c*term as a student writes it."""

import time

import sympy
from sympy import Add, MatrixExpr

from ...text.printing import to_text

MAX_TERMS = 6


def late(problem):
    """Past the diagnosis' deadline (`check.matrix.rules.DIAGNOSIS_SECONDS`)?"""
    deadline = getattr(problem, "deadline", None)
    return deadline is not None and time.process_time() > deadline


def _sizes(problem):
    if hasattr(problem, "instances"):
        return sorted({d for inst in problem.instances for d in inst.sizes}, key=str)
    return sorted({d for sizes in problem.sizes for d in sizes}, key=str)


def _symbolic_expected(problem):
    """The derivative as a formula (index notation, a matrix expression, or the one entry of a
    sample's derivative), or None when only explicit instances exist."""
    shown = problem.display()
    if isinstance(shown, sympy.MatrixBase):
        if shown.shape != (1, 1) or not getattr(problem, "scalar_form", True):  # not an explicit instance
            return None
        shown = shown[0, 0]
    return shown


def _is_matrix_claim(obj):
    return isinstance(obj, (sympy.MatrixBase, MatrixExpr))


def _is_matrix_expr(obj):
    return isinstance(obj, MatrixExpr) and not isinstance(obj, sympy.MatrixBase)


def _times_text(c, term):
    """c*term as a student writes it: 2*lam*w, not (2*lam)*w."""
    if isinstance(term, sympy.MatMul):
        scalar, matrices = term.as_coeff_matrices()
        scalar, rest = c * scalar, to_text(sympy.MatMul(*matrices))
        if scalar == 1:
            return rest
        if scalar == -1:
            return f"-{rest}"
        shown = to_text(scalar)
        return f"({shown})*{rest}" if isinstance(scalar, Add) else f"{shown}*{rest}"
    return to_text(c * term)
