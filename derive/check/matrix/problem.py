"""`NumericProblem`: f, a matrix variable (or scalars of a matrix expression) and a claim, compared with
derive's own derivative (checked against complex-step derivatives of f) at random points of two instances,
in floating point with NumPy; any close call, and every "correct" verdict, is settled by exact evaluation
of both sides at the same point.  And the small helpers on shapes and values the checks share."""

import numpy as np
import sympy
from sympy import MatrixBase, MatrixExpr, MatrixSymbol

from ...calculus.targets import matrix_derivative, properties_of, scalar_derivative, symmetric_matrices
from ...errors import DeriveError, ShapeError
from ...text.budgets import attempt
from ...text.inputs import as_basic
from ...text.printing import to_text
from ...validation.equivalence import differ
from ...validation.exact import infer_kind, is_matrix, is_square
from ...validation.instances import Point, data_kinds, size_choices
from ...validation.matrix_eval import NotEvaluable, evaluate
from ...validation.tensor import ATTEMPTS, verify_numerically

POINTS = 3  # random points per instance
CLOSE = 1e-8  # relative float difference that is certainly a real difference
ROUNDING = 1e-13  # below this, float agreement; in between, exact evaluation decides
DIFFERENCE_SECONDS = 1.0  # for expanding derivative - claim into a short difference (optional work)


class NumericProblem:
    """f, the matrix variable, the claim, and derive's (checked) derivative, compared at points."""

    method = "numeric comparison"
    index_form = False

    def __init__(self, expr, targets, claim, ns, kind, seed=0):
        self.targets = tuple(targets)
        self.f, self.target, self.claim, self.ns, self.seed = expr, self.targets[0], claim, ns, seed
        self.declared = {**properties_of(claim, ns), **properties_of(expr, ns)}
        self.declared.update({s: {kind} for s, kind in data_kinds(ns, expr, claim).items() if isinstance(s, sympy.Symbol)})
        symmetric = symmetric_matrices(self.declared)
        if isinstance(self.target, MatrixSymbol):
            self.kind = kind or infer_kind(expr, self.target, claim)
            checks = matrix_derivative(expr, self.target, self.kind, symmetric)
        else:  # scalars of a matrix expression: d(sin(s) A x)/ds, d tr(s^2 X)/ds
            self.kind = kind or _scalar_kind(expr, self.targets, claim)
            checks = scalar_derivative(expr, self.targets, self.kind, symmetric)
        self.report = verify_numerically(checks, self.targets, self.declared, seed)
        self.expected = checks[-1][1]
        self.sizes = size_choices(expr, claim, *self.targets, self.expected)
        self._symbols = _matrices_and_scalars(expr, claim, self.expected, *self.targets)
        self._points = {}

    # -- shapes ---------------------------------------------------------------
    def expected_shape(self):
        return tuple(self.expected.shape) if is_matrix(self.expected) else (1, 1)

    def describe(self):
        return " and ".join(_sizes_text(s) for s in self.sizes)

    def display(self):
        return self.expected

    # -- points ----------------------------------------------------------------
    def points(self, symmetric=None, assume=None):
        """POINTS points per instance where f and the derivative are finite and real (with
        `symmetric`, a matrix symbol drawn symmetric as well; with `assume`, {symbol: data kind or
        ("size", d)} taken to hold: a vector on the simplex, a scalar equal to a size)."""
        key = (symmetric, tuple(sorted((assume or {}).items(), key=str)))
        if key not in self._points:
            properties = dict(self.declared)
            if symmetric is not None:
                properties[symmetric] = properties.get(symmetric, set()) | {"symmetric"}
            for s, how in (assume or {}).items():
                if isinstance(how, str):
                    properties[s] = properties.get(s, set()) | {how}
            rng = np.random.default_rng(self.seed + 17)
            found = []
            for sizes in self.sizes:
                kept = 0
                for draw in range(ATTEMPTS):  # (not `attempt`: that is the budgets' helper, imported above)
                    if kept >= POINTS:
                        break
                    point = Point.draw(sizes, self._symbols, rng, draw, properties)
                    for s, how in (assume or {}).items():
                        if isinstance(how, tuple) and how[1] in sizes:
                            point.values[s] = float(sizes[how[1]])
                    if self.values(self.expected, point) is not None and self._f_defined(point):
                        found.append(point)
                        kept += 1
            if not found:
                raise DeriveError("found no point where the derivative is finite and real")
            self._points[key] = found
        return self._points[key]

    def _f_defined(self, point):
        """f is finite and real at `point` (a counterexample inside f's domain); True where f has no
        numeric evaluation."""
        try:
            return self.values(self.f, point) is not None
        except NotEvaluable:
            return True

    def values(self, expr, point):
        """`expr` at `point` as a flat float array, or None where it is not finite and real.  A form the
        evaluator has no rule for (a sum over indices) raises `NotEvaluable`: it says nothing about
        where `expr` is defined, and read as "undefined" it made a right claim a difference."""
        try:
            value = np.asarray(evaluate(expr, {**point.values, **point.sizes}, point.sizes), dtype=complex)
        except NotEvaluable:
            raise
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            return None
        value = value.reshape(-1)
        if not np.all(np.isfinite(value)) or np.any(np.abs(value.imag) > 1e-12 * np.maximum(np.abs(value), 1)):
            return None
        return value.real

    # -- what the diagnosis rules ask --------------------------------------------
    def first_difference(self, candidate, seed=0, symmetric=None, reference=None, assume=None, exact=False):
        """(point, entry, expected, claimed) where `candidate` differs from the derivative
        (or from `reference`), or None.  With `exact`, a difference the floats show counts only
        where exact evaluation confirms it, at an entry where the exact values differ: a verdict
        never rests on numbers that agree (the floats of an evaluator's mistake)."""
        truth = self.expected if reference is None else reference
        for point in self.points(symmetric, assume):
            e = self.values(truth, point)
            c = self.values(candidate, point)
            if e is None:
                continue
            if c is None:
                k = 0  # undefined where the derivative is defined
            else:
                if c.shape != e.shape:
                    raise ShapeError(f"at {point.describe()} the claim has {c.size} entries but the derivative "
                                     f"has {e.size}")
                floor = 1e-6 * max(np.max(np.abs(e)), np.max(np.abs(c)), 1e-300)  # an entry 0 vs 4e-17: rounding, decided exactly
                rel = np.abs(c - e) / np.maximum(np.maximum(np.abs(e), np.abs(c)), floor)
                k = int(np.argmax(rel))
                if not (rel[k] > CLOSE or (rel[k] > ROUNDING and self._differ_exactly(truth, candidate, point))):
                    continue
            if not exact:
                return point, k, e, c
            entry = self._exact_difference(truth, candidate, point, prefer=k)
            if entry is not None:
                return point, entry, e, c
        return None

    def confirm(self, candidate):
        """Exact agreement at the first point of each instance: None, or the difference."""
        checked = set()
        for point in self.points():
            key = tuple(point.sizes.items())
            if key in checked:
                continue
            checked.add(key)
            entry = self._exact_difference(self.expected, candidate, point)
            if entry is not None:
                e, c = self.values(self.expected, point), self.values(candidate, point)
                return point, entry, e, c
        return None

    def _differ_exactly(self, a, b, point):
        return self._exact_difference(a, b, point) is not None

    def _exact_difference(self, a, b, point, prefer=0):
        """The entry (`prefer` if it is one) where `a` and `b` differ exactly at `point`, or None."""
        exact_a, exact_b = (_entries(point.exact_value(x)) for x in (a, b))
        if len(exact_a) != len(exact_b):
            return prefer
        differing = [k for k, (x, y) in enumerate(zip(exact_a, exact_b)) if differ(x, y)]
        return (prefer if prefer in differing else differing[0]) if differing else None

    def equal(self, candidate, symmetric=None, reference=None, seed=3, assume=None):
        try:
            return self.first_difference(candidate, seed, symmetric, reference, assume) is None
        except (ShapeError, DeriveError, TypeError, ValueError, NotEvaluable, ArithmeticError):
            return False

    def ratio(self, candidate, seed=0):
        """The constant c with candidate = c * derivative at every point, or None."""
        ratios = []
        for point in self.points():
            e, c = self.values(self.expected, point), self.values(candidate, point)
            if e is None or c is None or c.shape != e.shape:
                return None
            big = np.abs(e) > 1e-6 * np.max(np.abs(e), initial=0.0)
            if np.any(np.abs(c[~big]) > 1e-9 * np.max(np.abs(c), initial=0.0)):
                return None
            ratios += list(c[big] / e[big])
        if len(ratios) < 2 or np.ptp(ratios) > 1e-9 * max(abs(ratios[0]), 1.0):
            return None
        factor = sympy.nsimplify(ratios[0], tolerance=1e-9, rational=True)
        return factor if abs(factor.q) <= 1000 else None

    def symmetric_choices(self):
        found = (self.f.atoms(MatrixSymbol) | self.claim.atoms(MatrixSymbol)) - {self.target}
        return [(M.name, M) for M in sorted(found, key=str)
                if is_square(M) and not self.declared.get(M, set()) & {"symmetric", "spd"}]

    def difference_text(self, seed=0):
        point, k, _, _ = self.first_difference(self.claim, seed, exact=True) or self.confirm(self.claim)
        exp, clm = (_entries(point.exact_value(x)) for x in (self.expected, self.claim))
        label = _entry_label(k, self.expected_shape(), point)
        by = self.difference()
        return (f"it differs from the derivative{f' by {to_text(by)} (the derivative minus the claim)' if by else ''}; "
                "at {}, entry {} is {} but the claim gives {}".format(point.describe(), label, *_show_apart(exp[k], clm[k])))

    def difference(self):
        """derivative - claim in matrix notation when it is shorter than the derivative (a missing or
        doubled term: lam*w), checked exactly at every point; else None."""
        if not isinstance(self.expected, MatrixExpr) or not isinstance(self.claim, MatrixExpr):
            return None
        by = attempt(lambda: sympy.expand(self.expected - self.claim).doit(), DIFFERENCE_SECONDS, None)
        if by is None or by == 0 or len(to_text(by)) >= len(to_text(self.expected)):
            return None
        try:
            for point in self.points():
                want = [a - b for a, b in zip(*(_entries(point.exact_value(x)) for x in (self.expected, self.claim)))]
                got = _entries(point.exact_value(by))
                if len(got) != len(want) or any(differ(a, b) for a, b in zip(got, want)):
                    return None
        except (ShapeError, DeriveError, TypeError, ValueError, NotEvaluable):
            return None
        return by

    def counterexample(self, found):
        """The point (sizes, matrices and scalars as exact rationals) and both sides there."""
        point = found[0]
        out = dict(point.sizes)
        out.update(point.exact())
        values = tuple(_matrix_or_scalar(point.exact_value(x)) for x in (self.expected, self.claim))
        return out, values


def _scalar_kind(f, targets, claim):
    if is_matrix(f) and f.shape != (1, 1):
        return "jacobian"
    n = len(targets)
    if n > 1 and is_matrix(claim) and tuple(claim.shape) == (n, n):
        return "hessian"
    return "grad"


def _matrices_and_scalars(*exprs):
    out = set()
    for e in exprs:
        if isinstance(e, sympy.Basic):
            out |= e.atoms(MatrixSymbol)
            out |= {s for s in e.free_symbols if isinstance(s, sympy.Symbol)}
    sizes = set()
    for M in [s for s in out if isinstance(s, MatrixSymbol)]:
        for d in M.shape:
            sizes |= d.free_symbols  # a MatrixSymbol's sizes are SymPy objects
    return out - sizes


def _shape_text(shape):
    return f"{to_text(shape[0])} x {to_text(shape[1])}"


def _sizes_text(sizes):
    return ", ".join(f"{d} = {v}" for d, v in sizes.items()) or "the given sizes"


def _transpose(claim):
    return claim.T if isinstance(claim, MatrixBase) else sympy.Transpose(claim)


def _entries(value):
    return list(value) if isinstance(value, MatrixBase) else [value]


def _matrix_or_scalar(value):
    if isinstance(value, MatrixBase):
        return sympy.Matrix(value)
    return sympy.Matrix([[value]])


def _entry_label(k, shape, point):
    cols = int(as_basic(shape[1]).subs(point.sizes))
    return f"[{k // cols}, {k % cols}]"


def _show(value, digits=12):
    return to_text(value if value.is_Rational else sympy.Float(value, digits))


def _show_apart(a, b):
    """Both values, with as many digits as it takes to tell them apart (up to 40): a difference in
    the 14th digit is never shown as the same number twice."""
    for digits in (12, 20, 30, 40):
        shown = _show(a, digits), _show(b, digits)
        if shown[0] != shown[1]:
            break
    return shown
