"""codegen: a standalone kernel module (Numba, NumPy, JAX, PyTorch) for a function or its derivative.
"""

import os
import re

import sympy

from .inputs import _namespace, add_common
from .output import _print_json


def add_parsers(sub):
    """codegen."""
    p = sub.add_parser("codegen", help="write a standalone compiled kernel module",
                       description="Generate a kernel module (numpy + numba only; with --backend jax or torch, "
                                   "a function of that framework, validated against derive's evaluation of f and "
                                   "the framework's autodiff) for a function or its derivative. "
                                   "Arguments of a kernel of scalar symbols: the --wrt variables, then the other "
                                   "symbols alphabetically; of a loop kernel (arrays, index or matrix notation): "
                                   "every array of f sorted by name, then f's scalars; the module's docstring and "
                                   "the line printed after writing it state the order (keywords work too).")
    add_common(p)
    p.add_argument("--what", choices=["value", "grad", "jacobian", "hessian", "hvp", "fused"], default="grad",
                   help="hvp: the Hessian times a direction v, H never formed (scipy's hessp=); fused: (f, "
                        "gradient) together (jac=True), one module for scalar symbols only.  Both are the kernels "
                        "derive.kernel(d, hvp=True | fused=True) validates and compiles; where that kernel is not "
                        "one module, an error says so")
    p.add_argument("--backend", choices=["numba", "numpy", *_FRAMEWORKS], default="numba",
                   help="jax, torch: the module derive.kernel(d, backend=...) writes, plain framework code "
                        "(jax.jit, jax.vmap, torch.func apply); its arguments: f's arrays sorted by name, then "
                        "f's scalars (--what hvp: then the direction v)")
    p.add_argument("--parallel", action="store_true", help="Numba: spread points over all cores")
    p.add_argument("-o", "--output", metavar="FILE", help="write the module here (default: print it)")
    p.add_argument("--no-validate", action="store_true", help="skip validating the derivative")
    p.set_defaults(run=_run_codegen)


def _run_codegen(args):
    import codegen

    from ..derivation.api import differentiate
    from ..derivation.kernels import index_form, loop_arguments
    from ..text.inputs import as_expression, free_scalars
    from ..calculus.variables import resolve_wrt

    if args.backend in _FRAMEWORKS:
        return _run_framework(args)
    if args.what in _KERNEL_KINDS:
        return _run_kernel_kind(args)
    ns = _namespace(args)
    if args.what == "value":
        expr = as_expression(args.expr, ns)
        exprs = expr
        tensor = expr.has(sympy.Sum, sympy.Indexed) or bool(expr.atoms(sympy.MatrixSymbol))
        wrt = () if tensor else resolve_wrt(args.wrt, expr, ns)
        outputs, ranges = (), None
    else:
        d = differentiate(args.expr, args.wrt, args.what, validate_result=not args.no_validate, symbols=ns)
        expr, wrt, exprs = d.f, d.wrt, d.result
        tensor = d.notation != "components"
        outputs, ranges = (), None
        if tensor:
            exprs, outputs, ranges = index_form(d)
        elif expr.has(sympy.Sum) or expr.atoms(sympy.Indexed):  # parameters of a sample: a loop kernel
            entries = list(dict.fromkeys(exprs))
            if len(entries) > 1:
                from ..errors import DeriveError

                raise DeriveError(f"the {args.what} by {', '.join(str(w) for w in wrt)} is {len(entries)} "
                                  "loop kernels, one per entry: write one at a time (--wrt one parameter), or "
                                  "call derive.kernel(derive.differentiate(...)) from Python for all at once")
            exprs, tensor = entries[0], True
    if tensor:
        exprs, arrays, scalars = loop_arguments(expr, exprs, ns)
        source, _ = codegen.loops.kernel_source(exprs, arrays, scalars, outputs, ranges=ranges)
        arg_names = [str(a.label) for a in arrays] + [s.name for s in scalars]
    else:
        others = [s for s in free_scalars(exprs if hasattr(exprs, "free_symbols") else expr) if s not in wrt]
        arg_syms = list(wrt) + others
        source = codegen.kernel_source(exprs, arg_syms, backend=args.backend, parallel=args.parallel)
        arg_names = [s.name for s in arg_syms]
    if args.output:
        _write_file(args.output, source)
    if args.json:
        shape = [str(x) for x in getattr(exprs, "shape", ())] if not tensor else [o.name for o in outputs]
        _print_json({"what": args.what, "backend": "numba" if tensor else args.backend, "args": arg_names,
                     "shape": shape, "output": args.output, "source": source})
    elif args.output:
        print(f"wrote {args.output}: kernel({', '.join(arg_names)}) -> {args.what} of {args.expr}"
              + (" (a loop kernel in index notation)" if tensor else f" ({args.backend})"))
        print(_calling(source, arg_names))
    else:
        print(source)
    return 0


_FRAMEWORKS = ("jax", "torch")
_VALUE_AND_GRAD = {"jax": "jax.value_and_grad", "torch": "torch.func.grad_and_value"}
_TAKES = {"jax": "JAX or NumPy arrays, in float64 only with jax_enable_x64 (JAX's default is float32); "
                 "jax.jit(kernel) compiles it",
          "torch": "torch tensors, on any device (torch.as_tensor(a) turns a NumPy array into one)"}


def _run_framework(args):
    """--backend jax|torch: the module of the kernel derive.kernel(d, backend=...) builds and
    validates (against derive's own evaluation of f and the framework's autodiff)."""
    from ..derivation.api import differentiate
    from ..derivation.kernels import kernel
    from ..errors import DeriveError

    if args.parallel:
        raise DeriveError(f"--parallel spreads a Numba kernel over cores; {args.backend} chooses its own "
                          "threads and device: drop --parallel")
    if args.what == "fused":
        raise DeriveError(f"--what fused is a (value, gradient) kernel for scipy.optimize; in {args.backend}, "
                          f"use derive.autograd_function(f, wrt, backend={args.backend!r}) with "
                          f"{_VALUE_AND_GRAD[args.backend]}")
    # hvp: the Hessian, which export contracts with v
    kind, wrt = _carrier(args) if args.what == "value" else ("hessian" if args.what == "hvp" else args.what,
                                                             args.wrt)
    d = differentiate(args.expr, wrt, kind, validate_result=not args.no_validate and args.what != "value",
                      symbols=_namespace(args))
    k = kernel(d, backend=args.backend, value=args.what == "value", hvp=args.what == "hvp")
    names = _parameters(k.source, k.arg_names)
    if args.output:
        _write_file(args.output, k.source)
    if args.json:
        shape = [o.name for o in k.outputs] if k.outputs else [str(n) for n in getattr(k.exprs, "shape", ())]
        _print_json({"what": args.what, "backend": args.backend, "args": names, "shape": shape,
                     "output": args.output, "source": k.source})
    elif args.output:
        against = "derive's evaluation of f" if args.what == "value" else f"{args.backend}'s autodiff of f"
        print(f"wrote {args.output}: kernel({', '.join(names)}) -> {args.what} of {args.expr} "
              f"({args.backend}; validated against {against})")
        print(_calling(k.source, names))
        print(f"  takes: {_TAKES[args.backend]}")
    else:
        print(k.source)
    return 0


def _carrier(args):
    """(kind, wrt) of a Derivation that carries f for --what value: f alone is written, and its
    derivative goes unchecked, so it may be by any array of f (an array kernel's arguments do not
    depend on wrt; a scalar kernel's start with --wrt); a vector f needs its Jacobian."""
    from ..text.inputs import as_expression

    expr = as_expression(args.expr, _namespace(args))
    arrays = {m.name for m in expr.atoms(sympy.MatrixSymbol)} | {x.base.label.name for x in expr.atoms(sympy.Indexed)}
    kind = "jacobian" if isinstance(expr, sympy.MatrixBase) else "grad"
    return kind, min(arrays) if arrays else args.wrt


# --what hvp|fused: the kinds derive.kernel(d, hvp=True | fused=True) builds, validates and compiles,
# written out only where the kind is one module; why not, where it is not (checked before compiling)
_KERNEL_KINDS = {
    "hvp": "Hessian-vector product",
    "fused": "value-and-gradient",
}
_NOT_ONE_MODULE = {
    "hvp": "the Hessian-vector product of {f} is {why}, not one module: call derive.kernel(d, hvp=True) "
           "from Python",
    "fused": "the value-and-gradient kernel of {f} is {why}, not one module: call derive.kernel(d, fused=True) "
             "from Python, or write --what value and --what grad",
}


def _run_kernel_kind(args):
    import codegen

    from ..derivation.api import differentiate
    from ..derivation.kernels import kernel
    from ..errors import DeriveError
    from ..text.printing import to_text

    if args.backend != "numba" or args.parallel:
        raise DeriveError(f"--what {args.what} writes the kernel derive.kernel compiles (Numba, threads chosen "
                          f"by the planner): drop {'--backend numpy' if args.backend != 'numba' else '--parallel'}")
    d = differentiate(args.expr, args.wrt, "grad", validate_result=not args.no_validate, symbols=_namespace(args))
    why = _why_not_one_module(args.what, d)
    if why:
        raise DeriveError(_NOT_ONE_MODULE[args.what].format(f=to_text(d.f), why=why))
    k = kernel(d, **{args.what: True})  # validated and compiled here, or a one-line error
    module = _one_module(args.what, k)
    if module is None:
        raise DeriveError(_NOT_ONE_MODULE[args.what].format(f=to_text(d.f), why="several compiled parts"))
    loops = isinstance(module, codegen.loops.plan.IndexKernel)
    names = _parameters(module.source, module.arg_names)
    returns = k.returns if args.what == "hvp" else \
        f"[f, {', '.join(f'df/d{to_text(w)}' for w in d.wrt)}] along the last axis"
    if args.output:
        _write_file(args.output, module.source)
    if args.json:
        shape = [o.name for o in module.outputs] if loops else [str(n) for n in module.shape]
        _print_json({"what": args.what, "backend": "numba", "args": names, "shape": shape, "output": args.output,
                     "returns": returns, "validation": k.validation, "compile_seconds": module.compile_seconds,
                     "compiled_from": module.compiled_from, "source": module.source})
    elif args.output:
        print(f"wrote {args.output}: kernel({', '.join(names)}) -> {returns} "
              f"({_KERNEL_KINDS[args.what]} of {args.expr}; {'a loop kernel' if loops else 'a Numba gufunc'})")
        print(_calling(module.source, names))
        print(f"  validated: {k.validation}")
        seconds = "" if module.compile_seconds is None else f" in {module.compile_seconds:.2f} s"
        print(f"  compiled here{seconds}: {module.compiled_from}; the written file compiles again when first "
              "imported or called, then Numba caches it next to the file")
    else:
        print(module.source)
    return 0


def _why_not_one_module(what, d):
    """Why the `what` kernel of `d` would not be one standalone module, or None: told before seconds
    of compiling (kernel_kinds.py builds these shapes)."""
    from ..calculus.sums import has_index_sums
    from ..derivation.linalg_kernels import has_linear_algebra

    loops = d.notation != "components" or has_index_sums(d.f)
    sample = d.notation == "components" and loops
    if what == "fused" and loops:
        return "two loop kernels (f's and the gradient's, one pass over the data each)"
    if what == "hvp" and d.notation == "matrix" and has_linear_algebra(d.f):
        return "a prelude of solves, run once per call, then loops"
    if what == "hvp" and sample and len(d.wrt) > 1:
        return f"{len(d.wrt)} loop kernels, one per entry"
    return None


def _one_module(what, k):
    """The one compiled module behind the kind `k` (kernel_kinds.py keeps it as `_inner` for hvp,
    `_both` for fused over scalar symbols), or None where `k` is made of several parts."""
    import codegen

    inner = getattr(k, "_inner" if what == "hvp" else "_both", None)
    if isinstance(inner, list):
        inner = inner[0] if len(inner) == 1 else None
    return inner if isinstance(inner, (codegen.Kernel, codegen.loops.plan.IndexKernel)) else None


def _parameters(source, names):
    """The written module's own parameter names, in order: its `def kernel(...)` (where a name is
    not a safe identifier the file renamed it), or `names` where kernel is a ufunc (no def)."""
    header = re.search(r"^def kernel\(([^)]*)\):", source, re.MULTILINE)
    return [p.strip() for p in header.group(1).split(",") if p.strip()] if header else list(names)


def _calling(source, names):
    """How the written module's kernel is called: positionally in this order, and by keyword where
    it is a Python function (a scalar ufunc module's `kernel = ufunc` takes positions only)."""
    names = _parameters(source, names)
    if not re.search(r"^def kernel\(", source, re.MULTILINE):
        return f"  call: kernel({', '.join(names)}), by position (a NumPy ufunc takes no keywords)"
    return (f"  call: kernel({', '.join(names)}) by position, or by keyword: "
            f"kernel({', '.join(f'{n}={n}' for n in names)})")


def _write_file(path, text):
    """Write `text` to `path`, creating its folder as most tools' -o do."""
    from ..errors import DeriveError

    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
    except (FileExistsError, NotADirectoryError):
        raise DeriveError(f"cannot write {path}: a part of its folder path is a file") from None
    except OSError as exc:
        raise DeriveError(f"cannot write {path}: {exc.strerror or exc}") from None
