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

import numpy as np
import sympy
from sympy import Add, IndexedBase, KroneckerDelta, MatrixSymbol, Mul, Sum, Symbol

import codegen
from codegen.loops.calling import bind, signature

from ..text.printing import to_text
from .kernel_plan import _Plan
from .kernel_validation import _Validation
from .linalg_kernels import loop_kernel

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
        self.expr, self._inner = _hvp(plan, self._hessian, directory)
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
        return _call_hvp(self.plan, self._inner, values[:-1], values[-1])


class _Slice:
    """Output `n` of a ufunc kernel of a list of expressions (f, then the partials)."""

    def __init__(self, kernel, n):
        self.kernel, self.n, self.source = kernel, n, kernel.source

    def __call__(self, *values):
        return self.kernel(*values)[..., self.n]


# ---------------------------------------------------------------------------
# H v built from the Hessian, and called with the direction


def _hvp(plan, hessian, directory=None):
    """(H v expression, compiled kernel(s)) for `hessian` as `_Plan.hessian()` returns it."""
    v = plan.direction_name
    if plan.notation in ("components", "sample"):
        h = hessian
        vs = [Symbol(f"_{v}{j}") for j in range(len(plan.wrt))]
        hv = h.result * sympy.Matrix(vs)
        if plan.notation == "components":
            return hv, codegen.kernel(hv, plan.arg_symbols + vs, directory=directory)
        return hv, [loop_kernel(plan.f, e, directory=directory) for e in hv]
    h, H, first, second, lengths = hessian
    if isinstance(H, sympy.MatrixExpr):  # inverses, determinants: H @ v, applied as solves (linalg_kernels.py)
        direction = MatrixSymbol(v, lengths[0], 1)
        expr = H @ direction
        # a loop kernel takes the arguments of the f it is given: f's, and v
        signature_f = plan.f + sympy.Trace(direction.T @ direction)
        return expr, loop_kernel(signature_f, expr, first, lengths, directory)
    direction = IndexedBase(v)
    limits = [(s, 0, n - 1) for s, n in zip(second, lengths)]
    expr = contract(H * direction[second], limits, {s: (0, n - 1) for s, n in zip(first, lengths)})
    return expr, loop_kernel(plan.f, expr, first, lengths, directory)


def _call_hvp(plan, inner, values, direction):
    if plan.notation == "components":
        parts = _components(direction, len(plan.wrt), plan.direction_name)
        return inner(*values, *parts)
    if plan.notation == "sample":
        parts = _components(direction, len(plan.wrt), plan.direction_name)
        bound = dict(zip(plan.arg_names, values))
        bound.update({f"_{plan.direction_name}{j}": p for j, p in enumerate(parts)})
        out = [k(**{n: bound[n] for n in k.arg_names}) for k in inner]
        return np.array(out, dtype=float).reshape(len(out), 1)
    return inner(**dict(zip(plan.arg_names, values)), **{plan.direction_name: direction})


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


# ---------------------------------------------------------------------------
# H v without H: the sums over the direction pushed inside


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
        def cost(lim, remaining=remaining):  # called at once, by min (bound for ruff's B023)
            held = [g for g in remaining if lim[0] in g.free_symbols]
            free = set().union(*(g.free_symbols for g in held)) - {lim[0]}
            return (len(free), len(held))

        lim = min(todo, key=cost)
        held = [g for g in remaining if lim[0] in g.free_symbols]
        remaining = [g for g in remaining if lim[0] not in g.free_symbols] + [Sum(Mul(*held), lim)]
        todo.remove(lim)
    return Mul(*outside, *remaining)


def _sums_in(expr):
    return expr.atoms(Sum) if isinstance(expr, sympy.Basic) else set()


__all__ = ["FusedKernel", "HvpKernel", "ValueKernel", "contract", "fused_kernel", "hvp_kernel", "value_kernel"]
