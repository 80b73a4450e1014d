"""The result objects: `Updates` (the derivation) and `Fit` (a fitted mixture)."""

import numpy as np
import sympy

from ..text.printing import latex, to_text


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
            from ._program import Program

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
        from ._base import fit

        return fit(self, X, init=init, max_iter=max_iter, tol=tol, seed=seed, reg_covar=reg_covar, backend=backend)

    # -- showing ------------------------------------------------------------
    def explain(self):
        """The derivation in words and LaTeX, the way the lecture tells it (an `Explanation`)."""
        from ._explain import explain

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


class Fit:
    """A fitted mixture.

    Attributes: ``params`` (name -> NumPy array, scikit-learn's shapes:
    weights (K,), means (K, d), covariances (K, d, d) | (K, d) | (K,),
    probs, rates, or the declared names of a custom model); ``loglik``
    (log posterior per iteration, t = 0 .. n_iter; log-likelihood without
    priors); ``n_iter``; ``converged``; ``responsibilities`` (N x K, computed
    on first access: a Dask array for Dask input); ``labels`` (argmax);
    ``timings`` (seconds: build, compile and where the compiled code came from, per Dask worker too,
    init, each iteration; docs/em.md); ``updates``.  ``plot()`` draws the clusters and the trace.
    """

    def __init__(self, updates, params, loglik, n_iter, converged, run, internal, notes, timings):
        self.updates, self.model = updates, updates.model
        self.params, self.loglik, self.n_iter, self.converged = params, loglik, n_iter, converged
        self.notes, self.timings = notes, timings
        self._run, self._internal, self._responsibilities = run, internal, None

    @property
    def responsibilities(self):
        if self._responsibilities is None:
            run = self._run
            logw, H, arrays = run.kernel_inputs(self._internal)
            R, _ = run.data.responsibilities(run.shift, logw, H, arrays)
            self._responsibilities = R
        return self._responsibilities

    @property
    def labels(self):
        R = self.responsibilities
        return R.argmax(axis=1)

    @property
    def monotone(self):
        """True if the recorded log posterior never decreased beyond round-off."""
        steps = np.diff(self.loglik)
        return bool(np.all(steps >= -1e-9 * np.maximum(1.0, np.abs(self.loglik[1:]))))

    def plot(self, path=None, X=None):
        """Clusters (first two coordinates, or a histogram for 1-D data) and the log-likelihood trace."""
        from ._plot import plot_fit

        return plot_fit(self, path, X)

    def __str__(self):
        state = "converged" if self.converged else "stopped (max_iter)"
        what = "log posterior" if self.model.prior else "log-likelihood"
        lines = [f"EM fit of a {self.model.describe()}: {state} after {self.n_iter} iterations; "
                 f"{what} {self.loglik[-1]:.10g} (from {self.loglik[0]:.10g})"]
        for name, value in self.params.items():
            text = np.array2string(np.asarray(value), precision=4, suppress_small=True, max_line_width=100)
            lines.append(f"  {name} {tuple(np.shape(value))}:\n    " + text.replace("\n", "\n    "))
        if self.notes:
            lines.append("  " + "; ".join(f"{k}: {v}" for k, v in self.notes.items()))
        return "\n".join(lines)

    def _repr_latex_(self):
        rows = [r"\text{" + name + "} &= " + latex(sympy.Matrix(np.atleast_2d(np.round(v, 4))))
                for name, v in self.params.items() if np.size(v) <= 64 and np.ndim(v) <= 2]
        rows.append(r"\log p &= " + f"{self.loglik[-1]:.8g}")
        return r"$$\begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}$$"

    def to_dict(self):
        return {"model": self.model.to_dict(), "params": {k: np.asarray(v).tolist() for k, v in self.params.items()},
                "loglik": [float(v) for v in self.loglik], "n_iter": self.n_iter, "converged": self.converged,
                "monotone": self.monotone, "notes": dict(self.notes)}


__all__ = ["Fit", "Updates"]
