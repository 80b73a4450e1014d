"""Bernoulli and categorical mixtures.

    bernoulli:    ell = sum_j x[i, j] log p[k, j] + (1 - x[i, j]) log(1 - p[k, j])   (dim binary features)
    categorical:  ell = sum_c [x[i] = c] log p[k, c],  sum_c p[k, c] = 1             (codes 0..C-1)

The categorical probabilities live on a simplex like the weights, so their
M-step goes through a Lagrange multiplier too.  Priors: Beta on Bernoulli
"probs", Dirichlet on categorical "probs".
"""

from sympy import KroneckerDelta, log

from ..model import Model, generic_log_prior
from ..params import Param
from ..priors import attach
from ..symbols import c, codes, i, j, k, total, x


def bernoulli(k_, dim, cov, prior):
    del cov
    probs = Param("probs", "p", (k, j), "unit")
    p = probs.element
    ell = total(x[i, j] * log(p) + (1 - x[i, j]) * log(1 - p), j)
    params = (probs,)
    prior = attach(prior, (Model.weights,) + params, "bernoulli")
    log_prior, hyper = generic_log_prior(params, prior)
    return Model("bernoulli", k_, dim, params, ell, data="binary", prior=prior, log_prior=log_prior,
                 hyper=hyper)


def categorical(k_, dim, cov, prior):
    del cov
    probs = Param("probs", "p", (k, c), "simplex", axis=c)
    ell = total(KroneckerDelta(codes[i], c) * log(probs.element), c)
    params = (probs,)
    prior = attach(prior, (Model.weights,) + params, "categorical")
    log_prior, hyper = generic_log_prior(params, prior)
    return Model("categorical", k_, dim, params, ell, data="codes", vector=False, prior=prior,
                 log_prior=log_prior, hyper=hyper, categories=dim)
