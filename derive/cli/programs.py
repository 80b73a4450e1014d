"""em, grade and demo: the subcommands whose arguments live with their package (derive.em, derive.grading) and the built-in example.
"""



from .output import _print_json


def add_parsers(sub):
    """em, grade, demo."""
    from ..em._cli import add_parser as em_parser
    from ..grading.cli import add_parser as grade_parser

    em_parser(sub).set_defaults(run=_run_em)
    grade_parser(sub)
    p = sub.add_parser("demo", help="the built-in example: d/dx (x^3 - 2x^2 + 1) vs finite differences, with a plot")
    p.add_argument("--out", default=".", help="directory for the plot (default: current directory)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_run_demo)


def _run_em(args):
    from ..em._cli import run

    return run(args)


def _run_demo(args):
    import contextlib
    import io

    from ..demo import run

    quiet = contextlib.redirect_stdout(io.StringIO()) if args.json else contextlib.nullcontext()
    with quiet:  # --json prints one JSON object and nothing else (the demo's lines say "plot written to")
        result = run(args.out)
    if args.json:
        _print_json(result)
    return 0
