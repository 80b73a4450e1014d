"""`derive grade KEY ANSWERS`: a class graded from the command line.

    derive grade key.toml answers.csv --out graded --format canvas --no-solution
    derive grade key.toml submissions/ --json

Exit 0 when the run graded every answer (wrong answers are the class's business, not an error of
the run), 1 when some answers are "ungraded" and wait for a person (blank in grades.csv), 2 when
the key or the answers cannot be read.
"""

import json
import sys

from .outputs import FORMATS


def add_parser(sub):
    """The `grade` subcommand's arguments (called from derive.cli.build_parser)."""
    p = sub.add_parser(
        "grade", help="grade a class: an answer key and every student's answers -> grades, feedback, summary",
        description="Check every student's answer to every question of KEY (TOML/YAML: [[question]] with id, f, "
                    "wrt, let, kind, points, answer, rubric; a and b for kind integral, at and order for taylor, "
                    "at and u for directional) and write grades, feedback and a mistake summary. "
                    "ANSWERS: a CSV (student,question,answer rows, or a row per student with a column per "
                    "question id) or a folder with one .tex/.md/.txt file per student, blocks labelled by "
                    "question id.")
    p.add_argument("key", metavar="KEY", help="the answer key (.toml, .yaml)")
    p.add_argument("answers", metavar="ANSWERS", help="a CSV file or a folder of per-student files")
    p.add_argument("--out", metavar="DIR", help="write grades.csv, feedback/<student>.md, summary.md and "
                                                "results.json here")
    p.add_argument("--format", choices=FORMATS, default="plain", help="grades.csv's columns (default plain)")
    p.add_argument("--no-solution", action="store_true", help="keep derive's derivative (and any words that "
                                                              "show it) out of the feedback and the files")
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N", help="worker processes (default: the cores)")
    p.add_argument("--json", action="store_true", help="print results.json's object on stdout")
    p.set_defaults(run=run)
    return p


def _jobs(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"expected 1 to 64, got {value}")
    return value


def run(args):
    from .run import grade

    grading = grade(args.key, args.answers, jobs=args.jobs, progress=not args.json or None)
    solution = not args.no_solution
    written = grading.write(args.out, args.format, solution) if args.out else []
    if args.json:
        out = grading.to_dict(solution)
        out["written"] = [str(p) for p in written[:3]] + ([f"{args.out}/feedback/ ({len(written) - 3} files)"]
                                                           if len(written) > 3 else [])
        print(json.dumps(out, indent=2, default=str))
    else:
        print(grading)
        if written:
            print(f"wrote {written[0]}, {written[1]}, {written[2]} and {len(written) - 3} feedback files "
                  f"in {args.out}/feedback", file=sys.stdout)
    return grading.exit_code
