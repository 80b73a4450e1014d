"""Checking matrix- and index-notation derivatives before they are returned.

Matrix notation (`verify_numerically`): at two sizes for each symbolic
dimension (different per dimension, so m x n never looks square) and random
points (declared properties honoured), the result is compared entry by entry
with complex-step derivatives of f evaluated with NumPy (`matrix_eval`):
exact to rounding, and no symbolic 3 x 3 inverse is ever formed.

Index notation (`verify_index`): at each instance f becomes an ordinary
expression in the array elements and the result the gradient (or Hessian)
it claims to be; `numeric.validate` compares them as it does every scalar
derivative.  Where nothing can be evaluated numerically, exact comparison on
explicit instances decides (`verify`).
"""

import itertools
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Indexed, MatrixBase, MatrixSymbol

import codegen

from ..calculus.targets import describe_properties
from ..errors import DeriveError, ValidationError
from ..text.functions import is_analytic
from ..text.inputs import as_basic
from ..text.ranges import index_range
from .exact import Problem, find_difference
from .instances import Point, size_choices
from .matrix_eval import NotEvaluable, evaluate



POINTS = 2  # random points per instance (each checks every entry)
SAMPLE_ABOVE = 400  # inputs; beyond, a random 400 of them plus random directions (X: 300 x 300 took > 20 s)


MATRIX_RTOL = 1e-7  # see _check_pair: evaluation rounding of inverses and determinants, not a loose check


ATTEMPTS = 16  # draws per instance before giving up on finding f's domain


@dataclass
class InstanceReport:
    """How a matrix/index result was checked."""

    sizes: str
    points: int
    ok: bool = True
    method: str = "instances"
    assumptions: str = ""
    sampled: str = ""  # "a random 400 of 90000 entries and 20 random directions" at large concrete sizes

    @property
    def status(self):
        return "ok" if self.ok else "mismatch"

    def __str__(self):
        if self.method == "complex-step":
            text = (f"agrees with complex-step derivatives of f at {self.sizes} "
                    f"({self.points} random points, {self.sampled or 'every entry'})")
        elif self.method == "finite differences":
            text = (f"agrees with finite differences of f at {self.sizes} "
                    f"({self.points} random points, {self.sampled or 'every entry'})")
        else:
            text = (f"exact agreement with componentwise derivatives at {self.sizes} "
                    f"({self.points} random points each)")
        return text + (f"; {self.assumptions}" if self.assumptions else "")

    def _repr_latex_(self):
        return r"$\text{" + str(self) + "}$"

    def to_dict(self):
        return {"status": self.status, "ok": self.ok, "method": self.method, "sizes": self.sizes,
                "points": self.points, "assumptions": self.assumptions, "message": str(self)}


def verify_index(expr, targets, result, kind, namespace, seed=0):
    """Check an index-notation `result` numerically on explicit instances.

    At each instance (sizes 2, 3, 4 and 3, 2, 2) f becomes an ordinary expression in
    the array elements; the result, at every value of its free indices, becomes the
    gradient (or Hessian) it claims to be; and `validation.validate` compares it with
    complex-step / finite differences, confirming any disagreement in 40 digits, as for
    every scalar derivative.  Where f cannot be evaluated numerically the exact check
    on instances (`verify`) decides."""
    from .numeric import validate_all

    targets = targets if isinstance(targets, tuple) else (targets,)
    problem = Problem(expr, targets, result, namespace, kind)
    free = _free_indices(expr, targets)
    what = f"{kind} in index notation"
    try:
        cases = []
        for inst in problem.instances:
            where = f"the {what} failed its numeric check at {inst.describe()}: "
            # an index of f no sum runs over (the label c of -log(softmax(z)[c])) takes each value in turn
            for assignment in _assignments(problem, inst, free):
                f_a, result_a = expr.xreplace(assignment), result.xreplace(assignment)
                own = {i for t in targets for i in t.indices} & f_a.free_symbols
                written = _own_index_instances(problem, inst, f_a, targets, result_a, kind) if own else \
                    [_index_instance(problem, inst, f_a, targets, result_a, kind)]
                cases += [(functions, wrt, claimed, what, where) for functions, wrt, claimed in written]
        reports = validate_all(cases, points=2, seed=seed)
    except ValidationError:
        raise
    except DeriveError:  # no numeric evaluation (an unsupported function): exact instances decide
        return verify(expr, targets if len(targets) > 1 else targets[0], result, kind, namespace, seed)
    methods = {m for report in reports for m in report.methods}
    points = sum(len(report.points) for report in reports)
    method = "complex-step" if set(methods) <= {"complex-step"} else "finite differences"
    return InstanceReport(problem.describe(), points, method=method)


def _free_indices(expr, targets):
    """Indices of f that no sum runs over and that are not the variable's own (k, l)."""
    bound = {lim[0] for e in expr.atoms(sympy.Sum) for lim in e.limits}
    own = {i for t in targets for i in t.indices}
    found = {i for e in expr.atoms(Indexed) for i in e.indices if isinstance(i, sympy.Symbol)}
    found |= {a for d in expr.atoms(sympy.KroneckerDelta) for a in d.args if isinstance(a, sympy.Symbol)}
    return sorted(found - bound - own, key=str)


def _assignments(problem, inst, free, limit=27):
    """Values of f's free indices at `inst`: every combination, or the first `limit`
    (the diagonal, where two free indices meet, among them)."""
    if not free:
        return [{}]
    values = [free_index_values(inst, *index_range(i, problem.ns, problem.f, *problem.targets)) for i in free]
    combos = [dict(zip(free, c)) for c in itertools.product(*values)]
    diagonal = [c for c in combos if len(set(c.values())) == 1]
    return (diagonal[:2] + [c for c in combos if c not in diagonal[:2]])[:limit]


def free_index_values(inst, lo, hi):
    """The values of a free index at `inst`; a size that only this index has (i in
    sum(X[i, k]*A[k, j], k): X's rows) takes the instance's first size."""
    unknown = {s: next(iter(inst.sizes.values()), 2) for b in (lo, hi) for s in as_basic(b).free_symbols
               if s not in inst.sizes}
    return inst.index_values(None, as_basic(lo).subs(unknown), as_basic(hi).subs(unknown))


def _index_instance(problem, inst, expr, targets, result, kind):
    """(functions, wrt, claimed) of the index derivative at instance `inst`, in plain symbols."""
    f = inst.explicit(expr)
    # the bound sums are expanded once; the free indices (k, l) then take each value
    explicit = inst.explicit(result)
    rows = _elements(problem, inst, targets[0])
    if kind == "grad":
        functions = sympy.Matrix([f])
        cols = rows
        claimed = sympy.Matrix([[explicit.xreplace(a) for a, _ in rows]])
    else:
        cols = _elements(problem, inst, targets[1])
        functions = sympy.Matrix([sympy.diff(f, e) for _, e in rows])
        claimed = sympy.Matrix([[explicit.xreplace({**a, **b}) for b, _ in cols] for a, _ in rows])
    elements = set().union(*(e.atoms(Indexed) for e in list(functions) + list(claimed)), (e for _, e in cols))
    names = _plain_symbols(elements, functions.free_symbols | claimed.free_symbols)
    return functions.xreplace(names), [names[e] for _, e in cols], claimed.xreplace(names)


def _own_index_instances(problem, inst, expr, targets, result, kind):
    """f uses the variable's own index (x[k]**2 wrt x[k]): for each value of k, f at that k and its
    derivative by x[k] alone (the other elements are data there)."""
    if kind != "grad":
        raise DeriveError(f"f uses the index of the variable {targets[0]} itself; a second derivative of such an "
                          "f is not checked: write f with an index of its own")
    out = []
    for assignment, element in _elements(problem, inst, targets[0]):
        f = inst.explicit(expr.xreplace(assignment))
        claimed = inst.explicit(result.xreplace(assignment))
        elements = f.atoms(Indexed) | claimed.atoms(Indexed) | {element}
        names = _plain_symbols(elements, f.free_symbols | claimed.free_symbols)
        out.append((sympy.Matrix([f.xreplace(names)]), [names[element]], sympy.Matrix([[claimed.xreplace(names)]])))
    return out


def _elements(problem, inst, target):
    """[(index assignment, array element)] for every value of `target`'s indices at `inst`."""
    indices = list(target.indices)
    ranges = [free_index_values(inst, *index_range(i, problem.ns, problem.f, *problem.targets)) for i in indices]
    out = []
    for values in itertools.product(*ranges):
        assignment = dict(zip(indices, values))
        out.append((assignment, target.subs(assignment)))
    return out


def _plain_symbols(elements, taken):
    """Array elements X[0, 1] as real scalar symbols X_0_1 (validation takes symbols)."""
    used = {s.name for s in taken if isinstance(s, sympy.Symbol)}
    names = {}
    for e in sorted(elements, key=str):
        base = f"{e.base.label}_" + "_".join(str(i) for i in e.indices)
        name, k = base, 1
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        label = e.base.label
        assumptions = {a: v for a, v in getattr(label, "assumptions0", {}).items()
                       if a in ("positive", "negative", "nonnegative", "nonpositive") and v}
        names[e] = sympy.Symbol(name, real=True, **assumptions)
    return names


def verify(expr, target, result, kind, namespace, seed=0):
    """Check an index-notation `result` against componentwise derivatives on
    explicit instances (exact arithmetic); raise `ValidationError` if wrong."""
    problem = Problem(expr, target, result, namespace, kind)
    try:
        found = find_difference(problem, result, seed)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"could not check the {kind} on concrete instances: {exc}") from None
    if found is not None:
        inst, _point, label, _exp, _clm = found
        raise ValidationError(
            f"the {kind} in matrix/index notation failed its check at {inst.describe()}, entry {label}: "
            f"the symbolic result disagrees with componentwise differentiation. Please report this.")
    return InstanceReport(" and ".join(i.describe() for i in problem.instances), 4)


def verify_numerically(checks, wrt, properties, seed=0, row=False):
    """Check each (F, dF) pair: dF must be the derivative of F with respect to `wrt`
    (one matrix symbol, or scalar symbols) at random points of every instance.
    Raises `ValidationError` naming the entry when one is wrong."""
    for F, dF in checks:
        _check_result_shape(F, dF, wrt, row)
    everything = [e for pair in checks for e in pair] + list(wrt)
    sizes_list = size_choices(*everything)
    symbols = _symbols_to_draw(everything, sizes_list[0])
    rng = np.random.default_rng(seed)
    methods, checked, sampled = set(), 0, ""
    for sizes in sizes_list:
        done = 0
        for attempt in range(ATTEMPTS):
            if done >= POINTS:
                break
            point = Point.draw(sizes, symbols, rng, attempt, properties)
            reports = []
            for F, dF in checks:
                report = _check_pair(F, dF, wrt, point, seed + attempt)
                if report is None:
                    break
                reports.append(report)
            if len(reports) < len(checks):
                continue  # outside f's domain: draw again
            for (_F, dF), report in zip(checks, reports):
                if report.status == "mismatch":
                    _raise_mismatch(report, point, dF)
            methods |= {m for r in reports for m in r.methods}
            for r in reports:
                if r.sample:
                    sampled = (f"a random {r.sample['entries']} of {r.sample['of']} entries and "
                               f"{r.sample['directions']} random directions")
            done += 1
            checked += 1
        if done == 0:
            raise ValidationError(
                f"could not validate the derivative: found no point at {point.describe()} where f and its "
                f"derivative are finite and real (tried {ATTEMPTS}); pass validate=False to skip")
    method = "complex-step" if methods <= {"complex-step"} else "finite differences"
    described = " and ".join(dict.fromkeys(_describe_sizes(s) for s in sizes_list))  # "the given sizes" once
    return InstanceReport(described, checked, True, method, describe_properties(properties), sampled)


def _check_result_shape(F, dF, wrt, row=False):
    """The entries could all be right and the shape wrong (a row for a column): refuse that too.
    `row`: the Jacobian of a scalar, 1 x n (the gradient is n x 1)."""
    f_shape = tuple(F.shape) if isinstance(F, (sympy.MatrixExpr, MatrixBase)) else (1, 1)
    d_shape = tuple(dF.shape) if isinstance(dF, (sympy.MatrixExpr, MatrixBase)) else (1, 1)
    if isinstance(wrt[0], MatrixSymbol):
        X = wrt[0]
        want = tuple(X.shape) if f_shape == (1, 1) else (f_shape[0] if f_shape[1] == 1 else f_shape[1], X.shape[0])
        if row and f_shape == (1, 1):
            want = (1, X.shape[0])
    elif len(wrt) == 1 and f_shape != (1, 1):
        want = f_shape
    else:
        want = (len(wrt), 1) if f_shape == (1, 1) and d_shape[1] == 1 else (max(f_shape), len(wrt))
    if sympy.simplify(sympy.Matrix(want) - sympy.Matrix(d_shape)) != sympy.zeros(2, 1):
        raise ValidationError(f"the derivative is {d_shape[0]} x {d_shape[1]} but must be {want[0]} x {want[1]}; "
                              "the symbolic result is wrong, please report this")


def _describe_sizes(sizes):
    return ", ".join(f"{d} = {v}" for d, v in sizes.items()) or "the given sizes"


def _symbols_to_draw(exprs, sizes):
    out = set()
    for e in exprs:
        if not isinstance(e, sympy.Basic):
            continue
        out |= e.atoms(MatrixSymbol)
        out |= {s for s in e.free_symbols if isinstance(s, sympy.Symbol) and s not in sizes}
    return out


def _check_pair(F, dF, wrt, point, seed):
    """gradcheck of dF against complex-step / finite differences of F at `point`;
    None where F or dF is not finite and real there."""
    values = dict(point.values)
    values.update(point.sizes)
    if isinstance(wrt[0], MatrixSymbol):
        (X,) = wrt
        shape = values[X].shape
        x0 = values[X].ravel()

        def bind(v):
            return {**values, X: np.reshape(v, shape)}
    else:
        x0 = np.array([values[s] for s in wrt], dtype=float)

        def bind(v):
            return {**values, **dict(zip(wrt, v))}
    try:
        F0 = _flat(evaluate(F, values, point.sizes))
        J0 = _flat(evaluate(dF, values, point.sizes))
    except NotEvaluable:
        raise
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return None
    if not (_finite_real(F0) and _finite_real(J0)):
        return None
    m, n = F0.size, x0.size

    def fun(v):
        return _flat(evaluate(F, bind(v), point.sizes))

    def dfun(v):
        return np.real(_flat(evaluate(dF, bind(v), point.sizes))).reshape(m, n)

    mode = "always" if is_analytic(F) else "auto"
    try:
        # rtol: f and dF are evaluated through LU factorizations and inverses of random
        # matrices, whose rounding is cond(X)*eps (up to ~1e-9 here); a wrong rule is off by O(1)
        report = codegen.gradcheck(fun, dfun, x0, points=0, seed=seed, complex_step=mode, rtol=MATRIX_RTOL,
                                   output_names=None if m == 1 else tuple(f"F{i}" for i in range(m)),
                                   sample=SAMPLE_ABOVE if n > SAMPLE_ABOVE else None)
    except codegen.CodegenError:
        return None
    return _forgive_rounding(report, max(np.max(np.abs(F0)), np.max(np.abs(J0), initial=0.0)))


def _forgive_rounding(report, magnitude):
    """A 'mismatch' of 1e-16 against a derivative that is exactly 0 (f constant through
    cancellation, tr((X^T C X)^-1 X^T B X) for square X) is rounding inside f, not an
    error: differences below 1e-12 of the size of f and its derivative are dropped."""
    if report.status != "mismatch":
        return report
    floor = 1e-12 * magnitude
    real = [e for e in report.mismatches if e.error > floor]
    if real:
        return report
    report.mismatches = []
    report.status = "ok"
    return report


def _flat(value):
    return np.asarray(value).reshape(-1)


def _finite_real(a):
    return bool(np.all(np.isfinite(a)) and np.all(np.abs(np.imag(a)) <= 1e-12 * np.maximum(np.abs(a), 1.0)))


def _raise_mismatch(report, point, dF):
    e = report.worst
    raise ValidationError(
        f"the derivative {' '.join(sympy.sstr(dF).split())[:80]} failed its numeric check at {point.describe()}: entry "
        f"[{e.output}, {e.input}] is {e.claimed:.10g} but complex-step/finite differences of f give "
        f"{e.estimate:.10g}. The symbolic result is wrong; please report this.", report)
