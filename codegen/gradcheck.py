"""gradcheck: is a claimed gradient (or Jacobian) the derivative of f?

What it does differently from torch/JAX/SciPy checkers, and why:

* steps scale with each coordinate and are refined until the estimate
  converges (fd.py), so a large offset (1e10 + |x|^2), a tiny scale
  (1e-6 |x|^2) or a steep function (sin(1000 x)) neither false-alarms nor slips;
* the tolerance is relative to each entry, floored only by the estimator's own
  error estimate: a 50 % error in a gradient of size 1e-6 is caught;
* complex-step differentiation, exact to rounding, is used where f accepts
  complex input *and* agrees with the real estimate (abs() does not);
* every entry is checked, at x and at random points near x, so a claim that
  agrees only at x = 1 or x = 0 (3x for x^3) is caught;
* kinks and ties are reported as "nondifferentiable", not "mismatch";
* f is never evaluated where it is not finite: steps shrink or go one-sided.
"""

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import CodegenError
from .fd import EPS, Partial, complex_step, partial
from .structured import Structure

STATUSES = ("ok", "mismatch", "nondifferentiable")
SAFETY = 10.0  # tolerance = SAFETY x the estimator's own error estimate (at least)
BELOW_RESOLUTION_ULPS = 32  # a difference this small per unit step is below f's float64 resolution
COMPLEX_MODES = ("auto", "always", "never")


@dataclass
class Entry:
    """One checked entry d f[output] / d x[input] at one point."""

    point: int
    output: int
    input: int
    claimed: float
    estimate: float
    error: float  # |claimed - estimate|
    relative: float  # error / scale of the entry
    tolerance: float  # relative tolerance that applied
    method: str
    left: float = math.nan
    right: float = math.nan
    below_resolution: bool = False  # the difference is below what float64 resolves of f

    def to_dict(self):
        return {k: _json_float(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass
class Report:
    """Outcome of `gradcheck`.

    ``status`` is "ok", "mismatch" or "nondifferentiable"; ``ok`` is
    ``status == "ok"``; ``max_error`` is the largest relative error over the
    entries checked; ``worst`` the entry that decided the status.
    """

    status: str
    max_error: float
    worst: Entry | None
    points: list
    n_entries: int
    mismatches: list = field(default_factory=list)
    nondifferentiable: list = field(default_factory=list)
    methods: dict = field(default_factory=dict)
    rtol: float = 1e-6
    resolution: float = 0.0  # the finest relative error this run could detect
    evals: int = 0
    input_names: tuple | None = None
    output_names: tuple | None = None
    parameters: list = field(default_factory=list)  # per-parameter summaries (dict/tuple input)
    entries: list = field(default_factory=list, repr=False)  # every entry checked

    @property
    def ok(self):
        return self.status == "ok"

    def entry_name(self, e):
        wrt = self.input_names[e.input] if self.input_names else f"x[{e.input}]"
        if self.output_names is None:
            return f"d/d{wrt}"
        return f"d{self.output_names[e.output]}/d{wrt}"

    def point_text(self, index):
        p = self.points[index]
        names = self.input_names or [f"x[{i}]" for i in range(len(p))]
        shown = ", ".join(f"{n}={v:.6g}" for n, v in list(zip(names, p))[:6])
        if len(p) > 6:
            shown += f", ... ({len(p)} coordinates)"
        where = "x" if index == 0 else f"random point #{index}"
        return f"{where} ({shown})"

    def __str__(self):
        text = self._headline()
        if self.parameters:
            text += "\n" + "\n".join(f"  {p}" for p in self.parameters)
        return text

    def _headline(self):
        methods = ", ".join(f"{k} {v}" for k, v in sorted(self.methods.items()))
        npts = len(self.points)
        head = f"{self.n_entries} entries checked at {npts} point{'s' if npts != 1 else ''}"
        if self.status == "ok":
            return (
                f"gradcheck ok: {head}, max relative error {self.max_error:.2g} "
                f"(detection floor {max(self.resolution, self.rtol):.1g}; {methods})"
            )
        e = self.worst
        if self.status == "mismatch":
            lines = [
                f"gradcheck MISMATCH: {self.entry_name(e)} at {self.point_text(e.point)}: "
                f"claimed {e.claimed:.10g}, finite differences {e.estimate:.10g} "
                f"(relative error {e.relative:.2g} > tolerance {e.tolerance:.1g})",
                f"{len(self.mismatches)} of {self.n_entries} entries disagree",
            ]
            others = sorted({self.entry_name(m) for m in self.mismatches} - {self.entry_name(e)})
            if others:
                lines[-1] += "; also " + ", ".join(others[:8])
            if e.below_resolution:
                lines.append("note: this difference is below the float64 resolution of f itself (f changes by less "
                             "than a few ulps over a unit step), so it may be rounding inside the claimed formula, "
                             "e.g. 1 - tanh(u)**2 at large u; derive.check compares formulas exactly")
            return "\n".join(lines)
        return (
            f"gradcheck NONDIFFERENTIABLE: {self.entry_name(e)} at {self.point_text(e.point)}: "
            f"one-sided slopes {e.left:.6g} (left) and {e.right:.6g} (right) differ; "
            f"claimed {e.claimed:.6g}. Not a mismatch: f has a kink or tie here."
        )

    def _repr_latex_(self):
        return r"$\text{" + str(self).splitlines()[0].replace("_", r"\_").replace("#", r"\#") + "}$"

    def to_dict(self):
        return {
            "status": self.status,
            "ok": self.ok,
            "max_error": _json_float(self.max_error),
            "worst": None if self.worst is None else dict(self.worst.to_dict(), name=self.entry_name(self.worst)),
            "points": [[float(v) for v in p] for p in self.points],
            "entries_checked": self.n_entries,
            "mismatches": [dict(m.to_dict(), name=self.entry_name(m)) for m in self.mismatches[:50]],
            "nondifferentiable": [dict(m.to_dict(), name=self.entry_name(m)) for m in self.nondifferentiable[:50]],
            "methods": dict(self.methods),
            "rtol": self.rtol,
            "resolution": _json_float(self.resolution),
            "evals": self.evals,
            "parameters": [p.to_dict() for p in self.parameters],
            "message": str(self),
        }

    @staticmethod
    def combine(reports):
        """One report for several independent runs (e.g. several base points)."""
        reports = list(reports)
        if not reports:
            raise CodegenError("no reports to combine")
        offset, points, entries, mism, nond, methods = 0, [], 0, [], [], {}
        for r in reports:
            mism += [replace(e, point=e.point + offset) for e in r.mismatches]
            nond += [replace(e, point=e.point + offset) for e in r.nondifferentiable]
            points += r.points
            entries += r.n_entries
            for k, v in r.methods.items():
                methods[k] = methods.get(k, 0) + v
            offset += len(r.points)
        first = reports[0]
        return _finish(points, entries, mism, nond, max(r.max_error for r in reports), methods,
                       first.rtol, max(r.resolution for r in reports), sum(r.evals for r in reports),
                       first.input_names, first.output_names, _worst_ok(reports))


def _worst_ok(reports):
    best = None
    for r in reports:
        if r.worst is not None and (best is None or r.worst.relative > best.relative):
            best = r.worst
    return best


def gradcheck(f, df, x, *, points=3, rtol=1e-6, seed=0, complex_step="auto", names=None, output_names=None):
    """Check that ``df`` is the derivative of ``f`` by finite differences.

    ``f`` maps a float64 vector of length n to a scalar or a vector of length
    m; ``df`` returns the claimed gradient (n entries) or Jacobian (m x n,
    row i = gradient of output i).  A scalar ``x`` means f and df take and
    return scalars.  Checks every entry at ``x`` and at ``points`` random
    points near x.  Returns a `Report`.

    ``x`` may also be a dict name -> array (f(params) -> scalar, df(params) ->
    dict of gradients) or a tuple of arrays (f(*arrays), df(*arrays) -> tuple):
    the report then names the parameter and entry (``W2[1, 0]``) and, per
    parameter, the common factor of the wrong entries (``Report.parameters``).

    ``complex_step``: "auto" uses it where f takes complex input and agrees
    with the real estimate; "always" trusts it (f known to be analytic, no
    kinks); "never" uses real differences only.

    >>> import numpy as np, codegen
    >>> r = codegen.gradcheck(lambda v: v[0] ** 3, lambda v: np.array([3 * v[0]]), [1.0])
    >>> r.status
    'mismatch'
    """
    if complex_step not in COMPLEX_MODES:
        raise CodegenError(f"complex_step must be one of {COMPLEX_MODES}, got {complex_step!r}")
    if Structure.applies(x):
        s = Structure(x)
        report = gradcheck(lambda v: s.call(f, v), lambda v: s.flatten_gradient(s.call(df, v)), s.flat(),
                           points=points, rtol=rtol, seed=seed, complex_step=complex_step,
                           names=s.entry_names(), output_names=output_names)
        report.parameters = s.summaries(report.entries)
        return report
    problem = _Problem(f, df, x, names, output_names)
    rng = np.random.default_rng(seed)
    pts = [problem.x] + [p for p in (problem.nearby(rng) for _ in range(points)) if p is not None]
    collected = [problem.check_point(i, p, rtol, complex_step) for i, p in enumerate(pts)]
    mism = [e for c in collected for e in c["mismatch"]]
    nond = [e for c in collected for e in c["kink"]]
    entries = [e for c in collected for e in c["all"]]
    methods = {}
    for e in entries:
        methods[e.method] = methods.get(e.method, 0) + 1
    # entries whose tolerance had to be loosened (numerically zero next to f's
    # rounding) say nothing about relative accuracy: leave them out of max_error
    resolved = [e for e in entries if e not in nond and e.tolerance <= 10 * rtol]
    max_error = max((e.relative for e in resolved), default=0.0)
    resolution = max((c["resolution"] for c in collected), default=0.0)
    worst = max(entries, key=lambda e: e.relative, default=None)
    report = _finish([p.tolist() for p in pts], len(entries), mism, nond, max_error, methods, rtol, resolution,
                     problem.evals, problem.input_names, problem.output_names, worst)
    report.entries = entries
    return report


def _finish(points, n, mism, nond, max_error, methods, rtol, resolution, evals, in_names, out_names, worst):
    # A mismatch anywhere (smooth region) outranks a kink at x: the claim is wrong.
    if mism:
        status, worst = "mismatch", max(mism, key=lambda e: e.relative)
    elif nond:
        status, worst = "nondifferentiable", nond[0]
    else:
        status = "ok"
    return Report(status, max_error, worst, points, n, mism, nond, methods, rtol, resolution, evals,
                  in_names, out_names)


class _Problem:
    """f, df and x normalized to vectors, with evaluation bookkeeping."""

    def __init__(self, f, df, x, names, output_names):
        if not callable(f) or not callable(df):
            raise CodegenError("gradcheck(f, df, x): f and df must be callables")
        self.scalar_input = np.ndim(x) == 0
        try:
            self.x = np.array(x, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise CodegenError(f"x must be a number or a vector of numbers, got {x!r}") from None
        if self.x.size == 0:
            raise CodegenError("x is empty")
        if not np.all(np.isfinite(self.x)):
            raise CodegenError("x contains NaN or infinity")
        self.f, self.df = f, df
        self.n = self.x.size
        self.evals = 0
        f0 = self._call(f, self.x)
        if f0 is None:
            raise CodegenError("f(x) raised an arithmetic error at the given x")
        f0 = np.asarray(f0)
        self.scalar_output = f0.ndim == 0 or f0.size == 1 and f0.ndim <= 1 and output_names is None
        self.m = int(f0.size)
        if not np.all(np.isfinite(f0)):
            raise CodegenError("f(x) is not finite at the given x; choose a point inside f's domain")
        self.input_names = tuple(names) if names is not None else None
        if self.input_names is not None and len(self.input_names) != self.n:
            raise CodegenError(f"names has {len(self.input_names)} entries but x has {self.n}")
        self.output_names = tuple(output_names) if output_names is not None else (
            None if self.scalar_output else tuple(f"f[{i}]" for i in range(self.m)))

    def _call(self, fn, v):
        arg = v[0] if self.scalar_input else v
        try:
            with np.errstate(all="ignore"):
                return fn(arg)
        except CodegenError:
            raise  # our own complaint about shapes, not an arithmetic failure of f
        except (ArithmeticError, ValueError):
            return None

    def fun(self, v):
        """f as a 1-D float array, or None where it is not finite."""
        self.evals += 1
        out = self._call(self.f, v)
        if out is None:
            return None
        out = np.asarray(out)
        if np.iscomplexobj(out):
            out = out.real
        out = out.astype(float).reshape(-1)
        if out.size != self.m:
            raise CodegenError(f"f returned {out.size} values at one point and {self.m} at x")
        return out if np.all(np.isfinite(out)) else None

    def fun_complex(self, z):
        self.evals += 1
        arg = z[0] if self.scalar_input else z
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # math.* on complex warns, then drops Im
                out = np.asarray(self.f(arg))
        except Exception:  # noqa: BLE001 - any failure just means "no complex step"
            return None
        if not np.iscomplexobj(out) or out.size != self.m:
            return None
        out = out.reshape(-1)
        return out if np.all(np.isfinite(out)) else None

    def claimed(self, v):
        try:
            out = self._call(self.df, v)
        except CodegenError:
            raise
        except Exception as exc:
            raise CodegenError(f"df raised {type(exc).__name__}: {exc}") from None
        if out is None:
            return np.full((self.m, self.n), np.nan)
        out = np.asarray(out)
        if np.iscomplexobj(out):
            if np.any(out.imag != 0):
                raise CodegenError("df returned complex values; a derivative of a real function is real")
            out = out.real
        try:
            out = out.astype(float)
        except (TypeError, ValueError):
            raise CodegenError(f"df returned {out.dtype} values, not numbers") from None
        m, n = self.m, self.n
        if out.size != m * n:
            raise CodegenError(
                f"df returned shape {out.shape}; expected {n} entries (gradient)"
                if m == 1 else f"df returned shape {out.shape}; expected a {m} x {n} Jacobian"
            )
        if m > 1 and n > 1 and out.shape == (n, m) and m != n:
            raise CodegenError(
                f"df returned shape {out.shape}; expected a {m} x {n} Jacobian (row i = gradient of "
                "output i). It looks transposed."
            )
        return out.reshape(m, n)

    def nearby(self, rng):
        """A random point near x where f is finite (None if none is found)."""
        radius = 0.25 * np.maximum(np.abs(self.x), 1.0)
        u = rng.uniform(0.2, 1.0, self.n) * rng.choice([-1.0, 1.0], self.n)
        for _ in range(40):
            p = self.x + radius * u
            if self.fun(p) is not None:
                return p
            u = u / 2
        return None

    def check_point(self, index, p, rtol, complex_mode):
        f0 = self.fun(p)
        if f0 is None:
            raise CodegenError("f is not finite at a checked point")
        claimed = self.claimed(p)
        estimates = [self._estimate(p, j, f0, complex_mode) for j in range(self.n)]
        # scale of each output's gradient (a row of the Jacobian), so exact zeros
        # next to big entries compare sensibly without one row masking another
        finite_claims = np.where(np.isfinite(claimed), np.abs(claimed), 0.0)
        row_max = np.maximum(np.max(np.abs(np.array([e.value for e in estimates])), axis=0),
                             np.max(finite_claims, axis=1))
        result = {"mismatch": [], "kink": [], "all": [], "resolution": 0.0}
        with np.errstate(all="ignore"):  # tolerances of numerically-zero entries overflow to inf: fine
            self._compare(index, p, f0, claimed, estimates, row_max, rtol, result)
        return result

    def _compare(self, index, p, f0, claimed, estimates, row_max, rtol, result):
        for j, est in enumerate(estimates):
            unit = max(abs(p[j]), 1.0)
            for i in range(self.m):
                c, d = claimed[i, j], est.value[i]
                scale = max(abs(d), abs(c) if np.isfinite(c) else 0.0, 1e-3 * row_max[i], np.finfo(float).tiny)
                # a difference below one ulp of f per unit step cannot show in f at all
                floor = EPS * abs(f0[i]) / unit
                tol = max(rtol, (SAFETY * est.error[i] + floor) / scale)
                diff = abs(c - d) if np.isfinite(c) else math.inf
                rel = diff / scale
                tiny = diff * unit <= BELOW_RESOLUTION_ULPS * EPS * abs(f0[i])
                entry = Entry(index, i, j, float(c), float(d), float(diff), float(rel), float(tol), est.method,
                              float(est.left[i]), float(est.right[i]), bool(tiny))
                result["all"].append(entry)
                if est.kink[i]:
                    if index == 0:
                        result["kink"].append(entry)
                    continue  # at a random point a kink is a coincidence: skip the entry
                result["resolution"] = max(result["resolution"], tol if np.isfinite(tol) else 0.0)
                if not rel <= tol:
                    result["mismatch"].append(entry)

    def _estimate(self, p, j, f0, complex_mode):
        """Best estimate of column j of the Jacobian at p (a `Partial`)."""
        cs = complex_step(self.fun_complex, p, j) if complex_mode != "never" else None
        if cs is not None and complex_mode == "always":
            # f is known to be analytic (e.g. derive's own kernels): the complex
            # step alone is exact.
            value, err = cs
            nan = np.full(self.m, np.nan)
            return Partial(value, err, np.zeros(self.m, bool), nan, nan, "complex-step", 1)
        est = partial(self.fun, p, j, f0)
        if cs is None or est.method != "central":
            return est
        value, err = cs
        # Keep the complex step only where the implementation is analytic
        # (abs() is not): it agrees with the real estimate, or difference
        # quotients along a real and an imaginary step agree.  The second test
        # rescues functions whose float implementation is noisier than
        # eps*|f| (log(1 + tiny)), where the real estimate is confidently off.
        agree = np.abs(value - est.value) <= SAFETY * (est.error + err)
        if not np.all(agree):
            agree = agree | self._analytic_along(p, j, est.value)
        use = agree & ~est.kink
        if not np.any(use):
            return est
        return replace(est, value=np.where(use, value, est.value), error=np.where(use, err, est.error),
                       method="complex-step" if np.all(use) else "central")

    def _analytic_along(self, p, j, real_estimate):
        """Per output: is f analytic along x_j here, so the complex step can be trusted?

        For an analytic f the real and imaginary difference quotients differ
        by (third derivative) h^2 / 3, which shrinks 4-fold when h halves; for
        abs() or x*abs(x) evaluated on complex numbers the gap does not shrink.
        """
        scale = max(abs(p[j]), 1.0)
        gaps, noise = [], None
        for delta in (scale * 2.0**-10, scale * 2.0**-11):
            step = np.zeros(self.n)
            step[j] = delta
            real = [self.fun(p + step), self.fun(p - step)]
            cplx = [self.fun_complex(p + 1j * step), self.fun_complex(p - 1j * step)]
            if any(v is None for v in real + cplx):
                return np.zeros(self.m, bool)
            d_real = (real[0] - real[1]) / (2 * delta)
            d_imag = ((cplx[0] - cplx[1]) / (2j * delta)).real
            gaps.append(np.abs(d_real - d_imag))
            noise = 16 * EPS * np.maximum(np.abs(real[0]), np.abs(real[1])) / delta
        size = np.maximum(np.abs(real_estimate), 1e-300)
        shrinking = gaps[1] <= 0.35 * gaps[0] + noise
        negligible = gaps[1] <= 1e-12 * size + noise
        return shrinking | negligible


def _json_float(v):
    if v is None:
        return None
    v = float(v)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
