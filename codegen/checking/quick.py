"""The first estimate of every directional derivative: 1 or 4 evaluations each, with its own error.

gradcheck asks this module first, for all directions at a point at once
(vectorized, and batched when f takes batches); only entries it cannot settle
go on to the careful ladder of fd.py.  "Settled" means: the error bound below
is small, the function looked smooth, and the claim agrees.  Two recipes:

* **complex step trusted** (``complex_step="always"``, f known analytic):
  C0 = Im f(p + i h0 u) / h0 with h0 = 2^-40 x scale: 1 evaluation, exact to
  rounding.  Error bound 4 eps |C0|; the rare case where O(h0^2) truncation
  matters (x^3 at 0) disagrees with the claim and goes to the careful path.
* **real differences** (otherwise): central differences D(h) and D(h/2),
  h = (64 eps)^(1/3) x scale rounded to a power of two (2^-15 in float64,
  2^-6 in float32: truncation and rounding balanced), Richardson
  R = (4 D(h/2) - D(h)) / 3, error bound |D(h) - D(h/2)| / 3 + rounding.  The
  one-sided slope jump J(h) = f'' h must halve with h (a kink keeps it, one
  between h/2 and h drops out): 4 evaluations.  Where rounding kept it
  from settling an entry (small entries of a function with a large value),
  `refine` tries once more at 32-128 times larger steps with an honest
  Richardson error: 6 more evaluations, still far fewer than the ladder.  With ``"auto"`` the complex
  step is kept for the careful path, where it must first agree with the real
  function: complex arithmetic is often several times slower than real
  (a complex tanh-layer network: 300 us against 30 us per call), and real
  differences already resolve 1e-9.
"""

from dataclasses import dataclass

import numpy as np

from .fd import NOISE_FACTOR, Tableau

TRUSTED_STEP = 2.0**-40  # the complex step, relative to the line's scale


@dataclass
class Quick:
    """First estimates along k directions for m outputs."""

    value: np.ndarray  # (k, m)
    error: np.ndarray  # (k, m) bound on |value - true derivative|; inf where none
    smooth: np.ndarray  # (k, m) bool: the function looked smooth at this scale
    step: np.ndarray  # (k,) the step behind the value
    method: str  # "complex-step" or "central"



def real_step(eps):
    """Relative step for two-level central differences balancing truncation and rounding."""
    return 2.0 ** np.round(np.log2((64 * eps) ** (1 / 3)))


def estimate(target, p, f0, dirs, mode, eps):
    """`Quick` estimates along every direction of `dirs` at p (f0 = f(p)); mode is
    "always", "auto" or "never" (gradcheck's complex_step)."""
    units = dirs.units(p)
    if mode == "always":
        h0 = units * TRUSTED_STEP
        c0 = target.along(p, dirs, np.arange(dirs.k), 1j * h0)
        if c0 is not None:
            value = c0.imag / h0[:, None]
            error = _finite_or_inf(4 * eps * np.abs(value), value)
            return Quick(value, error, np.ones_like(error, bool), h0, "complex-step")
    return _real(target, p, f0, dirs, units, eps)


def _real(target, p, f0, dirs, units, eps):
    idx = np.arange(dirs.k)
    h = units * real_step(eps)
    steps = np.concatenate([h, -h, h / 2, -h / 2])
    vals = target.along(p, dirs, np.tile(idx, 4), steps)
    taken = np.abs(dirs.taken(p, np.tile(idx, 4), steps)).reshape(4, dirs.k)[:, :, None]
    fp1, fm1, fp2, fm2 = vals.reshape(4, dirs.k, -1)
    a0 = np.abs(f0)
    with np.errstate(all="ignore"):
        d1 = (fp1 - fm1) / (taken[0] + taken[1])
        d2 = (fp2 - fm2) / (taken[2] + taken[3])
        value = (4 * d2 - d1) / 3
        noise = NOISE_FACTOR * eps * np.maximum(np.maximum(np.abs(fp2), np.abs(fm2)), a0) / (taken[2] + taken[3])
        error = np.abs(d1 - d2) / 3 + 2 * noise
        j1 = (fp1 - f0) / taken[0] - (f0 - fm1) / taken[1]
        j2 = (fp2 - f0) / taken[2] - (f0 - fm2) / taken[3]
        noise_j = NOISE_FACTOR * eps * (np.abs(fp2) + 2 * a0 + np.abs(fm2)) / np.minimum(taken[2], taken[3])
        # f'' h halves with h; a kink's slope jump stays, one beyond h/2 vanishes
        smooth = np.abs(j2 - j1 / 2) <= 0.125 * np.abs(j1) + noise_j
    return Quick(value, _finite_or_inf(error, value), smooth & np.isfinite(error), h / 2, "central")


REFINE_STEPS = (128.0, 64.0, 32.0)  # the second try's steps, in units of the first try's smaller step


def refine(target, p, f0, dirs, first_step, eps):
    """A second try where the first was smooth but not accurate enough: three
    central differences at 128, 64 and 32 times its smaller step (2^-9 to 2^-11
    of the scale in float64: rounding 32-128 times smaller) in a Richardson
    tableau, whose neighbouring entries give an honest error estimate of the
    extrapolated value (Ridders): 6 evaluations.  The one-sided slope jump
    must halve from level to level, as before."""
    k, idx = dirs.k, np.arange(dirs.k)
    m = f0.shape[0]
    tableau = Tableau((k, m), order=2, step=2)
    no_kink = np.zeros((k, m), dtype=int)
    smooth, prev_jump = np.ones((k, m), bool), None
    a0 = np.abs(f0)
    for factor in REFINE_STEPS:
        h = first_step * factor
        vals = target.along(p, dirs, np.concatenate([idx, idx]), np.concatenate([h, -h]))
        hp = dirs.taken(p, idx, h)[:, None]
        hm = -dirs.taken(p, idx, -h)[:, None]
        fp, fm = vals[:k], vals[k:]
        with np.errstate(all="ignore"):
            noise = NOISE_FACTOR * eps * np.maximum(np.maximum(np.abs(fp), np.abs(fm)), a0) / (hp + hm)
            tableau.add((fp - fm) / (hp + hm), noise, no_kink, np.repeat(np.minimum(hp, hm), m, axis=1))
            jump = (fp - f0) / hp - (f0 - fm) / hm
            noise_j = NOISE_FACTOR * eps * (np.abs(fp) + 2 * a0 + np.abs(fm)) / np.minimum(hp, hm)
            if prev_jump is not None:
                smooth &= np.abs(jump - prev_jump / 2) <= 0.125 * np.abs(prev_jump) + noise_j
        prev_jump = jump
    error = _finite_or_inf(tableau.best_err, tableau.best)
    return Quick(tableau.best, error, smooth & np.isfinite(error), np.nanmin(tableau.best_step, axis=1), "central")


def _finite_or_inf(error, value):
    return np.where(np.isfinite(error) & np.isfinite(value), error, np.inf)
