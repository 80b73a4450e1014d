"""A diagnosed sign or factor (`Verdict.detail`) pinned to the pending derivative where making it gives
the claim: the derivation rebuilt with that mistake at one node at a time, deepest first, and compared
with the claim on instances."""

import sympy
from sympy import Derivative

from ...calculus.simplify import tidy
from ...errors import DeriveError
from ...present.formulas import text
from .finding import StepFinding
from .scalar import _TIDY_SECONDS


def _index_derivative(target, ns):
    """d/d target of an index expression, deltas contracted and sums tidied (derive's own)."""
    from ...calculus.index import diff_indexed, tidy_index

    return lambda g: sympy.factor_terms(tidy_index(diff_indexed(g, target, ranges=ns.index_ranges)))


def _scalar_derivative(target):
    """d/d target of an expression in a scalar parameter (sums over a sample kept as sums)."""
    return lambda g: sympy.factor_terms(tidy(sympy.diff(g, target), _TIDY_SECONDS))


_CANDIDATES = 4  # derivations with the mistake made at one node, compared with the claim (deepest first)


def _mistake_at_node(f, target, detail, problem, claim, label, derivative, others=0):
    """The deepest pending derivative of f's derivation at which making the diagnosed mistake
    (`detail`: a flipped sign, a factor k, a factor of f left out) gives the claim, less `others`
    (the derivatives of f's other terms, when f is one term of a sum): a `StepFinding`, or None."""
    from ...steps.scalar import derivative_steps

    start, steps, _ = derivative_steps(f, target, label)
    inner = {du: u for step in steps for part in step.parts for u, du in part.inner}
    candidates = []
    for k, step in enumerate(steps):
        for part in step.parts:
            node = part.node
            if not isinstance(node, Derivative) or isinstance(node.expr, (sympy.Indexed, sympy.Symbol)) \
                    or node == start:
                continue
            try:
                truth = derivative(node.expr)
            except (DeriveError, TypeError, ValueError):
                continue  # a delta this node alone cannot contract: its derivative is not a step's
            q = _with_mistake(truth, detail)
            if q is not None:
                candidates.append((k, node, truth, q))
    for k, node, truth, q in sorted(candidates, key=lambda c: -c[0])[:_CANDIDATES]:
        line = steps[k].before.xreplace({node: q})
        if not problem.equal(claim, reference=others + line, seed=5):
            continue
        what, value = detail
        if node in inner and what == "missing factor" and q == 1:
            words = f"the chain rule's inner derivative {text(node)} = {text(truth)} is missing"
        else:
            head = "the chain rule's inner derivative" if node in inner else f"{steps[k].rule}:"
            tail = _factor_words(value, " here") if what == "factor" else \
                f" (the factor {text(value)} is dropped here)" if what == "missing factor" else ""
            words = f"{head} {text(node)} = {text(truth)}; the claim has {text(q)}{tail}"
        return StepFinding(label, steps[k], truth, q, words)
    return None


def _factor_words(c, where=""):
    """" (the sign is lost here)", " (the factor 2 is lost)", ...: what c times the truth amounts to."""
    c = sympy.sympify(c)
    if not c.is_Rational:
        return f" ({text(c)} times the truth{where})"
    if c == -1:
        return f" (the sign is lost{where})"
    if c > 0 and c.p == 1 and c.q > 1:
        return f" (the factor {c.q} is lost{where})"
    if c > 1 and c.q == 1:
        return f" (an extra factor {c}{where})"
    return f" ({text(c)} times the truth{where})"


def _with_mistake(truth, detail):
    """`truth` as it would be with the diagnosed mistake made there, or None where that mistake
    cannot have happened (no minus sign to lose, no factor 2 to drop, no c[i] to leave out)."""
    what, value = detail
    if what == "factor":
        coefficient = truth.as_coeff_Mul()[0]
        if value == -1 and not truth.could_extract_minus_sign():
            return None
        if value != -1 and abs(coefficient) in (0, 1):
            return None
        return value * truth
    if what == "missing factor":
        factors = sympy.Mul.make_args(truth)
        if value not in factors:
            return None
        return sympy.Mul(*(m for m in factors if m != value))
    return None
