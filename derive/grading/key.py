"""The answer key: one `Question` per question, read from TOML or YAML and checked before grading.

    title = "Problem set 3"

    [[question]]
    id = "q1"
    f = "norm(X @ w - y)**2 + lam*norm(w)**2"
    wrt = "w"
    let = "X: n x d, w: d, y: n, lam: positive"   # declarations and definitions (s = ...), as --let
    kind = "grad"                                   # fixed by the question (default: from f)
    points = 4                                      # default 1
    answer = "2*X.T @ (X @ w - y) + 2*lam*w"        # optional; must be right, or nothing is graded
    rubric = { factor = 0.5, sign = 0.5 }           # the fraction of the points a mistake still earns

A key mistake (an unknown field, a reference answer derive finds wrong, a rubric category that
does not exist) stops the run with one message naming the question: grading 200 answers against
a wrong key is worse than grading none.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..check.verdict import MISTAKES
from ..errors import DeriveError
from ..text.tables import read_table
from .answers import as_text

KINDS = ("grad", "jacobian", "hessian")
QUESTION_KEYS = {"id", "title", "f", "wrt", "let", "symbols", "kind", "points", "answer", "rubric"}
RUBRIC_KEYS = set(MISTAKES) | {"unreadable"}
MAX_QUESTIONS = 200
_DEFINITION = re.compile(r"(?<![<>=!])=(?!=)")  # "s = ..." defines; "A: n x n" declares


class AnswerKeyError(DeriveError):
    """The answer key is wrong or cannot be read."""


@dataclass
class Question:
    """One question of the key; ``declarations`` and ``definitions`` are ``let`` split the CLI's way."""

    id: str
    f: str
    wrt: str
    kind: str = "grad"
    points: float = 1.0
    let: str = ""
    answer: str | None = None
    rubric: dict = field(default_factory=dict)
    title: str = ""

    @property
    def declarations(self):
        return "; ".join(p.strip() for p in re.split(r"[;\n]", self.let) if p.strip()
                         and not _DEFINITION.search(p)) or None

    @property
    def definitions(self):
        return "; ".join(p.strip() for p in re.split(r"[;\n]", self.let) if _DEFINITION.search(p)) or None

    def credit(self, mistake):
        """Points for an answer with `mistake` (None: right)."""
        if mistake is None:
            return self.points
        return round(self.points * self.rubric.get(mistake, 0.0), 6)

    def to_dict(self, solution=True):
        out = {"id": self.id, "title": self.title, "f": self.f, "wrt": self.wrt, "kind": self.kind,
               "points": self.points, "let": self.let, "rubric": dict(self.rubric)}
        if solution:
            out["answer"] = self.answer
        return out


@dataclass
class Key:
    title: str
    questions: list

    def __getitem__(self, qid):
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    @property
    def ids(self):
        return [q.id for q in self.questions]

    @property
    def points(self):
        return sum(q.points for q in self.questions)


def load_key(source):
    """A `Key` from a path (TOML, or YAML for .yaml/.yml), a dict, or a `Key`; not yet validated."""
    if isinstance(source, Key):
        return source
    if isinstance(source, dict):
        data, where = source, "the key"
    else:
        path = Path(source)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AnswerKeyError(f"cannot read the key {path}: {exc.strerror}") from None
        data = read_table(text, path)
    if not isinstance(data, dict):
        raise AnswerKeyError(f"{where}: expected a table with [[question]] entries")
    items = data.get("question", data.get("questions"))
    if not isinstance(items, list) or not items:
        raise AnswerKeyError(f"{where}: no questions (use [[question]] tables in TOML or a 'questions:' list in YAML)")
    if len(items) > MAX_QUESTIONS:
        raise AnswerKeyError(f"{where}: {len(items)} questions; the limit is {MAX_QUESTIONS}")
    questions = [_question(item, k, where) for k, item in enumerate(items, 1)]
    ids = [q.id.lower() for q in questions]  # answers match ids whatever their case
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise AnswerKeyError(f"{where}: the question id {repeated[0]!r} is used twice (ids are read "
                             "whatever their case)")
    return Key(str(data.get("title", Path(where).stem if where != "the key" else "grades")), questions)


def _question(item, k, where):
    if not isinstance(item, dict):
        raise AnswerKeyError(f"{where}: question {k} must be a table with id, f and wrt")
    qid = str(item.get("id", k)).strip()
    at = f"{where}, question {qid}"
    unknown = sorted(set(item) - QUESTION_KEYS)
    if unknown:
        raise AnswerKeyError(f"{at}: unknown field {unknown[0]!r}; the fields are {', '.join(sorted(QUESTION_KEYS))}")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", qid):
        raise AnswerKeyError(f"{at}: an id is 1 to 40 letters, digits, '_', '-' or '.'")
    item = {k: as_text(v) for k, v in item.items()}  # SymPy objects in a key given as a dict: as text
    for needed in ("f", "wrt"):
        if not isinstance(item.get(needed), str) or not item[needed].strip():
            raise AnswerKeyError(f"{at}: '{needed}' is missing (text, e.g. f = \"x**2\", wrt = \"x\")")
    kind = item.get("kind", "grad")
    if kind not in KINDS:
        raise AnswerKeyError(f"{at}: kind {kind!r} is not one of {', '.join(KINDS)}")
    points = item.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points <= 1000:
        raise AnswerKeyError(f"{at}: points must be a number above 0 (up to 1000), got {points!r}")
    rubric = item.get("rubric", {}) or {}
    if not isinstance(rubric, dict):
        raise AnswerKeyError(f"{at}: rubric must be a table of mistake = fraction, e.g. {{ sign = 0.5 }}")
    for mistake, fraction in rubric.items():
        if mistake not in RUBRIC_KEYS or mistake == "None":
            raise AnswerKeyError(f"{at}: rubric category {mistake!r} is not one of {', '.join(sorted(RUBRIC_KEYS))}")
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
            raise AnswerKeyError(f"{at}: rubric {mistake} = {fraction!r}: give the fraction of the points, 0 to 1")
    let = item.get("let", item.get("symbols", "")) or ""
    if "let" in item and "symbols" in item:
        let = f"{item['let']}; {item['symbols']}"
    answer = item.get("answer")
    for name, value in (("let", let), ("answer", answer), ("title", item.get("title", ""))):
        if value is not None and not isinstance(value, str):
            raise AnswerKeyError(f"{at}: '{name}' must be text")
    return Question(qid, item["f"], item["wrt"], kind, float(points), let, answer,
                    {m: float(v) for m, v in rubric.items()}, item.get("title", "") or "")
