"""derive's results as JAX and PyTorch functions: `derive.kernel(d, backend="jax" | "torch")`
and `derive.autograd_function(f, wrt, backend=...)`.

    d = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w", "w", "hessian",
                             symbols="X: N x d, w: d, y: N")
    H = derive.kernel(d, backend="jax")       # H(X, w, y): jnp.einsum code, jit-able
    loss = derive.autograd_function("sum(softplus(X @ w)) - y.T @ X @ w", "w",
                                    symbols="X: N x d, w: d, y: N", backend="torch", hessian=True)

Every result goes the way the Numba kernels' does (`loop_form.index_form`,
the same signature: f's arrays sorted by name, then its scalars) to the
framework printers (`codegen.export`).  Nothing is returned unchecked: at a
random instance in float64, a value kernel must equal derive's own numeric
evaluation of f (`matrix_eval` for matrix notation, the sums written out for
index notation), and a gradient or Hessian kernel must equal the framework's
autodiff of that value kernel; an autograd function's `grad` and `hessian`
must equal the framework's on the plain f.  A disagreement is a
`ValidationError`, never a function that returns wrong numbers.
"""

import numpy as np
import sympy
from sympy import Indexed, IndexedBase, MatrixSymbol

import codegen
from codegen.export import FRAMEWORKS, framework_kernel, infer_shapes
from codegen.printing.tensor import as_size

from .kernel_plan import _Plan
from .loop_form import _K, _free, _rolled, has_linear_algebra, index_form, loop_arguments
from .notation import to_index
from ..errors import DeriveError, ValidationError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..text.printing import to_text
from ..validation.instances import write_out_sums
from ..validation.matrix_eval import NotEvaluable, evaluate

RTOL = 1e-8
ATTEMPTS = 5


def export_kernel(d, backend, *, value=False, hvp=False, directory=None, value_kernel=None):
    """The JAX or PyTorch kernel of `d`'s result (of f with ``value``, of H @ v with ``hvp``),
    validated (module doc).  ``value_kernel``: f's kernel, already built and validated."""
    if d.notation == "components" and not _has_data(d):
        return _components(d, backend, value, hvp, directory)
    form = _ValueForm(d)
    f_kernel = value_kernel
    if f_kernel is None:
        f_kernel = _build(form.expr, form.args, backend, form.outputs, form.ranges, directory)
        _validate_value(f_kernel, d, form)
    if value:
        return f_kernel
    if hvp:
        expr, outputs, ranges, vector = _times_vector(d, form.arrays)
        k = _build(expr, form.args + [vector], backend, outputs, ranges, directory)
    elif d.notation == "components":  # scalars of data (mu, s2 of a sample): one number per entry
        entries = [e if has_linear_algebra(e) else loop_arguments(d.f, e)[0] for e in d.result]
        k = _build(sympy.Matrix(*d.result.shape, entries), form.args, backend, (), None, directory)
    else:
        expr, outputs, ranges = index_form(d)
        if not has_linear_algebra(expr):
            expr, _, _ = loop_arguments(d.f, expr)
        k = _build(expr, form.args, backend, outputs, ranges or _lengths(d, form.arrays, outputs), directory)
    _validate_derivative(k, f_kernel, d, form, hvp)
    return k


def autograd_function(f, wrt, backend="jax", hessian=False, symbols=None, **options):
    """`f` as a function of the framework whose gradient by `wrt` is derive's closed form
    (and, with ``hessian=True``, whose Hessian-vector products are derive's Hessian); see
    `codegen.autograd`.  Arguments as the kernels': f's arrays sorted by name, then its
    scalars.  Validated against the framework's own autodiff of the plain f before it is
    returned (`ValidationError` when they differ)."""
    from ..calculus.variables import read_problem
    from .api import derive_problem

    _check_backend(backend)
    with time_budget(options.get("limits", DEFAULT_LIMITS).seconds, "reading f"):
        problem = read_problem(f, wrt, symbols)  # read once: the gradient and the Hessian are of one problem
    second = problem.copy() if hessian else None  # the Hessian's index names as if it came first
    g = derive_problem(problem, "grad", **options)
    if g.notation == "components":
        what = "a function of scalars" if not _has_data(g) else \
            f"differentiated by the scalar{'s' if len(g.wrt) > 1 else ''} {', '.join(map(str, g.wrt))}"
        raise DeriveError(f"autograd_function differentiates a loss by one array (a vector or a matrix); "
                          f"{_short(g.f)} is {what}: use derive.kernel(d, backend={backend!r})")
    targets = _targets(g)
    if len(targets) != 1:
        raise DeriveError("autograd_function takes one wrt array (the others are data, differentiated by "
                          f"{backend}'s autodiff); got {', '.join(map(str, targets))}")
    value = export_kernel(g, backend, value=True)
    grad_kernel = export_kernel(g, backend, value_kernel=value)
    hess_kernel = None
    if hessian:
        h = derive_problem(second, "hessian", **options)
        hess_kernel = export_kernel(h, backend, value_kernel=value)
    position = list(value.arg_names).index(targets[0])
    build = codegen.autograd.jax_function if backend == "jax" else codegen.autograd.torch_function
    fn = build(value.fn, grad_kernel.fn, None if hess_kernel is None else hess_kernel.fn, wrt=position)
    loss = AutogradFunction(fn, value, grad_kernel, hess_kernel, position, backend)
    _validate_autograd(loss, g)
    return loss


class AutogradFunction:
    """f for training code: ``loss(*arrays)`` (or by keyword) in JAX or PyTorch, its gradient by
    ``wrt`` derive's closed form.  Attributes: ``fn`` (the raw custom_jvp / autograd.Function
    apply), ``value``, ``gradient``, ``hessian`` (the validated kernels), ``arg_names``,
    ``wrt`` (its name), ``backend``, ``validation`` (what was compared, in words)."""

    def __init__(self, fn, value, gradient, hessian, position, backend):
        self.fn, self.value, self.gradient, self.hessian = fn, value, gradient, hessian
        self.arg_names, self.position, self.backend = value.arg_names, position, backend
        self.wrt = value.arg_names[position]
        self.__signature__ = value.__signature__
        self.validation = None

    def __call__(self, *values, **named):
        from codegen.export import as_framework
        from codegen.loops.calling import bind

        return self.fn(*as_framework(self.backend, bind(self.arg_names, values, named)))

    def __repr__(self):
        closed = "gradient and Hessian" if self.hessian is not None else "gradient"
        return (f"<AutogradFunction {self.backend} ({', '.join(self.arg_names)}): {closed} by {self.wrt} "
                "in closed form>")


# ---------------------------------------------------------------------------
# what is printed


def _check_backend(backend):
    if backend not in FRAMEWORKS:
        raise DeriveError(f"unknown backend {backend!r}; autograd functions are built for "
                          f"{' and '.join(repr(b) for b in FRAMEWORKS)}")


def _build(expr, args, backend, outputs, ranges, directory):
    try:
        return framework_kernel(expr, args, backend, outputs=outputs, ranges=ranges, directory=directory)
    except codegen.CodegenError as exc:
        raise DeriveError(f"cannot export {_short(expr, 80)} to {backend}: {exc}") from None


class _ValueForm:
    """f as the printers take it (an index expression, or a matrix expression with inverses and
    determinants; a vector F as its entries F[k]), its output indices and their lengths, and the
    signature: f's arrays (shapes inferred from the sums where none was declared) and scalars."""

    def __init__(self, d):
        f = d.f
        self.outputs, self.ranges = (), None
        if has_linear_algebra(f):
            _, arrays, scalars = loop_arguments(f, sympy.S.Zero)
            self.expr = f
        elif isinstance(f, sympy.MatrixExpr) and f.shape != (1, 1):  # a vector F: its Jacobian's rows
            rows, cols = f.shape
            if cols != 1:
                raise DeriveError(f"{_short(f)} is a matrix; a kernel of a matrix-valued F is not available")
            self.expr, arrays, scalars = loop_arguments(f, to_index(_rolled(f), [_K]))
            self.outputs, self.ranges = (_K,), (rows,)
        else:
            self.expr, arrays, scalars = loop_arguments(f, f)
        results = list(d.result) if isinstance(d.result, sympy.MatrixBase) else [d.result]
        self.arrays = infer_shapes(arrays, [self.expr] + results)
        self.scalars = scalars
        self.args = self.arrays + self.scalars
        self.symmetric = set(getattr(d, "symmetric", ()))


def _lengths(d, arrays, outputs):
    """The length of each output index, from the axis of the wrt array it indexes: an index that
    no array in the result reads (delta(k, l) of an L2 term's Hessian) has it nowhere else."""
    shapes = {str(a.label): a.shape for a in arrays}
    out = []
    for o in outputs:
        length = None
        for w in d.wrt:
            if isinstance(w, Indexed) and o in w.indices and shapes.get(str(w.base.label)):
                length = shapes[str(w.base.label)][list(w.indices).index(o)]
        out.append(length)
    return tuple(out) if all(n is not None for n in out) else None


def _times_vector(d, arrays):
    """(H v, its outputs, their lengths, v): the Hessian of f by d's variable (derived here when
    d is a gradient, as the Numba hvp kernels do) contracted with a new argument v shaped like
    the variable.  einsum contracts v with the data first, so H itself is never formed."""
    plan = _Plan(d)
    plan.require_scalar("an hvp=True kernel")
    if d.notation == "components":
        raise DeriveError("hvp=True kernels are for a Hessian by an array; this one is by scalars: "
                          "ask for the Hessian itself")
    _h, expr, first, second, lengths = plan.hessian()
    name = plan.direction_name
    if isinstance(expr, sympy.MatrixExpr):  # with inverses: H @ v in matrix notation
        rows = expr.shape[0]
        return expr * MatrixSymbol(name, rows, 1), (_K,), (rows,), IndexedBase(name, shape=(rows,))
    if not has_linear_algebra(expr):
        expr, _, _ = loop_arguments(d.f, expr)
    v = IndexedBase(name, shape=tuple(lengths))
    limits = [(s, 0, n - 1) for s, n in zip(second, lengths)]
    return sympy.Sum(expr * v[tuple(second)], *limits), tuple(first), tuple(lengths), v


def _components(d, backend, value, hvp, directory):
    """A kernel of scalars (no data), checked against derive's NumPy kernel of the same result."""
    if hvp:
        raise DeriveError("hvp=True kernels are for array losses; for scalars, the Hessian kernel is small")
    others = sorted((s for s in d.result.free_symbols | _free(d.f) if isinstance(s, sympy.Symbol)
                     and s not in d.wrt and not s.is_integer), key=lambda s: s.name)
    exprs = d.f if value else d.result
    args = list(d.wrt) + others
    k = _build(exprs, args, backend, (), None, directory)
    reference = codegen.kernel(exprs, args, backend="numpy")
    rng = np.random.default_rng(0)
    for low, high in ((-1.5, 1.5), (0.5, 1.5), (1.5, 4.0), (4.0, 10.0), (-10.0, 10.0)):
        point = [float(rng.uniform(low, high)) for _ in args]
        with np.errstate(all="ignore"):
            want = np.asarray(reference(*point), dtype=float)
        if np.all(np.isfinite(want)):
            _compare(_numpy(backend, _call64(k, point)), want, f"the {backend} kernel of {_short(exprs)}",
                     "NumPy's evaluation of it")
            return k
    raise ValidationError(f"the {backend} kernel of {_short(exprs)} could not be validated: it is not finite "
                          "at any random point tried")


def _has_data(d):
    return any(isinstance(s, (Indexed, MatrixSymbol)) for e in (d.f, d.result) for s in _atoms(e)) or \
        (isinstance(d.f, sympy.Basic) and d.f.has(sympy.Sum))


def _atoms(e):
    return e.atoms(Indexed, MatrixSymbol) if isinstance(e, sympy.Basic) else set()


def _targets(d):
    names = []
    for w in d.wrt:
        name = str(w.base.label) if isinstance(w, Indexed) else str(getattr(w, "name", w))
        if name not in names:
            names.append(name)
    return names


def _short(expr, width=60):
    text = to_text(expr)
    return text if len(text) <= width else text[:width - 1] + "…"


# ---------------------------------------------------------------------------
# validation


def _instance(form, attempt, wrt=()):
    """Keyword values at random, sizes 3, 4, 5, ... by name.  The first instances are general,
    so that a transposed or sign-flipped result cannot pass: arrays standard normal, square
    ones non-symmetric (diagonally dominant from attempt 1, so a determinant is positive),
    scalars of either sign.  Later ones make the data positive (logs), the variable `wrt`
    still of both signs, then everything positive.  A matrix declared symmetric is symmetric
    positive definite in every instance: the result holds only there."""
    rng = np.random.default_rng(attempt)
    dims = sorted({x for a in form.arrays for d in (a.shape or ()) for x in as_size(d).free_symbols},
                  key=lambda s: s.name)
    sizes = {s: 3 + n for n, s in enumerate(dims)}
    values = {}
    for a in form.arrays:
        name = str(a.label)
        if a.shape is None:
            raise DeriveError(f"the shape of {name} is not known: declare it (symbols=\"{name}: n x m\")")
        shape = tuple(int(as_size(d).xreplace(sizes)) for d in a.shape)
        positive = attempt >= 3 or (attempt == 2 and name not in wrt)
        value = rng.uniform(0.2, 1.2, size=shape) if positive else rng.normal(size=shape)
        square = len(shape) == 2 and shape[0] == shape[1]
        if name in form.symmetric and square:
            value = value @ value.T / shape[0] + np.eye(shape[0])
        elif square and attempt >= 1:
            value = value + shape[0] * np.eye(shape[0])
        values[name] = value
    for s in form.scalars:
        sign = 1.0 if attempt >= 1 else rng.choice([-1.0, 1.0])
        values[s.name] = sign * float(rng.uniform(0.5, 1.5))
    return values, sizes


def _reference_value(d, values, sizes):
    """f at the instance, by derive's own evaluators (not by any printed kernel)."""
    f = d.f
    if f.atoms(MatrixSymbol):
        point = {}
        for m in f.atoms(MatrixSymbol):
            shape = tuple(int(as_size(n).xreplace(sizes)) for n in m.shape)
            point[m] = np.asarray(values[m.name]).reshape(shape)
        point.update({s: values[s.name] for s in f.free_symbols if isinstance(s, sympy.Symbol) and s.name in values})
        by_name = {s.name: v for s, v in sizes.items()}
        size_of = {s: by_name[s.name] for m in point if isinstance(m, MatrixSymbol) for n in m.shape
                   for s in as_size(n).free_symbols if s.name in by_name}
        out = np.asarray(evaluate(f, {**point, **size_of}, size_of))
        return out.reshape(-1)[0] if out.size == 1 else out.reshape(-1)
    by_name = {s.name: v for s, v in sizes.items()}
    dims = {s: by_name[s.name] for s in f.free_symbols if isinstance(s, sympy.Symbol) and s.name in by_name}
    expanded = write_out_sums(f.xreplace(dims))
    numbers = {}
    for x in expanded.atoms(Indexed):
        numbers[x] = sympy.Float(float(values[str(x.base.label)][tuple(int(i) for i in x.indices)]), 30)
    for s in expanded.free_symbols:
        if isinstance(s, sympy.Symbol) and s.name in values and np.ndim(values[s.name]) == 0:
            numbers[s] = sympy.Float(values[s.name], 30)
    for term in expanded.atoms(sympy.log):  # each log on its own: log(p) - log(q) at p, q < 0 is real
        argument = term.args[0].xreplace(numbers)  # in complex arithmetic, but outside f's domain
        if argument.is_number and argument.evalf(20) < 0:
            return complex("nan")
    return complex(expanded.xreplace(numbers).evalf(20))


def _real_and_finite(value):
    value = np.asarray(value, dtype=complex)
    return bool(np.all(np.isfinite(value)) and np.all(np.abs(value.imag) <= 1e-9 * np.maximum(1, np.abs(value.real))))


def _validate_value(k, d, form):
    refused = None
    for attempt in range(ATTEMPTS):
        values, sizes = _instance(form, attempt, _targets(d))
        try:
            want = _reference_value(d, values, sizes)
        except (NotEvaluable, KeyError, TypeError, ValueError, IndexError) as exc:
            refused = exc
            continue
        if not _real_and_finite(want):
            continue
        got = _numpy(k.backend, _call64(k, values))
        _compare(got, np.real(want), f"the {k.backend} kernel of {_short(d.f)}", "derive's evaluation of f")
        return
    raise ValidationError(f"the {k.backend} kernel of {_short(d.f)} could not be validated: no random "
                          "instance tried was inside f's domain" + (f" ({refused})" if refused else ""))


def _validate_derivative(k, f_kernel, d, form, hvp):
    """k against the framework's autodiff of f's (validated) kernel, at the first instance where f
    and that autodiff are finite."""
    names = list(f_kernel.arg_names)
    targets = _targets(d)
    positions = tuple(names.index(t) for t in targets)
    if d.notation == "components":
        position, order = positions, ("hessian" if d.kind == "hessian" else "grad")
    elif hvp:
        position, order = positions[0], "hessian"
    elif d.kind == "hessian" and len(positions) == 2:  # d2f / dx[k] dy[l]: two arrays
        position, order = positions, "mixed"
    else:
        position, order = positions[0], {"grad": "grad", "hessian": "hessian", "jacobian": "jacobian"}[d.kind]
    what = "Hessian-vector" if hvp else {"grad": "gradient", "hessian": "Hessian"}.get(d.kind, d.kind)
    for attempt in range(ATTEMPTS):
        values, _ = _instance(form, attempt, targets)
        args = [values[n] for n in names]
        if not _real_and_finite(_numpy(k.backend, _call64(f_kernel, values))):
            continue
        want = _autodiff(k.backend, f_kernel.fn, args, position, order)
        if not _real_and_finite(want):
            continue
        if hvp:  # want is shaped variable x variable
            shape = np.shape(args[position])
            v = np.random.default_rng(attempt + 100).normal(size=shape)
            values = dict(values, **{k.arg_names[-1]: v})
            want = (want.reshape(v.size, v.size) @ v.reshape(-1)).reshape(shape)
        got = _numpy(k.backend, _call64(k, values))
        if got.size == want.size:
            want = want.reshape(got.shape)
        _compare(got, want, f"the {k.backend} {what} kernel of {_short(d.f)}", f"{k.backend}'s autodiff of f")
        return
    raise ValidationError(f"the {k.backend} {what} kernel of {_short(d.f)} could not be validated: f is not "
                          "finite at any random instance tried")


def _validate_autograd(loss, d):
    """grad and hessian of the custom function equal the framework's on the plain f."""
    form = _ValueForm(d)
    for attempt in range(ATTEMPTS):
        values, _ = _instance(form, attempt, (loss.wrt,))
        args = [values[n] for n in loss.arg_names]
        if not _real_and_finite(_numpy(loss.backend, _call64(loss.value, values))):
            continue
        compared = []
        for order in ("grad", "hessian"):
            want = _autodiff(loss.backend, loss.value.fn, args, loss.position, order)
            got = _autodiff(loss.backend, loss.fn, args, loss.position, order)
            _compare(got, want, f"{order} of the {loss.backend} autograd function of {_short(d.f)}",
                     f"{loss.backend}'s {order} of the plain f")
            compared.append(order)
        loss.validation = (f"{' and '.join(compared)} equal {loss.backend}'s autodiff of the plain f at a random "
                           f"instance (float64, rtol {RTOL:g})")
        return
    raise ValidationError(f"the autograd function of {_short(d.f)} could not be validated: f is not finite "
                          "at any random instance tried")


def _autodiff(backend, fn, args, position, order):
    """The framework's own derivative of fn, in float64, as NumPy: "grad" and "hessian" by the
    argument at `position` (or by several scalar arguments, a tuple of positions: a vector or a
    matrix of them), "jacobian" of a vector fn, "mixed" the Hessian block by two arrays."""
    if backend == "jax":
        import jax

        ops = {"grad": jax.grad, "hessian": jax.hessian, "jacobian": jax.jacrev,
               "mixed": lambda fn, argnums: jax.jacfwd(jax.grad(fn, argnums=argnums[0]), argnums=argnums[1])}
        with jax.enable_x64(True):  # jitted: one XLA compile, not one per operation (10 s -> 1 s)
            derivative = jax.jit(ops[order](fn, argnums=position))
            return _nested(derivative(*[np.asarray(a, dtype=np.float64) for a in args]))
    import torch

    func = torch.func
    ops = {"grad": func.grad, "hessian": func.hessian, "jacobian": func.jacrev,
           "mixed": lambda fn, argnums: func.jacfwd(func.grad(fn, argnums=argnums[0]), argnums=argnums[1])}
    tensors = [torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in args]
    return _nested(ops[order](fn, argnums=position)(*tensors))


def _nested(out):
    """Tuples (of tuples) of numbers or arrays, as one NumPy array."""
    if isinstance(out, (tuple, list)):
        return np.array([_nested(o) for o in out])
    if hasattr(out, "detach"):
        out = out.detach().cpu().numpy()
    return np.asarray(out, dtype=float)


def _call64(k, values):
    """k at `values` (by name, or in order) in float64, as the framework returns it."""
    if isinstance(values, dict):
        values = [values[n] for n in k.arg_names]
    values = [np.asarray(v, dtype=np.float64) for v in values]
    if k.backend == "jax":
        import jax

        with jax.enable_x64(True):
            return np.asarray(jax.jit(k.fn)(*values))
    import torch

    return k.fn(*[torch.as_tensor(v) for v in values])


def _numpy(backend, out):
    if backend == "torch":
        out = out.detach().cpu().numpy()
    return np.asarray(out, dtype=float)


def _compare(got, want, what, against):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        raise ValidationError(f"{what} returns shape {got.shape}, {against} has shape {want.shape}; "
                              "please report this")
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0  # rounding grows with the largest entry
    if not np.allclose(got, want, rtol=RTOL, atol=RTOL * scale, equal_nan=False):
        raise ValidationError(f"{what} disagrees with {against} at a random instance (largest difference "
                              f"{float(np.nanmax(np.abs(got - want))):.3g}); please report this")


__all__ = ["AutogradFunction", "autograd_function", "export_kernel"]
