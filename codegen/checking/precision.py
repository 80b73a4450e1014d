"""Which precision does f really work in?

A function computed in float32 inside (a float32 network, a loss cast back to
float at the end) cannot be checked to float64's 1e-16: its values carry
float32 rounding (about 6e-8 relative), and finite differences of it are
correspondingly noisier.  gradcheck must see that, or it reports a correct
gradient as a mismatch at 4e-6.  Three signs, checked in this order:

1. f returns float32 (or float16, complex64) arrays;
2. every value f returns near x is a float32 number (a float64 computation
   gives such values with probability about 2^-29 each at non-dyadic points);
3. f's rounding noise: along a random direction the second difference
   f(y + d u) + f(y - d u) - 2 f(y) shrinks like d^2 for a smooth float64
   function (like d at a kink) but stays put when it is rounding noise;
   measured at d, d/16 and d/256, at a random point y near x (a jump of f at
   x itself would look like noise there; rounding is everywhere).  It must
   stay put over both ratios: a smooth f that varies on a scale below d
   (sin(1e6 w) near w = 1e-7) does not shrink from d to d/16 either, and
   taking that for noise would loosen every tolerance until a wrong
   gradient passed.  Noise of
   float32's size (a sum of many float32 terms averages some of it away, so
   down to 1/256 of its eps) is called float32; other noise well above
   float64's rounding is kept as measured ("noisy").

The result is a `Precision`: the name shown in the report and the relative
rounding `eps` that every noise term of the estimators then uses.
"""

from dataclasses import dataclass

import numpy as np

FLOAT64_EPS = float(np.finfo(np.float64).eps)
NAMED = (("float16", float(np.finfo(np.float16).eps)), ("float32", float(np.finfo(np.float32).eps)))
DTYPES = {np.dtype(np.float16): "float16", np.dtype(np.float32): "float32", np.dtype(np.complex64): "float32"}
PROBE_STEP = 2.0**-14  # relative to max(|x_j|, 1); its 1/256 is still 2 float32 ulps
NOISY = 1e3  # a non-shrinking second difference this many float64 ulps of f is noise, not roundoff


@dataclass(frozen=True)
class Precision:
    name: str  # "float64", "float32", "float16" or "noisy" (float64 values with more rounding noise)
    eps: float  # relative rounding of f's values
    evidence: str = ""  # why we think so (for the report)

    @property
    def reduced(self):
        return self.name != "float64"

    def note(self):
        if not self.reduced:
            return ""
        if self.name == "noisy":
            return (f"f's values carry rounding noise of about {self.eps:.0e} relative ({self.evidence}), far "
                    "above float64's: tolerances follow it")
        return f"f computes in {self.name} ({self.evidence}): tolerances follow {self.name}'s resolution"


FLOAT64 = Precision("float64", FLOAT64_EPS)


def detect(value, x, f0, out_dtype, rng):
    """The working precision of f near x.  `value(v)` is f(v) as a float array or None."""
    if out_dtype in DTYPES:
        name = DTYPES[out_dtype]
        return Precision(name, dict(NAMED)[name], f"it returns {out_dtype} values")
    scale = np.maximum(np.abs(x), 1.0)
    seen, noisy_eps = [f0], 0.0
    y = x + 1e-2 * scale * rng.uniform(-1.0, 1.0, x.size)
    fy = value(y)
    if fy is not None:
        x, f0 = y, fy
        seen.append(fy)
    for _ in range(2):
        u = rng.normal(size=x.size)
        u *= scale / np.linalg.norm(u)
        second = []
        for d in (PROBE_STEP, PROBE_STEP / 16, PROBE_STEP / 256):
            plus, minus = value(x + d * u), value(x - d * u)
            if plus is None or minus is None:
                break
            seen += [plus, minus]
            level = np.maximum(np.maximum(np.abs(plus), np.abs(minus)), np.abs(f0))
            second.append((np.abs(plus + minus - 2 * f0), level))
        if len(second) == 3:
            (s1, level), (s2, _), (s3, _) = second
            # noise: does not shrink with the step (a d^2 or a kink's d would), twice over, and is well above
            # float64 roundoff at the smallest step
            noise = (s2 >= s1 / 4) & (s3 >= s2 / 4) & (s3 > NOISY * FLOAT64_EPS * level)
            if np.any(noise):
                top = np.maximum(np.maximum(s1, s2), s3)
                noisy_eps = max(noisy_eps, float(np.max(np.where(noise, top / (4 * level), 0.0))))
    values = np.concatenate(seen)
    with np.errstate(over="ignore"):  # values beyond float32's range are simply not float32 numbers
        as32, as16 = values.astype(np.float32), values.astype(np.float16)
    if np.all(as32 == values) and not np.all(as16 == values):
        return Precision("float32", dict(NAMED)["float32"], "its values are float32 numbers")
    if noisy_eps == 0:
        return FLOAT64
    for name, eps in NAMED:
        if eps / 256 <= noisy_eps <= eps * 16:
            return Precision(name, eps, "its rounding noise is that size")
    return Precision("noisy", noisy_eps, "measured")
