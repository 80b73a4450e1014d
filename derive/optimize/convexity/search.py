"""The numeric side: Hessian eigenvalues at random points of f's domain.

One sampler per notation yields `Candidate`s: points where f and H are finite
and real (so inside f's domain; declarations and data kinds honoured), with H
there in float64.  On them

* the cross-check of a symbolic argument: `violation` must find nothing (the
  smallest eigenvalue >= -1e-9 relative to H's size everywhere);
* the search for a counterexample: `violation` takes the most negative
  curvature found, rounds its eigenvector to a small integer direction v,
  re-evaluates v^T H v exactly (or to 40 digits where exp or sin make it
  irrational), and asks that the chord test f(x + t v) + f(x - t v) < 2 f(x)
  hold too; only then is it a counterexample.

Points are multiples of 1/8 times powers of two, so a float64 point and its
exact rational are the same number.  Scalar notation and index notation (at
explicit sizes, `index_instances`, `data_instances`) are compiled to NumPy
kernels and evaluated in batches; matrix notation is evaluated by
`validation.matrix_eval` at `validation.instances.Point`s, as derive's own
matrix checks are.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import ImmutableMatrix, Indexed, MatrixSymbol, Rational, Symbol

import codegen

from ...text.ranges import index_range
from ...validation.exact import ExactProblem
from ...validation.instances import Instance, Point, size_choices
from ...validation.matrix_eval import NotEvaluable, evaluate
from ...validation.tensor import _elements, _plain_symbols

BATCH = 48  # points per scheme for compiled samplers
SCHEMES = ((0, False), (0, True), (-1, False), (1, True), (-3, False), (2, False), (-2, True), (3, True))
MATRIX_POINTS = 24  # per size, for matrix notation (evaluated one at a time)
DIGITS = 40
KEEP = 6  # candidates re-examined exactly, worst first


@dataclass
class Candidate:
    """A point (in its sampler's own terms) and H there, in float64."""

    sampler: object
    key: object
    hessian: np.ndarray


class ExplicitSampler:
    """f and H as SymPy expressions in plain symbols: scalar notation, or index notation at one size."""

    def __init__(self, f, variables, H, sizes=None, elements=None, kinds=None):
        self.f, self.variables, self.H = f, list(variables), sympy.Matrix(H)
        others = (sympy.Matrix([f]).free_symbols | self.H.free_symbols) - set(self.variables)
        self.params = sorted((s for s in others if isinstance(s, Symbol)), key=lambda s: s.name)
        self.args = self.variables + self.params
        self.failure = ""  # why nothing could be evaluated, if so
        self.sizes = sizes or {}
        self.elements = elements or {}  # plain symbol -> the array element it stands for
        self.kinds, self.simplices = _declared_kinds(self.args, self.elements, kinds or {})

    def candidates(self, rng):
        try:
            fk = codegen.kernel(sympy.Matrix([self.f]), self.args, backend="numpy")
            hk = codegen.kernel(self.H, self.args, backend="numpy")
        except codegen.CodegenError as exc:
            self.failure = f"f or its Hessian cannot be evaluated numerically ({exc})"
            return
        for power, positive_only in SCHEMES:
            columns = [_draw(s, rng, power, positive_only) for s in self.args]
            _honour_kinds(columns, self.kinds, self.simplices, rng)
            with np.errstate(all="ignore"):
                values = np.broadcast_arrays(*columns)
                F = np.asarray(fk(*values), dtype=complex).reshape(BATCH, -1)
                H = np.asarray(hk(*values), dtype=complex).reshape(BATCH, *self.H.shape)
            ok = np.all(np.isfinite(F), axis=1) & np.all(np.abs(F.imag) <= 1e-12 * (1 + np.abs(F.real)), axis=1)
            ok &= np.all(np.isfinite(H), axis=(1, 2)) & np.all(np.abs(H.imag) <= 1e-9 * (1 + np.abs(H.real)),
                                                                axis=(1, 2))
            for b in np.flatnonzero(ok):
                yield Candidate(self, tuple(float(c[b]) for c in columns), H[b].real)

    def curvature(self, key, v):
        point = {s: Rational(x) for s, x in zip(self.args, key)}
        Hx = self.H.xreplace(point)
        return _quadratic(Hx, v)

    def second_difference(self, key, v, t):
        """f(x + t v) + f(x - t v) - 2 f(x), to 40 digits: < 0 is a direct violation of convexity."""
        point = {s: Rational(x) for s, x in zip(self.args, key)}

        def at(sign):
            shifted = {**point, **{s: point[s] + sign * t * d for s, d in zip(self.variables, v)}}
            return self.f.xreplace(shifted).evalf(DIGITS)

        return at(1) + at(-1) - 2 * at(0)

    def describe(self, key, v):
        point, direction = {}, {}
        for s, x in zip(self.args, key):
            point[self.elements.get(s, s)] = Rational(x)
        for s, x in zip(self.variables, v):
            direction[self.elements.get(s, s)] = x
        return _gather(point), _gather(direction), dict(self.sizes)


class MatrixSampler:
    """f and H in matrix notation, evaluated with NumPy at random instances."""

    def __init__(self, f, target, H, properties):
        self.f, self.target, self.H, self.properties = f, target, H, properties
        self.sizes = size_choices(f, H, target)
        self.failure = ""
        self.symbols = set(f.atoms(MatrixSymbol)) | {target} | {
            s for s in f.free_symbols | H.free_symbols if isinstance(s, Symbol) and s not in _size_symbols(self.sizes)}

    def candidates(self, rng):
        for sizes in self.sizes:
            for attempt in range(MATRIX_POINTS):
                point = Point.draw(sizes, self.symbols, rng, attempt, self.properties)
                values = {**point.values, **sizes}
                try:
                    with np.errstate(all="ignore"):
                        F = np.asarray(evaluate(self.f, values, sizes), dtype=complex)
                        H = np.asarray(evaluate(self.H, values, sizes), dtype=complex)
                except NotEvaluable as exc:
                    self.failure = f"f or its Hessian cannot be evaluated numerically ({exc})"
                    return
                except (ArithmeticError, ValueError, np.linalg.LinAlgError):
                    continue
                if not (np.all(np.isfinite(F)) and np.all(np.isfinite(H)) and np.all(np.abs(F.imag) < 1e-12)
                        and np.all(np.abs(H.imag) < 1e-9 * (1 + np.abs(H.real)))):
                    continue
                yield Candidate(self, point, np.atleast_2d(H.real))

    def curvature(self, point, v):
        return _quadratic(point.exact_value(self.H, DIGITS), v)

    def second_difference(self, point, v, t):
        step = np.array([float(d) for d in v]).reshape(-1, 1) * float(t)
        base = point.values[self.target]

        def at(sign):
            shifted = Point(point.sizes, {**point.values, self.target: base + sign * step})
            return sympy.sympify(shifted.exact_value(self.f, DIGITS))

        return sympy.Add(at(1), at(-1), -2 * at(0))

    def describe(self, point, v):
        exact = point.exact()
        direction = {self.target: ImmutableMatrix(list(v))}
        return exact, direction, dict(point.sizes)


def index_instances(f, targets, H, namespace, kinds=None):
    """`ExplicitSampler`s of an index-notation Hessian at two explicit sizes (as derive checks it)."""
    problem = ExactProblem(f, tuple(targets), H, namespace, "hessian")
    out = []
    for inst in problem.instances:
        f_inst = inst.explicit(f)
        H_inst = inst.explicit(H)
        rows = _elements(problem, inst, targets[0])
        cols = _elements(problem, inst, targets[1])
        matrix = sympy.Matrix([[H_inst.xreplace({**a, **b}) for b, _ in cols] for a, _ in rows])
        elements = set().union(f_inst.atoms(Indexed), matrix.atoms(Indexed), (e for _, e in rows))
        names = _plain_symbols(elements, f_inst.free_symbols | matrix.free_symbols)
        variables = [names[e] for _, e in rows]
        sizes = dict(inst.sizes)
        out.append(ExplicitSampler(f_inst.xreplace(names), variables, matrix.xreplace(names), sizes,
                                   {s: e for e, s in names.items()}, kinds))
    return out


def data_instances(f, variables, H, kinds=None):
    """`ExplicitSampler`s for scalar variables of f with sums over data (sum((x[i] - mu)**2, i) in mu):
    the data written out at two sizes."""
    out = []
    for inst in Instance.all_for(f, H):
        f_inst = inst.explicit(f)
        H_inst = sympy.Matrix(H).applyfunc(inst.explicit)
        elements = f_inst.atoms(Indexed) | H_inst.atoms(Indexed)
        names = _plain_symbols(elements, f_inst.free_symbols | H_inst.free_symbols)
        out.append(ExplicitSampler(f_inst.xreplace(names), variables, H_inst.xreplace(names), dict(inst.sizes),
                                   {s: e for e, s in names.items()}, kinds))
    return out


def index_ranges(namespace, f, targets):
    return lambda index: index_range(index, namespace, f, *targets)


# ---------------------------------------------------------------------------


def candidates(samplers, rng):
    """Every point tried, with f and H finite and real there."""
    return [c for sampler in samplers for c in sampler.candidates(rng)]


def violation(found, sense=1):
    """The confirmed counterexample to H >= 0 (sense=1) or H <= 0 (sense=-1) among the candidates
    with the most negative curvature (relative to H's size), or None; rounding is not a violation."""
    worst = []
    for c in found:
        low = _lowest(sense * c.hessian)
        if low < -_tolerance(c.hessian):
            worst.append((low / (1 + np.max(np.abs(c.hessian))), id(c), c))
    for _, _, c in sorted(worst, key=lambda t: t[:2])[:KEEP]:
        confirmed = _confirm(c, sense)
        if confirmed is not None:
            return confirmed
    return None


def _confirm(c, sense):
    """The exact counterexample at candidate c, or None when exact arithmetic does not confirm it."""
    _, V = np.linalg.eigh(sense * c.hessian)
    vector = V[:, 0]
    for denominator in (8, 64, 1024, 2 ** 20):
        v = _rational_direction(vector, denominator)
        if v is None:
            continue
        value = c.sampler.curvature(c.key, v)
        number = sympy.N(value, DIGITS)
        if not number.is_real or not number.is_finite:
            return None
        resolution = sympy.Float(10) ** (5 - DIGITS) * (1 + float(np.max(np.abs(c.hessian))))
        if sense * number < 0 and abs(number) > resolution:
            t = Rational(1, 2 ** 12) / max(abs(x) for x in v)
            gap = sympy.N(c.sampler.second_difference(c.key, v, t), DIGITS)
            if not gap.is_real or sense * gap >= 0:
                return None  # the secant disagrees (a kink, or rounding): not a counterexample to rely on
            point, direction, sizes = c.sampler.describe(c.key, v)
            exact = value.is_Rational or (value.is_number and not value.has(sympy.Float))
            shown = value if exact and sympy.count_ops(value) <= 40 else sympy.Float(number, 15)
            return {"point": point, "direction": direction, "curvature": shown,
                    "curvature_value": float(number), "sizes": sizes, "exact": exact,
                    "step": t, "second_difference": float(gap)}
    return None


def _rational_direction(vector, denominator):
    """The direction rounded to a small integer vector (its length does not matter)."""
    scale = np.max(np.abs(vector))
    if scale == 0:
        return None
    numerators = np.round(vector / scale * denominator).astype(np.int64)
    g = int(np.gcd.reduce(numerators))
    if g == 0:
        return None
    return [sympy.Integer(int(n) // g) for n in numerators]


def _quadratic(Hx, v):
    Hx = sympy.Matrix(Hx)
    total = sympy.Add(*[v[i] * v[j] * Hx[i, j] for i, j in itertools.product(range(len(v)), repeat=2)
                        if v[i] != 0 and v[j] != 0])
    if total.is_Rational or total.has(sympy.Float):  # 40-digit floats stay floats: never guessed exact
        return total
    simpler = sympy.powsimp(sympy.expand(total))
    return simpler if sympy.count_ops(simpler) <= sympy.count_ops(total) else total


def _lowest(H):
    return float(np.linalg.eigvalsh((H + H.T) / 2)[0])


def _tolerance(H):
    return 1e-9 * (1.0 + float(np.max(np.abs(H))))


def _draw(symbol, rng, power, positive_only):
    """BATCH values: k/8 * 2^power (k = 1..16, random sign unless the symbol or scheme says positive)."""
    if symbol.is_integer:
        return rng.integers(1, 6, size=BATCH).astype(float)
    values = rng.integers(1, 17, size=BATCH) / 8.0 * 2.0 ** (power + rng.integers(-1, 2, size=BATCH))
    if symbol.is_negative:
        return -values
    if symbol.is_positive or symbol.is_nonnegative or positive_only:
        return values
    return values * rng.choice([-1.0, 1.0], size=BATCH)


def _declared_kinds(args, elements, kinds):
    """Per argument its declared data kind (or None), and the simplex groups: positions of the
    entries that sum to 1 (the elements of a vector, each row of a matrix)."""
    per_arg, groups = [], {}
    for position, s in enumerate(args):
        key = elements.get(s, s)
        kind = kinds.get(key)
        group = (key,)
        if kind is None and isinstance(key, Indexed):
            kind = kinds.get(key.base)
            group = (key.base, key.indices[:-1])
        per_arg.append(kind)
        if kind == "simplex":
            groups.setdefault(group, []).append(position)
    return per_arg, list(groups.values())


def _honour_kinds(columns, kinds, simplices, rng):
    """Labels, probabilities and simplex rows where declared, exact in float64 (as `Point.draw` draws them)."""
    for position, kind in enumerate(kinds):
        if kind == "binary":
            columns[position] = rng.integers(0, 2, size=BATCH).astype(float)
        elif kind == "sign":
            columns[position] = rng.choice([-1.0, 1.0], size=BATCH)
        elif kind == "probability":
            columns[position] = rng.integers(1, 8, size=BATCH) / 8.0
    for members in simplices:
        total = 2 ** (max(1, int(np.ceil(np.log2(len(members))))) + 4)
        parts = np.array([np.diff(np.concatenate([[0], np.sort(rng.choice(np.arange(1, total), len(members) - 1,
                                                                           replace=False)), [total]]))
                          for _ in range(BATCH)]) / total
        for j, position in enumerate(members):
            columns[position] = parts[:, j]


def _gather(point):
    """Array elements X[0, 1] -> one matrix per array; symbols stay."""
    arrays, out = {}, {}
    for s, v in point.items():
        if isinstance(s, Indexed):
            arrays.setdefault(s.base, {})[tuple(int(i) for i in s.indices)] = v
        else:
            out[s] = v
    for base, entries in sorted(arrays.items(), key=lambda t: str(t[0])):
        rank = len(next(iter(entries)))
        shape = [max(idx[a] for idx in entries) + 1 for a in range(rank)]
        if rank == 1:
            out[base] = ImmutableMatrix(shape[0], 1, [entries.get((i,), 0) for i in range(shape[0])])
        elif rank == 2:
            out[base] = ImmutableMatrix(shape[0], shape[1],
                                        [entries.get((i, j), 0) for i in range(shape[0]) for j in range(shape[1])])
        else:
            out.update({base[idx]: v for idx, v in entries.items()})
    return out


def _size_symbols(sizes_list):
    return {d for sizes in sizes_list for d in sizes}
