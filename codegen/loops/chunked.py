"""Loop kernels on Dask arrays, chunk by chunk (to be written: issue 21, item 7)."""

from ..errors import CodegenError


def dask_call(kernel, values):
    raise CodegenError("this kernel does not run on Dask arrays yet; pass NumPy arrays")
