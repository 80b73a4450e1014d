"""The E-step and the M-step of a model, derived: `e_step` and `derive_steps` (`Step`s in the order they run).

The lecture's route, step by step:

1. ELBO: log p(x | theta) = L(q, theta) + KL(q || p(z | x, theta)).
2. E-step: q = p(z | x, theta_old), the responsibilities
   r[i, k] = w[k] p(x_i | theta_k) / sum_q w[q] p(x_i | theta_q), in log space (log-sum-exp).
3. M-step: maximize J(theta) = sum_i sum_k r[i, k] log p(x_i, z_i = k | theta) (+ log p(theta)):
   each parameter from dJ/dtheta = 0 (weights with a Lagrange multiplier
   for sum_k w[k] = 1; a full covariance by matrix calculus), or a
   generalized-EM step where there is no closed form.

Every closed form is then validated on an exact instance (validate.py) before
`derive_updates` (derive/em/updates.py) returns it.
"""

from dataclasses import dataclass

import sympy
from sympy import Eq, Indexed, Sum, Symbol, exp, log

from ...errors import DeriveError
from ..model import WEIGHTS
from ..symbols import TARGET_INDEX, K, i, k, r
from .closed_form import solve_simplex, solve_stationary
from .generalized_em import GEMSpec, gem_spec


@dataclass
class Step:
    """One parameter's M-step.

    ``kind``: "lagrange" (a simplex, through a Lagrange multiplier), "closed
    form" (dJ/dtheta = 0 solved in index notation), "matrix calculus" (the
    full covariance and its mean, solved in matrix notation) or "generalized
    EM".  ``equation`` is ``Eq(param element, closed form)`` (None for
    generalized EM), ``gradient`` dJ/dtheta in index notation, ``uses`` the
    other parameters the update reads (their updated values).
    """

    param: object
    kind: str
    equation: sympy.Eq = None
    gradient: object = None
    multiplier: object = None  # the Lagrange multiplier's symbol
    multiplier_value: object = None
    uses: tuple = ()
    gem: GEMSpec = None
    matrix: object = None  # the matrix-notation derivation (full covariance)
    note: str = ""


def e_step(model):
    """r[i, k] = exp(log w[k] + ell(i, k) - log sum_q exp(log w[q] + ell(i, q)))."""
    q = Symbol("q", integer=True)
    joint = model.log_joint
    lse = log(Sum(exp(joint.xreplace({k: q})), (q, 0, K - 1)))
    return Eq(r[i, k], exp(joint - lse))


def derive_steps(model):
    J = model.objective
    steps = [_simplex_step(J, WEIGHTS)]
    matrix = model.matrix_route(model) if model.matrix_route is not None else {}
    for p in model.params:
        if p.name in matrix:
            equation, derivation = matrix[p.name]
            steps.append(Step(p, "matrix calculus", equation, derivation.gradient, matrix=derivation,
                              uses=_uses(equation.rhs, model, p), note=derivation.note))
        elif p.constraint == "simplex":
            steps.append(_simplex_step(J, p))
        else:
            solved, G, reason = solve_stationary(J, p)
            if solved is not None:
                rhs = display(solved.value, p)
                steps.append(Step(p, "closed form", Eq(p.element, rhs), display(G, p), uses=_uses(rhs, model, p)))
            else:
                gem = gem_spec(J, p, reason)
                steps.append(Step(p, "generalized EM", None, display(G, p), gem=gem, note=reason,
                                  uses=_uses(gem.gradient_index, model, p)))
    return _order(steps)


def _simplex_step(J, p):
    solved, lam = solve_simplex(J, p)
    if solved is None:
        raise DeriveError(f"no closed form for the {p.name} on the simplex ({lam})")
    lam_display = display(lam, p) if isinstance(lam, Indexed) else lam
    return Step(p, "lagrange", Eq(p.element, display(solved.value, p)), display(solved.lagrangian_gradient, p),
                multiplier=lam_display, multiplier_value=display(solved.multiplier, p))


def display(expr, param):
    """Rename the derivative target's free indices (a, b, e) to the parameter's own (k, j, l)."""
    mapping = {TARGET_INDEX[ax]: ax for ax in param.axes}
    clash = {lim[0] for s in expr.atoms(Sum) for lim in s.limits} & set(mapping.values())
    if clash:
        fresh = {ax: Symbol(f"{ax.name}{ax.name}", integer=True) for ax in clash}
        expr = expr.replace(lambda e: isinstance(e, Sum) and any(lim[0] in fresh for lim in e.limits),
                            lambda e: e.xreplace(fresh))
    return expr.xreplace(mapping)


def _uses(expr, model, param):
    labels = {e.base.label for e in expr.atoms(Indexed)}
    return tuple(p.name for p in model.all_params if p is not param and p.base.label in labels)


def _order(steps):
    """Weights first, then generalized-EM steps, then closed forms after the parameters they read."""
    weights, rest = steps[0], steps[1:]
    gem = [s for s in rest if s.kind == "generalized EM"]
    pending = [s for s in rest if s.kind != "generalized EM"]
    ordered, done = [], {s.param.name for s in gem} | {weights.param.name}
    while pending:
        ready = [s for s in pending if all(u in done for u in s.uses)] or pending[:1]  # a cycle: conditional steps
        step = ready[0]
        ordered.append(step)
        done.add(step.param.name)
        pending.remove(step)
    return [weights] + gem + ordered
