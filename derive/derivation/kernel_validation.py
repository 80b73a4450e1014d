"""A kernel checked when it is made (`_Validation`): at a random instance of small sizes (arrays
in (0.1, 0.9)), against values computed without codegen: NumPy for matrix notation, plain loops
over the written-out sums for index notation (`_Numbers`); the gradient against central
differences too.  A disagreement is a `ValidationError`.
"""

import itertools
import math

import numpy as np
import sympy
from sympy import Add, Indexed, IndexedBase, KroneckerDelta, MatrixSymbol, Mul, Sum, Symbol

from ..errors import DeriveError, ValidationError
from ..text.printing import to_text
from ..validation.matrix_eval import NotEvaluable, evaluate
from .loop_form import _K, _L, index_form
from .notation import to_index

_SIZES = (5, 3, 4, 2, 6, 7)  # sizes of a validation instance, in order of first appearance: all different
_VALUE_TOL = 1e-9  # relative: the kernel and the reference add the same terms in another order
_FD_TOL = 1e-6  # relative, central differences with step 1e-6: error about 1e-10 of the scale


def _basic(x):
    return sympy.Integer(x) if isinstance(x, int) else x


class _Validation:
    """Compiled kernels against independent values at a random instance of small sizes."""

    def __init__(self, plan, seed=0):
        self.plan = plan
        self.rng = np.random.default_rng(seed)
        self.values, self.sizes = self._draw()
        self.spd = False

    # -- the instance -----------------------------------------------------

    def _draw(self):
        plan = self.plan
        if not plan.loops:
            return {n: float(self.rng.uniform(0.1, 0.9)) for n in plan.arg_names}, {}
        sizes, values = {}, {}
        for a in plan.args:
            if isinstance(a, IndexedBase):
                if a.shape is None:
                    raise DeriveError(f"cannot validate the kernel: the lengths of {a.label}'s axes are not "
                                      "known (a sum that does not start at 0); declare its shape")
                for length in a.shape:
                    for s in sorted(_basic(length).free_symbols, key=str):
                        sizes.setdefault(s, _SIZES[len(sizes) % len(_SIZES)])
                shape = tuple(int(_basic(length).xreplace(sizes)) for length in a.shape)
                values[str(a.label)] = self.rng.uniform(0.1, 0.9, size=shape)
            else:
                values[a.name] = float(self.rng.uniform(0.1, 0.9))
        return values, sizes

    def describe(self):
        if not self.sizes:
            return "a random point"
        where = "a random instance (" + ", ".join(f"{s} = {n}" for s, n in self.sizes.items()) + ")"
        return where + (", square matrices symmetric positive definite" if self.spd else "")

    def _symmetrize(self):
        """Every square array (both axes one size) made symmetric positive definite (a
        derivation under a declared property holds only for such data, a log det needs a
        positive determinant); False when there is none or it was done already."""
        square = [str(a.label) for a in (self.plan.args if self.plan.loops else ())
                  if isinstance(a, IndexedBase) and a.shape is not None and len(a.shape) == 2
                  and a.shape[0] == a.shape[1]]
        if self.spd or not square:
            return False
        for name in square:
            m = self.values[name]
            self.values[name] = m @ m.T / len(m) + np.eye(len(m))
        self.spd = True
        return True

    def _at_instances(self, check, k):
        """`check(k)` at the random instance, again with square arrays symmetric positive
        definite where a reference is not finite there."""
        try:
            check(k)
        except _NotFinite:
            if not self._symmetrize():
                raise
            check(k)

    def _args(self):
        return [self.values[n] for n in self.plan.arg_names]

    # -- references ---------------------------------------------------------

    def reference(self, expr, outputs=(), lengths=()):
        """`expr` (f, a gradient or a Hessian in the derivation's own form) at the instance,
        evaluated without codegen: NumPy for matrix notation, loops for index sums.  A value
        that is not finite (the instance outside f's domain) raises `_NotFinite`."""
        value = self._reference(expr, outputs, lengths)
        if not np.all(np.isfinite(value)):
            raise _NotFinite(f"cannot validate the kernel: {to_text(expr)} is not finite at {self.describe()}")
        return value

    def _reference(self, expr, outputs, lengths):
        if self.plan.notation == "matrix" and not outputs:
            try:
                value = np.asarray(evaluate(expr, self._matrix_values(expr), self.sizes))
                if np.iscomplexobj(value):  # log det of a negative determinant: outside f's domain
                    value = np.where(value.imag == 0, value.real, np.nan)
                return value.astype(float)
            except NotEvaluable:
                expr, outputs, lengths = _entrywise(expr)
        numbers = _Numbers(self.values, self.sizes)
        if isinstance(expr, sympy.MatrixBase):  # components: entries of the result
            return np.array([[numbers(e) for e in row] for row in expr.tolist()], dtype=float)
        if not outputs:
            return np.asarray(numbers(expr), dtype=float)
        shape = tuple(int(_basic(n).xreplace(self.sizes)) for n in lengths)
        out = np.empty(shape)
        for at in itertools.product(*(range(n) for n in shape)):
            out[at] = numbers(expr, dict(zip(outputs, at)))
        return out

    def _matrix_values(self, expr):
        values = {}
        for m in expr.atoms(MatrixSymbol):
            a = np.asarray(self.values[m.name], dtype=float)
            values[m] = a.reshape(tuple(int(_basic(n).xreplace(self.sizes)) for n in m.shape))
        for s in expr.free_symbols:
            if isinstance(s, Symbol) and s.name in self.values and s not in self.sizes:
                values[s] = self.values[s.name]
        return values

    # -- checks -----------------------------------------------------------

    def value(self, k):
        self._at_instances(self._value, k)

    def _value(self, k):
        ref = self.reference(self.plan.f)
        got = np.asarray(k(*self._args()), dtype=float)
        ref = ref.reshape(got.shape) if ref.size == got.size else ref
        self._compare("value", got, ref, _VALUE_TOL, "f evaluated independently")
        k.validation = f"equals f evaluated independently at {self.describe()}"

    def gradient(self, k):
        """The gradient against the symbolic gradient, then against central differences of
        the value kernel.  A derivation made under a declared property (A symmetric) holds
        only for data that have it: where the differences disagree at the first instance,
        they are compared again with every square matrix symmetric positive definite."""
        symbolic_gradient = self.plan.gradient()
        while True:
            f_value, g = k(*self._args())
            g = np.asarray(g, dtype=float).ravel()
            symbolic = self._gradient_reference(symbolic_gradient).ravel()
            self._compare("gradient", g, symbolic, _VALUE_TOL, "the symbolic gradient evaluated there")
            fd = self._finite_differences(k.value_only)
            scale = 1 + float(np.max(np.abs(g))) + abs(float(np.asarray(f_value)))
            if np.max(np.abs(fd - g)) <= _FD_TOL * scale or not self._symmetrize():
                break
        self._compare("gradient", g, fd, _FD_TOL, "central differences of the value kernel")
        k.validation = (f"f equals f evaluated independently, the gradient the symbolic gradient and central "
                        f"differences of the value kernel, at {self.describe()}")

    def _gradient_reference(self, g):
        plan = self.plan
        if plan.notation in ("components", "sample"):
            return self.reference(g.result)
        if plan.notation == "matrix":
            return self.reference(g.result)
        expr, outputs, _ = index_form(g)
        v = plan.variable
        lengths = self.values[str(v.base.label)].shape
        return self.reference(expr, outputs, lengths)

    def _finite_differences(self, value):
        plan = self.plan
        names = [s.name for s in plan.variables()] if plan.notation in ("components", "sample") \
            else [plan.variable_name]
        out = []
        for name in names:
            x = np.asarray(self.values[name], dtype=float)
            for at in itertools.product(*(range(n) for n in x.shape)):
                h = 1e-6 * max(1.0, abs(float(x[at])))
                ups = []
                for step in (h, -h):
                    moved = x.copy()
                    moved[at] += step
                    args = dict(zip(plan.arg_names, self._args()))
                    args[name] = moved if moved.ndim else float(moved)
                    ups.append(float(np.asarray(value(*(args[n] for n in plan.arg_names)))))
                out.append((ups[0] - ups[1]) / (2 * h))
        return np.array(out)

    def hvp(self, k):
        self._at_instances(self._hvp, k)

    def _hvp(self, k):
        plan = self.plan
        if plan.notation in ("components", "sample"):
            n = len(plan.wrt)
            direction = self.rng.uniform(-1, 1, size=n)
            H = self.reference(k.hessian.result)
            expected = (H @ direction).reshape(n, 1)
        else:
            h, H_expr, first, second, lengths = k._hessian
            shape = np.shape(self.values[plan.variable_name]) if plan.notation == "index" else \
                tuple(int(_basic(n).xreplace(self.sizes)) for n in lengths)
            direction = self.rng.uniform(-1, 1, size=shape)
            if plan.notation == "matrix" and len(first) == 1:
                H = self.reference(h.result).reshape(shape * 2)
            else:
                H = self.reference(H_expr, first + second, tuple(shape) * 2)
            expected = np.tensordot(H, direction, axes=len(shape))
        got = np.asarray(k(*self._args(), direction), dtype=float)
        self._compare("Hessian-vector product", got.ravel(), expected.ravel(), _VALUE_TOL,
                      "the symbolic Hessian evaluated there times the direction")
        k.validation = f"equals the symbolic Hessian times the direction at {self.describe()}"

    def _compare(self, what, got, expected, tol, against):
        got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        if not np.all(np.isfinite(expected)):
            raise _NotFinite(f"cannot validate the {what} kernel: {against} is not finite at "
                                  f"{self.describe()}")
        if got.shape != expected.shape:
            raise ValidationError(f"the {what} kernel returned shape {got.shape}, but {against} has shape "
                                  f"{expected.shape}")
        scale = 1 + float(np.max(np.abs(expected), initial=0.0))
        diff = float(np.max(np.abs(got - expected), initial=0.0))
        if not diff <= tol * scale:
            raise ValidationError(f"the compiled {what} kernel disagrees with {against} at {self.describe()} "
                                  f"(largest difference {diff:.3g}); no kernel returned")


class _NotFinite(ValidationError):
    """A reference value that is not finite at the instance (outside f's domain)."""


def _entrywise(expr):
    """(index form, outputs, lengths) of a matrix-notation scalar, column or matrix."""
    shape = tuple(expr.shape) if isinstance(expr, sympy.MatrixExpr) else (1, 1)
    if shape == (1, 1):
        return to_index(expr), (), ()
    if shape[1] == 1:
        return to_index(expr, [_K]), (_K,), shape[:1]
    return to_index(expr, [_K, _L]), (_K, _L), shape


class _Numbers:
    """Values of index expressions at an instance by plain loops: every sum a Python loop,
    every element read from the arrays, every function evaluated by SymPy's numerics
    (math for exp and log).  Nothing here is shared with the code generator."""

    _FAST = {sympy.exp: math.exp, sympy.log: math.log}

    def __init__(self, arrays, sizes):
        self.arrays = arrays
        self.sizes = {s: int(n) for s, n in sizes.items()}
        self.memo, self.free = {}, {}

    def __call__(self, expr, env=None):
        env = dict(env or {})
        env.update(self.sizes)
        with np.errstate(all="ignore"):
            try:
                return float(self._value(_basic(expr), env))
            except (OverflowError, ZeroDivisionError, ValueError, TypeError):
                return math.nan

    def _value(self, e, env):
        free = self.free.get(e)
        if free is None:
            free = self.free[e] = tuple(sorted(e.free_symbols, key=str))
        key = (e, tuple(env.get(s) for s in free))
        if key in self.memo:
            return self.memo[key]
        value = self._compute(e, env)
        self.memo[key] = value
        return value

    def _compute(self, e, env):
        if isinstance(e, Sum):
            return self._sum(e.function, list(e.limits), env)
        if isinstance(e, Indexed):
            at = tuple(int(self._value(i, env)) for i in e.indices)
            a = self.arrays[str(e.base.label)]
            if any(i < 0 or i >= n for i, n in zip(at, np.shape(a))):
                raise DeriveError(f"{e} is outside {e.base.label} at the validation instance")
            return float(np.asarray(a)[at])
        if isinstance(e, Symbol):
            if e in env:
                return env[e]
            if e.name in self.arrays:
                return float(self.arrays[e.name])
            raise DeriveError(f"no value for {e} at the validation instance")
        if e.is_Integer:
            return int(e)
        if e.is_Number or e.is_NumberSymbol:
            return float(e)
        args = [self._value(a, env) for a in e.args]
        if isinstance(e, Add):
            return sum(args)
        if isinstance(e, Mul):
            return math.prod(args)
        if isinstance(e, sympy.Pow):
            value = args[0] ** args[1]
            return math.nan if isinstance(value, complex) else value
        if isinstance(e, KroneckerDelta):
            return 1 if args[0] == args[1] else 0
        fast = self._FAST.get(e.func)
        if fast is not None:
            try:
                return fast(*args)
            except OverflowError:
                return math.inf
            except ValueError:
                return math.nan
        number = e.func(*(sympy.Integer(a) if isinstance(a, int) else sympy.Float(a) for a in args))
        return float(sympy.re(number.evalf())) if number.is_real is not False else math.nan

    def _sum(self, body, limits, env):
        (index, lo, hi), rest = limits[0], limits[1:]
        total = 0.0
        for n in range(int(self._value(lo, env)), int(self._value(hi, env)) + 1):
            inner = dict(env)
            inner[index] = n
            total += self._sum(body, rest, inner) if rest else self._value(body, inner)
        return total
