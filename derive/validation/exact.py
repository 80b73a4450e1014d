"""Exact comparison of derivatives on explicit instances: the ground truth for index
notation, and the fallback for matrix notation when a form cannot be evaluated
numerically.

On an instance (`instantiate.Instance`: sizes 2 and 3, explicit matrices of
symbols, explicit sums) a derivative is an ordinary partial derivative, and a
claim is compared with it entry by entry at exact rational points.  Costly for
inverses and determinants (symbolic 3 x 3 inverses), which is why matrix
notation is checked numerically (`check.matrix.NumericProblem`) whenever it can.

`ExactProblem` offers what the diagnosis rules in `check/matrix/rules.py` ask of a
problem: ``first_difference``, ``equal`` (also at points where one matrix is
symmetric, or an array is assumed to be data of a kind, or against another
claim-like expression), ``ratio`` and ``counterexample``.

First derivatives of f with exp, log and the like are not differentiated symbolically on the
instance: their values come by complex step in 60-digit arithmetic (`fast`), and a difference
found that way is confirmed exactly before it counts.

Points lie in the domain: f is defined there, and arrays declared as data
(binary labels, a simplex) hold such data (`instances.conform`).  Scalar
parameters of a sample (mu in sum((x[i] - mu)**2, i)) are targets too.
"""

import itertools
import random

import sympy
from sympy import MatrixBase, MatrixExpr, MatrixSymbol

from . import fast
from .equivalence import defined_at, differ, numeric_value, sample_point
from ..errors import DeriveError, ShapeError
from ..calculus.index import diff_indexed
from .instances import Instance, conform, data_kinds, instance_kinds, scalar_symbols
from ..text.ranges import index_range
from ..text.inputs import as_basic

POINTS = 4


class ExactProblem:
    """f, the variable, the claim and the expected derivative on explicit instances.

    `target` is a matrix symbol, an element x[k], (for a second derivative
    in index notation) a pair (x[k], x[l]), or a tuple of scalar symbols
    (parameters of a sample: mu, s2 in sums over x[i]).
    """

    method = "exact comparison"

    def __init__(self, expr, target, claim, ns, kind, display=None):
        self.targets = tuple(target) if isinstance(target, tuple) else (target,)
        self.f, self.target, self.claim, self.ns = expr, self.targets[0], claim, ns
        self.index_form = isinstance(self.target, sympy.Indexed)
        self.scalar_form = all(isinstance(t, sympy.Symbol) for t in self.targets)
        self.kind = kind or (_scalar_kind(self.targets, claim) if self.scalar_form else infer_kind(expr, self.target,
                                                                                                   claim))
        # indices f leaves free (a label c in z[c]) take every value, like the variable's k
        self.free = sorted(_free_indices(expr) - {i for t in self.targets for i in getattr(t, "indices", ())},
                           key=str) if self.index_form else []
        extra = set()
        if self.index_form:
            for i in [*dict.fromkeys(i for t in self.targets for i in t.indices), *self.free]:
                extra |= set().union(*(sympy.sympify(b).free_symbols for b in index_range(i, ns, expr, *self.targets)))
        self.instances = Instance.all_for(expr, claim, self.target if not self.index_form else expr, extra=extra)
        declared = getattr(ns, "properties", None) or {}
        arrays = _matrix_symbols(expr, claim) | {a.base for e in (expr, claim) if isinstance(e, sympy.Basic)
                                                 for a in e.atoms(sympy.Indexed) if len(a.indices) == 2}
        self.declared = {M: set(declared.get(str(getattr(M, "name", getattr(M, "label", M))))) for M in arrays
                         if set(declared.get(str(getattr(M, "name", getattr(M, "label", M)))) or ())
                         & {"symmetric", "spd"}}
        self.kinds = data_kinds(ns, expr, claim)  # declared data: binary labels, simplex rows, ...
        self._display = display
        self._expected = {}  # instance number -> (labels, entries, shape): computed once
        self._explicit_f = {}

    # -- shapes ----------------------------------------------------------
    def expected_shape(self):
        if self.index_form:
            return None
        if self.scalar_form:
            n = len(self.targets)
            return (n, n) if self.kind == "hessian" else (n, 1)
        n = self.target.shape[0]
        if self.kind == "jacobian":
            return (self.f.shape[0], n)
        if self.kind == "hessian":
            return (n, n)
        return tuple(self.target.shape)

    def describe(self):
        return " and ".join(i.describe() for i in self.instances)

    # -- the truth on one instance ------------------------------------------
    def explicit_f(self, inst):
        """f at this instance (sums written out), computed once."""
        key = id(inst)
        if key not in self._explicit_f:
            self._explicit_f[key] = inst.explicit(self.f)
        return self._explicit_f[key]

    def instance_symbols(self, inst):
        """The scalars of f and of the derivative at this instance (computed once)."""
        key = ("symbols", id(inst))
        if key not in self._expected:
            found = scalar_symbols(self.explicit_f(inst))
            if self.engine(inst) is None:
                _, exp, _ = self.expected_entries(inst)
                found = found.union(*(scalar_symbols(e) for e in exp))
            self._expected[key] = found
        return self._expected[key]

    def labels(self, inst):
        """(labels, shape, elements) of the derivative's entries at this instance, without computing them;
        `elements` are the variables of a first derivative (None otherwise)."""
        key = ("labels", id(inst))
        if key not in self._expected:
            if self.index_form and self.kind == "grad" and len(self.targets) == 1 and not self.free:
                elements = [self.target.subs(sub) for sub in self._index_values(inst)]
                self._expected[key] = ([str(e) for e in elements], (len(elements), 1), elements)
            elif self.scalar_form and self.kind == "grad":
                self._expected[key] = ([f"df/d{t}" for t in self.targets], (len(self.targets), 1), list(self.targets))
            else:
                labels, _, shape = self.expected_entries(inst)
                self._expected[key] = (labels, shape, None)
        return self._expected[key]

    def engine(self, inst):
        """f at this instance as a `fast.Program` when first derivatives are taken by complex step
        there (f analytic, with exp, log, ...), else None (exact symbolic derivatives)."""
        key = ("engine", id(inst))
        if key not in self._expected:
            self._expected[key] = None
            if self.kind == "grad" and (self.index_form and len(self.targets) == 1 and not self.free
                                         or self.scalar_form):
                try:
                    program = fast.Program([_scalar(self.explicit_f(inst))])
                except (fast.Unsupported, ShapeError):
                    program = None
                if program is not None and program.analytic and program.transcendental:
                    self._expected[key] = program
        return self._expected[key]

    def fast_values(self, inst, point):
        """(f defined here?, the derivative's entries) at `point` by complex step; entries None where
        not real."""
        program = self.engine(inst)
        try:
            values = program.run(point)
        except (ZeroDivisionError, ValueError, OverflowError):
            return False, None
        if program.real_outputs(values)[0] is None or not program.inside_domain(values):
            return False, None
        _, _, elements = self.labels(inst)
        entries = []
        for e in elements:
            d = fast.derivative(program, point, e)
            entries.append(None if d is None else d[0])
        return True, entries

    def expected_entries(self, inst):
        """(labels, expected entries, shape) of the derivative at this instance (computed once)."""
        key = id(inst)
        if key not in self._expected:
            self._expected[key] = self._expected_entries(inst)
        return self._expected[key]

    def _expected_entries(self, inst):
        f = self.explicit_f(inst)
        first = {}  # each first derivative once: a Hessian's n^2 entries reuse them

        def d(g, *variables):
            if g is not f or not variables:
                return sympy.diff(g, *variables)
            if variables[0] not in first:
                first[variables[0]] = sympy.diff(f, variables[0])
            return sympy.diff(first[variables[0]], *variables[1:]) if len(variables) > 1 else first[variables[0]]

        if self.scalar_form:
            f = _scalar(f)
            ts = self.targets
            if self.kind == "hessian":
                exp = [d(f, a, b) for a in ts for b in ts]
                labels = [f"d2f/d{a}d{b}" for a in ts for b in ts]
                return labels, exp, (len(ts), len(ts))
            return [f"df/d{t}" for t in ts], [d(f, t) for t in ts], (len(ts), 1)
        if self.index_form:
            labels, exp = [], []
            for sub in self._index_values(inst):
                elements = [t.subs(sub) for t in self.targets]
                if self.free:  # f at these values of its free indices
                    labelled = {i: sympy.Integer(sub[i]) for i in self.free}
                    exp.append(sympy.diff(f.xreplace(labelled), *elements))
                    labels.append(", ".join(str(e) for e in elements) + " ("
                                  + ", ".join(f"{i} = {v}" for i, v in labelled.items()) + ")")
                    continue
                exp.append(d(f, *elements))
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
            exp = [d(f, X[a], X[b]) for a in range(X.shape[0]) for b in range(X.shape[0])]
            shape = (X.shape[0], X.shape[0])
        labels = [f"[{i}, {j}]" for i in range(shape[0]) for j in range(shape[1])]
        return labels, exp, tuple(shape)

    def _index_values(self, inst):
        """Every assignment of the free indices (k, or k and l) to concrete values."""
        key = ("index values", id(inst))
        if key not in self._expected:
            indices = list(dict.fromkeys([*(i for t in self.targets for i in t.indices), *self.free]))
            ranges = [inst.index_values(i, *index_range(i, self.ns, self.f, *self.targets)) for i in indices]
            self._expected[key] = [dict(zip(indices, values)) for values in itertools.product(*ranges)]
        return self._expected[key]

    def claimed_entries(self, inst, claim):
        """The claim's entries at this instance, in the order of `expected_entries` (the claim's own
        written out once: every diagnosis compares it again, under another assumption)."""
        if claim is not self.claim:
            return self._claimed_entries(inst, claim)
        key = ("claim", id(inst))
        if key not in self._expected:
            self._expected[key] = self._claimed_entries(inst, claim)
        return self._expected[key]

    def _claimed_entries(self, inst, claim):
        if self.index_form:
            free = {i for t in self.targets for i in t.indices}
            if any(lim[1].free_symbols & free or lim[2].free_symbols & free for s in as_basic(claim).atoms(sympy.Sum)
                   for lim in s.limits):
                return [inst.explicit(claim.subs(sub)) for sub in self._index_values(inst)]
            # the bound sums are written out once; the free indices then take each value
            explicit = inst.explicit(claim)
            return [explicit.xreplace({i: sympy.Integer(v) for i, v in sub.items()}) for sub in self._index_values(inst)]
        if self.scalar_form and not isinstance(claim, (MatrixBase, MatrixExpr)):
            claim = sympy.Matrix([[claim]])
        value = inst.explicit(claim)
        value = value if isinstance(value, MatrixBase) else sympy.Matrix([[value]])
        _, shape, _ = self.labels(inst)
        if tuple(value.shape) != tuple(shape):
            raise ShapeError(f"at {inst.describe()} the claim is {value.shape[0]} x {value.shape[1]} but the "
                             f"derivative is {shape[0]} x {shape[1]}")
        return list(value)

    def display(self):
        """The derivative to show: symbolic in index notation (or as given), explicit at the first
        instance otherwise."""
        if self._display is not None:
            return self._display
        if self.index_form:
            return diff_indexed(self.f, self.target)
        if self.scalar_form:
            ts = self.targets
            if self.kind == "hessian":
                return sympy.Matrix(len(ts), len(ts), [sympy.diff(self.f, a, b) for a in ts for b in ts])
            return sympy.Matrix([sympy.diff(self.f, t) for t in ts])
        _, exp, shape = self.expected_entries(self.instances[0])
        return sympy.Matrix(shape[0], shape[1], exp)

    # -- what the diagnosis rules ask -----------------------------------------
    def first_difference(self, candidate, seed=0, symmetric=None, reference=None, assume=None):
        """`assume`: {array, symbol or matrix: data kind or ("size", d)} taken to hold as well.
        Matrices declared symmetric (or spd) are symmetric at every point."""
        return find_difference(self, candidate, seed, self._restriction(symmetric), reference, assume, strict=True)

    def _restriction(self, symmetric=None):
        """Points to points where the declared symmetric matrices (and `symmetric`) are symmetric."""
        restrictions = [_symmetric_restriction(self, M) for M in [symmetric, *self.declared] if M is not None]
        if not restrictions:
            return None

        def restrict(inst, point):
            for r in restrictions:
                point = r(inst, point)
            return point
        return restrict

    def equal(self, candidate, symmetric=None, reference=None, seed=3, assume=None):
        try:
            if symmetric is None and reference is None and assume is None and not self.screen(candidate):
                return False
            return self.first_difference(candidate, seed, symmetric, reference, assume) is None
        except (ShapeError, DeriveError, TypeError, ValueError, ArithmeticError, IndexError):
            return False

    witness = None  # (instance, point, label, expected, claimed) where the claim differs, once known

    def screen(self, candidate):
        """False if `candidate` differs from the derivative at the witness (the entry and point where
        the claim was found wrong): one entry written out instead of every entry at every point.  The
        diagnosis rules try many candidates; most fail here."""
        if self.witness is None:
            return True
        inst, point, label, exp, _ = self.witness
        labels, _, _ = self.labels(inst)
        at = labels.index(label)
        if self.index_form:
            sub = {i: sympy.Integer(v) for i, v in self._index_values(inst)[at].items()}
            value = inst.explicit(as_basic(candidate).xreplace(sub))
        else:
            value = self.claimed_entries(inst, candidate)[at]
        c, e = numeric_value(value, point), numeric_value(exp[at], point)
        return e is None or (c is not None and not differ(e, c, (exp[at], value), point))

    def point_kinds(self, inst, assume=None):
        """The data kinds at this instance, for `instances.conform`: arrays and scalars as
        declared (and as assumed), matrix symbols' explicit entries one by one or, for a
        simplex, per row (a vector: all its entries)."""
        return instance_kinds({k: v for k, v in {**self.kinds, **(assume or {})}.items() if isinstance(v, str)}, inst)

    def ratio(self, candidate, seed=0):
        """The constant c with candidate = c * derivative at every point tried, or None."""
        rng = random.Random(seed)
        inst = self.instances[0]
        clm = self.claimed_entries(inst, candidate)
        symbols = sorted(self.instance_symbols(inst).union(*(scalar_symbols(c) for c in clm)), key=str)
        exp = None if self.engine(inst) is not None else self.expected_entries(inst)[1]
        ratios = []
        restrict = self._restriction()
        for k in range(12):
            point = sample_point(symbols, rng, k, kinds=self.point_kinds(inst))
            point = restrict(inst, point) if restrict is not None else point
            if exp is None:
                defined, values = self.fast_values(inst, point)
                if not defined:
                    continue
                expected = [fast.as_sympy(v) for v in values]
            else:
                expected = [numeric_value(e, point) for e in exp]
            for ev, c in zip(expected, clm):
                cv = numeric_value(c, point)
                if ev is not None and cv is not None and ev != 0:
                    ratios.append(cv / ev)
            if len(ratios) >= 8:
                break
        if len(ratios) < 3 or any(abs(r - ratios[0]) > 1e-25 * max(abs(ratios[0]), 1) for r in ratios):
            return None
        return sympy.nsimplify(ratios[0], tolerance=1e-25, rational=True)

    def symmetric_choices(self):
        """(name, key) of the square matrices (or 2-index arrays) that could be symmetric."""
        if self.index_form:  # 2-index arrays whose two axes run over one range
            bases = {a.base for a in self.f.atoms(sympy.Indexed) if len(a.indices) == 2
                     and index_range(a.indices[0], self.ns, self.f) == index_range(a.indices[1], self.ns, self.f)}
            return [(str(b), b) for b in sorted(bases, key=str)]
        found = (self.f.atoms(MatrixSymbol) | self.claim.atoms(MatrixSymbol)) - {self.target} - set(self.declared)
        return [(M.name, M) for M in sorted(found, key=str) if is_square(M)]

    def difference_text(self, seed=0):
        """Where the claim and the derivative part, in numbers (never whole expressions at an instance)."""
        inst, point, label, exp, clm = self.witness or self.first_difference(self.claim, seed)
        labels, _, _ = self.labels(inst)
        k = labels.index(label)
        e, c = (_show(_exact_or_float(side[k], point)) for side in (exp, clm))
        where = f"the entry for {label}" if self.index_form else f"entry {label}"
        shown = self.display()
        if isinstance(shown, MatrixBase) and shown.shape == (1, 1) and self.scalar_form:
            shown = shown[0, 0]
        written = _text(self.claim)
        claim = f" {written}" if len(written) <= 60 else ""
        formula = f"the derivative is {_text(shown)}; the claim{claim} differs from it" if self.index_form or \
            self.scalar_form else "it differs from the derivative"
        return f"{formula}: at the counterexample ({inst.describe()}) {where} is {e} but the claim gives {c}"

    def counterexample(self, found):
        """The point (sizes, explicit matrices, scalars; exact rationals) and both sides there."""
        inst, point, _label, exp, clm = found
        out = dict(inst.sizes)
        matrices = self.f.atoms(MatrixSymbol) | self.claim.atoms(MatrixSymbol)
        if isinstance(self.target, MatrixSymbol):
            matrices.add(self.target)
        covered = set()
        for M in sorted(matrices, key=str):
            E = inst.matrix(M)
            covered |= set(E)
            out[M] = E.applyfunc(lambda s: point.get(s, sympy.Integer(0)))
        for s, v in point.items():
            if s not in covered:
                out[s] = v
        _, shape, _ = self.labels(inst)
        values = tuple(sympy.Matrix(shape[0], shape[1], [_exact_or_float(e, point) for e in side])
                       for side in (exp, clm))
        return out, values


Problem = ExactProblem  # the name tensor.verify has always used


def _scalar_kind(targets, claim):
    n = len(targets)
    return "hessian" if n > 1 and is_matrix(claim) and tuple(claim.shape) == (n, n) else "grad"


def infer_kind(f, target, claim):
    """grad for a scalar f (a 1 x 1 matrix is a scalar), jacobian for a vector f,
    hessian for a scalar f and an n x n claim (n > 1) with respect to a vector."""
    if isinstance(target, sympy.Indexed):
        return "grad"
    if is_matrix(f) and f.shape != (1, 1) and target.shape[1] == 1:
        return "jacobian"
    n = target.shape[0]
    if is_matrix(claim) and target.shape[1] == 1 and n != 1 and same_entries(claim.shape, (n, n)):
        return "hessian"
    return "grad"


def find_difference(problem, claim, seed, restrict=None, reference=None, assume=None, strict=False):
    """The first (instance, point, label, expected, claimed) where `claim` differs
    from the derivative (or from `reference`, another claim-like expression), or None.
    Points are inside f's domain, with declared (and `assume`d) data kinds.  `strict`: a
    `DeriveError` when no point was found at all (None would mean "equal")."""
    rng = random.Random(seed)
    used = 0
    for inst in problem.instances:
        engine = problem.engine(inst) if reference is None and hasattr(problem, "engine") else None
        if reference is not None:  # compared with another claim-like expression: no derivative needed
            labels = problem.labels(inst)[0] if hasattr(problem, "labels") else problem.expected_entries(inst)[0]
            exp = problem.claimed_entries(inst, reference)
        elif engine is not None:
            labels, _, _ = problem.labels(inst)
            exp = None
        else:
            labels, exp, _ = problem.expected_entries(inst)
        clm = problem.claimed_entries(inst, claim)
        claimed = None
        if engine is not None:
            try:
                claimed = fast.Program(clm)
            except fast.Unsupported:
                engine, exp = None, problem.expected_entries(inst)[1]
        f = problem.explicit_f(inst) if hasattr(problem, "explicit_f") else None
        known = problem.instance_symbols(inst) if hasattr(problem, "instance_symbols") else set()
        symbols = sorted(known.union(*(scalar_symbols(c) for c in clm),
                                     *(() if known else (scalar_symbols(e) for e in exp))), key=str)
        kinds = problem.point_kinds(inst, assume) if hasattr(problem, "point_kinds") else None
        sizes = {}  # a scalar assumed to equal a size: ("size", n)
        for s, how in (assume or {}).items():
            if isinstance(how, tuple) and how[0] == "size" and how[1] in inst.sizes:
                sizes[s] = inst.sizes[how[1]]
        compared = _compared_entries(problem, inst, assume)
        tried = 0
        for k in range(POINTS * 10):
            if tried >= POINTS:
                break
            point = conform(sample_point(symbols, rng, k), kinds)
            point.update({s: sympy.Integer(v) for s, v in sizes.items()})
            if restrict is not None:
                point = restrict(inst, point)
            if engine is not None:
                found = _fast_difference(problem, inst, point, labels, clm, claimed)
                if found is None:
                    continue  # outside f's domain, or the derivative not real here
                if found is not True:
                    return found
                tried += 1
                continue
            if f is not None and not isinstance(f, MatrixBase) and not defined_at((f,), point):
                continue  # outside f's domain
            values = [(numeric_value(e, point), numeric_value(c, point)) for e, c in zip(exp, clm)]
            if any(e is None for e, _ in values):
                continue
            tried += 1
            for at, (label, e_expr, c_expr, (e, c)) in enumerate(zip(labels, exp, clm, values)):
                if compared is not None and not compared[at]:
                    continue
                if c is None or differ(e, c, (e_expr, c_expr), point):
                    return inst, point, label, exp, clm
        used += tried
    if strict and not used:
        raise DeriveError("found no point where f and its derivative are defined and real (declare the data: "
                          "'p: probability', 'y: binary', 'x: positive', ...)")
    return None


def _compared_entries(problem, inst, assume):
    """Which entries to compare, when an index of f is assumed to equal the variable's
    (("same index", i, m) in `assume`: only the entries with i = m); None for all."""
    pairs = [key[1:] for key in (assume or {}) if isinstance(key, tuple) and key[:1] == ("same index",)]
    if not pairs:
        return None
    return [all(sub[a] == sub[b] for a, b in pairs) for sub in problem._index_values(inst)]


_CLOSE = 1e-30  # relative difference at 60 digits that is certainly not rounding


def _fast_difference(problem, inst, point, labels, clm, claimed):
    """At one point, by complex step: None when the point is unusable (outside f's domain), True when
    the claim agrees, else the difference found, confirmed exactly (instance, point, label, expected,
    claimed) with the confirmed entry's expected value exact."""
    defined, expected = problem.fast_values(inst, point)
    if not defined or any(e is None for e in expected):
        return None
    values = fast.evaluate(claimed, point)
    for k, (e, label) in enumerate(zip(expected, labels)):
        c = None if values is None else values[k]
        if c is not None and abs(e - c) <= _CLOSE * max(abs(e), abs(c)) + 1e-45:
            continue
        # a candidate difference: confirmed with the exact derivative of this one entry
        _, _, elements = problem.labels(inst)
        truth = sympy.diff(_scalar(problem.explicit_f(inst)), elements[k])
        e_exact, c_exact = numeric_value(truth, point), numeric_value(clm[k], point)
        if e_exact is None:
            return None
        if c_exact is None or differ(e_exact, c_exact, (truth, clm[k]), point):
            entries = [fast.as_sympy(v) for v in expected]
            entries[k] = e_exact
            return inst, point, label, entries, clm
    return True


def _symmetric_restriction(problem, key):
    """A map of points to points where `key` (a matrix symbol, or an IndexedBase) is symmetric."""
    if key is None:
        return None
    if not isinstance(key, MatrixSymbol):  # an array of index notation, w[i, j]
        def restrict(inst, point):
            point = dict(point)
            for s in list(point):
                if isinstance(s, sympy.Indexed) and s.base == key:
                    i, j = s.indices
                    if i > j:
                        point[s] = point.get(key[j, i], point[s])
            return point
        return restrict

    def restrict_matrix(inst, point):
        point = dict(point)
        for low, high in inst.symmetric(key).items():
            if high in point:
                point[low] = point[high]
        return point
    return restrict_matrix


def _free_indices(expr):
    """Index symbols of f's array elements that no sum binds (a label c in -log(softmax(z)[c]))."""
    if not isinstance(expr, sympy.Basic):
        return set()
    indices = {s for a in expr.atoms(sympy.Indexed) for i in a.indices for s in sympy.sympify(i).free_symbols
               if isinstance(s, sympy.Symbol)}
    return indices & expr.free_symbols


def _matrix_symbols(*exprs):
    return {M for e in exprs if isinstance(e, sympy.Basic) for M in e.atoms(MatrixSymbol)}


def is_matrix(obj):
    return isinstance(obj, (MatrixBase, MatrixExpr))


def same_entries(a, b):
    return all(sympy.simplify(as_basic(x) - as_basic(y)) == 0 for x, y in zip(a, b))


def is_square(M):
    return same_entries((M.shape[0],), (M.shape[1],)) and M.shape[0] != 1


def _scalar(value):
    if isinstance(value, MatrixBase):
        if value.shape != (1, 1):
            raise ShapeError(f"f is {value.shape[0]} x {value.shape[1]}, not a scalar")
        return value[0, 0]
    return value


def _exact_or_float(expr, point):
    """Exact where rational, else 40 digits (numeric_value substitutes with xreplace: subs is 30
    times slower on a written-out instance)."""
    return numeric_value(expr, point)


def _text(e):
    from ..text.printing import to_text

    return to_text(e)


def _show(value):
    if value is None:
        return "undefined"
    return _text(value if value.is_Rational else sympy.Float(value, 12))


__all__ = ["ExactProblem", "Problem", "find_difference", "infer_kind"]
