"""EM fits: scikit-learn parity, hand-written reference EM steps, monotone log-likelihoods, clear errors.

Every reference below is written here, independently of derive: NumPy for the
E-step (log-sum-exp) and the textbook M-step formulas, SciPy for the densities
and the prior log densities.
"""

import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from derive import DeriveError, em

RNG = np.random.default_rng(12345)


def blobs(n=600, k=3, d=2, seed=1, spread=4.0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d)) * spread
    return np.concatenate([rng.normal(centers[c], 0.5 + 0.3 * c, size=(n // k, d)) for c in range(k)])


def reference_step(X, logdens, weights, mstep):
    """One textbook EM step: responsibilities in log space, then `mstep(R)`; also log p(X)."""
    joint = np.log(weights) + logdens  # (N, K)
    ll = logsumexp(joint, axis=1)
    R = np.exp(joint - ll[:, None])
    return mstep(R), ll.sum(), R


def assert_close(a, b, tol=1e-8):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    scale = np.maximum(1.0, np.abs(b))
    assert np.max(np.abs(a - b) / scale) < tol, (a, b)


# ---------------------------------------------------------------------------
# scikit-learn parity: same initialisation, reg_covar = 0, 25 iterations


@pytest.mark.parametrize("cov", ["full", "diag", "spherical"])
def test_equals_scikit_learn_after_25_iterations(cov):
    from sklearn.mixture import GaussianMixture

    X = blobs(900, 3, 2)
    K, D = 3, 2
    w0 = np.array([0.2, 0.3, 0.5])
    m0 = X[[5, 400, 800]] + 0.3
    c0 = {"full": np.array([np.eye(D) * 2.0] * K), "diag": np.full((K, D), 2.0), "spherical": np.full(K, 2.0)}[cov]
    fit = em.derive_updates(em.mixture("normal", K, dim=D, cov=cov)).fit(
        X, init={"weights": w0, "means": m0, "covariances": c0}, max_iter=25, tol=0)
    precisions = np.linalg.inv(c0) if cov == "full" else 1 / c0
    sk = GaussianMixture(K, covariance_type=cov, reg_covar=0.0, max_iter=25, tol=0.0, weights_init=w0,
                         means_init=m0, precisions_init=precisions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: tol=0 never "converges"
        sk.fit(X)
    assert fit.n_iter == sk.n_iter_ == 25
    assert_close(fit.params["weights"], sk.weights_, 1e-6)
    assert_close(fit.params["means"], sk.means_, 1e-6)
    assert_close(fit.params["covariances"], sk.covariances_, 1e-6)
    assert fit.loglik[-2] / len(X) == pytest.approx(sk.lower_bound_, abs=1e-9)
    assert fit.monotone


# ---------------------------------------------------------------------------
# one EM step against a hand-written reference (init = theta_0, max_iter = 1)


def one_step(updates, X, init):
    fit = updates.fit(X, init=init, max_iter=1, tol=0)
    assert fit.n_iter == 1 and fit.monotone
    return fit


def test_bernoulli_step_with_beta_prior():
    X = (RNG.random((300, 4)) < np.linspace(0.1, 0.9, 4)).astype(float)
    w, p = np.array([0.4, 0.6]), np.array([[0.2, 0.3, 0.6, 0.7], [0.8, 0.5, 0.4, 0.1]])
    a, b = 2.0, 3.0
    u = em.derive_updates(em.mixture("bernoulli", 2, dim=4, prior={"probs": em.Beta(a, b)}))
    fit = one_step(u, X, {"weights": w, "probs": p})
    logdens = X @ np.log(p).T + (1 - X) @ np.log(1 - p).T
    (w1, p1), ll, _ = reference_step(X, logdens, w, lambda R: (
        R.mean(axis=0), (R.T @ X + a - 1) / (R.sum(axis=0)[:, None] + a + b - 2)))
    assert_close(fit.params["weights"], w1)
    assert_close(fit.params["probs"], p1)
    log_prior = stats.beta.logpdf(p, a, b).sum()
    assert fit.loglik[0] == pytest.approx(ll + log_prior, rel=1e-10)


def test_categorical_step_with_dirichlet_priors():
    X = RNG.integers(0, 4, 250)
    w, p = np.array([0.5, 0.3, 0.2]), RNG.dirichlet(np.ones(4), size=3)
    alpha_w, alpha_p = 2.5, 1.5
    u = em.derive_updates(em.mixture("categorical", 3, dim=4,
                                     prior={"weights": em.Dirichlet(alpha_w), "probs": em.Dirichlet(alpha_p)}))
    fit = one_step(u, X, {"weights": w, "probs": p})
    onehot = np.eye(4)[X]
    (w1, p1), ll, _ = reference_step(onehot, onehot @ np.log(p).T, w, lambda R: (
        (R.sum(axis=0) + alpha_w - 1) / (len(X) + 3 * (alpha_w - 1)),
        (R.T @ onehot + alpha_p - 1) / (R.sum(axis=0)[:, None] + 4 * (alpha_p - 1))))
    assert_close(fit.params["weights"], w1)
    assert_close(fit.params["probs"], p1)
    log_prior = stats.dirichlet.logpdf(w, np.full(3, alpha_w)) + sum(
        stats.dirichlet.logpdf(p[kk], np.full(4, alpha_p)) for kk in range(3))
    assert fit.loglik[0] == pytest.approx(ll + log_prior, rel=1e-10)


def test_poisson_step_with_gamma_prior():
    X = np.concatenate([RNG.poisson([2, 7], (150, 2)), RNG.poisson([9, 1], (150, 2))]).astype(float)
    w, lam = np.array([0.5, 0.5]), np.array([[1.0, 5.0], [8.0, 2.0]])
    shape, rate = 2.0, 0.5
    u = em.derive_updates(em.mixture("poisson", 2, dim=2, prior={"rates": em.Gamma(shape, rate)}))
    fit = one_step(u, X, {"weights": w, "rates": lam})
    logdens = np.stack([stats.poisson.logpmf(X, lam[kk]).sum(axis=1) for kk in range(2)], axis=1)
    (w1, l1), ll, _ = reference_step(X, logdens, w, lambda R: (
        R.mean(axis=0), (R.T @ X + shape - 1) / (R.sum(axis=0)[:, None] + rate)))
    assert_close(fit.params["weights"], w1)
    assert_close(fit.params["rates"], l1)
    log_prior = stats.gamma.logpdf(lam, shape, scale=1 / rate).sum()
    assert fit.loglik[0] == pytest.approx(ll + log_prior, rel=1e-10)


def test_exponential_step():
    X = np.concatenate([RNG.exponential(0.5, 200), RNG.exponential(4.0, 200)]).reshape(-1, 1)
    w, lam = np.array([0.3, 0.7]), np.array([[3.0], [0.5]])
    u = em.derive_updates(em.mixture("exponential", 2))
    fit = one_step(u, X, {"weights": w, "rates": lam[:, 0]})  # one dimension: rates (K,)
    logdens = np.stack([stats.expon.logpdf(X[:, 0], scale=1 / lam[kk, 0]) for kk in range(2)], axis=1)
    (w1, l1), ll, _ = reference_step(X, logdens, w, lambda R: (R.mean(axis=0), (R.sum(0) / (R.T @ X[:, 0]))[:, None]))
    assert_close(fit.params["weights"], w1)
    assert fit.params["rates"].shape == (2,)
    assert_close(fit.params["rates"], l1[:, 0])
    assert fit.loglik[0] == pytest.approx(ll, rel=1e-12)


@pytest.mark.parametrize("cov", ["full", "diag", "spherical"])
def test_normal_step_with_normal_inverse_wishart_prior(cov):
    X = blobs(300, 2, 2, seed=3)
    K, D = 2, 2
    kappa, dof, scale, mean = 0.2, 5.0, 1.5, np.array([0.5, -0.5])
    prior = em.NormalInverseWishart(mean=mean, kappa=kappa, dof=dof, scale=scale)
    w, mu = np.array([0.45, 0.55]), X[[10, 200]]
    cov0 = {"full": np.array([[[1.0, 0.3], [0.3, 2.0]], [[1.5, -0.2], [-0.2, 1.0]]]),
            "diag": np.array([[1.0, 2.0], [1.5, 1.0]]), "spherical": np.array([1.2, 0.8])}[cov]
    u = em.derive_updates(em.mixture("normal", K, dim=D, cov=cov, prior={"means": prior}))
    fit = one_step(u, X, {"weights": w, "means": mu, "covariances": cov0})
    if cov == "full":
        full = cov0
    elif cov == "diag":
        full = np.array([np.diag(c) for c in cov0])
    else:
        full = np.array([np.eye(D) * c for c in cov0])
    logdens = np.stack([stats.multivariate_normal.logpdf(X, mu[kk], full[kk]) for kk in range(K)], axis=1)

    def mstep(R):
        nk = R.sum(axis=0)
        mu1 = (R.T @ X + kappa * mean) / (nk + kappa)[:, None]
        diff = [X - mu1[kk] for kk in range(K)]
        dm = mu1 - mean
        if cov == "full":
            c1 = np.array([(diff[kk].T * R[:, kk]) @ diff[kk] + kappa * np.outer(dm[kk], dm[kk]) + scale * np.eye(D)
                           for kk in range(K)]) / (nk + dof + D + 2)[:, None, None]
        elif cov == "diag":
            c1 = np.array([R[:, kk] @ diff[kk] ** 2 + kappa * dm[kk] ** 2 + scale for kk in range(K)]) \
                / (nk + dof + 3)[:, None]
        else:
            c1 = np.array([np.sum(R[:, kk] @ diff[kk] ** 2) + kappa * dm[kk] @ dm[kk] + D * scale for kk in range(K)]) \
                / (D * nk + D + dof * D + 2)
        return R.mean(axis=0), mu1, c1

    (w1, mu1, c1), ll, _ = reference_step(X, logdens, w, mstep)
    assert_close(fit.params["weights"], w1)
    assert_close(fit.params["means"], mu1)
    assert_close(fit.params["covariances"], c1)
    if cov == "full":
        log_prior = sum(stats.multivariate_normal.logpdf(mu[kk], mean, cov0[kk] / kappa)
                        + stats.invwishart.logpdf(cov0[kk], df=dof, scale=scale * np.eye(D)) for kk in range(K))
    elif cov == "diag":
        log_prior = sum(stats.norm.logpdf(mu[kk, jj], mean[jj], np.sqrt(cov0[kk, jj] / kappa))
                        + stats.invgamma.logpdf(cov0[kk, jj], dof / 2, scale=scale / 2)
                        for kk in range(K) for jj in range(D))
    else:
        log_prior = sum(stats.multivariate_normal.logpdf(mu[kk], mean, np.eye(D) * cov0[kk] / kappa)
                        + stats.invgamma.logpdf(cov0[kk], dof * D / 2, scale=D * scale / 2) for kk in range(K))
    assert fit.loglik[0] == pytest.approx(ll + log_prior, rel=1e-10)


def test_custom_closed_form_step():
    X = np.concatenate([RNG.exponential(0.5, 200), RNG.exponential(4.0, 200)])
    w, s = np.array([0.3, 0.7]), np.array([0.4, 3.0])
    u = em.derive_updates(em.custom("-log(s) - x/s", "s: positive", k=2))
    fit = one_step(u, X, {"weights": w, "s": s})
    logdens = -np.log(s) - X[:, None] / s
    (w1, s1), ll, _ = reference_step(X, logdens, w, lambda R: (R.mean(axis=0), (R.T @ X) / R.sum(axis=0)))
    assert_close(fit.params["weights"], w1)
    assert_close(fit.params["s"], s1)
    assert fit.loglik[0] == pytest.approx(ll, rel=1e-12)


# ---------------------------------------------------------------------------
# generalized EM


@pytest.fixture(scope="module")
def gamma_mixture():
    return em.derive_updates(em.custom("a*log(b) - loggamma(a) + (a - 1)*log(x) - b*x", "a b: positive", k=2))


def test_gamma_mixture_by_generalized_em(gamma_mixture):
    rng = np.random.default_rng(7)
    X = np.concatenate([rng.gamma(2.0, 1 / 3.0, 2000), rng.gamma(9.0, 1.0, 2000)])
    fit = gamma_mixture.fit(X, seed=0, tol=1e-10, max_iter=500)
    assert fit.monotone and fit.converged
    order = np.argsort(fit.params["a"])
    assert fit.params["a"][order] == pytest.approx([2.0, 9.0], rel=0.1)
    assert fit.params["b"][order] == pytest.approx([3.0, 1.0], rel=0.1)
    # at convergence the shape is stationary: the derived gradient (reference: digamma) vanishes
    from scipy.special import digamma

    R = fit.responsibilities
    nk = R.sum(axis=0)
    grad = nk * (np.log(fit.params["b"]) - digamma(fit.params["a"])) + R.T @ np.log(X)
    assert np.max(np.abs(grad) / nk) < 1e-3


def test_generalized_em_step_never_lowers_j(gamma_mixture):
    from scipy.special import gammaln

    rng = np.random.default_rng(8)
    X = np.concatenate([rng.gamma(2.0, 0.5, 300), rng.gamma(6.0, 1.0, 300)])
    w, a, b = np.array([0.5, 0.5]), np.array([20.0, 0.3]), np.array([1.0, 1.0])  # far from the optimum
    fit = gamma_mixture.fit(X, init={"weights": w, "a": a, "b": b}, max_iter=1, tol=0)

    def J(R, w_, a_, b_):
        logdens = a_ * np.log(b_) - gammaln(a_) + (a_ - 1) * np.log(X)[:, None] - b_ * X[:, None]
        return np.sum(R * (np.log(w_) + logdens))

    logdens = a * np.log(b) - gammaln(a) + (a - 1) * np.log(X)[:, None] - b * X[:, None]
    _, _, R = reference_step(X, logdens, w, lambda R: None)
    p = fit.params
    assert J(R, p["weights"], p["a"], p["b"]) > J(R, w, a, b)
    assert fit.loglik[1] >= fit.loglik[0]


# ---------------------------------------------------------------------------
# behaviour


@pytest.fixture(scope="module")
def normal_full():
    return em.derive_updates(em.mixture("normal", 3, dim=2, cov="full"))


def test_default_init_is_deterministic_and_finds_the_clusters(normal_full):
    X = blobs(900, 3, 2, seed=5)
    a, b = normal_full.fit(X, seed=3), normal_full.fit(X, seed=3)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert a.converged and a.monotone
    truth = X.reshape(3, 300, 2).mean(axis=1)
    found = a.params["means"][np.argsort(a.params["means"][:, 0])]
    assert np.abs(found - truth[np.argsort(truth[:, 0])]).max() < 0.2


def test_responsibilities_match_a_reference(normal_full):
    X = blobs(300, 3, 2, seed=6)
    fit = normal_full.fit(X, max_iter=5)
    p = fit.params
    logdens = np.stack([stats.multivariate_normal.logpdf(X, p["means"][kk], p["covariances"][kk])
                        for kk in range(3)], axis=1)
    _, ll, R = reference_step(X, logdens, p["weights"], lambda R: None)
    np.testing.assert_allclose(fit.responsibilities, R, atol=1e-12)
    np.testing.assert_allclose(fit.responsibilities.sum(axis=1), 1.0, atol=1e-12)
    assert fit.loglik[-1] == pytest.approx(ll, rel=1e-12)
    assert fit.labels.shape == (300,)


def test_numba_kernel_equals_its_numpy_twin(normal_full):
    X = blobs(3000, 3, 2, seed=9) + 100.0  # far from 0: the centred one-pass variances stay exact
    a = normal_full.fit(X, max_iter=30, backend="numba", seed=1)
    b = normal_full.fit(X, max_iter=30, backend="numpy", seed=1)
    for name in a.params:
        np.testing.assert_allclose(a.params[name], b.params[name], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)
    np.testing.assert_allclose(a.responsibilities, b.responsibilities, atol=1e-12)


def test_exp_of_the_kernel_is_accurate():
    from derive.em.fitting.blocks import BLOCK, exp_block

    z = np.concatenate([-np.geomspace(1e-12, 745.0, BLOCK - 6), [0.0, -1e-300, -708.5, -740.0, -745.5, -800.0]])
    out = np.empty(BLOCK)
    exp_block(z, out, BLOCK)
    ref = np.exp(z)
    normal = ref > np.finfo(float).tiny
    assert np.max(np.abs(out[normal] - ref[normal]) / ref[normal]) < 4.5e-16  # 2 ulp
    assert np.max(np.abs(out[~normal] - ref[~normal])) < 1e-322  # subnormals: within a couple of units
    assert out[-1] == 0.0


def test_exp_polynomial_coefficients_are_exp_to_float64_accuracy():
    """EXP_POLY (rounded to float64, evaluated exactly) against exp in 40 digits on |r| <= log(2)/2."""
    import mpmath

    from derive.em.fitting.blocks import EXP_POLY

    with mpmath.workdps(40):
        half = mpmath.log(2) / 2
        worst = max(abs(mpmath.polyval([mpmath.mpf(c) for c in reversed(EXP_POLY)], r) / mpmath.exp(r) - 1)
                    for r in mpmath.linspace(-half, half, 4001))
    assert worst < 2e-17  # a tenth of an ulp: the rounding of the evaluation decides the result


def test_singular_covariance_is_an_error_not_nan(normal_full):
    X = np.concatenate([blobs(300, 2, 2, seed=2), np.full((5, 2), 50.0)])  # five identical far rows
    init = {"weights": np.array([0.45, 0.45, 0.1]), "means": np.array([[-3.0, 0.0], [3.0, 0.0], [50.0, 50.0]]),
            "covariances": np.array([np.eye(2) * 4, np.eye(2) * 4, np.eye(2)])}
    with pytest.raises(DeriveError, match="component 2's covariance is singular") as err:
        normal_full.fit(X, init=init)
    assert "\n" not in str(err.value)
    fit = normal_full.fit(X, init=init, reg_covar=1e-6)  # scikit-learn's regularisation avoids it
    assert np.all(np.isfinite(fit.params["covariances"]))


def test_map_em_with_a_prior_survives_the_collapse():
    X = np.concatenate([blobs(300, 2, 2, seed=2), np.full((5, 2), 50.0)])
    prior = {"covariances": em.NormalInverseWishart(kappa=0.01, dof=4.0, scale=0.1)}
    fit = em.derive_updates(em.mixture("normal", 3, dim=2, prior=prior)).fit(X, seed=0)
    assert fit.monotone and np.all(np.linalg.eigvalsh(fit.params["covariances"]) > 0)


@pytest.mark.parametrize("X, message", [
    (np.array([[1.0, np.nan], [2.0, 3.0], [4.0, 5.0]]), r"NaN or infinite value \(row 1, column 2 of the data, X\[0, 1\]\)"),
    (np.ones((10, 3)), "10 rows? .*|the data has 3 columns; the model expects 2"),
    (np.ones((2, 2)), "2 rows of data for k = 3 components"),
    (np.ones((4, 2, 2)), "2-D array"),
    ("abc", "numbers"),
])
def test_bad_data_is_a_one_line_error(normal_full, X, message):
    with pytest.raises(DeriveError, match=message) as err:
        normal_full.fit(X)
    assert "\n" not in str(err.value)


def test_data_of_the_wrong_kind():
    with pytest.raises(DeriveError, match=r"0 or 1; row 2, column 1 of the data, X\[1, 0\] is 0.5"):
        em.derive_updates(em.mixture("bernoulli", 2, dim=2)).fit(np.array([[0, 1], [0.5, 1], [1, 1]]))
    with pytest.raises(DeriveError, match="integer codes 0..2"):
        em.derive_updates(em.mixture("categorical", 2, dim=3)).fit(np.array([0, 1, 3, 2]))


@pytest.mark.parametrize("init, message", [
    ({"weights": [0.5, 0.6, 0.1]}, "does not sum to one"),
    ({"means": np.zeros((2, 2))}, "shape"),
    ({"covariances": np.array([-np.eye(2)] * 3)}, "singular"),
    ({"sigma": 1}, "unknown parameter"),
    ([1, 2], "dict"),
])
def test_bad_init(normal_full, init, message):
    with pytest.raises(DeriveError, match=message):
        normal_full.fit(blobs(60, 3, 2), init=init)


def test_a_feature_that_is_always_zero_gives_no_nan():
    X = (RNG.random((200, 3)) < 0.5).astype(float)
    X[:, 2] = 0.0  # p[k, 2] = 0 exactly: 0 log 0 must be 0
    fit = em.derive_updates(em.mixture("bernoulli", 2, dim=3)).fit(X, max_iter=30)
    assert np.all(fit.params["probs"][:, 2] == 0.0)
    assert np.all(np.isfinite(fit.loglik)) and fit.monotone


def test_a_row_impossible_under_every_component_is_named():
    u = em.derive_updates(em.mixture("bernoulli", 2, dim=2))
    X = np.array([[0, 0], [0, 0], [1, 0], [0, 0]], dtype=float)
    init = {"weights": np.array([0.5, 0.5]), "probs": np.array([[0.0, 0.0], [0.0, 0.5]])}
    with pytest.raises(DeriveError, match="row 2 .* zero probability under every component"):
        u.fit(X, init=init)


def test_fit_result_objects(normal_full):
    import json

    fit = normal_full.fit(blobs(300, 3, 2), max_iter=10)
    assert "EM fit of a 3-component normal (full covariance) mixture" in str(fit)
    assert fit._repr_latex_().startswith("$$")
    blob = json.loads(json.dumps(fit.to_dict()))
    assert len(blob["loglik"]) == fit.n_iter + 1 and blob["monotone"]
    assert np.asarray(blob["params"]["covariances"]).shape == (3, 2, 2)


def test_plot_is_headless(normal_full, tmp_path):
    fit = normal_full.fit(blobs(300, 3, 2), max_iter=10)
    path = fit.plot(tmp_path / "fit.png")
    assert path.stat().st_size > 10_000


def test_data_too_large_to_square_is_a_clear_error():
    X = np.random.default_rng(0).normal(size=(50, 2)) * 1e300
    with pytest.raises(DeriveError, match="overflow float64; rescale") as err:
        em.derive_updates(em.mixture("normal", 2, dim=2)).fit(X)
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_compile_is_timed_before_the_first_iteration(tmp_path, monkeypatch):
    """Numba compiles at a function's first call: the fit makes that call itself, before iterating,
    times it and says where the code came from; iteration 1 then costs what the others cost."""
    import subprocess
    import sys

    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))  # a fresh cache (and a model no other test uses)
    mixture = 'em.mixture("normal", 4, dim=3, cov="diag")'
    updates = em.derive_updates(em.mixture("normal", 4, dim=3, cov="diag"))
    X = blobs(80_000, 4, 3, seed=7, spread=6.0)
    timings = updates.fit(X, max_iter=10, tol=0, backend="numba").timings
    assert timings["compiled_from"] == "compiled" and timings["compile_seconds"] > 0
    iterations = timings["iteration_seconds"]
    assert len(iterations) >= 4 and iterations[0] < 5 * np.median(iterations[1:]), timings
    assert updates.fit(X, max_iter=2, backend="numba").timings["compiled_from"] == "already loaded"
    assert updates.fit(X, max_iter=2, backend="numpy").timings["compiled_from"] == "nothing to compile (NumPy backend)"

    # a new process finds the compiled code in the same cache directory
    script = ("import numpy as np; from derive import em; "
              f"fit = em.derive_updates({mixture}).fit(np.random.default_rng(0).normal(size=(400, 3)), "
              "max_iter=2, backend='numba'); print(fit.timings['compiled_from'], fit.timings['compile_seconds'])")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.startswith("disk cache ") and float(out.stdout.split()[-1]) > 0, out.stdout + out.stderr
