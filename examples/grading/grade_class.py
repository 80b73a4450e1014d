"""Grading a problem set: 40 students, 5 derivative questions, one command.

The class (answers.csv, and six students' hand-ins in submissions/) is synthetic: written by
make_class.py with the mistakes students really make, each labelled in labels.csv with the
category a grader would give.  This grades it against key.toml, writes what a teaching
assistant uploads and sends (graded/: grades.csv for Canvas, feedback/<student>.md without the
solution, summary.md, results.json), and compares derive's marks with the labels.

    python examples/grading/grade_class.py            # = derive grade key.toml answers.csv --out graded ...
"""

import csv
import sys
from pathlib import Path

import derive

HERE = Path(__file__).resolve().parent


def main(outdir=None, jobs=None):
    outdir = Path(outdir) if outdir else HERE / "graded"
    grading = derive.grade(HERE / "key.toml", HERE / "answers.csv", jobs=jobs)
    grading.write(outdir, format="canvas", solution=False)
    print(grading)

    with open(HERE / "labels.csv") as fh:
        labels = {(r["student"], r["question"]): r for r in csv.DictReader(fh)}
    false_accepts, false_rejects, agree, wrong = [], [], 0, 0
    for m in grading.marks:
        label = labels[m.student, m.question]
        right = label["correct"] == "1"
        if m.ok and not right:
            false_accepts.append(m)
        if right and not m.ok:
            false_rejects.append(m)
        if not right:  # the category derive names against the grader's (unreadable/missing: the status)
            wrong += 1
            agree += (m.mistake if m.status == "wrong" else m.status) == label["mistake"]
    print(f"\nagainst the labels: {len(false_accepts)} false accepts, {len(false_rejects)} false rejects, "
          f"the mistake named right for {agree} of {wrong} wrong answers ({100 * agree / max(wrong, 1):.0f} %)")

    # the same class handed in as files (.txt, .md, .tex; two of them whole derivations)
    files = derive.grade(HERE / "key.toml", HERE / "submissions", jobs=jobs)
    print(f"\n{files}")
    for m in files.marks:
        if m.line:
            print(f"  {m.student} {m.question}: line {m.line} ({m.line_text}): {m.mistake}")
    return {"grading": grading, "files": files, "false_accepts": false_accepts, "false_rejects": false_rejects,
            "agreement": agree / max(wrong, 1), "wrong": wrong, "out": outdir}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
