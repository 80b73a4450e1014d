"""Paired timing for the benchmarks: contenders interleaved, median and range of runs.

One run times every contender once, one after the other (A, B, C, A, B, C,
...), so a ratio is taken between calls that saw the same machine state.
Each contender's time in a run is the median of `inner` back-to-back calls.
Before each contender a short pause lets the previous contender's thread pool
go idle: OpenBLAS workers spin for about 0.1 s after every call (and XLA's and
Numba's pools for shorter), and a pool spinning on a 2-core machine halves
the speed of whatever runs next.  Without the pause the numbers measure the
order of the contenders, not the contenders.
"""

import datetime
import os
import platform
import statistics
import sys
import time

SETTLE = 0.25  # seconds of idle time before each contender (see above)


def single_threaded(argv):
    """With --single-thread, every contender runs on one core: the script runs again in a
    fresh process whose OpenBLAS, OpenMP, Numba and XLA (Eigen) pools have one thread
    (they are sized when the libraries load, so this process cannot change them).  On a
    loaded machine multithreaded OpenBLAS slows down 10-25x (its threads wait for a core
    another process holds), which swamps every ratio; one thread each compares the
    algorithms.  Returns True in the single-threaded process."""
    if os.environ.get("DERIVE_BENCH_SINGLE_THREAD") == "1":
        return True
    if "--single-thread" not in argv:
        return False
    env = dict(os.environ, DERIVE_BENCH_SINGLE_THREAD="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               XLA_FLAGS=(os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false").strip())
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *argv], env)
    return True  # not reached


def setup(description):
    """(args, single, jax, jax.numpy) for a benchmark script: --runs and --single-thread parsed
    (the latter re-runs the script single-threaded), JAX on CPU in float64."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runs", type=int, default=7, help="paired runs (at least 5)")
    ap.add_argument("--single-thread", action="store_true", help="every contender on one core (see paired.py)")
    args = ap.parse_args()
    single = single_threaded(sys.argv)
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return args, single, jax, jnp


def paired_runs(contenders, runs=7, inner=3, settle=SETTLE):
    """{name: [seconds per run]} for {name: callable}, interleaved."""
    for fn in contenders.values():
        fn()  # compile / warm caches outside the timing
    times = {name: [] for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            time.sleep(settle)
            calls = []
            for _ in range(inner):
                start = time.perf_counter()
                fn()
                calls.append(time.perf_counter() - start)
            times[name].append(statistics.median(calls))
    return times


def summary(values, scale=1e3, digits=1):
    """'median [min, max]' of a list (times in ms by default)."""
    v = [x * scale for x in values]
    return f"{statistics.median(v):.{digits}f} [{min(v):.{digits}f}, {max(v):.{digits}f}]"


def ratios(numerator, denominator):
    return [a / b for a, b in zip(numerator, denominator)]


def ratio_text(values):
    return f"{statistics.median(values):.2f}x [{min(values):.2f}, {max(values):.2f}]"


def machine_line(extra=()):
    """Date, machine, versions and load: the header of every table."""
    import numba
    import numpy
    import sympy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    versions = [f"Python {platform.python_version()}", f"numpy {numpy.__version__}", f"numba {numba.__version__}",
                f"sympy {sympy.__version__}", *extra]
    return (f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} cores, {', '.join(versions)}; "
            f"load average {load} (1, 5, 15 min)")
