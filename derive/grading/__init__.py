"""grading: a class graded from an answer key: grades, feedback and a mistake summary.

May import: derive.check, derive.derivation and everything below them.

    >>> import derive                                                       # doctest: +SKIP
    >>> g = derive.grade("key.toml", "answers.csv")                         # doctest: +SKIP
    >>> g.write("out", format="canvas", solution=False)                     # doctest: +SKIP

`key` reads the answer key, `answers` the students' answers (CSV or a folder of files),
`marking` turns one answer into a `Mark`, `run` grades them all in a worker pool, `results`
holds the `Grading`, `outputs` writes its files; `hints` and `counterexample` put what derive
found into words a student can act on.
"""

import importlib

# name -> the module that defines it, imported on first use: `derive` and every CLI command would
# otherwise pay about 35 ms at start for a capability most of them never call
_HOME = {"AnswerKeyError": "key", "Key": "key", "Question": "key", "load_key": "key", "Mark": "marking",
         "Grading": "results", "grade": "run"}

__all__ = sorted(_HOME)  # noqa: PLE0605 - a list, computed so that it cannot drift from _HOME


def __getattr__(name):
    if name in _HOME:
        return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module 'derive.grading' has no attribute {name!r}")
