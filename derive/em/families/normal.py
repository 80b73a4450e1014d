"""Normal mixtures: full, diagonal or spherical covariance.

    diag:       ell = sum_j -log(2 pi sigma2[k, j])/2 - (x[i, j] - mu[k, j])^2 / (2 sigma2[k, j])
    spherical:  ell = sum_j -log(2 pi sigma2[k])/2    - (x[i, j] - mu[k, j])^2 / (2 sigma2[k])
    full:       ell = -d/2 log(2 pi) - 1/2 logdet(Sigma[k])
                      - 1/2 sum_j sum_l (x[i, j] - mu[k, j]) Lambda[k, j, l] (x[i, l] - mu[k, l])

with Lambda[k] = Sigma[k]^-1.  Diagonal and spherical covariances are
derived in index notation like every other family.  The full covariance is
derived in matrix notation with derive's matrix calculus (the rules for
log det and the inverse), as the lecture's homework does:

    J_k(Sigma) = -N_k/2 log det Sigma - 1/2 tr(Sigma^-1 A_k),   A_k = sum_i r[i,k] (x_i - mu)(x_i - mu)^T
    dJ/dSigma  = -N_k/2 Sigma^-T + 1/2 Sigma^-T A_k^T Sigma^-T = 0   =>   Sigma = A_k / N_k

The E-step kernel for the full covariance uses the Cholesky factor of the
precision (as scikit-learn does): a singular covariance is an error, never NaN.
"""

from dataclasses import dataclass

import numpy as np
import sympy
from sympy import (
    Identity,
    IndexedBase,
    MatAdd,
    MatMul,
    MatrixSymbol,
    Rational,
    Symbol,
    Transpose,
    log,
    loggamma,
    pi,
)

from ...errors import DeriveError
from ..derivation.closed_form import tidy
from ..model import Model, generic_log_prior
from ..params import Param
from ..priors import NormalInverseWishart, attach
from ..symbols import Lambda, d, i, j, k, l, logdet, over_rows, r, total, x

COV_TYPES = ("full", "diag", "spherical")

MEANS = Param("means", "mu", (k, j), "real")
FULL = Param("covariances", "Sigma", (k, j, l), "spd")
DIAG = Param("covariances", "sigma2", (k, j), "positive")
SPHERICAL = Param("covariances", "sigma2", (k,), "positive")

NIW = NormalInverseWishart


# one dimension: x[i], a mean and a variance per component whatever the covariance type; the
# public shapes stay scikit-learn's (means (K, 1), covariances (K, 1, 1) | (K, 1) | (K,))
MEAN_1D = Param("means", "mu", (k,), "real", public_axes=(k, j))
VARIANCE_1D = {cov: Param("covariances", "sigma2", (k,), "positive", public_axes=axes)
               for cov, axes in (("full", (k, j, l)), ("diag", (k, j)), ("spherical", (k,)))}


def normal(k_, dim, cov, prior):
    if cov not in COV_TYPES:
        raise DeriveError(f"cov must be one of {', '.join(COV_TYPES)} for a normal mixture, got {cov!r}")
    if dim == 1:
        return _one_dimensional(k_, cov, prior)
    cov_param = {"full": FULL, "diag": DIAG, "spherical": SPHERICAL}[cov]
    params = (MEANS, cov_param)
    prior = attach(prior, (Model.weights,) + params, "normal")
    niw = prior.get("means")
    log_prior, hyper = generic_log_prior((), prior)  # the weights' Dirichlet, if any
    mu = MEANS.element
    if cov == "full":
        quad = total(total((x[i, j] - mu) * Lambda[k, j, l] * (x[i, l] - MEANS[k, l]), l), j)
        ell = -d * log(2 * pi) / 2 - logdet(FULL.base[k]) / 2 - quad / 2
    else:
        s = cov_param.element
        ell = total(-log(2 * pi * s) / 2 - (x[i, j] - mu) ** 2 / (2 * s), j)
    numeric = None
    if niw is not None:
        term, values = _niw_log_prior(niw, cov, dim)
        log_prior += term
        hyper.update(values)
        if cov == "full":  # log det and the inverse have no index-notation instance: evaluate with NumPy
            numeric = NIWFullLogPrior(niw, dim, prior.get("weights"))
    return Model("normal", k_, dim, params, ell, cov=cov, prior=prior, log_prior=log_prior, hyper=hyper,
                 location="means", kernel_form=FullKernelForm() if cov == "full" else None,
                 matrix_route=full_route if cov == "full" else None, numeric_log_prior=numeric)


def _one_dimensional(k_, cov, prior):
    """ell = -log(2 pi sigma2[k])/2 - (x[i] - mu[k])^2 / (2 sigma2[k]): the lecture's 1-D updates
    mu_k = sum_i r_ik x_i / N_k and sigma_k^2 = sum_i r_ik (x_i - mu_k)^2 / N_k, derived and
    validated like every family's."""
    mean, variance = MEAN_1D, VARIANCE_1D[cov]
    params = (mean, variance)
    prior = attach(prior, (Model.weights,) + params, "normal")
    log_prior, hyper = generic_log_prior((), prior)  # the weights' Dirichlet, if any
    mu, s = mean.element, variance.element
    ell = -log(2 * pi * s) / 2 - (x[i] - mu) ** 2 / (2 * s)
    niw = prior.get("means")
    if niw is not None:  # N(mu | m0, s/kappa) InvGamma(s | nu/2, psi0/2): IW in one dimension
        m, kap, dof, scale = niw.resolved(1)
        body = (-log(2 * pi * s / kappa) / 2 - kappa * (mu - m0_1d) ** 2 / (2 * s)
                + nu / 2 * log(psi0 / 2) - loggamma(nu / 2) - (nu / 2 + 1) * log(s) - psi0 / (2 * s))
        log_prior += total(body, k)
        hyper.update({kappa: kap, nu: dof, m0_1d: float(m[0]), psi0: float(scale[0, 0])})
    return Model("normal", k_, 1, params, ell, vector=False, cov=cov, prior=prior, log_prior=log_prior,
                 hyper=hyper, location="means")


# ---------------------------------------------------------------------------
# the normal-inverse-Wishart prior, written for each covariance type

m0, kappa, nu = NIW.mean_base, NIW.kappa_symbol, NIW.dof_symbol
Psi0, psi0 = NIW.scale_base, NIW.scale_symbol
psi0_j = IndexedBase("psi0", positive=True)
m0_1d = Symbol("m0", real=True)  # the prior mean of a 1-D component


def _niw_log_prior(prior, cov, dim):
    mean, kap, dof, scale = prior.resolved(dim)
    values = {kappa: kap, nu: dof, m0: mean}
    mu = MEANS.element
    if cov == "diag":
        s = DIAG.element
        body = (-log(2 * pi * s / kappa) / 2 - kappa * (mu - m0[j]) ** 2 / (2 * s)
                + nu / 2 * log(psi0_j[j] / 2) - loggamma(nu / 2) - (nu / 2 + 1) * log(s) - psi0_j[j] / (2 * s))
        values[psi0_j] = np.diag(scale).copy()
        return total(total(body, j), k), values
    if cov == "spherical":
        s = SPHERICAL.element
        a = nu * d / 2
        body = (total(-log(2 * pi * s / kappa) / 2 - kappa * (mu - m0[j]) ** 2 / (2 * s), j)
                + a * log(d * psi0 / 2) - loggamma(a) - (a + 1) * log(s) - d * psi0 / (2 * s))
        values[psi0] = float(np.trace(scale)) / dim
        return total(body, k), values
    # full: log N(mu | m0, Sigma/kappa) + log IW(Sigma | Psi0, nu)
    quad = total(total((mu - m0[j]) * Lambda[k, j, l] * (MEANS[k, l] - m0[l]), l), j)
    trace = total(total(Psi0[j, l] * Lambda[k, l, j], l), j)
    multigamma = d * (d - 1) / 4 * log(pi) + sympy.Sum(loggamma(nu / 2 + (1 - sympy.Symbol("t", integer=True)) / 2),
                                                        (sympy.Symbol("t", integer=True), 1, d))
    body = (-d / 2 * log(2 * pi / kappa) - logdet(FULL.base[k]) / 2 - kappa * quad / 2
            + nu / 2 * logdet(Psi0) - nu * d / 2 * log(2) - multigamma
            - (nu + d + 1) / 2 * logdet(FULL.base[k]) - trace / 2)
    values[Psi0] = scale
    return total(body, k), values


class NIWFullLogPrior:
    """log p(theta) for a full-covariance normal mixture with a normal-inverse-Wishart prior (NumPy):

        sum_k log N(mu_k | m0, Sigma_k / kappa) + log IW(Sigma_k | Psi0, nu)  (+ the weights' Dirichlet)

    the same density as the symbolic log prior (checked against it in the tests)."""

    def __init__(self, niw, dim, weights_prior):
        self.mean, self.kappa, self.dof, self.scale = niw.resolved(dim)
        self.weights_prior = weights_prior
        _sign, self.logdet_scale = np.linalg.slogdet(self.scale)

    def __call__(self, params):
        from math import lgamma
        from math import log as ln
        from math import pi as PI

        mu, cov = np.asarray(params["means"]), np.asarray(params["covariances"])
        D, nu, kap = cov.shape[1], self.dof, self.kappa
        multigamma = D * (D - 1) / 4 * ln(PI) + sum(lgamma(nu / 2 + (1 - t) / 2) for t in range(1, D + 1))
        total = 0.0
        for kk in range(cov.shape[0]):
            sign, logdet = np.linalg.slogdet(cov[kk])
            if sign <= 0:
                return -np.inf
            diff = mu[kk] - self.mean
            quad = diff @ np.linalg.solve(cov[kk], diff)
            trace = np.trace(np.linalg.solve(cov[kk], self.scale))
            total += (-D / 2 * ln(2 * PI / kap) - logdet / 2 - kap * quad / 2
                      + nu / 2 * self.logdet_scale - nu * D / 2 * ln(2) - multigamma
                      - (nu + D + 1) / 2 * logdet - trace / 2)
        if self.weights_prior is not None:
            a, K = self.weights_prior.alpha, len(params["weights"])
            total += lgamma(K * a) - K * lgamma(a) + (a - 1) * float(np.sum(np.log(params["weights"])))
        return total


# ---------------------------------------------------------------------------
# the full covariance, in matrix notation


@dataclass
class MatrixStep:
    """One parameter's derivation in matrix notation, for the explanation."""

    name: str
    objective: object  # the part of J_k that depends on the parameter
    gradient: object  # dJ_k/dparam (matrix calculus)
    solution: object  # the closed form (matrix notation)
    note: str


def full_route(model):
    """Closed forms for the means and the full covariances, derived in matrix notation.

    Returns {name: (index-notation closed form, MatrixStep)}.
    """
    from ...derivation.api import grad

    D = d
    mu_, Sig, x_ = MatrixSymbol("mu", D, 1), MatrixSymbol("Sigma", D, D), MatrixSymbol("x", D, 1)
    s1, A = MatrixSymbol("s", D, 1), MatrixSymbol("A", D, D)
    n = Symbol("N_k", positive=True)
    niw = model.prior.get("means") is not None
    M0, P0 = MatrixSymbol("m0", D, 1), MatrixSymbol("Psi0", D, D)
    symbols = {"mu": mu_, "Sigma": Sig, "x": x_, "s": s1, "A": A, "N_k": n, "m0": M0, "Psi0": P0,
               "kappa0": kappa, "nu0": nu}
    sym = {Transpose(Sig): Sig, Transpose(A): A, Transpose(P0): P0}

    # the mean: the per-row gradient is affine in x_i, so sum_i r[i,k] g(x_i) = g with x -> s, constants * N_k
    per_row = "-1/2*(x - mu).T @ inv(Sigma) @ (x - mu)"
    g_row = _sym_doit(grad(per_row, "mu", symbols=symbols, validate=False), sym)
    g_mean = _weighted_sum(g_row, x_, s1, n)
    mean_objective = "sum_i r[i,k] " + per_row.replace("x", "x_i")
    if niw:
        prior_term = "-kappa0/2*(mu - m0).T @ inv(Sigma) @ (mu - m0)"
        g_mean = sympy.expand(g_mean + _sym_doit(grad(prior_term, "mu", symbols=symbols, validate=False), sym))
        mean_objective += " " + prior_term
    mean = _solve_linear(g_mean, mu_)

    # the covariance: the trace trick sum_i r (x_i - mu)^T Sigma^-1 (x_i - mu) = tr(Sigma^-1 A)
    if niw:
        extra = nu + D + 2
        cov_text = "-(N_k + nu0 + d + 2)/2*logdet(Sigma) - 1/2*trace(inv(Sigma) @ (A + kappa0*(mu - m0) @ (mu - m0).T + Psi0))"
    else:
        extra = 0
        cov_text = "-N_k/2*logdet(Sigma) - 1/2*trace(inv(Sigma) @ A)"
    ns = dict(symbols, d=D)
    g_cov = _sym_doit(grad(cov_text, "Sigma", symbols=ns, validate=False), sym)
    cov = _solve_linear(g_cov, Sig)

    table = {
        s1: lambda a, b: over_rows(r[i, k] * x[i, a]),
        mu_: lambda a, b: MEANS[k, a],
        M0: lambda a, b: m0[a],
        A: lambda a, b: over_rows(r[i, k] * (x[i, a] - MEANS[k, a]) * (x[i, b] - MEANS[k, b])),
        P0: lambda a, b: Psi0[a, b],
        n: over_rows(r[i, k]),
    }
    mean_index = tidy(_to_index(mean, table, j, None))
    cov_index = tidy(_to_index(cov, table, j, l))
    del extra
    return {
        "means": (sympy.Eq(MEANS.element, mean_index),
                  MatrixStep("means", mean_objective, g_mean, mean,
                             "the gradient is affine in x_i, so the sum over rows replaces x_i by "
                             "s = sum_i r[i,k] x_i and each constant by N_k = sum_i r[i,k]")),
        "covariances": (sympy.Eq(FULL.element, cov_index),
                        MatrixStep("covariances", cov_text, g_cov, cov,
                                   "trace trick: sum_i r[i,k] (x_i - mu)^T Sigma^-1 (x_i - mu) = tr(Sigma^-1 A), "
                                   "A = sum_i r[i,k] (x_i - mu)(x_i - mu)^T; d log det Sigma = tr(Sigma^-1 dSigma), "
                                   "d Sigma^-1 = -Sigma^-1 dSigma Sigma^-1")),
    }


def _sym_doit(expr, sym):
    """Use the symmetry of Sigma, A, Psi0 (Sigma^T = Sigma) and expand."""
    return sympy.expand(expr.xreplace(sym).doit())


def _terms(expr):
    return list(expr.args) if isinstance(expr, MatAdd) else [expr]


def _weighted_sum(g, x_, s1, n):
    """sum_i r[i,k] g(x_i) for g affine in x: x -> s, x-free terms times N_k."""
    out = []
    for term in _terms(g):
        coeff, mats = _coeff_mats(term)
        count = sum(1 for m in mats if m == x_)
        if any(m.has(x_) and m != x_ for m in mats) or count > 1:
            raise DeriveError(f"the mean's gradient is not affine in the data: {term}")
        out.append(coeff * MatMul(*[s1 if m == x_ else m for m in mats]) if count else n * term)
    return sympy.expand(MatAdd(*out).doit())


def _coeff_mats(term):
    if isinstance(term, MatMul):
        coeff, mats = term.as_coeff_matrices()
        return coeff, list(mats)
    return sympy.S.One, [term]


def _solve_linear(G, X):
    """X from G = 0: multiply by M on the left and/or right, where M^-1 appears in G,
    until G is c X + (terms free of X); then X = -(terms)/c."""
    inverses = [e.arg for e in G.atoms(sympy.Inverse)] or [None]
    for M in inverses:
        for left, right in ((True, False), (False, True), (True, True), (False, False)):
            if M is None and (left or right):
                continue
            solved = _linear_in(G, X, M if left else None, M if right else None)
            if solved is not None:
                return solved
    raise DeriveError(f"cannot solve {G} = 0 for {X} in closed form")


def _linear_in(G, X, left, right):
    coeff, rest = sympy.S.Zero, []
    for term in _terms(G):
        mats = ([left] if left is not None else []) + [term] + ([right] if right is not None else [])
        product = MatMul(*mats).doit() if len(mats) > 1 else term
        for part in _terms(sympy.expand(product)):
            c_, factors = _coeff_mats(part)
            if factors == [X]:
                coeff += c_
            elif part.has(X):
                return None
            else:
                rest.append(part)
    if coeff == 0:
        return None
    return sympy.expand((MatAdd(*rest) * (-1 / coeff)).doit()) if rest else sympy.ZeroMatrix(*X.shape)


def _to_index(expr, table, row, col):
    """A matrix-notation closed form as the index-notation entry [row] (vector) or [row, col]."""
    if isinstance(expr, MatAdd):
        return sympy.Add(*(_to_index(t, table, row, col) for t in expr.args))
    if isinstance(expr, MatMul):
        coeff, mats = expr.as_coeff_matrices()
        coeff = coeff.xreplace({s: v for s, v in table.items() if not callable(v)})
        if len(mats) == 1:
            return coeff * _to_index(mats[0], table, row, col)
        if len(mats) == 2 and mats[0].shape[1] == 1 and mats[1].shape[0] == 1:  # an outer product u v^T
            return coeff * _to_index(mats[0], table, row, None) * _to_index(mats[1], table, col, None)
        raise DeriveError(f"cannot write {expr} in index notation")
    if isinstance(expr, Transpose):
        return _to_index(expr.arg, table, row, col)
    if isinstance(expr, Identity):
        return sympy.KroneckerDelta(row, col)
    if expr in table:
        return table[expr](row, col)
    if isinstance(expr, sympy.MatrixExpr):
        raise DeriveError(f"cannot write {expr} in index notation")
    return expr.xreplace({s: v for s, v in table.items() if not callable(v)})


# ---------------------------------------------------------------------------
# the E-step kernel's parameters for the full covariance


class FullKernelForm:
    """ell through the Cholesky factor of the precision, as the E-step kernel computes it.

        Sigma_k = L L^T,  U = L^-T (upper triangular),  Sigma_k^-1 = U U^T
        ell = -d/2 log(2 pi) + sum_j log U[j, j] - 1/2 sum_j (sum_l (x_l - mu_l) U[l, j])^2

    A covariance that is not positive definite has no Cholesky factor: that
    is a `DeriveError` naming the component, never a NaN.
    """

    arrays = {"mu": 1, "U": 2, "logdetU": 0}

    def expression(self, dim, data_symbols, element):
        """ell in the kernel arrays: element(name, idx) gives the scalar symbol of an array entry."""
        total_ = -Rational(dim, 2) * log(2 * pi) + element("logdetU", ())
        for jj in range(dim):
            y = sympy.Add(*((data_symbols[ll] - element("mu", (ll,))) * element("U", (ll, jj))
                            for ll in range(jj + 1)))
            total_ -= y ** 2 / 2
        return total_

    def arrays_from(self, params):
        """{'mu', 'U', 'logdetU'} from {'means', 'covariances'} (NumPy, batched over components)."""
        cov = np.asarray(params["covariances"], dtype=float)
        try:
            L = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            L = None
        diag = None if L is None else np.diagonal(L, axis1=1, axis2=2)
        if L is None or not np.all(np.isfinite(L)) or np.any(diag <= 1e-150 * np.maximum(diag.max(axis=1, keepdims=True), 1e-300)):
            for kk in range(cov.shape[0]):
                try:
                    Lk = np.linalg.cholesky(cov[kk])
                    ok = np.all(np.isfinite(Lk)) and np.all(np.diag(Lk) > 1e-150 * max(np.max(np.diag(Lk)), 1e-300))
                except np.linalg.LinAlgError:
                    ok = False
                if not ok:
                    raise DeriveError(singular_message(kk, cov[kk]))
        U = np.swapaxes(_lower_inverse(L), 1, 2)  # Sigma^-1 = L^-T L^-1 = U U^T with U = L^-T
        return {"mu": params["means"], "U": U, "logdetU": -np.log(diag).sum(axis=1)}


def _lower_inverse(L):
    """Inverses of lower-triangular matrices (K, d, d) by forward substitution (exactly triangular)."""
    D = L.shape[1]
    inv = np.zeros_like(L)
    for a in range(D):
        inv[:, a, a] = 1.0 / L[:, a, a]
        for b in range(a):
            inv[:, a, b] = -np.einsum("kt,kt->k", L[:, a, b:a], inv[:, b:a, b]) / L[:, a, a]
    return inv


def singular_message(component, cov):
    eig = np.linalg.eigvalsh((cov + cov.T) / 2) if np.all(np.isfinite(cov)) else [np.nan]
    return (f"component {component}'s covariance is singular (not positive definite; smallest eigenvalue "
            f"{float(np.min(eig)):.3g}): a collapsed component. Use fewer components, a prior "
            "(prior={'covariances': em.NormalInverseWishart(...)}), or reg_covar > 0")
