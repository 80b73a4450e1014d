"""Which step a wrong claim went wrong at: `Verdict.step`.

Scalar notation.  Each derivative still to be taken, d/dx(u), enters the
derivation linearly: the line where it appears is A + B d/dx(u) once the
other derivatives are evaluated.  If the claim c were that line with d/dx(u)
replaced by some q, then q = (c - A)/B.  A q as simple as the true d/dx(u)
pins the mistake to that step:

    sigmoid(w*x + b), claim sigmoid'*w   "the chain rule's inner derivative of w*x + b is x; the claim has w"
    x**2 + y**3, claim fy = 2*y          "power rule: d/dy(y**3) = 3*y**2; the claim has 2*y"
    sin(x**2), claim cos(x**2)           "the chain rule's inner derivative d/dx(x**2) = 2*x is missing"

The step nearest the start that explains the claim wins (ties: the simplest
q); when none does, the first step is named with the whole claim.

Index notation: the claim is compared with subsets of the product rule's
delta terms ("d/dx[k] hits both x[i] and x[j]; the claim keeps only ...").
For a sign, a factor or a factor of f's left out (what the diagnosis found,
`Verdict.detail`), the derivation is rebuilt with that mistake made at one
pending derivative at a time, deepest first, and compared with the claim on
instances: "the chain rule's inner derivative d/dw[k](-y[i]*s) = -x[i, k]*y[i];
the claim has x[i, k]*y[i] (the sign is lost here)".
Matrix notation: the claim is compared, on instances, with the derivation
in which one factor of one term's coefficient (or of the gradient) is
transposed ("the trace/cyclic rule writes x.T@W@dx as (W.T@x).T@dx ...").

A sum of terms (matrix notation, a sum over a sample, index notation): each
term of f is differentiated on its own (derive's own rules), and the claim is
compared, at the check's own points, with the derivative in which one term's
derivative d t_j is replaced by c*d t_j (c = 0, -1, 1/2, 2, ...: found from the
values, then confirmed by the check's comparison) or by d t_j with one factor
transposed:

    norm(X@w - y)**2 + lam*norm(w)**2, claim 2*X.T@(X@w - y) + lam*w
        "sum rule (each term is differentiated on its own): the derivative of the term
         lam*w.T@w is 2*lam*w; the claim has lam*w (the factor 2 is lost)"

Within the term, a sign or a factor is then pinned to the deepest pending
derivative where making it gives the claim (as for index notation above), and
a product of matrices with the variable in two places names the product rule's
terms ("the product rule: d/dx(x.T@A@x) = A@x + A.T@x; the claim has 2*A@x,
which is this only when A is symmetric").  A single term with a leading minus
whose derivative the claim has with the other sign lost that minus.
"""

import itertools
import random
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Derivative, MatrixBase, MatrixSymbol

from ..validation.equivalence import numeric_search
from ..errors import DeriveError
from ..text.budgets import attempt, remaining
from ..calculus.simplify import tidy
from ..present.formulas import text
from ..steps.scalar import pending, recognize
from ..steps.step import Step

SECONDS = 3.0  # the step only adds words: it never holds the answer up long


@dataclass
class StepFinding:
    """The step where a claim departs from the derivation.

    ``entry``: the entry's label; ``step``: the `Step` (checked) at which the
    claim and the derivation part; ``expected``/``claimed``: what that step
    gives and what the claim amounts to there; ``text``: one sentence.
    """

    entry: str
    step: Step
    expected: object
    claimed: object
    text: str

    def __str__(self):
        return self.text

    def to_dict(self):
        return {"entry": self.entry, "rule": self.step.rule, "text": self.text,
                "expected": text(self.expected), "claimed": text(self.claimed), "step": self.step.to_dict()}


# mistakes no step of the derivation makes: the claim uses an index no sum binds, or answers another question
_NO_STEP = ("index_unbound", "wrong_kind", "shape")


def locate(f, verdict, namespace=None, definitions=None):
    """A `StepFinding` for a wrong verdict, or None (never raises: it only adds words)."""
    if verdict.ok or verdict.status == "shape" or verdict.mistake in _NO_STEP:
        return None
    if verdict.mistake == "needs_assumption" and not (_is_index(verdict) or _is_matrix(verdict)):
        return None  # right under a condition on the data: no step of the scalar derivation departs

    def run():
        try:
            if _is_index(verdict):
                return _locate_index(f, verdict, namespace)
            if _is_matrix(verdict):
                return _locate_matrix(f, verdict, namespace)
            if _is_sample(f, verdict):
                found = _locate_sample(f, verdict, namespace)
                if found is not None:
                    return found
            return _locate_components(f, verdict, definitions or {})
        except (DeriveError, TypeError, ValueError, AttributeError, NotImplementedError, ArithmeticError, IndexError,
                KeyError):
            return None

    seconds = min(SECONDS, remaining(SECONDS) - 2.0)  # leave the check its own time: this only adds words
    return attempt(run, seconds, None) if seconds >= 1.0 else None


def _is_index(verdict):
    return any(isinstance(w, sympy.Indexed) for w in verdict.wrt)


def _is_matrix(verdict):
    return any(isinstance(w, MatrixSymbol) for w in verdict.wrt)


def _is_sample(f, verdict):
    """Scalar parameters of sums over a sample (mu in sum((x[i] - mu)**2, i)), checked on instances."""
    return (isinstance(f, sympy.Expr) and f.has(sympy.Sum, sympy.Indexed) and not f.atoms(MatrixSymbol)
            and all(isinstance(w, sympy.Symbol) for w in verdict.wrt) and verdict.kind == "grad")


# ---------------------------------------------------------------------------
# scalar notation


def _locate_components(f, verdict, definitions):
    from ..derivation.api import differentiate
    from ..steps.explain import scalar_chain

    expected, claim = verdict.expected, verdict.claimed
    if not isinstance(expected, MatrixBase) or not isinstance(claim, MatrixBase) or expected.shape != claim.shape:
        return None
    d = verdict.derivation or differentiate(f if verdict.kind != "jacobian" else sympy.Matrix(f), verdict.wrt,
                                            verdict.kind, validate_result=False)
    for i in range(expected.rows):
        for j in range(expected.cols):
            e, c = expected[i, j], claim[i, j]
            symbols = sorted(e.free_symbols | c.free_symbols, key=str)
            if numeric_search(e, c, symbols, 4)[0] is None:
                continue
            g, x = _entry_function(d, i, j)
            label = d.entry_label(i, j)
            _, start, steps = scalar_chain(g, x, e, label)
            return _locate_in_chain(start, steps, x, c, label, definitions)
    return None


def _entry_function(d, i, j):
    """(function, variable) whose derivative is entry (i, j)."""
    if d.kind == "grad":
        return d.f, d.wrt[i]
    if d.kind == "jacobian":
        return d.f[i], d.wrt[j]
    return tidy(sympy.diff(d.f, d.wrt[i]), 1.0), d.wrt[j]


def _locate_in_chain(start, steps, x, claim, label, definitions):
    rewritten_by = {part.node: part for step in steps for part in step.parts}
    depth = {start: 0}
    candidates = []
    for k, step in enumerate(steps):
        for part in step.parts:
            for node in pending(part.replacement, x):
                depth.setdefault(node, depth.get(part.node, 0) + 1)
                found = _explains(node, step.after, claim, x)
                if found is not None:
                    q, truth = found
                    candidates.append((depth[node], sympy.count_ops(q), k, part, node, q, truth))
    if candidates:
        _, _, k, part, node, q, truth = min(candidates, key=lambda c: c[:3])
        shown = _in_user_terms(q, definitions)
        inner = dict((du, u) for u, du in part.inner)
        if node in inner:
            u = inner[node]
            if q == 1:
                words = f"the chain rule's inner derivative d/d{text(x)}({text(u)}) = {text(truth)} is missing"
            else:
                words = f"the chain rule's inner derivative of {text(u)} is {text(truth)}; the claim has {text(shown)}"
            return StepFinding(label, steps[k], truth, shown, words)
        rule = rewritten_by.get(node)
        where = next((s for s in steps if rule is not None and rule in s.parts), steps[k])
        name = f"{rule.rule}: " if rule is not None and rule.rule not in ("sum rule", "constant factor") else ""
        words = f"{name}{text(node)} = {text(truth)}; the claim has {text(shown)}"
        return StepFinding(label, where, truth, shown, words)
    if not steps:
        return None
    first = next((s for s in steps if s.parts and s.rule != "simplify" and "recognized" not in s.rule), steps[0])
    truth = steps[-1].after
    shown = _in_user_terms(claim, definitions)
    how = f" ({first.note})" if first.note and not first.note.startswith(first.rule) else ""
    return StepFinding(label, first, truth, shown, f"{first.rule}{how}: {text(start)} = {text(truth)}; "
                                                   f"the claim has {text(shown)}")


def _explains(node, line, claim, x):
    """(q, true value) if the claim is `line` with `node` replaced by a q as simple as the truth; else None."""
    t = sympy.Dummy("t")
    E = line.xreplace({node: t}).doit()
    B = sympy.diff(E, t)
    if B == 0 or sympy.diff(B, t) != 0:
        return None
    A = E.subs(t, 0)
    q = claim if (A, B) == (0, 1) else tidy((claim - A) / B, _TIDY_SECONDS)
    truth = _truth(node)
    if q.has(Derivative) or not q.free_symbols <= node.expr.free_symbols:
        return None  # a derivative of u is a function of what u depends on
    budget = max(sympy.count_ops(truth), sympy.count_ops(node.expr)) + 2
    if sympy.count_ops(recognize(q)[0]) > budget:
        return None
    symbols = sorted(q.free_symbols | truth.free_symbols, key=str)
    if numeric_search(truth, q, symbols, 4)[0] is None:
        return None  # the claim agrees with the derivation here
    return q, truth


_TIDY_SECONDS = 0.15  # per candidate node: enough for the short q that pins a step; a long one never does
_TRUTHS = {}


def _truth(node):
    """The value of a pending derivative, tidied once (the same nodes recur across entries)."""
    if node not in _TRUTHS:
        if len(_TRUTHS) > 256:
            _TRUTHS.clear()
        _TRUTHS[node] = tidy(node.doit(), _TIDY_SECONDS)
    return _TRUTHS[node]


def _in_user_terms(q, definitions):
    """q written with the claim's own abbreviations (s for 1/(1 + exp(-z)))."""
    for symbol, value in definitions.items():
        named, names = recognize(value)
        if names:
            q, _ = recognize(q)
        q = q.xreplace({named: symbol, value: symbol})
    return q


# ---------------------------------------------------------------------------
# index notation


def _locate_index(f, verdict, ns):
    from ..validation.exact import ExactProblem
    from ..calculus.index import occurrence_terms
    from ..calculus.index import tidy_index
    from ..steps.index import index_chain

    target = verdict.wrt[0]
    if len(verdict.wrt) != 1 or verdict.kind != "grad":
        return None
    claim = verdict.claimed
    problem = ExactProblem(f, target, claim, ns, "grad")
    label = f"df/d{text(target)}"
    if verdict.detail is not None:  # the diagnosed sign or factor, at a pending derivative of f (cheap: first)
        found = _mistake_at_node(f, target, verdict.detail, problem, claim, label, _index_derivative(target, ns))
        if found is not None:
            return found
    if len([t for t in _split_terms(f, target) if _depends(t, target)]) > 1:
        terms = _Terms(f, target, claim, problem, _index_derivative(target, ns), _exact_values(problem, claim))
        found = _locate_terms(terms, f, target, claim, problem, label, "index")
        if found is not None or verdict.detail is not None:
            return found
    elif verdict.detail is not None:
        return None
    terms = occurrence_terms(f, target)
    if len(terms) < 2:
        return None
    for size in range(1, len(terms)):
        for subset in itertools.combinations(range(len(terms)), size):
            partial = sum(terms[i][1] for i in subset)
            if not problem.equal(claim, reference=partial, seed=5):
                continue
            expected = tidy_index(sum(t for _, t in terms))
            _, _, steps = index_chain(f, f, target, expected, label, (target,))
            produced = next(s for s in steps if s.rule == "Kronecker delta produced")
            hit = " and ".join(sorted(text(o) for o, _ in terms if o is not None))
            kept = "; ".join(_occurrence(o, target, t) for o, t in (terms[i] for i in subset))
            dropped = "; ".join(_occurrence(o, target, t) for i, (o, t) in enumerate(terms) if i not in subset)
            words = (f"d/d{text(target)} hits both {hit} (the product rule gives one Kronecker delta each); "
                     f"the claim keeps only {kept}, and drops {dropped}")
            return StepFinding(label, produced, expected, claim, words)
    return None


def _index_derivative(target, ns):
    """d/d target of an index expression, deltas contracted and sums tidied (derive's own)."""
    from ..calculus.index import diff_indexed, tidy_index

    return lambda g: sympy.factor_terms(tidy_index(diff_indexed(g, target, ranges=ns.index_ranges)))


def _scalar_derivative(target):
    """d/d target of an expression in a scalar parameter (sums over a sample kept as sums)."""
    return lambda g: sympy.factor_terms(tidy(sympy.diff(g, target), _TIDY_SECONDS))


_CANDIDATES = 4  # derivations with the mistake made at one node, compared with the claim (deepest first)


def _mistake_at_node(f, target, detail, problem, claim, label, derivative, others=0):
    """The deepest pending derivative of f's derivation at which making the diagnosed mistake
    (`detail`: a flipped sign, a factor k, a factor of f left out) gives the claim, less `others`
    (the derivatives of f's other terms, when f is one term of a sum): a `StepFinding`, or None."""
    from ..steps.scalar import derivative_steps

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


def _occurrence(occurrence, target, term):
    if occurrence is None:
        return f"the term {text(term)}"
    pairs = ", ".join(f"{a} = {b}" for a, b in zip(occurrence.indices, target.indices))
    return f"the term from {text(occurrence)} ({pairs}): {text(term)}"


# ---------------------------------------------------------------------------
# matrix notation


def _locate_matrix(f, verdict, ns):
    from ..calculus import matrix as matrix_calculus
    from .matrix import NumericProblem, _problem

    (X,) = verdict.wrt
    if verdict.kind != "grad" or not isinstance(verdict.claimed, sympy.MatrixExpr):
        return None
    claim = verdict.claimed
    f = sympy.Trace(f) if isinstance(f, sympy.MatrixExpr) and f.shape == (1, 1) else f
    problem = _problem(f, X, claim, ns, "grad", 7)
    label = f"df/d{X.name}"
    values = _numeric_values(problem) if isinstance(problem, NumericProblem) else _exact_values(problem, claim)
    terms = _Terms(f, X, claim, problem, lambda g: matrix_calculus.gradient(g, X), values)
    found = _locate_terms(terms, f, X, claim, problem, label, "matrix")
    if found is not None:
        return found
    product = _locate_product_rule(terms, X, claim, problem, label, f)
    if product is None:
        product = _locate_transposed_term(terms, f, X, claim, problem, label)
        if product is not None:
            return product
    if product is not None:
        transposed = _locate_transposed(f, X, claim, ns, label)
        if transposed is not None and transposed.step.rule == "trace/cyclic rule":  # the same mistake, one step on
            return StepFinding(label, transposed.step, product.expected, product.claimed,
                               f"{product.text} ({transposed.text})")
        return product
    found = _locate_lost_minus(terms, X, claim, problem, label, f)
    if found is not None:
        return found
    return _locate_transposed(f, X, claim, ns, label)


def _locate_transposed(f, X, claim, ns, label):
    """One factor of one term's coefficient (or of the gradient) transposed, at the trace/cyclic
    rule (or at the identification of the gradient)."""
    from ..calculus import matrix as matrix_calculus
    from .matrix import _each_occurrence_transposed, _problem
    from ..steps.matrix import _terms, matrix_chain
    from ..steps.differentials import variable_differential

    G = matrix_calculus.gradient(f, X)
    dX = variable_differential(X, {m.name for m in f.atoms(MatrixSymbol)})
    label, _, steps = matrix_chain(f, X, dX, G, label, "gradient")
    problem = _problem(f, X, claim, ns, "grad", 7)

    def same(candidate):
        try:
            return problem.equal(candidate, reference=claim, seed=7)
        except (DeriveError, TypeError, ValueError):
            return False  # a transposed vector that no longer fits, say

    arrange = next((s for s in steps if s.rule == "trace/cyclic rule"), None)
    if arrange is not None:
        terms = _terms(arrange.before)
        coefficients = [matrix_calculus.gradient(t, dX) for t in terms]
        for k, (term, Gk) in enumerate(zip(terms, coefficients)):
            for M in sorted(Gk.atoms(MatrixSymbol) - {X}, key=str):
                for variant, _ in _each_occurrence_transposed(Gk, M):
                    others = coefficients[:k] + [variant] + coefficients[k + 1:]
                    if same(sympy.MatAdd(*others).doit()):
                        words = (f"the trace/cyclic rule writes {text(term)} as ({text(Gk)}).T@d{X.name}: the "
                                 f"coefficient is {text(Gk)}; the claim has {text(variant)} for this term")
                        return StepFinding(label, arrange, Gk, variant, words)
    identify = steps[-1]
    for M in sorted(G.atoms(MatrixSymbol) - {X}, key=str):
        for variant, _ in _each_occurrence_transposed(G, M):
            if same(variant):
                words = (f"identification: df = {text(identify.before)}, so grad f is the transpose of the "
                         f"coefficient of d{X.name}, {text(G)}; the claim has {text(variant)}")
                return StepFinding(label, identify, G, variant, words)
    return None


# ---------------------------------------------------------------------------
# a sum of terms: the term whose derivative the claim got wrong


class _Terms:
    """The terms of f that depend on the variable, each one's derivative (derive's own), and the
    values of those derivatives and of the claim at the check's own points (flat float vectors).
    ``ok``: the terms' derivatives add up to the check's derivative (else no term is named)."""

    def __init__(self, f, target, claim, problem, derivative, values):
        self.terms = [t for t in _split_terms(f, target) if _depends(t, target)]
        self.values, self.ok = values, False
        try:
            self.derivatives = [derivative(t) for t in self.terms]
        except (DeriveError, TypeError, ValueError):
            return  # a term derive will not differentiate alone: the other searches still run
        self.claim_values = values(claim)
        self.term_values = [values(g) for g in self.derivatives]
        self.ok = (self.claim_values is not None and all(v is not None for v in self.term_values)
                   and problem.equal(_add(self.derivatives)))

    def rest(self, j):
        """The claim less the other terms' derivatives, in values: what the claim has for term j."""
        return self.claim_values - sum((v for k, v in enumerate(self.term_values) if k != j),
                                       np.zeros_like(self.claim_values))

    def others(self, j):
        return [g for k, g in enumerate(self.derivatives) if k != j]


def _locate_terms(terms, f, target, claim, problem, label, notation):
    """Sum rule: the one term t_j of f (of two or more that depend on the variable) with
    claim = (the other terms' derivatives) + c * d t_j, confirmed by the check's own comparison.
    Within that term a sign or a factor is pinned to a pending derivative where the term's
    derivation allows (index notation, samples)."""
    if not terms.ok or len(terms.terms) < 2:
        return None
    found = []
    for j, g in enumerate(terms.term_values):
        c = _coefficient(terms.rest(j), g)
        if c is not None and c != 1:
            found.append((j, c))
    if len(found) != 1:
        return None  # no term, or two that would explain it equally: no step is named
    j, c = found[0]
    term, G = terms.terms[j], terms.derivatives[j]
    if not problem.equal(_add(terms.others(j) + [c * G]), reference=claim):
        return None
    if c != 0 and notation != "matrix":
        derivative = _index_derivative(target, problem.ns) if isinstance(target, sympy.Indexed) \
            else _scalar_derivative(target)
        inner = _mistake_at_node(term, target, ("factor", c), problem, claim, label, derivative,
                                 others=_add(terms.others(j)))
        if inner is not None:
            inner.text = f"in the term {_term_text(term)}: {inner.text}"
            return inner
    if c == 0:
        has = sympy.ZeroMatrix(*G.shape) if isinstance(G, sympy.MatrixExpr) else sympy.S.Zero
    else:
        has = _claim_piece(claim, terms.rest(j), terms.values) or c * G
    return StepFinding(label, _sum_rule_step(f, target, label, notation), G, has,
                       _sum_rule_words(term, G, has, _factor_words(c) if c != 0 else None))


def _locate_transposed_term(terms, f, X, claim, problem, label):
    """Sum rule, matrix notation: the one term whose derivative the claim has with one factor
    transposed (2*X@(X@w - y) for 2*X.T@(X@w - y))."""
    from .matrix import _each_occurrence_transposed

    if not terms.ok or len(terms.terms) < 2:
        return None
    found = []
    for j, G in enumerate(terms.derivatives):
        rest = terms.rest(j)
        variants = [(G.T, " (the transpose of the term's derivative)")] if G.shape[0] == G.shape[1] != 1 else []
        for M in sorted(G.atoms(MatrixSymbol) - {X}, key=str):
            if 1 not in M.shape:
                for variant, was_transposed in _each_occurrence_transposed(G, M):
                    wrote, meant = (M.name, f"{M.name}.T") if was_transposed else (f"{M.name}.T", M.name)
                    variants.append((variant, f" ({wrote} where {meant} belongs)"))
        for variant, tail in variants:
            v = terms.values(variant)
            if v is not None and _close(v, rest):
                found.append((j, variant, tail))
                break
    if len(found) != 1:
        return None
    j, variant, tail = found[0]
    if not problem.equal(_add(terms.others(j) + [variant]), reference=claim):
        return None
    has = _claim_piece(claim, terms.rest(j), terms.values) or variant
    return StepFinding(label, _sum_rule_step(f, X, label, "matrix"), terms.derivatives[j], has,
                       _sum_rule_words(terms.terms[j], terms.derivatives[j], has, tail))


def _sum_rule_words(term, G, has, tail):
    """"sum rule (...): the derivative of the term T is G; the claim has P (tail)"; `tail` None: missing."""
    rule = "sum rule (each term is differentiated on its own)"
    if tail is None:
        return f"{rule}: the derivative of the term {_term_text(term)}, {_words(G)}, is missing"
    return f"{rule}: the derivative of the term {_term_text(term)} is {_words(G)}; the claim has {_words(has)}{tail}"


def _locate_product_rule(terms, X, claim, problem, label, f):
    """A product of matrices with X in two or more places (x.T@A@x): the product rule gives one
    term per place; the claim (less the other terms of f) keeps some of them, or has one where
    another belongs (2*A@x for A@x + A.T@x, which holds only for a symmetric A)."""
    if not terms.ok:
        return None
    for j, term in enumerate(terms.terms):
        pieces = _product_pieces(term, X)
        if pieces is None:
            continue
        coefficients = [G for _, G in pieces]
        vectors = [terms.values(G) for G in coefficients]
        if any(v is None for v in vectors):
            continue
        rest = terms.rest(j)
        weights = _weights(rest, vectors)
        if weights is None or all(w == 1 for w in weights):
            continue
        has = _add([w * G for w, G in zip(weights, coefficients) if w != 0])
        if not problem.equal(_add(terms.others(j) + [has]), reference=claim):
            continue
        shown = _claim_piece(claim, rest, terms.values) or has
        total = " + ".join(_words(G) for G in coefficients).replace("+ -", "- ")
        words = f"the product rule: d/d{X.name}({_term_text(term)}) = {total}; the claim has {_words(shown)}"
        dropped = [k for k, w in enumerate(weights) if w == 0]
        doubled = [k for k, w in enumerate(weights) if w == 2]
        if len(terms.terms) > 1:
            words = f"in the term {_term_text(term)}, {words}"
        if doubled and len(dropped) == len(doubled):
            symmetric = [M for M in sorted(term.atoms(MatrixSymbol) - {X}, key=str)
                         if M.shape[0] == M.shape[1] and M.shape[0] != 1
                         and problem.equal(claim, symmetric=M)]
            if symmetric:
                words += f", which is this only when {symmetric[0].name} is symmetric"
            else:
                words += "; " + "; ".join(f"the term {_words(coefficients[k])} (from {text(pieces[k][0])}) is "
                                          f"replaced by {_words(coefficients[d])}" for k, d in zip(dropped, doubled))
        elif dropped and not doubled:
            words += "; " + "; ".join(f"the term {_words(coefficients[k])} (from {text(pieces[k][0])}) is missing"
                                      for k in dropped)
        else:
            continue  # some other combination: no single slip of the product rule
        step = _sum_rule_step(f, X, label, "matrix", "product rule")
        return StepFinding(label, step, _add(coefficients, evaluate=False), shown, words)
    return None


def _locate_lost_minus(terms, X, claim, problem, label, f):
    """f a single term with a leading minus, and the claim minus its derivative: the derivative of
    the term without its minus sign."""
    if not terms.ok or len(terms.terms) != 1:
        return None
    term, G = terms.terms[0], terms.derivatives[0]
    positive = _without_minus(term)
    if positive is None or _coefficient(terms.claim_values, terms.term_values[0]) != -1:
        return None
    if not problem.equal(-G, reference=claim):
        return None
    words = (f"constant factor: d/d{X.name}(-u) = -d/d{X.name}(u) with u = {_term_text(positive)}: the derivative is "
             f"{_words(G)}; the claim has {_words(claim)} = d/d{X.name}(u) (the minus sign is lost)")
    return StepFinding(label, _sum_rule_step(f, X, label, "matrix", None), G, claim, words)


def _split_terms(f, target):
    """f's additive terms as f writes them: a + b; c*(a + b) as c*a, c*b when c is free of the
    variable; sum(a + b, i) as sum(a, i), sum(b, i); the trace of a 1 x 1 sum term by term."""
    if isinstance(f, sympy.Add):
        return [t for a in f.args for t in _split_terms(a, target)]
    if isinstance(f, sympy.Mul):
        dependent = [a for a in f.args if _depends(a, target)]
        if len(dependent) == 1 and isinstance(dependent[0], (sympy.Add, sympy.Sum, sympy.Trace)):
            parts = _split_terms(dependent[0], target)
            if len(parts) > 1:
                coefficient = sympy.Mul(*(a for a in f.args if a is not dependent[0]))
                return [coefficient * p for p in parts]
    if isinstance(f, sympy.Sum):
        parts = _split_terms(f.function, target)
        if len(parts) > 1:
            return [sympy.Sum(p, *f.limits) for p in parts]
    if isinstance(f, sympy.Trace) and isinstance(f.arg, sympy.MatAdd):
        return [t for a in f.arg.args for t in _split_terms(sympy.Trace(a), target)]
    return [f]


def _depends(expr, target):
    if target is None:
        return True
    if isinstance(target, sympy.Indexed):
        return any(a.base == target.base for a in expr.atoms(sympy.Indexed))
    return expr.has(target)


def _add(exprs, evaluate=True):
    """The sum of derivatives (matrix expressions or scalars); 0 for none."""
    exprs = [e for e in exprs if not (e == 0 or isinstance(e, sympy.ZeroMatrix))]
    if not exprs:
        return sympy.S.Zero
    if any(isinstance(e, sympy.MatrixExpr) for e in exprs):
        return sympy.MatAdd(*exprs).doit() if evaluate else sympy.MatAdd(*exprs, evaluate=False)
    return sympy.Add(*exprs, evaluate=evaluate)


# -- values at the check's points ----------------------------------------------


def _numeric_values(problem):
    """Values of a claim-like expression at the points of a `NumericProblem` (floats)."""
    from ..validation.matrix_eval import NotEvaluable

    points = problem.points()

    def values(expr):
        try:
            out = [problem.values(expr, p) for p in points]
            return None if any(v is None for v in out) else np.concatenate(out)
        except (NotEvaluable, DeriveError, TypeError, ValueError, ArithmeticError):
            return None
    return values


_PROBE_POINTS = 3  # points of the first instance: enough to tell a constant ratio from a coincidence


def _exact_values(problem, claim, seed=11):
    """Values of a claim-like expression on the first instance of an `ExactProblem`, at points
    inside f's domain with the declared data (floats from 60-digit evaluation)."""
    from ..validation import fast
    from ..validation.equivalence import defined_at, numeric_value, sample_point
    from ..validation.instances import scalar_symbols

    inst = problem.instances[0]
    f = problem.explicit_f(inst)
    claimed = problem.claimed_entries(inst, claim)
    symbols = sorted(problem.instance_symbols(inst).union(*(scalar_symbols(e) for e in claimed)), key=str)
    kinds, restrict, rng = problem.point_kinds(inst), problem._restriction(), random.Random(seed)
    points = []
    for k in range(10 * _PROBE_POINTS):
        if len(points) >= _PROBE_POINTS:
            break
        point = sample_point(symbols, rng, k, kinds=kinds)
        point = restrict(inst, point) if restrict is not None else point
        if (isinstance(f, sympy.MatrixBase) or defined_at((f,), point)) and \
                all(numeric_value(e, point) is not None for e in claimed):
            points.append(point)

    def values(expr):
        try:
            entries = problem.claimed_entries(inst, expr)
        except (DeriveError, TypeError, ValueError, ArithmeticError, IndexError):
            return None
        out = []
        try:
            program = fast.Program(entries)
            for point in points:
                found = fast.evaluate(program, point)
                if found is None or any(v is None for v in found):
                    return None
                out += [float(v) for v in found]
        except fast.Unsupported:
            out = []
            for point in points:
                found = [numeric_value(e, point) for e in entries]
                if any(v is None for v in found):
                    return None
                out += [float(v) for v in found]
        return np.array(out, dtype=float) if points else None
    return values


_DENOMINATOR = 12  # the factors a term's derivative may be off by: 0, -1, 1/2, 2, 3/2, ...


def _coefficient(r, g):
    """The simple rational c with r = c*g at every point, or None."""
    top = float(np.max(np.abs(g), initial=0.0))
    if top == 0:
        return None
    if float(np.max(np.abs(r), initial=0.0)) <= 1e-9 * top:
        return sympy.S.Zero
    big = np.abs(g) > 1e-6 * top
    if np.any(np.abs(r[~big]) > 1e-9 * float(np.max(np.abs(r)))):
        return None
    ratios = r[big] / g[big]
    if ratios.size < 2 or np.ptp(ratios) > 1e-9 * max(abs(ratios[0]), 1.0):
        return None
    c = sympy.nsimplify(float(ratios[0]), tolerance=1e-9, rational=True)
    return c if c.q <= _DENOMINATOR and abs(c) <= _DENOMINATOR else None


def _weights(r, vectors):
    """Weights w (each 0, 1 or 2) with r = sum w_k * vectors[k] at every point, or None (also
    where two vectors are alike: the weights would not be unique)."""
    A = np.stack(vectors, axis=1)
    if np.linalg.matrix_rank(A, tol=1e-9 * max(float(np.max(np.abs(A))), 1e-300)) < len(vectors):
        return None
    w, *_ = np.linalg.lstsq(A, r, rcond=None)
    rounded = np.round(w)
    if not _close(A @ rounded, r) or np.any((rounded < 0) | (rounded > 2)):
        return None
    return [int(x) for x in rounded]


def _close(a, b):
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-9 * scale))


# -- words -------------------------------------------------------------------


def _claim_piece(claim, rest, values):
    """The claim's own terms whose sum is what the claim has for one term of f (as the claim
    writes them), or None."""
    if isinstance(claim, sympy.MatAdd):
        parts = list(claim.args)
    elif isinstance(claim, sympy.MatrixBase):
        return None
    else:
        parts = _split_terms(claim, None)
    if len(parts) > 6:
        return None
    vectors = [values(p) for p in parts]
    if any(v is None for v in vectors):
        return None
    for size in range(1, len(parts) + 1):
        for subset in itertools.combinations(range(len(parts)), size):
            if _close(sum(vectors[i] for i in subset), rest):
                return _add([parts[i] for i in subset], evaluate=False)
    return None


def _term_text(term):
    """A term of f as f writes it, its scalar coefficient first: lam*w.T@w."""
    if isinstance(term, sympy.Mul):
        traces = [a for a in term.args if isinstance(a, sympy.Trace)]
        if len(traces) == 1:
            scalars = [a for a in term.args if a is not traces[0]]
            if not any(a.atoms(MatrixSymbol) for a in scalars):
                body = traces[0].arg
                inner = body.args if isinstance(body, sympy.MatMul) else (body,)
                return text(sympy.Trace(sympy.MatMul(*scalars, *inner)))
    return text(term)


def _words(expr):
    """A derivative in words: 2*lam*w rather than (2*lam)*w."""
    if isinstance(expr, sympy.MatAdd) and any(_words(a) != text(a) for a in expr.args):
        out = ""
        for part in (_words(a) for a in expr.args):
            out = part if not out else out + (f" - {part[1:]}" if part.startswith("-") else f" + {part}")
        return out
    if isinstance(expr, sympy.MatMul):
        coefficient, matrices = expr.as_coeff_matrices()
        if isinstance(coefficient, sympy.Mul) and matrices and all(a.is_Number or a.is_Symbol for a in coefficient.args):
            rest = sympy.MatMul(*matrices)
            body = f"({text(rest)})" if isinstance(rest, sympy.MatAdd) else text(rest)
            return f"{text(coefficient)}*{body}"
    return text(expr)


def _without_minus(term):
    """The term without its leading minus sign, or None when it has none."""
    if isinstance(term, sympy.Trace) and isinstance(term.arg, sympy.MatMul):
        coefficient, matrices = term.arg.as_coeff_matrices()
        if coefficient.is_number and coefficient < 0:
            return sympy.Trace(sympy.MatMul(-coefficient, *matrices).doit())
    if isinstance(term, (sympy.Mul, sympy.Sum)) and term.could_extract_minus_sign():
        return -term
    return None


def _product_pieces(term, X):
    """[(differential term, its coefficient)], one per place where X (or X.T) is a factor of a
    product of matrices (x.T@A@x: dx.T@A@x -> A@x, x.T@A@dx -> A.T@x), or None for any other term."""
    from ..calculus import matrix as matrix_calculus
    from ..steps.differentials import variable_differential

    scalars, body = [], term
    if isinstance(term, sympy.Mul):
        traces = [a for a in term.args if isinstance(a, sympy.Trace)]
        if len(traces) != 1:
            return None
        scalars, body = [a for a in term.args if a is not traces[0]], traces[0]
        if any(a.has(X) for a in scalars):
            return None
    if not isinstance(body, sympy.Trace) or not isinstance(body.arg, sympy.MatMul):
        return None
    factors = body.arg.args
    places = [k for k, a in enumerate(factors) if a == X or a == X.T]
    if len(places) < 2 or any(a.has(X) for k, a in enumerate(factors) if k not in places):
        return None
    dX = variable_differential(X, {m.name for m in term.atoms(MatrixSymbol)})
    pieces = []
    for k in places:
        swapped = list(factors)
        swapped[k] = dX if factors[k] == X else dX.T
        piece = sympy.Trace(sympy.MatMul(*scalars, *swapped))
        pieces.append((piece, matrix_calculus.gradient(piece, dX)))
    return pieces


def _sum_rule_step(f, target, label, notation, rule="sum rule"):
    """The first step of f's derivation with `rule` (the first step when None or when none has
    it), taken without the whole chain and its checks."""
    if notation == "matrix":
        steps = _first_matrix_steps(f, target, label)
    else:
        from ..steps.scalar import derivative_steps

        _, steps, _ = derivative_steps(f, target, label)
    return next((s for s in steps if rule is not None and s.rule == rule), steps[0])


_FIRST_STEPS = 4


def _first_matrix_steps(f, X, label):
    """The first few steps of matrix_chain (the same rules, unchecked: they only say where)."""
    from ..steps.matrix import _Differentiator, _pending, _rewrite
    from ..steps.differentials import variable_differential

    dX = variable_differential(X, {m.name for m in f.atoms(MatrixSymbol)})
    d = _Differentiator(X, dX)
    current, steps = d(f), []
    while len(steps) < _FIRST_STEPS:
        nodes = _pending(current)
        if not nodes:
            break
        rewrites = [_rewrite(node, d) for node in nodes]
        chosen = [r for r in rewrites if r[0] == rewrites[0][0]]
        after = current.xreplace({node: replacement for _, node, replacement, _ in chosen})
        note = "; ".join(dict.fromkeys(n for *_, n in chosen if n))
        steps.append(Step(rewrites[0][0], current, after, note, label, "matrix"))
        current = after
    return steps


# ---------------------------------------------------------------------------
# scalar parameters of a sample


def _locate_sample(f, verdict, ns):
    """mu in sum((x[i] - mu)**2, i): the term whose derivative the claim got wrong, or (one term)
    the pending derivative where the claim's sign or factor went astray."""
    from ..validation.exact import ExactProblem

    claim = verdict.claimed
    for i, target in enumerate(verdict.wrt):
        entry = claim[i] if isinstance(claim, sympy.MatrixBase) else claim
        problem = ExactProblem(f, (target,), entry, ns, "grad")
        if len(verdict.wrt) > 1 and problem.equal(entry):
            continue
        label = f"df/d{text(target)}"
        derivative = _scalar_derivative(target)
        terms = _Terms(f, target, entry, problem, derivative, _exact_values(problem, entry))
        found = _locate_terms(terms, f, target, entry, problem, label, "sample")
        if found is not None:
            return found
        detail = verdict.detail if len(verdict.wrt) == 1 else None
        if detail is None and terms.ok and len(terms.terms) == 1:  # one term: claim = c * its derivative?
            c = _coefficient(terms.claim_values, terms.term_values[0])
            detail = ("factor", c) if c is not None and c not in (0, 1) else None
        return _mistake_at_node(f, target, detail, problem, entry, label, derivative) if detail else None
    return None


__all__ = ["StepFinding", "locate"]


class MarkedSteps:
    """The derivation of `check --steps` with the step the claim left it at marked ("<- the claim
    leaves the derivation here: ..."); `to_dict` adds ``left_at`` (entry, step number, words)."""

    def __init__(self, steps, finding):
        self.steps, self.finding = steps, finding
        self.at = _find_step(steps, finding) if finding is not None else None

    def __str__(self):
        lines = str(self.steps).split("\n")
        if self.finding is None:
            return "\n".join(lines)
        mark = f"  ^ the claim leaves the derivation here: {self.finding.text}"
        if self.at is None:
            return "\n".join(lines + [f"the claim leaves the derivation at: {self.finding.text}"])
        chain, j = self.at
        row = sum(2 + max(len(steps), 1) for _, _, steps in self.steps.chains[:chain]) + 2 + j
        return "\n".join(lines[:row + 1] + [mark] + lines[row + 1:])

    def to_dict(self):
        out = self.steps.to_dict()
        if self.finding is not None:
            chain, j = self.at if self.at is not None else (None, None)
            out["left_at"] = {"entry": self.finding.entry, "chain": chain, "step": j, "rule": self.finding.step.rule,
                              "text": self.finding.text}
        return out

    def _repr_latex_(self):
        return self.steps._repr_latex_()


def _find_step(steps, finding):
    """(chain number, step number) of the step in `steps` that `finding` names, or None."""
    want = finding.step
    matches = []
    for c, (label, _, chain) in enumerate(steps.chains):
        for j, s in enumerate(chain):
            if s.rule == want.rule and text(s.before) == text(want.before):
                return c, j
            if s.rule == want.rule and text(s.after) == text(want.after):
                matches.append((c, j))
    return matches[0] if matches else None
