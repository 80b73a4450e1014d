"""The `derive` command line.

Every subcommand prints a readable answer, or one JSON object with --json
(the result's `to_dict()`).  Bad input exits 2 with a one-line message; a
failed check exits 1; never a traceback.
"""

import argparse
import json
import os
import re
import sys

import sympy

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


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (exit 2), like every other error."""

    def error(self, message):
        raise _UsageError(f"{message} (see '{self.prog} --help')")


class _UsageError(Exception):
    pass


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

    def common(p, wrt_required=False):
        p.add_argument("expr", help="the function, as text (quote it)")
        p.add_argument("--wrt", required=wrt_required,
                       help="variables, e.g. x,y (default: every symbol, alphabetically)")
        p.add_argument("--let", action="append", default=[], metavar="DECL",
                       help='declare symbols: "A: 3 x 3, x: 3; t: positive" (repeatable)')
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.formatter_class = argparse.RawDescriptionHelpFormatter

    for kind, what in (("grad", "gradient of a scalar function (n x 1)"),
                       ("jacobian", "Jacobian of a vector function (m x n, row i = gradient of F_i)"),
                       ("hessian", "Hessian of a scalar function (n x n)")):
        p = sub.add_parser(kind, help=what, description=what)
        common(p)
        p.add_argument("--at", metavar="POINT", help="also evaluate (exactly) and check at x=1,y=2 (arrays in "
                                                     "matrix notation: x=[1,2],A=[[1,2],[3,4]]); --plot marks it")
        p.add_argument("--no-validate", action="store_true", help="skip the finite-difference validation")
        p.add_argument("--no-simplify", action="store_true", help="print the derivative unsimplified")
        _show_options(p, steps=True, plot=True)
        p.set_defaults(run=_run_derivative, kind=kind)

    p = sub.add_parser("validate", help="check a claimed gradient/Jacobian/Hessian by finite differences",
                       description="Check a claimed derivative numerically (codegen.gradcheck): every entry, "
                                   "at the given point and at random points nearby. Exit 0 if it holds, 1 if not.")
    common(p)
    p.add_argument("--claim", help="the claimed derivative, e.g. \"[2*x, 3*y**2]\" (default: derive's own)")
    p.add_argument("--kind", choices=["grad", "jacobian", "hessian"], help="what the claim is (default: inferred)")
    p.add_argument("--at", metavar="POINT", help="check at this point (default: random points in the domain)")
    p.add_argument("--points", type=_positive_int, default=3, help="random points to check (default 3)")
    p.set_defaults(run=_run_validate)

    p = sub.add_parser("check", help="check a claimed derivative and explain what is wrong",
                       description="Decide whether a claimed derivative is right (symbolically, or by 25-digit "
                                   "agreement at many points) and name the mistake: a factor, a sign, a missing "
                                   "chain-rule factor or term, a transpose, a shape clash, an assumption. "
                                   "Exit 0 correct, 1 wrong, 2 bad input.")
    p.add_argument("expr", nargs="?", help="the function (omit with --sheet)")
    p.add_argument("--wrt", help="variables: x,y  or a matrix symbol  or an element like x[k]")
    p.add_argument("--claim", help="the claimed derivative")
    p.add_argument("--kind", choices=["grad", "jacobian", "hessian", "antiderivative", "integral", "taylor",
                                      "directional"],
                   help="default: inferred from shapes; antiderivative: the claim F has F' = EXPR; integral: the "
                        "claim is the integral of EXPR from --from to --to; taylor: the claim is the Taylor "
                        "polynomial at --at of --order; directional: the claim is the derivative at --at along --u")
    p.add_argument("--at", help="the point, x=1,y=2 (with --kind taylor or directional)")
    p.add_argument("--u", metavar="U", help="the direction, 3,4 (with --kind directional)")
    p.add_argument("--order", type=int, help="the Taylor polynomial's order (default 2)")
    p.add_argument("--from", dest="lower", metavar="A", help="lower bound (with --kind integral)")
    p.add_argument("--to", dest="upper", metavar="B", help="upper bound (with --kind integral)")
    p.add_argument("--let", action="append", default=[], metavar="DEF",
                   help='declarations "W: n x n" and abbreviations "s = 1/(1+exp(-z))" (repeatable)')
    p.add_argument("--sheet", metavar="FILE", help="grade a homework sheet (TOML or YAML, see docs/checking.md)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _show_options(p, steps=True)
    p.set_defaults(run=_run_check)

    p = sub.add_parser("codegen", help="write a standalone compiled kernel module",
                       description="Generate a kernel module (numpy + numba only; with --backend jax or torch, "
                                   "a function of that framework, validated against derive's evaluation of f and "
                                   "the framework's autodiff) for a function or its derivative. "
                                   "Arguments of a kernel of scalar symbols: the --wrt variables, then the other "
                                   "symbols alphabetically; of a loop kernel (arrays, index or matrix notation): "
                                   "every array of f sorted by name, then f's scalars; the module's docstring and "
                                   "the line printed after writing it state the order (keywords work too).")
    common(p)
    p.add_argument("--what", choices=["value", "grad", "jacobian", "hessian", "hvp", "fused"], default="grad",
                   help="hvp: the Hessian times a direction v, H never formed (scipy's hessp=); fused: (f, "
                        "gradient) together (jac=True), one module for scalar symbols only.  Both are the kernels "
                        "derive.kernel(d, hvp=True | fused=True) validates and compiles; where that kernel is not "
                        "one module, an error says so")
    p.add_argument("--backend", choices=["numba", "numpy", *_FRAMEWORKS], default="numba",
                   help="jax, torch: the module derive.kernel(d, backend=...) writes, plain framework code "
                        "(jax.jit, jax.vmap, torch.func apply); its arguments: f's arrays sorted by name, then "
                        "f's scalars (--what hvp: then the direction v)")
    p.add_argument("--parallel", action="store_true", help="Numba: spread points over all cores")
    p.add_argument("-o", "--output", metavar="FILE", help="write the module here (default: print it)")
    p.add_argument("--no-validate", action="store_true", help="skip validating the derivative")
    p.set_defaults(run=_run_codegen)

    p = sub.add_parser("critical", help="critical points, found exactly and classified",
                       description="Solve grad f = 0 exactly and classify each point as min, max, saddle or "
                                   "degenerate (Hessian eigenvalues, then higher-order tests). Symbols not in "
                                   "--wrt are parameters: each point is printed with its conditions on them.")
    common(p)
    _show_options(p, plot=True)
    p.set_defaults(run=_run_critical)

    p = sub.add_parser("convex", help="is f convex? the Hessian shown PSD, or a counterexample",
                       description="Decide convexity from derive's own Hessian: an argument in words that it is "
                                   "PSD (a Gram form X^T D X with D >= 0, a diagonal with entries >= 0, "
                                   "diag(p) - p p^T, a Schur complement, sums and nonnegative multiples), checked "
                                   "at random points; otherwise a point and direction of negative curvature, "
                                   "confirmed exactly. Symbols not in --wrt are parameters: convex means for every "
                                   "value they may take (declare 'lam: nonnegative'). Exit 0 when decided (convex, "
                                   "strictly convex, concave, not convex), 1 when not decided, 2 on bad input.")
    common(p)
    p.set_defaults(run=_run_convex)

    p = sub.add_parser("kkt", help="constrained optimization: Lagrangian, KKT conditions, exact solutions",
                       description="min or max f subject to constraints; every KKT point found exactly by "
                                   "enumerating active sets, best objective first. Symbols not in --wrt are "
                                   "parameters: each point is printed with its conditions on them.")
    p.add_argument("--min", dest="minimize", metavar="EXPR", help="minimize this")
    p.add_argument("--max", dest="maximize", metavar="EXPR", help="maximize this")
    p.add_argument("--wrt", help="variables (default: every symbol)")
    p.add_argument("--st", action="append", default=[], metavar="CONSTRAINT",
                   help='a constraint: "a + 2*b + c >= 1", "x**2 + y**2 = 1" (repeatable)')
    p.add_argument("--let", action="append", default=[], metavar="DECL", help="declarations")
    p.add_argument("--json", action="store_true")
    _show_options(p, plot=True)
    p.set_defaults(run=_run_kkt)

    p = sub.add_parser("shape", help="what every subexpression is (scalar, vector, matrix), clashes in words",
                       description="Print the shape of every subexpression; a clash is reported in words, "
                                   "e.g. 'A @ x - b: A @ x is m x 1 but b is n x 1' (exit 2).")
    p.add_argument("expr")
    p.add_argument("--let", action="append", default=[], metavar="DECL", help='declarations: "A: m x n, x: n"')
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_run_shape)

    p = sub.add_parser("convert", help="between matrix notation and index notation",
                       description="Index form of a matrix expression (entry [i] or [i, j], or a scalar), or the "
                                   "matrix form of an index expression with the given free indices.")
    p.add_argument("expr")
    p.add_argument("--to", choices=["index", "matrix"], required=True)
    p.add_argument("--index", default="", help="free indices, e.g. k or 'i j' (none for a scalar)")
    p.add_argument("--let", action="append", default=[], metavar="DECL", help='declarations: "A: n x n, x: n"')
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_run_convert)

    p = sub.add_parser("check-steps", help="check a whole derivation line by line (.tex, .md, .toml, .yaml, -)",
                       description="Check every line of a derivation: each against derive's own derivative and "
                                   "the line before. FILE: .tex/.md (display blocks whose first line is a "
                                   "derivative), .toml/.yaml sheets with 'steps', a text file, or - for stdin. "
                                   "Exit 0 all right, 1 a derivation is wrong (or has a line derive cannot read), "
                                   "2 bad input.")
    p.add_argument("file", metavar="FILE", help="the derivation(s); - reads stdin")
    p.add_argument("--f", dest="f", metavar="EXPR", help="what is derived, where the first line does not say")
    p.add_argument("--wrt", help="with respect to what, where the first line does not say")
    p.add_argument("--let", action="append", default=[], metavar="DECL", help='declarations: "X: n x d, w: d"')
    p.add_argument("--json", action="store_true", help="print the ChainVerdicts as one JSON object")
    p.set_defaults(run=_run_check_steps)

    _em_parser(sub)

    _calculus_parsers(sub)

    from .grading.cli import add_parser as grade_parser

    grade_parser(sub)

    p = sub.add_parser("demo", help="the built-in example: d/dx (x^3 - 2x^2 + 1) vs finite differences, with a plot")
    p.add_argument("--out", default=".", help="directory for the plot (default: current directory)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_run_demo)
    return parser


def _calculus_parsers(sub):
    """integrate, taylor, directional: calculus beyond derivatives (derive.analysis).  Their --latex
    prints the result's LaTeX (input LaTeX is recognised anyway; `derive --latex integrate ...`,
    before the subcommand, forces it)."""
    def outputs(p):
        p.add_argument("--let", action="append", default=[], metavar="DECL", help="declarations (repeatable)")
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.add_argument("--latex", dest="print_latex", action="store_true", help="print the result as LaTeX")
        p.add_argument("--explain", action="store_true", help="show how the result was found and checked")
        _show_options(p, plot=True)

    p = sub.add_parser("integrate", help="antiderivative or definite integral, checked numerically",
                       description="The antiderivative of EXPR (its derivative checked against EXPR at random "
                                   "points), or with --from A --to B the definite integral (checked against "
                                   "numerical quadrature; where no closed form exists, the number, labelled "
                                   "numerical, with its error estimate). Bounds may be oo and -oo.")
    p.add_argument("expr", help="the integrand")
    p.add_argument("--wrt", help="the variable of integration (default: the only one)")
    p.add_argument("--from", dest="lower", metavar="A", help="lower bound")
    p.add_argument("--to", dest="upper", metavar="B", help="upper bound")
    outputs(p)
    p.set_defaults(run=_run_integrate)

    p = sub.add_parser("taylor", help="Taylor expansion in vector form, its error order measured",
                       description="f(a) + grad f(a)^T (x - a) + 1/2 (x - a)^T H(a) (x - a) + ..., with the "
                                   "error's order measured numerically (it shrinks like |h|^(order+1)).")
    p.add_argument("expr", help="the function")
    p.add_argument("--wrt", help="variables, e.g. x,y (default: every symbol)")
    p.add_argument("--at", required=True, help="the point: x=1,y=2")
    p.add_argument("--order", type=int, default=2, help="the order (default 2)")
    outputs(p)
    p.set_defaults(run=_run_taylor)

    p = sub.add_parser("directional", help="directional derivative, steepest ascent and why",
                       description="grad f(a) . u/|u|, the steepest-ascent direction grad f(a)/|grad f(a)| and "
                                   "its rate |grad f(a)|, and why (Cauchy-Schwarz), checked by a finite "
                                   "difference along u.")
    p.add_argument("expr", help="the function")
    p.add_argument("--wrt", help="variables, e.g. x,y (default: every symbol)")
    p.add_argument("--at", required=True, help="the point: x=1,y=2")
    p.add_argument("--u", required=True, metavar="U", help="the direction: 3,4 (in --wrt's order)")
    outputs(p)
    p.set_defaults(run=_run_directional)


def _print_result(args, result, plot=None):
    """The calculus results: text (or LaTeX, or --explain), or one JSON object; a plot when asked."""
    shown = _show(args, plot=plot if args.plot else None)
    if args.json:
        extra = {"explanation": result.explain()} if args.explain else {}
        _print_json({**result.to_dict(), **extra, **shown})
        return 0
    print(result.latex() if args.print_latex else result.explain() if args.explain else result)
    _print_shown(shown)
    return 0


def _run_integrate(args):
    from .analysis.integrals import integrate

    if (args.lower is None) != (args.upper is None):
        raise _UsageError("a definite integral needs both --from A and --to B (see 'derive integrate --help')")
    result = integrate(args.expr, args.wrt, args.lower, args.upper, symbols=_namespace(args))
    return _print_result(args, result, lambda path: result.plot(path))


def _run_taylor(args):
    from .analysis.taylor import taylor

    ns = _namespace(args)
    if args.order < 0:
        raise _UsageError("--order must be 0 or more")
    result = taylor(args.expr, args.wrt, _point_or_values(args.at, ns), order=args.order, symbols=ns)
    return _print_result(args, result, lambda path: result.plot(path))


def _run_directional(args):
    from .analysis.directional import directional

    ns = _namespace(args)
    result = directional(args.expr, args.wrt, _point_or_values(args.at, ns), _point_or_values(args.u, ns), symbols=ns)
    return _print_result(args, result, lambda path: result.plot(path))


def _point_or_values(text, ns):
    """--at x=1,y=2 (names), or --at 1,2 / --at 0 (values in --wrt's order)."""
    if "=" in text:
        return parse_point(text, ns)
    values = [v for v in _split_top_level(text) if v.strip()]
    if not values:
        raise _UsageError(f"no values in '{text}': give x=1,y=2 or 1,2")
    return values


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
    from .errors import ValidationError

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
        from .text.latex import using_syntax

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
    except Exception as exc:  # noqa: BLE001 - the CLI promises no tracebacks
        if os.environ.get("DERIVE_DEBUG"):
            raise
        return failed(f"internal error ({type(exc).__name__}: {exc}); set DERIVE_DEBUG=1 for a traceback", 3)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"expected 1 to 1000, got {value}")
    return value


def _fail(message, code=2):
    print(f"derive: error: {_one_line(message)}", file=sys.stderr)
    return code


def _one_line(message):
    return " ".join(message.split())


class _Failure:
    """How `main` reports an error: the one line on stderr, as always, and where --json appears
    anywhere in the arguments also one JSON object on stdout, so that a script reading stdout
    gets JSON whatever happened: {"error": the line, "where": ..., "command": ..., "exit": code}.
    An error may carry `json_fields`, what its subcommand found before it (shape's rows), printed too."""

    def __init__(self, parser, argv):
        self.parser, self.argv, self.args = parser, argv, None  # args: once argparse has read them
        self.as_json = "--json" in argv

    def __call__(self, message, code, exc=None):
        _fail(message, code)
        if self.as_json:
            _print_json(self.error_object(message, code, exc))
        return code

    def error_object(self, message, code, exc=None):
        partial = getattr(exc, "json_fields", {})  # what a subcommand had found before the error (shape)
        return {**partial, "error": _one_line(message), "where": self.where(exc), "command": self.command(),
                "exit": code}

    def command(self):
        if self.args is not None:
            return self.args.command
        # argparse stopped early: the first word that is not an option is the subcommand, if it is one
        first = next((a for a in self.argv if not a.startswith("-")), None)
        return first if first in _subcommands(self.parser) else None

    def where(self, exc):
        """{"argument", "column", "text"}, {"symbol"}, {"file"} (what is known, merged), or None."""
        if isinstance(exc, _UsageError):
            name = _usage_argument(str(exc))
            return {"argument": name} if name else None
        if exc is None:
            return None
        where = {}
        message = str(exc)
        column = getattr(exc, "column", None)
        if column is None:  # ShapeError and LimitError of the parser put the column in the message only
            found = re.match(r"column (\d+): ", message)
            column = int(found.group(1)) if found else None
        if isinstance(column, int):
            text = getattr(exc, "text", None)
            where["argument"] = self.argument_holding(text)
            where["column"] = column  # 1-based, in `text` where that is known
            if isinstance(text, str):
                where["text"] = text
        symbol = _unknown_symbol(message)
        if symbol:
            where["symbol"] = symbol
        if isinstance(exc, OSError) and getattr(exc, "filename", None):
            where["file"] = str(exc.filename)
        return where or None

    def argument_holding(self, text):
        """The argument ("expr", "--claim", ...) whose value is `text`, or contains it just once (the
        right side of a --let definition, a value of --at); None where no argument, or several, do."""
        if not isinstance(text, str) or not text.strip() or self.args is None:
            return None
        wanted = text.strip()
        subparser = _subcommands(self.parser).get(self.args.command)
        values = []  # (argument, value) for every text value the subcommand was given
        for action in subparser._actions if subparser else ():
            value = getattr(self.args, action.dest, None)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    values.append((_argument_name(action), item.strip()))
        for match in (lambda v: v == wanted, lambda v: wanted in v):
            names = {name for name, value in values if match(value)}
            if names:
                return names.pop() if len(names) == 1 else None
        return None


def _subparsers(parser):
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _subcommands(parser):
    """{name: its parser} of `derive`'s subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def _argument_name(action):
    """How the user spells an argument: its long option (--output for -o/--output), or a positional's name."""
    if not action.option_strings:
        return action.metavar or action.dest  # as argparse's own messages name it: expr, FILE
    return max(action.option_strings, key=len)


def _usage_argument(message):
    """The argument an argparse message names: 'argument --wrt: expected one argument', 'the following
    arguments are required: expr' (the first named), 'unrecognized arguments: --foo'; else None."""
    for pattern in (r"argument (\S+?): ", r"the following arguments are required: ([^\s,]+)",
                    r"unrecognized arguments: (\S+)"):
        found = re.match(pattern, message)
        if found:
            return max(found.group(1).split("/"), key=len)  # -o/--output -> --output
    return None


def _unknown_symbol(message):
    """'x' of "unknown symbol 'x' ..." or "unknown name 'x' ..." (after a "column N: " if any): the
    messages of the parser, wrt and points carry the name only in words."""
    found = re.match(r"(?:column \d+: )?unknown (?:symbol|name) '([^']+)'", message)
    return found.group(1) if found else None


# ---------------------------------------------------------------------------


def _namespace(args):
    from .text.declarations import Declarations, declare
    from .text.namespace import Namespace

    decls = Declarations()  # keeps the matrix properties (symmetric, spd) of every --let
    for text in _declarations(args.let):
        decls.update(declare(text))
    return Namespace(decls)


_DEFINITION = re.compile(r"(?<![<>=!])=(?!=)")


def _declarations(items):
    """The --let pieces that declare (A: n x n), not the ones that define (s = ...)."""
    return [p for text in items for p in text.split(";") if p.strip() and not _DEFINITION.search(p)]


def _definitions(items):
    return "; ".join(p for text in items for p in text.split(";") if _DEFINITION.search(p))


def _run_derivative(args):
    from .derivation.api import differentiate

    ns = _namespace(args)
    d = differentiate(args.expr, args.wrt, args.kind, validate_result=not args.no_validate,
                      simplify=not args.no_simplify, symbols=ns)
    point = parse_point(args.at, ns) if args.at else None
    at = d.at(point) if point else None
    shown = _show(args, (lambda: d.steps) if args.steps else None,
                  (lambda path: d.plot(path, at=point)) if args.plot else None)  # drawn around the point
    if args.json:
        out = d.to_dict()
        if at is not None:
            out["at"] = at.to_dict()
        _print_json({**out, **shown})
    else:
        print(d)
        if at is not None:
            print(at)
        _print_shown(shown)
    return 0 if at is None or at.report is None or at.report.ok else 1


def _run_validate(args):
    import codegen

    from .derivation.api import differentiate
    from .check.claims import check_claim

    ns = _namespace(args)
    if args.claim is None:
        d = differentiate(args.expr, args.wrt, args.kind or _infer_kind(args.expr, ns), symbols=ns,
                          points=max(args.points, 1))
        report, claim = d.report, d.result
        if args.at:
            value = d.at(parse_point(args.at, ns))
            if value.undefined:
                from .errors import DeriveError

                labels = ", ".join(d.entries()[i * value.exact.shape[1] + j][0] for i, j in value.undefined)
                raise DeriveError(f"the derivative does not exist at {args.at} ({labels} undefined: a kink, a "
                                  "domain edge or 0/0 without a limit); validate at another point")
            report = value.report
        f, wrt = d.f, d.wrt
    else:
        result = check_claim(args.expr, args.wrt, args.claim, kind=args.kind, namespace=ns,
                             at=parse_point(args.at, ns) if args.at else None, points=args.points)
        report, claim, f, wrt = result.report, result.claim, result.f, result.wrt
    from .text.printing import to_text

    if args.json:
        _print_json({"f": to_text(f), "wrt": [s.name for s in wrt], "claim": to_text(claim),
                     "report": report.to_dict()})
    else:
        print(f"f = {to_text(f)}, claimed derivative = {to_text(claim)}")
        print(report)
    return 0 if isinstance(report, codegen.Report) and report.ok else 1


def _infer_kind(expr, ns):
    from sympy import MatrixBase

    from .text.expressions import parse

    return "jacobian" if isinstance(parse(expr, ns), MatrixBase) else "grad"


def _run_check(args):
    from .check.api import check

    if args.sheet:
        from .check.sheet import grade

        grades = grade(args.sheet)
        if args.json:
            _print_json(grades.to_dict())
        else:
            print(grades)
        return grades.exit_code
    if not args.expr or args.claim is None:
        raise _UsageError("check needs EXPR and --claim (or --sheet FILE) (see 'derive check --help')")
    ns = _namespace(args)
    at = _point_or_values(args.at, ns) if args.at else None
    u = _point_or_values(args.u, ns) if args.u else None
    verdict = check(args.expr, args.wrt, args.claim, args.kind, let=_definitions(args.let) or None,
                    symbols=ns, a=args.lower, b=args.upper, at=at, u=u, order=args.order)
    from .check.locate import MarkedSteps

    if args.kind in ("antiderivative", "integral"):  # the steps are derive's integration's
        steps = (lambda: _integration_steps(args)) if args.steps else None
    elif args.kind in ("taylor", "directional"):  # ... or derive's expansion's
        steps = (lambda: _expansion_steps(args, ns, at, u)) if args.steps else None
    else:
        steps = (lambda: MarkedSteps(_check_steps(args, verdict), verdict.step)) if args.steps else None
    shown = _show(args, steps)
    if args.json:
        _print_json({**verdict.to_dict(), **shown})
    else:
        print(verdict)
        _print_shown(shown)
    return 0 if verdict.ok else 1


def _integration_steps(args):
    from .analysis.integrals import integrate

    return integrate(args.expr, args.wrt, args.lower, args.upper, symbols=_namespace(args)).explain()


def _expansion_steps(args, ns, at, u):
    if args.kind == "taylor":
        from .analysis.taylor import taylor

        return taylor(args.expr, args.wrt, at, order=args.order or 2, symbols=ns).explain()
    from .analysis.directional import directional

    return directional(args.expr, args.wrt, at, u, symbols=ns).explain()


def _run_codegen(args):
    import codegen

    from .derivation.api import differentiate
    from .derivation.kernels import index_form, loop_arguments
    from .text.inputs import as_expression, free_scalars, resolve_wrt

    if args.backend in _FRAMEWORKS:
        return _run_framework(args)
    if args.what in _KERNEL_KINDS:
        return _run_kernel_kind(args)
    ns = _namespace(args)
    if args.what == "value":
        expr = as_expression(args.expr, ns)
        exprs = expr
        tensor = expr.has(sympy.Sum, sympy.Indexed) or bool(expr.atoms(sympy.MatrixSymbol))
        wrt = () if tensor else resolve_wrt(args.wrt, expr, ns)
        outputs, ranges = (), None
    else:
        d = differentiate(args.expr, args.wrt, args.what, validate_result=not args.no_validate, symbols=ns)
        expr, wrt, exprs = d.f, d.wrt, d.result
        tensor = d.notation != "components"
        outputs, ranges = (), None
        if tensor:
            exprs, outputs, ranges = index_form(d)
        elif expr.has(sympy.Sum) or expr.atoms(sympy.Indexed):  # parameters of a sample: a loop kernel
            entries = list(dict.fromkeys(exprs))
            if len(entries) > 1:
                from .errors import DeriveError

                raise DeriveError(f"the {args.what} by {', '.join(str(w) for w in wrt)} is {len(entries)} "
                                  "loop kernels, one per entry: write one at a time (--wrt one parameter), or "
                                  "call derive.kernel(derive.differentiate(...)) from Python for all at once")
            exprs, tensor = entries[0], True
    if tensor:
        exprs, arrays, scalars = loop_arguments(expr, exprs, ns)
        source, _ = codegen.loops.kernel_source(exprs, arrays, scalars, outputs, ranges=ranges)
        arg_names = [str(a.label) for a in arrays] + [s.name for s in scalars]
    else:
        others = [s for s in free_scalars(exprs if hasattr(exprs, "free_symbols") else expr) if s not in wrt]
        arg_syms = list(wrt) + others
        source = codegen.kernel_source(exprs, arg_syms, backend=args.backend, parallel=args.parallel)
        arg_names = [s.name for s in arg_syms]
    if args.output:
        _write_file(args.output, source)
    if args.json:
        shape = [str(x) for x in getattr(exprs, "shape", ())] if not tensor else [o.name for o in outputs]
        _print_json({"what": args.what, "backend": "numba" if tensor else args.backend, "args": arg_names,
                     "shape": shape, "output": args.output, "source": source})
    elif args.output:
        print(f"wrote {args.output}: kernel({', '.join(arg_names)}) -> {args.what} of {args.expr}"
              + (" (a loop kernel in index notation)" if tensor else f" ({args.backend})"))
        print(_calling(source, arg_names))
    else:
        print(source)
    return 0


_FRAMEWORKS = ("jax", "torch")
_VALUE_AND_GRAD = {"jax": "jax.value_and_grad", "torch": "torch.func.grad_and_value"}
_TAKES = {"jax": "JAX or NumPy arrays, in float64 only with jax_enable_x64 (JAX's default is float32); "
                 "jax.jit(kernel) compiles it",
          "torch": "torch tensors, on any device (torch.as_tensor(a) turns a NumPy array into one)"}


def _run_framework(args):
    """--backend jax|torch: the module of the kernel derive.kernel(d, backend=...) builds and
    validates (against derive's own evaluation of f and the framework's autodiff)."""
    from .derivation.api import differentiate
    from .derivation.kernels import kernel
    from .errors import DeriveError

    if args.parallel:
        raise DeriveError(f"--parallel spreads a Numba kernel over cores; {args.backend} chooses its own "
                          "threads and device: drop --parallel")
    if args.what == "fused":
        raise DeriveError(f"--what fused is a (value, gradient) kernel for scipy.optimize; in {args.backend}, "
                          f"use derive.autograd_function(f, wrt, backend={args.backend!r}) with "
                          f"{_VALUE_AND_GRAD[args.backend]}")
    # hvp: the Hessian, which export contracts with v
    kind, wrt = _carrier(args) if args.what == "value" else ("hessian" if args.what == "hvp" else args.what,
                                                             args.wrt)
    d = differentiate(args.expr, wrt, kind, validate_result=not args.no_validate and args.what != "value",
                      symbols=_namespace(args))
    k = kernel(d, backend=args.backend, value=args.what == "value", hvp=args.what == "hvp")
    names = _parameters(k.source, k.arg_names)
    if args.output:
        _write_file(args.output, k.source)
    if args.json:
        shape = [o.name for o in k.outputs] if k.outputs else [str(n) for n in getattr(k.exprs, "shape", ())]
        _print_json({"what": args.what, "backend": args.backend, "args": names, "shape": shape,
                     "output": args.output, "source": k.source})
    elif args.output:
        against = "derive's evaluation of f" if args.what == "value" else f"{args.backend}'s autodiff of f"
        print(f"wrote {args.output}: kernel({', '.join(names)}) -> {args.what} of {args.expr} "
              f"({args.backend}; validated against {against})")
        print(_calling(k.source, names))
        print(f"  takes: {_TAKES[args.backend]}")
    else:
        print(k.source)
    return 0


def _carrier(args):
    """(kind, wrt) of a Derivation that carries f for --what value: f alone is written, and its
    derivative goes unchecked, so it may be by any array of f (an array kernel's arguments do not
    depend on wrt; a scalar kernel's start with --wrt); a vector f needs its Jacobian."""
    from .text.inputs import as_expression

    expr = as_expression(args.expr, _namespace(args))
    arrays = {m.name for m in expr.atoms(sympy.MatrixSymbol)} | {x.base.label.name for x in expr.atoms(sympy.Indexed)}
    kind = "jacobian" if isinstance(expr, sympy.MatrixBase) else "grad"
    return kind, min(arrays) if arrays else args.wrt


# --what hvp|fused: the kinds derive.kernel(d, hvp=True | fused=True) builds, validates and compiles,
# written out only where the kind is one module; why not, where it is not (checked before compiling)
_KERNEL_KINDS = {
    "hvp": "Hessian-vector product",
    "fused": "value-and-gradient",
}
_NOT_ONE_MODULE = {
    "hvp": "the Hessian-vector product of {f} is {why}, not one module: call derive.kernel(d, hvp=True) "
           "from Python",
    "fused": "the value-and-gradient kernel of {f} is {why}, not one module: call derive.kernel(d, fused=True) "
             "from Python, or write --what value and --what grad",
}


def _run_kernel_kind(args):
    import codegen

    from .derivation.api import differentiate
    from .derivation.kernels import kernel
    from .errors import DeriveError
    from .text.printing import to_text

    if args.backend != "numba" or args.parallel:
        raise DeriveError(f"--what {args.what} writes the kernel derive.kernel compiles (Numba, threads chosen "
                          f"by the planner): drop {'--backend numpy' if args.backend != 'numba' else '--parallel'}")
    d = differentiate(args.expr, args.wrt, "grad", validate_result=not args.no_validate, symbols=_namespace(args))
    why = _why_not_one_module(args.what, d)
    if why:
        raise DeriveError(_NOT_ONE_MODULE[args.what].format(f=to_text(d.f), why=why))
    k = kernel(d, **{args.what: True})  # validated and compiled here, or a one-line error
    module = _one_module(args.what, k)
    if module is None:
        raise DeriveError(_NOT_ONE_MODULE[args.what].format(f=to_text(d.f), why="several compiled parts"))
    loops = isinstance(module, codegen.loops.plan.IndexKernel)
    names = _parameters(module.source, module.arg_names)
    returns = k.returns if args.what == "hvp" else \
        f"[f, {', '.join(f'df/d{to_text(w)}' for w in d.wrt)}] along the last axis"
    if args.output:
        _write_file(args.output, module.source)
    if args.json:
        shape = [o.name for o in module.outputs] if loops else [str(n) for n in module.shape]
        _print_json({"what": args.what, "backend": "numba", "args": names, "shape": shape, "output": args.output,
                     "returns": returns, "validation": k.validation, "compile_seconds": module.compile_seconds,
                     "compiled_from": module.compiled_from, "source": module.source})
    elif args.output:
        print(f"wrote {args.output}: kernel({', '.join(names)}) -> {returns} "
              f"({_KERNEL_KINDS[args.what]} of {args.expr}; {'a loop kernel' if loops else 'a Numba gufunc'})")
        print(_calling(module.source, names))
        print(f"  validated: {k.validation}")
        seconds = "" if module.compile_seconds is None else f" in {module.compile_seconds:.2f} s"
        print(f"  compiled here{seconds}: {module.compiled_from}; the written file compiles again when first "
              "imported or called, then Numba caches it next to the file")
    else:
        print(module.source)
    return 0


def _why_not_one_module(what, d):
    """Why the `what` kernel of `d` would not be one standalone module, or None: told before seconds
    of compiling (kernel_kinds.py builds these shapes)."""
    from .calculus.sums import has_index_sums
    from .derivation.linalg_kernels import has_linear_algebra

    loops = d.notation != "components" or has_index_sums(d.f)
    sample = d.notation == "components" and loops
    if what == "fused" and loops:
        return "two loop kernels (f's and the gradient's, one pass over the data each)"
    if what == "hvp" and d.notation == "matrix" and has_linear_algebra(d.f):
        return "a prelude of solves, run once per call, then loops"
    if what == "hvp" and sample and len(d.wrt) > 1:
        return f"{len(d.wrt)} loop kernels, one per entry"
    return None


def _one_module(what, k):
    """The one compiled module behind the kind `k` (kernel_kinds.py keeps it as `_inner` for hvp,
    `_both` for fused over scalar symbols), or None where `k` is made of several parts."""
    import codegen

    inner = getattr(k, "_inner" if what == "hvp" else "_both", None)
    if isinstance(inner, list):
        inner = inner[0] if len(inner) == 1 else None
    return inner if isinstance(inner, (codegen.Kernel, codegen.loops.plan.IndexKernel)) else None


def _parameters(source, names):
    """The written module's own parameter names, in order: its `def kernel(...)` (where a name is
    not a safe identifier the file renamed it), or `names` where kernel is a ufunc (no def)."""
    header = re.search(r"^def kernel\(([^)]*)\):", source, re.MULTILINE)
    return [p.strip() for p in header.group(1).split(",") if p.strip()] if header else list(names)


def _calling(source, names):
    """How the written module's kernel is called: positionally in this order, and by keyword where
    it is a Python function (a scalar ufunc module's `kernel = ufunc` takes positions only)."""
    names = _parameters(source, names)
    if not re.search(r"^def kernel\(", source, re.MULTILINE):
        return f"  call: kernel({', '.join(names)}), by position (a NumPy ufunc takes no keywords)"
    return (f"  call: kernel({', '.join(names)}) by position, or by keyword: "
            f"kernel({', '.join(f'{n}={n}' for n in names)})")


def _write_file(path, text):
    """Write `text` to `path`, creating its folder as most tools' -o do."""
    from .errors import DeriveError

    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
    except (FileExistsError, NotADirectoryError):
        raise DeriveError(f"cannot write {path}: a part of its folder path is a file") from None
    except OSError as exc:
        raise DeriveError(f"cannot write {path}: {exc.strerror or exc}") from None


def _run_critical(args):
    from .optimize.critical import critical_points

    found = critical_points(args.expr, args.wrt, symbols=_namespace(args))
    shown = _show(args, plot=(lambda path: found.plot(path)) if args.plot else None)
    if args.json:
        _print_json({**found.to_dict(), **shown})
    else:
        print(found)
        _print_shown(shown)
    return 0


def _run_convex(args):
    from .optimize.convexity import convexity

    result = convexity(args.expr, args.wrt, symbols=_namespace(args))
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result)
    return 1 if result.status == "not decided" else 0


def _run_kkt(args):
    from .optimize.kkt import kkt

    if (args.minimize is None) == (args.maximize is None):
        raise _UsageError("kkt needs exactly one of --min EXPR or --max EXPR (see 'derive kkt --help')")
    sense, objective = ("min", args.minimize) if args.minimize is not None else ("max", args.maximize)
    problem = kkt(objective, args.wrt, st=args.st, sense=sense, symbols=_namespace(args))
    solution = problem.solve()
    shown = _show(args, plot=(lambda path: solution.plot(path)) if args.plot else None)
    if args.json:
        _print_json({**solution.to_dict(), **shown})
    else:
        print(problem)
        print()
        print(solution)
        _print_shown(shown)
    return 0


def _run_shape(args):
    from .errors import ShapeError
    from .text.expressions import shapes

    try:
        rows, clash = shapes(args.expr, _namespace(args)), None
    except ShapeError as exc:
        rows, clash = getattr(exc, "partial", []), exc
    found = {"shapes": [{"depth": d, "text": t, "shape": w} for d, t, w in rows],
             "clash": None if clash is None else str(clash)}
    if args.json and clash is not None:  # main prints the error's one JSON object, with these rows in it
        clash.json_fields = found
        raise clash
    if args.json:
        _print_json(found)
    else:
        width = max((len(t) + 2 * (d - 1) for d, t, _ in rows), default=0)
        for d, t, w in _tree_order(rows):
            print(f"{'  ' * (d - 1)}{t}".ljust(width + 2) + w)
    if clash is not None:
        return _fail(str(clash))
    return 0


def _tree_order(rows):
    """The recorder lists children before their parent (post-order); print parents first."""
    stack = []  # (depth, rows of the subtree in print order)
    for row in rows:
        children = []
        while stack and stack[-1][0] > row[0]:
            children = stack.pop()[1] + children
        stack.append((row[0], [row] + children))
    return [r for _, subtree in stack for r in subtree]


def _run_check_steps(args):
    from .check.derivation.api import check_or_report
    from .check.derivation.files import read

    path = args.file.strip()  # '-' arrives as ' -' (_minus_is_math)
    found = read(path, sys.stdin.read() if path == "-" else None)
    verdicts = []
    for d in found:  # a derivation that cannot be read is reported as such; the others are still checked
        symbols = "; ".join(x for x in [d.symbols, *_declarations(args.let)] if x) or None
        verdicts.append(check_or_report(d.steps, f=d.f or args.f, wrt=d.wrt or args.wrt, symbols=symbols,
                                        title=d.title))
    if args.json:
        _print_json({"ok": all(v.ok for v in verdicts), "derivations": [v.to_dict() for v in verdicts]})
    else:
        print("\n\n".join(str(v) for v in verdicts))
    return 0 if all(v.ok for v in verdicts) else 1


def _run_convert(args):
    from .derivation.notation import to_index, to_matrix
    from .text.expressions import parse
    from .text.printing import to_text

    ns = _namespace(args)
    expr = parse(args.expr, ns)
    result = to_index(expr, args.index, ns) if args.to == "index" else to_matrix(expr, args.index)
    if args.json:
        _print_json({"expr": args.expr, "to": args.to, "index": args.index, "result": to_text(result)})
    else:
        print(to_text(result))
    return 0


def _em_parser(sub):
    """`derive em`: mixture models by EM (the arguments live in derive/em/_cli.py)."""
    from .em._cli import add_parser

    add_parser(sub).set_defaults(run=_run_em)


def _run_em(args):
    from .em._cli import run

    return run(args)


def _run_demo(args):
    import contextlib
    import io

    from .demo import run

    quiet = contextlib.redirect_stdout(io.StringIO()) if args.json else contextlib.nullcontext()
    with quiet:  # --json prints one JSON object and nothing else (the demo's lines say "plot written to")
        result = run(args.out)
    if args.json:
        _print_json(result)
    return 0


# ---------------------------------------------------------------------------
# showing the work: --steps and --plot FILE


def _show_options(p, steps=False, plot=False):
    if steps:
        p.add_argument("--steps", action="store_true",
                       help="show the derivation step by step, one rule per line (each step checked numerically)")
    if plot:
        p.add_argument("--plot", metavar="FILE", help="draw the result into FILE (.png, .svg, .pdf)")


def _show(args, steps=None, plot=None):
    """{"steps": ..., "plot": path} for the options given (the JSON keys; printed by `_print_shown`).

    Steps that cannot be shown (an operator without a step rule) do not hide the answer: they
    become one line saying why."""
    from .errors import DeriveError

    shown = {}
    if steps is not None:
        try:
            shown["steps"] = steps()
        except DeriveError as exc:
            shown["steps"] = f"steps unavailable: {' '.join(str(exc).split())}"
    if plot is not None:
        shown["plot"] = str(plot(args.plot))
    return shown


def _print_shown(shown):
    if "steps" in shown:
        print()
        print("the derivation, step by step:")
        print(shown["steps"])
    if "plot" in shown:
        print(f"plot written to {shown['plot']}")


def _check_steps(args, verdict):
    """The derivation the claim is checked against, step by step."""
    from .derivation.api import differentiate

    wrt = list(verdict.wrt) if verdict.wrt else args.wrt
    kind = verdict.kind if verdict.kind in ("grad", "jacobian", "hessian") else "grad"
    return differentiate(args.expr, wrt, kind, symbols=_namespace(args), validate_result=False).steps


def parse_point(text, namespace):
    """'x=1, y=2/3' or 'x=[1, 2], A=[[1, 2], [3, 4]]' -> {name: exact SymPy number or matrix}.
    Values are parsed with derive's own parser (never eval); a matrix declared symmetric or spd
    must be one."""
    import sympy

    from .errors import DeriveError, ParseError
    from .text.namespace import Namespace
    from .text.expressions import parse

    point = {}
    for item in _split_top_level(text):
        if "=" not in item:
            raise ParseError(f"--at expects name=value pairs like x=1,y=2 or x=[1, 2]; got '{item}'")
        name, value_text = (s.strip() for s in item.split("=", 1))
        if name in point:
            raise ParseError(f"--at gives {name} twice")
        value = parse(value_text, Namespace(strict=True))
        entries = list(value) if isinstance(value, sympy.MatrixBase) else [value]
        for entry in entries:
            if not isinstance(entry, sympy.Basic) or not entry.is_number or entry.free_symbols:
                raise DeriveError(f"--at value for {name} must be a number or an array of numbers "
                                  f"([1, 2], [[1, 2], [3, 4]]), got '{value_text}'")
            if not entry.is_real:
                raise DeriveError(f"--at value for {name} must be real, got '{value_text}'")
        if isinstance(value, sympy.MatrixBase):
            value = sympy.ImmutableMatrix(value)
            _check_declared(name, value, namespace.properties.get(name, ()))
        point[name] = value
    if not point:
        raise ParseError("--at names no point")
    return point


def _check_declared(name, value, words):
    """A matrix declared symmetric (or spd) at a point that is not: its derivative assumed it."""
    import numpy as np

    from .errors import DeriveError

    words = set(words)
    if not words & {"symmetric", "spd"}:
        return
    if value.shape[0] != value.shape[1] or value != value.T:
        raise DeriveError(f"--at value for {name} is not symmetric, but {name} is declared "
                          f"{'spd' if 'spd' in words else 'symmetric'}")
    if "spd" in words and np.linalg.eigvalsh(np.array(value, dtype=float)).min() <= 0:
        raise DeriveError(f"--at value for {name} is not positive definite, but {name} is declared spd")


def _split_top_level(text):
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch in ",;" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _print_json(obj):
    if isinstance(obj, dict):  # result objects (the steps of --steps) as their to_dict()
        obj = {k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in obj.items()}
    print(json.dumps(_finite(obj), indent=2, default=str, allow_nan=False))


def _finite(obj):
    """NaN and infinities as the strings "nan", "inf", "-inf": JSON has no such numbers, and a reader
    (a browser's JSON.parse, jq) refuses Python's NaN."""
    if isinstance(obj, float) and (obj != obj or obj in (float("inf"), float("-inf"))):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _version():
    from .version import __version__

    return __version__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
