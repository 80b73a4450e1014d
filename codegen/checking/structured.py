"""gradcheck for code with several parameter arrays (a network's W and b per layer).

``x`` may be a dict name -> array (``f(params)``, ``df(params)`` returning a
dict of gradients with the same shapes) or a tuple of arrays (``f(*arrays)``,
``df(*arrays)`` returning a tuple).  Everything is flattened into one vector
for the checker, and the report is folded back per parameter: which
parameter, which entry (``W2[1, 0]``), and — when all of a parameter's wrong
entries are off by the same ratio — that factor ("claimed = 2 x true").
"""

from dataclasses import dataclass

import numpy as np

from ..errors import CodegenError


@dataclass
class ParameterSummary:
    name: str
    size: int
    checked: int  # entries checked, summed over the points
    wrong: int
    factor: float | None  # common ratio claimed / true over the wrong entries
    sampled: bool = False  # entries were chosen at random (gradcheck's sample=)

    def __str__(self):
        if not self.wrong:
            return f"{self.name}: ok ({self.size} entries" + (f", {self.checked} checks at random)"
                                                              if self.sampled else ")")
        factor = f"; claimed = {_nice(self.factor)} x true" if self.factor is not None else ""
        return f"{self.name}: WRONG in {self.wrong} of {self.checked} checked entries{factor}"

    def to_dict(self):
        return dict(self.__dict__)


class Structure:
    """Flattening between a dict/tuple of arrays and one float vector."""

    def __init__(self, x):
        if isinstance(x, dict):
            self.kind, self.keys = "dict", list(x)
            arrays = [x[k] for k in self.keys]
        else:
            self.kind, self.keys = "tuple", [f"arg{i}" for i in range(len(x))]
            arrays = list(x)
        try:
            self.arrays = [np.array(a, dtype=float) for a in arrays]
        except (TypeError, ValueError):
            raise CodegenError("every parameter must be a numeric array") from None
        if not self.arrays:
            raise CodegenError("no parameters to check")
        self.shapes = [a.shape for a in self.arrays]
        self.sizes = [a.size for a in self.arrays]
        self.offsets = np.cumsum([0] + self.sizes)
        self._last = self._views = None

    @staticmethod
    def applies(x):
        return isinstance(x, dict) or (isinstance(x, tuple) and any(isinstance(a, np.ndarray) for a in x))

    def flat(self):
        return np.concatenate([a.reshape(-1) for a in self.arrays])

    def unflatten(self, v):
        parts = [v[self.offsets[i]:self.offsets[i + 1]].reshape(self.shapes[i]) for i in range(len(self.keys))]
        return dict(zip(self.keys, parts)) if self.kind == "dict" else tuple(parts)

    def call(self, fn, v):
        # gradcheck hands the same vector back with one entry changed: keep its views
        if v is not self._last:
            self._last, self._views = v, self.unflatten(v)
        structured = self._views
        return fn(dict(structured)) if self.kind == "dict" else fn(*structured)

    def call_batch(self, fn, points):
        """fn on k points at once (batch=True): every parameter gets a leading axis of length k."""
        k = len(points)
        parts = [points[:, self.offsets[i]:self.offsets[i + 1]].reshape((k,) + self.shapes[i])
                 for i in range(len(self.keys))]
        return fn(dict(zip(self.keys, parts))) if self.kind == "dict" else fn(*parts)

    def flatten_gradient(self, grads):
        if self.kind == "dict":
            if not isinstance(grads, dict):
                raise CodegenError("df must return a dict of gradients, one per parameter")
            missing = [k for k in self.keys if k not in grads]
            if missing:
                raise CodegenError(f"df returned no gradient for {', '.join(missing)}")
            parts = [grads[k] for k in self.keys]
        else:
            parts = list(grads)
            if len(parts) != len(self.keys):
                raise CodegenError(f"df returned {len(parts)} gradients for {len(self.keys)} arrays")
        out = []
        for key, shape, g in zip(self.keys, self.shapes, parts):
            g = np.asarray(g, dtype=complex if np.iscomplexobj(g) else float)
            if g.shape != shape:
                if g.size == int(np.prod(shape)) and g.shape == shape[::-1] and len(shape) == 2 and shape[0] != shape[1]:
                    raise CodegenError(f"the gradient for {key} has shape {g.shape} but {key} is {shape}: "
                                       "it looks transposed")
                if g.size != int(np.prod(shape)):
                    raise CodegenError(f"the gradient for {key} has shape {g.shape} but {key} is {shape}")
            out.append(g.reshape(-1))
        return np.concatenate(out)

    def entry_names(self):
        names = []
        for key, shape in zip(self.keys, self.shapes):
            for idx in np.ndindex(*shape) if shape else [()]:
                names.append(f"{key}[{', '.join(map(str, idx))}]" if idx else key)
        return names

    def summaries(self, entries, sampled=False):
        """Fold per-entry results back per parameter (random-direction checks belong to none)."""
        out = []
        for g, key in enumerate(self.keys):
            lo, hi = self.offsets[g], self.offsets[g + 1]
            mine = [e for e in entries if lo <= e.input < hi]
            wrong = [e for e in mine if e.relative > e.tolerance]
            ratios = [e.claimed / e.estimate for e in wrong if abs(e.estimate) > 1e-300]
            factor = None
            if ratios and len(ratios) == len(wrong):
                r = np.array(ratios)
                if np.all(np.abs(r - np.median(r)) <= 1e-6 * np.abs(np.median(r))):
                    factor = float(np.median(r))
            out.append(ParameterSummary(key, int(hi - lo), len(mine), len(wrong), factor, sampled))
        return out


def _nice(value):
    """2, 1/2, 1/200, -1 where the ratio is such a fraction; else 6 digits."""
    from fractions import Fraction

    frac = Fraction(value).limit_denominator(10_000)
    if frac and abs(float(frac) - value) <= 1e-6 * abs(value) and abs(frac.numerator) <= 100:
        return str(frac)
    return f"{value:.6g}"
