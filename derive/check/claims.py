"""Numeric check of a claimed derivative (a homework answer, a formula from a paper).

`check_claim` puts the claim into derive's layout (gradient n x 1, Jacobian
m x n, Hessian n x n), refuses shapes that cannot be right, and compares it
with finite differences of f, at a given point or at random points in f's
domain.  The symbolic verdict with a diagnosis builds on this.
"""

from dataclasses import dataclass

import sympy
from sympy import MatrixBase

import codegen

from ..calculus.scalar import function_vector
from ..errors import DeriveError, ShapeError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..calculus.reals import RealView
from ..text.symbol_table import name_of
from ..validation.numeric import check_at, validate
from ..text.inputs import as_expression, as_scalar, as_vector, new_namespace
from ..calculus.variables import resolve_wrt


@dataclass
class ClaimCheck:
    f: object
    wrt: tuple
    kind: str
    claim: sympy.Matrix
    report: codegen.Report

    @property
    def ok(self):
        return self.report.ok


def check_claim(f, wrt, claim, *, kind=None, namespace=None, at=None, points=3, seed=0,
                limits=DEFAULT_LIMITS):
    """Compare `claim` with finite differences of `f`; returns a `ClaimCheck`."""
    with time_budget(limits.seconds, "checking the claim"):
        ns = new_namespace(namespace, f, wrt, claim, at)  # one name, one variable
        expr = as_expression(f, ns)
        vector_f = isinstance(expr, MatrixBase) and expr.shape != (1, 1)
        kind = kind or ("jacobian" if vector_f else "grad")
        expr = as_vector(expr) if kind == "jacobian" else as_scalar(expr)
        variables = resolve_wrt(wrt, expr, ns)
        claimed = arrange(as_expression(claim, ns), kind, expr, variables)
        view = RealView(expr, claimed, variables)  # derive works over the reals
        expr, claimed, variables = view.real(expr), view.real(claimed), view.real(variables)
        functions, jac = function_vector(kind, expr, variables, claimed)
        if at is None:
            report = validate(functions, variables, jac, points=points, seed=seed, what=kind,
                              raise_on_mismatch=False)
        else:
            report = _check_at(functions, variables, jac, at)
    return view.user(ClaimCheck(expr, variables, kind, claimed, report))


def arrange(claim, kind, expr, wrt):
    """The claim as a Matrix in derive's layout, or a ShapeError saying why not."""
    n = len(wrt)
    m = expr.shape[0] if isinstance(expr, MatrixBase) else 1
    matrix = claim if isinstance(claim, MatrixBase) else sympy.Matrix([[claim]])
    rows, cols = matrix.shape
    if kind == "grad":
        if (rows, cols) in ((n, 1), (1, n)):
            return matrix.reshape(n, 1)
        raise ShapeError(f"the claimed gradient is {rows} x {cols}; with {n} variables it must have {n} entries")
    if kind == "hessian":
        if (rows, cols) == (n, n):
            return matrix
        raise ShapeError(f"the claimed Hessian is {rows} x {cols}; with {n} variables it must be {n} x {n}")
    if (rows, cols) == (m, n):
        return matrix
    if (rows, cols) == (n, m):
        raise ShapeError(f"the claimed Jacobian is {rows} x {cols} but F has {m} entries and there are {n} "
                         f"variables: it must be {m} x {n} (row i = gradient of F_i); it looks transposed")
    if m * n == rows * cols and 1 in (rows, cols):
        return matrix.reshape(m, n)
    raise ShapeError(f"the claimed Jacobian is {rows} x {cols}; it must be {m} x {n}")


def _check_at(functions, wrt, jac, at):
    point = {}
    symbols = {s.name: s for s in functions.free_symbols | jac.free_symbols}
    for key, value in at.items():
        name = key if isinstance(key, str) else name_of(key)
        sym = symbols.get(name) or next((w for w in wrt if w.name == name), None)
        if sym is None:
            raise DeriveError(f"unknown symbol '{name}' in the point; the functions use {', '.join(sorted(symbols))}")
        point[sym] = value
    missing = sorted(s.name for s in (set(wrt) | set(symbols.values())) if s not in point)
    if missing:
        raise DeriveError(f"the point gives no value for {', '.join(missing)}")
    m = jac.shape[0]
    return check_at(functions, wrt, jac, point, output_names=None if m == 1 else tuple(f"F{i}" for i in range(m)))
