"""Values at the check's own points: of claim-like expressions (a `NumericProblem`'s points, or an
`ExactProblem`'s first instance), and the constant or the weights that relate two of them."""

import random

import numpy as np
import sympy

from ...errors import DeriveError


def _numeric_values(problem):
    """Values of a claim-like expression at the points of a `NumericProblem` (floats)."""
    from ...validation.matrix_eval import NotEvaluable

    points = problem.points()

    def values(expr):
        try:
            out = [problem.values(expr, p) for p in points]
            return None if any(v is None for v in out) else np.concatenate(out)
        except (NotEvaluable, DeriveError, TypeError, ValueError, ArithmeticError):
            return None
    return values


_PROBE_POINTS = 3  # points of the first instance: enough to tell a constant ratio from a coincidence


def _exact_values(problem, claim, seed=11):
    """Values of a claim-like expression on the first instance of an `ExactProblem`, at points
    inside f's domain with the declared data (floats from 60-digit evaluation)."""
    from ...validation import fast
    from ...validation.equivalence import defined_at, numeric_value, sample_point
    from ...validation.instances import scalar_symbols

    inst = problem.instances[0]
    f = problem.explicit_f(inst)
    claimed = problem.claimed_entries(inst, claim)
    symbols = sorted(problem.instance_symbols(inst).union(*(scalar_symbols(e) for e in claimed)), key=str)
    kinds, restrict, rng = problem.point_kinds(inst), problem._restriction(), random.Random(seed)
    points = []
    for k in range(10 * _PROBE_POINTS):
        if len(points) >= _PROBE_POINTS:
            break
        point = sample_point(symbols, rng, k, kinds=kinds)
        point = restrict(inst, point) if restrict is not None else point
        if (isinstance(f, sympy.MatrixBase) or defined_at((f,), point)) and \
                all(numeric_value(e, point) is not None for e in claimed):
            points.append(point)

    def values(expr):
        try:
            entries = problem.claimed_entries(inst, expr)
        except (DeriveError, TypeError, ValueError, ArithmeticError, IndexError):
            return None
        out = []
        try:
            program = fast.Program(entries)
            for point in points:
                found = fast.evaluate(program, point)
                if found is None or any(v is None for v in found):
                    return None
                out += [float(v) for v in found]
        except fast.Unsupported:
            out = []
            for point in points:
                found = [numeric_value(e, point) for e in entries]
                if any(v is None for v in found):
                    return None
                out += [float(v) for v in found]
        return np.array(out, dtype=float) if points else None
    return values


_DENOMINATOR = 12  # the factors a term's derivative may be off by: 0, -1, 1/2, 2, 3/2, ...


def _coefficient(r, g):
    """The simple rational c with r = c*g at every point, or None."""
    top = float(np.max(np.abs(g), initial=0.0))
    if top == 0:
        return None
    if float(np.max(np.abs(r), initial=0.0)) <= 1e-9 * top:
        return sympy.S.Zero
    big = np.abs(g) > 1e-6 * top
    if np.any(np.abs(r[~big]) > 1e-9 * float(np.max(np.abs(r)))):
        return None
    ratios = r[big] / g[big]
    if ratios.size < 2 or np.ptp(ratios) > 1e-9 * max(abs(ratios[0]), 1.0):
        return None
    c = sympy.nsimplify(float(ratios[0]), tolerance=1e-9, rational=True)
    return c if c.q <= _DENOMINATOR and abs(c) <= _DENOMINATOR else None


def _weights(r, vectors):
    """Weights w (each 0, 1 or 2) with r = sum w_k * vectors[k] at every point, or None (also
    where two vectors are alike: the weights would not be unique)."""
    A = np.stack(vectors, axis=1)
    if np.linalg.matrix_rank(A, tol=1e-9 * max(float(np.max(np.abs(A))), 1e-300)) < len(vectors):
        return None
    w, *_ = np.linalg.lstsq(A, r, rcond=None)
    rounded = np.round(w)
    if not _close(A @ rounded, r) or np.any((rounded < 0) | (rounded > 2)):
        return None
    return [int(x) for x in rounded]


def _close(a, b):
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-9 * scale))
