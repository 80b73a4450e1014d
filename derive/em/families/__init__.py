"""families: the built-in component families, one module each, and the table of them.

May import: derive.em's model, params, symbols and priors, derive.em.derivation
(closed forms), derive.derivation (matrix calculus, for the full covariance) and
everything below them.  A family never imports another family, nor this table.

    normal.py     normal: full, diagonal, spherical covariance; its normal-inverse-Wishart
                  prior; the full covariance derived in matrix notation and its Cholesky kernel form
    discrete.py   bernoulli and categorical
    rates.py      poisson and exponential
    custom.py     em.custom: a mixture of any component log density of scalar data

`FAMILIES` below is the table `mixture` reads: family name -> builder(k, dim, cov,
prior) -> Model.  A new family is a module with its builder and one row here.
"""

from ...errors import DeriveError
from ..model import check_sizes
from .discrete import bernoulli, categorical
from .normal import normal
from .rates import exponential, poisson

FAMILIES = {
    "normal": normal,
    "bernoulli": bernoulli,
    "categorical": categorical,
    "poisson": poisson,
    "exponential": exponential,
}


def mixture(family, k, dim=1, cov="full", prior=None):
    """A K-component mixture model of a built-in family.

    Families: "normal" (cov "full", "diag" or "spherical"), "bernoulli" (dim
    binary features), "categorical" (integer codes 0..dim-1), "poisson" and
    "exponential" (dim independent coordinates).  ``prior`` maps parameter
    names to priors (`em.Dirichlet` for "weights", `em.Gamma` for "rates",
    `em.Beta` for "probs", `em.NormalInverseWishart` for "means"/"covariances").

    >>> from derive import em
    >>> em.mixture("poisson", k=2).describe()
    '2-component poisson mixture in 1 dimension'
    """
    if not isinstance(family, str) or family not in FAMILIES:
        raise DeriveError(f"unknown family {family!r}; choose one of {', '.join(sorted(FAMILIES))} "
                          "(or em.custom for your own log density)")
    k, dim = check_sizes(k, dim)
    return FAMILIES[family](k, dim, cov, prior)


__all__ = ["FAMILIES", "mixture"]
