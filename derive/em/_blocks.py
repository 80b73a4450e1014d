"""The model-independent parts of the E-step kernel, compiled once and shared by every generated kernel.

A generated kernel fills a block of rows: lp[k, t] = log w[k] + ell(x_t; theta_k)
and the statistics' data parts Tb[m, t] = T_m(x_t).  Then

* `normalize` turns lp into responsibilities in place (log-sum-exp: subtract the
  row maximum, exponentiate, divide by the sum) and returns the block's
  log-likelihood;
* `accumulate` adds sum_t r[k, t] T_m(x_t) into acc[k, m].

The exp is evaluated with an exact range reduction, x = n log 2 + r with
|r| <= log(2)/2 (log 2 split in two parts, Cody and Waite), and the degree-13
Taylor polynomial of exp(r) (truncation error below 5e-18), scaled by 2^n built
from its bits in two halves so that results down to the smallest subnormal
are right.  Unlike libm's exp this vectorizes (Numba has no SIMD exp without
Intel's SVML).  Accuracy: within 2 ulp of libm (tested).
"""

import math

import numba
import numpy as np

FASTMATH = {"reassoc", "contract", "arcp", "nsz"}
BLOCK = 256
LOG2E = 1.4426950408889634
LN2_HI = 0.693145751953125
LN2_LO = 1.42860682030941723212e-06


# no "reassoc" here: it would let the compiler fold (z - n ln2_hi) - n ln2_lo into z - n ln2, undoing the
# exact range reduction (100 ulp near -700); "contract" (fused multiply-add) only makes it more exact
@numba.njit(cache=True, fastmath={"contract", "nsz"}, nogil=True, error_model="numpy")
def exp_block(z, out, nbits, nbits2, nb):
    """out[t] = exp(z[t]) for t < nb (z <= 0 expected; below -746 gives 0)."""
    fb = nbits.view(np.float64)
    fb2 = nbits2.view(np.float64)
    for t in range(nb):
        v = z[t] if z[t] > -746.0 else -746.0
        n = math.floor(v * LOG2E + 0.5)
        r = (v - n * LN2_HI) - n * LN2_LO
        p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (
            1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800 + r * (1.0 / 39916800 + r * (
                1.0 / 479001600 + r / 6227020800))))))))))))
        ni = np.int64(n)
        half = ni >> 1
        nbits[t] = (half + 1023) << 52
        nbits2[t] = (ni - half + 1023) << 52
        out[t] = p
    for t in range(nb):
        out[t] = out[t] * fb[t] * fb2[t]


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True, error_model="numpy")
def normalize(lp, nb, mx, s, z, nbits, nbits2):
    """lp[k, t] (log joint) -> r[k, t] in place; s[t] = sum_k exp(lp - mx[t]); returns sum_t log p(x_t).

    A row whose log joint is -inf for every component gets mx = 0 and adds
    -inf to the log-likelihood (the caller reports it)."""
    K = lp.shape[0]
    for t in range(nb):
        mx[t] = lp[0, t]
    for k in range(1, K):
        for t in range(nb):
            mx[t] = max(mx[t], lp[k, t])
    for t in range(nb):
        s[t] = 0.0
        if not mx[t] > -np.inf:
            mx[t] = 0.0
    for k in range(K):
        for t in range(nb):
            z[t] = lp[k, t] - mx[t]
        exp_block(z, lp[k], nbits, nbits2, nb)
        for t in range(nb):
            s[t] += lp[k, t]
    ll = 0.0
    for g0 in range(0, nb, 64):  # each s[t] is in [1, K]: a product of 64 stays finite for K <= 1000
        prod = 1.0
        for t in range(g0, min(g0 + 64, nb)):
            ll += mx[t]
            prod *= s[t]
        ll += math.log(prod)
    for t in range(nb):
        z[t] = 1.0 / s[t]
    for k in range(K):
        for t in range(nb):
            lp[k, t] *= z[t]
    return ll


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True, error_model="numpy")
def accumulate(lp, Tb, nb, acc):
    """acc[k, 0] += sum_t r[k, t];  acc[k, m] += sum_t r[k, t] Tb[m, t] for m >= 1."""
    K, M = acc.shape
    for k in range(K):
        a = 0.0
        for t in range(nb):
            a += lp[k, t]
        acc[k, 0] += a
        for m in range(1, M):
            a = 0.0
            for t in range(nb):
                a += lp[k, t] * Tb[m, t]
            acc[k, m] += a


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True, error_model="numpy")
def write_rows(lp, mx, s, nb, R, rowll, offset):
    """Responsibilities and per-row log-likelihoods of a normalized block into R, rowll."""
    K = lp.shape[0]
    for t in range(nb):
        rowll[offset + t] = mx[t] + math.log(s[t])
        for k in range(K):
            R[offset + t, k] = lp[k, t]


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True, error_model="numpy")
def nearest(dist, lp, nb, soft):
    """r[k, t] = (1 - soft) [k = argmin_k dist[k, t]] + soft / K (the initial soft assignment)."""
    K = dist.shape[0]
    for t in range(nb):
        best = 0
        for k in range(1, K):
            if dist[k, t] < dist[best, t]:
                best = k
        for k in range(K):
            lp[k, t] = soft / K + (1.0 - soft if k == best else 0.0)


# ---------------------------------------------------------------------------
# the same steps in NumPy, for the NumPy backend (small data: no compilation)


def normalize_np(lp):
    """lp (K, n) log joint -> responsibilities in place; returns (log-likelihood sum, mx, s)."""
    mx = lp.max(axis=0)
    mx = np.where(mx > -np.inf, mx, 0.0)
    with np.errstate(under="ignore"):
        np.exp(lp - mx, out=lp)
    s = lp.sum(axis=0)
    with np.errstate(divide="ignore"):
        ll = float(np.sum(mx + np.log(s)))
    with np.errstate(divide="ignore", invalid="ignore"):
        lp /= s
    return ll, mx, s


def nearest_np(dist, soft):
    """(K, n) responsibilities of the initial soft assignment to the nearest seed."""
    K, n = dist.shape
    r = np.full((K, n), soft / K)
    r[dist.argmin(axis=0), np.arange(n)] += 1.0 - soft
    return r
