"""critical, convex and kkt: critical points, convexity, constrained optimization.
"""



from .inputs import _namespace, add_common
from .output import _print_json, _print_shown, _show, _show_options
from .usage import _UsageError


def add_parsers(sub):
    """critical, convex, kkt."""
    p = sub.add_parser("critical", help="critical points, found exactly and classified",
                       description="Solve grad f = 0 exactly and classify each point as min, max, saddle or "
                                   "degenerate (Hessian eigenvalues, then higher-order tests). Symbols not in "
                                   "--wrt are parameters: each point is printed with its conditions on them.")
    add_common(p)
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
    add_common(p)
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


def _run_critical(args):
    from ..optimize.critical import critical_points

    found = critical_points(args.expr, args.wrt, symbols=_namespace(args))
    shown = _show(args, plot=(lambda path: found.plot(path)) if args.plot else None)
    if args.json:
        _print_json({**found.to_dict(), **shown})
    else:
        print(found)
        _print_shown(shown)
    return 0


def _run_convex(args):
    from ..optimize.convexity import convexity

    result = convexity(args.expr, args.wrt, symbols=_namespace(args))
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result)
    return 1 if result.status == "not decided" else 0


def _run_kkt(args):
    from ..optimize.kkt import kkt

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
