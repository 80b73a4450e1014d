"""Points where the constraint qualification fails: optima the KKT conditions cannot see.

The KKT conditions are necessary at a minimizer only when a constraint
qualification holds there; LICQ asks that the gradients of the active
constraints be linearly independent.  Where they are dependent, a minimizer
need not be a KKT point, and the Fritz John conditions hold instead with the
multiplier of f equal to 0:

    mu0 grad f + sum_j mu_j grad g_j + sum_i lambda_i grad h_i = 0,  mu0 = 0, mu_j >= 0, not all 0.

    min x  s.t.  y**2 <= x**3   (a cusp at the origin)
        no KKT point: grad f = (1, 0) while grad g = (-3x^2, 2y) vanishes at (0, 0),
        yet (0, 0) is the minimum.  LICQ fails there; Fritz John holds with mu0 = 0, mu1 = 1.

`irregular_points` finds every feasible point where the gradients of some active
set of constraints are dependent with Fritz John multipliers (>= 0 on
inequalities, normalized to sum 1), exactly (a Groebner basis, as for KKT
points), and tests each numerically for local optimality: f against random
feasible points nearby.  Affine constraints are skipped: for them a
qualification (Abadie's) always holds, so every minimizer is a KKT point.
"""

import itertools
from dataclasses import dataclass, field

import sympy

from ...text.budgets import attempt
from ...text.inputs import as_basic
from ...text.printing import latex, to_text
from .. import light
from ..realroots import Continuum, approx, reality, triangular_real_solutions, vanishes


@dataclass
class IrregularPoint:
    """A feasible point where LICQ fails: ``x``, the ``active`` constraints (texts), the Fritz John
    ``multipliers`` (mu0 = 0 on f), the objective ``value``, and ``local`` (the numeric test's verdict in
    words)."""

    x: dict
    active: list
    multipliers: dict
    value: object
    local: str = ""
    notes: list = field(default_factory=list)

    def __str__(self):
        where = ", ".join(f"{s} = {to_text(v)}" for s, v in self.x.items())
        mult = ", ".join(f"{s} = {to_text(v)}" for s, v in self.multipliers.items())
        return (f"LICQ fails at ({where}): the gradients of the active constraints ({'; '.join(self.active)}) are "
                f"linearly dependent there; the Fritz John conditions hold with multiplier 0 on f ({mult}), so a "
                f"{self.sense_word} there need not be a KKT point: objective {to_text(self.value)}"
                + (f"; {self.local}" if self.local else ""))

    sense_word = "minimizer"

    def __repr__(self):
        return f"IrregularPoint({self})"

    def latex(self):
        where = ",\\ ".join(f"{latex(s)} = {latex(v)}" for s, v in self.x.items())
        return f"\\text{{LICQ fails at }} {where},\\ f = {latex(self.value)}\\ (\\mu_0 = 0)"

    def _repr_latex_(self):
        return f"${self.latex()}$"

    def to_dict(self):
        return {"x": {str(s): to_text(v) for s, v in self.x.items()}, "active": list(self.active),
                "fritz_john_multipliers": {str(s): to_text(v) for s, v in self.multipliers.items()},
                "multiplier_of_f": "0", "value": to_text(self.value), "local": self.local,
                "text": str(self)}


def _affine(e, variables):
    try:
        return sympy.Poly(e, *variables).total_degree() <= 1
    except sympy.PolynomialError:
        return False


def irregular_points(problem, known=(), seconds=2.0):
    """Feasible points of a scalar KKTProblem where LICQ fails and Fritz John holds with mu0 = 0,
    excluding the points in `known` (KKT points already found)."""
    x = list(problem.wrt)
    constraints = problem.equalities + problem.inequalities
    if not constraints or all(_affine(c.expr, x) for c in constraints):
        return []
    if not all(as_basic(c.expr).is_polynomial(*x) for c in constraints):
        return []
    gradients = {id(c): [sympy.diff(c.expr, v) for v in x] for c in constraints}
    found = []
    m = len(problem.inequalities)
    for size in range(0, min(m, len(x)) + 1):
        for subset in itertools.combinations(range(m), size):
            active = problem.equalities + [problem.inequalities[j] for j in subset]
            if not active or all(_affine(c.expr, x) for c in active):
                continue
            for point in _dependent(problem, active, gradients, x, seconds):
                if any(all(vanishes(point[0][v] - q.x[v]) for v in x) for q in list(known) + found):
                    continue
                found.append(_irregular(problem, point, active, x))
    return found


def _dependent(problem, active, gradients, x, seconds):
    """(x values, nu values) where the active constraints hold and sum nu_c grad c = 0 with nu normalized."""
    nu = [sympy.Symbol(f"nu_{k}", real=True) for k in range(len(active))]
    equations = [c.expr for c in active]
    equations += [sum(n * gradients[id(c)][k] for n, c in zip(nu, active)) for k in range(len(x))]
    inequality = [n for n, c in zip(nu, active) if c.kind == "ineq"]
    equations.append(sum(inequality) - 1 if inequality else sum(n ** 2 for n in nu) - 1)
    unknowns = x + nu
    basis = attempt(lambda: sympy.groebner(equations, *unknowns, order="lex"), seconds, None)
    if basis is None or list(basis.exprs) == [1]:
        return []
    try:
        solutions = attempt(lambda: triangular_real_solutions(basis.exprs, unknowns), seconds, None) or []
    except Continuum:
        return []
    out = []
    for sol, _ in solutions:
        values = {u: sol[u] for u in unknowns}
        if not all(reality(v)[0] for v in values.values()):
            continue
        if any(_negative(values[n]) for n in inequality):
            continue
        point = {v: values[v] for v in x}
        if all(_feasible(c, point) for c in problem.constraints):
            out.append((point, {c.multiplier: values[n] for n, c in zip(nu, active)}))
    return out


def _negative(value):
    return float(approx(value)) < -1e-12


def _feasible(c, point):
    value = float(approx(c.expr.subs(point)))
    return abs(value) < 1e-12 if c.kind == "eq" else value <= 1e-12


def _irregular(problem, point, active, x):
    values, multipliers = point
    value = light.tidy(problem.objective.subs(values))
    p = IrregularPoint(values, [c.text for c in active], multipliers, value,
                       _local_test(problem, values, x))
    p.sense_word = "minimizer" if problem.sense == "min" else "maximizer"
    return p


def _local_test(problem, point, x, trials=20000):
    """Is f at the point no worse than at random feasible points nearby?  In words."""
    import numpy as np

    import codegen

    rng = np.random.default_rng(0)
    center = np.array([float(approx(point[v])) for v in x])
    f0 = float(approx(problem.objective.subs(point)))
    scales = 10.0 ** rng.uniform(-4, -1, size=(trials, len(x)))
    candidates = center + scales * rng.uniform(-1, 1, size=(trials, len(x)))
    feasible = np.ones(trials, dtype=bool)
    with np.errstate(all="ignore"):
        for c in problem.constraints:
            g = np.real(np.asarray(codegen.kernel(c.expr, x, backend="numpy")(*candidates.T), dtype=float))
            g = np.broadcast_to(g, (trials,))
            feasible &= (np.abs(g) < 1e-9) if c.kind == "eq" else (g <= 0)
        f = np.broadcast_to(np.real(np.asarray(codegen.kernel(problem.objective, x, backend="numpy")(
            *candidates.T), dtype=float)), (trials,))
    inside = f[feasible & np.isfinite(f)]
    word = "minimum" if problem.sense == "min" else "maximum"
    if inside.size == 0:
        return f"no other feasible point was found nearby ({trials} samples): it is a local {word} of an isolated part"
    tolerance = 1e-12 * max(1.0, abs(f0))
    worse = np.any(inside < f0 - tolerance) if problem.sense == "min" else np.any(inside > f0 + tolerance)
    if worse:
        return f"not a local {word}: nearby feasible points do better"
    return f"a local {word} by a numeric test (no better feasible point among {inside.size} sampled nearby)"
