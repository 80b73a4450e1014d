"""codegen: numeric kernels from SymPy expressions, and a finite-difference checker.

Takes plain SymPy objects; never imports `derive`.

    kernel.py    codegen.kernel: CSE, a printer, a module file, Numba or NumPy (cache.py keeps the files)
    export.py    codegen.kernel(..., backend="jax" | "torch"): whole-array framework functions
    autograd.py  codegen.autograd_function: a jax.custom_jvp / torch.autograd.Function of closed forms
    printing/    one printer class per target, and the stable-form rewrite table
    loops/       index notation (Sum / Indexed) -> fused parallel loop kernels
    checking/    codegen.gradcheck: finite differences with their own error estimate
"""

from . import loops
from .checking.gradcheck import Report, gradcheck
from .errors import CodegenError
from .kernel import Kernel, kernel, kernel_source

__all__ = ["CodegenError", "Kernel", "Report", "gradcheck", "kernel", "kernel_source", "loops"]


def __getattr__(name):
    """The framework exporters, imported on first use (SymPy's torch printer imports torch)."""
    import importlib

    if name in ("autograd_function", "autograd"):
        module = importlib.import_module(".autograd", __name__)
        return module if name == "autograd" else module.autograd_function
    if name in ("export", "FrameworkKernel"):
        module = importlib.import_module(".export", __name__)
        return module if name == "export" else module.FrameworkKernel
    raise AttributeError(f"module 'codegen' has no attribute {name!r}")
