"""`derive.grade(key, answers)`: every answer of a class marked against the key, in a worker pool.

The key is checked first (each question derived once, its reference answer confirmed), in this
process, so that the workers start from a process that already holds every question's
derivative (they are forked from it where the platform allows).  Identical answers to one
question are checked once.  Answers go to the workers grouped by question.
"""

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from ..check.api import check
from ..check.definitions import parse_definitions
from ..derivation.api import differentiate
from ..text.inputs import new_namespace
from ..errors import DeriveError
from .answers import Submission, read_answers
from .key import DERIVATIVES, AnswerKeyError, load_key
from .marking import Mark, mark
from .outputs import SOLUTION_NAMES
from .results import Grading


def grade(key, answers, *, jobs=None, progress=None):
    """Grade `answers` (a CSV path, a folder of per-student files, or (student, question, answer)
    rows) against `key` (a TOML/YAML path, a dict, or a `Key`); returns a `Grading`.

    `jobs`: worker processes (default: the number of cores; 1 grades in this process).
    `progress`: a callable (done, total) called as answers are checked, or True for a progress
    bar on stderr when it is a terminal.
    """
    started = time.perf_counter()
    key = load_key(key)
    read = read_answers(answers, key.ids)  # cheap, and a bad file is told before the key is derived
    validate_key(key)
    prepared = time.perf_counter()
    unique = {}
    for s in read.submissions:
        unique.setdefault(s.memo_key, s)
    tasks = sorted(unique.values(), key=lambda s: key.ids.index(s.question))
    report = _progress_bar(len(tasks)) if progress is True else progress
    jobs = _jobs(jobs, len(tasks))
    marks = _mark_all(key, tasks, jobs, report)
    by_memo = {task.memo_key: m for task, m in zip(tasks, marks)}
    results = []
    for s in read.submissions:
        m = by_memo[s.memo_key]
        results.append(_for_student(m, s))
    seconds = time.perf_counter() - started
    timings = {"seconds": round(seconds, 3), "key_seconds": round(prepared - started, 3),
               "answers": len(read.submissions), "checked": len(tasks), "jobs": jobs}
    return Grading(key, results, read.students, read.columns, read.ignored, timings)


def validate_key(key):
    """Each question derived once (a key whose f or wrt derive cannot read stops here) and its
    reference answer, if any, confirmed: a key mistake stops the run with one message."""
    for q in key.questions:
        try:
            if q.kind in DERIVATIVES:
                differentiate(q.f, q.wrt, q.kind, symbols=q.declarations)
            else:  # derive's integral, polynomial or rate, found once here (bad bounds, at or u stop here too)
                check(q.f, q.wrt, "0", q.kind, let=q.definitions, symbols=q.declarations, **q.options)
            if q.definitions:  # read now: a definition derive cannot read would make every answer unreadable
                parse_definitions(q.definitions, new_namespace(q.declarations, q.f, q.wrt))
        except DeriveError as exc:
            raise AnswerKeyError(f"the key's question {q.id}: {' '.join(str(exc).split())}") from None
        if q.answer is None:
            continue
        m = mark(q, Submission("(key)", q.id, q.answer))
        if m.status != "correct":
            why = m.reason or m.explanation
            what = SOLUTION_NAMES.get(q.kind, "derivative")
            command = {"antiderivative": "integrate", "integral": "integrate"}.get(q.kind, q.kind)
            raise AnswerKeyError(f"the key's answer to {q.id} is {m.status} by derive's own {what}: {why} "
                                 f"(derive's {what}: {m.expected or 'see derive ' + command})")


def _jobs(jobs, tasks):
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(int(jobs), tasks or 1, 64))


def _mark_all(key, tasks, jobs, report):
    total = len(tasks)
    if jobs == 1 or total < 4:
        out = []
        for k, task in enumerate(tasks, 1):
            out.append(mark(key[task.question], task))
            if report:
                report(k, total)
        return out
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None  # inherit warm caches
    out = [None] * total
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method)) as pool:
        futures = {pool.submit(_mark_chunk, key, chunk): idx for idx, chunk in _chunks(tasks, jobs)}
        done = 0
        for future in as_completed(futures):
            idx = futures[future]
            try:
                marks = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (memory, a crash): its answers, not the run
                marks = [_lost(key[tasks[i].question], tasks[i], exc) for i in idx]
            for i, m in zip(idx, marks):
                out[i] = m
            done += len(idx)
            if report:
                report(done, total)
    return out


def _chunks(tasks, jobs):
    """Small runs of consecutive tasks (one question at a time), several per worker, so that a slow
    answer does not leave the other workers idle at the end."""
    size = max(1, min(8, len(tasks) // (jobs * 4)))
    for start in range(0, len(tasks), size):
        idx = list(range(start, min(start + size, len(tasks))))
        yield idx, [tasks[i] for i in idx]


def _lost(question, submission, exc):
    return Mark(submission.student, question.id, "ungraded", max_points=question.points, answer=submission.text,
                kind=question.kind, source=submission.source,
                reason=f"the worker checking this answer stopped ({type(exc).__name__}); grade it by hand")


def _mark_chunk(key, chunk):
    return [mark(key[s.question], s) for s in chunk]


def _for_student(m, s):
    """A memoized mark under this submission's own student and source."""
    from dataclasses import replace

    return replace(m, student=s.student, source=s.source, answer=s.text)  # their own text, their own spacing


def _progress_bar(total, stream=None):
    stream = stream or sys.stderr
    if not stream.isatty():
        return None
    width = 30

    def report(done, total=total):
        filled = int(width * done / max(total, 1))
        stream.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total} answers")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return report
