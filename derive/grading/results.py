"""`Grading`: a class's marks, with totals, a per-question summary and the files for the LMS."""

from collections import Counter
from dataclasses import dataclass, field

from ..check.verdict import MISTAKES


@dataclass
class Grading:
    """Outcome of `derive.grade`.

    ``marks``: one `Mark` per (student, question) answered or expected; ``students`` in the order
    they came; ``columns``: the answers' other columns per student (name, email); ``ignored``: what
    was read but not graded, and why; ``timings``: seconds in all, answers, distinct answers
    checked, worker processes.  ``totals`` maps each student to points; ``summary()`` counts each
    question's outcomes by mistake.  ``write(out)`` writes grades.csv, feedback/, summary.md and
    results.json.
    """

    key: object
    marks: list
    students: list
    columns: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    def __post_init__(self):
        have = {(m.student, m.question) for m in self.marks}
        from .marking import Mark

        for student in self.students:  # a question a student did not answer at all is missing
            for q in self.key.questions:
                if (student, q.id) not in have:
                    self.marks.append(Mark(student, q.id, "missing", max_points=q.points, kind=q.kind,
                                           reason="no answer given"))
        order = {q.id: k for k, q in enumerate(self.key.questions)}
        rank = {s: k for k, s in enumerate(self.students)}
        self.marks.sort(key=lambda m: (rank.get(m.student, len(rank)), order[m.question]))

    def mark(self, student, question):
        return next(m for m in self.marks if m.student == student and m.question == question)

    def marks_of(self, student):
        return [m for m in self.marks if m.student == student]

    @property
    def totals(self):
        out = {s: 0.0 for s in self.students}
        for m in self.marks:
            out[m.student] = round(out.get(m.student, 0.0) + m.points, 6)
        return out

    @property
    def max_points(self):
        return self.key.points

    def summary(self, solution=True):
        """{question id: {"answers", "correct", "wrong", "unreadable", "missing", "ungraded",
        "mistakes": {category: count}, "examples": {category: (student, answer, explanation)},
        "unreadable_answers": [(student, answer, reason)], "mean_points"}}."""
        out = {}
        for q in self.key.questions:
            marks = [m for m in self.marks if m.question == q.id]
            counts = Counter(m.status for m in marks)
            mistakes = Counter(m.mistake for m in marks if m.status == "wrong")
            examples = {}
            for m in marks:
                if m.status == "wrong" and m.mistake not in examples:
                    examples[m.mistake] = (m.student, m.answer, m.explanation if solution else m.safe_explanation)
            out[q.id] = {
                "answers": len(marks), **{s: counts.get(s, 0) for s in ("correct", "wrong", "unreadable", "missing",
                                                                         "ungraded")},
                "mistakes": {k: mistakes[k] for k in MISTAKES if mistakes.get(k)},
                "examples": examples,
                "unreadable_answers": [(m.student, m.answer, m.reason) for m in marks if m.status == "unreadable"],
                "mean_points": round(sum(m.points for m in marks) / len(marks), 3) if marks else 0.0,
            }
        return out

    def to_dict(self, solution=True):
        marks = []
        for m in self.marks:
            d = m.to_dict()
            if not solution:
                d = _without_solution(d)
            marks.append(d)
        return {"title": self.key.title, "max_points": self.max_points,
                "questions": [q.to_dict(solution) for q in self.key.questions],
                "students": [{"student": s, "columns": self.columns.get(s, {}), "points": self.totals[s]}
                             for s in self.students],
                "marks": marks, "summary": {q: _plain_summary(v) for q, v in self.summary(solution).items()},
                "ignored": list(self.ignored), "timings": dict(self.timings)}

    def write(self, out, format="plain", solution=True):  # noqa: A002 - the CLI's --format
        """Write grades.csv (in `format`'s columns), feedback/<student>.md, summary.md and results.json
        under the folder `out`; returns the paths written."""
        from .outputs import write_all

        return write_all(self, out, format, solution)

    @property
    def exit_code(self):
        """0: every answer graded; 1: some are "ungraded" and wait for a person (blank in grades.csv)."""
        return 1 if any(m.status == "ungraded" for m in self.marks) else 0

    def __str__(self):
        lines = [f"{self.key.title}: {len(self.students)} students, {len(self.key.questions)} questions, "
                 f"{sum(1 for m in self.marks if m.status != 'missing')} answers"
                 + (f" in {self.timings['seconds']:.1f} s" if self.timings.get("seconds") else "")]
        summary = self.summary()
        width = max(len(q.id) for q in self.key.questions)
        for q in self.key.questions:
            s = summary[q.id]
            common = ", ".join(f"{k} {v}" for k, v in sorted(s["mistakes"].items(), key=lambda kv: -kv[1])[:3])
            lines.append(f"  {q.id.ljust(width)}  {s['correct']:3d} correct  {s['wrong']:3d} wrong  "
                         f"{s['unreadable']:3d} unreadable  {s['missing']:3d} missing"
                         + (f"  {s['ungraded']} ungraded" if s["ungraded"] else "")
                         + (f"   most common: {common}" if common else ""))
        totals = sorted(self.totals.values())
        if totals:
            mid = totals[len(totals) // 2]
            lines.append(f"  points: median {mid:g} of {self.max_points:g} (lowest {totals[0]:g}, highest {totals[-1]:g})")
        for note in self.ignored[:5]:
            lines.append(f"  ignored: {note}")
        return "\n".join(lines)

    def _repr_html_(self):
        from html import escape

        summary = self.summary()
        head = "".join(f"<th>{escape(h)}</th>" for h in ("question", "correct", "wrong", "unreadable", "missing",
                                                          "most common mistakes"))
        rows = []
        for q in self.key.questions:
            s = summary[q.id]
            common = ", ".join(f"{k} ({v})" for k, v in sorted(s["mistakes"].items(), key=lambda kv: -kv[1])[:3])
            rows.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
                q.id, s["correct"], s["wrong"], s["unreadable"], s["missing"], common)) + "</tr>")
        return (f"<p><b>{escape(self.key.title)}</b>: {len(self.students)} students</p>"
                f"<table><tr>{head}</tr>{''.join(rows)}</table>")


def _plain_summary(s):
    return {**{k: v for k, v in s.items() if k not in ("examples", "unreadable_answers")},
            "examples": {k: {"student": a, "answer": b, "explanation": c} for k, (a, b, c) in s["examples"].items()},
            "unreadable_answers": [{"student": a, "answer": b, "reason": c} for a, b, c in s["unreadable_answers"]]}


def _without_solution(d):
    """A mark as results.json holds it under --no-solution: derive's derivative and the words that
    show it are left out."""
    d = dict(d)
    d["expected"] = None
    d["explanation"] = d["safe_explanation"]
    d["step"] = ""
    d["verdict"] = None
    if d.get("values"):
        d["values"] = [None, d["values"][1]]  # the derivative's value at a point can be the answer (a constant)
    return d
