"""What runs inside a worker process: a CLI command, a rendering, a plot.

A command is `derive.cli.run(argv)`: `derive.cli.main`, the function behind `derive ... --json`,
handing over the object it would print, so the API answers exactly what the CLI prints.  Each job runs
in a fresh temporary folder (the files the API was given are written there; nothing else of
the machine's is read or written by name) on the process's main thread, so the CLI's own time
budgets (SIGALRM) apply as they do at a terminal.
"""

import contextlib
import io
import os
import signal
import sys
import tempfile
import threading

import derive.check.api

# imported when the fork server starts, so that each worker forked from it starts warm
import derive.cli
import derive.derivation.api  # noqa: F401

from .mathml import from_latex, from_sympy

MAX_FORMULAS = 64
MAX_PLOT_BYTES = 5_000_000


def run_command(argv, files=None, stdin=None):
    """(exit code, the JSON object, stderr's text) of `derive <argv> --json`, through derive.cli.run:
    the CLI's own path from arguments to answer, with the object handed over instead of printed."""
    from derive.cli import run

    err = io.StringIO()
    with _private_folder(files), _stdin(stdin), contextlib.redirect_stderr(err):
        code, obj = run(argv)
    return code, obj, err.getvalue()


def render(formulas, let=(), typed=None):
    """{"mathml": [<math> or None], "errors": [message or None], "typed": <math> or None}: each formula
    read by derive's own parser (with the --let declarations) and printed by SymPy's presentation
    printer; `typed`, LaTeX as the user typed it (or a list of LaTeX formulas), by latex2mathml."""
    from derive.cli.inputs import namespace_of
    from derive.errors import DeriveError
    from derive.text.expressions import parse

    lets = [let] if isinstance(let, str) else list(let or ())
    mathml, errors = [], []
    for text in list(formulas)[:MAX_FORMULAS]:
        try:  # a namespace each: a formula's names do not leak into the next (x[i] here, x there)
            mathml.append(from_sympy(parse(text, namespace_of(lets))))
            errors.append(None)
        except DeriveError as exc:  # ParseError, ShapeError, LimitError, a bad --let: the one-line message
            mathml.append(None)
            errors.append(" ".join(str(exc).split()))
        except Exception as exc:  # noqa: BLE001 - SymPy's printer may not know a node: no picture, said why
            mathml.append(None)
            errors.append(f"not rendered ({type(exc).__name__})")
    if isinstance(typed, list):  # several LaTeX formulas (the steps' before and after)
        typed_mathml = [from_latex(t) if t.strip() else None for t in typed[:MAX_FORMULAS]]
    else:
        typed_mathml = from_latex(typed) if isinstance(typed, str) and typed.strip() else None
    return {"mathml": mathml, "errors": errors, "typed": typed_mathml}


def plot(argv, files=None, stdin=None):
    """(exit code, SVG text or None, the JSON object): `derive <argv> --plot=plot.svg` in the folder."""
    argv = list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    argv[cut:cut] = ["--plot=plot.svg"]
    with tempfile.TemporaryDirectory(prefix="derive-plot-") as folder:
        files = {**(files or {}), "__folder__": folder}
        code, obj, _ = run_command(argv, files, stdin)
        path = os.path.join(folder, "plot.svg")
        svg = None
        if code in (0, 1) and os.path.isfile(path) and os.path.getsize(path) <= MAX_PLOT_BYTES:
            with open(path, encoding="utf-8") as fh:
                svg = fh.read()
    return code, svg, obj


JOBS = {"command": run_command, "render": render, "plot": plot}
DEMOTE_AFTER = 1.0  # seconds: a job still running then is a slow one; it yields the CPU to the fast ones
NICE = 10


def serve(conn):
    """The worker's loop: (job, args, kwargs) in, (status, result, fresh) out until the server closes
    the pipe; status "ok" or "error" (an internal error as one line); fresh: False when this worker
    ran at a lower priority and could not return to its own (the pool then replaces it)."""
    sys.stdin = io.StringIO("")
    _own_group()
    priority = _Demotion.own_priority()
    while True:
        try:
            job, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        demotion = _Demotion(priority)
        try:
            reply = ("ok", JOBS[job](*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - reported to the server as one line, the worker lives on
            reply = ("error", f"internal error ({type(exc).__name__}: {' '.join(str(exc).split())})")
        try:
            conn.send((*reply, demotion.end()))
        except (EOFError, OSError):
            return


class _Demotion:
    """A job that runs past DEMOTE_AFTER lowers its worker's priority (nice 10), so that on a machine
    with few cores the short requests of other workers keep theirs: a slow integral then takes the
    CPU the fast ones leave.  On Linux a nice value belongs to a thread: the main thread's (where
    jobs run; threads it starts later inherit it)."""

    @staticmethod
    def own_priority():
        try:
            return os.getpriority(os.PRIO_PROCESS, 0)
        except (OSError, AttributeError):
            return 0

    def __init__(self, priority):
        self.demoted, self.priority = False, priority
        self.thread = threading.main_thread().native_id
        self.timer = threading.Timer(DEMOTE_AFTER, self._demote)
        self.timer.daemon = True
        self.timer.start()

    def _demote(self):
        try:
            os.setpriority(os.PRIO_PROCESS, self.thread, max(NICE, self.priority))
            self.demoted = True
        except (OSError, AttributeError):
            pass

    def end(self):
        """True when the worker runs at its own priority again (restoring it needs the right to)."""
        self.timer.cancel()
        self.timer.join()
        if not self.demoted:
            return True
        try:
            os.setpriority(os.PRIO_PROCESS, self.thread, self.priority)
            return True
        except OSError:
            return False


def _own_group():
    """Lead a process group of its own, so that the pool's kill reaches what a job started (grade's
    process pool); and die with the fork server, which dies with the server (Linux's parent-death
    signal), so that no worker outlives a server killed outright."""
    with contextlib.suppress(OSError):
        os.setsid()
    with contextlib.suppress(Exception):  # not Linux, or no libc: the pipe's EOF still ends it
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def _private_folder(files):
    """A fresh current folder holding `files` ({name: text}); "__folder__" names one to use instead."""
    files = dict(files or {})
    given = files.pop("__folder__", None)
    home = os.getcwd()
    with contextlib.ExitStack() as stack:
        folder = given or stack.enter_context(tempfile.TemporaryDirectory(prefix="derive-job-"))
        for name, text in files.items():
            with open(os.path.join(folder, os.path.basename(name)), "w", encoding="utf-8") as fh:
                fh.write(text)
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(home)


@contextlib.contextmanager
def _stdin(text):
    previous = sys.stdin
    sys.stdin = io.StringIO(text or "")
    try:
        yield
    finally:
        sys.stdin = previous
