"""How training code calls a kernel: by position or by keyword, with a true signature.

Every kernel object derive returns (loop kernels, and the kernels built from them:
per-entry, value-and-gradient, Hessian-vector product, linear-algebra preludes)
takes its arguments the same way: positionally in the order `arg_names` states,
or by keyword, or both; `inspect.signature(k)` shows that order.  Two vectors of
the same length passed by keyword cannot be swapped by accident.
"""

import inspect

from ..errors import CodegenError


def signature(arg_names):
    """An `inspect.Signature` of positional-or-keyword parameters named `arg_names`."""
    return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in arg_names])


def bind(arg_names, values, named):
    """The arguments in `arg_names` order, from positional `values` and keywords `named`;
    a `CodegenError` naming what is missing, unknown or given twice."""
    if len(values) > len(arg_names):
        raise CodegenError(f"kernel takes {len(arg_names)} arguments ({', '.join(arg_names)}), got {len(values)}")
    if not named:
        if len(values) != len(arg_names):
            raise CodegenError(f"kernel takes {len(arg_names)} arguments ({', '.join(arg_names)}), "
                               f"got {len(values)}")
        return list(values)
    bound = dict(zip(arg_names, values))
    for key, value in named.items():
        if key not in arg_names:
            raise CodegenError(f"unknown argument {key!r}; the kernel takes {', '.join(arg_names)}")
        if key in bound:
            raise CodegenError(f"argument {key!r} given twice (by position and by keyword)")
        bound[key] = value
    missing = [n for n in arg_names if n not in bound]
    if missing:
        raise CodegenError(f"missing argument{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                           f"the kernel takes {', '.join(arg_names)}")
    return [bound[n] for n in arg_names]


def is_dask(value):
    """A Dask collection, recognised without importing dask (training code may not have it)."""
    return type(value).__module__.split(".")[0] == "dask" and hasattr(value, "__dask_graph__")


__all__ = ["bind", "is_dask", "signature"]
