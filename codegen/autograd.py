"""A loss whose derivatives are closed forms, for the framework's own autodiff to use.

`jax_function` and `torch_function` take three generated functions of the same
arguments (`export.py`): the value f, its gradient by the argument at
position `wrt`, and optionally its Hessian there.  They return f as a
function of the framework whose derivative *is* that gradient:

JAX: a `jax.custom_jvp`, not a `custom_vjp`: `jax.hessian`, `jacfwd` and
forward-over-reverse fail on a `custom_vjp` (jax issue 16049), and users call
`jax.hessian` on their loss.  The JVP rule is <gradient, tangent>, linear in
the tangent, so JAX transposes it for `jax.grad`; differentiating the rule
again differentiates the gradient: by JAX's autodiff of the closed-form
gradient, or (with a Hessian) by another custom_jvp whose rule is H @ tangent.

PyTorch: a `torch.autograd.Function` in the `setup_context` style, with
`jvp` and `generate_vmap_rule`, so `torch.func.grad`, `jacfwd`, `hessian`
and vmap work through it; its backward is made of torch operations (or of a
second such Function whose backward is the Hessian), so double backward
works too.

Tangents and gradients of the other arguments (data that requires grad) are
the framework's own autodiff of the plain f: correct, only not closed form.
"""


def jax_function(value, gradient, hessian=None, wrt=0):
    """f as a `jax.custom_jvp` whose derivative by argument `wrt` is `gradient` (module doc)."""
    import jax
    import jax.numpy as jnp
    from jax.custom_derivatives import SymbolicZero

    def others(fn, primals, tangents):
        """The JVP of fn along the tangents of the arguments other than wrt (autodiff of fn)."""
        moving = [i for i, t in enumerate(tangents) if i != wrt and not isinstance(t, SymbolicZero)]
        if not moving:
            return None

        def along(*moved):
            args = list(primals)
            for i, a in zip(moving, moved):
                args[i] = a
            return fn(*args)

        return jax.jvp(along, tuple(primals[i] for i in moving), tuple(tangents[i] for i in moving))[1]

    def plus(a, b):
        return a if b is None else a + b

    derivative = gradient
    if hessian is not None:
        derivative = jax.custom_jvp(gradient)

        def gradient_jvp(primals, tangents):
            g = gradient(*primals)
            t = tangents[wrt]
            dg = jnp.zeros_like(g) if isinstance(t, SymbolicZero) else \
                jnp.tensordot(hessian(*primals), t, axes=jnp.ndim(t))
            return g, plus(dg, others(gradient, primals, tangents))

        derivative.defjvp(gradient_jvp, symbolic_zeros=True)

    f = jax.custom_jvp(value)

    def value_jvp(primals, tangents):
        y = value(*primals)
        t = tangents[wrt]
        dy = jnp.zeros_like(y) if isinstance(t, SymbolicZero) else jnp.sum(derivative(*primals) * t)
        return y, plus(dy, others(value, primals, tangents))

    f.defjvp(value_jvp, symbolic_zeros=True)
    return f


def _save(ctx, inputs):
    """Keep the inputs for backward and jvp; an input nobody differentiates gets a None tangent
    (not a tensor of zeros: a zero tangent of the data would cost an autodiff pass of f, and
    torch's classic forward AD cannot nest the torch.func.jvp that pass needs)."""
    ctx.set_materialize_grads(False)
    ctx.save_for_backward(*inputs)
    ctx.save_for_forward(*inputs)


def torch_function(value, gradient, hessian=None, wrt=0):
    """f as a `torch.autograd.Function` whose derivative by argument `wrt` is `gradient` (module doc);
    returns a function of tensors (numbers are made tensors like the argument at `wrt`)."""
    import torch

    def others_jvp(fn, args, tangents):
        moving = [i for i, t in enumerate(tangents) if i != wrt and t is not None]
        if not moving:
            return None

        def along(*moved):
            full = list(args)
            for i, a in zip(moving, moved):
                full[i] = a
            return fn(*full)

        return torch.func.jvp(along, tuple(args[i] for i in moving), tuple(tangents[i] for i in moving))[1]

    def others_vjp(fn, args, needs, g):
        grads = [None] * len(args)
        for i, needed in enumerate(needs):
            if needed and i != wrt:
                grads[i] = torch.func.vjp(lambda a, i=i: fn(*args[:i], a, *args[i + 1:]), args[i])[1](g)[0]
        return grads

    def closed_form(name, primal, derivative, backward_rule, forward_rule):
        """An autograd.Function `name` computing `primal`, whose derivative by argument wrt is
        `derivative` (a function of the same arguments), applied by the two rules.  Made with
        type() so that its graph nodes are named after it (ValueBackward, GradientBackward)."""

        def forward(*args):
            return primal(*args)

        def setup_context(ctx, inputs, output):
            _save(ctx, inputs)

        def backward(ctx, g):
            args = ctx.saved_tensors
            if g is None:
                return (None,) * len(args)
            grads = others_vjp(primal, args, ctx.needs_input_grad, g)
            if ctx.needs_input_grad[wrt]:
                grads[wrt] = backward_rule(g, derivative(*args))
            return tuple(grads)

        def jvp(ctx, *tangents):
            args = ctx.saved_tensors
            t = tangents[wrt]
            out = None if t is None else forward_rule(derivative(*args), t)
            extra = others_jvp(primal, args, tangents)
            return extra if out is None else out if extra is None else out + extra

        rules = {"forward": forward, "setup_context": setup_context, "backward": backward, "jvp": jvp}
        return type(name, (torch.autograd.Function,),
                    {"generate_vmap_rule": True, **{k: staticmethod(v) for k, v in rules.items()}})

    derivative = gradient
    if hessian is not None:  # the gradient's own derivative: H^T g backward (H is symmetric), H t forward
        derivative = closed_form("Gradient", gradient, hessian, lambda g, H: torch.tensordot(g, H, dims=g.dim()),
                                 lambda H, t: torch.tensordot(H, t, dims=t.dim())).apply
    Value = closed_form("Value", value, derivative, lambda g, G: g * G, lambda G, t: torch.sum(G * t))

    def f(*args):
        like = args[wrt]
        return Value.apply(*(a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=like.dtype,
                                                                                   device=like.device)
                             for a in args))

    f.Function = Value
    return f


def autograd_function(value, gradient, hessian=None, *, wrt=0, backend="jax"):
    """f for training code from generated functions of one signature: `value` (f), `gradient`
    (by the argument at position `wrt`) and optionally `hessian` there; JAX or PyTorch (module
    doc).  `derive.autograd_function(f, wrt, backend=...)` derives, exports and validates these
    from text or SymPy; this is the step after, for closed forms you already have."""
    builders = {"jax": jax_function, "torch": torch_function}
    if backend not in builders:
        from .errors import CodegenError

        raise CodegenError(f"unknown backend {backend!r}; choose one of {list(builders)}")
    return builders[backend](value, gradient, hessian, wrt=wrt)


__all__ = ["autograd_function", "jax_function", "torch_function"]
