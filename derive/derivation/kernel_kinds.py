"""Value, value-and-gradient and Hessian-vector-product kernels of a derivation.

    d = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w + lam*w.T @ w/2", "w",
                             symbols="X: N x d, w: d, y: N")
    f = derive.kernel(d, value=True)    # f(X, w, y, lam) -> the loss
    fg = derive.kernel(d, fused=True)   # fg(X, w, y, lam) -> (loss, gradient): minimize(jac=True)
    hv = derive.kernel(d, hvp=True)     # hv(X, w, y, lam, v) -> H v, H never formed: minimize(hessp=)

Each kind takes f's arguments, in the order and with the names of the gradient
kernel of the same f (`kernels.py`), by position or keyword; `hvp` adds the
direction last (``v``, or ``v_`` when f has a ``v``), shaped like the variable.

* **value**: the loop kernel of f itself (matrix notation written entrywise), or,
  for scalar symbols, a ufunc kernel of f.
* **fused**: for scalar symbols one ufunc kernel computes f and its gradient
  together (shared subexpressions once).  For arrays it is two loop kernels,
  f's and the gradient's, each one pass over the data: the arguments are bound
  once, the passes are not shared.
* **hvp**: sum_l H[k, l] v[l] built from the Hessian's index form with each sum
  over the direction's indices pushed inside the sums over data (`contract`),
  so the inner product with v is computed once per data row: for the logistic
  loss sum_i s_i (1 - s_i) X[i, k] (sum_l X[i, l] v[l]), O(N d) per call where
  forming H costs O(N d^2).

Every kernel is validated when it is made, at a random instance of small sizes
(arrays drawn in (0.1, 0.9)): the value against f evaluated independently (NumPy
for matrix notation, plain loops over the written-out sums for index notation),
the gradient against the symbolic gradient there and against central
differences of the value kernel, H v against the symbolic Hessian evaluated
there times v.  A disagreement is a `ValidationError`; no kernel is returned.
"""

import itertools
import math

import numpy as np
import sympy
from sympy import Add, Indexed, IndexedBase, KroneckerDelta, MatrixSymbol, Mul, Sum, Symbol

import codegen
from codegen.loops.calling import bind, signature

from .linalg_kernels import loop_kernel
from .loop_form import _K, _L, _free, _rolled, index_form, loop_arguments
from .sample_kernel import SampleKernel
from .notation import to_index
from ..calculus.sums import has_index_sums
from ..errors import DeriveError, ValidationError
from ..text.namespace import Namespace
from ..text.printing import to_text
from ..text.ranges import axis_sizes
from ..validation.matrix_eval import NotEvaluable, evaluate

_SIZES = (5, 3, 4, 2, 6, 7)  # sizes of a validation instance, in order of first appearance: all different
_VALUE_TOL = 1e-9  # relative: the kernel and the reference add the same terms in another order
_FD_TOL = 1e-6  # relative, central differences with step 1e-6: error about 1e-10 of the scale


# ---------------------------------------------------------------------------
# the three kinds


def value_kernel(d, directory=None):
    """The kernel of f itself, with the gradient kernel's signature (module doc)."""
    plan = _Plan(d)
    inner = plan.value(directory)
    k = ValueKernel(inner, plan)
    _Validation(plan).value(k)
    return k


def fused_kernel(d, directory=None):
    """One callable returning ``(f, gradient)`` for ``scipy.optimize.minimize(jac=True)``."""
    plan = _Plan(d)
    plan.require_scalar("a value-and-gradient kernel")
    k = FusedKernel(plan, directory)
    check = _Validation(plan)
    check.value(k.value_only)
    check.gradient(k)
    return k


def hvp_kernel(d, directory=None):
    """``k(*f_args, v)`` -> the Hessian of f times v, without forming the Hessian."""
    plan = _Plan(d)
    plan.require_scalar("a Hessian-vector-product kernel")
    k = HvpKernel(plan, directory)
    _Validation(plan).hvp(k)
    return k


class _Kind:
    """What every kind shares: keyword calls, a true signature, readable text."""

    kind = ""

    def _set_names(self, arg_names):
        self.arg_names = tuple(arg_names)
        self.__signature__ = signature(self.arg_names)

    def __repr__(self):
        return f"<{self.kind} kernel ({', '.join(self.arg_names)}) -> {self.returns}>"

    def __str__(self):
        lines = [f"{self.kind} kernel of f = {to_text(self.plan.f)}",
                 f"  call: k({', '.join(self.arg_names)}) -> {self.returns}",
                 f"  computed by: {self.how}"]
        if getattr(self, "validation", None):
            lines.append(f"  validated: {self.validation}")
        return "\n".join(lines)


class ValueKernel(_Kind):
    """f at the arguments (a float for arrays; broadcast over points for scalar symbols)."""

    kind = "value"

    def __init__(self, inner, plan):
        self.inner, self.plan = inner, plan
        self._set_names(plan.arg_names)
        self.source = inner.source
        self.returns = "f at each point" if not plan.loops else "F's entries" if plan._value_expr[1] else \
            "f, a scalar"
        self.how = "one ufunc kernel" if not plan.loops else "one loop kernel, one pass over the data" + (
            f", after {', '.join(s.describe() for s in inner.steps)} once per call" if hasattr(inner, "steps")
            else "")

    def __call__(self, *values, **named):
        return self.inner(*bind(self.arg_names, values, named))


class FusedKernel(_Kind):
    """``k(...) -> (f, gradient)``, the gradient shaped as `derive.kernel` of the gradient gives it."""

    kind = "value-and-gradient"

    def __init__(self, plan, directory=None):
        self.plan = plan
        self._set_names(plan.arg_names)
        if not plan.loops:  # scalar symbols: f and every partial in one ufunc, common subexpressions once
            grad = plan.gradient()
            self._both = codegen.kernel([plan.f] + list(grad.result), plan.arg_symbols, directory=directory)
            self._grad_shape = tuple(grad.result.shape)
            self.value_only = ValueKernel(_Slice(self._both, 0), plan)
            self.source = self._both.source
            self.how = "one ufunc kernel computing f and the gradient together (shared subexpressions once)"
        else:
            self.value_only = ValueKernel(plan.value(directory), plan)
            self._grad = plan.gradient_kernel(directory)
            self.source = self.value_only.source + "\n\n" + self._grad.source
            self.how = ("two compiled loop kernels, f's and the gradient's, one pass over the data each; "
                        "the arguments are bound once")
        self.returns = f"(f, gradient {plan.variable_shape_text})"

    def __call__(self, *values, **named):
        values = bind(self.arg_names, values, named)
        if not self.plan.loops:
            both = self._both(*values)
            return both[..., 0], both[..., 1:].reshape(both.shape[:-1] + self._grad_shape)
        return self.value_only.inner(*values), self._grad(*values)


class HvpKernel(_Kind):
    """``k(..., v)`` -> H v for the Hessian H of f by the variable, shaped like the variable
    (for scalar variables: one entry per variable, as the gradient kernel gives them).

    ``hessian`` is the Hessian derivation H v comes from; ``expr`` is H v as compiled."""

    kind = "Hessian-vector-product"

    def __init__(self, plan, directory=None):
        self.plan = plan
        self.direction = plan.direction_name
        self._set_names(plan.arg_names + (self.direction,))
        self._hessian = plan.hessian()
        self.hessian = self._hessian[0] if isinstance(self._hessian, tuple) else self._hessian
        self.expr, self._inner = plan.hvp(self._hessian, directory)
        kernels = self._inner if isinstance(self._inner, list) else [self._inner]
        self.source = "\n\n".join(k.source for k in kernels)
        self.returns = f"H {self.direction}, {plan.variable_shape_text}"
        if plan.notation == "components":
            self.how = "one ufunc kernel of the entries of H v (H is never assembled)"
        elif plan.notation == "sample":
            self.how = "one loop kernel per entry of H v, one pass over the data each"
        elif isinstance(self.expr, sympy.MatrixExpr):
            self.how = (f"H @ v = {to_text(self.expr)}, each inverse applied to what stands to its right "
                        "as a solve, once per call (linalg_kernels.py)")
        else:
            self.how = (f"one loop kernel of H v = {to_text(self.expr)}, the sums over the direction inside "
                        "the sums over data (H is never formed)")

    def __call__(self, *values, **named):
        values = bind(self.arg_names, values, named)
        return self.plan.call_hvp(self._inner, values[:-1], values[-1])


class _Slice:
    """Output `n` of a ufunc kernel of a list of expressions (f, then the partials)."""

    def __init__(self, kernel, n):
        self.kernel, self.n, self.source = kernel, n, kernel.source

    def __call__(self, *values):
        return self.kernel(*values)[..., self.n]


# ---------------------------------------------------------------------------
# what a derivation becomes


class _Plan:
    """The facts about `d` that every kind needs: f, the variable, the notation, the
    signature, and the derivations (gradient, Hessian) the kinds compile."""

    def __init__(self, d):
        self.d, self.f, self.wrt = d, d.f, tuple(d.wrt)
        self.notation = "sample" if d.notation == "components" and has_index_sums(d.f) else d.notation
        self.loops = self.notation != "components"
        if self.notation == "components":
            result_symbols = d.result.free_symbols if hasattr(d.result, "free_symbols") else set()
            others = sorted((s for s in result_symbols | _free(d.f) if isinstance(s, Symbol)
                             and s not in self.wrt and not s.is_integer), key=lambda s: s.name)
            self.arg_symbols = list(self.variables()) + others
            self.arg_names = tuple(s.name for s in self.arg_symbols)
        else:
            self._value_expr = self._value_form()
            self.args = loop_kernel_args(self.f)
            self.arg_names = tuple(str(getattr(a, "label", a)) for a in self.args)
        self.direction_name = _fresh_name("v", _names(self.f) | set(self.arg_names))

    # -- the variable -----------------------------------------------------

    def variables(self):
        """The variable(s) f is differentiated by (of a Hessian's pair in matrix or index
        notation, the first)."""
        return self.wrt[:1] if self.d.kind == "hessian" and self.notation in ("matrix", "index") else self.wrt

    @property
    def variable(self):
        return self.variables()[0]

    @property
    def variable_name(self):
        v = self.variable
        return str(v.base.label) if isinstance(v, Indexed) else v.name

    @property
    def variable_shape_text(self):
        if self.notation in ("components", "sample"):
            return f"of length {len(self.wrt)}"
        return f"shaped like {self.variable_name}"

    def require_scalar(self, what):
        if self.d.kind == "jacobian":
            raise DeriveError(f"{what} needs a scalar f; this derivation is the Jacobian of a vector function")
        if self.notation in ("matrix", "index") and self.d.kind == "grad" and len(self.wrt) > 1:
            raise DeriveError(f"{what} takes one variable at a time; differentiate by one of "
                              f"{', '.join(to_text(w) for w in self.wrt)}")

    # -- value ------------------------------------------------------------

    def _value_form(self):
        """(index expression, outputs, ranges) of f: a scalar, or F's entries for a vector F."""
        f = self.f
        if isinstance(f, sympy.MatrixExpr) and f.shape != (1, 1):
            rows, cols = f.shape
            if cols != 1:
                raise DeriveError("a value kernel of a matrix-valued F is not available; write one column")
            return to_index(_rolled(f), [_K]), (_K,), (rows,)
        return f, (), None

    def value(self, directory=None):
        if not self.loops:
            return codegen.kernel(self.f, self.arg_symbols, directory=directory)
        expr, outputs, ranges = self._value_expr
        return loop_kernel(self.f, expr, outputs, ranges, directory)

    # -- gradient ---------------------------------------------------------

    def gradient(self):
        """The gradient derivation of f by the variable: `d` itself when it is one."""
        if self.d.kind == "grad":
            return self.d
        from .api import differentiate

        wrt = self.variables() if self.notation in ("components", "sample") else self.variable
        return differentiate(self.f, wrt, "grad")

    def gradient_kernel(self, directory=None):
        g = self.gradient()
        if self.notation == "sample":
            return SampleKernel(g, directory)
        expr, outputs, ranges = index_form(g)
        return loop_kernel(self.f, expr, outputs, ranges, directory)

    # -- Hessian and H v --------------------------------------------------

    def hessian(self):
        """(Hessian derivation, its index expression, first indices, second indices, their sizes):
        H[first, second], each pair of axes of the variable's size."""
        from .api import differentiate

        if self.notation in ("components", "sample"):
            h = self.d if self.d.kind == "hessian" else differentiate(self.f, self.wrt, "hessian")
            return h
        v = self.variable
        if isinstance(v, MatrixSymbol) and 1 in tuple(v.shape):  # a vector: the matrix-notation Hessian
            h = self.d if self.d.kind == "hessian" else differentiate(self.f, v, "hessian")
            expr, outputs, ranges = index_form(h)
            return h, expr, outputs[:1], outputs[1:], ranges[:1]
        if isinstance(v, MatrixSymbol):  # a matrix: its Hessian is 4-dimensional, so in index notation
            f = to_index(_rolled(self.f))
            base = IndexedBase(v.name)
            taken = _names(f)
            first = _fresh_indices(2, taken)
            second = _fresh_indices(2, taken | {s.name for s in first})
            h = differentiate(f, (base[first], base[second]), "hessian")
            sizes = tuple(_rolled(v).shape)
            return h, h.result, first, second, sizes
        # index notation: w[k] (then w[l]), or W[k, l] (then W[m, n])
        if self.d.kind == "hessian":
            h = self.d
        else:
            taken = _names(self.f) | {s.name for s in v.indices if isinstance(s, Symbol)}
            second = _fresh_indices(len(v.indices), taken)
            h = differentiate(self.f, (v, v.base[second]), "hessian")
        first, second = tuple(h.wrt[0].indices), tuple(h.wrt[1].indices)
        sizes = axis_sizes(Namespace(), self.f, h.result)
        name = str(v.base.label)
        try:
            lengths = tuple(sizes[(name, axis)] for axis in range(len(first)))
        except KeyError:
            raise DeriveError(f"the length of {name}'s axes is not known from f: declare {name}'s shape") from None
        return h, h.result, first, second, lengths

    def hvp(self, hessian, directory=None):
        """(H v expression, compiled kernel(s)) for `hessian` as `hessian()` returns it."""
        v = self.direction_name
        if self.notation in ("components", "sample"):
            h = hessian
            vs = [Symbol(f"_{v}{j}") for j in range(len(self.wrt))]
            hv = h.result * sympy.Matrix(vs)
            if self.notation == "components":
                return hv, codegen.kernel(hv, self.arg_symbols + vs, directory=directory)
            return hv, [loop_kernel(self.f, e, directory=directory) for e in hv]
        h, H, first, second, lengths = hessian
        if isinstance(H, sympy.MatrixExpr):  # inverses, determinants: H @ v, applied as solves (linalg_kernels.py)
            direction = MatrixSymbol(v, lengths[0], 1)
            expr = H @ direction
            # a loop kernel takes the arguments of the f it is given: f's, and v
            signature_f = self.f + sympy.Trace(direction.T @ direction)
            return expr, loop_kernel(signature_f, expr, first, lengths, directory)
        direction = IndexedBase(v)
        limits = [(s, 0, n - 1) for s, n in zip(second, lengths)]
        expr = contract(H * direction[second], limits, {s: (0, n - 1) for s, n in zip(first, lengths)})
        return expr, loop_kernel(self.f, expr, first, lengths, directory)

    def call_hvp(self, inner, values, direction):
        if self.notation == "components":
            parts = _components(direction, len(self.wrt), self.direction_name)
            return inner(*values, *parts)
        if self.notation == "sample":
            parts = _components(direction, len(self.wrt), self.direction_name)
            bound = dict(zip(self.arg_names, values))
            bound.update({f"_{self.direction_name}{j}": p for j, p in enumerate(parts)})
            out = [k(**{n: bound[n] for n in k.arg_names}) for k in inner]
            return np.array(out, dtype=float).reshape(len(out), 1)
        return inner(**dict(zip(self.arg_names, values)), **{self.direction_name: direction})


def loop_kernel_args(f):
    """The arguments of f's loop kernels (IndexedBase arrays with their shapes, then Symbols):
    they depend on f alone (`kernels.py`)."""
    _, arrays, scalars = loop_arguments(f, sympy.S.Zero)
    return arrays + scalars


def _components(direction, n, name):
    """The n entries of a direction for scalar variables, along its last axis (an (n, 1)
    column as well)."""
    v = np.asarray(direction, dtype=float)
    if v.ndim >= 2 and v.shape[-1] == 1 and v.shape[-2] == n:
        v = v[..., 0]
    if v.ndim == 0 or v.shape[-1] != n:
        raise codegen.CodegenError(f"{name} has {v.shape[-1] if v.ndim else 'no'} entries along its last axis; "
                                   f"the Hessian is {n} x {n}")
    return [v[..., j] for j in range(n)]


def _names(expr):
    """Every name in `expr`: symbols, array names, and the indices its sums run over."""
    if not isinstance(expr, (sympy.Basic, sympy.MatrixBase)):
        return set()
    names = {s.name for s in expr.free_symbols if hasattr(s, "name")}
    names |= {str(e.base.label) for e in expr.atoms(Indexed)}
    names |= {m.name for m in expr.atoms(MatrixSymbol)}
    names |= {lim[0].name for s in expr.atoms(Sum) for lim in s.limits}
    return names


def _fresh_name(name, taken):
    while name in taken:
        name += "_"
    return name


_INDEX_NAMES = ("k", "l", "m", "n", "p", "q", "r", "s", "t", "u")


def _fresh_indices(count, taken):
    """`count` integer index symbols whose names f does not use."""
    names = [n for n in _INDEX_NAMES if n not in taken][:count]
    names += [_fresh_name(f"_k{n}", taken) for n in range(count - len(names))]
    return tuple(Symbol(n, integer=True) for n in names)


# ---------------------------------------------------------------------------
# H v without H


def contract(expr, limits, ranges=None):
    """sum over `limits` of `expr` (a product or a sum of products), each sum over the
    direction's indices pushed as deep as it goes, so the loop planner computes it once
    per data row, not once per entry of H:

        sum_l v[l] * sum_i a_i X[i, k] X[i, l]  ->  sum_i a_i X[i, k] * sum_l X[i, l] v[l]

    Rules, in order: a Kronecker delta joining a summed index to an index of the same
    range (`ranges`: index -> (lo, hi) for the free ones) is substituted; factors free of
    the summed indices leave the sum; the sum distributes over a sum of terms; it goes
    inside the one sum (over data) that depends on it; otherwise one index at a time is
    summed over just the factors that hold it (cheapest first)."""
    ranges = dict(ranges or {})
    return _push(list(Mul.make_args(expr)), list(limits), ranges)


def _push(factors, limits, ranges):
    if not limits:
        return Mul(*factors)
    summed = {lim[0] for lim in limits}
    lengths = {lim[0]: lim[2] - lim[1] + 1 for lim in limits}
    known = {**ranges, **{lim[0]: (lim[1], lim[2]) for lim in limits}}

    for f in factors:  # delta(l, k) with k over l's range: l becomes k
        if isinstance(f, KroneckerDelta) and set(f.args[:2]) & summed:
            a, b = f.args[:2]
            idx, other = (a, b) if a in summed else (b, a)
            bound = {lim[0] for g in factors for s in _sums_in(g) for lim in s.limits}
            if other in known and known[other] == known[idx] and other not in bound:
                rest = [g.xreplace({idx: other}) for g in factors if g is not f]
                return _push(rest, [lim for lim in limits if lim[0] != idx], ranges)

    outside = [f for f in factors if not (f.free_symbols & summed)]
    inside = [f for f in factors if f.free_symbols & summed]
    if len(outside) == len(factors):  # nothing depends on the summed indices
        return Mul(*factors) * Mul(*lengths.values())

    for f in inside:
        if isinstance(f, Add):
            rest = [g for g in inside if g is not f]
            return Mul(*outside) * Add(*(_push(rest + list(Mul.make_args(t)), limits, ranges) for t in f.args))

    sums = [f for f in inside if isinstance(f, Sum)]
    if len(sums) == 1:
        s = sums[0]
        bounds = set().union(*(b.free_symbols for lim in s.limits for b in lim[1:]))
        others = [g for g in inside if g is not s]
        clash = {lim[0] for lim in s.limits} & (summed | set().union(*(g.free_symbols for g in others)))
        if not (bounds & summed) and not clash:
            body = _push(others + list(Mul.make_args(s.function)), limits, ranges)
            return Mul(*outside) * Sum(body, *s.limits)

    # one index at a time over only the factors that hold it: the one whose sum is cheapest first
    remaining, todo = list(inside), list(limits)
    while todo:
        def cost(lim):
            held = [g for g in remaining if lim[0] in g.free_symbols]
            free = set().union(*(g.free_symbols for g in held)) - {lim[0]}
            return (len(free), len(held))

        lim = min(todo, key=cost)
        held = [g for g in remaining if lim[0] in g.free_symbols]
        remaining = [g for g in remaining if lim[0] not in g.free_symbols] + [Sum(Mul(*held), lim)]
        todo.remove(lim)
    return Mul(*outside, *remaining)


def _basic(x):
    return sympy.Integer(x) if isinstance(x, int) else x


def _sums_in(expr):
    return expr.atoms(Sum) if isinstance(expr, sympy.Basic) else set()


# ---------------------------------------------------------------------------
# validation at a random instance


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


__all__ = ["FusedKernel", "HvpKernel", "ValueKernel", "contract", "fused_kernel", "hvp_kernel", "value_kernel"]
