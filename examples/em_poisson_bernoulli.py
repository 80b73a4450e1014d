"""Poisson and Bernoulli mixtures: derived, fitted, plotted.

* Counts from two regimes (a quiet one near 3 events a day, a busy one near
  12): a 2-component Poisson mixture.  The M-step derived for the rates is
  lam[k] = sum_i r[i, k] x[i] / sum_i r[i, k], the responsibility-weighted mean.
* Binary feature vectors drawn around two 16-bit prototypes with 10% bit
  flips: a 2-component Bernoulli mixture, p[k, j] = sum_i r[i, k] x[i, j] / sum_i r[i, k].

    python examples/em_poisson_bernoulli.py
"""

import numpy as np

from derive import em


def main(outdir="."):
    rng = np.random.default_rng(1)
    counts = np.concatenate([rng.poisson(3.0, 700), rng.poisson(12.0, 300)])
    poisson = em.derive_updates(em.mixture("poisson", k=2))
    print(poisson)
    pfit = poisson.fit(counts)
    print(pfit, "\n")

    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0],
                           [0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1]], dtype=float)
    which = rng.integers(0, 2, 800)
    flips = rng.random((800, 16)) < 0.1
    bits = np.abs(prototypes[which] - flips)
    bernoulli = em.derive_updates(em.mixture("bernoulli", k=2, dim=16))
    print(bernoulli)
    bfit = bernoulli.fit(bits)
    print(bfit)

    order = np.argsort(pfit.params["rates"])
    recovered = np.round(bfit.params["probs"])
    matches = min(np.abs(recovered - prototypes).sum(), np.abs(recovered[::-1] - prototypes).sum())
    out = {"poisson": pfit, "bernoulli": bfit, "rates": pfit.params["rates"][order],
           "weights": pfit.params["weights"][order], "prototype_bits_wrong": int(matches),
           "plots": [pfit.plot(f"{outdir}/em_poisson.png"), _bernoulli_plot(bfit, f"{outdir}/em_bernoulli.png")]}
    print(f"\nrates {out['rates'].round(2)} (truth 3, 12); prototype bits recovered wrongly: {matches}")
    return out


def _bernoulli_plot(fit, path):
    from pathlib import Path

    from derive.present.plots import pyplot, save

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
    left.imshow(fit.params["probs"], cmap="gray_r", vmin=0, vmax=1)
    left.set_title("p[k, j]: each component's bit probabilities")
    left.set_xlabel("feature j")
    left.set_ylabel("component k")
    right.plot(fit.loglik, marker="o", markersize=3)
    right.set_xlabel("iteration")
    right.set_ylabel("log-likelihood")
    right.set_title("EM never decreases it")
    fig.tight_layout()
    return save(fig, Path(path).parent, Path(path).name)


if __name__ == "__main__":
    main()
