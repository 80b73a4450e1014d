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

from .key import AnswerKeyError, Key, Question, load_key
from .marking import Mark
from .results import Grading
from .run import grade

__all__ = ["AnswerKeyError", "Grading", "Key", "Mark", "Question", "grade", "load_key"]
