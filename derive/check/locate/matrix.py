"""Matrix notation: a term whose derivative the claim has transposed, the product rule's terms of a
product with the variable in two places, a lost leading minus, or one factor transposed at the
trace/cyclic rule or at the identification of the gradient."""

import sympy
from sympy import MatrixSymbol

from ...errors import DeriveError
from ...present.formulas import text
from .finding import StepFinding
from .terms import _add, _claim_piece, _locate_terms, _sum_rule_step, _sum_rule_words, _term_text, _Terms, _words
from .values import _close, _coefficient, _exact_values, _numeric_values, _weights


def _locate_matrix(f, verdict, ns):
    from ...calculus import matrix as matrix_calculus
    from ..matrix.problem import NumericProblem
    from ..matrix.target import _problem

    (X,) = verdict.wrt
    if verdict.kind != "grad" or not isinstance(verdict.claimed, sympy.MatrixExpr):
        return None
    claim = verdict.claimed
    f = sympy.Trace(f) if isinstance(f, sympy.MatrixExpr) and f.shape == (1, 1) else f
    problem = _reused(verdict.problem, f, X, claim) or _problem(f, X, claim, ns, "grad", 7)
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
        transposed = _locate_transposed(f, X, claim, problem, label)
        if transposed is not None and transposed.step.rule == "trace/cyclic rule":  # the same mistake, one step on
            return StepFinding(label, transposed.step, product.expected, product.claimed,
                               f"{product.text} ({transposed.text})")
        return product
    found = _locate_lost_minus(terms, X, claim, problem, label, f)
    if found is not None:
        return found
    return _locate_transposed(f, X, claim, problem, label)


def _reused(problem, f, X, claim):
    """The check's own comparison of the claim (derive's derivative, checked, and its points), when it
    is the gradient of this f by X in matrix notation: derived once per check, not again here."""
    from ..matrix.problem import NumericProblem

    if isinstance(problem, NumericProblem) and problem.kind == "grad" and problem.f == f and \
            problem.target == X and problem.claim == claim:
        return problem
    return None


def _locate_transposed(f, X, claim, problem, label):
    """One factor of one term's coefficient (or of the gradient) transposed, at the trace/cyclic
    rule (or at the identification of the gradient)."""
    from ...calculus import matrix as matrix_calculus
    from ...steps.differentials import variable_differential
    from ...steps.matrix import _terms, matrix_chain
    from ..matrix.rules import _each_occurrence_transposed

    G = matrix_calculus.gradient(f, X)
    dX = variable_differential(X, {m.name for m in f.atoms(MatrixSymbol)})
    label, _, steps = matrix_chain(f, X, dX, G, label, "gradient")

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


def _locate_transposed_term(terms, f, X, claim, problem, label):
    """Sum rule, matrix notation: the one term whose derivative the claim has with one factor
    transposed (2*X@(X@w - y) for 2*X.T@(X@w - y))."""
    from ..matrix.rules import _each_occurrence_transposed

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
    from ...calculus import matrix as matrix_calculus
    from ...steps.differentials import variable_differential

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
