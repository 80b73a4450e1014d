"""Gradients, Jacobians and Hessians of functions of scalar symbols.

Shapes (everywhere in derive):
  grad(f, [x1..xn])      n x 1 Matrix
  jacobian(F, [x1..xn])  m x n Matrix, row i = gradient of F_i transposed
  hessian(f, [x1..xn])   n x n Matrix

Every result is simplified within a time budget and then validated by
finite differences (`validation.validate`) before it is returned.
"""

import sympy

from .derivation import Derivation
from .errors import DeriveError
from .limits import DEFAULT_LIMITS, time_budget
from .reals import RealView, real_diff
from .tensor import differentiate_tensor, tensor_targets
from .tidy import MATRIX_SECONDS, tidy_matrix
from .validation import validate
from .variables import as_expression, as_scalar, as_vector, new_namespace, resolve_wrt


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


def _gradient(f, wrt):
    return sympy.Matrix([real_diff(f, v) for v in wrt])


def _jacobian(F, wrt):
    return sympy.Matrix([[real_diff(Fi, v) for v in wrt] for Fi in F])


def _hessian(f, wrt):
    g = _gradient(f, wrt)
    n = len(wrt)
    H = sympy.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = real_diff(g[i], wrt[j])
    return H


# One rule per kind of derivative.
RULES = {"grad": _gradient, "jacobian": _jacobian, "hessian": _hessian}


def function_vector(kind, expr, wrt, result):
    """(functions, claimed): the m-vector whose Jacobian `claimed` should be."""
    if kind == "grad":
        return sympy.Matrix([expr]), result.T
    if kind == "jacobian":
        return sympy.Matrix(expr), result
    return _gradient(expr, wrt), result  # Hessian = Jacobian of the gradient


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
