"""`differentiate` (and `grad`, `jacobian`, `hessian`): derive, check, return.

    text or SymPy -> one namespace (text/) -> the rule tables (calculus/)
    -> budgeted simplification -> a numeric check (validation/) -> `Derivation`

Scalars go through `calculus.scalar`; a matrix symbol, an element x[k] or a
scalar of a matrix expression through `differentiate_tensor` (matrix and index
notation).  Nothing is returned unchecked unless ``validate=False``.
"""

import sympy
from sympy import Indexed, MatrixSymbol

from ..calculus.index import _index_derivative
from ..calculus.reals import RealView
from ..calculus.scalar import RULES, function_vector
from ..calculus.simplify import MATRIX_SECONDS, tidy_matrix
from ..calculus.targets import (
    _check_shapes,
    _check_uses,
    matrix_derivative,
    properties_of,
    scalar_derivative,
    symmetric_matrices,
    tensor_targets,
)
from ..errors import DeriveError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..text.inputs import as_expression, as_scalar, as_vector, new_namespace, resolve_wrt
from ..validation.matrix_eval import NotEvaluable
from ..validation.numeric import validate
from ..validation.tensor import verify, verify_index, verify_numerically
from .result import Derivation



def differentiate(f, wrt=None, kind="grad", *, validate_result=True, simplify=True, symbols=None,
                  limits=DEFAULT_LIMITS, points=3, seed=0):
    """Derive `kind` ("grad", "jacobian" or "hessian") of `f` and return a `Derivation`.

    >>> d = differentiate("x**2 + y**3", "x, y")
    >>> d.result.T
    Matrix([[2*x, 3*y**2]])
    >>> d.report.status
    'ok'
    """
    if kind not in ("grad", "jacobian", "hessian"):
        raise DeriveError(f"kind must be 'grad', 'jacobian' or 'hessian', got {kind!r}")
    with time_budget(limits.seconds, f"computing the {kind}"):
        namespace = new_namespace(symbols, f, wrt)
        expr = as_expression(f, namespace)
        targets = tensor_targets(wrt, namespace, expr)
        if targets is not None:  # matrix notation (wrt a matrix symbol) or index notation (wrt x[k])
            result, report, variables = differentiate_tensor(expr, targets, kind, namespace, validate_result, seed)
            return Derivation(kind, expr, variables, result, report)
        if kind == "jacobian":
            expr = as_vector(expr, "F")
        else:
            expr = as_scalar(expr, "f")
        wrt = resolve_wrt(wrt, expr, namespace)
        view = RealView(expr, wrt)  # derive works over the reals; the user gets their own symbols back
        expr, wrt = view.real(expr), view.real(wrt)
        result = RULES[kind](expr, wrt)
        if simplify:
            result = tidy_matrix(result, seconds=min(MATRIX_SECONDS, limits.seconds / 4), symmetric=kind == "hessian")
        report = None
        if validate_result:
            report = check_derivation(kind, expr, wrt, result, points=points, seed=seed)
    return view.user(Derivation(kind, expr, wrt, result, report))


def differentiate_tensor(expr, targets, kind, namespace, validate=True, seed=0):
    """(result, report, variables) for a derivative in matrix or index notation."""
    first = targets[0]
    if isinstance(first, Indexed):
        result, pair = _index_derivative(expr, targets, kind, namespace)
        report = verify_index(expr, pair, result, kind, namespace, seed) if validate else None
        return result, report, pair if isinstance(pair, tuple) else (pair,)
    _check_uses(expr, targets)
    _check_shapes(expr, targets, kind)
    properties = properties_of(expr, namespace)
    if isinstance(first, MatrixSymbol):
        if len(targets) != 1:
            raise DeriveError("differentiate with respect to one matrix or vector at a time")
        checks = matrix_derivative(expr, first, kind, symmetric_matrices(properties))
    else:
        checks = scalar_derivative(expr, tuple(targets), kind, symmetric_matrices(properties))
    result = checks[-1][1]
    report = None
    if validate:
        try:
            report = verify_numerically(checks, tuple(targets), properties, seed)
        except NotEvaluable:
            if not isinstance(first, MatrixSymbol):
                raise
            report = verify(expr, first, result, kind, namespace, seed)  # exact, on explicit instances
    return result, report, tuple(targets)


def check_derivation(kind, expr, wrt, result, points=3, seed=0):
    """Validate numerically; for a Hessian also the gradient it comes from."""
    functions, claimed = function_vector(kind, expr, wrt, result)
    if kind == "hessian":
        validate(sympy.Matrix([expr]), wrt, functions.T, points=points, seed=seed, what="gradient")
    return validate(functions, wrt, claimed, points=points, seed=seed, what=kind)


def grad(f, wrt=None, *, validate=True, simplify=True, symbols=None):
    """Gradient of a scalar `f` as an n x 1 Matrix (n = number of variables).

    `f` is text or SymPy; `wrt` a Symbol, list of Symbols, or text "x y".
    The result is checked by finite differences unless ``validate=False``.

    >>> grad("x**2 + y**3", "x y").tolist()
    [[2*x], [3*y**2]]
    """
    return differentiate(f, wrt, "grad", validate_result=validate, simplify=simplify, symbols=symbols).result


def jacobian(F, wrt=None, *, validate=True, simplify=True, symbols=None):
    """Jacobian of a vector `F` (m entries) as an m x n Matrix; row i is F_i's gradient.

    >>> jacobian("[2*x*y, x**2*y]", "x y").tolist()
    [[2*y, 2*x], [2*x*y, x**2]]
    """
    return differentiate(F, wrt, "jacobian", validate_result=validate, simplify=simplify, symbols=symbols).result


def hessian(f, wrt=None, *, validate=True, simplify=True, symbols=None):
    """Hessian of a scalar `f` as an n x n symmetric Matrix.

    >>> hessian("x**2*y", "x y").tolist()
    [[2*y, 2*x], [2*x, 0]]
    """
    return differentiate(f, wrt, "hessian", validate_result=validate, simplify=simplify, symbols=symbols).result
