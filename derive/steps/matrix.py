"""Matrix-notation steps, in differentials, from the rule table of matrix_rules.py.

    d(x.T@A@x)
      product rule                  = d(x.T)@A@x + x.T@A@dx
      differential of the transpose = dx.T@A@x + x.T@A@dx
      trace/cyclic rule             = (A@x).T@dx + (A.T@x).T@dx
      collect                       = ((A + A.T)@x).T@dx
      identification               => grad f = (A + A.T)@x

Each matrix operator's differential is its DIFF rule in derive/matrix_rules.py,
named and stated by the WORDING table there (`matrix_rules.differential`),
so the table that computes the gradient also explains it.  A scalar function
of traces and determinants (log det X, tr(...)/2) is differentiated by the
scalar rule table (scalar.py) in its matrix atoms.  When no pending
differential is left, each term is written as tr(G.T dX) (for a vector,
g.T dx; for a Jacobian, J dx) — the trace/cyclic rule, with the coefficient
computed by the same VJP table — the coefficients are collected, and the
gradient is read off: df = tr(G.T dX) for every dX means grad f = G.
Every line is checked on instances (verify.check_matrix_chain).
"""

import sympy
from sympy import Add, Derivative, MatAdd, MatrixExpr, Mul, Symbol, Trace, ZeroMatrix

from ..calculus import matrix as matrix_calculus
from ..errors import DeriveError, LimitError
from ..calculus.matrix import _matrix_atoms
from ..calculus.matrix_rules import UnsupportedOperator, differential
from .differentials import PENDING, MatrixDifferential, ScalarDifferential, variable_differential
from ..present.formulas import text
from .scalar import outermost, rewrite
from .step import Step, Steps
from .verify import check_matrix_chain

MAX_STEPS = 100
_CHECKED = "each line equals the next on instances (sizes 2 and 3), with d(...) the directional derivative along dX"


def matrix_steps(d):
    """`Steps` for a derivation in matrix notation (gradient, Jacobian or Hessian)."""
    (X,) = d.wrt
    taken = {m.name for m in _symbols(d.f)}
    dX = variable_differential(X, taken)
    name = X.name
    if d.kind == "grad":
        return Steps([matrix_chain(d.f, X, dX, d.result, f"df/d{name}", "gradient")], checked=_CHECKED)
    if d.kind == "jacobian":
        return Steps([matrix_chain(d.f, X, dX, d.result, f"dF/d{name}", "jacobian")], checked=_CHECKED)
    gradient = matrix_calculus.gradient(d.f, X)
    return Steps([matrix_chain(d.f, X, dX, gradient, f"df/d{name}", "gradient"),
                  matrix_chain(gradient, X, dX, d.result, f"d2f/d{name}d{name}", "hessian")], checked=_CHECKED)


def _symbols(expr):
    return expr.atoms(sympy.MatrixSymbol) if isinstance(expr, sympy.Basic) else set()


class _Differentiator:
    """d(child) for the rules: dX, a pending differential, or None for a constant."""

    def __init__(self, X, dX):
        self.X, self.dX = X, dX

    def __call__(self, child):
        if child == self.X:
            return self.dX
        if not isinstance(child, sympy.Basic) or not child.has(self.X):
            return None
        if isinstance(child, Trace) and tuple(child.arg.shape) == (1, 1):
            return Trace(MatrixDifferential(child.arg))  # x.T*A*x is its own trace: no trace step
        if isinstance(child, MatrixExpr):
            return MatrixDifferential(child)
        return ScalarDifferential(child)


def matrix_chain(f, X, dX, target, label, what):
    """(label, start, steps) from d f to `target` (the gradient, Jacobian or Hessian), checked."""
    d = _Differentiator(X, dX)
    start = d(f)
    steps, current = [], start
    if start is None:  # f free of X (the gradient of a linear function): d f = 0
        pending = MatrixDifferential if isinstance(f, MatrixExpr) else ScalarDifferential
        start, current = pending(f), ZeroMatrix(*f.shape) if isinstance(f, MatrixExpr) else sympy.S.Zero
        steps.append(Step("constant rule", start, current, f"{text(f)} does not depend on {X.name}", label, "matrix"))
    while True:
        nodes = _pending(current)
        if not nodes:
            break
        if len(steps) >= MAX_STEPS:
            raise LimitError(f"the derivation of {label} needs more than {MAX_STEPS} steps")
        rewrites = [_rewrite(node, d) for node in nodes]
        rule = rewrites[0][0]
        chosen = [r for r in rewrites if r[0] == rule]
        after = current.xreplace({node: replacement for _, node, replacement, _ in chosen})
        note = "; ".join(dict.fromkeys(n for *_, n in chosen if n))
        steps.append(Step(rule, current, after, note, label, "matrix"))
        current = after
    identified = _identified(target, dX, what)
    arranged = _arranged(current, dX, what)
    if arranged is not None and text(arranged) != text(current):
        steps.append(Step("trace/cyclic rule" if what == "gradient" else "dx on the right", current, arranged,
                          _ARRANGE_NOTES[what], label, "matrix"))
        current = arranged
    if text(current) != text(identified):
        steps.append(Step("collect", current, identified, "the coefficients of the differential add up", label,
                          "matrix"))
        current = identified
    relation = {"gradient": "=> grad f =", "jacobian": "=> J =", "hessian": "=> H ="}[what]
    steps.append(Step("identification", current, target, _IDENTIFY_NOTES[what], label, "matrix", relation))
    exprs = [start] + [s.after for s in steps[:-1]] + [identified]
    check_matrix_chain(exprs, steps, X, dX, label)
    return label, start, steps


_ARRANGE_NOTES = {
    "gradient": "each term as tr(G.T dX): a 1 x 1 term equals its transpose, and tr(A B) = tr(B A)",
    "jacobian": "each term as J dx: a o (B dx) = diag(a) B dx",
    "hessian": "each term as H dx: a o (B dx) = diag(a) B dx",
}
_IDENTIFY_NOTES = {
    "gradient": "df = tr(G.T dX) for every dX means grad f = G (for a vector: df = g.T dx, grad f = g)",
    "jacobian": "dF = J dx for every dx means the Jacobian is J",
    "hessian": "d(grad f) = H dx for every dx means the Hessian is H",
}


def _pending(expr):
    """Pending differentials, outermost first."""
    return outermost(expr, PENDING)


def _rewrite(node, d):
    """(rule, node, replacement, note) for one pending differential."""
    arg = node.args[0]
    found = differential(arg, d)
    if found is not None:
        rule, identity, replacement = found
        return rule, node, replacement if replacement is not None else sympy.S.Zero, identity
    if isinstance(arg, MatrixExpr):
        raise UnsupportedOperator(f"no differential rule for {type(arg).__name__} ({text(arg)})")
    return _scalar_rewrite(node, arg, d)


def _scalar_rewrite(node, s, d):
    """d of a scalar function of traces and determinants: the scalar rules, in its atoms."""
    atoms = [a for a in _matrix_atoms(s) if a.has(d.X)]
    if len(atoms) == 1:
        u = Symbol("u", real=True)
        plain = s.xreplace({atoms[0]: u})
        _, found = rewrite(Derivative(plain, u), u)
        replacement = sympy.diff(plain, u).xreplace({u: atoms[0]}) * d(atoms[0])
        note = found.note + (f", with u = {text(atoms[0])}" if "u" in found.note.replace("d/du", "") else "")
        return found.rule, node, replacement, note
    dummies = [sympy.Dummy("a") for _ in atoms]
    plain = s.xreplace(dict(zip(atoms, dummies)))
    back = dict(zip(dummies, atoms))
    replacement = Add(*(sympy.diff(plain, t).xreplace(back) * d(a) for t, a in zip(dummies, atoms)))
    if isinstance(plain, Add):
        return "sum rule", node, replacement, "term by term"
    return "chain rule", node, replacement, "a function of several traces/determinants: each partial times its d(...)"


def _terms(e):
    """The additive terms of a differential, with traces of 1 x 1 sums split."""
    if isinstance(e, Add):
        return [t for a in e.args for t in _terms(a)]
    if isinstance(e, Mul):
        inner = [a for a in e.args if isinstance(a, sympy.Basic) and a.free_symbols and _has_matrix(a)]
        if len(inner) == 1:
            coeff = e / inner[0]
            return [coeff * t for t in _terms(inner[0])]
    if isinstance(e, Trace) and isinstance(e.arg, MatAdd):
        return [t for a in e.arg.args for t in _terms(Trace(a))]
    if isinstance(e, MatAdd):
        return [t for a in e.args for t in _terms(a)]
    return [e]


def _has_matrix(e):
    return bool(e.atoms(sympy.MatrixSymbol))


def _identified(G, dX, what):
    if what == "gradient":
        return _trace_form(G, dX)
    return G * dX


def _trace_form(G, dX):
    """tr(G.T dX) with G's scalar factor outside, so that equal terms combine visibly."""
    coeff, mats = G.as_coeff_matrices() if isinstance(G, sympy.MatMul) else (sympy.S.One, [G])
    M = mats[0] if len(mats) == 1 else sympy.MatMul(*mats)
    return coeff * Trace(M.T * dX)


def _arranged(expr, dX, what):
    """Each term of the differential as tr(G.T dX) (or J dX), or None if a coefficient is out of reach."""
    try:
        if what == "gradient":
            return Add(*(_trace_form(matrix_calculus.gradient(t, dX), dX) for t in _terms(expr)))
        return MatAdd(*(matrix_calculus.jacobian(t, dX) * dX for t in _terms(expr)))
    except (DeriveError, TypeError, ValueError, AttributeError):
        return None


__all__ = ["matrix_chain", "matrix_steps"]
