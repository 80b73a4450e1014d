"""Poisson and exponential mixtures: one positive rate per component and coordinate.

    poisson:      ell = sum_j x[i, j] log lam[k, j] - lam[k, j] - log Gamma(x[i, j] + 1)
    exponential:  ell = sum_j log lam[k, j] - lam[k, j] x[i, j]

Both M-steps are closed forms (a rate is a ratio of responsibility-weighted
sums); a Gamma prior on "rates" gives the MAP rate.
"""

from sympy import log, loggamma

from ._model import Model, generic_log_prior, register
from ._params import Param
from ._priors import attach
from ._symbols import i, j, k, total, x

RATES = Param("rates", "lam", (k, j), "positive")


def _rate_model(name, data, ell, k_, dim, cov, prior):
    del cov  # only the normal family has a covariance type
    params = (RATES,)
    prior = attach(prior, (Model.weights,) + params, name)
    log_prior, hyper = generic_log_prior(params, prior)
    return Model(name, k_, dim, params, total(ell, j), data=data, prior=prior, log_prior=log_prior, hyper=hyper)


@register("poisson")
def poisson(k_, dim, cov, prior):
    lam = RATES.element
    ell = x[i, j] * log(lam) - lam - loggamma(x[i, j] + 1)
    return _rate_model("poisson", "counts", ell, k_, dim, cov, prior)


@register("exponential")
def exponential(k_, dim, cov, prior):
    lam = RATES.element
    return _rate_model("exponential", "nonnegative", log(lam) - lam * x[i, j], k_, dim, cov, prior)
