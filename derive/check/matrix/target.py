"""What is differentiated by, and the problem that compares claims for it: a matrix symbol (numeric,
else exact instances), an element x[k] or a pair (a Hessian in index notation), or the scalars of a
sample or of a matrix expression."""

import sympy
from sympy import MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

from ...calculus.index import _index_derivative, diff_indexed
from ...calculus.matrix_rules import UnsupportedOperator
from ...calculus.targets import tensor_targets
from ...errors import DeriveError
from ...calculus.variables import Problem, scalar_variables
from ...text.printing import to_text
from ...validation.exact import ExactProblem
from ...validation.matrix_eval import NotEvaluable
from ...validation.exact import is_matrix
from .problem import NumericProblem


def _problem(expr, target, claim, ns, kind, seed):
    # index notation: derive's own derivative, which refuses (DeriveError) the forms whose derivative
    # depends on where the free index lies, as `grad` does
    if isinstance(target, tuple) and all(isinstance(t, sympy.Indexed) for t in target):
        return ExactProblem(expr, target, claim, ns, "hessian", display=_index_display(expr, target, "hessian", ns))
    if isinstance(target, sympy.Indexed):
        kind = kind or "grad"
        return ExactProblem(expr, target, claim, ns, kind, display=_index_display(expr, (target,), kind, ns))
    if isinstance(target, tuple) and _sample(expr, claim):
        return ExactProblem(expr, target, claim, ns, kind, display=_sample_display(expr, target, kind, claim, ns))
    if isinstance(target, tuple):
        return NumericProblem(expr, target, claim, ns, kind, seed)
    if isinstance(target, MatrixSymbol):
        try:
            problem = NumericProblem(expr, (target,), claim, ns, kind, seed)
            problem.points()
            problem.values(claim, problem.points()[0])  # the claim must be evaluable too
            return problem
        except (UnsupportedOperator, NotEvaluable):
            pass  # no rule, or no numeric evaluation: compare on explicit instances
    return ExactProblem(expr, target, claim, ns, kind)


def _index_display(expr, targets, kind, ns):
    """derive's own index-notation derivative (deltas contracted, sums tidied), as `grad` gives it;
    a form it refuses is refused here too (`DeriveError`), rather than compared on instances that fix
    the free index one way."""
    if not isinstance(expr, sympy.Expr):
        return None
    try:
        return _index_derivative(expr, targets, kind, ns)[0]
    except (TypeError, ValueError, AttributeError):
        _refuse_uncontractible(expr, targets if len(targets) > 1 else targets[0], ns)
        return None


def _sample(expr, claim):
    """Scalars of a sample: sums over array elements and no matrix symbols (mu in sum((x[i] - mu)**2, i))."""
    return all(not (isinstance(e, sympy.Basic) and e.atoms(MatrixSymbol)) for e in (expr, claim)) and \
        isinstance(expr, sympy.Expr) and expr.has(sympy.Sum, sympy.Indexed)


def _sample_display(expr, targets, kind, claim, ns):
    """derive's derivative with respect to a sample's parameters, where derive has one; else None
    (the problem then shows SymPy's derivative of the sums)."""
    from ...derivation.api import derive_problem

    n = len(targets)
    kind = kind or ("hessian" if n > 1 and is_matrix(claim) and tuple(claim.shape) == (n, n) else "grad")
    try:
        return derive_problem(Problem.within(ns, expr, targets), kind, validate_result=False).result
    except (DeriveError, TypeError, ValueError, AttributeError, NotImplementedError):
        return None


def _refuse_uncontractible(expr, target, ns):
    """Index notation: the forms whose derivative depends on where the free index lies (a free index
    or single entry in f, sums over different ranges) are refused, as `grad` refuses them, rather
    than compared on instances that fix that index one way."""
    targets = target if isinstance(target, tuple) else (target,)
    if not targets or not all(isinstance(t, sympy.Indexed) for t in targets) or not isinstance(expr, sympy.Expr):
        return
    for t in targets:
        expr = diff_indexed(expr, t, targets, ns.index_ranges)


def _target(wrt, ns, expr):
    """The matrix symbol or element to differentiate by, or a tuple of scalar symbols
    (derivatives of a matrix expression by scalars).  `wrt` is what the call's wrt names,
    read at its entrance (a tuple of SymPy objects), or None."""
    if wrt is not None and len(wrt) == 2 and all(isinstance(w, sympy.Indexed) for w in wrt) \
            and wrt[0].base == wrt[1].base:
        return tuple(wrt)  # a Hessian in index notation: d2f/dw[k]dw[l]
    if _sample(expr, None) and not _names_arrays(wrt):
        return scalar_variables(wrt, expr)  # scalars of a sample: mu, s2
    if not any(isinstance(w, (MatrixSymbol, sympy.Indexed, MatrixElement)) for w in wrt or ()):
        targets = tensor_targets(wrt, ns, expr)
        if targets and all(isinstance(t, sympy.Symbol) for t in targets):
            return tuple(targets)
    if wrt is None:
        raise DeriveError("say which variable to differentiate by (wrt=...)")
    if len(wrt) != 1:
        raise DeriveError("matrix and index notation are checked with respect to one variable at a time")
    if isinstance(wrt[0], (MatrixSymbol, sympy.Indexed)):
        return wrt[0]
    if isinstance(wrt[0], MatrixElement) and 1 in tuple(wrt[0].parent.shape):
        x = wrt[0].parent
        i = wrt[0].i if x.shape[1] == 1 else wrt[0].j
        raise DeriveError(f"'{to_text(x)}[{to_text(i)}]' is an element of the declared vector {to_text(x)}: check with "
                          f"respect to {to_text(x)} (a claim in matrix notation), or leave {to_text(x)} undeclared to "
                          "check in index notation")
    raise DeriveError(f"'{to_text(wrt[0])}' is not a declared matrix/vector or an element like x[k]")


def _names_arrays(wrt):
    """Does `wrt` name a matrix, an array or an element (x[k]) rather than scalars?"""
    return any(isinstance(w, (MatrixSymbol, sympy.Indexed, sympy.IndexedBase, MatrixElement)) for w in wrt or ())
