"""EM beyond one machine: each iteration is one map-reduce over the chunks of a Dask array.

    map:     every chunk of rows -> (S_chunk, log-likelihood of the chunk)   (the same kernel as in memory)
    reduce:  S = sum of S_chunk,  log-likelihood = sum                       (then the M-step, on the client)

The statistics are a few numbers per component, so only they travel; the
data stay where they are.  The tasks carry the kernel's source text (a few
kB): a worker process writes it to its kernel cache and imports it, so the
same compiled code runs on threads, processes or a cluster.  Under a
dask.distributed client each worker compiles (or loads) it in a warm-up task
pinned to it before the first iteration, and reports its time (warm.py).  The
result equals the in-memory fit up to the order of the floating-point additions.

Dask is optional (``pip install -e ".[dask]"``); NumPy input never imports it.
"""

import numpy as np

from ...errors import DeriveError
from .numpy_data import choose_backend
from .warm import NOT_NEEDED, example_arguments, warm_up


def _module(sources, backend):
    """The kernel functions of `backend` in this process (the module is written and imported once)."""
    from codegen.cache import load_module

    module = load_module(sources[backend])
    suffix = "_range" if backend == "numba" else "_np"
    return {"stats": getattr(module, "stats" + suffix), "seed": getattr(module, "seed" + suffix),
            "resp": getattr(module, "resp" + suffix)}


def chunk_stats(sources, backend, block, shift, logw, H, arrays, M):
    """(S, log-likelihood, NaN count) of one chunk of rows."""
    block = np.ascontiguousarray(block, dtype=float)
    acc = np.zeros((len(logw), M))
    ll, nans = _module(sources, backend)["stats"](block, 0, block.shape[0], shift, logw, H, *arrays, acc)
    return acc, float(ll), int(nans)


def chunk_seed(sources, backend, block, shift, centers, soft, M):
    block = np.ascontiguousarray(block, dtype=float)
    acc = np.zeros((centers.shape[0], M))
    _module(sources, backend)["seed"](block, 0, block.shape[0], shift, centers, soft, acc)
    return acc


def chunk_resp(block, sources, backend, shift, logw, H, arrays, what):
    block = np.ascontiguousarray(block, dtype=float)
    R = np.empty((block.shape[0], len(logw)))
    rowll = np.empty(block.shape[0])
    _module(sources, backend)["resp"](block, 0, block.shape[0], shift, logw, H, *arrays, R, rowll)
    return R if what == "R" else rowll


def warm_worker(sources, X, K, arrays, M):
    """On a worker: write and import the kernel module, then compile or load its entry points (timed)."""
    import time

    from codegen.cache import load_module

    start = time.perf_counter()
    module = load_module(sources["numba"])
    loaded = time.perf_counter() - start
    report = warm_up(module, X, K, arrays, M)
    report["compile_seconds"] += loaded
    return report


def add(parts):
    """The reduce step: statistics and log-likelihoods add up."""
    S = sum(p[0] for p in parts)
    return S, sum(p[1] for p in parts), sum(p[2] for p in parts)


class DaskData:
    """A Dask array of rows (any row chunking; columns in one chunk)."""

    def __init__(self, program, X, backend):
        try:
            import dask
        except ImportError:  # pragma: no cover - only reached with a Dask array
            raise DeriveError("fitting a Dask array needs dask (pip install -e \".[dask]\")") from None
        self.dask = dask
        self.program = program
        self.sources = {"numba": _source_of(program.module), "numpy": _source_of(program.numpy_module)}
        if X.ndim != 2:
            raise DeriveError("the data must be a 2-D Dask array")
        self.X = X.rechunk({1: -1}).astype(float)
        self.rows = int(X.shape[0])
        largest = max(self.X.chunks[0]) if self.X.chunks[0] else 0
        self.backend = choose_backend(backend, largest, program.model.k)
        self.module = program.kernels(self.backend)  # for hoist, on the client
        self.M = len(program.stats)
        self.blocks = list(self.X.to_delayed().ravel())

    def warm_up(self):
        """Compile (or load) the kernel where the chunks will run: in this process for Dask's local
        schedulers; on every worker, each timing itself, under a dask.distributed client."""
        if self.backend != "numba":
            return {"compile_seconds": 0.0, "compiled_from": NOT_NEEDED}
        k = self.program.model.k
        arrays, M = example_arguments(self.program.spec, k)
        rows = np.zeros((0, self.program.width))
        client = _distributed_client(self.dask)
        if client is None:
            return warm_up(self.program.module, rows, k, arrays, M)
        report = warm_up(self.program.module, rows, k, arrays, M, names=("hoist",))  # the client's one kernel
        workers = sorted(client.scheduler_info()["workers"])
        tasks = [client.submit(warm_worker, self.sources, rows, k, arrays, M, workers=[w], allow_other_workers=False,
                               pure=False) for w in workers]
        report["workers"] = dict(zip(workers, client.gather(tasks)))
        return report

    def mean(self):
        return np.asarray(self.X.mean(axis=0).compute(), dtype=float)

    def sample(self, idx):
        return np.asarray(self.X[idx].compute(), dtype=float)

    def stats(self, shift, logw, H, arrays):
        delayed = self.dask.delayed
        parts = [delayed(chunk_stats, pure=True)(self.sources, self.backend, b, shift, logw, H, arrays, self.M) for b in self.blocks]
        S, ll, nans = delayed(add)(parts).compute()
        return S, float(ll), int(nans)

    def seed(self, shift, centers, soft):
        delayed = self.dask.delayed
        parts = [delayed(chunk_seed, pure=True)(self.sources, self.backend, b, shift, centers, soft, self.M) for b in self.blocks]
        return delayed(sum)(parts).compute()

    def responsibilities(self, shift, logw, H, arrays):
        """(R, per-row log-likelihood) as lazy Dask arrays."""
        K = len(logw)
        R = self.X.map_blocks(chunk_resp, self.sources, self.backend, shift, logw, H, arrays, "R", dtype=float,
                              chunks=(self.X.chunks[0], (K,)))
        rowll = self.X.map_blocks(chunk_resp, self.sources, self.backend, shift, logw, H, arrays, "ll", dtype=float,
                                  drop_axis=1, chunks=(self.X.chunks[0],))
        return R, rowll

    def row(self, index):
        return np.asarray(self.X[index].compute())


def _distributed_client(dask):
    """The dask.distributed client that `compute()` will use, or None (a local scheduler)."""
    client = getattr(dask.base.get_scheduler(), "__self__", None)
    return client if type(client).__module__.split(".")[0] == "distributed" else None


def _source_of(module):
    from codegen.cache import module_name

    with open(module.__file__) as fh:
        source = fh.read()
    assert module.__name__ == module_name(source)
    return source
