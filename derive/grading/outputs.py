"""The files a grading run writes: grades.csv (in an LMS's columns), feedback/<student>.md,
summary.md and results.json.

grades.csv columns by `--format`:

    plain        student, the answers' other columns, one column per question id, total, max_points
    gradescope   Name, SID, Email, one column per question ("q1 (4 pts)"), Total Score, Max Points
    moodle       ID number, Email address, one column per question, Total, Feedback (one line)
    canvas       Student, ID, SIS User ID, SIS Login ID, Section, "<title>" (the total), with the
                 second row "Points Possible" as Canvas's gradebook import expects

Student names, emails and ids come from the answers' own columns where they exist (name, email,
sid/id); otherwise the student column stands for them.
"""

import csv
import json
import re
from pathlib import Path

FORMATS = ("plain", "gradescope", "moodle", "canvas")
# what derive's answer is, by the question's kind (the feedback's heading, the key's errors)
SOLUTION_NAMES = {"grad": "derivative", "jacobian": "derivative", "hessian": "derivative",
                  "antiderivative": "antiderivative", "integral": "value of the integral",
                  "taylor": "Taylor polynomial", "directional": "directional derivative"}


def write_all(grading, out, format="plain", solution=True):  # noqa: A002 - the CLI's --format
    if format not in FORMATS:
        from ..errors import DeriveError

        raise DeriveError(f"unknown grades format {format!r}; one of {', '.join(FORMATS)}")
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    written = [out / "grades.csv", out / "summary.md", out / "results.json"]
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(grade_rows(grading, format))
    (out / "summary.md").write_text(summary_markdown(grading, solution), encoding="utf-8")
    (out / "results.json").write_text(json.dumps(grading.to_dict(solution), indent=2, default=str) + "\n",
                                      encoding="utf-8")
    names = feedback_names(grading.students)
    for student in grading.students:
        path = out / "feedback" / f"{names[student]}.md"
        path.write_text(feedback_markdown(grading, student, solution), encoding="utf-8")
        written.append(path)
    return written


def feedback_names(students):
    """A file name per student: letters, digits, '.', '-', '_' and '@' kept; clashes numbered."""
    out, used = {}, set()
    for s in students:
        name = re.sub(r"[^A-Za-z0-9._@-]+", "_", s).strip("._") or "student"
        base, k = name, 2
        while name.lower() in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name.lower())
        out[s] = name
    return out


# ---------------------------------------------------------------------------
# grades.csv


def grade_rows(grading, format):  # noqa: A002
    questions = grading.key.questions
    totals = grading.totals
    points = {(m.student, m.question): "" if m.status == "ungraded" else _num(m.points) for m in grading.marks}

    def each(student):  # an answer for a person to grade is left blank (no grade), never a 0
        return [points.get((student, q.id), "0") for q in questions]

    kept = []
    for s in grading.students:
        kept += [c for c in grading.columns.get(s, {}) if c not in kept]
    if format == "plain":
        rows = [["student", *kept, *[q.id for q in questions], "total", "max_points"]]
        for s in grading.students:
            cols = grading.columns.get(s, {})
            rows.append([s, *[cols.get(c, "") for c in kept], *each(s), _num(totals[s]), _num(grading.max_points)])
        return rows
    if format == "gradescope":
        rows = [["Name", "SID", "Email", *[f"{q.id} ({_num(q.points)} pts)" for q in questions], "Total Score",
                 "Max Points"]]
        for s in grading.students:
            rows.append([_column(grading, s, "name") or s, _column(grading, s, "sid", "student id", "id") or s,
                         _column(grading, s, "email", "email address"), *each(s), _num(totals[s]),
                         _num(grading.max_points)])
        return rows
    if format == "moodle":
        rows = [["ID number", "Email address", *[q.title or q.id for q in questions], "Total", "Feedback"]]
        for s in grading.students:
            rows.append([_column(grading, s, "id number", "sid", "student id", "id") or s,
                         _column(grading, s, "email", "email address"), *each(s), _num(totals[s]),
                         _one_line_feedback(grading, s)])
        return rows
    # canvas: a row of points possible under the header; read-only columns left empty
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", grading.key.title],
            ["Points Possible", "", "", "", "", _num(grading.max_points)]]
    for s in grading.students:
        rows.append([_column(grading, s, "name", "student name") or s, _column(grading, s, "canvas id"),
                     _column(grading, s, "sis user id", "sid", "student id", "id") or s,
                     _column(grading, s, "sis login id", "login", "username", "email"),
                     _column(grading, s, "section"), _num(totals[s])])
    return rows


def _column(grading, student, *names):
    cols = {k.strip().lower(): v for k, v in grading.columns.get(student, {}).items()}
    return next((cols[n] for n in names if cols.get(n)), "")


def _num(x):
    return f"{x:g}"


def _one_line_feedback(grading, student):
    parts = []
    for m in grading.marks_of(student):
        if m.status == "correct":
            continue
        what = m.mistake or m.status
        parts.append(f"{m.question}: {what.replace('_', ' ')}")
    return "; ".join(parts) or "all correct"


# ---------------------------------------------------------------------------
# feedback/<student>.md


_HEAD = {"correct": "correct", "wrong": "not right", "unreadable": "could not be read", "missing": "no answer",
         "ungraded": "to be graded by hand"}


def feedback_markdown(grading, student, solution=True):
    key = grading.key
    total = grading.totals[student]
    out = [f"# {key.title}: feedback for {student}", "", f"**{_num(total)} of {_num(grading.max_points)} points**", ""]
    for m in grading.marks_of(student):
        q = key[m.question]
        title = f" — {q.title}" if q.title else ""
        out += [f"## {q.id}{title} ({_num(m.points)} of {_num(m.max_points)} points)", ""]
        if m.answer:
            out += ["Your answer:", "", _code(m.answer), ""]
        if m.status == "correct":
            out += [f"Correct. {_sentence(m.explanation)}" if "inferred" in m.explanation else "Correct.", ""]
            continue
        if m.status in ("unreadable", "missing", "ungraded"):
            out += [f"**{_HEAD[m.status].capitalize()}**: {m.reason}", ""]
            continue
        words = m.explanation if solution else m.safe_explanation
        out += [f"**Mistake ({m.mistake.replace('_', ' ')})**: {words}", ""]
        if m.line:
            out += [f"It happens on line {m.line} of your derivation: `{m.line_text}`", ""]
        if m.counterexample:
            out += [f"A point where they differ: {m.counterexample}{_values(m, solution)}.", ""]
        if solution and m.step:
            out += [f"Where in the derivation: {m.step}", ""]
        if solution and m.expected:
            out += [f"The {SOLUTION_NAMES.get(m.kind, 'derivative')}:", "", _code(m.expected), ""]
        if m.points:
            out += [f"Partial credit: {_num(m.points)} of {_num(m.max_points)} points for this kind of mistake.", ""]
    return "\n".join(out).rstrip() + "\n"


def _values(m, solution):
    """The two values at the counterexample, in words: for an antiderivative they are f's and the
    derivative of the answer's (f is the question's, no solution)."""
    if not m.values:
        return ""
    theirs = m.values[1]
    if m.kind == "antiderivative":
        yours = "your answer is not defined there" if theirs == "undefined" else \
            f"the derivative of your answer is {theirs}"
        return f": f is {m.values[0]} there, and {yours}"
    what = SOLUTION_NAMES.get(m.kind, "derivative")
    if solution:
        return f": the {what} is {m.values[0]} there, your answer gives {theirs}"
    return f": your answer gives {theirs} there, which is not the {what}'s value"  # a constant's value is the answer


def _code(text):
    text = text.strip()
    if "\n" in text:
        return "```\n" + text.replace("```", "'''") + "\n```"
    return "`` " + text.replace("`", "'") + " ``"


def _sentence(text):
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# ---------------------------------------------------------------------------
# summary.md


def summary_markdown(grading, solution=True):
    key = grading.key
    summary = grading.summary(solution)
    totals = sorted(grading.totals.values())
    out = [f"# {key.title}: summary", "",
           (f"{len(grading.students)} students, {len(key.questions)} questions, "
            f"{sum(s['answers'] for s in summary.values())} answers."), ""]
    if totals:
        out += [(f"Points: median {_num(totals[len(totals) // 2])} of {_num(grading.max_points)} "
                 f"(lowest {_num(totals[0])}, highest {_num(totals[-1])})."), ""]
    out += ["| question | correct | wrong | unreadable | missing | ungraded | mean points |",
            "|---|---|---|---|---|---|---|"]
    for q in key.questions:
        s = summary[q.id]
        out.append(f"| {q.id} | {s['correct']} | {s['wrong']} | {s['unreadable']} | {s['missing']} | "
                   f"{s['ungraded']} | {s['mean_points']:g} of {_num(q.points)} |")
    out.append("")
    for q in key.questions:
        s = summary[q.id]
        out += [f"## {q.id}{' — ' + q.title if q.title else ''}", ""]
        if s["mistakes"]:
            out += ["| mistake | answers | example |", "|---|---|---|"]
            for mistake, count in sorted(s["mistakes"].items(), key=lambda kv: -kv[1]):
                student, answer, words = s["examples"][mistake]
                out.append(f"| {mistake} | {count} | {student}: {_cell(answer)} — {_cell(words)} |")
            out.append("")
        if s["unreadable_answers"]:
            out += ["Unreadable:", ""]
            out += [f"- {student}: {_cell(answer)} — {reason}" for student, answer, reason in s["unreadable_answers"]]
            out.append("")
        if not s["mistakes"] and not s["unreadable_answers"]:
            out += ["Every answer given is right.", ""]
    if grading.ignored:
        out += ["## Not graded", ""] + [f"- {note}" for note in grading.ignored] + [""]
    t = grading.timings
    if t:
        out += [(f"Graded in {t.get('seconds', 0):.1f} s: {t.get('checked', 0)} distinct answers checked "
                 f"with {t.get('jobs', 1)} worker(s)."), ""]
    return "\n".join(out).rstrip() + "\n"


def _cell(text):
    text = " ".join(str(text).split())
    text = text if len(text) <= 120 else text[:117] + "..."
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"
