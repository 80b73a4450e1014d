"""The lecture's homework: derive the Gaussian mixture's EM updates from the general formula.

The lecture (May 4) ends: "the homework derives the EM algorithm for the
Gaussian mixture model from this general formulation".  derive does it:

1. log p(x | theta) = L(q, theta) + KL(q || p(z | x, theta)); the E-step sets
   q = p(z | x, theta_old): the responsibilities r[i, k];
2. the M-step maximizes J(theta) = sum_i sum_k r[i, k] log(w[k] N(x_i | mu_k, Sigma_k)):
   the weights through a Lagrange multiplier for sum_k w[k] = 1 (lambda = N),
   the mean and the covariance through matrix calculus (log det, the inverse);
3. every closed form is checked on an exact instance before it is shown.

Then the derived EM runs on data, agrees with scikit-learn's GaussianMixture
from the same start, and never lowers the log-likelihood.

    python examples/em_gmm_homework.py
"""

import warnings

import numpy as np

from derive import em


def data(seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 4.5]])
    covs = [np.array([[1.0, 0.6], [0.6, 1.0]]), np.array([[0.5, 0.0], [0.0, 1.5]]), np.eye(2) * 0.4]
    return np.concatenate([rng.multivariate_normal(c, s, 400) for c, s in zip(centers, covs)])


def main(outdir="."):
    updates = em.derive_updates(em.mixture("normal", k=3, dim=2, cov="full"))
    print(updates.explain())  # the derivation, step by step, the lecture's way

    X = data()
    init = {"weights": np.full(3, 1 / 3), "means": X[[0, 500, 900]], "covariances": np.array([np.eye(2)] * 3)}
    fit = updates.fit(X, init=init, max_iter=25, tol=0)
    print()
    print(fit)

    out = {"updates": updates, "fit": fit, "monotone": fit.monotone}
    try:
        from sklearn.mixture import GaussianMixture
    except ImportError:  # pragma: no cover - scikit-learn is optional here
        GaussianMixture = None
    if GaussianMixture is not None:
        sk = GaussianMixture(3, covariance_type="full", reg_covar=0.0, max_iter=25, tol=0.0,
                             weights_init=init["weights"], means_init=init["means"],
                             precisions_init=np.linalg.inv(init["covariances"]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk.fit(X)
        out["max_diff_vs_sklearn"] = max(float(np.max(np.abs(fit.params[name] - getattr(sk, name + "_"))))
                                         for name in ("weights", "means", "covariances"))
        print(f"\nlargest difference from scikit-learn's GaussianMixture after 25 iterations: "
              f"{out['max_diff_vs_sklearn']:.2e}")
    out["plot"] = fit.plot(f"{outdir}/em_gmm_homework.png")
    return out


if __name__ == "__main__":
    main()
