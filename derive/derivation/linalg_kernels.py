"""Kernels for results with inverses, determinants and solves: each matrix factored once per call.

    d = derive.differentiate("x.T @ inv(A) @ x", "x", symbols="x: n, A: n x n")
    k = derive.kernel(d)        # k(A, x) -> (inv(A) + inv(A.T)) @ x: one LU of A, two solves

An entry of inv(A) is not a sum of products of A's entries, so such a result
cannot be written entrywise for the loop planner as it stands.  Before it is,
every inverse and determinant is lifted out of the expression into a prelude
that runs once per call, on the user's arrays:

    inv(S) @ C @ inv(S) @ b  -> _product0, right to left: b, a solve with S, C @ that, a solve
    inv(M)                   -> _inverse0, formed once (n^3 per call, never per entry)
    log(det(M)), det(M)      -> _logdet0, _det0, from the same factorization of M

A product is computed right to left, each inverse applied as a solve with its
matrix's factorization (an inverse is formed only when nothing stands to its
right); its other factors, and every matrix factored, may be matrix expressions
of the arguments (Sigma, X.T @ X + lam*I, (X - 1 mu^T)^T (X - 1 mu^T)): each
is evaluated by a loop kernel with f's signature (`loop_kernel` below, which
comes back here when it holds an inverse itself), so a sum over the data is
one pass or one BLAS call.  A matrix that is exactly symmetric is factored by
Cholesky, and by LU when Cholesky fails; LU otherwise.  A matrix singular to
working precision (reciprocal condition number below machine epsilon) is a
`CodegenError` naming it, never a silent inf or nan, and so is the log of a
determinant that is not positive.  What remains, with _product0 and _inverse0
as plain arrays and _det0 as a number, goes through the loop planner.

The kernel keeps f's signature (the prelude's values are internal, never
arguments), takes keywords, checks its arguments before factoring anything, and
is validated when built: at random instances (one with the factored arguments
general and well conditioned, one with them symmetric positive definite) it
must agree with NumPy's evaluation of the SymPy result (`validation.matrix_eval`:
numpy.linalg.inv and det, no lifting, no loops), else `ValidationError`.
"""

from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Determinant, Inverse, MatAdd, MatMul, MatPow, MatrixExpr, MatrixSymbol, Symbol, Transpose

import codegen
from codegen.loops.calling import bind, is_dask, signature

from ..errors import DeriveError, ValidationError
from ..text.printing import to_text
from ..validation.matrix_eval import NotEvaluable, evaluate
from .loop_form import _K, _L, _rolled, has_linear_algebra, loop_arguments, plain_loop_kernel
from .notation import to_index


def loop_kernel(f, expr, outputs=(), ranges=None, directory=None):
    """The loop kernel of `expr`, a value or derivative of `f` in index notation (or a
    matrix expression, written entrywise: entry [outputs] of a vector or matrix), with
    f's signature: the one place such a kernel is made.  Inverses, determinants and solves
    are factored once per call in a prelude (LinalgKernel), the rest written entrywise."""
    if has_linear_algebra(expr):
        return LinalgKernel(f, expr, outputs, ranges, directory)
    return plain_loop_kernel(f, expr, outputs, ranges, directory)


# ---------------------------------------------------------------------------
# lifting: the expression with every inverse, product with inverses and determinant a fresh symbol


def _lapack():
    """SciPy's LAPACK, imported when a matrix is first factored: importing scipy.linalg took
    0.5 s of every derive.kernel call, inverse or not."""
    from scipy.linalg import lapack

    return lapack


@dataclass(frozen=True)
class Factor:
    """A factor of a product the prelude computes: the inverse of `matrix` (of its transpose
    when `transposed`), or `matrix` itself."""
    matrix: sympy.Basic
    inverse: bool
    transposed: bool = False

    def describe(self):
        text = to_text(self.matrix) + (".T" if self.transposed else "")
        return f"inv({text})" if self.inverse else text if _argument(self.matrix)[0] else f"({text})"


@dataclass(frozen=True)
class Step:
    """One value of the prelude, stored under `symbol`: the "inverse", "det" or "logdet" of
    `matrix`, or the "product" of `factors`."""
    kind: str
    symbol: sympy.Basic
    matrix: sympy.Basic = None
    factors: tuple = ()

    def describe(self):
        if self.kind == "product":
            return " @ ".join(f.describe() for f in self.factors)
        m = to_text(self.matrix)
        return {"inverse": f"inv({m})", "det": f"det({m})", "logdet": f"log(det({m}))"}[self.kind]

    def factored(self):
        """The matrices this step factors."""
        return [self.matrix] if self.kind != "product" else [f.matrix for f in self.factors if f.inverse]

    def matrices(self):
        """Every matrix this step reads."""
        return [self.matrix] if self.kind != "product" else [f.matrix for f in self.factors]


class Lifting:
    """The steps lifted out of an expression, one per distinct value, with names no user's
    name can take (underscored, and numbered past any name already in use)."""

    def __init__(self, *exprs):
        self.used = {str(s) for e in exprs if isinstance(e, sympy.Basic)
                     for s in e.free_symbols | e.atoms(MatrixSymbol)}
        self.steps = {}

    def lift(self, e):
        if not has_linear_algebra(e):
            return e
        rule = next((rule for kind, rule in _RULES if isinstance(e, kind)), None)
        if rule is not None:
            return rule(self, e)
        return e.func(*(self.lift(a) for a in e.args))

    def _new(self, key, kind, shape=None, **fields):
        if key not in self.steps:
            n = sum(s.kind == kind for s in self.steps.values())
            while f"_{kind}{n}" in self.used:
                n += 1
            name = f"_{kind}{n}"
            self.used.add(name)
            symbol = Symbol(name, real=True) if shape is None else MatrixSymbol(name, *shape)
            self.steps[key] = Step(kind, symbol, **fields)
        return self.steps[key].symbol

    def inverse(self, m):
        if isinstance(m, Transpose):  # inv(A.T) = inv(A).T: one inverse, read transposed
            return Transpose(self.inverse(m.arg))
        return self._new(("inverse", m), "inverse", m.shape, matrix=m)

    def product(self, factors, shape):
        return self._new(("product", factors), "product", shape, factors=factors)

    def scalar(self, kind, m):
        while isinstance(m, Transpose):  # det(A.T) = det(A)
            m = m.arg
        return self._new((kind, m), kind, matrix=m)


def _log(lifting, e):
    (arg,) = e.args
    if isinstance(arg, Determinant):
        return lifting.scalar("logdet", arg.arg)
    return e.func(lifting.lift(arg))


def _determinant(lifting, e):
    return lifting.scalar("det", e.arg)


def _transpose(lifting, e):
    # transposes moved inward (reversing products) until they sit on symbols, so that
    # inv(M).T and (inv(M) @ B).T meet the inverse and product rules
    inner = e.arg
    if isinstance(inner, Inverse):
        return lifting.inverse(Transpose(inner.arg))
    pushed = e.doit(deep=False) if isinstance(inner, (MatMul, MatAdd, MatPow, Transpose)) else e
    if pushed != e:
        return lifting.lift(pushed)
    return Transpose(lifting.lift(inner))


def _power(lifting, e):
    if not (e.exp.is_Integer and e.exp != 0):
        raise DeriveError(f"{to_text(e)}: only whole powers of a matrix compile")
    return _product(lifting, _as_product(e))


def _inverse(lifting, e):
    return lifting.inverse(e.arg)


def _product(lifting, e):
    """A product holding an inverse: one prelude value, computed right to left (module doc),
    its scalar factors left outside.  A sum holding an inverse is distributed first
    ((inv(A) + inv(A.T)) @ x: two products, each a solve with the one factorization of A)."""
    scalars, matrices = [], []
    for a in _flat(e):
        (matrices if isinstance(a, MatrixExpr) else scalars).append(a)
    matrices = [f for m in matrices for f in _flat(_as_product(m))]
    matrices = [m.doit(deep=False) if isinstance(m, Transpose) and isinstance(m.arg, Inverse) else m
                for m in matrices]
    scalars = [lifting.lift(a) for a in scalars]
    if len(matrices) > 1:
        for k, m in enumerate(matrices):
            if isinstance(m, MatAdd) and has_linear_algebra(m):
                return lifting.lift(MatAdd(*(MatMul(*scalars, *matrices[:k], t, *matrices[k + 1:])
                                             for t in m.args)))
    if len(matrices) == 1 or not any(isinstance(m, Inverse) for m in matrices):
        return _mul(*scalars, *(lifting.lift(m) for m in matrices))
    factors, run = [], []
    for m in matrices + [None]:
        if m is not None and not isinstance(m, Inverse):
            run.append(m)
            continue
        if run:  # the factors between two inverses: one matrix, one loop kernel
            factors.append(Factor(run[0] if len(run) == 1 else MatMul(*run), False))
            run = []
        if m is not None:
            transposed = isinstance(m.arg, Transpose)
            factors.append(Factor(m.arg.arg if transposed else m.arg, True, transposed))
    shape = (matrices[0].shape[0], matrices[-1].shape[1])
    return _mul(*scalars, lifting.product(tuple(factors), shape))


def _mul(*factors):
    """The product of `factors`; one factor is itself, not a MatMul of one."""
    return factors[0] if len(factors) == 1 else MatMul(*factors)


def _flat(e):
    """The factors of a product, nested products opened."""
    if isinstance(e, MatMul):
        return [f for a in e.args for f in _flat(a)]
    return [e]


def _as_product(m):
    """A whole power of a matrix as the product of its factors (A**-2: inv(A) @ inv(A))."""
    if isinstance(m, MatPow) and not isinstance(m, Inverse) and m.exp.is_Integer and m.exp != 0:
        factor = Inverse(m.base) if m.exp < 0 else m.base
        return MatMul(*[factor] * abs(int(m.exp)))
    return m


# first match wins: Inverse is a MatPow, so it comes first
_RULES = (
    (sympy.log, _log),
    (Determinant, _determinant),
    (Transpose, _transpose),
    (MatMul, _product),
    (Inverse, _inverse),
    (MatPow, _power),
)


# ---------------------------------------------------------------------------
# factoring, once per matrix per call


class Factorization:
    """A square matrix factored once: Cholesky when it is exactly symmetric and positive
    definite, LU otherwise (LAPACK directly: a call on a small matrix is microseconds).
    Solves, the inverse and the determinant come from it."""

    def __init__(self, M, name):
        M = np.asarray(M, dtype=float)
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise codegen.CodegenError(f"{name} must be a square matrix, got shape {M.shape}")
        if not np.all(np.isfinite(M)):
            raise codegen.CodegenError(f"{name} has entries that are inf or nan; it cannot be factored")
        self.name, self.n = name, M.shape[0]
        norm = float(np.linalg.norm(M, 1)) if M.size else 0.0
        self.cholesky = self.lu = None
        if np.array_equal(M, M.T):
            c, info = _lapack().dpotrf(M, clean=1)
            if info == 0:
                self.cholesky = c
                rcond = _lapack().dpocon(c, norm)[0]
        if self.cholesky is None:  # not symmetric, or symmetric but not positive definite
            lu, pivots, info = _lapack().dgetrf(M)
            self.lu = (lu, pivots)
            rcond = 0.0 if info > 0 else _lapack().dgecon(lu, norm)[0]  # info > 0: an exactly zero pivot
        if self.n and not rcond >= np.finfo(float).eps:
            raise codegen.CodegenError(f"{name} is singular to working precision (reciprocal condition "
                                       f"number {rcond:.1e}); its inverse, solves and log det are not defined")

    def solve(self, B, transposed=False):
        """inv(M) @ B, or inv(M.T) @ B when `transposed`."""
        if self.cholesky is not None:  # symmetric: M.T = M
            return _lapack().dpotrs(self.cholesky, B)[0]
        return _lapack().dgetrs(*self.lu, B, trans=1 if transposed else 0)[0]

    def inverse(self):
        return self.solve(np.eye(self.n))

    def log_abs_det(self):
        """(sign, log |det|), as numpy.linalg.slogdet."""
        if self.cholesky is not None:
            return 1.0, 2.0 * float(np.sum(np.log(np.diag(self.cholesky))))
        lu, pivots = self.lu
        diagonal = np.diag(lu)
        swaps = np.count_nonzero(pivots != np.arange(self.n))
        sign = (-1.0) ** swaps * float(np.prod(np.sign(diagonal)))
        return sign, float(np.sum(np.log(np.abs(diagonal))))

    def det(self):
        sign, logabs = self.log_abs_det()
        return sign * np.exp(logabs)

    def logdet(self):
        sign, logabs = self.log_abs_det()
        if sign <= 0:
            raise codegen.CodegenError(f"log(det({self.name})): the determinant is negative, so its log is "
                                       "not a real number")
        return logabs


# ---------------------------------------------------------------------------
# the kernel


class LinalgKernel:
    """A loop kernel of `expr` (a value or derivative of `f`, in matrix notation) whose
    inverses, products with inverses and determinants are computed once per call in a
    prelude (module doc).

    Called like every loop kernel of f: its arrays sorted by name, then its scalars, or by
    keyword (`inspect.signature(k)` is true); returns out[outputs] (or a number)."""

    def __init__(self, f, expr, outputs=(), ranges=None, directory=None):
        self.f, self.expr, self.outputs, self.ranges = f, expr, tuple(outputs), ranges
        lifting = Lifting(f, expr)
        rest = lifting.lift(expr)
        self.steps = list(lifting.steps.values())
        internal = {str(s.symbol) for s in self.steps}

        if isinstance(rest, MatrixExpr) and rest.shape != (1, 1) and self.outputs:
            rest = to_index(_rolled(rest), list(self.outputs))
        index_expr, arrays, scalars = loop_arguments(f, rest)
        user_arrays = [a for a in arrays if str(a.label) not in internal]
        user_scalars = [s for s in scalars if s.name not in internal]
        inner_arrays = [a for a in arrays if str(a.label) in internal]
        inner_scalars = [s for s in scalars if s.name in internal]
        self.main = codegen.kernel(index_expr, user_arrays + inner_arrays + user_scalars + inner_scalars,
                                   index=self.outputs, directory=directory, ranges=ranges)
        self.args = tuple(user_arrays + user_scalars)
        self.arg_names = tuple(str(getattr(a, "label", a)) for a in self.args)
        self.__signature__ = signature(self.arg_names)
        self.shape_rank = len(self.outputs)
        self.plan = self.main.plan

        # every matrix the prelude reads: an argument read directly, or a loop kernel of f
        read = list(dict.fromkeys(m for s in self.steps for m in s.matrices()))
        self.names = {m: to_text(m) for m in read}  # for messages, printed once here, not per call
        self.inner_names = [str(s.symbol) for s in self.steps]
        self.values = {m: _matrix_kernel(f, m, directory) for m in read if _argument(m)[0] is None}
        # f's own argument checks (every array's rank and sizes) run before an argument is factored
        self.check = loop_kernel(f, sympy.S.Zero, directory=directory) \
            if any(_argument(m)[0] is not None for m in read) else None
        kernels = [self.main, *self.values.values()] + ([self.check] if self.check else [])
        self.source = "\n\n".join([self._prelude_text()] + [k.source for k in kernels])
        times = [k.compile_seconds for k in kernels]
        self.compile_seconds = None if None in times else sum(times)
        self.compiled_from = ", ".join(sorted({k.compiled_from for k in kernels}))
        validate(self)

    def __call__(self, *values, **named):
        values = bind(self.arg_names, values, named)
        if any(is_dask(v) for v in values):
            raise codegen.CodegenError(
                "this kernel computes " + ", ".join(s.describe() for s in self.steps) + " once per call "
                "and runs on NumPy arrays only; pass NumPy arrays (a Dask array is never loaded silently)")
        given = dict(zip(self.arg_names, values))
        if self.check is not None:
            self.check(**given)
        matrices = {m: k(**given) for m, k in self.values.items()}
        factors = {}

        def matrix(m):
            return self._matrix(m, given, matrices)

        def factored(m):
            if m not in factors:
                factors[m] = Factorization(matrix(m), self.names[m])
            return factors[m]

        inner = {}
        for step, name in zip(self.steps, self.inner_names):
            value = _product(step.factors, matrix, factored) if step.kind == "product" else \
                getattr(factored(step.matrix), step.kind)()
            inner[name] = value[:, 0] if np.ndim(value) == 2 and value.shape[1] == 1 else value
        if self._all_float32(given):  # factored in float64; the loops (and the result) in float32, as asked
            inner = {n: v.astype(np.float32) if isinstance(v, np.ndarray) else v for n, v in inner.items()}
        return self.main(**given, **inner)

    def _all_float32(self, given):
        arrays = [given[str(a.label)] for a in self.args if not isinstance(a, Symbol)]
        return bool(arrays) and all(getattr(v, "dtype", None) == np.float32 for v in arrays)

    def _matrix(self, m, given, matrices):
        """The value of the matrix expression `m` as a 2-D float64 array."""
        name, transposed = _argument(m)
        base = m.arg if transposed else m
        value = np.asarray(given[name] if name else matrices[m], dtype=float)
        if value.ndim < 2:  # a vector, as loop kernels take and return them
            value = value.reshape((1, -1) if base.shape[0] == 1 and base.shape[1] != 1 else (-1, 1))
        return value.T if transposed else value

    def _prelude_text(self):
        lines = ["# prelude, once per call (derive/derivation/linalg_kernels.py):"]
        lines += [f"#     {s.symbol} = {s.describe()}" for s in self.steps]
        return "\n".join(lines)

    def __repr__(self):
        return (f"<LinalgKernel ({', '.join(self.arg_names)}) -> rank {self.shape_rank}; once per call: "
                f"{', '.join(s.describe() for s in self.steps)}>")


def _product(factors, matrix, factored):
    """The product of `factors`, right to left: an inverse meets what stands to its right as a
    solve (and is formed only when nothing does)."""
    value = None
    for f in reversed(factors):
        if f.inverse and value is None:
            inverse = factored(f.matrix).inverse()
            value = inverse.T if f.transposed else inverse
        elif f.inverse:
            value = factored(f.matrix).solve(value, f.transposed)
        else:
            value = matrix(f.matrix) if value is None else matrix(f.matrix) @ value
    return value


def _matrix_kernel(f, m, directory):
    """The loop kernel of the matrix expression `m` (a vector kernel for a column)."""
    rows, cols = m.shape
    if cols == 1:
        return loop_kernel(f, m, (_K,), (rows,), directory)
    return loop_kernel(f, m, (_K, _L), (rows, cols), directory)


def _argument(m):
    """(name, transposed) when the matrix `m` is an argument or its transpose, else (None, False)."""
    if isinstance(m, MatrixSymbol):
        return m.name, False
    if isinstance(m, Transpose) and isinstance(m.arg, MatrixSymbol):
        return m.arg.name, True
    return None, False


# ---------------------------------------------------------------------------
# validation when built


def validate(k, seeds=3, rtol=1e-8):
    """`k` agrees with NumPy's evaluation of its SymPy expression at a random instance with
    the factored arguments general (LU), and at one with them symmetric positive definite
    (Cholesky); else `ValidationError`.  An instance outside the expression's domain (a log
    of a negative determinant) is replaced by another; none inside it is an error too."""
    factored = {_argument(m)[0] for s in k.steps for m in s.factored()} - {None}
    compared, refused = 0, None
    for spd in (False, True):
        for seed in range(seeds):
            values, point, sizes = _instance(k, factored, spd, seed)
            try:
                got = np.asarray(k(**values), dtype=float)
                want = np.asarray(evaluate(k.expr, point, sizes))
            except (codegen.CodegenError, NotEvaluable, np.linalg.LinAlgError) as exc:
                refused = exc
                continue
            if want.size != got.size:
                raise ValidationError(f"the kernel of {to_text(k.expr)} returns shape {got.shape}, NumPy's "
                                      f"evaluation of it {want.shape}; please report this")
            if np.iscomplexobj(want) or not np.all(np.isfinite(want)):
                continue  # outside the domain: another instance
            want = want.reshape(got.shape)
            scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
            if not np.allclose(got, want, rtol=rtol, atol=rtol * scale):
                raise ValidationError(f"the compiled kernel of {to_text(k.expr)} disagrees with NumPy's "
                                      f"evaluation of it at a random instance (largest difference "
                                      f"{float(np.max(np.abs(got - want))):.3g}); please report this")
            compared += 1
            break
    if not compared:
        raise ValidationError(f"the kernel of {to_text(k.expr)} could not be validated: no random instance "
                              f"tried was inside its domain" + (f" (last: {refused})" if refused else ""))


def _instance(k, factored, spd, seed):
    """(keyword arguments of `k`, values by SymPy object, sizes by symbol) for `evaluate`, at
    random numbers: sizes 3, 4, 5, ... in the order of their names (distinct, so a swapped axis
    shows), the arrays that are factored well conditioned (diagonally dominant, or G G^T/n + I
    when `spd`), other arrays standard normal, scalars in [0.5, 1.5]."""
    rng = np.random.default_rng(seed)
    names = sorted({str(x) for a in k.args if getattr(a, "shape", None) for d in a.shape for x in d.free_symbols})
    sizes = {name: 3 + n for n, name in enumerate(names)}

    def length(d):
        return int(d.xreplace({x: sizes[str(x)] for x in d.free_symbols}))

    values = {}
    for a in k.args:
        if isinstance(a, Symbol):
            values[a.name] = float(rng.uniform(0.5, 1.5))
            continue
        if a.shape is None:
            raise DeriveError(f"the kernel of {to_text(k.expr)} cannot be validated: the shape of "
                              f"{a.label} is not known; declare it")
        shape = tuple(length(d) for d in a.shape)
        value = rng.normal(size=shape)
        if str(a.label) in factored and len(shape) == 2:
            n = shape[0]
            value = value @ value.T / n + np.eye(n) if spd else value + n * np.eye(n)
        values[str(a.label)] = value
    objects = [e for e in (k.f, k.expr) if isinstance(e, sympy.Basic)]
    point = {m: values[m.name].reshape(tuple(length(d) for d in m.shape))
             for e in objects for m in e.atoms(MatrixSymbol) if m.name in values}
    symbols = {s for e in objects for s in e.free_symbols if isinstance(s, Symbol)}
    point.update({s: values[s.name] for s in symbols if s.name in values})
    dims = {x for m in point if isinstance(m, MatrixSymbol) for d in m.shape for x in d.free_symbols}
    size_of = {s: sizes[s.name] for s in symbols | dims if s.name in sizes}
    point.update(size_of)  # N in N/2*inv(S) is the number of rows
    return values, point, size_of


__all__ = ["Factorization", "LinalgKernel", "Lifting", "has_linear_algebra", "loop_kernel", "validate"]
