"""integrate, taylor and directional: calculus beyond derivatives (derive.analysis).
"""



from .inputs import _namespace, _point_or_values
from .output import _print_json, _print_shown, _show, _show_options
from .usage import _UsageError


def add_parsers(sub):
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
    from ..analysis.integrals import integrate

    if (args.lower is None) != (args.upper is None):
        raise _UsageError("a definite integral needs both --from A and --to B (see 'derive integrate --help')")
    result = integrate(args.expr, args.wrt, args.lower, args.upper, symbols=_namespace(args))
    return _print_result(args, result, lambda path: result.plot(path))


def _run_taylor(args):
    from ..analysis.taylor import taylor

    ns = _namespace(args)
    if args.order < 0:
        raise _UsageError("--order must be 0 or more")
    result = taylor(args.expr, args.wrt, _point_or_values(args.at, ns), order=args.order, symbols=ns)
    return _print_result(args, result, lambda path: result.plot(path))


def _run_directional(args):
    from ..analysis.directional import directional

    ns = _namespace(args)
    result = directional(args.expr, args.wrt, _point_or_values(args.at, ns), _point_or_values(args.u, ns), symbols=ns)
    return _print_result(args, result, lambda path: result.plot(path))
