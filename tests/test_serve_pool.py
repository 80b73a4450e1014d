"""The worker pool on its own (in this process's event loop): a time limit kills and replaces a
worker, a full queue is refused at once, a slow job runs demoted, and the replacements work."""

import asyncio
import os
import time

import pytest

from derive.serve.arguments import to_argv
from derive.serve.pool import BusyError, TimeLimitError, WorkerPool
from derive.cli import build_parser

pytestmark = pytest.mark.slow

SLOW = to_argv(build_parser(), "integrate", {"f": "1/(1 + sin(x)**2)", "from": "0", "to": "1"})


def test_time_limit_queue_bound_and_replacement():
    async def scenario():
        pool = WorkerPool(size=1, time_limit=2.5, max_waiting=1)
        await pool.start()
        try:
            first = pool.pids()
            slow = asyncio.ensure_future(pool.run("command", *SLOW))
            await asyncio.sleep(0.3)
            queued = asyncio.ensure_future(pool.run("render", ["x**2"]))
            await asyncio.sleep(0.1)
            with pytest.raises(BusyError):  # one waits already: the next is refused, not queued
                await pool.run("render", ["y"])
            await asyncio.sleep(1.2)  # the slow job has run past DEMOTE_AFTER: its worker yields the CPU
            assert _nice(first[0]) == 10
            with pytest.raises(TimeLimitError, match="2.5 s"):
                await slow
            rendered = await queued  # ran in the fresh worker
            assert rendered["mathml"][0].startswith("<math") and rendered["errors"] == [None]
            assert pool.pids() != first and pool.replaced == 1
            code, obj, _ = await pool.run("command", *to_argv(build_parser(), "grad", {"f": "x**3", "wrt": "x"}))
            assert code == 0 and obj["result"] == [["3*x**2"]]
        finally:
            pool.close()
        assert all(not _alive(pid) for pid in first)

    asyncio.run(scenario())


def _nice(pid):
    with open(f"/proc/{pid}/stat") as fh:  # the main thread's: its tid is the pid
        return int(fh.read().split(")")[-1].split()[16])


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is not alive
        return fh.read().split(")")[-1].split()[0] != "Z"


def test_a_job_killed_at_the_limit_takes_what_it_started_with_it(root):
    """grade with --jobs 2 forks a process pool inside the worker; the time limit kills them all (the
    worker leads its own session, and the pool kills the group)."""
    key = (root / "examples" / "grading" / "key.toml").read_text()
    answers = (root / "examples" / "grading" / "answers.csv").read_text()
    argv = ["grade", "--jobs=2", "--json", "--", "key.toml", "answers.csv"]

    async def scenario():
        pool = WorkerPool(size=1, time_limit=8)
        await pool.start()
        try:
            session = pool.pids()[0]
            job = asyncio.ensure_future(pool.run("command", argv, {"key.toml": key, "answers.csv": answers}, None))
            seen = 0
            while not job.done() and seen < 3:  # the worker leads a session: it and grade's 2 processes
                await asyncio.sleep(0.2)
                seen = len(_in_session(session))
            assert seen >= 3, "grade's process pool was not seen in the worker's session"
            with pytest.raises(TimeLimitError):
                await job
            return session
        finally:
            pool.close()

    session = asyncio.run(scenario())
    deadline = time.monotonic() + 10  # SIGKILL is delivered, not awaited: a loaded machine takes a moment
    while _in_session(session) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _in_session(session) == [], "processes of the killed worker's session are still running"


def _in_session(sid):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().split(")")[-1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: the session id
            found.append(int(pid))
    return found
