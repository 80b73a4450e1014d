"""codegen: numeric kernels from SymPy expressions, and a finite-difference checker.

Takes plain SymPy objects; never imports `derive`.

    kernel.py    codegen.kernel: CSE, a printer, a module file, Numba or NumPy (cache.py keeps the files)
    printing/    one printer class per target, and the stable-form rewrite table
    loops/       index notation (Sum / Indexed) -> fused parallel loop kernels
    checking/    codegen.gradcheck: finite differences with their own error estimate
"""

from . import loops
from .checking.gradcheck import Report, gradcheck
from .errors import CodegenError
from .kernel import Kernel, kernel, kernel_source

__all__ = ["CodegenError", "Kernel", "Report", "gradcheck", "kernel", "kernel_source", "loops"]
