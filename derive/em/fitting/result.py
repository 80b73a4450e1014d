"""`Fit`: a fitted mixture (what `Updates.fit` returns).

The result holds what the loop left (`_run`: the data and the kernels; the
internal parameters) and reads from it on demand (responsibilities, labels);
it never imports the loop: the loop imports it.
"""

import numpy as np
import sympy

from ...text.printing import latex
from ..presentation.plot import plot_fit


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
        return plot_fit(self, path, X)

    def __str__(self):
        state = "converged" if self.converged else "stopped (max_iter)"
        what = "log posterior" if self.model.prior else "log-likelihood"
        lines = [(f"EM fit of a {self.model.describe()}: {state} after {self.n_iter} iterations; "
                  f"{what} {self.loglik[-1]:.10g} (from {self.loglik[0]:.10g})")]
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


__all__ = ["Fit"]
