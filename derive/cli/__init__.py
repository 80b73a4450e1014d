"""The `derive` command line: one module per group of subcommands over one shared layer.

Every subcommand prints a readable answer, or one JSON object with --json (the result's
`to_dict()`).  Bad input exits 2 with a one-line message; a failed check exits 1; never a
traceback.

    core.py         the parser assembled from the groups, `main`, and `run` (derive serve's path)
    usage.py        argparse that says a usage error in one line
    inputs.py       EXPR/--wrt/--let/--json, the --let namespace, points (--at x=1,y=2)
    output.py       --json, --steps, --plot FILE, one-line errors
    failure.py      how an error is reported (one line; one JSON object with --json)
    derivatives.py  grad, jacobian, hessian, validate
    checking.py     check, check-steps
    kernels.py      codegen
    optimization.py critical, convex, kkt
    notation.py     shape, convert
    analysis.py     integrate, taylor, directional
    programs.py     em, grade (their arguments live in derive.em and derive.grading), demo

May import: everything below it (derive.check, derive.optimize, derive.em, derive.grading, ...).
A new subcommand goes in the group it belongs to (its `add_parsers` and its `_run_...`); a new
group is a module with `add_parsers(sub)`, listed in core.GROUPS.
"""

from .core import build_parser, main, run
from .inputs import parse_point

__all__ = ["build_parser", "main", "parse_point", "run"]
