"""Checking derivatives by scalar parameters of expressions with index sums.

    d/dmu sum((x[i] - mu)**2, i) = -2*sum(x[i] - mu, i)

At each instance (the sizes of `instances.SIZE_SETS`: n = 2, then 3) the sums
are written out, every array element becomes a plain real symbol (x[0] ->
x_0), and a free index (i in sum(w[j]*x[i, j] + b, j)) takes each of its
values, one output each.  What is left is ordinary scalar calculus in the
parameters, with the data as random fixed values: `numeric.validate` checks it
by complex-step / finite differences and confirms any disagreement in 40
digits, as it does every scalar derivative.
"""

import itertools

import sympy
from sympy import Indexed

from ..errors import DeriveError
from ..text.ranges import index_range
from .instances import Instance
from .tensor import InstanceReport, _plain_symbols, free_index_values


def verify_sample(functions, wrt, claimed, namespace, *, what="derivative", seed=0):
    """Check `claimed` (the Jacobian of the column `functions` with respect to the scalar
    symbols `wrt`), both in index notation, at explicit instances.  Returns an
    `InstanceReport`; raises `ValidationError` naming the instance when it is wrong."""
    return verify_samples([(functions, claimed, what)], wrt, namespace, seed=seed)


def verify_samples(checks, wrt, namespace, *, seed=0):
    """`verify_sample` for each (functions, claimed, what) of `checks` (a Hessian and the gradient
    it comes from), all in one numeric check; the report of the last."""
    from .numeric import validate_all

    cases = []
    for functions, claimed, what in checks:
        described = []  # the instances of this check; the report is the last check's
        for inst in Instance.all_for(*functions, *claimed):
            f_rows, c_rows = _written_out(inst, functions, claimed, namespace)
            elements = set().union(*(e.atoms(Indexed) for e in f_rows + c_rows))
            names = _plain_symbols(elements, set().union(*(e.free_symbols for e in f_rows + c_rows)))
            f_inst = sympy.Matrix(f_rows).xreplace(names)
            c_inst = sympy.Matrix(len(f_rows), len(wrt), c_rows).xreplace(names)
            where = f"the {what} failed its numeric check at {inst.describe()} (sums written out): "
            cases.append((f_inst, wrt, c_inst, what, where))
            described.append(inst.describe())
    reports = validate_all(cases, points=2, seed=seed)[len(cases) - len(described):]
    methods = {m for report in reports for m in report.methods}
    method = "complex-step" if methods <= {"complex-step"} else "finite differences"
    return InstanceReport(" and ".join(dict.fromkeys(described)), sum(len(r.points) for r in reports),
                          method=method)


def _written_out(inst, functions, claimed, namespace):
    """(function rows, claimed entries row-major) at `inst`, one block per value of the free indices."""
    f_exp = [inst.explicit(e) for e in functions]
    c_exp = [inst.explicit(e) for e in claimed]
    free = sorted({s for e in f_exp + c_exp for s in e.free_symbols if _is_index(s)}, key=str)
    if not free:
        return f_exp, c_exp
    ranges = []
    for index in free:
        lo, hi = index_range(index, namespace, *functions)
        ranges.append(free_index_values(inst, lo, hi))
    f_rows, c_rows = [], []
    for values in itertools.product(*ranges):
        assignment = dict(zip(free, values))
        f_rows += [e.xreplace(assignment) for e in f_exp]
        c_rows += [e.xreplace(assignment) for e in c_exp]
    if not f_rows:
        raise DeriveError(f"the free indices {', '.join(map(str, free))} have no values at {inst.describe()}")
    return f_rows, c_rows


def _is_index(symbol):
    return isinstance(symbol, sympy.Symbol) and symbol.is_integer is True
