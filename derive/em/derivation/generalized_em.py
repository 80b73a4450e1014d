"""Generalized EM: where dJ/du = 0 has no closed form (a gamma shape: digamma),
improve J instead of maximizing it.

The lecture: the M-step only has to find a theta with J(theta) > J(theta_old);
EM's monotonicity argument goes through unchanged.  Here that is a Newton
step on the derived gradient and Hessian (a gradient step where J is not
concave), with a backtracking line search that accepts a step only if J,
evaluated exactly from the same sufficient statistics, does not decrease and
the constraint (u > 0, 0 < u < 1) still holds; if no step qualifies the
parameter stays where it is.  So J never decreases, by construction.

Everything here works on per-component arrays (one entry per component and
coordinate) of the statistics, so a step costs no pass over the data.
"""

from dataclasses import dataclass

import numpy as np
import sympy

from .closed_form import gradient, restrict
from .separate import pull_out

NEWTON_STEPS = 20  # inner Newton iterations per M-step (each one never decreases J)
HALVINGS = 40


@dataclass
class GEMSpec:
    """The symbolic pieces of a generalized-EM update for one parameter (target indices)."""

    objective_index: sympy.Expr  # the terms of J that depend on one element u
    gradient_index: sympy.Expr  # dJ/du
    hessian_index: sympy.Expr  # d2J/du2
    reason: str  # why there is no closed form

    label = "generalized EM: Newton steps with a backtracking line search (J never decreases)"


def gem_spec(J, param, reason):
    """The GEM pieces for `param`, with the data sums pulled out."""
    target = param.target
    labels = {target.base.label}
    F = pull_out(restrict(J, param), labels)
    G = pull_out(gradient(J, target), labels)
    H = pull_out(sympy.diff(G, target), labels)
    return GEMSpec(F, G, H, reason)


def newton_ascent(u, objective, grad, hess, feasible, steps=NEWTON_STEPS):
    """Improve every entry of `u` (independent problems) without ever decreasing `objective`.

    `objective(u)`, `grad(u)`, `hess(u)` evaluate elementwise; `feasible(u)` is
    a boolean mask.  Returns (u, number of accepted steps).
    """
    u = np.array(u, dtype=float)
    accepted = 0
    for _ in range(steps):
        f0, g, h = objective(u), grad(u), hess(u)
        newton = h < 0
        direction = np.where(newton, -g / np.where(newton, h, 1.0), np.sign(g) * np.maximum(np.abs(u), 1.0))
        direction = np.where(np.isfinite(direction), direction, 0.0)
        t = np.ones_like(u)
        done = (direction == 0) | ~np.isfinite(f0)
        new = u.copy()
        for _ in range(HALVINGS):
            trial = u + t * direction
            with np.errstate(all="ignore"):
                ok = feasible(trial)
                f1 = np.where(ok, objective(np.where(ok, trial, u)), -np.inf)
            good = ~done & ok & (f1 >= f0)
            new = np.where(good, trial, new)
            done |= good
            if done.all():
                break
            t = np.where(done, t, t / 2)
        moved = np.abs(new - u) > 1e-15 * np.maximum(np.abs(u), 1e-300)
        accepted += int(moved.any())
        u = new
        if not moved.any():
            break
    return u, accepted
