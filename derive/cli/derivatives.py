"""grad, jacobian, hessian and validate: a derivative, checked by finite differences.
"""



from .inputs import _namespace, add_common, parse_point
from .output import _print_json, _print_shown, _show, _show_options
from .usage import _positive_int


def add_parsers(sub):
    """grad, jacobian, hessian, validate."""
    for kind, what in (("grad", "gradient of a scalar function (n x 1)"),
                       ("jacobian", "Jacobian of a vector function (m x n, row i = gradient of F_i)"),
                       ("hessian", "Hessian of a scalar function (n x n)")):
        p = sub.add_parser(kind, help=what, description=what)
        add_common(p)
        p.add_argument("--at", metavar="POINT", help="also evaluate (exactly) and check at x=1,y=2 (arrays in "
                                                     "matrix notation: x=[1,2],A=[[1,2],[3,4]]); --plot marks it")
        p.add_argument("--no-validate", action="store_true", help="skip the finite-difference validation")
        p.add_argument("--no-simplify", action="store_true", help="print the derivative unsimplified")
        _show_options(p, steps=True, plot=True)
        p.set_defaults(run=_run_derivative, kind=kind)

    p = sub.add_parser("validate", help="check a claimed gradient/Jacobian/Hessian by finite differences",
                       description="Check a claimed derivative numerically (codegen.gradcheck): every entry, "
                                   "at the given point and at random points nearby. Exit 0 if it holds, 1 if not.")
    add_common(p)
    p.add_argument("--claim", help="the claimed derivative, e.g. \"[2*x, 3*y**2]\" (default: derive's own)")
    p.add_argument("--kind", choices=["grad", "jacobian", "hessian"], help="what the claim is (default: inferred)")
    p.add_argument("--at", metavar="POINT", help="check at this point (default: random points in the domain)")
    p.add_argument("--points", type=_positive_int, default=3, help="random points to check (default 3)")
    p.set_defaults(run=_run_validate)


def _run_derivative(args):
    from ..derivation.api import differentiate

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

    from ..check.claims import check_claim
    from ..derivation.api import differentiate

    ns = _namespace(args)
    if args.claim is None:
        d = differentiate(args.expr, args.wrt, args.kind or _infer_kind(args.expr, ns), symbols=ns,
                          points=max(args.points, 1))
        report, claim = d.report, d.result
        if args.at:
            value = d.at(parse_point(args.at, ns))
            if value.undefined:
                from ..errors import DeriveError

                labels = ", ".join(d.entries()[i * value.exact.shape[1] + j][0] for i, j in value.undefined)
                raise DeriveError(f"the derivative does not exist at {args.at} ({labels} undefined: a kink, a "
                                  "domain edge or 0/0 without a limit); validate at another point")
            report = value.report
        f, wrt = d.f, d.wrt
    else:
        result = check_claim(args.expr, args.wrt, args.claim, kind=args.kind, namespace=ns,
                             at=parse_point(args.at, ns) if args.at else None, points=args.points)
        report, claim, f, wrt = result.report, result.claim, result.f, result.wrt
    from ..text.printing import to_text

    if args.json:
        _print_json({"f": to_text(f), "wrt": [s.name for s in wrt], "claim": to_text(claim),
                     "report": report.to_dict()})
    else:
        print(f"f = {to_text(f)}, claimed derivative = {to_text(claim)}")
        print(report)
    return 0 if isinstance(report, codegen.Report) and report.ok else 1


def _infer_kind(expr, ns):
    from sympy import MatrixBase

    from ..text.expressions import parse

    return "jacobian" if isinstance(parse(expr, ns), MatrixBase) else "grad"
