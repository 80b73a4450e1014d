"""A custom model with no closed-form M-step: a gamma mixture by generalized EM.

The component log density, given as text,

    a log b - log Gamma(a) + (a - 1) log x - b x         (shape a, rate b)

has a closed-form rate update, b = a sum_i r[i, k] / sum_i r[i, k] x[i], but
the shape's stationarity condition involves the digamma function:

    dJ/da = N_k (log b - digamma(a)) + sum_i r[i, k] log x[i] = 0

which SymPy cannot solve in closed form.  The lecture's generalized EM only
needs an M-step that does not lower J: derive takes Newton steps on the
derived gradient and Hessian (-N_k trigamma(a) < 0), halving each until J,
evaluated from the sufficient statistics, does not decrease; then the rate's
closed form with the new shape.

    python examples/em_gamma_gem.py
"""

import numpy as np

from derive import em

LOG_DENSITY = "a*log(b) - loggamma(a) + (a - 1)*log(x) - b*x"


def main(outdir="."):
    model = em.custom(LOG_DENSITY, "a b: positive", k=2)
    updates = em.derive_updates(model)
    print(updates)
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.gamma(2.0, 1 / 4.0, 1500), rng.gamma(12.0, 1 / 1.5, 1500)])
    fit = updates.fit(X, tol=1e-10, max_iter=1000)
    print(fit)
    order = np.argsort(fit.params["a"])
    out = {"updates": updates, "fit": fit, "shape": fit.params["a"][order], "rate": fit.params["b"][order],
           "weights": fit.params["weights"][order], "monotone": fit.monotone,
           "kinds": {s.param.name: s.kind for s in updates.steps}}
    print(f"\nshapes {out['shape'].round(2)} (truth 2, 12), rates {out['rate'].round(2)} (truth 4, 1.5), "
          f"weights {out['weights'].round(3)}")
    out["plot"] = fit.plot(f"{outdir}/em_gamma_gem.png")
    return out


if __name__ == "__main__":
    main()
