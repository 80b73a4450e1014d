"""Checking claims in matrix notation (wrt a matrix symbol) and index notation (wrt x[k]).

The ground truth is computed on concrete instances (`instantiate.py`): sizes
2 and 3, explicit matrices, explicit sums, ordinary partial derivatives.  The
claim is instantiated the same way and compared entry by entry at exact
rational points.  Diagnoses are tried on the instances too:

    transposed result / a factor that should be transposed      -> "transposed"
    a constant factor or a flipped sign                          -> "wrong", named
    right only for symmetric W                                   -> "holds only if W is symmetric"
    index form missing the terms of one occurrence (product rule) -> "the terms with j = k are missing: ..."
"""

import itertools
import random
import re

import sympy
from sympy import MatrixBase, MatrixExpr, MatrixSymbol

from .equivalence import DIGITS, differ, numeric_value, sample_point
from .errors import DeriveError, ShapeError
from .index_calculus import diff_indexed, occurrence_terms
from .instantiate import Instance, scalar_symbols
from .limits import attempt
from .parser import parse
from .ranges import index_range
from .textform import to_text
from .variables import as_basic
from .verdict import Verdict

POINTS = 4


class Problem:
    """f, the variable, the claim and the expected derivative on instances.

    `target` is a matrix symbol, an element x[k], or (for a second derivative
    in index notation) a pair (x[k], x[l]).
    """

    def __init__(self, expr, target, claim, ns, kind):
        self.targets = tuple(target) if isinstance(target, tuple) else (target,)
        self.f, self.target, self.claim, self.ns = expr, self.targets[0], claim, ns
        self.index_form = isinstance(self.target, sympy.Indexed)
        self.kind = kind or self._infer_kind()
        self.instances = Instance.all_for(expr, claim, self.target if not self.index_form else expr)

    def _infer_kind(self):
        if self.index_form:
            return "grad"
        if _is_matrix(self.f) and self.f.shape[1] == 1 and self.target.shape[1] == 1:
            return "jacobian"
        if _is_matrix(self.claim) and self.target.shape[1] == 1 and self.claim.shape == (
                self.target.shape[0], self.target.shape[0]) and self.target.shape[0] != 1:
            return "hessian"
        return "grad"

    # -- shapes ----------------------------------------------------------
    def expected_shape(self):
        if self.index_form:
            return None
        n = self.target.shape[0]
        if self.kind == "jacobian":
            return (self.f.shape[0], n)
        if self.kind == "hessian":
            return (n, n)
        return tuple(self.target.shape)

    # -- the truth on one instance ------------------------------------------
    def expected_entries(self, inst):
        """(labels, expected entries, shape) of the derivative at this instance."""
        f = inst.explicit(self.f)
        if self.index_form:
            labels, exp = [], []
            for sub in self._index_values(inst):
                elements = [t.subs(sub) for t in self.targets]
                exp.append(sympy.diff(f, *elements))
                labels.append(", ".join(str(e) for e in elements))
            return labels, exp, (len(exp), 1)
        X = inst.matrix(self.target)
        if self.kind == "grad":
            f = _scalar(f)
            exp = [sympy.diff(f, X[i, j]) for i in range(X.shape[0]) for j in range(X.shape[1])]
            shape = X.shape
        elif self.kind == "jacobian":
            F = f if isinstance(f, MatrixBase) else sympy.Matrix([f])
            exp = [sympy.diff(F[a], X[b]) for a in range(F.shape[0]) for b in range(X.shape[0])]
            shape = (F.shape[0], X.shape[0])
        else:
            f = _scalar(f)
            exp = [sympy.diff(f, X[a], X[b]) for a in range(X.shape[0]) for b in range(X.shape[0])]
            shape = (X.shape[0], X.shape[0])
        labels = [f"[{i}, {j}]" for i in range(shape[0]) for j in range(shape[1])]
        return labels, exp, tuple(shape)

    def _index_values(self, inst):
        """Every assignment of the free indices (k, or k and l) to concrete values."""
        indices = list(dict.fromkeys(i for t in self.targets for i in t.indices))
        ranges = [inst.index_values(i, *index_range(i, self.ns, self.f, *self.targets)) for i in indices]
        return [dict(zip(indices, values)) for values in itertools.product(*ranges)]

    def claimed_entries(self, inst, claim):
        """The claim's entries at this instance, in the order of `expected_entries`."""
        if self.index_form:
            return [inst.explicit(claim.subs(sub)) for sub in self._index_values(inst)]
        value = inst.explicit(claim)
        value = value if isinstance(value, MatrixBase) else sympy.Matrix([[value]])
        _, _, shape = self.expected_entries(inst)
        if tuple(value.shape) != tuple(shape):
            raise ShapeError(f"at {inst.describe()} the claim is {value.shape[0]} x {value.shape[1]} but the "
                             f"derivative is {shape[0]} x {shape[1]}")
        return list(value)


def check_matrix_notation(expr, wrt, claim, ns, kind=None, seed=0):
    target = _target(wrt, ns)
    problem = Problem(expr, target, claim, ns, kind)
    shape_verdict = _shape_check(problem)
    if shape_verdict is not None:
        return shape_verdict
    expected_symbolic = _symbolic_expected(problem)
    display = expected_symbolic if expected_symbolic is not None else _explicit_display(problem)
    try:
        found = find_difference(problem, problem.claim, seed)
    except ShapeError as exc:
        return Verdict("shape", display, claim, str(exc), "shapes", kind=problem.kind, wrt=(target,))
    if found is None:
        return Verdict("correct", display, claim, "the claim equals the derivative",
                       f"exact comparison at {_sizes_text(problem)} with {POINTS} random points each "
                       f"(agreement to {DIGITS - 15} digits)", kind=problem.kind, wrt=(target,))
    status, explanation = _diagnose(problem, seed)
    counterexample, values = _counterexample(problem, found)
    return Verdict(status, display, claim, explanation, "numeric: exact evaluation at the counterexample",
                   counterexample, values, kind=problem.kind, wrt=(target,))


def expected_derivative(expr, wrt, ns, kind=None):
    """The derivative in matrix/index notation (verified symbolic form, else explicit)."""
    target = _target(wrt, ns)
    problem = Problem(expr, target, target if not isinstance(target, sympy.Indexed) else sympy.S.Zero, ns, kind)
    found = _symbolic_expected(problem)
    return found if found is not None else _explicit_display(problem)


# ---------------------------------------------------------------------------


def _target(wrt, ns):
    if isinstance(wrt, (MatrixSymbol, sympy.Indexed)):
        return wrt
    if isinstance(wrt, str):
        items = [w for w in re.split(r"[\s;]+|,(?![^\[]*\])", wrt.strip()) if w]
        if len(items) != 1:
            raise DeriveError("matrix and index notation are checked with respect to one variable at a time")
        target = parse(items[0], ns)
        if isinstance(target, (MatrixSymbol, sympy.Indexed)):
            return target
        raise DeriveError(f"'{items[0]}' is not a declared matrix/vector or an element like x[k]")
    raise DeriveError(f"cannot differentiate with respect to {wrt!r} in matrix notation")


def _is_matrix(obj):
    return isinstance(obj, (MatrixBase, MatrixExpr))


def _scalar(value):
    if isinstance(value, MatrixBase):
        if value.shape != (1, 1):
            raise ShapeError(f"f is {value.shape[0]} x {value.shape[1]}, not a scalar")
        return value[0, 0]
    return value


def _shape_check(problem):
    if problem.index_form:
        if _is_matrix(problem.claim):
            return Verdict("shape", problem.f, problem.claim, "the claim is a matrix; in index notation the "
                           "derivative with respect to an element is a scalar expression", "shapes",
                           kind=problem.kind, wrt=(problem.target,))
        return None
    want = problem.expected_shape()
    got = tuple(problem.claim.shape) if _is_matrix(problem.claim) else (1, 1)
    if _same_shape(got, want):
        return None
    what = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}[problem.kind]
    text = f"{_shape_text(got)} but the {what} is {_shape_text(want)}"
    display = _symbolic_expected(problem)
    display = display if display is not None else _explicit_display(problem)
    if _same_shape(got, want[::-1]) and _is_matrix(problem.claim):
        transposed = sympy.Transpose(problem.claim) if not isinstance(problem.claim, MatrixBase) else problem.claim.T
        try:
            if find_difference(problem, transposed, 0) is None:
                layout = " (a row where the gradient is a column)" if 1 in want else ""
                return Verdict("transposed", display, problem.claim,
                               f"the claim is the transpose of the derivative{layout}: the claim is {text}",
                               "shapes, then exact comparison of the transpose", kind=problem.kind,
                               wrt=(problem.target,))
        except (ShapeError, DeriveError):
            pass
    return Verdict("shape", display, problem.claim, f"shape clash: the claim is {text}",
                   "shapes", kind=problem.kind, wrt=(problem.target,))


def _same_shape(a, b):
    return all(sympy.simplify(as_basic(x) - as_basic(y)) == 0 for x, y in zip(a, b))


def _shape_text(shape):
    return f"{to_text(shape[0])} x {to_text(shape[1])}"


def _sizes_text(problem):
    return " and ".join(i.describe() for i in problem.instances)


def find_difference(problem, claim, seed, restrict=None, reference=None):
    """The first (instance, point, label, expected, claimed) where `claim` differs
    from the derivative (or from `reference`, another claim-like expression), or None."""
    rng = random.Random(seed)
    for inst in problem.instances:
        labels, exp, _ = problem.expected_entries(inst)
        if reference is not None:
            exp = problem.claimed_entries(inst, reference)
        clm = problem.claimed_entries(inst, claim)
        symbols = sorted(set().union(*(scalar_symbols(e) | scalar_symbols(c) for e, c in zip(exp, clm))), key=str)
        tried = 0
        for k in range(POINTS * 5):
            if tried >= POINTS:
                break
            point = sample_point(symbols, rng, k)
            if restrict is not None:
                point = restrict(inst, point)
            values = [(numeric_value(e, point), numeric_value(c, point)) for e, c in zip(exp, clm)]
            if any(e is None for e, _ in values):
                continue
            tried += 1
            for label, e_expr, c_expr, (e, c) in zip(labels, exp, clm, values):
                if c is None or differ(e, c, (e_expr, c_expr), point):
                    return inst, point, label, exp, clm
    return None


def _symbolic_expected(problem):
    """A symbolic derivative, kept only if it agrees with every instance."""
    if problem.index_form:
        candidate = diff_indexed(problem.f, problem.target)
    elif problem.kind == "grad":
        candidate = attempt(lambda: _sympy_matrix_diff(problem.f, problem.target), 2.0, None)
    else:
        return None
    if candidate is None or candidate == 0 and not problem.index_form:
        return None  # SymPy's silent zero is exactly what must not be shown
    try:
        if find_difference(problem, candidate, 99) is None:
            return _readable(candidate)
    except (ShapeError, DeriveError, TypeError, ValueError):
        pass
    return None


def _readable(expr):
    """SymPy's matrix derivatives come as 2*A.T*((1/2)*A*x - (1/2)*b): expand that."""
    expanded = attempt(lambda: sympy.expand(expr), 0.5, expr)
    return expanded if len(str(expanded)) <= len(str(expr)) + 8 else expr


def _sympy_matrix_diff(f, X):
    try:
        return f.diff(X)
    except Exception:  # noqa: BLE001 - SymPy's matrix calculus raises all kinds; we fall back
        return None


def _explicit_display(problem):
    """The derivative at the first instance, when no verified symbolic form exists."""
    if problem.index_form:
        return diff_indexed(problem.f, problem.target)
    _, exp, shape = problem.expected_entries(problem.instances[0])
    return sympy.Matrix(shape[0], shape[1], exp)


# ---------------------------------------------------------------------------
# diagnosis on instances


def _diagnose(problem, seed):
    """(status, explanation) for a claim known to be wrong."""
    claim = problem.claim
    for rule in (_rule_transposed_result, _rule_transposed_factor, _rule_constant_factor,
                 _rule_missing_occurrence, _rule_symmetric_only):
        found = rule(problem, claim, seed)
        if found:
            return found
    return "wrong", _difference_text(problem, seed)


def _equal(problem, candidate, seed=3, restrict=None, reference=None):
    try:
        return find_difference(problem, candidate, seed, restrict, reference) is None
    except (ShapeError, DeriveError, TypeError, ValueError):
        return False


def _rule_transposed_result(problem, claim, seed):
    if problem.index_form or not _is_matrix(claim) or claim.shape[0] != claim.shape[1]:
        return None
    if _equal(problem, _transpose(claim)):
        return "transposed", "the claim is the transpose of the derivative"
    return None


def _rule_transposed_factor(problem, claim, seed):
    if problem.index_form:
        return None
    for M in sorted(claim.atoms(MatrixSymbol), key=str):
        if M == problem.target:
            continue
        for swapped in _each_occurrence_transposed(claim, M):
            if _equal(problem, swapped):
                return "transposed", (f"a factor {M.name} should be its transpose {M.name}.T: "
                                      f"{to_text(swapped)} is the derivative")
    return None


def _each_occurrence_transposed(expr, M):
    """`expr` with one occurrence of M (or of M.T) transposed, for each occurrence in turn."""
    count = [0]

    def walk(e, target):
        if e == M or e == sympy.Transpose(M):
            hit = count[0] == target
            count[0] += 1
            if hit:
                return M if e != M else sympy.Transpose(M)
            return e
        if e.args and not isinstance(e, MatrixSymbol):
            return e.func(*(walk(a, target) for a in e.args))
        return e

    total = 0
    while total < 8:
        count[0] = 0
        swapped = walk(expr, total)
        if count[0] <= total:
            break
        yield swapped
        total += 1


def _rule_constant_factor(problem, claim, seed):
    rng = random.Random(seed)
    inst = problem.instances[0]
    _, exp, _ = problem.expected_entries(inst)
    clm = problem.claimed_entries(inst, claim)
    symbols = sorted(set().union(*(scalar_symbols(e) | scalar_symbols(c) for e, c in zip(exp, clm))), key=str)
    ratios = []
    for k in range(12):
        point = sample_point(symbols, rng, k)
        for e, c in zip(exp, clm):
            ev, cv = numeric_value(e, point), numeric_value(c, point)
            if ev is not None and cv is not None and ev != 0:
                ratios.append(cv / ev)
        if len(ratios) >= 8:
            break
    if len(ratios) < 3 or any(abs(r - ratios[0]) > 1e-25 * max(abs(ratios[0]), 1) for r in ratios):
        return None
    factor = sympy.nsimplify(ratios[0], tolerance=1e-25, rational=True)
    if factor == 1 or factor == 0:
        return None
    if factor == -1:
        return "wrong", "the sign is flipped (the claim is minus the derivative)"
    return "wrong", f"off by a constant factor: the claim is {to_text(factor)} times the derivative"


def _rule_missing_occurrence(problem, claim, seed):
    if not problem.index_form:
        return None
    terms = occurrence_terms(problem.f, problem.target)
    if len(terms) < 2:
        return None
    for size in range(1, len(terms)):
        for subset in itertools.combinations(range(len(terms)), size):
            partial = sum(terms[i][1] for i in subset)
            if _equal(problem, claim, reference=partial):
                missing = [terms[i] for i in range(len(terms)) if i not in subset]
                parts = []
                for occurrence, term in missing:
                    where = ""
                    if occurrence is not None:
                        pairs = ", ".join(f"{a} = {b}" for a, b in zip(occurrence.indices, problem.target.indices))
                        where = f"with {pairs} (where {to_text(occurrence)} is {to_text(problem.target)}) "
                    parts.append(f"the terms {where}are missing: {to_text(term)}")
                return "wrong", "; ".join(parts)
    return None


def _rule_symmetric_only(problem, claim, seed):
    candidates = []
    if problem.index_form:
        bases = {a.base for a in problem.f.atoms(sympy.Indexed) if len(a.indices) == 2}
        for base in sorted(bases, key=str):
            def restrict(inst, point, base=base):
                point = dict(point)
                for key in list(point):
                    if isinstance(key, sympy.Indexed) and key.base == base:
                        i, j = key.indices
                        if i > j:
                            point[key] = point.get(base[j, i], point[key])
                return point
            candidates.append((str(base), restrict))
    else:
        for M in sorted(problem.f.atoms(MatrixSymbol) | claim.atoms(MatrixSymbol), key=str):
            if M == problem.target or not _same_shape((M.shape[0],), (M.shape[1],)):
                continue

            def restrict(inst, point, M=M):
                point = dict(point)
                for low, high in inst.symmetric(M).items():
                    if high in point:
                        point[low] = point[high]
                return point
            candidates.append((M.name, restrict))
    for name, restrict in candidates:
        if _equal(problem, claim, restrict=restrict):
            return "wrong", f"holds only if {name} is symmetric"
    return None


def _difference_text(problem, seed):
    inst, point, label, exp, clm = find_difference(problem, problem.claim, seed)
    labels, _, _ = problem.expected_entries(inst)
    k = labels.index(label)
    return (f"it differs from the derivative; at {inst.describe()}, entry {label} is "
            f"{to_text(sympy.expand(exp[k]))} but the claim gives {to_text(sympy.expand(clm[k]))}")


def _transpose(claim):
    return claim.T if isinstance(claim, MatrixBase) else sympy.Transpose(claim)


def _counterexample(problem, found):
    """The point (sizes, explicit matrices, scalars; exact rationals) and both sides there."""
    inst, point, label, exp, clm = found
    out = dict(inst.sizes)
    matrices = problem.f.atoms(MatrixSymbol) | problem.claim.atoms(MatrixSymbol)
    if isinstance(problem.target, MatrixSymbol):
        matrices.add(problem.target)
    covered = set()
    for M in sorted(matrices, key=str):
        E = inst.matrix(M)
        covered |= set(E)
        out[M] = E.applyfunc(lambda s: point.get(s, sympy.Integer(0)))
    for s, v in point.items():
        if s not in covered:
            out[s] = v
    _, _, shape = problem.expected_entries(inst)
    values = tuple(sympy.Matrix(shape[0], shape[1], [_exact_or_float(e, point) for e in side])
                   for side in (exp, clm))
    return out, values


def _exact_or_float(expr, point):
    exact = as_basic(expr).subs(point)
    if exact.is_Rational:
        return exact
    return numeric_value(expr, point)


__all__ = ["Problem", "check_matrix_notation", "expected_derivative", "find_difference"]
