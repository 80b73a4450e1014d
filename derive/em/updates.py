"""`Updates`: the derived E- and M-steps of a model, and `derive_updates`, which derives them.

The object users hold between the derivation and the fit: it reads as the
lecture writes the updates (`str`, LaTeX, `to_dict`), tells the derivation
(`explain`, derive/em/presentation/) and runs EM (`fit`, the loop in
derive/em/fitting/, which returns a `Fit`).
"""

from ..errors import DeriveError
from ..text.budgets import time_budget
from ..text.printing import latex, to_text
from .derivation.steps import derive_steps, e_step
from .derivation.validate import validate
from .fitting.loop import fit
from .fitting.program import Program
from .model import Model
from .presentation.explain import explain

DERIVE_SECONDS = 40.0


def derive_updates(model, *, validate_result=True):
    """Derive the E-step and M-step of `model` (from `em.mixture` or `em.custom`); returns `Updates`.

    >>> from derive import em
    >>> u = em.derive_updates(em.mixture("poisson", k=2))
    >>> u.m_step["rates"]
    Eq(lam[k], Sum(r[i, k]*x[i], (i, 0, N - 1))/Sum(r[i, k], (i, 0, N - 1)))
    """
    if not isinstance(model, Model):
        raise DeriveError("derive_updates takes a model from em.mixture(...) or em.custom(...)")
    with time_budget(DERIVE_SECONDS, "deriving the EM updates"):
        steps = derive_steps(model)
    report = validate(model, steps) if validate_result else None
    return Updates(model, model.objective, e_step(model), steps, report)


class Updates:
    """The derived EM updates of a model.

    Attributes: ``model``; ``objective`` J(theta) = sum_i sum_k r[i, k]
    (log w[k] + ell(i, k)) + log p(theta); ``e_step`` (``Eq(r[i, k], ...)``,
    computed in log space); ``m_step`` (parameter name -> ``Eq(param,
    closed form)`` in index notation, or a `GEMSpec` where no closed form
    exists); ``steps`` (the updates in the order they run, `Step`);
    ``validation`` (how the closed forms were checked).
    ``explain()`` tells the derivation; ``fit(X)`` runs EM.
    """

    def __init__(self, model, objective, e_step, steps, validation):
        self.model, self.objective, self.e_step, self.steps, self.validation = (
            model, objective, e_step, steps, validation)
        self.m_step = {s.param.name: (s.equation if s.equation is not None else s.gem) for s in steps}
        self._program = None

    # -- running ------------------------------------------------------------
    @property
    def program(self):
        """The compiled E-step/statistics kernel and the numeric M-step (built on first use)."""
        if self._program is None:
            self._program = Program(self)
        return self._program

    def fit(self, X, init=None, max_iter=100, tol=1e-8, seed=0, reg_covar=0.0, backend="auto"):
        """Run EM on X (NumPy or Dask array); returns a `Fit`.

        ``init``: None (k-means++ seeding from ``seed``) or a dict of starting
        parameters (public names, scikit-learn's shapes).  ``tol``: stop when the
        mean log-likelihood per row changes less.  ``reg_covar``: added to
        normal covariances' diagonals after each M-step (0: the exact EM).
        ``backend``: "numba", "numpy" or "auto".  See docs/em.md.
        """
        return fit(self, X, init=init, max_iter=max_iter, tol=tol, seed=seed, reg_covar=reg_covar, backend=backend)

    # -- showing ------------------------------------------------------------
    def explain(self):
        """The derivation in words and LaTeX, the way the lecture tells it (an `Explanation`)."""
        return explain(self)

    def __str__(self):
        lines = [f"EM updates for a {self.model.describe()}",
                 f"  J(theta) = {to_text(self.objective)}",
                 "  E-step: r[i, k] = exp(log w[k] + ell(i, k) - logsumexp_q(log w[q] + ell(i, q)))",
                 f"          ell(i, k) = {to_text(self.model.log_density)}",
                 "  M-step (in this order):"]
        for s in self.steps:
            if s.equation is not None:
                lines.append(f"    {to_text(s.equation.lhs)} = {to_text(s.equation.rhs)}    [{_how(s)}]")
            else:
                lines.append(f"    {s.param.name}: {s.gem.label}; dJ/d{s.param.symbol} = "
                             f"{to_text(s.gradient)}   [no closed form: {s.note}]")
        if self.validation is not None:
            lines.append(f"  {self.validation}")
        return "\n".join(lines)

    def _repr_latex_(self):
        rows = [r"J(\theta) &= " + latex(self.objective),
                latex(self.e_step.lhs) + " &= " + latex(self.e_step.rhs)]
        for s in self.steps:
            if s.equation is not None:
                rows.append(latex(s.equation.lhs) + " &= " + latex(s.equation.rhs))
            else:
                rows.append(r"\text{" + s.param.name + r": generalized EM, } \frac{\partial J}{\partial "
                            + latex(s.param.target) + "} &= " + latex(s.gradient))
        return r"$$\begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}$$"

    def to_dict(self):
        out = {"model": self.model.to_dict(), "objective": to_text(self.objective),
               "e_step": {"r": to_text(self.e_step.rhs), "log_joint": to_text(self.model.log_joint),
                          "computed": "in log space with log-sum-exp"},
               "m_step": {}, "order": [s.param.name for s in self.steps],
               "validation": None if self.validation is None else self.validation.to_dict()}
        for s in self.steps:
            entry = {"kind": s.kind, "gradient": to_text(s.gradient) if s.gradient is not None else None,
                     "uses": list(s.uses)}
            if s.equation is not None:
                entry.update(param=to_text(s.equation.lhs), closed_form=to_text(s.equation.rhs))
            else:
                entry.update(param=s.param.symbol, step=s.gem.label, reason=s.note,
                             hessian=to_text(s.gem.hessian_index))
            if s.multiplier is not None:
                entry["multiplier"] = {"symbol": to_text(s.multiplier), "value": to_text(s.multiplier_value)}
            out["m_step"][s.param.name] = entry
        return out


def _how(step):
    if step.kind == "lagrange":
        return f"Lagrange multiplier {to_text(step.multiplier)} = {to_text(step.multiplier_value)}"
    if step.kind == "matrix calculus":
        return "matrix calculus: log det and the inverse"
    return "dJ/d" + step.param.symbol + " = 0"


__all__ = ["Updates", "derive_updates"]
