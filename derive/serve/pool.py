"""A pool of worker processes where one slow derivation cannot block the others or the server.

concurrent.futures' ProcessPoolExecutor cannot stop one task that runs too long (its workers
are not ours to kill), so each worker here is a process with a pipe: a request takes an idle
worker, sends it the job and waits on the pipe for at most the time limit; past it the worker
is killed and a fresh one takes its place.  Workers are forked from a fork server that has
imported derive once, so a replacement starts warm in a fraction of a second.  A request that
finds every worker busy waits its turn (in arrival order).
"""

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from ..errors import DeriveError

PRELOAD = ["derive.serve.worker"]


class TimeLimitError(DeriveError):
    """A job ran past the server's time limit; its worker was replaced."""


class BusyError(DeriveError):
    """More requests wait for a worker than the pool queues; the answer is 503, try again."""


class WorkerError(DeriveError):
    """A worker died (out of memory, a crash in a compiled library) during a job; it was replaced."""


class _Worker:
    def __init__(self, context):
        from . import worker

        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=worker.serve, args=(theirs,), name="derive-worker")
        self.process.start()
        theirs.close()

    def call(self, job, args, kwargs, seconds):
        """The job's reply, or raise TimeLimitError / WorkerError (the worker is then dead)."""
        try:
            self.conn.send((job, args, kwargs))
            answered = self.conn.poll(seconds)
        except (EOFError, OSError):
            self.stop()
            raise WorkerError("the worker had stopped (out of memory?); a new one takes its place") from None
        if not answered:
            self.stop()
            raise TimeLimitError(f"stopped after {seconds:g} s, the server's time limit for one request "
                                 "(derive serve --time-limit)")
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerError("the worker stopped during the request (out of memory?); a new one took its "
                              "place") from None

    def stop(self):
        """Kill the worker and whatever it started (grade's process pool): it leads its own process group."""
        if self.process.is_alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        self.process.join(5)
        self.conn.close()


def default_size():
    """One worker per core and one more: a slow request (demoted to a lower priority after a second) then
    leaves every core to the fast ones."""
    return (os.cpu_count() or 1) + 1


class WorkerPool:
    """`size` worker processes; `await pool.run(job, *args)` runs one job in one of them."""

    def __init__(self, size=None, time_limit=45.0, max_waiting=200):
        self.size = size or default_size()
        self.max_waiting = max_waiting  # requests queued for a worker beyond this are refused (503)
        self.waiting = 0
        self.time_limit = float(time_limit)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._idle = None  # asyncio.Queue of idle workers, made in start() on the server's loop
        self._all = set()
        self._lock = threading.Lock()
        self._threads = ThreadPoolExecutor(max_workers=self.size + 2, thread_name_prefix="derive-pool")
        self.replaced = 0

    async def start(self):
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(loop.run_in_executor(self._threads, self._spawn)
                                         for _ in range(self.size)))
        for w in workers:
            self._idle.put_nowait(w)

    def _spawn(self):
        w = _Worker(self._context)
        with self._lock:
            self._all.add(w)
        return w

    def _retire(self, w):
        with self._lock:
            self._all.discard(w)
        self.replaced += 1

    async def run(self, job, *args, **kwargs):
        loop = asyncio.get_running_loop()
        if self._idle.empty() and self.waiting >= self.max_waiting:
            raise BusyError(f"{self.waiting} requests are waiting for a worker already; try again shortly")
        self.waiting += 1
        try:
            w = await self._idle.get()
        finally:
            self.waiting -= 1
        call = loop.run_in_executor(self._threads, w.call, job, args, kwargs, self.time_limit)
        try:
            status, result, fresh = await asyncio.shield(call)
        except (TimeLimitError, WorkerError):
            self._replace(w)
            raise
        except asyncio.CancelledError:  # the requester left (derive.serve.app watches for it): the worker is
            call.add_done_callback(lambda f: f.cancelled() or f.exception())  # busy with the job; replace it
            self._replace(w)
            raise
        if fresh:
            self._idle.put_nowait(w)
        else:  # it ran demoted and cannot return to its priority: a new one takes its place, after this reply
            self._replace(w)
        if status != "ok":
            raise WorkerError(result)
        return result

    def _replace(self, w):
        """Retire `w` (killed if it still runs) and start a fresh worker in the background; the fresh one
        joins the idle queue when it is ready, so no request waits for the swap."""
        self._retire(w)

        def swap():
            w.stop()
            return self._spawn()

        def ready(future):
            if not future.cancelled() and future.exception() is None:
                self._idle.put_nowait(future.result())

        asyncio.get_running_loop().run_in_executor(self._threads, swap).add_done_callback(ready)

    def close(self):
        with self._lock:
            workers, self._all = list(self._all), set()
        for w in workers:
            w.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)

    def pids(self):
        with self._lock:
            return sorted(w.process.pid for w in self._all)

