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

    [[question]]                                    # beyond derivatives: the kind says what is asked
    id = "q2"
    f = "x**2"
    wrt = "x"
    kind = "integral"                               # or "antiderivative" (no bounds)
    a = 0                                           # the bounds: numbers or text ("pi", "oo", "-oo")
    b = 1
    # kind = "taylor":      at = [0] (or { x = 0, y = 1 }), order = 2 (default 2)
    # kind = "directional": at = [1, 2], u = [3, 4]

A key mistake (an unknown field, a reference answer derive finds wrong, a rubric category that
does not exist) stops the run with one message naming the question: grading 200 answers against
a wrong key is worse than grading none.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..check.verdict import MISTAKES
from ..errors import DeriveError
from ..text.printing import to_text
from ..text.tables import read_table
from .answers import as_text

DERIVATIVES = ("grad", "jacobian", "hessian")
KINDS = (*DERIVATIVES, "antiderivative", "integral", "taylor", "directional")
QUESTION_KEYS = {"id", "title", "f", "wrt", "let", "symbols", "kind", "points", "answer", "rubric",
                 "a", "b", "at", "u", "order"}
# the fields each kind takes beyond f and wrt (what derive.check takes for it)
KIND_FIELDS = {"integral": ("a", "b"), "taylor": ("at", "order"), "directional": ("at", "u")}
_EXAMPLES = {"at": "at = [1, 2] or at = { x = 1, y = 2 }",
             "u": "u = [3, 4]", "order": "order = 2"}
_OWNERS = {"a": "'integral'", "b": "'integral'", "at": "'taylor' and 'directional'", "u": "'directional'",
           "order": "'taylor'"}
RUBRIC_KEYS = set(MISTAKES) | {"unreadable"}
MAX_QUESTIONS = 200
_DEFINITION = re.compile(r"(?<![<>=!])=(?!=)")  # "s = ..." defines; "A: n x n" declares


class AnswerKeyError(DeriveError):
    """The answer key is wrong or cannot be read."""


@dataclass
class Question:
    """One question of the key; ``declarations`` and ``definitions`` are ``let`` split the CLI's way.
    ``kind`` is a derivative's (grad, jacobian, hessian) or "antiderivative", "integral" (with the
    bounds ``a``, ``b``), "taylor" (``at``, ``order``) or "directional" (``at``, ``u``)."""

    id: str
    f: str
    wrt: str
    kind: str = "grad"
    points: float = 1.0
    let: str = ""
    answer: str | None = None
    rubric: dict = field(default_factory=dict)
    title: str = ""
    a: str | None = None  # kind "integral": the bounds, as text ("0", "pi", "oo")
    b: str | None = None
    at: list | dict | str | None = None  # kinds "taylor" and "directional": the point (text entries)
    u: list | str | None = None  # kind "directional": the direction
    order: int | None = None  # kind "taylor" (2 unless the key says)

    @property
    def options(self):
        """What `derive.check` takes for this kind beyond f and wrt: a and b, at and order, at and u."""
        return {k: getattr(self, k) for k in KIND_FIELDS.get(self.kind, ())}

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
               "points": self.points, "let": self.let, "rubric": dict(self.rubric),
               "a": self.a, "b": self.b, "at": self.at, "u": self.u, "order": self.order}
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
                    {m: float(v) for m, v in rubric.items()}, item.get("title", "") or "",
                    **_kind_fields(item, kind, let, at))


def _kind_fields(item, kind, let, where):
    """a and b (integral), at and order (taylor), at and u (directional), as text: each kind's own
    fields are needed (order has a default), another kind's are a mistake in the key."""
    wanted = KIND_FIELDS.get(kind, ())
    for name in ("a", "b", "at", "u", "order"):
        given = item.get(name) is not None
        if given and name not in wanted:
            raise AnswerKeyError(f"{where}: '{name}' belongs to kind {_OWNERS[name]}; this question's kind is "
                                 f"'{kind}'")
        if not given and name in ("a", "b") and kind == "integral":
            raise AnswerKeyError(f"{where}: kind 'integral' needs both bounds a and b (a = 0, b = 1; \"oo\" and "
                                 f"\"-oo\" for infinity); without bounds ask for kind 'antiderivative'")
        if not given and name in wanted and name != "order":
            raise AnswerKeyError(f"{where}: kind '{kind}' needs {name} ({_EXAMPLES[name]})")
    out = {}
    for name in ("a", "b"):
        if name in wanted:
            out[name] = _number_text(item[name], f"{where}: the bound {name}")
    for name in ("at", "u"):
        if name in wanted:
            out[name] = _point(item[name], name, where)
    if kind == "taylor":
        from ..analysis.taylor import MAX_ORDER

        order = item.get("order", 2)
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER:
            raise AnswerKeyError(f"{where}: order must be a whole number from 0 to {MAX_ORDER}, got {order!r}")
        out["order"] = order
    if kind in ("taylor", "directional") and any(_DEFINITION.search(p) for p in re.split(r"[;\n]", let)):
        raise AnswerKeyError(f"{where}: kind '{kind}' takes no definitions (name = ...) in let; write them out in f "
                             f"(declarations are fine)")
    return out


def _number_text(value, what):
    """A bound or a coordinate as derive reads it: numbers printed, text kept (read by derive later)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return to_text(value)
    value = as_text(value)
    if not isinstance(value, str) or not value.strip():
        raise AnswerKeyError(f"{what} must be a number or text (\"pi\", \"1/2\", \"oo\"), got {value!r}")
    return value.strip()


def _point(value, name, where):
    """A point or direction: a list of numbers or text, a table {x = 1, y = 2} (at only), or text "1, 2"."""
    what = f"{where}: {name}"
    if isinstance(value, (list, tuple)) and value:
        return [_number_text(v, f"{what}'s entries") for v in value]
    if isinstance(value, dict) and value and name == "at":
        return {str(k): _number_text(v, f"{what}'s entries") for k, v in value.items()}
    if isinstance(value, (int, float, str)) and not isinstance(value, bool) and str(value).strip():
        return _number_text(value, what)
    shape = "[1, 2] or a table { x = 1, y = 2 }" if name == "at" else "[3, 4]"
    raise AnswerKeyError(f"{what} must be a list like {shape}, got {value!r}")
