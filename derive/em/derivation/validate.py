"""Every closed form is checked before it is returned, in exact arithmetic.

On a small concrete instance (N = 4 rows, K <= 3 components, d <= 2
coordinates, C <= 3 categories) with random rational responsibilities (rows
summing to one), random data of the model's kind and random parameter values,
the M-step is replayed in its order, and after each update

* J's gradient with respect to every entry of the updated parameter is
  exactly 0 (with the Lagrange multiplier for a simplex: dJ/dw[k] = lambda);
* for a simplex, derive's KKT solver, given the same instance, finds the
  same point and multiplier and classifies it as a maximum;
* for a generalized-EM parameter, the derived gradient and Hessian equal
  J's own derivatives there (to 40 digits).

J is written out explicitly (every sum expanded, log det and the inverse as
determinants and adjugates), so this is independent of the index-notation
manipulations that produced the closed forms.
"""

import random
from dataclasses import dataclass, field

import sympy
from sympy import Indexed, Matrix, Rational, Sum, Symbol

from ...errors import ValidationError
from ...text.budgets import time_budget
from ..priors import NormalInverseWishart, exact
from ..symbols import C, K, Lambda, N, d, logdet, r, x

ROWS = 4


@dataclass
class Validation:
    """What was checked and how: ``checks`` is a list of one-line findings."""

    sizes: str
    checks: list = field(default_factory=list)
    ok: bool = True

    def __str__(self):
        return (f"validated exactly at random responsibilities and data ({self.sizes}): "
                + "; ".join(self.checks))

    def _repr_latex_(self):
        return r"$\text{" + str(self).replace("_", r"\_") + "}$"

    def to_dict(self):
        return {"ok": self.ok, "sizes": self.sizes, "checks": list(self.checks), "message": str(self)}


class Instance:
    """A concrete, exact instance of a model: sizes, r, x, hyperparameters and parameter symbols."""

    def __init__(self, model, seed=0, hard=False):
        self.model = model
        rng = random.Random(seed)
        self.rng = rng
        self.K0 = min(model.k, 3)
        self.d0 = min(model.dim, 2) if model.vector else 1
        self.C0 = min(model.categories or 1, 3)
        self.sizes = {N: sympy.Integer(ROWS), K: sympy.Integer(self.K0), d: sympy.Integer(self.d0), C: sympy.Integer(self.C0)}
        if hard:  # one-hot responsibilities (a hard assignment): small exact numbers for the KKT solver
            self.r = [[Rational(int(kk == row % self.K0)) for kk in range(self.K0)] for row in range(ROWS)]
        else:
            self.r = [[Rational(rng.randint(1, 9)) for _ in range(self.K0)] for _ in range(ROWS)]
            self.r = [[v / sum(row) for v in row] for row in self.r]
        self.x = [[self._datum(rng) for _ in range(self.d0)] for _ in range(ROWS)]
        if model.data == "codes":  # every category seen once at least, when there is room
            for row in range(min(ROWS, self.C0)):
                self.x[row][0] = Rational(row)
        self.hyper = {key: _exact_value(v, self.d0) for key, v in model.hyper.items()}
        self.symbols = {p.name: self._param_symbols(p) for p in model.all_params}

    def describe(self):
        parts = [f"N={ROWS}", f"K={self.K0}"]
        if self.model.vector:
            parts.append(f"d={self.d0}")
        if self.model.categories:
            parts.append(f"C={self.C0}")
        return ", ".join(parts)

    def _datum(self, rng):
        kind = self.model.data
        if kind == "binary":
            return Rational(rng.randint(0, 1))
        if kind == "codes":
            return Rational(rng.randrange(self.C0))
        if kind == "counts":
            return Rational(rng.randint(0, 6))
        if kind == "nonnegative":
            return Rational(rng.randint(1, 40), 8)
        if kind == "positive":
            return Rational(rng.randint(1, 40), 8)
        return Rational(rng.randint(-40, 40), 8)

    def _param_symbols(self, p):
        table = {}
        shape = p.shape(self.sizes)
        for idx in _indices(shape):
            key = idx
            if p.constraint == "spd" and idx[1] > idx[2]:
                key = (idx[0], idx[2], idx[1])
            table[idx] = Symbol(f"{p.symbol}_{'_'.join(map(str, key))}", **({"positive": True}
                                if p.constraint in ("positive", "unit", "simplex") else {"real": True}))
        return table

    def random_values(self):
        """Random parameter values satisfying each constraint (exact)."""
        rng, values = self.rng, {}
        for p in self.model.all_params:
            table = self.symbols[p.name]
            shape = p.shape(self.sizes)
            if p.constraint == "simplex":
                axis = p.axes.index(p.axis)
                raw = {idx: Rational(rng.randint(1, 9)) for idx in table}
                for idx in table:
                    group = [raw[o] for o in table if _same_except(o, idx, axis)]
                    values[table[idx]] = raw[idx] / sum(group)
            elif p.constraint == "spd":
                D = shape[1]
                for kk in range(shape[0]):
                    A = Matrix(D, D, lambda a, b: Rational(rng.randint(-3, 3), 4))
                    S = A * A.T + sympy.eye(D)
                    for a in range(D):
                        for b in range(D):
                            values[table[(kk, a, b)]] = S[a, b]
            else:
                for sym in table.values():
                    if p.constraint == "positive":
                        values[sym] = Rational(rng.randint(2, 24), 8)
                    elif p.constraint == "unit":
                        values[sym] = Rational(rng.randint(1, 9), 10)
                    else:
                        values[sym] = Rational(rng.randint(-16, 16), 8)
        return values

    # -- writing expressions out ------------------------------------------
    def explicit(self, expr, at=None):
        """`expr` (index notation) with every sum expanded on this instance; `at` binds free indices."""
        expr = expr.xreplace(self.sizes)
        if at:
            expr = expr.xreplace(at)
        return self._atoms(unroll(expr))

    def _atoms(self, expr):
        expr = expr.xreplace({f: sympy.log(self._matrix(f.args[0]).det())
                              for f in expr.atoms(sympy.Function) if f.func == logdet})
        replaced = {e: self._element(e) for e in expr.atoms(Indexed)}
        replaced.update({s: self.hyper[s] for s in expr.free_symbols if s in self.hyper})
        return expr.xreplace(replaced)

    def _matrix(self, arg):
        Psi0 = NormalInverseWishart.scale_base
        if arg == Psi0 or getattr(arg, "label", None) == Psi0.label:
            return Matrix(self.hyper[Psi0])
        kk = int(arg.indices[0]) if isinstance(arg, Indexed) else None
        table = self.symbols["covariances"]
        return Matrix(self.d0, self.d0, lambda a, b: table[(kk, a, b)])

    def _element(self, e):
        base, idx = e.base, tuple(int(v) for v in e.indices) if all(v.is_Integer for v in e.indices) else None
        if idx is None:
            return e
        if base == r:
            return self.r[idx[0]][idx[1]]
        if base.label.name == x.label.name:
            return self.x[idx[0]][idx[1] if len(idx) > 1 else 0]
        if base == Lambda:
            return self._matrix(base[idx[0]]).inv()[idx[1], idx[2]]
        for p in self.model.all_params:
            if base.label == p.base.label:
                return self.symbols[p.name][idx]
        for key, value in self.hyper.items():
            if getattr(key, "label", None) == base.label:
                return value[idx] if len(idx) > 1 else value[idx[0]]
        raise ValidationError(f"cannot write {e} out on the check instance")


def unroll(expr):
    """Every sum with concrete bounds written out term by term (no summation formulas, so
    sum_c [x[i] = c] f(c) stays a sum of deltas until x[i] is known)."""
    if isinstance(expr, Sum):
        body = unroll(expr.function)
        for index, lo, hi in expr.limits:
            if not (lo.is_Integer and hi.is_Integer):
                raise ValidationError(f"cannot write out {expr}: its bounds are not numbers")
            body = sympy.Add(*(body.xreplace({index: sympy.Integer(t)}) for t in range(int(lo), int(hi) + 1)))
        return body
    if expr.args and not expr.is_Atom and not isinstance(expr, Indexed):
        return expr.func(*(unroll(a) for a in expr.args))
    return expr


def _exact_value(v, d0):
    import numpy as np

    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return exact(float(a))
    if a.ndim == 1:
        return [exact(float(t)) for t in a[:d0]]
    return Matrix(d0, d0, lambda p, q: exact(float(a[p, q])))


def _indices(shape):
    import itertools

    return list(itertools.product(*(range(n) for n in shape)))


def _same_except(a, b, axis):
    return all(u == v for t, (u, v) in enumerate(zip(a, b)) if t != axis)


# ---------------------------------------------------------------------------


def validate(model, steps, seed=0, seconds=20.0):
    """Replay the M-step on an exact instance and check each update; raise ValidationError if one fails."""
    with time_budget(seconds, "validating the M-step"):
        return _validate(model, steps, seed)


def _validate(model, steps, seed):
    inst = Instance(model, seed)
    J = inst.explicit(model.objective)
    values = inst.random_values()
    report = Validation(inst.describe())
    for step in steps:
        table = inst.symbols[step.param.name]
        if step.kind == "generalized EM":
            _check_gem(inst, J, step, values, table)
            report.checks.append(f"{step.param.name}: the generalized-EM gradient and Hessian equal J's")
            continue
        new = {}
        for idx, sym in table.items():
            at = dict(zip(step.param.axes, idx))
            new[sym] = inst.explicit(step.equation.rhs, at).xreplace(values)
        values.update(new)
        multiplier = None
        if step.kind == "lagrange":
            multiplier = {idx: inst.explicit(step.multiplier_value, dict(zip(step.param.axes, idx)))
                          .xreplace(values) for idx in table}
        for idx, sym in table.items():
            g = sympy.diff(J, sym).xreplace(values)
            if multiplier is not None:
                g = g - multiplier[idx]
            if not _is_zero(g):
                raise ValidationError(
                    f"the M-step for {step.param.name} failed its check: at random responsibilities and data, "
                    f"dJ/d{sym} = {sympy.N(g, 6)} is not 0 there. Please report this.")
        what = "dL/d" if multiplier is not None else "dJ/d"
        report.checks.append(f"{what}{step.param.symbol} = 0 after the {step.param.name} update")
        if step.kind == "lagrange":
            report.checks.append(_check_kkt(model, step, seed))
    return report


def _is_zero(value):
    if value.is_Rational:
        return value == 0
    scale = 1 + sum(abs(sympy.N(t, 50)) for t in sympy.Add.make_args(sympy.expand(value)))
    return abs(sympy.N(value, 50)) <= sympy.Float(10) ** -30 * scale


def _check_kkt(model, step, seed):
    """derive.kkt, on an instance with a hard assignment, finds the closed form's point and
    multiplier (first simplex) and classifies it as a maximum."""
    from ...optimize.kkt import kkt

    inst = Instance(model, seed + 1, hard=True)
    J = inst.explicit(model.objective)
    values = inst.random_values()
    table = inst.symbols[step.param.name]
    axis = step.param.axes.index(step.param.axis)
    first = next(iter(table))
    group = [idx for idx in table if _same_except(idx, first, axis)]
    syms = [table[idx] for idx in group]
    others = {s: v for s, v in values.items() if s not in syms}
    # J restricted to this simplex is sum_s a_s log u_s: collect the coefficients a_s = u_s dJ/du_s
    coefficients = [sympy.expand(sympy.diff(J, s).xreplace(others) * s) for s in syms]
    if any(a.has(*syms) for a in coefficients):
        raise ValidationError(f"J is not of the form sum a log u in the {step.param.name}; cannot check the KKT "
                              "point. Please report this.")
    # an entry with coefficient 0 (a category no assigned row has) sits on the boundary, u = 0
    active = [s for a, s in zip(coefficients, syms) if a != 0]
    objective = sympy.Add(*(a * sympy.log(s) for a, s in zip(coefficients, syms) if a != 0))
    points = kkt(objective, active, eq=[sympy.Eq(sympy.Add(*active), 1)], sense="max").solve()
    if len(points) != 1 or points[0].kind != "max":
        raise ValidationError(f"the KKT check of the {step.param.name} update found {len(points)} KKT point(s) "
                              f"({', '.join(p.kind for p in points)}); expected one maximum. Please report this.")
    point = points[0]
    lam = next(iter(point.multipliers.values()))
    at = dict(zip(step.param.axes, first))
    mine = {s: inst.explicit(step.equation.rhs, dict(zip(step.param.axes, idx))).xreplace(others)
            for idx, s in zip(group, syms)}
    my_lam = inst.explicit(step.multiplier_value, at).xreplace(others)
    if any(sympy.simplify(point.x.get(s, 0) - mine[s]) != 0 for s in syms) or sympy.simplify(lam - my_lam) != 0:
        raise ValidationError(f"derive.kkt disagrees with the {step.param.name} update on the check instance. "
                              "Please report this.")
    return (f"derive.kkt solves the {step.param.name} problem (hard assignment) to the same point, "
            f"a maximum, multiplier {lam}")


def _check_gem(inst, J, step, values, table):
    """The GEM pieces (target indices) against J written out: gradient, Hessian, and the
    objective's change between two values of the element (the line search compares those)."""
    gem, target = step.gem, step.param.target
    for idx, sym in list(table.items())[:2]:
        at = dict(zip(target.indices, idx))
        for derived, order in ((gem.gradient_index, 1), (gem.hessian_index, 2)):
            mine = inst.explicit(derived, at).xreplace(values)
            truth = sympy.diff(J, sym, order).xreplace(values)
            _close(mine, truth, f"generalized-EM {'gradient' if order == 1 else 'Hessian'} for {step.param.name}")
        moved = dict(values)
        moved[sym] = values[sym] * Rational(3, 2)
        objective = inst.explicit(gem.objective_index, at)
        _close(objective.xreplace(moved) - objective.xreplace(values), J.xreplace(moved) - J.xreplace(values),
               f"generalized-EM objective for {step.param.name}")


def _close(mine, truth, what):
    diff = sympy.N(mine - truth, 50)
    scale = 1 + abs(sympy.N(truth, 50))
    if not diff.is_number or abs(diff) > sympy.Float(10) ** -30 * scale:
        raise ValidationError(f"the {what} disagrees with J's at the check instance. Please report this.")


__all__ = ["Instance", "Validation", "validate"]
