"""The EM loop shared by every model: E-step + statistics in one kernel pass, M-step from the statistics.

    theta_0  (init, or k-means++ seeding)
    repeat:  S, log p(X | theta) = one pass over X      (E-step and sufficient statistics, fused)
             theta <- M-step(S, theta)                  (the derived closed forms / GEM steps)
             stop when the mean log posterior per row changes by less than tol

``Fit.loglik[t]`` is the log posterior log p(X | theta_t) + log p(theta_t) of
the parameters after t M-steps (t = 0 .. n_iter), so it has n_iter + 1
entries; EM (and every GEM step) makes it non-decreasing.  As in
scikit-learn, each iteration runs the M-step before testing convergence, and
``tol`` applies to the change of the mean log-likelihood per row.
"""

import time

import numpy as np

from ...errors import DeriveError
from .dask_data import DaskData
from .numpy_data import NumpyData
from .result import Fit
from .seeding import SOFT, default_params, kmeans_pp, sample_rows

HINTS = {
    "weights": "an empty component: use fewer components or a Dirichlet prior with alpha > 1 on 'weights'",
    "covariances": ("a collapsed component (it owns too few distinct rows): use fewer components, "
                    "prior={'covariances': em.NormalInverseWishart(...)}, or reg_covar > 0"),
    "rates": "a component without data: use fewer components or a Gamma prior on 'rates'",
    "probs": "use a Beta (Bernoulli) or Dirichlet (categorical) prior on 'probs'",
}


def is_dask(X):
    return type(X).__module__.split(".")[0] == "dask"


def fit(updates, X, init=None, max_iter=100, tol=1e-8, seed=0, reg_covar=0.0, backend="auto"):
    """EM on X; see the module doc.  Returns a `Fit`."""
    max_iter, tol, seed, reg_covar = _check_options(max_iter, tol, seed, reg_covar)
    model = updates.model
    started = time.perf_counter()
    program = updates.program
    build_seconds = time.perf_counter() - started
    X = model.check_data(X)
    data = (DaskData if is_dask(X) else NumpyData)(program, X, backend)
    compiled = data.warm_up()  # compile here, where it is timed, not in the first iteration
    started = time.perf_counter()
    run = _Run(program, data, reg_covar)
    params = run.initial(init, seed)
    init_seconds = time.perf_counter() - started
    history, times, notes = [], [], {}
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        tick = time.perf_counter()
        S, ll = run.e_pass(params, n_iter - 1)
        history.append(ll + run.log_prior(params))
        params, notes = run.m_step(S, params, n_iter)
        times.append(time.perf_counter() - tick)
        if n_iter > 1 and abs(history[-1] - history[-2]) <= tol * data.rows:
            converged = True
            break
    _, ll = run.e_pass(params, n_iter)
    history.append(ll + run.log_prior(params))
    return Fit(updates, run.model.public(run.public(params)), np.array(history), n_iter, converged, run, params, notes,
               {"build_seconds": build_seconds, **compiled, "init_seconds": init_seconds, "iteration_seconds": times})


def _check_options(max_iter, tol, seed, reg_covar):
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or not 0 <= max_iter <= 100_000:
        raise DeriveError(f"max_iter must be a whole number 0..100000, got {max_iter!r}")
    try:
        tol = float(tol)
        reg_covar = float(reg_covar)
    except (TypeError, ValueError):
        raise DeriveError("tol and reg_covar must be numbers") from None
    if not (np.isfinite(tol) and tol >= 0) or not (np.isfinite(reg_covar) and reg_covar >= 0):
        raise DeriveError("tol and reg_covar must be non-negative numbers")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise DeriveError(f"seed must be a whole number, got {seed!r}")
    return int(max_iter), tol, int(seed), reg_covar


class _Run:
    """One fit's state: the data, the shift of the location parameter, the kernels."""

    def __init__(self, program, data, reg_covar):
        self.program, self.data, self.model, self.reg_covar = program, data, program.model, reg_covar
        width = program.width
        self.shift = np.zeros(width)
        if self.model.location and self.model.location not in self.model.prior:
            # fit in centred coordinates (means - shift): one-pass variances stay accurate far from 0
            self.shift = np.asarray(data.mean(), dtype=float)

    # -- coordinates ----------------------------------------------------------
    def public(self, params):
        out = {name: np.array(v, dtype=float) for name, v in params.items()}
        if self.model.location:
            out[self.model.location] = out[self.model.location] + self.shift
        return out

    def internal(self, params):
        out = {name: np.array(v, dtype=float) for name, v in params.items()}
        if self.model.location:
            out[self.model.location] = out[self.model.location] - self.shift
        return out

    # -- steps ---------------------------------------------------------------
    def kernel_inputs(self, params):
        with np.errstate(divide="ignore"):
            logw = np.log(np.asarray(params["weights"], dtype=float))
        arrays = self.program.kernel_arrays(params)
        H = self.data.module.hoist(*arrays, self.model.k)
        return logw, H, arrays

    def e_pass(self, params, iteration):
        logw, H, arrays = self.kernel_inputs(params)
        S, ll, nans = self.data.stats(self.shift, logw, H, arrays)
        if nans or not np.isfinite(ll):
            self._diagnose(params, iteration)
        return S, ll

    def m_step(self, S, params, iteration):
        new, notes = self.program.m_step(S, params, self.data.rows)
        if self.reg_covar and "covariances" in new:
            cov = new["covariances"]
            if self.model.cov == "full":
                cov = cov + self.reg_covar * np.eye(cov.shape[1])
            else:
                cov = cov + self.reg_covar
            new["covariances"] = cov
        self.check(new, f"the M-step at iteration {iteration}")
        return new, notes

    def log_prior(self, params):
        if not self.model.prior:
            return 0.0
        return self.program.log_prior(self.public(params))

    def check(self, params, when):
        for p in self.model.all_params:
            value = np.asarray(params[p.name], dtype=float)
            reason = p.check(value)
            if reason is None:
                continue
            where = ""
            if p.name != "weights":  # name the first component that breaks the constraint
                kk = next(kk for kk in range(value.shape[0]) if p.check(value[kk:kk + 1]))
                where, reason = f" for component {kk}", p.check(value[kk:kk + 1])
            raise DeriveError(f"{when} gave {p.name}{where} that {reason}: {HINTS.get(p.name, 'see docs/em.md')}")
        if self.model.kernel_form is not None:
            self.model.kernel_form.arrays_from(params)  # a Cholesky per component: singular -> DeriveError

    def _diagnose(self, params, iteration):
        logw, H, arrays = self.kernel_inputs(params)
        _R, rowll = self.data.responsibilities(self.shift, logw, H, arrays)
        bad = np.flatnonzero(~np.isfinite(np.asarray(rowll)))
        row = int(bad[0]) if bad.size else None
        where = f"row {row} (x = {np.round(self.data.row(row) , 6).tolist()})" if row is not None else "a row"
        if row is not None and np.isnan(rowll[row]):
            raise DeriveError(f"the log density is undefined (NaN) at {where} at iteration {iteration}: "
                              "check the data against the model's domain")
        raise DeriveError(f"{where} has zero probability under every component at iteration {iteration}")

    # -- initialisation --------------------------------------------------------
    def initial(self, init, seed):
        model = self.model
        given = model.internal(_check_init(model, init))
        params = default_params(model)
        if set(given) != {p.name for p in model.all_params}:
            idx, rng = sample_rows(self.data.rows, seed)
            points = np.asarray(self.data.sample(idx), dtype=float) - self.shift
            centers = kmeans_pp(points, model.k, rng, codes=model.data == "codes")
            if "means" in given:
                centers = np.asarray(given["means"], dtype=float).reshape(model.k, -1) - self.shift
            S = self.data.seed(self.shift, centers, SOFT)
            params, _ = self.program.m_step(S, params, self.data.rows)
        params.update(self.internal(given) if model.location in given else given)
        self.check(params, "the initial parameters")
        return params


def _check_init(model, init):
    if init is None:
        return {}
    if not isinstance(init, dict):
        raise DeriveError("init must be a dict of parameter name -> array (e.g. {'weights': ..., 'means': ...})")
    shapes = model.shapes()
    out = {}
    for name, value in init.items():
        if name not in shapes:
            raise DeriveError(f"init has unknown parameter {name!r}; this model has {', '.join(shapes)}")
        try:
            array = np.array(value, dtype=float)
        except (TypeError, ValueError):
            raise DeriveError(f"init[{name!r}] must be numbers") from None
        if array.shape != shapes[name]:
            raise DeriveError(f"init[{name!r}] has shape {array.shape}; expected {shapes[name]}")
        reason = model.param(name).check(array)
        if reason:
            raise DeriveError(f"init[{name!r}] {reason}")
        out[name] = array
    return out
