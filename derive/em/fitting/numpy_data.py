"""The data in memory: the kernel over chunks of rows on a thread pool (the NumPy and Numba backends).

`choose_backend` picks the compiled (Numba) kernel from N x K >= AUTO_NUMBA_WORK,
the NumPy twin below that (no compilation); `NumpyData` runs either over
chunks of rows, one per thread of a process-wide pool (the kernels release the
GIL); the Dask twin of this class is dask_data.DaskData.
"""

import numpy as np

from ...errors import DeriveError
from .warm import NOT_NEEDED, example_arguments, warm_up

AUTO_NUMBA_WORK = 400_000  # rows x components from which the compiled kernel pays for its compilation


def choose_backend(backend, rows, k):
    if backend == "auto":
        return "numba" if rows * k >= AUTO_NUMBA_WORK else "numpy"
    if backend not in ("numba", "numpy"):
        raise DeriveError(f"backend must be 'auto', 'numba' or 'numpy', got {backend!r}")
    return backend


class NumpyData:
    """The data in memory; big inputs are split into chunks of rows run on a thread pool
    (the kernels release the GIL)."""

    def __init__(self, program, X, backend):
        self.program = program
        self.X = np.ascontiguousarray(X, dtype=float)
        self.rows = self.X.shape[0]
        self.module = program.kernels(choose_backend(backend, self.rows, program.model.k))
        self.M = len(program.stats)
        threads = threads_available()
        chunks = 1 if self.rows < 50_000 else min(4 * threads, self.rows // 20_000)
        edges = np.linspace(0, self.rows, chunks + 1).astype(int)
        self.bounds = list(zip(edges[:-1], edges[1:]))

    def warm_up(self):
        """Compile (or load) every entry point of the kernel, for arrays like this data (see warm.py)."""
        if self.module.backend != "numba":
            return {"compile_seconds": 0.0, "compiled_from": NOT_NEEDED}
        k = self.program.model.k
        arrays, M = example_arguments(self.program.spec, k)
        return warm_up(self.program.module, self.X, k, arrays, M)

    def mean(self):
        return self.X.mean(axis=0)

    def sample(self, idx):
        return self.X[idx]

    def _map(self, fn):
        if len(self.bounds) == 1:
            return [fn(*self.bounds[0])]
        return list(thread_pool().map(lambda b: fn(*b), self.bounds))

    def stats(self, shift, logw, H, arrays):
        def part(lo, hi):
            acc = np.zeros((len(logw), self.M))
            ll, nans = self.module.stats_range(self.X, lo, hi, shift, logw, H, *arrays, acc)
            return acc, ll, nans

        parts = self._map(part)
        return sum(p[0] for p in parts), float(sum(p[1] for p in parts)), int(sum(p[2] for p in parts))

    def seed(self, shift, centers, soft):
        def part(lo, hi):
            acc = np.zeros((centers.shape[0], self.M))
            self.module.seed_range(self.X, lo, hi, shift, centers, soft, acc)
            return acc

        return sum(self._map(part))

    def responsibilities(self, shift, logw, H, arrays):
        R = np.empty((self.rows, len(logw)))
        rowll = np.empty(self.rows)
        self._map(lambda lo, hi: self.module.resp_range(self.X, lo, hi, shift, logw, H, *arrays, R[lo:hi],
                                                        rowll[lo:hi]))
        return R, rowll

    def row(self, index):
        return self.X[index]


_POOL = []


def threads_available():
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def thread_pool():
    """One process-wide pool with a thread per core."""
    if not _POOL:
        from concurrent.futures import ThreadPoolExecutor

        _POOL.append(ThreadPoolExecutor(max_workers=threads_available(), thread_name_prefix="derive-em"))
    return _POOL[0]


__all__ = ["AUTO_NUMBA_WORK", "NumpyData", "choose_backend", "thread_pool", "threads_available"]
