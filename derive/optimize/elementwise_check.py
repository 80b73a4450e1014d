"""Index-notation points checked on written-out instances (n = 2, 3, 5 entries, random data; an
implicit multiplier solved numerically there): every partial derivative of the Lagrangian
vanishes and the constraints hold (`check`); the kind from the reduced Hessian's eigenvalues
there (`kind_at`), or for every entry and data at once where the index Hessian is diagonal
(`diagonal_kind`).
"""

import random

import sympy
from sympy import Indexed, KroneckerDelta, Sum

from ..calculus.variables import Problem
from ..derivation.api import derive_problem
from ..errors import LimitError, ValidationError
from ..text.printing import to_text
from . import light
from .sums import written_out

SIZES = (2, 3, 5)


class Instance:
    """The problem written out at `size` entries with random data: ``L`` (the minimized Lagrangian as
    a function of the entries p[0], ..., and of the multipliers), the constraints, the data and
    parameter values."""

    def __init__(self, problem, size, rng, param_values, positive=False):
        self.problem, self.size = problem, size
        exprs = [problem.F] + [c.expr for c in problem.constraints]
        self.sizes = {s: size for s in sizes_of(exprs)}
        self.params = param_values
        self.data = draw_data(exprs, problem.base, self.sizes, rng, positive)
        self.entries = [problem.base[j] for j in range(int(problem.range[0].xreplace(self.sizes)),
                                                       int(problem.range[1].xreplace(self.sizes)) + 1)]

    def write(self, expr):
        return written_out(expr.xreplace(self.params), self.sizes).xreplace(self.data)

    def per_entry(self, c):
        """The written-out constraint at every entry (for a per-entry constraint), else once."""
        if c.per_entry is None:
            return [self.write(c.expr)]
        lo = int(self.problem.range[0].xreplace(self.sizes))
        return [self.write(c.expr.xreplace({c.per_entry: j})) for j in range(lo, lo + len(self.entries))]

    def point(self, value):
        """{p[j]: the point's value at entry j} (exact, or numeric where an implicit multiplier is)."""
        lo = int(self.problem.range[0].xreplace(self.sizes))
        return {self.problem.base[j]: self.write(value.xreplace({self.problem.k: j}))
                for j in range(lo, lo + len(self.entries))}

    def describe(self):
        return f"{len(self.entries)} entries" + "".join(f", {p} = {v}" for p, v in self.params.items())


def draw_data(exprs, base, sizes, rng, positive=False):
    """Random rational values for every data entry (arrays other than `base`) at these sizes."""
    values = {}
    for expr in exprs:
        e = written_out(expr, sizes)
        for x in sorted(e.atoms(Indexed), key=str):
            if x.base != base and x not in values and all(i.is_Integer for i in x.indices):
                v = sympy.Rational(rng.randint(1, 24), 8)
                values[x] = v if positive or x.is_positive or x.is_nonnegative or rng.random() < 0.5 else -v
    return values


def sizes_of(exprs):
    out = set()
    for e in exprs:
        if isinstance(e, sympy.Basic):
            for s in e.atoms(Sum):
                for _, lo, hi in s.limits:
                    out |= {x for x in lo.free_symbols | hi.free_symbols if x.is_integer}
    return out


def instances(problem, solution, params, seed=0, count=2, tries=25):
    """Up to `count` (Instance, values of the multipliers and the point) inside the problem's domain:
    the solution's conditions hold there, its implicit equations have a real root (found numerically),
    and the point, the multipliers and the Lagrangian there are real and finite.  Data are drawn of
    mixed signs and positive in turn (log q[i] needs q[i] > 0)."""
    rng = random.Random(seed)
    found = []
    for attempt_no in range(tries):
        size = SIZES[(len(found) + attempt_no) % len(SIZES)]
        values = {p: sympy.Rational(rng.randint(-24, 24), 8) for p in params}
        inst = Instance(problem, size, rng, values, positive=attempt_no % 2 == 1)
        if not all(_holds(inst.write(c)) for c in solution.conditions):
            continue
        multipliers = _implicit_roots(inst, solution)
        if multipliers is None or not all(_finite(v) for v in multipliers.values()):
            continue
        point = {e: v.xreplace(multipliers) for e, v in inst.point(solution.value).items()}
        if not all(_finite(v) for v in point.values()):
            continue
        if not _finite(inst.write(problem.lagrangian_min(solution)).xreplace({**point, **multipliers})):
            continue
        found.append((inst, multipliers, point))
        if len(found) == count:
            break
    return found


def _finite(v):
    value = sympy.N(v, 30)
    return bool(value.is_number and value.is_finite and abs(sympy.im(value)) < 1e-25)


def _holds(relation):
    try:
        return bool(relation)
    except TypeError:
        return False


def _implicit_roots(inst, solution):
    """{multiplier: value}: the explicit ones written out, the implicit ones solved numerically (in
    floats from a few starts with derive's own NumPy kernel, then Newton steps at 45 digits), or None
    when no real root is found.  (sympy.lambdify and SciPy cost most of a second to import.)"""
    unknowns = [m for m, v in solution.multipliers.items() if v == m]
    if not solution.implicit:
        return {m: inst.write(v) for m, v in solution.multipliers.items() if v != m}
    import codegen

    if len(solution.implicit) != len(unknowns):
        return None
    equations = [inst.write(e.lhs) for e in solution.implicit]
    jacobian = [[inst.write(d) for d in row] for row in _implicit_jacobian(solution, unknowns)]
    floats = codegen.kernel(equations, unknowns, backend="numpy")
    for start in (0.0, 0.5, -0.5, 2.0, -2.0):
        guess = _newton(floats, [start] * len(unknowns))
        if guess is None:
            continue
        values = _polished(equations, jacobian, unknowns, guess)
        if values is None:
            continue
        out = {m: inst.write(v).xreplace(values) for m, v in solution.multipliers.items() if v != m}
        out.update(values)
        return out
    return None


def _implicit_jacobian(solution, unknowns):
    """d(implicit equations)/d(implicit multipliers), symbolic, once per solution."""
    if getattr(solution, "_jacobian", None) is None:
        solution._jacobian = [[sympy.diff(e.lhs, m) for m in unknowns] for e in solution.implicit]
    return solution._jacobian


def _polished(equations, jacobian, unknowns, guess, digits=32, steps=6):
    """Newton steps at `digits` digits from a float root (values by evalf with substitution, which keeps
    the precision); None unless the residual falls below 1e-26."""
    import mpmath

    x = [sympy.Float(g, digits) for g in guess]
    with mpmath.workdps(digits):
        for _ in range(steps):
            at = dict(zip(unknowns, x))
            f = [e.evalf(digits, subs=at) for e in equations]
            if not all(v.is_number for v in f):
                return None
            if max(abs(v) for v in f) < sympy.Float(10, digits) ** -26:
                return at
            J = mpmath.matrix([[d.evalf(digits, subs=at) for d in row] for row in jacobian])
            try:
                delta = mpmath.lu_solve(J, mpmath.matrix([-v for v in f]))
            except ZeroDivisionError:
                return None
            x = [sympy.Float(v + d, digits) for v, d in zip(x, delta)]
    return None


def _newton(fn, start, steps=60):
    """A root of fn (a few equations) near `start` in floats: Newton with a finite-difference Jacobian
    and step halving, converged when its step is negligible; None when it does not converge (SciPy's
    import alone would cost most of a second)."""
    import numpy as np

    x = np.array(start, dtype=float)
    with np.errstate(all="ignore"):
        f = np.asarray(fn(*x), dtype=float)
        for _ in range(steps):
            if not np.all(np.isfinite(f)):
                return None
            J = np.empty((len(f), len(x)))
            for j in range(len(x)):
                h = 1e-7 * max(1.0, abs(x[j]))
                step = x.copy()
                step[j] += h
                J[:, j] = (np.asarray(fn(*step), dtype=float) - f) / h
            try:
                delta = np.linalg.solve(J, -f)
            except np.linalg.LinAlgError:
                return None
            if np.max(np.abs(delta)) < 1e-10 * (1 + np.max(np.abs(x))):
                # converged in the step, not only in |f|: where exp(-b*E[i]) underflows, f is tiny but
                # Newton keeps walking (no root there)
                return list(x + delta)
            t = 1.0
            while t > 1e-4:
                trial = x + t * delta
                g = np.asarray(fn(*trial), dtype=float)
                if np.all(np.isfinite(g)) and np.max(np.abs(g)) < np.max(np.abs(f)):
                    x, f = trial, g
                    break
                t /= 2
            else:
                return None
    return None


def check(problem, solution, params, seed=0):
    """Every KKT condition holds at written-out instances; raises `ValidationError` otherwise.
    Returns the instances (for the kind)."""
    found = instances(problem, solution, params, seed)
    if not found:
        raise LimitError("could not find data at which to check the point "
                         f"{problem.base}[{problem.k}] = {to_text(solution.value)}; it is left out")
    for inst, multipliers, point in found:
        exact = not solution.implicit
        close = _zero if exact else (lambda e: abs(complex(sympy.N(e, 30))) < 1e-18)
        L = inst.write(problem.lagrangian_min(solution))
        subs = {**point, **multipliers}
        for e in inst.entries:
            if not close(sympy.diff(L, e).xreplace(subs)):
                raise ValidationError(f"internal check failed: dL/d{e} does not vanish at {inst.describe()}; please "
                                      "report this")
        for j, c in enumerate(problem.constraints):
            for g in inst.per_entry(c):
                value = g.xreplace(subs)
                holds = close(value) if (c.kind == "eq" or j in solution.active) else \
                    close(value) or sympy.N(value, 30) < 0
                if not holds:
                    raise ValidationError(f"internal check failed: the constraint {c.text} fails at "
                                          f"{inst.describe()}; please report this")
    return found


def _zero(e):
    if light.is_zero(e):
        return True
    return e.is_number and abs(complex(sympy.N(e, 40))) < 1e-30


def kind_at(problem, solution, found):
    """The kind of the minimized problem's point (min, max, saddle, degenerate) from the reduced Hessian
    of the written-out Lagrangian at each instance; one kind when they agree, else None."""
    import numpy as np

    kinds = set()
    for inst, multipliers, point in found:
        subs = {**point, **multipliers}
        L = inst.write(problem.lagrangian_min(solution))
        H = sympy.hessian(L, inst.entries).xreplace(subs)
        rows = []
        for j, c in enumerate(problem.constraints):
            strong = c.kind == "eq" or (j in solution.active and not _zero_multiplier(solution, c))
            if strong:
                for g in inst.per_entry(c):
                    rows.append([sympy.diff(g, e).xreplace(subs) for e in inst.entries])
        Hn = np.array(H.evalf(30).tolist(), dtype=float)
        if rows:
            J = np.array(sympy.Matrix(rows).evalf(30).tolist(), dtype=float)
            _, sv, vt = np.linalg.svd(J)
            rank = int(np.sum(sv > 1e-10 * max(1.0, sv.max())))
            Z = vt[rank:].T
        else:
            Z = np.eye(len(inst.entries))
        if Z.shape[1] == 0:
            kinds.add("min")
            continue
        eig = np.linalg.eigvalsh(Z.T @ Hn @ Z)
        scale = 1e-9 * max(1.0, np.abs(eig).max())
        kinds.add("min" if np.all(eig > scale) else "max" if np.all(eig < -scale) else
                  "saddle" if eig.min() < -scale and eig.max() > scale else "degenerate")
    return kinds.pop() if len(kinds) == 1 else None


def _zero_multiplier(solution, c):
    value = solution.multipliers.get(c.multiplier, 0)
    return value == 0


def diagonal_kind(problem, solution):
    """(kind, reason) when the Lagrangian's index Hessian is diagonal, d(k) delta(k, l), and the sign of
    d at the point is known for every entry and data; else None."""
    k = problem.k
    try:
        H = derive_problem(Problem.within(problem.namespace, problem.lagrangian_min(solution), problem.element),
                           "hessian", validate_result=False).result
    except Exception:  # noqa: BLE001 - an index Hessian derive cannot take: the instances decide
        return None
    deltas = [d for d in H.atoms(KroneckerDelta)]
    if len(deltas) != 1:
        return None
    delta = deltas[0]
    d = light.tidy(H / delta)
    if d.has(KroneckerDelta) or d.free_symbols & set(delta.free_symbols) - {k}:
        return None
    value = light.tidy(d.xreplace({problem.element: solution.value}).xreplace(
        {m: v for m, v in solution.multipliers.items() if v != m}))
    if value.is_positive:
        return "min", value
    if value.is_negative:
        return "max", value
    return None
