"""fitting: EM run on data, from the derived updates to a `Fit`.

May import: derive.em's model and symbols, derive.em.derivation (sufficient statistics,
the generalized-EM ascent), derive.em.presentation (a Fit draws itself), codegen,
and everything below derive.em.  Never derive.em.updates: `Updates.fit` calls in here.

    loop.py        fit(): seeding, then E-step + statistics in one kernel pass, M-step, until tol
    numpy_data.py  the in-memory backend (NumPy or compiled Numba kernel over chunks on a thread pool)
    dask_data.py   the Dask backend: the same kernel as a map-reduce over the chunks
    seeding.py     k-means++ seeding and feasible default starting values
    warm.py        compiles the kernel before the first iteration (here and on Dask workers), timed
    program.py     the derived updates at the model's sizes: statistics, NumPy M-step, log prior
    kernels.py     the fused E-step + statistics kernel, generated (Numba and its NumPy twin)
    blocks.py      the kernel's model-independent compiled parts (log-sum-exp, SIMD exp)
    result.py      Fit: the fitted parameters, the trace, responsibilities on demand
"""
