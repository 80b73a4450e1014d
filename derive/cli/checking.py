"""check and check-steps: a claimed derivative, integral or expansion, and a whole derivation line by line.
"""

import sys

from .inputs import _declarations, _definitions, _namespace, _point_or_values
from .output import _print_json, _print_shown, _show, _show_options
from .usage import _UsageError


def add_parsers(sub):
    """check, check-steps."""
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


def _run_check(args):
    from ..check.api import check

    if args.sheet:
        from ..check.sheet import grade

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
    from ..check.locate import MarkedSteps

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
    from ..analysis.integrals import integrate

    return integrate(args.expr, args.wrt, args.lower, args.upper, symbols=_namespace(args)).explain()


def _expansion_steps(args, ns, at, u):
    if args.kind == "taylor":
        from ..analysis.taylor import taylor

        return taylor(args.expr, args.wrt, at, order=args.order or 2, symbols=ns).explain()
    from ..analysis.directional import directional

    return directional(args.expr, args.wrt, at, u, symbols=ns).explain()


def _check_steps(args, verdict):
    """The derivation the claim is checked against, step by step."""
    from ..derivation.api import differentiate

    wrt = list(verdict.wrt) if verdict.wrt else args.wrt
    kind = verdict.kind if verdict.kind in ("grad", "jacobian", "hessian") else "grad"
    return differentiate(args.expr, wrt, kind, symbols=_namespace(args), validate_result=False).steps


def _run_check_steps(args):
    from ..check.derivation.api import check_or_report
    from ..check.derivation.files import read

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
