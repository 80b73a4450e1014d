"""grad / jacobian / hessian in matrix notation (wrt a matrix symbol) and index
notation (wrt an element x[k]), each result checked on concrete instances.

    grad("x.T @ A @ x", "x", symbols="A: n x n, x: n")    -> (A + A.T)*x
    grad("logdet(X)", "X", symbols="X: n x n")            -> inv(X.T)      (SymPy: a silent 0)
    grad("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]")           -> sum(w[i, k]*x[i], i) + sum(w[k, j]*x[j], j)
    hessian("sum(w[i,j]*x[i]*x[j], i, j)", "x[k], x[l]")  -> w[k, l] + w[l, k]

Index results have every KroneckerDelta between a summation index and a free
index contracted, and no Piecewise; a delta between two free indices (the
Hessian of sum x_i^2 is 2 delta(k, l)) is the answer, not a leftover.
"""

import re
from dataclasses import dataclass

import sympy
from sympy import Add, Indexed, MatrixSymbol, Mul, Sum

from . import matrix_calculus
from .check_matrix import Problem, find_difference
from .errors import DeriveError, ValidationError
from .index_calculus import diff_indexed
from .parser import parse
from .variables import require_used


@dataclass
class InstanceReport:
    """How a matrix/index result was checked: exact comparison on instances."""

    sizes: str
    points: int
    ok: bool = True

    @property
    def status(self):
        return "ok" if self.ok else "mismatch"

    def __str__(self):
        return (f"exact agreement with componentwise derivatives at {self.sizes} "
                f"({self.points} random points each)")

    def _repr_latex_(self):
        return r"$\text{" + str(self) + "}$"

    def to_dict(self):
        return {"status": self.status, "ok": self.ok, "method": "instances", "sizes": self.sizes,
                "points": self.points, "message": str(self)}


def tensor_targets(wrt, namespace, expr=None):
    """The matrix symbols / elements named by `wrt`, or None for ordinary scalars.
    Objects mean what their names mean in `namespace`; each must occur in `expr`."""
    if wrt is None:
        return None
    items = wrt if isinstance(wrt, (list, tuple)) else [wrt]
    if isinstance(wrt, str):
        items = [w for w in re.split(r"[\s;]+|,(?![^\[]*\])", wrt.strip()) if w]
    found = []
    for item in items:
        if isinstance(item, str):
            if "[" in item:
                obj = parse(item, namespace)
            else:
                obj = namespace.names.get(item)
        else:
            obj = namespace.unify(item) if isinstance(item, sympy.Basic) else item
        found.append(obj)
    tensor = [isinstance(o, (MatrixSymbol, Indexed)) for o in found]
    if not any(tensor):
        return None
    if not all(tensor):
        raise DeriveError("mixing matrix/index variables with scalar ones in one derivative is not supported")
    if expr is not None:
        for obj in found:
            require_used(obj if isinstance(obj, MatrixSymbol) else obj.base, expr)
    return found


def differentiate_tensor(expr, targets, kind, namespace, validate=True, seed=0):
    """(result, report, variables) for a derivative in matrix or index notation."""
    first = targets[0]
    if isinstance(first, Indexed):
        result, pair = _index_derivative(expr, targets, kind, namespace)
        target = pair
    else:
        if len(targets) != 1:
            raise DeriveError("differentiate with respect to one matrix or vector at a time")
        result = _matrix_derivative(expr, first, kind)
        target = first
    report = verify(expr, target, result, kind, namespace, seed) if validate else None
    return result, report, target if isinstance(target, tuple) else (target,)


def _matrix_derivative(expr, X, kind):
    try:
        if kind == "grad":
            return matrix_calculus.gradient(expr, X)
        if kind == "jacobian":
            return matrix_calculus.jacobian(expr, X)
        return matrix_calculus.hessian(expr, X)
    except (TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, DeriveError):
            raise
        raise DeriveError(f"cannot take the {kind} of {expr} with respect to {X}: {exc}") from None


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
    """
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


def verify(expr, target, result, kind, namespace, seed=0):
    """Check `result` against componentwise derivatives on instances; raise if wrong."""
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


