"""The model-independent parts of the E-step kernel, compiled once and shared by every generated kernel.

A generated kernel fills a block of rows: lp[k, t] = log w[k] + ell(x_t; theta_k)
and the statistics' data parts Tb[m, t] = T_m(x_t).  Then `normalize` does the
log-sum-exp: subtract each row's maximum, exponentiate, sum; it returns the
block's log-likelihood and leaves exp(lp - max) in lp and 1/sum in Tb[0], so
the generated accumulation adds sum_t lp[k, t] Tb[0, t] Tb[m, t] (the
responsibilities times T_m) without a separate division pass.

The exp: x = n log 2 + r with |r| <= log(2)/2 (log 2 split in two parts, Cody
and Waite), a degree-11 polynomial of exp(r) (`EXP_POLY`: the interpolant at
the 12 Chebyshev nodes of that interval, relative error 4.2e-18; a Taylor
polynomial needs degree 13 for the same, 20 % more time), times 2^n built
from its bits in two halves so that subnormal results are right.  n is rounded by adding 1.5 * 2^52, which leaves it in the low bits of
the sum: no float-to-integer conversion, which x86 vectorizes poorly (17 %
faster than floor and a conversion).  Unlike libm's exp, which Numba calls once per value (no SIMD without
Intel's SVML), it vectorizes: about NumPy's own SIMD speed, within 2 ulp of
it (tested).  No "reassoc" in its fastmath flags: that would let the compiler
fold (z - n ln2_hi) - n ln2_lo into z - n ln2 and lose the exact reduction.
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

FASTMATH = {"reassoc", "contract", "arcp", "nsz"}
BLOCK = 256
LOG2E = 1.4426950408889634
LN2_HI = 0.693145751953125
LN2_LO = 1.42860682030941723212e-06


# exp(r) on |r| <= log(2)/2: monomial coefficients of the degree-11 interpolant at the Chebyshev nodes,
# solved in 50-digit arithmetic (mpmath) and rounded to float64 (tests/test_em_fit.py checks them).
EXP_POLY = (1.0, 1.0, 0.5000000000000019, 0.1666666666666668, 0.0416666666664881, 0.008333333333319601,
            0.0013888888952314775, 0.00019841269890047113, 2.4801485482328494e-05, 2.755724091857897e-06,
            2.763263963904103e-07, 2.5110037605963777e-08)
_P0, _P1, _P2, _P3, _P4, _P5, _P6, _P7, _P8, _P9, _P10, _P11 = EXP_POLY
ROUND_SHIFT = 6755399441055744.0  # 1.5 * 2^52: v + it rounds v to an integer, kept in the low bits
ROUND_SHIFT_BITS = int(np.float64(ROUND_SHIFT).view(np.int64))


@intrinsic
def _bits_as_float(typingctx, bits):
    """Reinterpret an int64's bits as a float64 (free in LLVM; vectorizes)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _float_as_bits(typingctx, value):
    """Reinterpret a float64's bits as an int64 (free in LLVM; vectorizes)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@numba.njit(cache=True, fastmath={"contract", "nsz"}, nogil=True, error_model="numpy", inline="always")
def exp_nonpositive(z):
    """exp(z) for z <= 0 (0 where it rounds to 0, below -745.13)."""
    v = z if z > -745.0 else -745.0
    rounded = v * LOG2E + ROUND_SHIFT
    n = rounded - ROUND_SHIFT  # the nearest integer to v / log 2, as a float
    r = (v - n * LN2_HI) - n * LN2_LO
    p = _P0 + r * (_P1 + r * (_P2 + r * (_P3 + r * (_P4 + r * (_P5 + r * (_P6 + r * (_P7 + r * (_P8 + r * (
        _P9 + r * (_P10 + r * _P11))))))))))
    ni = _float_as_bits(rounded) - ROUND_SHIFT_BITS  # the same integer, from the sum's low bits
    half = ni >> 1
    e = p * _bits_as_float((half + 1023) << 52) * _bits_as_float((ni - half + 1023) << 52)
    return e if z > -745.1332191019412 else 0.0


@numba.njit(cache=True, fastmath={"contract", "nsz"}, nogil=True, error_model="numpy")
def exp_block(z, out, n):
    """out[t] = exp(z[t]) for t < n, z <= 0 (for the accuracy test)."""
    for t in range(n):
        out[t] = exp_nonpositive(z[t])


@numba.njit(cache=True, fastmath={"contract", "nsz", "arcp"}, nogil=True, error_model="numpy")
def normalize(lp, nb, mx, s, Tb):
    """lp[k, t] (log joint) -> exp(lp - mx[t]) in place, s[t] = sum_k of it, Tb[0, t] = 1 / s[t],
    Tb[m, t] *= 1 / s[t]; returns the block's log-likelihood sum_t (mx[t] + log s[t]).

    A row whose log joint is -inf for every component adds -inf (the caller reports it)."""
    K = lp.shape[0]
    M = Tb.shape[0]
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
        row = lp[k]
        for t in range(nb):
            row[t] = exp_nonpositive(row[t] - mx[t])
    for k in range(K):  # summed in a separate pass: the exp loop then vectorizes alone
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
        Tb[0, t] = 1.0 / s[t]
    for m in range(1, M):
        for t in range(nb):
            Tb[m, t] *= Tb[0, t]
    return ll


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True, error_model="numpy")
def write_rows(lp, mx, s, Tb, nb, R, rowll, offset):
    """Responsibilities lp[k, t] / s[t] into R and log p(x_t) = mx + log s into rowll (after `normalize`)."""
    K = lp.shape[0]
    for t in range(nb):
        rowll[offset + t] = mx[t] + math.log(s[t])
        for k in range(K):
            R[offset + t, k] = lp[k, t] * Tb[0, t]


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
