"""MAP-EM with a Dirichlet prior: why it keeps a component from collapsing.

The lecture: for MAP estimation maximize log p(theta | x) = log p(x | theta) +
log p(theta) - log p(x); EM carries over with J(theta) + log p(theta) in the
M-step.  With a Dirichlet(alpha) prior on the weights, the derived update is

    w[k] = (sum_i r[i, k] + alpha - 1) / (N + K (alpha - 1))

so for alpha > 1 no weight can fall below (alpha - 1) / (N + K (alpha - 1)).

The experiment: counts from three regimes (2, 9 and 25 a day), a 3-component
Poisson mixture started with one component far away (a rate of 200).
Maximum likelihood never recovers it: its responsibilities start below
e^-125, so its weight collapses (below 1e-20) and stays there, and the fit
explains the data with two components.  With alpha = 2 the floor keeps the component's
weight near 1/N; it takes a share of the rows, moves onto the regime the
other two split badly, and the MAP fit finds all three regimes.

    python examples/em_map_dirichlet.py
"""

import numpy as np

from derive import em


def data(seed=2):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.poisson(2.0, 500), rng.poisson(9.0, 300), rng.poisson(25.0, 200)])


def main(outdir="."):
    X = data()
    init = {"weights": np.array([0.5, 0.5 - 1e-6, 1e-6]), "rates": np.array([3.0, 15.0, 200.0])}
    ml = em.derive_updates(em.mixture("poisson", k=3))
    mapem = em.derive_updates(em.mixture("poisson", k=3, prior={"weights": em.Dirichlet(2.0)}))
    print(mapem.m_step["weights"])
    ml_fit = ml.fit(X, init=init, max_iter=500)
    map_fit = mapem.fit(X, init=init, max_iter=500)
    print("maximum likelihood:", ml_fit, "", "MAP (Dirichlet alpha = 2):", map_fit, sep="\n")

    # the log-likelihood of the MAP parameters (the log posterior minus the log prior)
    map_loglik = map_fit.loglik[-1] - map_fit.updates.program.log_prior(map_fit.params)
    out = {"ml": ml_fit, "map": map_fit,
           "ml_min_weight": float(ml_fit.params["weights"].min()),
           "map_min_weight": float(map_fit.params["weights"].min()),
           "map_rates": np.sort(map_fit.params["rates"]),
           "ml_loglik": float(ml_fit.loglik[-1]), "map_loglik": float(map_loglik)}
    print(f"\nsmallest weight: ML {out['ml_min_weight']:.3g}, MAP {out['map_min_weight']:.3g}; "
          f"MAP rates {out['map_rates'].round(2)}; log-likelihood ML {out['ml_loglik']:.2f} "
          f"< MAP {out['map_loglik']:.2f}")
    out["plot"] = _plot(X, ml_fit, map_fit, f"{outdir}/em_map_dirichlet.png")
    return out


def _plot(X, ml_fit, map_fit, path):
    from pathlib import Path

    from scipy.stats import poisson

    from derive.present.plots import pyplot, save

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    grid = np.arange(0, X.max() + 1)
    left.hist(X, bins=np.arange(-0.5, X.max() + 1.5), density=True, alpha=0.4, label="counts")
    for fit, name in ((ml_fit, "ML (a component collapsed)"), (map_fit, "MAP, Dirichlet(2)")):
        pmf = sum(w * poisson.pmf(grid, lam) for w, lam in zip(fit.params["weights"], fit.params["rates"]))
        left.plot(grid, pmf, marker=".", label=name)
    left.legend()
    left.set_xlabel("count")
    left.set_title("fitted mixtures")
    right.plot(ml_fit.loglik, label="ML: log-likelihood")
    right.plot(map_fit.loglik, label="MAP: log posterior")
    right.set_xlabel("iteration")
    right.legend()
    right.set_title("both never decrease")
    fig.tight_layout()
    return save(fig, Path(path).parent, Path(path).name)


if __name__ == "__main__":
    main()
