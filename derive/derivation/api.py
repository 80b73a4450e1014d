"""`differentiate` (and `grad`, `jacobian`, `hessian`): read once, derive, check, return.

    text or SymPy -> one Problem (calculus/variables.read_problem: the only reading of text)
    -> `derive_problem`: the rule tables (calculus/) -> budgeted simplification
    -> a numeric check (validation/) -> `Derivation`

Scalars go through `calculus.scalar`; a matrix symbol, an element x[k] or a
scalar of a matrix expression through `differentiate_tensor` (matrix and index
notation).  Nothing is returned unchecked unless ``validate=False``.  Callers
that read their input themselves (`derive.check`, kernels) call `derive` with
`derive_problem`, so nothing below the entrance reads text again.
"""

import sympy
from sympy import Indexed, MatrixSymbol

from ..calculus.index import _index_derivative
from ..calculus.powers import substitute as change_of_variables
from ..calculus.reals import RealView
from ..calculus.scalar import ScalarDerivative
from ..calculus.simplify import MATRIX_SECONDS, tidy_matrix
from ..calculus.textbook import logistic_form
from ..calculus.variables import read_problem, scalar_variables
from ..calculus.sums import as_index_form, has_index_sums, tidy_sums
from ..calculus.targets import (
    _check_shapes,
    _check_uses,
    matrix_derivative,
    properties_of,
    scalar_derivative,
    symmetric_matrices,
    tensor_targets,
)
from ..errors import DeriveError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..text.namespace import Namespace
from ..text.inputs import as_scalar, as_vector
from ..validation.matrix_eval import NotEvaluable
from ..validation.numeric import validate_all
from ..validation import unspecified
from ..validation.samples import verify_samples
from ..validation.tensor import verify, verify_index, verify_numerically
from .elements import index_problem, matrix_problem
from .result import Derivation



def differentiate(f, wrt=None, kind="grad", *, validate_result=True, simplify=True, symbols=None,
                  limits=DEFAULT_LIMITS, points=3, seed=0):
    """Derive `kind` ("grad", "jacobian" or "hessian") of `f` and return a `Derivation`.

    >>> d = differentiate("x**2 + y**3", "x, y")
    >>> d.result.T
    Matrix([[2*x, 3*y**2]])
    >>> d.report.status
    'ok'
    """
    _require_kind(kind)
    with time_budget(limits.seconds, f"computing the {kind}"):
        problem = read_problem(f, wrt, symbols)  # the one pass from what the user typed to SymPy
        return derive_problem(problem, kind, validate_result=validate_result, simplify=simplify, limits=limits,
                              points=points, seed=seed)


def derive_problem(problem, kind, *, validate_result=True, simplify=True, limits=DEFAULT_LIMITS, points=3, seed=0,
                   plain=True):
    """The `Derivation` of a `calculus.variables.Problem` (f and wrt already SymPy): what `differentiate`
    does after reading its input, for callers that read theirs themselves.  With ``plain=False``
    the symbols stay as they are in the problem (a caller comparing with its own objects).
    Within the time budget of `limits`, or a caller's earlier one."""
    _require_kind(kind)
    with time_budget(limits.seconds, f"computing the {kind}"):  # nested in a caller's: the earlier deadline
        return _derive_problem(problem, kind, validate_result, simplify, limits, points, seed, plain)


def _derive_problem(problem, kind, validate_result, simplify, limits, points, seed, plain):
    namespace, expr, wrt = problem.namespace, problem.f, problem.wrt
    back = namespace if plain else None  # the namespace whose text-made names come back plain
    user_f = expr
    expr, wrt, powers = change_of_variables(expr, wrt, namespace)  # wrt sigma^2: v = sigma^2
    elements = index_problem(expr, wrt, namespace)  # -log(softmax(z)[c]) with z: K, wrt z
    if elements is None:
        expr = matrix_problem(expr, namespace) or expr  # logdet(P) + sum(P[j,k]*S[j,k], j, k): matrix notation
    if elements is not None:
        expr, targets = elements
        result, report, variables = differentiate_tensor(expr, targets, kind, namespace, validate_result, seed)
        return _derivation(back, None, kind, expr, variables, result, report)
    targets = tensor_targets(wrt, namespace, expr)
    if targets is not None and all(isinstance(t, sympy.Symbol) for t in targets):
        # scalars of a sum over a declared vector's elements (x: n, then x[i]): index notation
        indexed = as_index_form(expr)
        if indexed is not expr and not indexed.atoms(MatrixSymbol):
            expr, targets, user_f = indexed, None, as_index_form(user_f)
    if targets is not None and powers:
        raise DeriveError("a power of a variable (sigma^2) is a variable of scalar calculus and of sums over "
                          "data; here f is in matrix notation: differentiate by the variable itself")
    if targets is not None:  # matrix notation (wrt a matrix symbol) or index notation (wrt x[k])
        result, report, variables = differentiate_tensor(expr, targets, kind, namespace, validate_result, seed)
        return _derivation(back, None, kind, expr, variables, result, report)
    shaped = as_vector if kind == "jacobian" else as_scalar
    expr, user_f = shaped(expr, "F" if kind == "jacobian" else "f"), \
        shaped(user_f, "F" if kind == "jacobian" else "f")
    wrt = scalar_variables(wrt, expr)
    view = RealView(expr, wrt)  # derive works over the reals; the user gets their own symbols back
    expr, wrt = view.real(expr), view.real(wrt)
    rule = ScalarDerivative(kind, expr, wrt)
    result = rule.result
    sample = has_index_sums(expr)  # parameters of a sample: sum((x[i] - mu)**2, i) wrt mu
    if simplify and not rule.polynomial:  # a polynomial's derivatives are already in their form
        result = tidy_sums(result) if sample else \
            tidy_matrix(result, seconds=min(MATRIX_SECONDS, limits.seconds / 4), symmetric=kind == "hessian")
        result = logistic_form(result)
    report = None
    if validate_result:
        report = _for_each_g(lambda f, r: _check_rule(rule, f, r, points=points, seed=seed,
                                                      namespace=namespace if sample else None),
                             expr, result, seed)
    if powers:
        return _derivation(back, view, kind, user_f, powers.wrt(wrt), powers.to_old(result), report, powers)
    return _derivation(back, view, kind, expr, wrt, result, report)


def _require_kind(kind):
    if kind not in ("grad", "jacobian", "hessian"):
        raise DeriveError(f"kind must be 'grad', 'jacobian' or 'hessian', got {kind!r}")


def _derivation(namespace, view, kind, f, wrt, result, report, change=None):
    """The one `Derivation` of a call: in the user's own symbols (`view`: derive works over the
    reals), and with the names that only the text introduced as plain Symbols (Namespace.plain),
    so that d.result.subs(Symbol("x"), 2) works; steps, values and kernels take either."""
    parts = [f, wrt, result]
    if view is not None:
        parts = view.user(parts)
    if isinstance(namespace, Namespace):
        parts = namespace.plain(parts)
    d = Derivation(kind, *parts, report, change)
    if isinstance(namespace, Namespace):  # kernels validated against autodiff need to know (export.py)
        d.symmetric = tuple(sorted(M.name for M in symmetric_matrices(properties_of(d.f, namespace))))
    return d


def differentiate_tensor(expr, targets, kind, namespace, validate=True, seed=0):
    """(result, report, variables) for a derivative in matrix or index notation."""
    first = targets[0]
    if isinstance(first, Indexed):
        result, pair = _index_derivative(expr, targets, kind, namespace)
        report = _for_each_g(lambda f, r: verify_index(f, pair, r, kind, namespace, seed), expr, result, seed) \
            if validate else None
        return result, report, pair if isinstance(pair, tuple) else (pair,)
    _check_uses(expr, targets)
    _check_shapes(expr, targets, kind)
    properties = properties_of(expr, namespace)
    if isinstance(first, MatrixSymbol):
        if len(targets) != 1:
            raise DeriveError("differentiate with respect to one matrix or vector at a time")
        checks = matrix_derivative(expr, first, kind, symmetric_matrices(properties))
    else:
        checks = scalar_derivative(expr, tuple(targets), kind, symmetric_matrices(properties))
    result = checks[-1][1]
    report = None
    if validate:
        try:
            for round_checks in _checks_for_each_g(checks, seed):
                report = verify_numerically(round_checks, tuple(targets), properties, seed,
                                            row=kind == "jacobian")
        except NotEvaluable:
            if not isinstance(first, MatrixSymbol):
                raise
            report = verify(expr, first, result, kind, namespace, seed)  # exact, on explicit instances
    return result, report, tuple(targets)


def _for_each_g(check, expr, result, seed):
    """`check(f, result)`, once; with unspecified functions (g: function), once per round of
    concrete functions standing for them (validation/unspecified.py).  The last report."""
    report = None
    for f, r in unspecified.instances(expr, result, seed):
        report = check(f, r)
    return report


def _checks_for_each_g(checks, seed):
    """The (F, dF) pairs of a matrix-notation derivative, per round of concrete functions."""
    functions = unspecified.unspecified_functions(*(e for pair in checks for e in pair))
    if not functions:
        return [checks]
    return [[(unspecified.with_functions(F, m), unspecified.with_functions(dF, m)) for F, dF in checks]
            for m in unspecified.concrete_choices(functions, seed)]


def _check_rule(rule, expr, result, *, points=3, seed=0, namespace=None):
    """Validate a derivative the rule table took (`calculus.scalar`) numerically, in one check; for
    a Hessian also the gradient it comes from.  With a `namespace`, f has index sums and is checked
    with the sums written out."""
    functions, claimed = rule.functions(expr, result)
    checks = [(functions, claimed, rule.kind)]
    if rule.kind == "hessian":
        checks.insert(0, (sympy.Matrix([expr]), functions.T, "gradient"))
    if namespace is not None:
        return verify_samples(checks, rule.wrt, namespace, seed=seed)
    return validate_all([(f, rule.wrt, c, what, None) for f, c, what in checks], points=points, seed=seed)[-1]


def grad(f, wrt=None, *, validate=True, simplify=True, symbols=None):
    """Gradient of a scalar `f` as an n x 1 Matrix (n = number of variables).

    `f` is text or SymPy; `wrt` a Symbol, list of Symbols, or text "x y".
    The result is checked by finite differences unless ``validate=False``.

    >>> grad("x**2 + y**3", "x y").tolist()
    [[2*x], [3*y**2]]
    """
    return differentiate(f, wrt, "grad", validate_result=validate, simplify=simplify, symbols=symbols).result


def jacobian(F, wrt=None, *, validate=True, simplify=True, symbols=None):
    """Jacobian of a vector `F` (m entries) as an m x n Matrix; row i is F_i's gradient.

    >>> jacobian("[2*x*y, x**2*y]", "x y").tolist()
    [[2*y, 2*x], [2*x*y, x**2]]
    """
    return differentiate(F, wrt, "jacobian", validate_result=validate, simplify=simplify, symbols=symbols).result


def hessian(f, wrt=None, *, validate=True, simplify=True, symbols=None):
    """Hessian of a scalar `f` as an n x n symmetric Matrix.

    >>> hessian("x**2*y", "x y").tolist()
    [[2*y, 2*x], [2*x, 0]]
    """
    return differentiate(f, wrt, "hessian", validate_result=validate, simplify=simplify, symbols=symbols).result
