"""Finite-difference estimates of one partial derivative, with their own error.

The estimator walks a ladder of steps h = h0, h0/2, h0/4, ... starting at the
scale of the coordinate (never a fixed absolute step) and builds a Richardson
tableau of central differences.  The error of each extrapolated entry is
estimated from its neighbours (Ridders), floored by the rounding noise
eps * |f| / h; the entry with the smallest error wins.  The walk stops once
the estimate has converged *and* the function looks smooth at the current
scale.

Smoothness is measured by the jump between the one-sided slopes,
J(h) = (f(x+h) - f(x))/h - (f(x) - f(x-h))/h.  For a differentiable function
J(h) ~ f''(x) h shrinks with h; at a kink it tends to the jump in slope, at a
tie of max/min likewise, and at a discontinuity it grows like 1/h.  A J that
stays put down to the smallest steps means "not differentiable here".

Points where f is not finite (outside its domain) are never used: the ladder
just descends until both sides are finite, or falls back to one-sided
differences on the finite side (a domain edge).

This is the careful estimator: gradcheck first tries the cheap one in
quick.py and comes here only for entries that one could not settle.  It works
on a *line* through the point (a coordinate axis or a random direction):
``line(t)`` returns f(p + t u) (None where f is not finite) and the step that
was really taken (p_j + t rounds); ``line.complex(t)`` the same for an
imaginary step.  ``eps`` is f's working precision (2^-52 in float64, 2^-23 in
float32), which sets every rounding-noise term.
"""

import math
from dataclasses import dataclass

import numpy as np

EPS = np.finfo(float).eps
MAX_COLUMNS = 4  # Richardson orders h^2 .. h^8; more amplifies noise
NOISE_FACTOR = 4.0  # rounding in f is taken as NOISE_FACTOR * eps * |f|
KINK_RUN = 6  # consecutive non-shrinking slope jumps (a 64-fold step range) that make a kink


@dataclass
class Partial:
    """Estimate of the derivative along one line for every output of f (arrays of shape (m,))."""

    value: np.ndarray
    error: np.ndarray
    kink: np.ndarray  # bool: one-sided slopes disagree down to the smallest steps
    left: np.ndarray  # backward slope at the smallest step used
    right: np.ndarray  # forward slope at the smallest step used
    method: str  # "central", "forward", "backward", "complex-step"
    evals: int
    step: np.ndarray = None  # per output: the smallest step behind the estimate


class Tableau:
    """Richardson tableau over successive halvings: T(h) = D + a h^p + b h^(p+q) ...

    `order` is the first error power (2 for central, 1 for one-sided);
    `step` the power increment between columns.
    """

    def __init__(self, shape, order, step):
        self.order, self.step = order, step
        self.rows = []
        self.best = np.full(shape, np.nan)
        self.best_err = np.full(shape, np.inf)
        self.best_step = np.full(shape, np.nan)

    def reset(self):
        self.rows = []

    def add(self, estimate, noise, usable_from, h):
        """Append a row taken at step `h`.  `usable_from[m]`: first row index whose
        data may enter an estimate for component m (rows before it saw a kink)."""
        prev = self.rows[-1] if self.rows else None
        row = [estimate]
        i = len(self.rows)
        for c in range(1, MAX_COLUMNS + 1):
            if prev is None or c > len(prev):
                break
            factor = 2.0 ** (self.order + self.step * (c - 1)) - 1.0
            row.append(row[c - 1] + (row[c - 1] - prev[c - 1]) / factor)
        self.rows.append(row)
        for c in range(1, len(row)):
            err = np.maximum(np.abs(row[c] - row[c - 1]), np.abs(row[c] - prev[c - 1]))
            err = err + 2.0 * noise
            clean = (i - c) >= usable_from  # every row used lies after the last kink
            better = clean & (err < self.best_err)
            self.best = np.where(better, row[c], self.best)
            self.best_err = np.where(better, err, self.best_err)
            self.best_step = np.where(better, h, self.best_step)


def first_step(unit):
    """The ladder's first step: the power of two at or above the coordinate's scale."""
    return 2.0 ** math.ceil(math.log2(unit))


def partial(line, unit, f0, eps=EPS, max_levels=60):
    """Estimate d f(p + t u) / dt at t = 0 along `line` (see the module doc).

    `unit` is the scale of the coordinate (max(|p_j|, 1)); `f0 = f(p)` (finite)."""
    m = f0.shape[0]
    h = first_step(unit)
    h_min = unit * 2.0**-46
    central = Tableau(m, order=2, step=2)
    forward = Tableau(m, order=1, step=1)
    backward = Tableau(m, order=1, step=1)
    abs_f0 = np.abs(f0)
    evals = 0
    level = -1  # index of consecutive central levels
    usable_from = np.zeros(m, dtype=int)
    kink_run = np.zeros(m, dtype=int)
    prev_jump = None
    left = right = np.full(m, np.nan)
    one_sided_levels = {"forward": 0, "backward": 0}
    seen_slope = False
    converge = max(1e-13, 400 * eps)  # relative agreement that counts as converged
    while h >= h_min and evals < 2 * max_levels:
        fp, hp = line(h)
        fm, hm = line(-h)
        hm = -hm
        evals += 2
        for name, tab, value, step, sign in (("forward", forward, fp, hp, 1), ("backward", backward, fm, hm, -1)):
            if value is None:
                tab.reset()
                continue
            noise = NOISE_FACTOR * eps * np.maximum(np.abs(value), abs_f0) / step
            tab.add(sign * (value - f0) / step, noise, 0, step)
            one_sided_levels[name] += 1
        if fp is None or fm is None:
            central.reset()
            level, prev_jump = -1, None
            usable_from[:] = 0
            kink_run[:] = 0
            h /= 2
            continue
        if seen_slope and level >= 1 and np.all(fp == f0) and np.all(fm == f0):
            # f is flat at this step after showing a slope at a larger one: the
            # step is below f's resolution (f is quantized here, e.g.
            # log(1 + 1e-14)); smaller steps only see rounding.
            break
        seen_slope = seen_slope or np.any(fp != fm)
        level += 1
        if level == 0:
            usable_from[:] = 0
        right, left = (fp - f0) / hp, (f0 - fm) / hm
        jump = right - left
        noise_jump = NOISE_FACTOR * eps * (np.abs(fp) + 2 * abs_f0 + np.abs(fm)) / min(hp, hm)
        significant = np.abs(jump) > 3.0 * noise_jump
        if prev_jump is None:
            kinklike = significant
        else:
            ratio = np.abs(jump) / np.maximum(np.abs(prev_jump), np.finfo(float).tiny)
            same_sign = np.sign(jump) == np.sign(prev_jump)
            kinklike = significant & same_sign & (ratio > 0.7) & (ratio < 2.5)
        kink_run = np.where(kinklike, kink_run + 1, 0)
        # a level that still sees a kink poisons every estimate built from it
        usable_from = np.where(kinklike, level + 1, usable_from)
        noise = NOISE_FACTOR * eps * np.maximum(np.maximum(np.abs(fp), np.abs(fm)), abs_f0) / (hp + hm)
        central.add((fp - fm) / (hp + hm), noise, usable_from, min(hp, hm))
        prev_jump = jump
        converged = central.best_err <= np.maximum(converge * np.abs(central.best), 8.0 * noise)
        if level >= 2 and np.all(converged & (kink_run == 0)):
            break
        h /= 2

    if level >= 0:
        kink = kink_run >= KINK_RUN
        value = np.where(np.isfinite(central.best), central.best, (left + right) / 2)
        # no converged extrapolation: the spread of the one-sided slopes is the honest error
        error = np.where(np.isfinite(central.best_err), central.best_err,
                         np.abs(right - left) + eps * np.abs(value))
        step = np.where(np.isfinite(central.best_step), central.best_step, min(hp, hm))
        return Partial(value, error, kink, left, right, "central", evals, step)
    # never finite on both sides: a domain edge; use the side that is
    side = max(("forward", forward), ("backward", backward), key=lambda s: np.sum(np.isfinite(s[1].best_err)))
    name, tab = side
    if one_sided_levels[name] == 0:
        nan = np.full(m, np.nan)
        return Partial(nan, np.full(m, np.inf), np.ones(m, bool), nan, nan, "none", evals, nan)
    converged = tab.best_err <= np.maximum(1e-6 * np.abs(tab.best), 1e-300)
    slope = tab.best
    kink = ~converged  # a one-sided slope that does not settle (sqrt at 0) has no derivative
    nan = np.full(m, np.nan)
    return Partial(slope, tab.best_err, kink, slope if name == "backward" else nan,
                   slope if name == "forward" else nan, name, evals, tab.best_step)


COMPLEX_STEPS = (2.0**-50, 2.0**-60)  # relative to the coordinate's scale


def complex_step(line, unit, eps=EPS):
    """Im f(p + i h u) / h, exact to rounding for functions analytic along the line.

    Evaluated at two tiny steps: their difference bounds the O(h^2)
    truncation term (visible only when f' itself is ~0, as for x^3 at 0).
    Returns (value, error, step), or None when f does not take complex input
    or returns a real result.  Whether the implementation is really analytic
    (abs() is not) is for the caller to decide against the real estimate.
    """
    values = []
    for rel in COMPLEX_STEPS:
        h = unit * rel
        out = line.complex(h)
        if out is None:
            return None
        values.append(out.imag / h)
    coarse, fine = values
    return fine, np.abs(coarse - fine) + 4 * eps * np.abs(fine), unit * COMPLEX_STEPS[-1]


def axis_partial(fun, x, j, f0=None, eps=EPS):
    """`partial` along coordinate j of a plain function: ``fun(v)`` returns a 1-D array
    (None or non-finite outside f's domain).  The estimate's ``step`` is the step the
    careful estimator settled on (what plots of the step-size V-curve mark)."""
    x = np.asarray(x, dtype=float)

    def line(t):
        p = x.copy()
        p[j] = x[j] + t
        out = fun(p)
        finite = out is not None and np.all(np.isfinite(out))
        return (np.asarray(out, dtype=float) if finite else None), float(p[j] - x[j])

    f0 = fun(x) if f0 is None else f0
    return partial(line, max(abs(x[j]), 1.0), np.asarray(f0, dtype=float), eps)

