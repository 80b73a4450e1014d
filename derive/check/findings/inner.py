"""The chain rule's inner derivative not applied (matrix notation; asked last, as it differentiates)."""

import sympy
from sympy import Add, MatAdd, MatrixSymbol, Mul, OneMatrix
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ...errors import DeriveError
from ...text.budgets import attempt
from ...text.printing import to_text
from ..diagnosis import Finding
from .reading import _is_matrix_expr, _times_text, late

MAX_INNER = 3  # inner functions tried (each costs a derivative)


def inner_derivative(problem, claim):
    """Matrix notation, a gradient: the claim is right once the chain rule's inner derivative is
    applied.  A scalar term s (2*lam*norm(w), broadcast down the column, for lam*norm(w)**2) is
    the derivative by its factor u = norm(w): s times the gradient of u is right.  Or the whole
    claim is the derivative by an inner function g (-y/softmax(z), by p = softmax(z)): g's
    Jacobian, transposed, times the claim is right."""
    if getattr(problem, "index_form", True) or not _is_matrix_expr(claim) or problem.kind != "grad" \
            or not isinstance(problem.target, MatrixSymbol) or problem.target.shape[1] != 1:
        return None
    return _outer_derivative_term(problem, claim) or _derivative_by_inner(problem, claim)


def _outer_derivative_term(problem, claim):
    x = problem.target
    for t in (claim.args if isinstance(claim, MatAdd) else (claim,)):
        scalar, matrices = t.as_coeff_matrices() if isinstance(t, sympy.MatMul) else (1, [t])
        if len(matrices) != 1 or not isinstance(matrices[0], OneMatrix) or not scalar.has(x):
            continue  # not a scalar broadcast down the column
        # a factor with x (norm(w) in 2*lam*norm(w)), else the argument of a function (w.T@w in exp(w.T@w))
        factors = sorted((u for u in Mul.make_args(scalar) if u.has(x)), key=sympy.count_ops)
        arguments = [a for m in factors for a in (m.args[:1] if isinstance(m, (sympy.Function, sympy.Pow)) else ())
                     if a.has(x)]
        inners = list(dict.fromkeys(factors + arguments))[:MAX_INNER]
        for u in inners:
            if late(problem):
                return None
            gradient = _derivative(u, x, "grad")
            if gradient is None:
                continue
            right = sympy.MatMul(scalar, gradient).doit()
            if problem.equal(claim.xreplace({t: right}) if t is not claim else right):
                inner = f"({to_text(u)})" if isinstance(u, Add) else to_text(u)
                return Finding("chain_rule", f"the chain rule's inner derivative is missing: "
                                             f"{_product_text(scalar, x)} is the derivative by {to_text(u)}; times "
                                             f"d/d{to_text(x)} {inner} = {_times_text(1, gradient)} it is "
                                             f"{_times_text(1, right)}")
    return None


def _product_text(scalar, x):
    """2*lam*sqrt(w.T@w): the number, the constants, then the factors with x."""
    factors = sorted(Mul.make_args(scalar), key=lambda m: (not m.is_number, m.has(x), str(m)))
    shown = [f"({to_text(m)})" if isinstance(m, Add) else to_text(m) for m in factors if m != 1]
    return "*".join(shown).replace("-1*", "-", 1) if shown else "1"


def _derivative_by_inner(problem, claim):
    x = problem.target
    inners = [g for g in sympy.preorder_traversal(claim) if g is not claim and g != x
              and isinstance(g, (sympy.MatMul, ElementwiseApplyFunction)) and g.has(x)
              and g.has(ElementwiseApplyFunction) and tuple(g.shape) == tuple(x.shape)]
    for g in list(dict.fromkeys(inners))[:MAX_INNER]:
        if late(problem):
            return None
        jacobian = _derivative(g, x, "jacobian")
        if jacobian is None:
            continue
        try:
            right = problem.equal(jacobian.T @ claim)
        except (TypeError, ValueError, sympy.ShapeError):
            continue
        if right:
            return Finding("chain_rule", f"the claim is the derivative by {to_text(g)}, not by {to_text(x)}: the "
                                         f"chain rule's inner derivative, the Jacobian of {to_text(g)}, is not "
                                         f"applied (its transpose times the claim is the derivative)")
    return None


def _derivative(expr, x, kind):
    """derive's matrix derivative of `expr` (checked in use: a claim built on it must equal the
    problem's checked derivative), or None."""
    from ...calculus.targets import matrix_derivative

    try:
        return attempt(lambda: matrix_derivative(expr, x, kind, set())[-1][1], 0.5, None)
    except (DeriveError, TypeError, ValueError, AttributeError, NotImplementedError):
        return None
