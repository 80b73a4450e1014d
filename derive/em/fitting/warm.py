"""Compile the E-step kernel before the first iteration, and say how long it took and from where.

Numba compiles a function at its first call.  Left alone, that call is the
first seeding pass and the first iteration, which then cost seconds against
milliseconds for the rest while the fit's timings report no compile at all.
So every entry point of the generated module is called once over zero rows
with arguments of the types a fit passes (float64, C-contiguous; the real
data array where there is one, so that a read-only array compiles its own
variant here too), and the time and the dispatchers' cache counters say
whether the code was compiled or loaded from Numba's disk cache.

Under a dask.distributed client every worker is its own process with its own
compiled code, so the same warm-up runs as one task pinned to each worker and
each worker reports its own time.
"""

import time

import numpy as np

from .seeding import SOFT

ENTRY_POINTS = ("hoist", "seed_range", "stats_range", "resp_range")

# how the dispatchers' counters changed -> where the code came from
SOURCES = {(True, False): "compiled", (False, True): "disk cache", (True, True): "compiled and disk cache",
           (False, False): "already loaded"}
NOT_NEEDED = "nothing to compile (NumPy backend)"


def example_arguments(spec, K):
    """(per-component arrays of the kernel's ranks and large enough for every entry it reads, statistics count)."""
    extent = {name: [1] * ndim for name, ndim in spec.arrays.items()}
    for name, idx in spec.elements.values():
        extent[name] = [max(n, int(i) + 1) for n, i in zip(extent[name], idx)]
    arrays = [np.zeros((K, *extent[name])) for name in spec.arrays]
    return arrays, len(spec.stats)


def warm_up(module, X, K, arrays, M, names=ENTRY_POINTS):
    """Call the entry points `names` of a compiled kernel module once over zero rows of X (2-D
    float64); returns {"compile_seconds", "compiled_from"} for this process."""
    dispatchers = [getattr(module, name) for name in names]
    before = _counts(dispatchers)
    width = X.shape[1]
    shift, logw, acc = np.zeros(width), np.zeros(K), np.zeros((K, M))
    start = time.perf_counter()
    H = module.hoist(*arrays, K)
    calls = {"hoist": lambda: module.hoist(*arrays, K),
             "seed_range": lambda: module.seed_range(X, 0, 0, shift, np.zeros((K, width)), SOFT, acc),
             "stats_range": lambda: module.stats_range(X, 0, 0, shift, logw, H, *arrays, acc),
             "resp_range": lambda: module.resp_range(X, 0, 0, shift, logw, H, *arrays, np.empty((0, K)),
                                                     np.empty(0))}
    for name in names:
        calls[name]()
    seconds = time.perf_counter() - start
    hits, misses = (after - was for after, was in zip(_counts(dispatchers), before))
    return {"compile_seconds": seconds, "compiled_from": SOURCES[misses > 0, hits > 0]}


def _counts(dispatchers):
    """(cache hits, cache misses) summed over the dispatchers' signatures."""
    return (sum(sum(d.stats.cache_hits.values()) for d in dispatchers),
            sum(sum(d.stats.cache_misses.values()) for d in dispatchers))


__all__ = ["NOT_NEEDED", "example_arguments", "warm_up"]
