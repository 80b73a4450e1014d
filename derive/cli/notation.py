"""shape and convert: what every subexpression is, and matrix notation <-> index notation.
"""



from .inputs import _namespace
from .output import _fail, _print_json


def add_parsers(sub):
    """shape, convert."""
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


def _run_shape(args):
    from ..errors import ShapeError
    from ..text.expressions import shapes

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


def _run_convert(args):
    from ..derivation.notation import to_index, to_matrix
    from ..text.expressions import parse
    from ..text.printing import to_text

    ns = _namespace(args)
    expr = parse(args.expr, ns)
    result = to_index(expr, args.index, ns) if args.to == "index" else to_matrix(expr, args.index)
    if args.json:
        _print_json({"expr": args.expr, "to": args.to, "index": args.index, "result": to_text(result)})
    else:
        print(to_text(result))
    return 0
