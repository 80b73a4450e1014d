"""Gradients, Jacobians and Hessians of functions of scalar symbols, entry by entry.

Shapes (everywhere in derive):
  grad(f, [x1..xn])      n x 1 Matrix
  jacobian(F, [x1..xn])  m x n Matrix, row i = gradient of F_i transposed
  hessian(f, [x1..xn])   n x n Matrix

`RULES` has one entry per kind; `function_vector` says what a result must be
the Jacobian of (a Hessian is the Jacobian of the gradient), for checking.
"""

import sympy

from .reals import real_diff



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
