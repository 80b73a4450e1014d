"""Derivatives of a sum over data by scalar parameters: one loop kernel per distinct entry."""

import numpy as np

from codegen.loops.calling import bind, signature

from .linalg_kernels import loop_kernel


class SampleKernel:
    """The derivative of a sum over data by scalar parameters (d/dmu sum((x[i] - mu)**2, i)):
    one loop kernel per distinct entry, each one pass over the data, called with the
    arrays (sorted by name), then the scalars, like every loop kernel of f.

    ``k(x, mu)`` returns an array of the derivative's shape (m x 1 for a gradient)."""

    def __init__(self, d, directory=None):
        self.shape = tuple(d.result.shape)
        self.entries = list(d.result)
        distinct = list(dict.fromkeys(self.entries))
        self.kernels = {}
        for e in distinct:
            self.kernels[e] = loop_kernel(d.f, e, directory=directory)
        # every entry's kernel takes f's arguments (loop_arguments reads them from f), so any one's is the signature
        self.args = next(iter(self.kernels.values())).args
        self.arg_names = tuple(str(getattr(a, "label", a)) for a in self.args)
        self.__signature__ = signature(self.arg_names)
        self.source = "\n\n".join(k.source for k in self.kernels.values())
        times = [k.compile_seconds for k in self.kernels.values()]
        self.compile_seconds = None if None in times else sum(times)
        self.compiled_from = ", ".join(sorted({k.compiled_from for k in self.kernels.values()}))

    def __call__(self, *values, **named):
        bound = dict(zip(self.args, bind(self.arg_names, values, named)))
        cache = {e: k(*(bound[a] for a in k.args)) for e, k in self.kernels.items()}
        return np.array([cache[e] for e in self.entries], dtype=float).reshape(self.shape)

    def __repr__(self):
        return f"<SampleKernel ({', '.join(self.arg_names)}) -> {self.shape[0]} x {self.shape[1]}>"


__all__ = ["SampleKernel"]
