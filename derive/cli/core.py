"""The command line's entrance: the parser assembled from the subcommand groups, `main` (exit
codes, errors in one line or one JSON object) and `run`, the same path for derive serve.
"""

import argparse
import contextlib
import io
import json
import os
import sys

from . import analysis, checking, derivatives, kernels, notation, optimization, programs
from .failure import _Failure, _subparsers
from .output import _COLLECTED
from .usage import _Parser, _UsageError

EXAMPLES = """\
examples:
  derive grad "x**2 + y**3" --wrt x,y
  derive grad "x**2 + y**3" --wrt x,y --at x=2,y=3
  derive jacobian "[2*x*y, x**2*y]" --wrt x,y --json
  derive hessian "log(1 + exp(w*x + b))" --wrt w,b
  derive grad "sigmoid(w*x + b)" --wrt w --steps             (the derivation, one rule per line)
  derive grad "x**2 + y**3" --wrt x,y --plot grad.png          (the gradient field, the V-curve)
  derive validate "x**2 + y**3" --wrt x,y --claim "[2*x, 2*y]"
  derive check "1/(1+exp(-z))" --wrt z --claim "2*s*(1-s)" --let "s = 1/(1+exp(-z))"
  derive check "x.T @ W @ x" --wrt x --claim "2*W@x" --let "W: n x n, x: n"
  derive check "x**2 + y**3" --wrt x,y --claim "[2*x, 2*y]" --steps
  derive check --sheet homework.toml
  derive check "cos(3*x)" --wrt x --claim "sin(3*x)" --kind antiderivative   (the missing 1/3 named)
  derive check-steps examples/homework.tex          (every line of every derivation: ✓ / ✗)
  derive critical "x**3 - 2*x**2 + 1"
  derive convex "norm(X@w - y)**2 + lam*norm(w)**2" --wrt w --let "X: n x d, w: d, y: n; lam: nonnegative"
  derive kkt --min "a**2 + b**2" --wrt a,b,c --st "-c >= 1" --st "a + 2*b + c >= 1" --st "2*a + b + c >= 1"
  derive em normal --k 3 --dim 2 --cov full            derive em poisson --k 2 --data counts.csv --plot fit.png
  derive codegen "x**2 + y**3" --wrt x,y --what grad --backend numba -o grad_kernel.py
  derive codegen "sum(softplus(X @ w)) - y.T @ X @ w" --wrt w --let "X: N x d, w: d, y: N" --what hvp -o hvp.py
  derive codegen "sum(softplus(X @ w))" --wrt w --let "X: N x d, w: d" --what hessian --backend jax -o h.py
  derive integrate "x*exp(x)" --explain          derive integrate "exp(-x**2)" --from -oo --to oo --json
  derive taylor "exp(x)*cos(y)" --at x=0,y=0 --order 2     derive directional "x**2*y" --at x=1,y=2 --u 3,4
  derive demo --out plots/

text grammar: numbers, names, + - * / ** ^, exp log sqrt sin cos tanh sigmoid
softplus relu abs max min where(cond, a, b) ...; vectors [a, b]; declarations
with --let "A: 3 x 3, x: 3; t: positive".  Exit codes: 0 ok, 1 check failed,
2 bad input.
"""


# the subcommands, group by group, in the order `derive --help` lists them
GROUPS = (derivatives, checking, kernels, optimization, notation, analysis, programs)


def build_parser():
    parser = _Parser(
        prog="derive",
        description="Exact derivatives, compiled kernels and a finite-difference checker you can trust.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"derive {_version()}")
    parser.add_argument("--latex", action="store_true",
                        help="read every formula as LaTeX (detected anyway from \\frac, ^{, _{ or $...$)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for group in GROUPS:
        group.add_parsers(sub)
    return parser


_OUTPUT_LATEX = ("integrate", "taylor", "directional")  # their own --latex prints LaTeX
_SHORT_OPTIONS = ("-h", "-o")


def _minus_is_math(argv):
    """'-x', '--claim -inv(S)@(x - mu)': argparse takes a word that starts with one '-' for an option.
    derive has no short options but -h and -o, so such a word is an expression (or a negative number):
    a leading space keeps argparse off it, and the parser ignores the space."""
    return [" " + a if a.startswith("-") and not a.startswith("--") and a not in _SHORT_OPTIONS else a
            for a in argv]



def _hoist_latex(argv):
    """--latex anywhere reads the input as LaTeX, except after integrate, taylor and directional,
    whose own --latex prints the answer as LaTeX."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in _OUTPUT_LATEX:
        cut = argv.index(command)
        before = argv[:cut]
        return ["--latex"] * ("--latex" in before) + [a for a in before if a != "--latex"] + argv[cut:]
    return ["--latex"] * ("--latex" in argv) + [a for a in argv if a != "--latex"]



def main(argv=None, extensions=()):
    """`derive ARGS`: the exit code.  `extensions`: functions that add subcommands from the layers
    above this one (derive serve, added by derive/__main__.py)."""
    from ..errors import ValidationError

    parser = build_parser()
    for add_parser in extensions:
        add_parser(_subparsers(parser))
    argv = _minus_is_math(sys.argv[1:] if argv is None else list(argv))
    argv = _hoist_latex(argv)
    failed = _Failure(parser, argv)
    try:
        args = failed.args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help()
            return 2
        from ..text.latex import using_syntax

        with using_syntax("latex" if args.latex else None):
            return args.run(args)
    except _UsageError as exc:
        return failed(str(exc), 2, exc)
    except ValidationError as exc:  # a check failed: not bad input
        return failed(str(exc), 1, exc)
    except ValueError as exc:  # DeriveError and CodegenError are ValueErrors
        return failed(str(exc) or type(exc).__name__, 2, exc)
    except BrokenPipeError:  # `derive ... | head`: the reader left; not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return 0
    except OSError as exc:
        return failed(f"{exc.strerror or exc}: {exc.filename}" if getattr(exc, "filename", None) else str(exc),
                      2, exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the CLI promises no tracebacks (re-raised under DERIVE_DEBUG)
        if os.environ.get("DERIVE_DEBUG"):
            raise
        return failed(f"internal error ({type(exc).__name__}: {exc}); set DERIVE_DEBUG=1 for a traceback", 3)


def run(argv):
    """(exit code, the JSON object) of `derive ARGV --json`: what `main` would print, as an object.
    derive serve answers with it, so the API and the CLI share one path from arguments to answer."""
    argv = [*argv, "--json"] if "--json" not in argv else list(argv)
    collected = []
    token = _COLLECTED.set(collected)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = main(argv)
    finally:
        _COLLECTED.reset(token)
    if collected:
        return code, collected[-1]
    try:  # em and grade print their JSON themselves
        obj = json.loads(out.getvalue())
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        obj = {"error": "the command printed no JSON object", "where": None, "command": argv[0], "exit": 3}
        code = 3
    return code, obj


def _version():
    from ..version import __version__

    return __version__
