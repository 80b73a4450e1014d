"""Poisson and exponential mixtures: one positive rate per component and coordinate.

    poisson:      ell = sum_j x[i, j] log lam[k, j] - lam[k, j] - log Gamma(x[i, j] + 1)
    exponential:  ell = sum_j log lam[k, j] - lam[k, j] x[i, j]

In one dimension the data are x[i] and the rates lam[k] (`Fit.params["rates"]`
has shape (K,)), so the updates read as the lecture writes them.  Both
M-steps are closed forms (a rate is a ratio of responsibility-weighted
sums); a Gamma prior on "rates" gives the MAP rate.
"""

from sympy import log, loggamma

from ..model import Model, generic_log_prior
from ..params import Param
from ..priors import attach
from ..symbols import i, j, k, total, x

RATES = Param("rates", "lam", (k, j), "positive")
RATES_1D = Param("rates", "lam", (k,), "positive")


def _rate_model(name, data, ell_of, k_, dim, cov, prior):
    """The model with ell_of(x, lam) the log density of one coordinate."""
    del cov  # only the normal family has a covariance type
    one = dim == 1
    rates = RATES_1D if one else RATES
    ell = ell_of(x[i], rates.element) if one else total(ell_of(x[i, j], rates.element), j)
    params = (rates,)
    prior = attach(prior, (Model.weights,) + params, name)
    log_prior, hyper = generic_log_prior(params, prior)
    return Model(name, k_, dim, params, ell, data=data, vector=not one, prior=prior, log_prior=log_prior,
                 hyper=hyper)


def poisson(k_, dim, cov, prior):
    return _rate_model("poisson", "counts", lambda xi, lam: xi * log(lam) - lam - loggamma(xi + 1),
                       k_, dim, cov, prior)


def exponential(k_, dim, cov, prior):
    return _rate_model("exponential", "nonnegative", lambda xi, lam: log(lam) - lam * xi, k_, dim, cov, prior)
