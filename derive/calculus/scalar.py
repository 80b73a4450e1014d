"""Gradients, Jacobians and Hessians of functions of scalar symbols, entry by entry.

Shapes (everywhere in derive):
  grad(f, [x1..xn])      n x 1 Matrix
  jacobian(F, [x1..xn])  m x n Matrix, row i = gradient of F_i transposed
  hessian(f, [x1..xn])   n x n Matrix

`RULES` has one entry per kind; `function_vector` says what a result must be
the Jacobian of (a Hessian is the Jacobian of the gradient), for checking.
`ScalarDerivative` is the one entrance from derivation/: the result, whether f
is a polynomial in the variables, and what to check the result against.
"""

import sympy

from .reals import real_diff



def _gradient(f, wrt):
    polynomial = _polynomial(f, wrt)
    if polynomial is not None:
        return sympy.Matrix([polynomial.diff(v).as_expr() for v in wrt])
    return sympy.Matrix([real_diff(f, v) for v in wrt])


def _polynomial(f, wrt, build=True):
    """f as a polynomial in `wrt` when it is written as a sum of monomials (x0**2*x1 + 3*x1*x2/2):
    differentiating a sparse polynomial is exact and an order of magnitude faster than SymPy's expression
    tree (whose assumption queries dominate a 40-variable Hessian).  A power of a sum,
    (x + y)**10, is not expanded: its derivative keeps the textbook's 10*(x + y)**9."""
    if not isinstance(f, sympy.Add) or len(wrt) < 2 or not all(isinstance(v, sympy.Symbol) for v in wrt):
        return None
    variables = set(wrt)
    for term in f.args:
        for factor in sympy.Mul.make_args(term):
            base, exp = factor.as_base_exp()
            if factor.is_Number or (base in variables and exp.is_Integer and exp > 0):
                continue
            if not (factor.free_symbols & variables):
                continue  # a coefficient: a parameter, or a function of parameters
            return None
    return _SparsePolynomial(f, wrt) if build else True


def is_polynomial_in(f, wrt):
    """Is f a sum of monomials in `wrt` (the sparse-polynomial route)?"""
    return isinstance(f, sympy.Basic) and _polynomial(f, wrt, build=False) is not None


class _SparsePolynomial:
    """f in a sparse polynomial ring over its coefficients (SymPy's `sring`): a dense `Poly` in
    40 variables spends its time on empty degrees."""

    def __init__(self, f, wrt, element=None, ring=None):
        if element is None:
            from sympy.polys.rings import sring  # imported on first use: 70 ms of every start otherwise

            ring, element = sring(f, *wrt)
        self.ring, self.element, self.wrt = ring, element, list(wrt)

    def diff(self, v):
        gen = self.ring.gens[self.wrt.index(v)]
        return _SparsePolynomial(None, self.wrt, self.element.diff(gen), self.ring)

    def as_expr(self):
        return self.element.as_expr()


def _jacobian(F, wrt):
    return sympy.Matrix([[real_diff(Fi, v) for v in wrt] for Fi in F])


def _hessian(f, wrt):
    polynomial = _polynomial(f, wrt)
    if polynomial is not None:
        first = [polynomial.diff(v) for v in wrt]
        n = len(wrt)
        H = sympy.zeros(n, n)
        for i in range(n):
            for j in range(i, n):
                H[i, j] = H[j, i] = first[i].diff(wrt[j]).as_expr()
        return H
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


class ScalarDerivative:
    """`kind` of f by the variables `wrt` (scalar Symbols), taken by the rule table: ``result``,
    ``polynomial`` (a sum of monomials: its derivatives are already in their form, nothing to
    simplify) and `functions` (what a result must be the Jacobian of, to check it)."""

    def __init__(self, kind, f, wrt):
        self.kind, self.wrt = kind, tuple(wrt)
        self.result = RULES[kind](f, self.wrt)
        self.polynomial = is_polynomial_in(f, self.wrt)

    def functions(self, f, result):
        """(functions, claimed) of `function_vector`, for f (or f with its unspecified functions
        made concrete) and a result (simplified, or made concrete alike)."""
        return function_vector(self.kind, f, self.wrt, result)
