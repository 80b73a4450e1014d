"""Value, value-and-gradient and Hessian-vector-product kernels (to be written: issue 21, item 5)."""

from ..errors import DeriveError


def _missing(d, directory=None):
    raise DeriveError("this kind of kernel is not available yet")


value_kernel = fused_kernel = hvp_kernel = _missing
