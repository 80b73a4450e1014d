"""Checking claims in matrix notation (wrt a matrix symbol) and index notation (wrt x[k]).

Matrix notation (`NumericProblem`): the expected derivative is derive's own
(`calculus.matrix`, itself checked against complex-step derivatives of f).
The claim is compared with it at random points of two instances (sizes 2 and
3 per symbolic dimension, declared symmetric/spd matrices drawn so), in
floating point with NumPy; points are multiples of 1/8, so any close call,
and every "correct" verdict, is settled by exact evaluation of both sides at
the same point.  No symbolic 3 x 3 inverse is ever formed.

Index notation, and matrix forms the numeric evaluator has no rule for, are
compared exactly on explicit instances (`validation.exact.ExactProblem`).

Points lie where f is defined, with declared data (binary labels, a
simplex) drawn as such.  Index notation is read by its free indices first
(`index_form`): a second free index makes it a Hessian, a stray one is "the
index j is not bound by any sum".

Diagnoses (`RULES`), tried in order on the same points; each names the mistake
with a `Verdict.mistake`:

    the whole result transposed (the claim's transpose is right)     -> "transposed"
    one factor where its transpose belongs (A(Ax - b) for A^T(Ax - b)) -> "A should be A.T: ..."
    a sum over part of an axis f sums over whole (i = 0..n-2)         -> "the sum over i runs over ..."
    a constant factor or a flipped sign                               -> "the factor 2 is missing", "the sign is flipped"
    index form missing the terms of one occurrence (product rule)    -> "the terms with j = k are missing: ..."
    a factor or a term missing or extra (`findings`)                  -> "the factor c[i] is missing", ...
    right only for symmetric W                                        -> "holds only if W is symmetric"
    right only for data on the simplex, or K = a size (`findings`)   -> "holds only if sum_j y[j] = 1 (...)"
Otherwise the difference is given as a short formula or in numbers at the
counterexample, never as whole expressions at an instance.
"""

import itertools
import time

import numpy as np
import sympy
from sympy import MatrixBase, MatrixExpr, MatrixSymbol

from ..validation.equivalence import differ
from ..errors import DeriveError, ShapeError
from ..validation.exact import ExactProblem, infer_kind
from ..calculus.index import _index_derivative, _second_element, diff_indexed, occurrence_terms
from ..validation.instances import DATA_KINDS, Point, data_kinds, size_choices
from ..validation.matrix_eval import NotEvaluable, evaluate
from ..calculus.matrix_rules import UnsupportedOperator
from ..text.expressions import parse
from ..validation.tensor import ATTEMPTS, verify_numerically
from ..calculus.targets import describe_properties, matrix_derivative, properties_of, scalar_derivative, symmetric_matrices, tensor_targets
from ..text.budgets import attempt
from ..text.printing import to_text
from ..text.inputs import as_basic, resolve_wrt, split_names
from . import findings, index_form
from .diagnosis import Finding, factor_finding
from .verdict import Verdict

POINTS = 3  # random points per instance
CLOSE = 1e-8  # relative float difference that is certainly a real difference
ROUNDING = 1e-13  # below this, float agreement; in between, exact evaluation decides
DIFFERENCE_SECONDS = 1.0  # for expanding derivative - claim into a short difference (optional work)
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


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
        return tuple(self.expected.shape) if _is_matrix(self.expected) else (1, 1)

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
                if _square(M) and not self.declared.get(M, set()) & {"symmetric", "spd"}]

    def difference_text(self, seed=0):
        point, k, e, c = self.first_difference(self.claim, seed, exact=True) or self.confirm(self.claim)
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


# ---------------------------------------------------------------------------
# the verdict


def check_matrix_notation(expr, wrt, claim, ns, kind=None, seed=0):
    if isinstance(claim, MatrixBase):
        claim = sympy.ImmutableMatrix(claim)  # hashable, and a matrix expression like the others
    target = _target(wrt, ns, expr)
    early, target, kind = _read_free_indices(expr, target, claim, ns, kind, seed)
    if early is not None:
        return early
    problem = _problem(expr, target, claim, ns, kind, seed)
    shape_verdict = _shape_check(problem)
    if shape_verdict is not None:
        return shape_verdict
    try:
        found = problem.first_difference(claim, seed, **({"exact": True} if isinstance(problem, NumericProblem) else {}))
        if found is None and isinstance(problem, NumericProblem):
            found = problem.confirm(claim)
    except ShapeError as exc:
        return Verdict("shape", problem.display(), claim, str(exc), "shapes", kind=problem.kind, wrt=problem.targets)
    if found is None:
        words = "the claimed Hessian equals the derivative" if problem.kind == "hessian" else \
            "the claim equals the derivative"
        return Verdict("correct", problem.display(), claim, words, _evidence(problem),
                       kind=problem.kind, wrt=problem.targets)
    if isinstance(problem, ExactProblem):
        problem.witness = found  # candidates of the diagnosis are screened at this entry and point first
    status, finding = _diagnose(problem, claim, seed)
    counterexample, values = problem.counterexample(found)
    return Verdict(status, problem.display(), claim, finding.text, "numeric: exact evaluation at the counterexample",
                   counterexample, values, kind=problem.kind, wrt=problem.targets, mistake=finding.mistake,
                   detail=finding.detail)


def _read_free_indices(expr, target, claim, ns, kind, seed):
    """(verdict or None, target, kind) from the claim's free indices in index notation: a second
    free index of the variable's kind is a Hessian; the Hessian asked of a claim with one free
    index, or an index no sum binds, is answered before anything is compared."""
    targets = target if isinstance(target, tuple) else (target,)
    if not all(isinstance(t, sympy.Indexed) for t in targets) or _is_matrix(claim):
        return None, target, kind
    first = targets[0]
    if len(targets) == 1:
        second = index_form.second_target(first, claim, expr)
        if second is not None and kind in (None, "hessian"):
            targets, kind = (first, second), "hessian"
        elif second is not None and kind == "grad":
            hessian = _problem(expr, (first, second), claim, ns, "hessian", seed)
            if hessian.equal(claim):
                return _kind_verdict(hessian, _problem(expr, first, claim, ns, "grad", seed), claim), target, kind
        elif kind == "hessian":
            targets = (first, _second_element(first, expr, ns))
            hessian = _problem(expr, targets, claim, ns, "hessian", seed)
            gradient = _problem(expr, first, claim, ns, "grad", seed)
            if gradient.equal(claim):
                return _kind_verdict(gradient, hessian, claim), target, kind
            names = " and ".join(str(i) for t in targets for i in t.indices)
            # one free index where two belong, and not the gradient either: an index slip (phi[n,k]*phi[n,k]
            # for phi[n,k]*phi[n,l]) more often than another kind, so a shape mistake
            return Verdict("shape", hessian.display(), claim, f"the claim has only the free index "
                           f"{', '.join(str(i) for i in first.indices)} (the form of a gradient); the Hessian has two "
                           f"free indices: {names}", "free indices", kind="hessian", wrt=targets), target, kind
    stray = index_form.unbound(claim, expr, targets)
    if stray:
        problem = _problem(expr, targets if len(targets) > 1 else first, claim, ns, kind, seed)
        return Verdict("wrong", problem.display(), claim, index_form.unbound_words(stray, claim, expr),
                       "free indices: an index no sum binds", kind=problem.kind, wrt=problem.targets,
                       mistake="index_unbound"), target, kind
    return None, targets if len(targets) > 1 else first, kind


def _kind_verdict(claimed_kind, asked, claim):
    what = {"grad": "gradient", "hessian": "Hessian", "jacobian": "Jacobian"}
    return Verdict("wrong", asked.display(), claim, f"this is the {what[claimed_kind.kind]}; the question asks for "
                   f"the {what[asked.kind]}", "exact comparison with the " + what[claimed_kind.kind],
                   kind=asked.kind, wrt=asked.targets, mistake="wrong_kind")


def expected_derivative(expr, wrt, ns, kind=None):
    """The derivative in matrix/index notation (derive's, checked), else explicit at an instance."""
    target = _target(wrt, ns, expr)
    claim = target if isinstance(target, MatrixSymbol) else sympy.S.Zero
    return _problem(expr, target, claim, ns, kind, 0).display()


def _problem(expr, target, claim, ns, kind, seed):
    # index notation: derive's own derivative, which refuses (DeriveError) the forms whose derivative
    # depends on where the free index lies, as `grad` does
    if isinstance(target, tuple) and all(isinstance(t, sympy.Indexed) for t in target):
        return ExactProblem(expr, target, claim, ns, "hessian", display=_index_display(expr, target, "hessian", ns))
    if isinstance(target, sympy.Indexed):
        kind = kind or "grad"
        return ExactProblem(expr, target, claim, ns, kind, display=_index_display(expr, (target,), kind, ns))
    if isinstance(target, tuple) and _sample(expr, claim):
        return ExactProblem(expr, target, claim, ns, kind, display=_sample_display(expr, target, kind, claim, ns))
    if isinstance(target, tuple):
        return NumericProblem(expr, target, claim, ns, kind, seed)
    if isinstance(target, MatrixSymbol):
        try:
            problem = NumericProblem(expr, (target,), claim, ns, kind, seed)
            problem.points()
            problem.values(claim, problem.points()[0])  # the claim must be evaluable too
            return problem
        except (UnsupportedOperator, NotEvaluable):
            pass  # no rule, or no numeric evaluation: compare on explicit instances
    return ExactProblem(expr, target, claim, ns, kind)


def _index_display(expr, targets, kind, ns):
    """derive's own index-notation derivative (deltas contracted, sums tidied), as `grad` gives it;
    a form it refuses is refused here too (`DeriveError`), rather than compared on instances that fix
    the free index one way."""
    if not isinstance(expr, sympy.Expr):
        return None
    try:
        return _index_derivative(expr, targets, kind, ns)[0]
    except (TypeError, ValueError, AttributeError):
        _refuse_uncontractible(expr, targets if len(targets) > 1 else targets[0], ns)
        return None


def _sample(expr, claim):
    """Scalars of a sample: sums over array elements and no matrix symbols (mu in sum((x[i] - mu)**2, i))."""
    return all(not (isinstance(e, sympy.Basic) and e.atoms(MatrixSymbol)) for e in (expr, claim)) and \
        isinstance(expr, sympy.Expr) and expr.has(sympy.Sum, sympy.Indexed)


def _sample_display(expr, targets, kind, claim, ns):
    """derive's derivative with respect to a sample's parameters, where derive has one; else None
    (the problem then shows SymPy's derivative of the sums)."""
    from ..derivation.api import differentiate

    n = len(targets)
    kind = kind or ("hessian" if n > 1 and _is_matrix(claim) and tuple(claim.shape) == (n, n) else "grad")
    try:
        return differentiate(expr, list(targets), kind, symbols=ns, validate_result=False).result
    except (DeriveError, TypeError, ValueError, AttributeError, NotImplementedError):
        return None


def _refuse_uncontractible(expr, target, ns):
    """Index notation: the forms whose derivative depends on where the free index lies (a free index
    or single entry in f, sums over different ranges) are refused, as `grad` refuses them, rather
    than compared on instances that fix that index one way."""
    targets = target if isinstance(target, tuple) else (target,)
    if not targets or not all(isinstance(t, sympy.Indexed) for t in targets) or not isinstance(expr, sympy.Expr):
        return
    for t in targets:
        expr = diff_indexed(expr, t, targets, ns.index_ranges)


def _evidence(problem):
    if isinstance(problem, NumericProblem):
        text = (f"derive's derivative (checked against complex-step derivatives of f) agrees with the claim at "
                f"{problem.describe()}, {POINTS} random points each, and exactly at one point per size")
        structure = {M: words for M, words in problem.declared.items() if words & {"symmetric", "spd"}}
        declared = describe_properties(structure)
        data = ", ".join(f"{getattr(s, 'name', s)} {w}" for s, words in sorted(problem.declared.items(), key=str)
                         for w in sorted(words) if w in DATA_KINDS)
        declared = "; ".join(p for p in (declared, data and f"data as declared: {data}") if p)
        return text + (f"; {declared}" if declared else "")
    data = ", ".join(f"{s} {w}" for s, w in sorted(problem.kinds.items(), key=str))
    return (f"exact comparison at {problem.describe()} with 4 random points each (agreement to 25 digits)"
            + (f"; data as declared: {data}" if data else ""))


def _target(wrt, ns, expr):
    """The matrix symbol or element to differentiate by, or a tuple of scalar symbols
    (derivatives of a matrix expression by scalars)."""
    if isinstance(wrt, (MatrixSymbol, sympy.Indexed)):
        return wrt
    if isinstance(wrt, (list, tuple)) and len(wrt) == 2 and all(isinstance(w, sympy.Indexed) for w in wrt) \
            and wrt[0].base == wrt[1].base:
        return tuple(ns.unify(w) for w in wrt)  # a Hessian in index notation: (w[k], w[l])
    if _sample(expr, None) and not _names_arrays(wrt, ns):
        return tuple(resolve_wrt(wrt, expr, ns))  # scalars of a sample: mu, s2
    if not isinstance(wrt, str) or not any(isinstance(ns.names.get(w), MatrixSymbol) or "[" in w
                                           for w in split_names(wrt)):
        targets = tensor_targets(wrt, ns, expr)
        if targets and all(isinstance(t, sympy.Symbol) for t in targets):
            return tuple(targets)
    if isinstance(wrt, str):
        items = split_names(wrt)
        elements = [parse(item, ns) for item in items] if len(items) == 2 and all("[" in i for i in items) else []
        if elements and all(isinstance(e, sympy.Indexed) for e in elements) and elements[0].base == elements[1].base:
            return tuple(elements)  # a Hessian in index notation: d2f/dw[k]dw[l]
        if len(items) != 1:
            raise DeriveError("matrix and index notation are checked with respect to one variable at a time")
        target = parse(items[0], ns)
        if isinstance(target, (MatrixSymbol, sympy.Indexed)):
            return target
        raise DeriveError(f"'{items[0]}' is not a declared matrix/vector or an element like x[k]")
    raise DeriveError(f"cannot differentiate with respect to {wrt!r} in matrix notation")


def _names_arrays(wrt, ns):
    """Does `wrt` name a matrix, an array or an element (x[k]) rather than scalars?"""
    items = split_names(wrt) if isinstance(wrt, str) else list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    for item in items:
        obj = ns.names.get(item) if isinstance(item, str) and "[" not in item else item
        if isinstance(item, str) and "[" in item or isinstance(obj, (MatrixSymbol, sympy.Indexed, sympy.IndexedBase)):
            return True
    return False


def _scalar_kind(f, targets, claim):
    if _is_matrix(f) and f.shape != (1, 1):
        return "jacobian"
    n = len(targets)
    if n > 1 and _is_matrix(claim) and tuple(claim.shape) == (n, n):
        return "hessian"
    return "grad"


def _shape_check(problem):
    if problem.index_form:
        if _is_matrix(problem.claim):
            return Verdict("shape", problem.f, problem.claim, "the claim is a matrix; in index notation the "
                           "derivative with respect to an element is a scalar expression", "shapes",
                           kind=problem.kind, wrt=(problem.target,))
        return None
    want = problem.expected_shape()
    got = tuple(problem.claim.shape) if _is_matrix(problem.claim) else (1, 1)
    if _same(got, want):
        return None
    what = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}[problem.kind]
    text = f"{_shape_text(got)} but the {what} is {_shape_text(want)}"
    if _same(got, want[::-1]) and _is_matrix(problem.claim) and problem.equal(_transpose(problem.claim)):
        layout = " (a row where the gradient is a column)" if 1 in want else ""
        return Verdict("transposed", problem.display(), problem.claim,
                       f"the claim is the transpose of the derivative{layout}: the claim is {text}",
                       "shapes, then comparison of the transpose", kind=problem.kind, wrt=(problem.target,))
    row = findings.broadcast_row(problem)  # a column plus a row, broadcast: the row is the slip, not the kind
    if row is not None:
        return Verdict("wrong", problem.display(), problem.claim, row.text, "shapes, then comparison with the rows "
                       "transposed", kind=problem.kind, wrt=problem.targets, mistake=row.mistake)
    other = _other_kind(problem, got)
    if other is not None:
        return other
    return Verdict("shape", problem.display(), problem.claim, f"shape clash: the claim is {text}",
                   "shapes", kind=problem.kind, wrt=(problem.target,))


_WHAT = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}


def _other_kind(problem, got):
    """A claim with the other kind's shape (scalar f, vector variable): the Hessian where the gradient
    was asked, or the gradient (a column or a row) where the Hessian was.  It is "wrong_kind" either
    way; the words name the derivative it is when it equals derive's own of that kind, else its shape.
    None for any other shape (a plain "shape" clash)."""
    other = {"grad": "hessian", "hessian": "grad"}.get(problem.kind)
    n = _variable_count(problem)
    if other is None or n is None or (_is_matrix(problem.f) and not _same(problem.f.shape, (1, 1))):
        return None
    shapes = {"grad": [(n, 1), (1, n)], "hessian": [(n, n)]}
    if not any(_same(got, shape) for shape in shapes[other]):
        return None
    target = problem.target if isinstance(problem.target, MatrixSymbol) else problem.targets
    claim = _transpose(problem.claim) if _same(got, (1, n)) and not _same(got, (n, 1)) else problem.claim
    try:
        truth = _problem(problem.f, target, claim, problem.ns, other, getattr(problem, "seed", 0))
        same = truth.equal(claim)
    except (DeriveError, ShapeError, UnsupportedOperator, NotEvaluable, TypeError, ValueError, ArithmeticError):
        same = False  # no derivative of the other kind to compare with: the shape alone speaks
    if same:
        text, evidence = (f"this is the {_WHAT[other]}; the question asks for the {_WHAT[problem.kind]}",
                          f"shapes, then comparison with derive's {_WHAT[other]}")
    else:
        want = shapes[problem.kind][0]
        text, evidence = (f"the claim is {_shape_text(got)}, the shape of a {_WHAT[other]}; the question asks "
                          f"for the {_WHAT[problem.kind]} ({_shape_text(want)})", "shapes")
    return Verdict("wrong", problem.display(), problem.claim, text, evidence, kind=problem.kind,
                   wrt=problem.targets, mistake="wrong_kind")


def _variable_count(problem):
    """n for a gradient (n x 1) and a Hessian (n x n): the length of a column-vector variable, or the
    number of scalar variables; None where a Hessian has no such shape (a matrix variable)."""
    if isinstance(problem.target, MatrixSymbol):
        rows, cols = problem.target.shape
        return rows if _same((cols,), (1,)) and not _same((rows,), (1,)) else None
    if all(isinstance(t, sympy.Symbol) for t in problem.targets) and len(problem.targets) > 1:
        return len(problem.targets)
    return None


# ---------------------------------------------------------------------------
# diagnosis: each rule looks at a claim known to be wrong


DIAGNOSIS_SECONDS = 1.5  # CPU seconds: naming the mistake is optional work; past this, the difference is given


def _diagnose(problem, claim, seed):
    """(status, `Finding`) for a claim known to be wrong."""
    problem.deadline = time.process_time() + DIAGNOSIS_SECONDS
    for rule in RULES:
        if time.process_time() > problem.deadline:
            break
        found = rule(problem, claim)
        if found:
            return ("transposed" if found.mistake == "transpose" and rule is _rule_transposed_result else "wrong"), found
    by = findings.short_difference(problem, claim)
    if by is not None:
        return "wrong", by
    if isinstance(problem, NumericProblem):
        missing = _missing_matrix_term(problem, claim)
        if missing is not None:
            return "wrong", missing
    return "wrong", Finding("other", problem.difference_text(seed))


def _missing_matrix_term(problem, claim):
    """"a term is missing: -2*A.T*y" when derivative - claim is short and like no term of the claim
    (a term like one of the claim's is a wrong coefficient, not a missing term: the difference is given)."""
    by = problem.difference()
    if by is None:
        return None
    mine = [_matrix_part(t) for t in _matrix_terms(claim)]
    if any(_matrix_part(t) in mine for t in _matrix_terms(by)):
        return None
    return Finding("missing_term", f"a term is missing: {to_text(by)}")


def _matrix_terms(e):
    return list(e.args) if isinstance(e, sympy.MatAdd) else list(sympy.Add.make_args(sympy.expand(e)))


def _matrix_part(term):
    """A term without its scalar coefficient: 2*lam*w -> w."""
    if isinstance(term, sympy.MatMul):
        return sympy.MatMul(*(a for a in term.args if isinstance(a, MatrixExpr))).doit()
    if isinstance(term, sympy.Mul):
        return sympy.Mul(*(a for a in term.args if not a.is_number))
    return term


def _rule_transposed_result(problem, claim):
    if problem.index_form or not _is_matrix(claim) or claim.shape[0] != claim.shape[1]:
        return None
    if problem.equal(_transpose(claim)):
        return Finding("transpose", "the claim is the transpose of the derivative (transposed)")
    return None


def _rule_transposed_factor(problem, claim):
    """One factor transposed is a wrong answer (the result is not the transpose): say which."""
    if problem.index_form:
        return None
    for M in sorted(claim.atoms(MatrixSymbol), key=str):
        if M == problem.target or M.shape[0] == 1 or M.shape[1] == 1:
            continue
        variants = list(_each_occurrence_transposed(claim, M))
        for k, (swapped, was_transposed) in enumerate(variants):
            if problem.equal(swapped):
                which = f"the {_ORDINALS[k]} " if len(variants) > 1 and k < len(_ORDINALS) else ""
                wrote, meant = (f"{M.name}.T", M.name) if was_transposed else (M.name, f"{M.name}.T")
                return Finding("transpose", f"{which}{wrote} should be {meant}: {to_text(swapped)} is the derivative")
    return None


def _each_occurrence_transposed(expr, M):
    """(`expr` with one occurrence of M or M.T transposed, whether it was M.T), for each in turn."""
    count = [0]

    def walk(e, target, seen):
        if e == M or e == sympy.Transpose(M):
            hit = count[0] == target
            count[0] += 1
            if hit:
                seen.append(e != M)
                return M if e != M else sympy.Transpose(M)
            return e
        if e.args and not isinstance(e, MatrixSymbol):
            return e.func(*(walk(a, target, seen) for a in e.args))
        return e

    for target in range(8):
        count[0], seen = 0, []
        try:
            swapped = walk(expr, target, seen)
        except (TypeError, ValueError, IndexError):  # IndexError: an entry [i, j] of a concrete-size matrix
            return  # that the swap reshaped
        if not seen:
            return
        yield swapped, seen[0]


def _rule_constant_factor(problem, claim):
    try:
        factor = problem.ratio(claim)
    except (ShapeError, DeriveError, TypeError, ValueError):
        return None
    if factor is None or factor == 1 or factor == 0:
        return None
    return factor_finding(factor)


def _rule_missing_occurrence(problem, claim):
    if not problem.index_form:
        return None
    terms = occurrence_terms(problem.f, problem.target)
    if len(terms) < 2:
        return None
    for size in range(1, len(terms)):
        for subset in itertools.combinations(range(len(terms)), size):
            partial = sum(terms[i][1] for i in subset)
            if problem.equal(claim, reference=partial):
                missing = [terms[i] for i in range(len(terms)) if i not in subset]
                parts = []
                for occurrence, term in missing:
                    where = ""
                    if occurrence is not None:
                        pairs = ", ".join(f"{a} = {b}" for a, b in zip(occurrence.indices, problem.target.indices))
                        where = f"with {pairs} (where {to_text(occurrence)} is {to_text(problem.target)}) "
                    parts.append(f"the terms {where}are missing: {to_text(term)}")
                return Finding("missing_term", "; ".join(parts))
    return None


def _rule_symmetric_only(problem, claim):
    for name, key in problem.symmetric_choices():
        if problem.equal(claim, symmetric=key):
            return Finding("needs_assumption", f"holds only if {name} is symmetric")
    return None


def _rule_chain_factors(problem, claim):
    """The derivative with respect to an inner matrix (A X B) given for X: the chain rule's
    factors A.T (left) and B.T (right) left out."""
    if problem.index_form or not isinstance(problem.target, MatrixSymbol) or not _is_matrix(claim):
        return None
    around = sorted(problem.f.atoms(MatrixSymbol) - {problem.target}, key=str)
    sides = [None] + [M.T for M in around] + around
    for left, right in itertools.product(sides, sides):
        if left is None and right is None:
            continue
        try:
            variant = sympy.MatMul(*[m for m in (left, claim, right) if m is not None])
        except (ShapeError, ValueError, TypeError):
            continue
        if problem.equal(variant):
            missing = " and ".join(f"{to_text(m)} (on the {side})" for m, side in ((left, "left"), (right, "right"))
                                   if m is not None)
            plural = "s" if left is not None and right is not None else ""
            return Finding("chain_rule", f"the chain-rule factor{plural} {missing} {'are' if plural else 'is'} "
                                         f"missing: {to_text(variant)} is the derivative")
    return None


def _rule_sum_range(problem, claim):
    """A sum of the claim over a range other than the whole axis it indexes (i = 0..n-2 where f sums
    x over 0..n-1, j = 0..K-2 over z: K): a term left out (or one too many), which is right once the
    sum runs over the whole axis."""
    if not isinstance(claim, sympy.Basic) or not claim.has(sympy.Sum) or not isinstance(problem.f, sympy.Basic):
        return None
    for s in sorted(claim.atoms(sympy.Sum), key=sympy.default_sort_key):
        for k, (index, lo, hi) in enumerate(s.limits):
            axis = next((a for a in _whole_axes(s.function, index, problem.f) if a[1] != (lo, hi)), None)
            if axis is None:
                continue
            what, (want_lo, want_hi) = axis
            limits = list(s.limits)
            limits[k] = (index, want_lo, want_hi)
            if problem.equal(claim.xreplace({s: sympy.Sum(s.function, *limits)})):
                return Finding("index_range", f"the sum over {index} runs over {index} = {to_text(lo)}..{to_text(hi)}, "
                                              f"but it must run over {to_text(want_lo)}..{to_text(want_hi)} ({what})")
    return None


def _whole_axes(body, index, f):
    """(words, (lo, hi)) for each axis `index` indexes in `body` whose whole range is known: an
    array f sums over (x[i] in f's sum over 0..n-1), or a matrix symbol's rows or columns (z: K)."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    summed = index_form.axis_bounds(f)
    for a in sorted(body.atoms(sympy.Indexed), key=sympy.default_sort_key):
        for position, i in enumerate(a.indices):
            if i == index and (a.base.label, position) in summed:
                what = {(1, 0): "entry", (2, 0): "row", (2, 1): "column"}.get((len(a.indices), position),
                                                                           f"index {position}")
                yield f"every {what} of {a.base.label}, as in f", summed[(a.base.label, position)]
    for e in sorted(body.atoms(MatrixElement), key=sympy.default_sort_key):
        M = e.parent
        if not isinstance(M, MatrixSymbol):
            continue
        vector = _same((M.shape[1],), (1,))
        for position, i, size in ((0, e.i, M.shape[0]), (1, e.j, M.shape[1])):
            if i == index:
                what = "entry" if vector else ("row", "column")[position]
                yield f"every {what} of {M.name}", (sympy.Integer(0), size - 1)


RULES = (findings.unbound_index,  # a sample's sum dropped (index notation says so before comparing)
         _rule_transposed_result, _rule_transposed_factor, _rule_sum_range, _rule_constant_factor,
         _rule_missing_occurrence,
         findings.missing_factor, findings.terms, _rule_chain_factors, _rule_symmetric_only,
         findings.free_index_assumption, findings.data_assumption, findings.size_assumption,
         findings.data_and_size_assumption, findings.wrong_term, findings.inner_derivative)


# ---------------------------------------------------------------------------
# small helpers


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


def _is_matrix(obj):
    return isinstance(obj, (MatrixBase, MatrixExpr))


def _same(a, b):
    return all(sympy.simplify(as_basic(x) - as_basic(y)) == 0 for x, y in zip(a, b))


def _square(M):
    return _same((M.shape[0],), (M.shape[1],)) and M.shape[0] != 1


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


__all__ = ["NumericProblem", "check_matrix_notation", "expected_derivative"]
