"""Every derivative derive returns is checked numerically first.

The function and its claimed derivative are compiled to NumPy kernels (which
also validates the code printer), random points inside the domain are drawn
(respecting each symbol's assumptions), and `codegen.gradcheck` compares the
derivative with finite differences there, entry by entry.  A disagreement is
re-examined in 40-digit arithmetic before it is reported, so rounding in the
float64 kernels (1 - tanh(x)^2 at large x, or w*(-1/w**2) + 1/w = -4.4e-16
where the derivative is 0) cannot raise a false alarm: a point whose float64
disagreements 40 digits refute counts as checked.

Kernels are built once per expression list (a Hessian's check reuses the
gradient's kernel) and evaluated in batches (they broadcast like ufuncs).
"""

from collections import OrderedDict

import mpmath
import numpy as np
import sympy
from sympy import Float, Symbol

import codegen

from ..errors import DeriveError, ValidationError
from ..text.functions import is_analytic

MAX_TRIES = 80
CONFIRM_AT_MOST = 8  # mismatching entries re-examined in 40 digits per point
KERNELS_KEPT = 32
_SCALES = (1.0, 1.0, 0.5, 2.0, 0.1, 5.0, 0.02, 10.0, 50.0, 0.003, 200.0, 1000.0)


def check_at(functions, wrt, claimed, point, *, output_names=None, nearby=3):
    """Finite-difference check of `claimed` against `functions` at exactly one
    point (and `nearby` random points around it): `point` maps every symbol to
    a number; those not in `wrt` are held fixed.  Returns a `codegen.Report`
    (a mismatch is reported, not raised)."""
    fixed = {s: v for s, v in point.items() if s not in wrt}
    try:
        fk = _kernel(functions.subs(fixed), list(wrt))
        dk = _kernel(claimed.subs(fixed), list(wrt))
        m, n = claimed.shape
        return codegen.gradcheck(_batched(fk, ()), lambda v: dk(*v).reshape(m, n),
                                 [float(point[w]) for w in wrt], names=[w.name for w in wrt],
                                 output_names=output_names, points=nearby, batch=True)
    except codegen.CodegenError as exc:
        raise DeriveError(f"cannot check at this point: {exc}") from None


def validate(functions, wrt, claimed, *, points=3, seed=0, what="derivative", raise_on_mismatch=True):
    """Check `claimed` (m x n Matrix) against `functions` (m-vector Matrix) by
    finite differences in `wrt`.  Returns a `codegen.Report`; raises
    `ValidationError` naming the entry when the check fails (unless
    `raise_on_mismatch` is false: then the failing report is returned)."""
    functions = sympy.Matrix(functions)
    params = sorted((functions.free_symbols | claimed.free_symbols) - set(wrt), key=lambda s: s.name)
    params = [p for p in params if isinstance(p, Symbol)]
    args = list(wrt) + params
    try:
        fk = _kernel(functions, args)
        dk = _kernel(claimed, args)
    except codegen.CodegenError as exc:
        raise DeriveError(f"cannot evaluate the {what} numerically to validate it: {exc}") from None
    mode = "always" if is_analytic(functions) else "auto"
    m, n = claimed.shape
    scalar = m == 1
    out_names = None if scalar else tuple(f"F{i}" for i in range(m))
    rng = np.random.default_rng(seed)
    reports, tries = [], 0
    while len(reports) < points and tries < MAX_TRIES:
        values = _draw(args, rng, tries)
        tries += 1
        if not _finite(fk, dk, values):
            continue
        x, fixed = values[: len(wrt)], values[len(wrt):]

        def df(v, fixed=fixed):
            return dk(*v, *fixed).reshape(m, n)

        try:
            report = codegen.gradcheck(_batched(fk, fixed), df, x, points=1, seed=seed + tries, complex_step=mode,
                                       names=[s.name for s in wrt], output_names=out_names, batch=True)
        except codegen.CodegenError:
            continue  # the random neighbour left the domain: draw another point
        if report.status == "mismatch":
            report = _recheck(report, functions, claimed, wrt, params, fixed)
            if report is None:
                continue  # many float64 disagreements, those examined all rounding: draw another point
        if report.status == "nondifferentiable":
            continue  # landed on a kink by chance
        reports.append(report)
        if report.status == "mismatch":
            break
    if not reports:
        raise ValidationError(
            f"could not validate the {what}: found no points where the function and its derivative "
            f"are finite and differentiable (tried {tries}); pass validate=False to skip"
        )
    report = codegen.Report.combine(reports)
    if report.status == "mismatch" and raise_on_mismatch:
        e = report.worst
        entry = f"entry [{e.output}, {e.input}]" if not scalar else f"entry {e.input}"
        raise ValidationError(
            f"the {what} failed numeric validation at {entry} ({report.entry_name(e)}): symbolic value "
            f"{e.claimed:.10g}, finite differences {e.estimate:.10g} at {report.point_text(e.point)}; "
            "confirmed in 40-digit arithmetic. The symbolic result is wrong; please report this.",
            report,
        )
    return report


def validate_all(cases, *, points=3, seed=0):
    """`validate` each case (functions, wrt, claimed, what, where) in turn: one numeric check of
    a derivative's several pieces (a Hessian and the gradient it comes from; an index-notation
    result at each instance).  `where` (text, or None) is put before the message of a mismatch,
    saying which piece failed.  Returns the reports, in order."""
    reports = []
    for functions, wrt, claimed, what, where in cases:
        try:
            reports.append(validate(functions, wrt, claimed, points=points, seed=seed, what=what))
        except ValidationError as exc:
            if where is None:
                raise
            raise ValidationError(f"{where}{exc}", getattr(exc, "report", None)) from None
    return reports


def _draw(args, rng, attempt):
    """Random argument values; the scale and sign pattern vary with `attempt`
    so that domains like x > 0 or x > 100 are found within a few tries."""
    scale = _SCALES[attempt % len(_SCALES)]
    positive_only = attempt % 2 == 1  # half the tries stay positive (log, sqrt domains)
    values = []
    for s in args:
        magnitude = scale * rng.uniform(0.3, 1.5)
        if s.is_integer:
            values.append(float(rng.integers(1, 6)))
        elif s.is_negative:
            values.append(-magnitude)
        elif s.is_nonnegative or positive_only:
            values.append(magnitude)
        else:
            values.append(magnitude * rng.choice([-1.0, 1.0]))
    return values


def _finite(fk, dk, values):
    with np.errstate(all="ignore"):
        return bool(np.all(np.isfinite(fk(*values))) and np.all(np.isfinite(dk(*values))))


def _kernel(exprs, args, _kept=OrderedDict()):  # noqa: B006 - the cache is the point
    """A NumPy kernel of `exprs` (flattened) in `args`, built once per expression list."""
    flat = tuple(sympy.Matrix(exprs))
    key = (flat, tuple(args))
    if key not in _kept:
        _kept[key] = codegen.kernel(sympy.Matrix(flat), list(args), backend="numpy")
        if len(_kept) > KERNELS_KEPT:
            _kept.popitem(last=False)
    _kept.move_to_end(key)
    return _kept[key]


def _batched(kernel, fixed):
    """f for gradcheck(batch=True): one point (n,) -> its outputs; k points (k, n) -> (k, m)."""
    def f(v):
        v = np.asarray(v)
        return kernel(*np.moveaxis(v, -1, 0), *fixed).reshape(v.shape[:-1] + (-1,))
    return f


def _recheck(report, functions, claimed, wrt, params, fixed):
    """Re-examine mismatching entries, worst first, in 40-digit arithmetic until one
    is confirmed.  Refuted ones are withdrawn from the report (a point where all
    are refuted counts as checked); None if too many to re-examine were refuted."""
    refuted = []
    for e in sorted(report.mismatches, key=lambda e: -e.relative):
        if _confirmed(e, report, functions, claimed, wrt, params, fixed):
            break
        refuted.append(e)
        if len(refuted) == CONFIRM_AT_MOST:
            return None if len(refuted) < len(report.mismatches) else _dismiss(report, refuted)
    return _dismiss(report, refuted) if refuted else report


def _dismiss(report, refuted):
    return report.dismiss(refuted, f"{len(refuted)} float64 disagreement(s) were rounding: 40-digit "
                                   "arithmetic agrees with the claim there")


def _confirmed(e, report, functions, claimed, wrt, params, fixed, digits=40):
    """Re-evaluate mismatching entry `e` with `digits`-digit arithmetic: True if real.

    Both sides are compared relative to their size *and* to the resolution
    that matters at this point: a difference far below f's own magnitude per
    unit step (1e-25 of it) is zero for every float64 purpose, so a claim of
    1e-40 against a difference quotient of 1e-41 where the derivative is 0 is
    agreement, not a mismatch."""
    point = dict(zip(wrt, report.points[e.point]))
    point.update(zip(params, fixed))
    subs = {s: Float(v, digits) for s, v in point.items()}
    with mpmath.workdps(digits):
        exact = claimed[e.output, e.input].evalf(digits, subs=subs)
        var = wrt[e.input]
        unit = max(abs(point[var]), 1.0)
        h = Float(2.0**-30 * unit, digits)
        fi = functions[e.output]

        def at(t):
            return fi.evalf(digits, subs={**subs, var: t})

        x0 = subs[var]
        values = [at(x0 + h), at(x0 - h), at(x0 + h / 2), at(x0 - h / 2), at(x0)]
        # Richardson on two central differences: error O(h^4) ~ 1e-36
        d1 = (values[0] - values[1]) / (2 * h)
        d2 = (values[2] - values[3]) / h
        fd = d2 + (d2 - d1) / 3
    try:
        exact, fd = complex(exact), complex(fd)
        size_f = max(abs(complex(v)) for v in values)
    except TypeError:
        return True  # not a number at this point: keep the float verdict
    return abs(exact - fd) > 1e-9 * max(abs(fd), abs(exact)) + 1e-25 * size_f / unit
