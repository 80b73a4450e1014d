"""grad / jacobian / hessian in matrix notation (wrt a matrix symbol, or wrt scalars
of a matrix expression) and index notation (wrt an element x[k]), each result
checked before it is returned.

    grad("x.T @ A @ x", "x", symbols="A: n x n, x: n")    -> (A + A.T)*x
    grad("x.T @ S @ x", "x", symbols="S: n x n symmetric") -> 2*S*x
    grad("logdet(X)", "X", symbols="X: n x n")            -> inv(X.T)      (SymPy: a silent 0)
    jacobian(sin(s)*A*x, s)                               -> cos(s)*A*x
    grad("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]")           -> sum(w[i, k]*x[i], i) + sum(w[k, j]*x[j], j)
    hessian("sum(w[i,j]*x[i]*x[j], i, j)", "x[k], x[l]")  -> w[k, l] + w[l, k]

Matrix-notation results are checked numerically (`verify`): at two sizes
for each symbolic dimension (different per dimension, so m x n never looks
square) and random points (declared properties honoured), the result is
compared entry by entry with complex-step derivatives of f evaluated with
NumPy (`matrix_eval`) — exact to rounding, and no symbolic 3 x 3 inverse is
ever formed.  Index results have every KroneckerDelta between a summation
index and a free index contracted, and are checked exactly on explicit
instances; a delta between two free indices (the Hessian of sum x_i^2 is
2 delta(k, l)) is the answer, not a leftover.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Add, Indexed, MatrixBase, MatrixSymbol, Mul, Sum
from sympy.matrices.expressions.blockmatrix import BlockMatrix

import codegen

from . import matrix_calculus
from .exact_instances import Problem, find_difference
from .errors import DeriveError, ShapeError, SymbolError, ValidationError
from .functions import is_analytic
from .index_calculus import diff_indexed
from .instantiate import Point, size_choices
from .matrix_eval import NotEvaluable, evaluate
from .parser import parse
from .ranges import index_range
from .variables import require_used, split_names

POINTS = 2  # random points per instance (each checks every entry)
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

    @property
    def status(self):
        return "ok" if self.ok else "mismatch"

    def __str__(self):
        if self.method == "complex-step":
            text = (f"agrees with complex-step derivatives of f at {self.sizes} "
                    f"({self.points} random points, every entry)")
        elif self.method == "finite differences":
            text = (f"agrees with finite differences of f at {self.sizes} "
                    f"({self.points} random points, every entry)")
        else:
            text = (f"exact agreement with componentwise derivatives at {self.sizes} "
                    f"({self.points} random points each)")
        return text + (f"; {self.assumptions}" if self.assumptions else "")

    def _repr_latex_(self):
        return r"$\text{" + str(self) + "}$"

    def to_dict(self):
        return {"status": self.status, "ok": self.ok, "method": self.method, "sizes": self.sizes,
                "points": self.points, "assumptions": self.assumptions, "message": str(self)}


# ---------------------------------------------------------------------------
# which path


def tensor_targets(wrt, namespace, expr=None):
    """The matrix symbols / elements named by `wrt` (or, when f is a matrix
    expression, the scalar symbols), or None for ordinary scalar calculus."""
    if wrt is None:
        if expr is not None and _has_matrix_parts(expr):
            names = ", ".join(sorted(M.name for M in expr.atoms(MatrixSymbol)))
            raise SymbolError(f"say which variable to differentiate by (wrt=...): f uses the matrices {names}")
        return None
    items = wrt if isinstance(wrt, (list, tuple)) else [wrt]
    if isinstance(wrt, str):
        items = split_names(wrt)
    matrices = {M.name: M for M in expr.atoms(MatrixSymbol)} if isinstance(expr, sympy.Basic) else {}
    found = []
    for item in items:
        if isinstance(item, str):
            obj = parse(item, namespace) if "[" in item else namespace.names.get(item, matrices.get(item, item))
        else:
            obj = namespace.unify(item) if isinstance(item, sympy.Basic) else item
        found.append(obj)
    if any(isinstance(o, MatrixBase) for o in found):
        raise DeriveError("differentiate with respect to a MatrixSymbol, not an explicit Matrix")
    if any(isinstance(o, sympy.matrices.expressions.matexpr.MatrixElement) for o in found):
        raise DeriveError(f"differentiating with respect to the single entry {found[0]} of a matrix symbol is not "
                          "supported: differentiate with respect to the whole matrix (the gradient holds every "
                          "entry), or use index notation (x[k])")
    tensor = [isinstance(o, (MatrixSymbol, Indexed)) for o in found]
    if not any(tensor):
        if expr is not None and _has_matrix_parts(expr):
            return [_scalar_target(o, expr, namespace) for o in found]
        return None
    if not all(tensor):
        raise DeriveError("mixing matrix/index variables with scalar ones in one derivative is not supported")
    if expr is not None:
        for obj in found:
            require_used(obj if isinstance(obj, MatrixSymbol) else obj.base, expr)
    return found


def _has_matrix_parts(expr):
    if not isinstance(expr, sympy.Basic) or isinstance(expr, MatrixBase):
        return False
    return isinstance(expr, sympy.MatrixExpr) or bool(expr.atoms(MatrixSymbol))


def _scalar_target(obj, expr, namespace):
    if isinstance(obj, str):
        named = [s for s in expr.free_symbols if isinstance(s, sympy.Symbol) and s.name == obj]
        if not named:
            raise SymbolError(f"unknown symbol '{obj}' in wrt")
        obj = named[0]
    if not isinstance(obj, sympy.Symbol):
        raise DeriveError(f"cannot differentiate with respect to {obj!r}")
    return obj


def properties_of(expr, namespace):
    """{matrix symbol: set of declared properties} for the matrix symbols of `expr`."""
    declared = getattr(namespace, "properties", None) or {}
    out = {}
    for M in expr.atoms(MatrixSymbol) if isinstance(expr, sympy.Basic) else ():
        words = declared.get(M.name) if hasattr(declared, "get") else None
        if words:
            out[M] = set(words)
    return out


def symmetric_matrices(properties):
    return tuple(M for M, words in properties.items() if words & {"symmetric", "spd"})


def describe_properties(properties):
    """'S symmetric positive definite (declared)' for the evidence of a check."""
    parts = []
    for M, words in sorted(properties.items(), key=lambda kv: kv[0].name):
        parts.append(f"{M.name} {'symmetric positive definite' if 'spd' in words else 'symmetric'}")
    return ("using the declaration " + ", ".join(parts)) if parts else ""


# ---------------------------------------------------------------------------
# deriving


def differentiate_tensor(expr, targets, kind, namespace, validate=True, seed=0):
    """(result, report, variables) for a derivative in matrix or index notation."""
    first = targets[0]
    if isinstance(first, Indexed):
        result, pair = _index_derivative(expr, targets, kind, namespace)
        report = verify_index(expr, pair, result, kind, namespace, seed) if validate else None
        return result, report, pair if isinstance(pair, tuple) else (pair,)
    _check_uses(expr, targets)
    _check_shapes(expr, targets, kind)
    properties = properties_of(expr, namespace)
    if isinstance(first, MatrixSymbol):
        if len(targets) != 1:
            raise DeriveError("differentiate with respect to one matrix or vector at a time")
        checks = matrix_derivative(expr, first, kind, symmetric_matrices(properties))
    else:
        checks = scalar_derivative(expr, tuple(targets), kind, symmetric_matrices(properties))
    result = checks[-1][1]
    report = None
    if validate:
        try:
            report = verify_numerically(checks, tuple(targets), properties, seed)
        except NotEvaluable:
            if not isinstance(first, MatrixSymbol):
                raise
            report = verify(expr, first, result, kind, namespace, seed)  # exact, on explicit instances
    return result, report, tuple(targets)


def _check_uses(expr, targets):
    for t in targets:
        require_used(t, expr)


def _check_shapes(expr, targets, kind):
    """A one-line error for derivatives that are not matrices (3- or 4-dimensional arrays)."""
    f_shape = tuple(expr.shape) if isinstance(expr, (sympy.MatrixExpr, MatrixBase)) else (1, 1)
    if isinstance(targets[0], MatrixSymbol):
        x_shape = tuple(targets[0].shape)
    else:
        x_shape = (len(targets), 1)
    f_dims = sum(1 for d in f_shape if d != 1)
    x_dims = sum(1 for d in x_shape if d != 1)
    f_words = "a scalar" if not f_dims else f"{_dims_text(f_shape)}"
    if f_dims + x_dims > 2:
        raise ShapeError(f"f is {f_words}: its derivative with respect to the {_dims_text(x_shape)} "
                         f"{targets[0] if len(targets) == 1 else 'scalars'} is a {f_dims + x_dims}-dimensional "
                         "array; derive differentiates scalars of vectors and matrices, and vectors (or matrices, "
                         "by one scalar) of vectors and scalars")
    if kind in ("grad", "hessian") and f_dims:
        raise ShapeError(f"f is {f_words}, not a scalar: the {kind} needs a scalar function (use jacobian for a "
                         "vector function)")
    if kind == "hessian" and x_dims == 2:
        raise ShapeError(f"the Hessian with respect to the {_dims_text(x_shape)} matrix {targets[0]} is a "
                         "4-dimensional array; take it with respect to a vector")


def _dims_text(shape):
    return f"{shape[0]} x {shape[1]}"


def matrix_derivative(expr, X, kind, symmetric):
    """[(F, dF)]: the derivative, preceded by what it is built on (a Hessian's gradient)."""
    try:
        if kind == "grad":
            return [(expr, matrix_calculus.gradient(expr, X, symmetric))]
        if kind == "jacobian":
            return [(expr, matrix_calculus.jacobian(expr, X, symmetric))]
        g = matrix_calculus.gradient(expr, X, symmetric)
        return [(expr, g), (g, matrix_calculus.jacobian(g, X, symmetric))]
    except (TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, DeriveError):
            raise
        raise DeriveError(f"cannot take the {kind} of {expr} with respect to {X}: {exc}") from None


def scalar_derivative(expr, wrt, kind, symmetric):
    """Derivatives of a matrix expression (or a scalar built from one) by scalar symbols."""
    d = matrix_calculus.derivative
    if kind == "jacobian":
        if not matrix_calculus.is_matrix_expr(expr):
            return [(expr, sympy.Matrix([[d(expr, s, symmetric) for s in wrt]]))]
        columns = [d(expr, s, symmetric) for s in wrt]
        if len(columns) == 1:
            return [(expr, columns[0])]
        if expr.shape[1] != 1:
            raise DeriveError(f"the Jacobian of a {expr.shape[0]} x {expr.shape[1]} matrix with respect to "
                              f"{len(wrt)} scalars is a 3-dimensional array; differentiate with respect to one "
                              "scalar at a time (the result has the matrix's shape)")
        return [(expr, BlockMatrix([columns]))]
    f = matrix_calculus.as_scalar_function(expr)
    g = sympy.Matrix([d(f, s, symmetric) for s in wrt])
    if kind == "grad":
        return [(f, g)]
    H = sympy.Matrix(len(wrt), len(wrt), lambda i, j: d(g[i], wrt[j], symmetric))
    return [(f, g), (g, H)]


# ---------------------------------------------------------------------------
# index notation


def _index_derivative(expr, targets, kind, namespace):
    if kind == "jacobian":
        raise DeriveError("in index notation, differentiate each output F[i] with grad(F[i], x[k])")
    first = targets[0]
    if kind == "grad":
        if len(targets) != 1:
            raise DeriveError("grad in index notation takes one element, like x[k]")
        return tidy_index(diff_indexed(expr, first)), first
    second = targets[1] if len(targets) > 1 else _second_element(first, expr, namespace)
    result = diff_indexed(diff_indexed(expr, first), second)
    return tidy_index(result), (first, second)


def _second_element(first, expr, namespace):
    """x[l] for the Hessian when only x[k] was given: a fresh index name."""
    used = {s.name for s in expr.free_symbols} | {str(i) for i in first.indices} | set(namespace.names)
    for name in ("l", "m", "p", "q", "l1", "l2"):
        if name not in used:
            index = namespace.index(name)
            k = first.indices[0]
            if k in namespace.index_ranges:
                namespace.index_ranges[index] = namespace.index_ranges[k]
            return first.base[index]
    raise DeriveError("no free index name left for the second derivative; pass both, like 'x[k], x[l]'")


def tidy_index(expr):
    """Merge sums over the same range, move constant factors inside, factor bodies.

    sum(-2*A[i,k]*b[i], i)/2 + sum(2*A[i,k]*sum(A[i,j]*x[j], j), i)/2
        -> sum(A[i, k]*(sum(A[i, j]*x[j], j) - b[i]), i)

    A sum whose body does not use its index is a count times the body:
    sum(-P[k, m], i) -> -N*P[k, m] for i in 0..N-1.
    """
    expr = expr.replace(lambda e: isinstance(e, Sum) and any(lim[0] not in e.function.free_symbols
                                                              for lim in e.limits), _count_constant_limits)
    expr = sympy.expand_mul(expr, deep=False)
    groups, rest = {}, []
    for term in Add.make_args(expr):
        coeff, sums = [], []
        for factor in Mul.make_args(term):
            (sums if isinstance(factor, Sum) else coeff).append(factor)
        if len(sums) == 1 and not any(lim[0] in Mul(*coeff).free_symbols for lim in sums[0].limits):
            key = sums[0].limits
            groups.setdefault(key, []).append(Mul(*coeff) * sums[0].function)
        else:
            rest.append(term)
    merged = [Sum(sympy.factor_terms(Add(*bodies)), *limits) for limits, bodies in groups.items()]
    return Add(*merged, *rest)


# ---------------------------------------------------------------------------
# checking


def _count_constant_limits(s):
    """Sum(c, (i, lo, hi), ...) with c free of i: (hi - lo + 1) * Sum(c, other limits)."""
    count, kept = sympy.S.One, []
    for lim in s.limits:
        index, lo, hi = lim
        if index in s.function.free_symbols or any(index in other[1].free_symbols | other[2].free_symbols
                                                    for other in s.limits if other is not lim):
            kept.append(lim)
        else:
            count *= hi - lo + 1
    return count * (Sum(s.function, *kept) if kept else s.function)


def verify_index(expr, targets, result, kind, namespace, seed=0):
    """Check an index-notation `result` numerically on explicit instances.

    At each instance (sizes 2, 3, 4 and 3, 2, 2) f becomes an ordinary expression in
    the array elements; the result, at every value of its free indices, becomes the
    gradient (or Hessian) it claims to be; and `validation.validate` compares it with
    complex-step / finite differences, confirming any disagreement in 40 digits, as for
    every scalar derivative.  Where f cannot be evaluated numerically the exact check
    on instances (`verify`) decides."""
    from .validation import validate  # numeric checking sits above the rule tables

    targets = targets if isinstance(targets, tuple) else (targets,)
    problem = Problem(expr, targets, result, namespace, kind)
    methods, points = {}, 0
    try:
        for inst in problem.instances:
            functions, wrt, claimed = _index_instance(problem, inst, expr, targets, result, kind)
            report = validate(functions, wrt, claimed, points=2, seed=seed, what=f"{kind} in index notation")
            methods.update(report.methods)
            points += len(report.points)
    except ValidationError as exc:
        raise ValidationError(f"the {kind} in index notation failed its numeric check at {inst.describe()}: "
                              f"{exc}", getattr(exc, "report", None)) from None
    except DeriveError:  # no numeric evaluation (an unsupported function): exact instances decide
        return verify(expr, targets if len(targets) > 1 else targets[0], result, kind, namespace, seed)
    method = "complex-step" if set(methods) <= {"complex-step"} else "finite differences"
    return InstanceReport(problem.describe(), points, method=method)


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


def _elements(problem, inst, target):
    """[(index assignment, array element)] for every value of `target`'s indices at `inst`."""
    indices = list(target.indices)
    ranges = [inst.index_values(i, *index_range(i, problem.ns, problem.f, *problem.targets)) for i in indices]
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
        inst, point, label, exp, clm = found
        raise ValidationError(
            f"the {kind} in matrix/index notation failed its check at {inst.describe()}, entry {label}: "
            f"the symbolic result disagrees with componentwise differentiation. Please report this.")
    return InstanceReport(" and ".join(i.describe() for i in problem.instances), 4)


def verify_numerically(checks, wrt, properties, seed=0):
    """Check each (F, dF) pair: dF must be the derivative of F with respect to `wrt`
    (one matrix symbol, or scalar symbols) at random points of every instance.
    Raises `ValidationError` naming the entry when one is wrong."""
    for F, dF in checks:
        _check_result_shape(F, dF, wrt)
    everything = [e for pair in checks for e in pair] + list(wrt)
    sizes_list = size_choices(*everything)
    symbols = _symbols_to_draw(everything, sizes_list[0])
    rng = np.random.default_rng(seed)
    methods, checked = set(), 0
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
            for (F, dF), report in zip(checks, reports):
                if report.status == "mismatch":
                    _raise_mismatch(report, point, dF)
            methods |= {m for r in reports for m in r.methods}
            done += 1
            checked += 1
        if done == 0:
            raise ValidationError(
                f"could not validate the derivative: found no point at {point.describe()} where f and its "
                f"derivative are finite and real (tried {ATTEMPTS}); pass validate=False to skip")
    method = "complex-step" if methods <= {"complex-step"} else "finite differences"
    described = " and ".join(_describe_sizes(s) for s in sizes_list)
    return InstanceReport(described, checked, True, method, describe_properties(properties))


def _check_result_shape(F, dF, wrt):
    """The entries could all be right and the shape wrong (a row for a column): refuse that too."""
    f_shape = tuple(F.shape) if isinstance(F, (sympy.MatrixExpr, MatrixBase)) else (1, 1)
    d_shape = tuple(dF.shape) if isinstance(dF, (sympy.MatrixExpr, MatrixBase)) else (1, 1)
    if isinstance(wrt[0], MatrixSymbol):
        X = wrt[0]
        want = tuple(X.shape) if f_shape == (1, 1) else (f_shape[0] if f_shape[1] == 1 else f_shape[1], X.shape[0])
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
                                   output_names=None if m == 1 else tuple(f"F{i}" for i in range(m)))
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
