"""Constrained optimization solved exactly: the Lagrangian, the KKT conditions,
and every KKT point by enumerating active sets.

    problem = kkt("a**2 + b**2", "a b c", st=["-c >= 1", "a + 2*b + c >= 1", "2*a + b + c >= 1"])
    problem.lagrangian        a**2 + b**2 + mu1*(-c + ... )
    problem.solve()[0]        a = 2/3, b = 2/3, c = -1, value 8/9, kind "min"
    kkt("(x - a)**2", "x", st=["x >= 0"]).solve()
                              x = a (mu = 0) when a >= 0; x = 0 (mu = -2a) when a <= 0

Symbols that are not variables are parameters: each active set is solved in
terms of them (`parametric.solve_cases`), and feasibility and mu >= 0 become
the point's conditions.  Every point is substituted back into every KKT
condition before it is returned (with parameters, at random admissible values).

Conventions: equalities h(x) = 0 with multipliers lambda; inequalities in the
form g(x) <= 0 with multipliers mu >= 0 ("a + 2*b + c >= 1" is g = 1 - a - 2b - c).
For a minimization L = f + lambda.h + mu.g; for a maximization L = f - lambda.h - mu.g.
A multiplier is the sensitivity of the optimal value: relaxing g_j <= 0 to
g_j <= eps changes it by about -mu_j eps (minimization) or +mu_j eps (maximization).

`kkt` reads the objective and the constraints and sets up the problem of their notation:
`KKTProblem` (scalar variables, problem.py), `MatrixKKTProblem` (optimize/matrix_form.py) or
`IndexKKTProblem` (optimize/elementwise.py); their points come back as results.KKTSolution.

This package owns the KKT machinery of scalar variables: `kkt` here (reading a problem and
routing it by notation), problem.py (`KKTProblem`: the Lagrangian, the conditions, the active
sets solved; the base of the matrix and index problems), qualification.py (where LICQ fails:
Fritz John points that the KKT conditions cannot see).

May import: derive.derivation and everything below it, and derive.optimize's notation,
parametric, realroots, results and light (matrix_form and elementwise lazily, by notation).
"""

import sympy
from sympy import Eq, Ge, Gt, Le, Lt, Matrix

from ...errors import DeriveError, LimitError
from ...text.budgets import DEFAULT_LIMITS
from ...text.expressions import parse
from ...text.inputs import as_basic, as_expression, as_scalar, new_namespace, read_wrt
from ...calculus.variables import require_variables, scalar_variables
from ...text.printing import to_text
from .. import notation
from ..results import CONVENTION, KKTPoint, KKTSolution
from .problem import Constraint, KKTProblem

MAX_INEQUALITIES = 16


def kkt(objective, wrt=None, eq=(), ineq=(), sense=None, *, st=(), symbols=None, limits=DEFAULT_LIMITS):
    """Set up min/max `objective` subject to `eq` (h = 0) and `ineq` (g <= 0).

    Constraints are text or SymPy: relations ("a + 2*b + c >= 1",
    "x**2 + y**2 = 1") are sorted by their kind wherever they are given;
    plain expressions mean h = 0 in `eq` and g <= 0 in `ineq`.  `st` takes a
    mixed list of relations.  Returns a `KKTProblem`; call ``.solve()``.
    """
    sense_given = sense is not None
    sense = "min" if sense is None else sense
    if sense not in ("min", "max"):
        raise DeriveError(f"sense must be 'min' or 'max', got {sense!r}")
    ns = new_namespace(symbols, objective, wrt, eq, ineq, st)
    f = as_scalar(notation.one_by_one(as_expression(objective, ns)), "the objective")
    constraints = []
    for group, default in ((eq, "eq"), (ineq, "ineq"), (st, None)):
        if isinstance(group, (str, sympy.Basic)):
            group = [group]
        for item in group:
            constraints.append(_constraint(item, default, ns))
    if len([c for c in constraints if c.kind == "ineq"]) > MAX_INEQUALITIES:
        raise LimitError(f"more than {MAX_INEQUALITIES} inequality constraints: the exact active-set "
                         "enumeration is out of reach")
    everything = Matrix([f] + [c.expr for c in constraints])  # a sum could cancel a variable out
    wrt = read_wrt(wrt, ns, everything)  # once: below, the SymPy objects wrt names
    path = notation.route([f] + [c.expr for c in constraints], wrt, ns)
    if path.kind == "matrix":
        from ..matrix_form import MatrixKKTProblem

        return MatrixKKTProblem(f, (path.variable,), constraints, sense, limits, ns, sense_given)
    if path.kind == "index":
        from ..elementwise import IndexKKTProblem

        return IndexKKTProblem(f, path, constraints, sense, limits, ns, sense_given)
    if path.kind == "sample":
        raise LimitError("KKT problems in scalar variables that sit inside sums over data are out of reach; "
                         "for an unconstrained likelihood use critical points (derive critical)")
    variables = scalar_variables(require_variables(wrt, everything), everything)
    # names only the text introduced are plain Symbols in the problem and its points (solve works over
    # the reals through _over_reals, as for a SymPy user's plain symbols)
    constraints = [Constraint(ns.plain(c.expr), c.kind, c.text) for c in constraints]
    return KKTProblem(ns.plain(f), ns.plain(variables), constraints, sense, limits, ns, sense_given)


def _constraint(item, default, ns):
    text = item if isinstance(item, str) else to_text(item)
    value = parse(item, ns, relations=True) if isinstance(item, str) else ns.unify(as_basic(item))
    if isinstance(value, Eq):
        return Constraint(value.lhs - value.rhs, "eq", text)
    if isinstance(value, (Gt, Lt)):
        # KKT describes optima on closed sets; an optimum on the boundary of x > 1 is not attained,
        # and answering x = 1 would be an infeasible point
        raise DeriveError(f"'{text}' is a strict inequality: KKT conditions need closed constraints; "
                          f"write it with >= or <=")
    if isinstance(value, Ge):
        return Constraint(value.rhs - value.lhs, "ineq", text)
    if isinstance(value, Le):
        return Constraint(value.lhs - value.rhs, "ineq", text)
    if isinstance(value, sympy.logic.boolalg.BooleanFunction):
        raise DeriveError(f"'{text}': one relation per constraint, please")
    if default is None:
        raise DeriveError(f"'{text}' is not a relation: write it as ... = ..., ... <= ... or ... >= ...")
    return Constraint(value, default, text + (" = 0" if default == "eq" else " <= 0"))


__all__ = ["CONVENTION", "MAX_INEQUALITIES", "Constraint", "KKTPoint", "KKTProblem", "KKTSolution", "kkt"]
