"""gradcheck: is a claimed gradient (or Jacobian) the derivative of f?

What it does differently from torch/JAX/SciPy checkers, and why:

* steps scale with each coordinate; a cheap first estimate with its own error
  bound (quick.py: 1-4 evaluations per entry) settles most entries, and only
  the rest are refined until the estimate converges (fd.py), so a large
  offset (1e10 + |x|^2), a tiny scale (1e-6 |x|^2) or a steep function
  (sin(1000 x)) neither false-alarms nor slips;
* the tolerance is relative to each entry and follows the accuracy actually
  achieved (about 1e-14 with a complex step, 1e-9 with real differences),
  loosened only by the estimator's error, f's own resolution and the claim's
  own rounding: a 1e-6 error is caught where the estimate is good to 1e-15;
* complex-step differentiation, exact to rounding, is used where f accepts
  complex input *and* agrees with the real function (abs() does not);
* every entry is checked, at x and at random points near x, so a claim that
  agrees only at x = 1 or x = 0 (3x for x^3) is caught; for huge models
  ``sample=`` checks a random subset of entries plus random directions;
* kinks and ties are reported as "nondifferentiable", not "mismatch";
* f is never evaluated where it is not finite: steps shrink or go one-sided;
* f's working precision (float32 inside) is detected and tolerances follow it.
"""

import math
from dataclasses import dataclass, field, replace

import numpy as np

from . import precision
from . import quick
from ..errors import CodegenError
from .evaluation import Directions, Line, Target
from .fd import Partial, complex_step, partial
from .structured import Structure

STATUSES = ("ok", "mismatch", "nondifferentiable")
SAFETY = 10.0  # tolerance = SAFETY x the estimator's own error estimate (at least)
RTOL_MIN = 1e-10  # the finest relative error reported, however accurate the estimate
SETTLED = 1e-6  # a first estimate settles an entry when SAFETY x its error is below this (relative)
BELOW_RESOLUTION_ULPS = 32  # a difference this small per unit step is below f's resolution
COMPLEX_MODES = ("auto", "always", "never")
DEFAULT_DIRECTIONS = 20  # random directions checked with sample=
JITTER = 2.0**-40  # relative size of the input jitter that measures the claim's own rounding
JITTER_PAIRS = 4
JSON_POINT_SIZE = 10_000  # coordinates of a point written by to_dict()


@dataclass
class Entry:
    """One checked entry d f[output] / d x[input] at one point.

    ``step`` is the finite-difference step behind ``estimate`` (in units of
    x[input], or of t along a random direction): the imaginary step for the
    complex step, the smallest real step of a central/Richardson estimate.
    ``direction`` is set (and ``input`` is -1) for a random-direction check,
    whose ``claimed`` is the claimed gradient projected on that direction.
    """

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
    below_resolution: bool = False  # the difference is below what f's precision resolves
    step: float = math.nan
    direction: int | None = None
    kink: bool = False  # one-sided slopes disagree here (a kink, tie or jump)

    def to_dict(self):
        return {k: _json_float(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass
class Report:
    """Outcome of `gradcheck`.

    ``status`` is "ok", "mismatch" or "nondifferentiable"; ``ok`` is
    ``status == "ok"``; ``max_error`` is the largest relative error over the
    entries checked; ``worst`` the entry that decided the status.

    Each entry is decided by its own relative tolerance, ``Entry.tolerance`` =
    max(rtol, what its finite differences resolve there): the one tolerance
    every message states.  ``finest`` and ``resolution`` are the smallest and
    the largest of them over the entries that are not numerically zero (an
    error above ``resolution`` in any such entry would have been caught);
    ``zero_entries`` counts those that are (compared only to f's resolution).
    ``evals`` the number of points f was evaluated at; ``precision`` the
    precision f was found to work in; ``entries`` every entry checked.
    """

    status: str
    max_error: float
    worst: Entry | None
    points: list  # float arrays: x, then the random points
    n_entries: int
    mismatches: list = field(default_factory=list)
    nondifferentiable: list = field(default_factory=list)
    methods: dict = field(default_factory=dict)
    rtol: float = RTOL_MIN
    resolution: float = 0.0  # the loosest relative tolerance that applied (entries not numerically zero)
    finest: float = 0.0  # the finest one
    evals: int = 0
    input_names: tuple | None = None
    output_names: tuple | None = None
    parameters: list = field(default_factory=list)  # per-parameter summaries (dict/tuple input)
    entries: list = field(default_factory=list, repr=False)  # every entry checked
    precision: str = "float64"
    notes: list = field(default_factory=list)
    sample: dict | None = None  # {"entries": checked per point, "of": all per point, "directions": k}
    claim_constant: bool = False  # the claim was the same at every point (numbers, not a formula)
    zero_entries: int = 0  # entries numerically zero next to f's rounding (tolerance >= LOOSE)

    @property
    def ok(self):
        return self.status == "ok"

    def entry_name(self, e):
        out = "" if self.output_names is None else self.output_names[e.output]
        if e.direction is not None:
            return f"d{out} along random direction #{e.direction}"
        wrt = self.input_names[e.input] if self.input_names else f"x[{e.input}]"
        return f"d{out}/d{wrt}"

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
        for note in self.notes:
            text += f"\nnote: {note}"
        if self.parameters:
            text += "\n" + "\n".join(f"  {p}" for p in self.parameters)
        return text

    def _scope(self):
        npts = len(self.points)
        where = f"{npts} point{'s' if npts != 1 else ''}"
        if self.sample is None:
            return f"{self.n_entries} entries checked at {where}"
        s = self.sample
        what = (f"checked {_count(s['entries'])} of {_count(s['of'])} entries at random"
                if s["entries"] < s["of"] else f"checked all {_count(s['of'])} entries")
        if s["directions"]:
            what += f" plus {s['directions']} random direction{'s' if s['directions'] != 1 else ''}"
        return f"{what}, at each of {where}" if npts > 1 else f"{what}, at x"

    def tolerance_text(self):
        """The tolerances that decided, in words (None if every entry is numerically zero): each entry's is
        max(rtol, what its finite differences resolve), so the report states their range."""
        if not self.resolution:
            return None
        if self.resolution <= self.rtol:
            return f"tolerance {_tol(self.rtol)} (rtol) for every entry"
        span = _tol(self.finest) if _tol(self.finest) == _tol(self.resolution) else \
            f"{_tol(self.finest)} to {_tol(self.resolution)}"
        return f"tolerance {span} by entry: rtol {_tol(self.rtol)} or what its finite differences resolve, if coarser"

    def entry_tolerance_text(self, e):
        """One entry's tolerance and what set it."""
        why = "rtol" if e.tolerance <= self.rtol else (
            "what its finite differences resolve" if e.tolerance < LOOSE
            else "f's resolution: numerically zero next to f's rounding")
        return f"this entry's tolerance {_tol(e.tolerance)} ({why})"

    def _headline(self):
        methods = ", ".join(f"{k} {v}" for k, v in sorted(self.methods.items()))
        tolerances = [t for t in (self.tolerance_text(), self.zero_entries and
                                  f"{self.zero_entries} numerically zero, checked to f's resolution") if t]
        if self.status == "ok":
            return (f"gradcheck ok: {self._scope()}, max relative error {self.max_error:.2g} "
                    f"({'; '.join(tolerances + [methods])})")
        e = self.worst
        if self.status == "mismatch":
            lines = [
                (f"gradcheck MISMATCH: {self.entry_name(e)} at {self.point_text(e.point)}: "
                 f"claimed {e.claimed:.10g}, finite differences {e.estimate:.10g} "
                 f"(relative error {e.relative:.2g} > {self.entry_tolerance_text(e)})"),
                (f"{len(self.mismatches)} of {self.n_entries} entries disagree "
                 f"({'; '.join([self._scope()] + tolerances)})"),
            ]
            others = sorted({self.entry_name(m) for m in self.mismatches} - {self.entry_name(e)})
            if others:
                lines[-1] += "; also " + ", ".join(others[:8])
            if e.below_resolution:
                lines.append(f"note: this difference is below the {self.precision} resolution of f itself (f "
                             "changes by less than a few ulps over a unit step), so it may be rounding inside "
                             "the claimed formula, e.g. 1 - tanh(u)**2 at large u; derive.check compares "
                             "formulas exactly")
            return "\n".join(lines)
        return (
            f"gradcheck NONDIFFERENTIABLE: {self.entry_name(e)} at {self.point_text(e.point)}: "
            f"one-sided slopes {e.left:.6g} (left) and {e.right:.6g} (right) differ; "
            f"claimed {e.claimed:.6g}. Not a mismatch: f has a kink or tie here."
        )

    def _repr_latex_(self):
        return r"$\text{" + str(self).splitlines()[0].replace("_", r"\_").replace("#", r"\#") + "}$"

    def to_dict(self):
        named = lambda e: dict(e.to_dict(), name=self.entry_name(e))  # noqa: E731
        return {
            "status": self.status,
            "ok": self.ok,
            "max_error": _json_float(self.max_error),
            "worst": None if self.worst is None else named(self.worst),
            # a million-parameter point is no use in JSON: None beyond JSON_POINT_SIZE coordinates
            "points": [[float(v) for v in p] if len(p) <= JSON_POINT_SIZE else None for p in self.points],
            "entries_checked": self.n_entries,
            "mismatches": [named(m) for m in self.mismatches[:50]],
            "nondifferentiable": [named(m) for m in self.nondifferentiable[:50]],
            "methods": dict(self.methods),
            "rtol": self.rtol,
            # each entry's own tolerance decides it (entries[...]["tolerance"]); their range over the entries
            # that are not numerically zero, as the message states it
            "tolerance": {"finest": _json_float(self.finest), "loosest": _json_float(self.resolution)},
            "zero_entries": self.zero_entries,
            "evals": self.evals,
            "precision": self.precision,
            "sample": self.sample,
            "notes": list(self.notes),
            "parameters": [p.to_dict() for p in self.parameters],
            "message": str(self),
        }

    def dismiss(self, entries, reason):
        """This report with the mismatches `entries` withdrawn (shown to be rounding by
        a more precise check, e.g. derive's 40-digit re-evaluation), status decided again."""
        ids = {id(e) for e in entries}
        kept = [e for e in self.mismatches if id(e) not in ids]
        report = replace(self, mismatches=kept, notes=self.notes + [reason])
        return _decide(_summarize(report, [e for e in self.entries if id(e) not in ids]))

    @staticmethod
    def combine(reports):
        """One report for several independent runs (e.g. several base points)."""
        reports = list(reports)
        if not reports:
            raise CodegenError("no reports to combine")
        offset, points, entries, mism, nond, methods, notes = 0, [], [], [], [], {}, []
        for r in reports:
            shifted = {id(e): replace(e, point=e.point + offset) for e in r.entries}
            entries += shifted.values()
            mism += [shifted[id(e)] for e in r.mismatches]
            nond += [shifted[id(e)] for e in r.nondifferentiable]
            points += r.points
            for k, v in r.methods.items():
                methods[k] = methods.get(k, 0) + v
            notes += [n for n in r.notes if n not in notes]
            offset += len(r.points)
        first = reports[0]
        report = Report("ok", 0.0, None, points, len(entries), mism, nond, methods, first.rtol,
                        evals=sum(r.evals for r in reports), input_names=first.input_names,
                        output_names=first.output_names, entries=entries, precision=first.precision, notes=notes,
                        sample=first.sample, claim_constant=all(r.claim_constant for r in reports))
        return _decide(_summarize(report, entries))


LOOSE = 1e-2  # an entry whose tolerance is this loose is numerically zero next to f's rounding


def _summarize(report, entries):
    """Set max_error, resolution, zero_entries and the provisional worst from `entries`.
    Kinks, and entries numerically zero next to f's rounding (their tolerance had
    to be loosened to LOOSE or more), say nothing about relative accuracy."""
    resolved = [e for e in entries if not e.kink and e.tolerance < LOOSE]
    report.max_error = max((e.relative for e in resolved), default=0.0)
    report.resolution = max((e.tolerance for e in resolved), default=0.0)
    report.finest = min((e.tolerance for e in resolved), default=0.0)
    report.zero_entries = sum(1 for e in entries if not e.kink and not e.tolerance < LOOSE)
    report.worst = max(entries, key=lambda e: e.relative, default=None)
    return report


def _decide(report):
    """Set status and worst.  A mismatch where f is smooth outranks a kink at x (the
    claim is wrong) unless the claim is the same numbers at every point: then it is
    a claim about x alone, and at x there is no derivative to compare it with."""
    mism, nond = report.mismatches, report.nondifferentiable
    if mism and nond and report.claim_constant and all(e.point != 0 for e in mism):
        report.notes.append("the claim is the same numbers at every point, so it can only be meant for x; "
                            "at the random points nearby f's gradient differs from them, as it must next to "
                            "a kink or tie")
        mism = []
    if mism:
        report.status, report.worst = "mismatch", max(mism, key=lambda e: e.relative)
    elif nond:
        report.status, report.worst = "nondifferentiable", nond[0]
    else:
        report.status = "ok"
    return report


def gradcheck(f, df, x, *, points=3, rtol=None, seed=0, complex_step="auto", names=None, output_names=None,
              batch=False, sample=None, directions=None):
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

    ``rtol``: the finest relative error to report (default 1e-10); the
    tolerance of each entry follows the accuracy its estimate achieved and is
    never finer than this.
    ``complex_step``: "auto" uses it where f takes complex input and agrees
    with the real function; "always" trusts it (f known to be analytic, no
    kinks); "never" uses real differences only.
    ``batch``: True if f takes a (k, n) array of points and returns k values
    (or k x m); dict/tuple parameters then carry a leading axis of length k.
    "auto" tries it once and falls back to single points.
    ``sample``: check only this many entries (inputs) at each point, chosen at
    random, plus ``directions`` random directional derivatives (default 20
    with ``sample``), for models with millions of parameters.

    >>> import numpy as np, codegen
    >>> r = codegen.gradcheck(lambda v: v[0] ** 3, lambda v: np.array([3 * v[0]]), [1.0])
    >>> r.status
    'mismatch'
    """
    if complex_step not in COMPLEX_MODES:
        raise CodegenError(f"complex_step must be one of {COMPLEX_MODES}, got {complex_step!r}")
    # f is called where it may overflow or divide by zero: that is information, not a warning
    with np.errstate(all="ignore"):
        if Structure.applies(x):
            s = Structure(x)
            target = Target(lambda v: s.call(f, v), lambda v: s.flatten_gradient(s.call(df, v)), s.flat(),
                            s.entry_names(), output_names, f_many=lambda V: s.call_batch(f, V), batch=batch)
            report = _Checker(target, rtol, seed, complex_step, sample, directions).run(points)
            report.parameters = s.summaries(report.entries, sampled=report.sample is not None)
            return report
        target = Target(f, df, x, names, output_names, batch=batch)
        return _Checker(target, rtol, seed, complex_step, sample, directions).run(points)


class _Checker:
    """One gradcheck run: the points, and per point the quick and careful estimates."""

    def __init__(self, target, rtol, seed, mode, sample, directions):
        self.target, self.mode = target, mode
        self.rtol = RTOL_MIN if rtol is None else float(rtol)
        if not self.rtol > 0:
            raise CodegenError(f"rtol must be positive, got {rtol!r}")
        self.rng = np.random.default_rng(seed)
        self.n_columns = target.n if sample is None else _sample_size(sample, target.n)
        self.n_directions = _count_arg(directions, "directions") if directions is not None else (
            DEFAULT_DIRECTIONS if sample is not None else 0)
        self.sampled = sample is not None or self.n_directions > 0
        self.precision = precision.detect(target.value, target.x, target.f0, target.out_dtype, self.rng)
        self.eps = self.precision.eps

    def run(self, points):
        t = self.target
        at = [(t.x, t.f0)] + [q for q in (t.nearby(self.rng) for _ in range(int(points))) if q is not None]
        pts = [p for p, _ in at]
        per_point = [self.check_point(i, p, f0) for i, (p, f0) in enumerate(at)]
        entries = [e for c in per_point for e in c["all"]]
        mism = [e for c in per_point for e in c["mismatch"]]
        nond = [e for c in per_point for e in c["kink"]]
        methods = {}
        for e in entries:
            methods[e.method] = methods.get(e.method, 0) + 1
        claims = [c["claimed"] for c in per_point]
        report = Report(
            "ok", 0.0, None, [p.copy() for p in pts], len(entries), mism, nond, methods, self.rtol,
            evals=t.evals, input_names=t.input_names, output_names=t.output_names, entries=entries,
            precision=self.precision.name,
            notes=([self.precision.note()] if self.precision.reduced else []) + t.df_failures[:3],
            sample=None if not self.sampled else {"entries": self.n_columns * t.m, "of": t.n * t.m,
                                                  "directions": self.n_directions},
            claim_constant=len(claims) > 1 and all(np.array_equal(c, claims[0], equal_nan=True) for c in claims))
        return _decide(_summarize(report, entries))

    # -- one point ----------------------------------------------------------
    def directions_at(self):
        n = self.target.n
        cols = np.arange(n) if self.n_columns >= n else np.sort(self.rng.choice(n, self.n_columns, replace=False))
        vectors = None
        if self.n_directions:
            vectors = self.rng.normal(size=(self.n_directions, n))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return Directions(n, cols, vectors)

    def check_point(self, index, p, f0):
        t = self.target
        claimed = t.claimed(p)
        dirs = self.directions_at()
        claims = dirs.project(claimed)
        units = dirs.units(p)
        first = quick.estimate(t, p, f0, dirs, self.mode, self.eps)
        est = _Estimates.from_quick(first, dirs.k, t.m)
        floor = self._floor_scale(claimed, first.value, dirs)
        noise = np.zeros_like(claims)
        cmp = self._compare(claims, est, f0, units, floor, noise)
        settled = self._settled(cmp, est, first.smooth)
        if first.method == "central":
            # one more try at larger steps where the estimate was smooth but rounding-limited
            retry = np.nonzero(~np.all(settled, axis=1) & np.all(first.smooth, axis=1))[0]
            if retry.size:
                second = quick.refine(t, p, f0, dirs.subset(retry), first.step[retry], self.eps)
                better = np.all(second.smooth & (second.error < est.error[retry]), axis=1)
                est.take(retry[better], second, better)
                cmp = self._compare(claims, est, f0, units, floor, noise)
                settled[retry[better]] = self._settled(cmp, est, second.smooth[better], retry[better])
        # whatever is still unsettled (kinks, domain edges, steep or noisy f, disagreements): the ladder
        for i in np.nonzero(~np.all(settled, axis=1))[0]:
            est.update(i, self._careful(p, f0, dirs, i, units[i]))
        cmp = self._compare(claims, est, f0, units, floor, noise)
        if not np.all(cmp["passes"] | est.kink):
            # before calling anything a mismatch, measure the claim's own rounding
            noise = dirs.project_abs(self._claim_noise(p, claimed))
            cmp = self._compare(claims, est, f0, units, floor, noise)
        return self._entries(index, dirs, claims, est, cmp, units, f0) | {"claimed": claimed}

    @staticmethod
    def _settled(cmp, est, smooth, rows=slice(None)):
        """A first estimate settles an entry: smooth, agreeing, and accurate to SETTLED
        (or to f's own resolution, which no estimator can beat)."""
        good = SAFETY * est.error[rows] <= np.maximum(SETTLED * cmp["scale"][rows], cmp["resolution"][rows])
        return cmp["passes"][rows] & smooth & good

    def _floor_scale(self, claimed, values, dirs):
        """Per direction and output, the size below which an entry counts as zero:
        1e-3 of the largest entry of its row (so exact zeros next to big entries
        compare sensibly without one row masking another)."""
        finite = np.where(np.isfinite(claimed), np.abs(claimed), 0.0)
        row_max = np.max(finite, axis=1)
        if dirs.n_columns:
            est = np.abs(values[: dirs.n_columns])
            row_max = np.maximum(row_max, np.max(np.where(np.isfinite(est), est, 0.0), axis=0))
        row_norm = np.sqrt(np.sum(finite**2, axis=1))
        kinds = np.arange(dirs.k) < dirs.n_columns
        return 1e-3 * np.where(kinds[:, None], row_max[None, :], row_norm[None, :])

    def _compare(self, claims, est, f0, units, floor, noise):
        with np.errstate(all="ignore"):
            d = est.value
            c_abs = np.where(np.isfinite(claims), np.abs(claims), 0.0)
            scale = np.maximum.reduce([np.abs(np.nan_to_num(d)), c_abs, floor,
                                       np.full_like(d, np.finfo(float).tiny)])
            # a difference below one ulp of f per unit step cannot show in f at all
            resolution = self.eps * np.abs(f0)[None, :] / units[:, None]
            tol = np.maximum(self.rtol, (SAFETY * (est.error + noise) + resolution) / scale)
            diff = np.where(np.isfinite(claims), np.abs(claims - d), np.inf)
            rel = diff / scale
            passes = rel <= tol
        return {"scale": scale, "tol": tol, "diff": diff, "rel": rel, "passes": passes, "resolution": resolution}

    def _entries(self, index, dirs, claims, est, cmp, units, f0):
        result = {"mismatch": [], "kink": [], "all": []}
        n_cols = dirs.n_columns
        tiny = cmp["diff"] * units[:, None] <= BELOW_RESOLUTION_ULPS * self.eps * np.abs(f0)[None, :]
        for i in range(dirs.k):
            column = i < n_cols
            for o in range(self.target.m):
                entry = Entry(index, o, int(dirs.columns[i]) if column else -1, float(claims[i, o]),
                              float(est.value[i, o]), float(cmp["diff"][i, o]), float(cmp["rel"][i, o]),
                              float(cmp["tol"][i, o]), est.method[i], float(est.left[i, o]),
                              float(est.right[i, o]), bool(tiny[i, o]), float(est.step[i, o]),
                              None if column else i - n_cols, bool(est.kink[i, o]))
                result["all"].append(entry)
                if est.kink[i, o]:
                    if index == 0:  # at a random point a kink is a coincidence: skip it
                        result["kink"].append(entry)
                    continue
                if not cmp["passes"][i, o]:
                    result["mismatch"].append(entry)
        return result

    # -- the careful path (fd.py) ---------------------------------------------
    def _careful(self, p, f0, dirs, i, unit):
        """Best estimate along direction i at p (a `Partial`)."""
        line = Line(self.target, p, dirs, i)
        cs = complex_step(line, unit, self.eps) if self.mode != "never" else None
        m = self.target.m
        if cs is not None and self.mode == "always":
            # f is known to be analytic (e.g. derive's own kernels): the complex step alone is exact
            value, err, step = cs
            nan = np.full(m, np.nan)
            return Partial(value, err, np.zeros(m, bool), nan, nan, "complex-step", 2, np.full(m, step))
        est = partial(line, unit, f0, self.eps)
        if cs is None or est.method != "central":
            return est
        value, err, step = cs
        # Keep the complex step only where the implementation is analytic
        # (abs() is not): it agrees with the real estimate, or difference
        # quotients along a real and an imaginary step agree.  The second test
        # rescues functions whose float implementation is noisier than
        # eps*|f| (log(1 + tiny)), where the real estimate is confidently off.
        with np.errstate(invalid="ignore"):
            agree = np.abs(value - est.value) <= SAFETY * (est.error + err)
        if not np.all(agree):
            agree = agree | self._analytic_along(line, unit, est.value)
        use = agree & ~est.kink
        if not np.any(use):
            return est
        return replace(est, value=np.where(use, value, est.value), error=np.where(use, err, est.error),
                       method="complex-step" if np.all(use) else "central", step=np.where(use, step, est.step))

    def _analytic_along(self, line, unit, real_estimate):
        """Per output: is f analytic along the line here, so the complex step can be trusted?

        For an analytic f the real and imaginary difference quotients differ
        by (third derivative) h^2 / 3, which shrinks 4-fold when h halves; for
        abs() or x*abs(x) evaluated on complex numbers the gap does not shrink.
        """
        m = self.target.m
        gaps, noise = [], None
        for delta in (unit * 2.0**-10, unit * 2.0**-11):
            plus, h_plus = line(delta)
            minus, h_minus = line(-delta)
            cplx = [line.complex(delta), line.complex(-delta)]
            if plus is None or minus is None or any(v is None for v in cplx):
                return np.zeros(m, bool)
            with np.errstate(all="ignore"):
                d_real = (plus - minus) / (h_plus - h_minus)
                d_imag = ((cplx[0] - cplx[1]) / (2j * delta)).real
            gaps.append(np.abs(d_real - d_imag))
            noise = 16 * self.eps * np.maximum(np.abs(plus), np.abs(minus)) / delta
        size = np.maximum(np.abs(real_estimate), 1e-300)
        shrinking = gaps[1] <= 0.35 * gaps[0] + noise
        negligible = gaps[1] <= 1e-12 * size + noise
        return shrinking | negligible

    def _claim_noise(self, p, claimed):
        """The claim's own rounding, per entry: second differences of df over
        pairs of points 2^-40 (relative) apart, where the exact change is ~1e-24
        and what is left is how the claimed formula rounds (a cancellation like
        w * (-1/w**2) + 1/w shows up here)."""
        scale = np.maximum(np.abs(p), 1.0)
        worst = np.zeros_like(claimed)
        for _ in range(JITTER_PAIRS):
            delta = JITTER * scale * self.rng.uniform(0.5, 1.0, p.size) * self.rng.choice([-1.0, 1.0], p.size)
            second = self.target.claimed(p + delta) + self.target.claimed(p - delta) - 2 * claimed
            worst = np.maximum(worst, np.where(np.isfinite(second), np.abs(second) / 2, 0.0))
        return worst


@dataclass
class _Estimates:
    """Current best estimate per direction (k) and output (m); quick, then careful."""

    value: np.ndarray
    error: np.ndarray
    kink: np.ndarray
    left: np.ndarray
    right: np.ndarray
    step: np.ndarray
    method: list

    @classmethod
    def from_quick(cls, q, k, m):
        nan = np.full((k, m), np.nan)
        return cls(q.value.copy(), q.error.copy(), np.zeros((k, m), bool), nan, nan.copy(),
                   np.repeat(q.step[:, None], m, axis=1), [q.method] * k)

    def take(self, rows, q, mask):
        """Quick estimates `q` (for a subset of directions; `mask` picks the ones to use) at `rows`."""
        self.value[rows], self.error[rows] = q.value[mask], q.error[mask]
        self.step[rows] = q.step[mask][:, None]

    def update(self, i, part):
        self.value[i], self.error[i], self.kink[i] = part.value, part.error, part.kink
        self.left[i], self.right[i], self.step[i] = part.left, part.right, part.step
        self.method[i] = part.method


def _sample_size(sample, n):
    if isinstance(sample, float) and 0 < sample <= 1:
        return max(1, min(n, round(sample * n)))
    return min(n, _count_arg(sample, "sample", minimum=1))


def _count_arg(value, name, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise CodegenError(f"{name} must be an integer >= {minimum}" + (" or a fraction in (0, 1]"
                                                                        if name == "sample" else "")
                           + f", got {value!r}")
    return int(value)


def _count(n):
    """10^6 for a power of ten from 10^4 up; the plain number otherwise."""
    k = round(math.log10(n)) if n > 0 else 0
    return f"10^{k}" if n >= 10**4 and 10**k == n else str(n)


def _tol(v):
    """A tolerance as every message prints it (one format, so the same number reads the same)."""
    return f"{v:.2g}"


def _json_float(v):
    if v is None:
        return None
    v = float(v)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
