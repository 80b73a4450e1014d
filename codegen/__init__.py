"""codegen: numeric kernels from SymPy expressions, and a finite-difference checker.

Takes plain SymPy objects; never imports `derive`.
"""

from . import loops
from .errors import CodegenError
from .gradcheck import Report, gradcheck
from .kernel import Kernel, kernel, kernel_source

__all__ = ["CodegenError", "Kernel", "Report", "gradcheck", "kernel", "kernel_source", "loops"]
