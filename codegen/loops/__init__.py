"""Loop kernels from index notation: Sum / Indexed expressions -> Numba loop nests.

    plan.py       how a Sum becomes a loop: fused passes over the data index, chunked
                  and parallel, with per-thread partial results (index_kernel)
    streaming.py  how a pass walks its rows: prefetch ahead, no negative-index tests
    floating.py   let-floating: each subexpression at the outermost loop that knows its indices
    gram.py       weighted sums of row products -> one BLAS call (SYRK / GEMM)
    products.py   matrix products inside loops hoisted to BLAS
    arguments.py  every array argument checked (rank, axes, bounds), cast once
"""

from .plan import IndexKernel, LoopPrinter, index_kernel, kernel_source

__all__ = ["IndexKernel", "LoopPrinter", "index_kernel", "kernel_source"]
