"""Fit.plot(): the fitted clusters and the log-likelihood trace, headless (Agg)."""

import numpy as np

MAX_POINTS = 5000


def plot_fit(fit, path=None, X=None):
    """A figure with the clusters (left) and log p per iteration (right); saved to `path` if given."""
    from ...present.plots import figure, finish

    fig = figure(figsize=(11, 4.5))  # headless and shown in notebooks; pyplot's state is left alone
    left, right = fig.subplots(1, 2)
    data = _sample(fit, X)
    model = fit.model
    if model.data == "codes":
        _categories(left, fit)
    elif data.shape[1] >= 2:
        _scatter(left, fit, data)
    else:
        _histogram(left, fit, data)
    trace = np.asarray(fit.loglik)
    right.plot(np.arange(len(trace)), trace, marker="o", markersize=3)
    right.set_xlabel("iteration t (M-steps done)")
    right.xaxis.get_major_locator().set_params(integer=True)  # iterations are whole numbers
    right.set_ylabel("log posterior" if model.prior else "log-likelihood")
    right.set_title("EM never decreases it" + (" (converged)" if fit.converged else ""))
    right.grid(alpha=0.3)
    fig.suptitle(model.describe())
    fig.tight_layout()
    written = finish(fig, path)
    if path is not None:
        print(f"plot written to {path}")
    return written


def _sample(fit, X):
    if X is None:
        X = fit._run.data.X
    rows = X.shape[0]
    idx = np.arange(rows) if rows <= MAX_POINTS else np.sort(np.random.default_rng(0).choice(rows, MAX_POINTS, False))
    sample = X[idx]
    sample = np.asarray(sample.compute() if hasattr(sample, "compute") else sample, dtype=float)
    return sample.reshape(len(idx), -1)


def _labels(fit, data):
    run = fit._run
    logw, H, arrays = run.kernel_inputs(fit._internal)
    R = np.empty((data.shape[0], fit.model.k))
    rowll = np.empty(data.shape[0])
    run.data.module.resp_range(np.ascontiguousarray(data), 0, data.shape[0], run.shift, logw, H, *arrays, R, rowll)
    return R.argmax(axis=1), rowll


def _scatter(ax, fit, data):
    labels, _ = _labels(fit, data)
    ax.scatter(data[:, 0], data[:, 1], c=labels, s=6, cmap="tab10", alpha=0.6)
    params = fit.params
    if fit.model.family == "normal":
        for kk, mean in enumerate(params["means"]):
            cov = _cov2(fit, kk)
            vals, vecs = np.linalg.eigh(cov)
            t = np.linspace(0, 2 * np.pi, 100)
            circle = np.stack([np.cos(t), np.sin(t)])
            ellipse = (vecs @ (2 * np.sqrt(np.maximum(vals, 0))[:, None] * circle)).T + mean[:2]
            ax.plot(ellipse[:, 0], ellipse[:, 1], color="black", lw=1)
            ax.plot(mean[0], mean[1], "k+", markersize=10)
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title("clusters (2 sd ellipses)" if fit.model.family == "normal" else "clusters (most responsible)")


def _cov2(fit, kk):
    cov = np.asarray(fit.params["covariances"])[kk]
    if fit.model.cov == "full":
        return cov[:2, :2]
    if fit.model.cov == "diag":
        return np.diag(cov[:2])
    return np.eye(2) * cov


def _histogram(ax, fit, data):
    x = data[:, 0]
    ax.hist(x, bins=60, density=True, alpha=0.5, color="tab:blue", label="data")
    lo, hi = np.min(x), np.max(x)
    if fit.model.data in ("counts",):
        grid = np.arange(np.floor(lo), np.ceil(hi) + 1)
    else:
        pad = 0.05 * (hi - lo + 1e-12)
        grid = np.linspace(lo - pad if fit.model.data == "real" else max(lo - pad, 1e-9), hi + pad, 400)
    _, rowll = _labels(fit, grid.reshape(-1, 1))
    ax.plot(grid, np.exp(rowll), color="black", lw=1.5, label="fitted mixture density")
    ax.set_xlabel("x")
    ax.legend()
    ax.set_title("data and the fitted density")


def _categories(ax, fit):
    probs = np.asarray(fit.params["probs"])
    K, C = probs.shape
    width = 0.8 / K
    for kk in range(K):
        ax.bar(np.arange(C) + kk * width, probs[kk], width, label=f"component {kk} (w = {fit.params['weights'][kk]:.2f})")
    ax.set_xlabel("category")
    ax.set_ylabel("probability")
    ax.legend(fontsize=8)
    ax.set_title("category probabilities per component")
