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
"""

import itertools
from dataclasses import dataclass

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
            return _locate_components(f, verdict, definitions or {})
        except (DeriveError, TypeError, ValueError, AttributeError, NotImplementedError, ZeroDivisionError):
            return None

    seconds = min(SECONDS, remaining(SECONDS) - 2.0)  # leave the check its own time: this only adds words
    return attempt(run, seconds, None) if seconds >= 1.0 else None


def _is_index(verdict):
    return any(isinstance(w, sympy.Indexed) for w in verdict.wrt)


def _is_matrix(verdict):
    return any(isinstance(w, MatrixSymbol) for w in verdict.wrt)


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
    if verdict.detail is not None:
        return _locate_index_mistake(f, verdict, ns)
    terms = occurrence_terms(f, target)
    if len(terms) < 2:
        return None
    problem = ExactProblem(f, target, claim, ns, "grad")
    label = f"df/d{text(target)}"
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


_CANDIDATES = 4  # derivations with the mistake made at one node, compared with the claim (deepest first)


def _locate_index_mistake(f, verdict, ns):
    """The deepest pending derivative at which making the diagnosed mistake (a flipped sign, a
    factor k, a factor of f left out) gives the claim."""
    from ..calculus.index import diff_indexed, tidy_index
    from ..steps.scalar import derivative_steps
    from ..validation.exact import ExactProblem

    target, claim = verdict.wrt[0], verdict.claimed
    label = f"df/d{text(target)}"
    start, steps, _ = derivative_steps(f, target, label)
    inner = {du: u for step in steps for part in step.parts for u, du in part.inner}
    candidates = []
    for k, step in enumerate(steps):
        for part in step.parts:
            node = part.node
            if not isinstance(node, Derivative) or isinstance(node.expr, sympy.Indexed) or node == start:
                continue
            truth = sympy.factor_terms(tidy_index(diff_indexed(node.expr, target, ranges=ns.index_ranges)))
            q = _with_mistake(truth, verdict.detail)
            if q is not None:
                candidates.append((k, node, truth, q))
    problem = ExactProblem(f, target, claim, ns, "grad")
    for k, node, truth, q in sorted(candidates, key=lambda c: -c[0])[:_CANDIDATES]:
        line = steps[k].before.xreplace({node: q})
        if not problem.equal(claim, reference=line, seed=5):
            continue
        what, value = verdict.detail
        if node in inner and what == "missing factor" and q == 1:
            words = f"the chain rule's inner derivative {text(node)} = {text(truth)} is missing"
        else:
            head = "the chain rule's inner derivative" if node in inner else f"{steps[k].rule}:"
            tail = {"factor": " (the sign is lost here)" if value == -1 else "",
                    "missing factor": f" (the factor {text(value)} is dropped here)"}.get(what, "")
            words = f"{head} {text(node)} = {text(truth)}; the claim has {text(q)}{tail}"
        return StepFinding(label, steps[k], truth, q, words)
    return None


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
    from .matrix import _each_occurrence_transposed, _problem
    from ..steps.matrix import _terms, matrix_chain
    from ..steps.differentials import variable_differential

    (X,) = verdict.wrt
    if verdict.kind != "grad" or not isinstance(verdict.claimed, sympy.MatrixExpr):
        return None
    claim = verdict.claimed
    f = sympy.Trace(f) if isinstance(f, sympy.MatrixExpr) and f.shape == (1, 1) else f
    G = matrix_calculus.gradient(f, X)
    dX = variable_differential(X, {m.name for m in f.atoms(MatrixSymbol)})
    label, _, steps = matrix_chain(f, X, dX, G, f"df/d{X.name}", "gradient")
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
