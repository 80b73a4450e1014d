"""Homework sheets: a file of problems with claimed answers, graded by `derive.check`.

TOML (or YAML with the same keys)::

    title = "Crash course, lessons 1-5"

    [[problem]]
    name = "1a"                       # optional; defaults to the position
    f = "x**3 - 2*x**2 + 1"
    wrt = "x"
    claim = "3*x**2 - 4*x"
    kind = "grad"                     # optional: grad | jacobian | hessian | antiderivative | integral
                                      #           | taylor | directional
    # a = 0, b = 1                    # with kind = "integral": the bounds ("oo", "-oo" for infinite)
    # at = [1, 2], order = 2          # with kind = "taylor": the point and the order (default 2)
    # at = [1, 2], u = [3, 4]         # with kind = "directional": the point and the direction
    let = "s = 1/(1 + exp(-z))"       # optional abbreviations used in the claim
    symbols = "W: n x n, x: n"        # optional declarations

A problem whose text cannot be read is graded "error" with the reason; the
rest of the sheet is still graded.
"""

from dataclasses import dataclass, field
from pathlib import Path

from .api import check
from ..errors import DeriveError, ParseError
from ..text.tables import read_table
from ..text.printing import to_text

KEYS = {"name", "f", "wrt", "claim", "kind", "let", "symbols", "a", "b", "at", "u", "order"}
MAX_PROBLEMS = 500


@dataclass
class Graded:
    name: str
    verdict: object = None  # a Verdict, or None when the problem could not be read
    error: str | None = None

    @property
    def status(self):
        return "error" if self.error else self.verdict.status

    def to_dict(self):
        return {"name": self.name, "status": self.status, "ok": self.status == "correct",
                "verdict": self.verdict.to_dict() if self.verdict else None, "error": self.error}


@dataclass
class Grades:
    title: str
    results: list = field(default_factory=list)

    @property
    def correct(self):
        return sum(r.status == "correct" for r in self.results)

    def __str__(self):
        width = max([len(r.name) for r in self.results] + [4])
        lines = [f"{self.title}: {self.correct} of {len(self.results)} correct"]
        for r in self.results:
            summary = r.error if r.error else ("" if r.status == "correct" else r.verdict.explanation)
            lines.append(f"  {r.name.ljust(width)}  {r.status.upper() if r.status != 'correct' else 'correct':10}  "
                         f"{summary}".rstrip())
        wrong = [r for r in self.results if r.status not in ("correct", "error")]
        if wrong:
            lines.append("")
            lines.append("details:")
            for r in wrong:
                lines.append(f"[{r.name}]")
                lines += ["  " + line for line in str(r.verdict).splitlines()]
        return "\n".join(lines)

    def to_dict(self):
        return {"title": self.title, "correct": self.correct, "total": len(self.results),
                "problems": [r.to_dict() for r in self.results]}

    @property
    def exit_code(self):
        if any(r.status == "error" for r in self.results):
            return 2
        return 0 if self.correct == len(self.results) else 1


def load(path):
    """Read a sheet (TOML by default; YAML for .yaml/.yml) into (title, problems)."""
    path = Path(path)
    if path.suffix.lower() == ".csv" or path.is_dir():
        raise DeriveError(f"{path} is a class's answers, not a sheet: grade them against a key with "
                          f"'derive grade KEY {path}' (see docs/grading.md)")
    try:
        text = path.read_text()
    except OSError as exc:
        raise DeriveError(f"cannot read the sheet {path}: {exc.strerror}") from None
    data = read_table(text, path)
    if not isinstance(data, dict):
        raise ParseError(f"{path}: expected a table with 'title' and 'problem' entries")
    problems = data.get("problem", data.get("problems"))
    if not isinstance(problems, list) or not problems:
        raise ParseError(f"{path}: no problems (use [[problem]] tables in TOML or a 'problems:' list in YAML)")
    if len(problems) > MAX_PROBLEMS:
        raise DeriveError(f"{path}: {len(problems)} problems; the limit is {MAX_PROBLEMS}")
    return str(data.get("title", path.stem)), problems


def grade(path):
    """Grade every problem of the sheet at `path`; returns `Grades`."""
    title, problems = load(path)
    grades = Grades(title)
    for k, problem in enumerate(problems, 1):
        name = str(problem.get("name", k)) if isinstance(problem, dict) else str(k)
        grades.results.append(_grade_one(name, problem))
    return grades


def _grade_one(name, problem):
    if not isinstance(problem, dict):
        return Graded(name, error="a problem must be a table with f, wrt and claim")
    unknown = set(problem) - KEYS
    missing = {"f", "claim"} - set(problem)
    if unknown or missing:
        what = (f"unknown keys {sorted(unknown)}" if unknown else "") + \
               (f"{'; ' if unknown else ''}missing {sorted(missing)}" if missing else "")
        if unknown & {"student", "points", "rubric", "answer", "id"}:  # a class's grading written as a sheet
            what += "; to grade a class (students, points, a rubric) use 'derive grade KEY ANSWERS'"
        return Graded(name, error=what)
    try:
        extra = {k: _text(problem[k]) for k in ("a", "b") if k in problem}
        extra.update({k: _point(problem[k], k) for k in ("at", "u") if k in problem})  # taylor, directional
        if "order" in problem:
            extra["order"] = _order(problem["order"])
        verdict = check(_text(problem["f"]), problem.get("wrt"), _text(problem["claim"]), problem.get("kind"),
                        let=problem.get("let"), symbols=problem.get("symbols"), **extra)
    except DeriveError as exc:
        return Graded(name, error=str(exc))
    return Graded(name, verdict)


def _point(value, key):
    """A point or direction: a list of numbers or text, one number, or text like "1, 2"."""
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return _text(value)
    raise DeriveError(f"'{key}' must be a list like [1, 2] or a number")


def _order(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeriveError(f"'order' must be a whole number, got {value!r}")
    return value


def _text(value):
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, (int, float)):
        return to_text(value) if not isinstance(value, bool) else str(value)
    if not isinstance(value, str):
        raise DeriveError(f"expected text, got {type(value).__name__}")
    return value
