"""`derive.check`: is a person's derivative right, and if not, what exactly is wrong?

    >>> import derive
    >>> v = derive.check("x**3 - 2*x**2 + 1", "x", "3*x**2 - 4")
    >>> v.status, v.explanation
    ('wrong', 'df/dx: the term -4*x is wrong: the claim has -4 instead')

The expected derivative is derive's own (validated); the claim is compared
entry by entry (`equivalence.compare`), and each wrong entry is explained by
the rules in `diagnosis.py`.  Shapes are checked first: a transposed
Jacobian or a row where a column belongs is "transposed", an impossible shape
is "shape".  Matrix-notation and index-notation claims are handled in
`check/matrix/`.
"""

import re

import sympy
from sympy import MatrixBase, MatrixExpr, MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

from . import diagnosis
from ..derivation.api import derive_problem
from ..validation.equivalence import compare, numeric_value
from ..errors import DeriveError, ShapeError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..text.printing import to_text
from ..text import ranges
from ..calculus.reals import RealView
from ..calculus.simplify import tidy
from ..text.inputs import as_basic, as_expression, as_scalar, as_vector, new_namespace
from ..calculus.variables import Problem, scalar_variables
from ..validation.instances import data_kinds
from .index_form import axis_bounds
from .definitions import parse_definitions, substitute as _substitute
from .verdict import Verdict


def check(f, wrt, claimed, kind=None, *, let=None, symbols=None, limits=DEFAULT_LIMITS, seed=0, a=None, b=None,
          at=None, u=None, order=None):
    """Check a claimed derivative of `f` with respect to `wrt`; returns a `Verdict`.

    `kind` is "grad" (also a plain derivative), "jacobian" or "hessian",
    inferred from the shapes when omitted.  `claimed` is text or SymPy: a
    scalar, a list/Matrix, a matrix expression (when `wrt` is a matrix
    symbol) or an index expression (when `wrt` is an element like x[k]).
    `let` defines abbreviations used in the claim: ``"s = 1/(1 + exp(-z))"``
    or a dict.  `symbols` declares names as in `derive.parse`.

    kind="antiderivative" checks a claimed F with F' = f (any constant added);
    kind="integral" with bounds `a` and `b` a claimed definite value
    (`check/integrals/`).  kind="taylor" with the point `at` and `order` (default 2)
    checks a claimed Taylor polynomial, kind="directional" with `at` and the direction `u`
    a claimed directional derivative (`check/expansions.py`).
    """
    if kind in ("taylor", "directional"):
        from .expansions import check_expansion

        if a is not None or b is not None or let is not None:
            raise DeriveError(f"kind='{kind}' takes at= ({'order=' if kind == 'taylor' else 'u='}), not bounds "
                              "or definitions")
        return check_expansion(f, wrt, claimed, kind, at=at, u=u, order=order, symbols=symbols, limits=limits,
                               seed=seed)
    if at is not None or u is not None or order is not None:
        raise DeriveError("at=, u= and order= belong to kind='taylor' and kind='directional'")
    if kind in ("antiderivative", "integral"):
        from .integrals import check_integral

        return check_integral(f, wrt, claimed, kind, a=a, b=b, let=let, symbols=symbols, limits=limits, seed=seed)
    if a is not None or b is not None:
        raise DeriveError("bounds a and b belong to kind='integral' (a definite integral)")
    with time_budget(limits.seconds, "checking the derivative"):
        # one name, one variable; the claim's sums are judged, so they never set f's ranges
        ns = new_namespace(symbols, f, wrt, judged=(claimed, let))
        definitions = parse_definitions(let, ns)
        expr = scalars_as_traces(_substitute(as_expression(f, ns), definitions))
        try:
            written = scalars_as_traces(as_expression(claimed, ns))
        except ShapeError as exc:
            verdict = _shape_verdict(_expected_only(expr, wrt, ns, kind), claimed, str(exc), kind)
            verdict.kind_inferred = kind is None
            return verdict
        problem = Problem.read(ns, expr, wrt)  # wrt read once: below, it is the SymPy objects it names
        verdict = check_problem(problem, _substitute(written, definitions), kind, limits=limits, seed=seed,
                                definitions=definitions)
        if definitions:
            verdict.as_written = written
        return verdict


def check_problem(problem, claim, kind=None, *, limits=DEFAULT_LIMITS, seed=0, definitions=None):
    """`check` of a claim (SymPy, read into the problem's namespace, abbreviations substituted) about a
    `calculus.variables.Problem`: what `check` does after reading its input, for callers that read
    theirs themselves (the last line of a derivation checked line by line)."""
    expr, wrt, ns = problem.f, problem.wrt, problem.namespace
    with time_budget(limits.seconds, "checking the derivative"):  # nested in check's: the earlier deadline
        claim = _align_sizes(_explicit_claim(claim, expr, wrt, ns), expr, ns)
        if _is_matrix_problem(expr, wrt, ns, claim):
            from .matrix import check_matrix_notation

            verdict = check_matrix_notation(expr, wrt, claim, ns, kind=kind, seed=seed)
        else:
            verdict = _check_scalar_symbols(problem, claim, kind, seed)
        if kind is None:
            _say_kind_inferred(verdict)
        if definitions:
            verdict.definitions = definitions
        from .locate import locate

        verdict.step = locate(expr, verdict, ns, definitions)
        return verdict


def _say_kind_inferred(verdict):
    """No kind was given, so derive chose it (`kind_inferred`).  Where that choice is a Hessian of a
    scalar f, read off the claim's shape (or its second free index), the explanation says so: a
    grader who forgot the kind learns that a Hessian was judged where a gradient may have been meant."""
    verdict.kind_inferred = True
    if verdict.kind != "hessian":
        return  # a gradient of a scalar f, a Jacobian of a vector f: the plain reading, no note
    claimed = verdict.claimed
    if isinstance(claimed, (MatrixBase, MatrixExpr)):
        reason = f"the claim's {to_text(claimed.shape[0])} x {to_text(claimed.shape[1])} shape"
    elif len(verdict.wrt) == 2 and all(isinstance(t, sympy.Indexed) for t in verdict.wrt):
        reason = "the claim's second free index " + ", ".join(to_text(i) for i in verdict.wrt[1].indices)
    else:
        reason = "the claim"
    verdict.explanation += (f" (the kind, Hessian, was inferred from {reason}; pass kind='grad' or --kind grad "
                            f"to ask for the gradient)")


def scalars_as_traces(expr):
    """(x.T*A*x)[0, 0], how SymPy users take the scalar of a 1 x 1 product, as the parser writes
    it: tr(x.T*A*x), a matrix expression matrix calculus and the evaluators know."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    if not isinstance(expr, sympy.Basic) or isinstance(expr, MatrixBase) or not expr.has(MatrixElement):
        return expr
    return expr.replace(lambda e: isinstance(e, MatrixElement) and not isinstance(e.parent, (MatrixSymbol, MatrixBase))
                        and tuple(e.parent.shape) == (1, 1), lambda e: sympy.Trace(e.parent))


def _align_sizes(claim, expr, ns):
    """A claim whose sums run over all of f's axes with their own size names (derive's own result
    pasted back as a SymPy object, with n_j where this call's f says n_j1; a text claim beside a
    SymPy f summed to d - 1; a SymPy claim summed to m - 1 beside a text f whose sum is open) uses
    f's names: one axis, one size.  Only a name derive gave a size itself (`ns.size_names`) is
    identified with another: two names the user chose (m and N) are two variables, and a claim
    that still depends on its own m is wrong.  A shorter range (n - 2 where f has n - 1) is never
    renamed into a whole one.  The ranges the namespace learned follow."""
    if not isinstance(claim, sympy.Basic) or not isinstance(expr, sympy.Basic) or not claim.has(sympy.Sum):
        return claim
    ours, theirs = axis_bounds(expr), axis_bounds(claim)
    # one name, one variable: a bound n the parser made a positive integer beside the user's plain n
    named = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    mapping = {s: named[s.name] for s in ranges.size_symbols(claim) if named.get(s.name, s) != s}
    for axis, (lo, hi) in theirs.items():
        if axis not in ours or ours[axis] == (lo, hi):
            continue
        (size,) = hi.free_symbols
        (want,) = ours[axis][1].free_symbols
        if mapping.get(size) == want:
            continue
        ours_named = {size.name, want.name} & ns.size_names
        if ours_named and size not in expr.free_symbols and hi.xreplace({size: want}) == ours[axis][1] \
                and lo == ours[axis][0]:
            mapping.setdefault(size, want)
    if mapping:
        for table in (ns.index_ranges, ns.axis_ranges):
            for key, (lo, hi) in list(table.items()):
                table[key] = (sympy.sympify(lo).xreplace(mapping), sympy.sympify(hi).xreplace(mapping))
    return claim.xreplace(mapping) if mapping else claim


def _explicit_claim(claim, expr, wrt, ns):
    """A matrix-expression claim (a SymPy MatrixSymbol g, or G*v) of a problem in scalar symbols
    is the explicit matrix of its entries (g[0, 0], ...): a claim like any other."""
    if not isinstance(claim, MatrixExpr) or isinstance(claim, MatrixBase) or not all(
            as_basic(d).is_Integer for d in claim.shape):
        return claim
    matrix_problem = _names_tensors(wrt) or (
        isinstance(expr, sympy.Basic) and (isinstance(expr, MatrixExpr) or expr.atoms(MatrixSymbol)))
    return claim if matrix_problem else sympy.Matrix(claim.as_explicit())


def _names_tensors(wrt):
    """Is a variable a matrix or vector symbol, or an element of one (x[k])?"""
    return any(isinstance(w, (MatrixSymbol, sympy.Indexed, MatrixElement)) for w in wrt or ())


def _is_matrix_problem(expr, wrt, ns, claim):
    def matrixish(obj):
        return isinstance(obj, MatrixExpr) and not isinstance(obj, MatrixBase)

    if matrixish(expr) or matrixish(claim):
        return True
    if isinstance(expr, sympy.Basic) and not isinstance(expr, MatrixBase) and expr.atoms(MatrixSymbol):
        return True  # a scalar built from matrices, tr(s^2 X): matrix calculus by scalars
    if _names_tensors(wrt):
        return True
    # index notation, or scalars of a sample (mu in sum((x[i] - mu)**2, i)): compared on instances
    return bool(getattr(expr, "has", lambda *_: False)(sympy.Sum, sympy.Indexed))


# ---------------------------------------------------------------------------
# scalar symbols: gradients, Jacobians, Hessians of ordinary expressions


def _check_scalar_symbols(problem, claim, kind, seed):
    expr, wrt, ns = problem.f, problem.wrt, problem.namespace
    vector_f = isinstance(expr, MatrixBase) and expr.shape != (1, 1)
    claim_m = claim if isinstance(claim, MatrixBase) else sympy.Matrix([[claim]])
    f = as_vector(expr) if vector_f else as_scalar(expr)
    variables = scalar_variables(wrt, f)
    view = RealView(f, claim_m, variables)  # derive works over the reals; the verdict speaks of the user's symbols
    kinds = {view.real(s) if isinstance(s, sympy.Symbol) else s: k for s, k in data_kinds(ns, f, claim_m).items()}
    return view.user(_check_over_reals(problem, view.real(f), view.real(claim_m), view.real(variables), vector_f, kind,
                                       seed, kinds))


def _check_over_reals(problem, f, claim_m, variables, vector_f, kind, seed, kinds=None):
    n = len(variables)
    kind = kind or _infer_kind(vector_f, claim_m.shape, n)
    if kind == "jacobian" and not vector_f:
        f = as_vector(f)
    derivation = derive_problem(problem.about(f, variables), kind, seed=seed, plain=False)
    expected = derivation.result
    verdict = _shape_check(expected, claim_m, kind, variables, derivation, problem)
    if verdict is not None:
        return verdict
    claim_m = claim_m.reshape(*expected.shape)
    symbols = sorted((derivation.f.free_symbols | claim_m.free_symbols | expected.free_symbols), key=str)
    symbols = [s for s in symbols if isinstance(s, sympy.Symbol)]
    return _compare_entries(derivation, expected, claim_m, symbols, kind, variables, seed, kinds)


def _infer_kind(vector_f, shape, n):
    if vector_f:
        return "jacobian"
    if n > 1 and shape == (n, n):
        return "hessian"
    return "grad"


def _shape_check(expected, claim, kind, variables, derivation, problem):
    """None if the shapes fit; otherwise a 'shape' or 'transposed' verdict."""
    rows, cols = expected.shape
    got = claim.shape
    what = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}[kind]
    if got == (rows, cols):
        return None
    if kind == "grad" and got == (cols, rows) and _all_equal(expected.T, claim):
        return Verdict("transposed", expected, claim,
                       f"the entries are right, but the gradient is a column ({rows} x 1) and the claim is a "
                       f"row (1 x {rows}): numerator vs denominator layout", "symbolic/numeric comparison of "
                       "the transpose", kind=kind, wrt=variables)
    other = _other_kind(kind, claim, variables, derivation, problem)
    if other is not None:
        return other
    if got == (cols, rows) and kind == "jacobian":
        note = "; its transpose is the Jacobian" if _all_equal(expected.T, claim) else ""
        return Verdict("transposed", expected, claim,
                       f"the Jacobian is {rows} x {cols} (row i = gradient of F_i) but the claim is "
                       f"{got[0]} x {got[1]}{note}", "shapes", kind=kind, wrt=variables)
    size = rows * cols
    return Verdict("shape", expected, claim,
                   f"the claimed {what} is {got[0]} x {got[1]} ({got[0] * got[1]} entries); with "
                   f"{len(variables)} variable(s) it must be {rows} x {cols} ({size} entries)",
                   "shapes", kind=kind, wrt=variables)


_WHAT = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}


def _other_kind(kind, claim, variables, derivation, problem):
    """A claim with the other kind's shape (the gradient where the Hessian was asked, or the other way):
    "wrong_kind", naming the derivative it is when it equals derive's own of that kind, else its shape."""
    n = len(variables)
    other = {"hessian": "grad", "grad": "hessian"}.get(kind)
    if other is None or isinstance(derivation.f, MatrixBase) or claim.shape not in {"grad": [(n, 1), (1, n)],
                                                                                     "hessian": [(n, n)]}[other]:
        return None
    try:
        truth = derive_problem(problem.about(derivation.f, variables), other, validate_result=False, plain=False).result
    except DeriveError:
        truth = None  # no derivative of the other kind to compare with: the shape alone speaks
    if truth is not None and _all_equal(truth, claim.reshape(*truth.shape)):
        text, evidence = (f"this is the {_WHAT[other]}; the question asks for the {_WHAT[kind]}",
                          "symbolic/numeric comparison with the " + _WHAT[other])
    else:
        rows, cols = derivation.result.shape
        text, evidence = ((f"the claim is {claim.shape[0]} x {claim.shape[1]}, the shape of a {_WHAT[other]}; the "
                           f"question asks for the {_WHAT[kind]} ({rows} x {cols})"), "shapes")
    return Verdict("wrong", derivation.result, claim, text, evidence, kind=kind, wrt=variables, mistake="wrong_kind")


def _all_equal(a, b):
    return all(compare(x, y, sorted(x.free_symbols | y.free_symbols, key=str), seconds=0.3).equal
               for x, y in zip(a, b))


def _compare_entries(derivation, expected, claim, symbols, kind, variables, seed, kinds=None):
    rows, cols = expected.shape
    wrong, evidences, first = [], set(), None
    for i in range(rows):
        for j in range(cols):
            domain = [_output(derivation.f, i if kind == "jacobian" else 0)]
            result = compare(expected[i, j], claim[i, j], symbols, seconds=0.5, seed=seed, domain=domain, kinds=kinds)
            if result.evidence.startswith("undecided"):
                raise DeriveError(f"cannot decide {derivation.entry_label(i, j)}: {result.evidence}")
            evidences.add(result.evidence.split(":")[0])
            if not result.equal:
                wrong.append((i, j))
                if first is None:
                    first = (i, j, result)
    if not wrong:
        evidence = ("symbolic: every entry's difference simplifies to 0" if evidences == {"symbolic"} else
                    "symbolic where simplification succeeded, numeric agreement to 25 digits at 30 random "
                    "points elsewhere")
        return Verdict("correct", expected, claim, _correct_text(kind, derivation), evidence, kind=kind,
                       wrt=variables)
    if rows == cols and rows > 1 and _all_equal(expected.T, claim):
        return Verdict("transposed", expected, claim,
                       f"the claim is the transpose of the {kind}: entry [i, j] must be dF_i/dx_j", "numeric",
                       *_counterexample(expected, claim, first), kind=kind, wrt=variables)
    details, mistakes = [], []
    for i, j in wrong:
        ctx = _Context(derivation, j if kind != "grad" else i, symbols, i, kinds)
        found = diagnosis.explain(expected[i, j], claim[i, j], ctx)
        details.append((derivation.entry_label(i, j), found.text))
        mistakes.append(found.mistake)
    explanation = _summarize(details, rows * cols)
    point, values = _counterexample(expected, claim, first)
    return Verdict("wrong", expected, claim, explanation,
                   "numeric: exact evaluation at the counterexample", point, values, kind=kind,
                   wrt=variables, details=details, mistake=mistakes[0], derivation=derivation)


def _output(f, i):
    return f[i] if isinstance(f, MatrixBase) else f


def _correct_text(kind, derivation):
    what = {"grad": "gradient", "jacobian": "Jacobian", "hessian": "Hessian"}[kind]
    if derivation.result.shape == (1, 1) and kind == "grad":
        what = "derivative"
    return f"the claimed {what} equals the derivative"


def _summarize(details, total):
    texts = {text for _, text in details}
    if len(details) == total and len(texts) == 1 and total > 1:
        return f"every entry: {details[0][1]}"
    parts = [f"{label}: {text}" for label, text in details]
    head = f"{len(details)} of {total} entries are wrong; " if total > 1 and len(details) > 1 else ""
    return head + "; ".join(parts)


def _counterexample(expected, claim, first):
    i, j, result = first
    point = result.point
    values = []
    for side in (expected[i, j], claim[i, j]):
        exact = as_basic(side).subs(point)
        values.append(exact if exact.is_Rational else numeric_value(side, point))
    return point, tuple(values)


def _shape_verdict(expected, claimed, message, kind):
    message = re.sub(r"^column \d+: ", "", message)
    return Verdict("shape", expected, claimed if not isinstance(claimed, str) else sympy.Symbol(claimed),
                   f"shape clash in the claim: {message}", "shapes", kind=kind or "grad")


def _expected_only(expr, wrt, ns, kind):
    """The derivative alone (for a claim that could not even be formed)."""
    try:
        problem = Problem.read(ns, expr, wrt)
        if _is_matrix_problem(expr, problem.wrt, ns, None):
            from .matrix import expected_derivative

            return expected_derivative(expr, problem.wrt, ns, kind)
        f = as_vector(expr) if kind == "jacobian" else as_scalar(expr)
        variables = scalar_variables(problem.wrt, f)
        return derive_problem(problem.about(f, variables), kind or "grad", plain=False).result
    except DeriveError:
        return expr


class _Context:
    """What the diagnosis rules may ask about one wrong entry."""

    def __init__(self, derivation, var_index, symbols, output=0, kinds=None):
        self.symbols = symbols
        self.var = derivation.wrt[var_index]
        f = derivation.f
        self.f = f[output] if isinstance(f, MatrixBase) else f
        self.domain = (self.f,)  # points where f is defined
        self.kinds = kinds or None  # declared data kinds (binary labels, ...)

    def inner_derivatives(self):
        seen, out = set(), []
        for node in sympy.preorder_traversal(self.f):
            inner = []
            if isinstance(node, sympy.Function):
                inner = list(node.args)
            elif isinstance(node, sympy.Pow):
                inner = [node.base]
            for u in inner:
                if u != self.var and self.var in u.free_symbols and u not in seen:
                    seen.add(u)
                    out.append((u, sympy.diff(u, self.var)))
            if len(out) >= 12:
                break
        return out

    def tidy(self, e):
        return tidy(e, 0.3)

    def constraints(self):
        """Families like y1, y2, y3: 'y1 + y2 + y3 = 1' (probabilities)."""
        families = {}
        for s in self.symbols:
            m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", s.name)
            if m:
                families.setdefault(m.group(1), []).append(s)
        for members in families.values():
            if len(members) < 2:
                continue
            members = sorted(members, key=lambda s: s.name)
            last, rest = members[-1], members[:-1]

            def restrict(point, last=last, rest=rest):
                point = dict(point)
                point[last] = 1 - sum(point[r] for r in rest)
                return point

            yield " + ".join(s.name for s in members) + " = 1", restrict
