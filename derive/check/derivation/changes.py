"""What changed at a wrong step: a table of rules over (the line before, this line).

Each rule proposes what the step did wrong and tests it with the chain's own equality oracle
(`Comparer.equal`, numeric at the chain's instances): undo the suspected change in this line,
or make it in the line before, and the two must agree.  The first rule whose repair works
names the mistake, with the categories of `Verdict.mistake`:

    an index that left its sum (j free here, summed before)         index_unbound
    a sum whose range changed (i = 1..n-1 instead of 0..n-1)         index_range
    the whole line transposed                                        transpose
    the sign flipped                                                 sign
    a constant factor lost or gained                                 factor
    a matrix transposed where it should not be (X for X.T)           transpose
    a square line that is the transpose of the line before           transpose
    one factor of the line before transposed, or B[j, k] for B[k, j] transpose
    a chain-rule factor of f dropped (X.T, the inner derivative)     chain_rule
    an element factor (x[k]) dropped where the entry needs it        chain_rule / factor
    a term of the line before dropped, or a term added               missing_term / extra_term
    another factor dropped or added                                  factor
    one term changed: its sign, its factor (N, 1/lambda, x[k]),     sign / factor / chain_rule /
    its transpose, or the term itself                                transpose / other
    the sign of one term inside a sum ((1 + s) for (1 - s))          sign
When nothing matches against a right line before written another way, the rules are tried
against derive's own derivative.
Otherwise the step is named as not an equality, with the numbers at the counterexample.
For the first line the "line before" is derive's own derivative.
"""

import time

import sympy
from sympy import Add, HadamardProduct, MatAdd, MatMul, MatrixExpr, MatrixSymbol, Mul, Sum, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from ...text.printing import to_text
from ..diagnosis import Finding
from .entries import free_indices

SECONDS = 2.0  # naming the mistake is optional work: past this, the numbers are given
_CANDIDATES = 40  # repairs tried per rule


class Step:
    """The step under diagnosis and what the rules may ask about it."""

    def __init__(self, before, line, comparer, before_name, mismatch=None):
        self.before, self.line, self.comparer = before, line, comparer
        self.name = before_name  # "the line before" or "the derivative"
        self.mismatch = mismatch  # the shape Mismatch, when this line's shape is not the derivative's
        self.deadline = time.process_time() + SECONDS

    def same(self, a, b):
        if time.process_time() > self.deadline:
            raise TimeoutError
        return self.comparer.equal(a, b, points=2)


def explain(step):
    """The `Finding` of the first rule that recognizes the step's mistake, or None; a vague one
    ("the term t became u", mistake "other") only when no later rule names the mistake."""
    vague = None
    for rule in RULES:
        try:
            found = rule(step)
        except TimeoutError:
            return vague
        except (ValueError, TypeError, AttributeError, ArithmeticError, IndexError):
            continue  # a repair that does not even form (shapes) is no finding
        if found is not None and found.mistake != "other":
            return found
        vague = vague or found
    return vague


def index_outside_sums(step):
    """A matrix line that uses a sum's index outside it: (sum_i (theta^T x_i - y_i)) x_i."""
    unbound = getattr(step.mismatch, "unbound", ())
    if not unbound:
        return None
    names = ", ".join(map(str, unbound))
    bound_here = sorted({str(v) for s in _atoms(step.line, Sum) for v in s.variables} & set(names.split(", ")))
    where = f"outside the sum over {', '.join(bound_here)}" if bound_here else "outside any sum"
    return Finding("index_unbound", f"the index {names} left its sum: this line uses {names} {where}, where a "
                                    "matrix line has no free index")


def index_left_sum(step):
    summed = {v for s in _atoms(step.before, Sum) for v in s.variables}
    stray = sorted((free_indices(step.line) - free_indices(step.before)) & summed - set(step.comparer.target.axes),
                   key=str)
    if not stray:
        return None
    names = ", ".join(map(str, stray))
    uses = sorted({to_text(a) for a in _elements(step.line) if set(map(str, _element_indices(a))) & set(names.split(", "))},
                  key=len)[:3]
    return Finding("index_unbound", f"the index {names} left its sum: {', '.join(uses)} "
                                    f"{'uses' if len(uses) == 1 else 'use'} {names} freely, but {step.name} sums "
                                    f"over {names}")


def sum_range(step):
    before = {v: lim for s in _atoms(step.before, Sum) for (v, *lim) in s.limits}
    for s in _atoms(step.line, Sum):
        for k, (v, lo, hi) in enumerate(s.limits):
            if v in before and tuple(before[v]) != (lo, hi):
                limits = list(s.limits)
                limits[k] = (v, *before[v])
                repaired = step.line.xreplace({s: Sum(s.function, *limits)})
                if step.same(step.before, repaired):
                    was = f"{to_text(before[v][0])}..{to_text(before[v][1])}"
                    return Finding("index_range", f"the sum over {v} changed its range: it runs over {v} = "
                                                  f"{to_text(lo)}..{to_text(hi)} here, over {was} in {step.name}")
    return None


def whole_transposed(step):
    if step.mismatch is None or not step.mismatch.transposed or not isinstance(step.line, (MatrixExpr,
                                                                                         sympy.MatrixBase)):
        return None
    if step.same(step.before, step.line.T):
        return Finding("transpose", f"the whole line is transposed: a {'row' if step.mismatch.shape[0] == 1 else 'column'}"
                                    f" where {step.name} is a {'column' if step.mismatch.shape[0] == 1 else 'row'}")
    return None


def sign(step):
    if step.mismatch is None and step.same(step.before, -step.line):
        return Finding("sign", f"the sign flipped: this line is minus {step.name}")
    return None


def constant_factor(step):
    if step.mismatch is not None:
        return None
    k = _ratio(step)
    if k is None or k in (0, 1, -1) or not step.same(k * step.before, step.line):
        return None
    times = f"(this line is {to_text(k)} times {step.name})"
    size = abs(k)
    flipped = "the sign flipped and " if k < 0 else ""
    if size.is_Rational and size.p == 1:
        return Finding("factor", f"{flipped}the factor {size.q} was lost {times}", ("factor", k))
    if size.is_Integer:
        return Finding("factor", f"{flipped}an extra factor {size} appeared {times}", ("factor", k))
    return Finding("factor", f"a constant factor changed {times}", ("factor", k))


def transposed_factor(step):
    for M in sorted(_atoms(step.line, MatrixSymbol) - set(step.comparer.target.wrt), key=str):
        if 1 in M.shape:
            continue
        for k in range(_CANDIDATES):
            repaired, wrote = _flip(step.line, M, k)
            if wrote is None:
                break
            if step.same(step.before, repaired):
                meant = M if wrote != M else M.T
                return Finding("transpose", f"{to_text(wrote)} should be {to_text(meant)}: with {to_text(meant)} "
                                            f"this line equals {step.name}", ("transpose", M))
    return None


def _flip(expr, M, k):
    """(`expr` with its k-th occurrence of M or M.T transposed, that occurrence as written), or
    (expr, None) when there are not k + 1 occurrences."""
    seen = [0, None]

    def walk(e):
        if e == M or e == Transpose(M):
            seen[0] += 1
            if seen[0] - 1 == k:
                seen[1] = e
                return M if e != M else Transpose(M)
            return e
        if not e.args or seen[1] is not None:
            return e
        args = [walk(a) if isinstance(a, sympy.Basic) else a for a in e.args]
        return e.func(*args) if any(a is not b for a, b in zip(args, e.args)) else e

    out = walk(expr)
    return out, seen[1]


def chain_factor(step):
    """A scalar chain rule: this line times the inner derivative du/dx is the line before."""
    if step.mismatch is not None:
        return None
    for inner, du in _inner_derivatives(step.comparer.target):
        if step.same(step.before, step.line * du):
            return Finding("chain_rule", f"missing chain-rule factor: the derivative of the inner function "
                                         f"{to_text(inner)}, which is {to_text(du)}", ("missing factor", du))
    return None


def dropped_term(step):
    for terms in _term_splits(step.before):
        for t in terms[:_CANDIDATES]:
            if len(terms) > 1 and step.same(step.before - t, step.line):
                return Finding("missing_term", f"the term {to_text(t)} of {step.name} was dropped", ("term", t))
    return None


def extra_term(step):
    for terms in _term_splits(step.line):
        for t in terms[:_CANDIDATES]:
            if len(terms) > 1 and step.same(step.before, step.line - t):
                return Finding("extra_term", f"an extra term {to_text(t)} appeared (it is not in {step.name})",
                               ("term", t))
    return None


def changed_term(step):
    """One term of the line before became another (the rest unchanged): its sign, its factor, or
    the term itself."""
    for before_terms in _term_splits(step.before):
        for line_terms in _term_splits(step.line):
            if len(before_terms) < 2 or len(line_terms) < 2:
                continue
            for t in before_terms[:_CANDIDATES]:
                for u in line_terms[:_CANDIDATES]:
                    if not step.same(step.before - t, step.line - u):
                        continue
                    was, now = to_text(t), to_text(u)
                    if step.same(t, -u):
                        return Finding("sign", f"the sign of the term {was} flipped (here {now})", ("term", t))
                    k = _term_ratio(step, t, u)
                    if k is not None:
                        lost = abs(k).is_Rational and abs(k).p == 1
                        words = (f"lost the factor {abs(k).q}" if lost else f"gained a factor {to_text(abs(k))}")
                        return Finding("factor", f"the term {was} {words}: it is {now} here", ("factor", k))
                    if isinstance(t, MatrixExpr) and t.shape == u.shape and step.same(t.T, u):
                        return Finding("transpose", f"the term {was} became its transpose {now}", ("transpose", t))
                    found = _symbolic_factor(step, t, u, was, now)
                    if found is not None:
                        return found
                    return Finding("other", f"the term {was} became {now}", ("term", t))
    return None


def _symbolic_factor(step, t, u, was, now):
    """u = t / g or t * g for a factor g of sizes and scalars (N, 1/lambda) or an inner derivative
    (x[k]): a factor lost or gained, or a chain-rule factor dropped."""
    for a, b, lost in ((t, u, True), (u, t, False)):
        for node, factor, rest in _factorings(a):
            if _has_array(factor) and not _chain_factor(factor, step.comparer.target):
                continue
            if step.same(a.xreplace({node: rest}), b):
                if lost and _chain_factor(factor, step.comparer.target):
                    return Finding("chain_rule", f"the term {was} lost the chain-rule factor {to_text(factor)} "
                                                 f"(the derivative of the inner function): it is {now} here",
                                   ("missing factor", factor))
                words = f"lost the factor {to_text(factor)}" if lost else f"gained a factor {to_text(factor)}"
                return Finding("factor", f"the term {was} {words}: it is {now} here", ("factor", factor))
    return None


def _has_array(expr):
    return isinstance(expr, MatrixExpr) or bool(_elements(expr))


def _term_ratio(step, t, u):
    found = step.comparer.difference(t, u, points=2)
    if found is None:
        return None
    b, c = (sympy.nsimplify(v, rational=True) if v is not None else None for v in found.values)
    if not b or c is None:
        return None
    k = sympy.nsimplify(c / b)
    if k.is_Rational and k not in (0, 1, -1) and abs(k.q) <= 64 and abs(k.p) <= 64 and step.same(k * t, u):
        return k
    return None


def dropped_factor(step):
    for node, factor, rest in _factorings(step.before):
        repaired = step.before.xreplace({node: rest})
        if step.same(repaired, step.line):
            if _chain_factor(factor, step.comparer.target):
                arguments = {m.expr for m in _atoms(factor, ElementwiseApplyFunction)}
                outer = sorted((to_text(m) for m in _atoms(step.comparer.target.f, ElementwiseApplyFunction)
                                if m.expr in arguments), key=len)  # sigmoid(X@W), the map f applies
                what = f"the entrywise derivative of {outer[0]}" if outer else "the derivative of the inner function"
                return Finding("chain_rule", f"the chain-rule factor {to_text(factor)} ({what}) was dropped",
                               ("missing factor", factor))
            return Finding("factor", f"the factor {to_text(factor)} of {step.name} was dropped",
                           ("missing factor", factor))
    return None


def extra_factor(step):
    for node, factor, rest in _factorings(step.line):
        repaired = step.line.xreplace({node: rest})
        if step.same(step.before, repaired):
            return Finding("factor", f"an extra factor {to_text(factor)} appeared (it is not in {step.name})",
                           ("extra factor", factor))
    return None


def square_transposed(step):
    """A square matrix line that is the transpose of the line before (no shape tells)."""
    line = step.line
    if step.mismatch is None and isinstance(line, MatrixExpr) and line.shape[0] == line.shape[1] != 1 \
            and step.same(step.before, line.T):
        return Finding("transpose", f"the whole line is transposed: it is the transpose of {step.name}")
    return None


def sign_inside(step):
    """One term inside a sum of the line has the wrong sign: (1 + s)s for (1 - s)s."""
    if step.mismatch is not None:
        return None
    tried = 0
    for node in sympy.preorder_traversal(step.line):
        if isinstance(node, (Add, MatAdd)) and node != step.line:
            for term in node.args:
                tried += 1
                if tried > _CANDIDATES:
                    return None
                if step.same(step.before, step.line.xreplace({node: node - 2 * term})):
                    return Finding("sign", f"the sign of {to_text(term)} inside {to_text(node)} flipped")
    return None


def transposed_in_before(step):
    """The line is the line before with one factor of one term transposed (B.T@x written B@x, which
    then merged with another term), or one element's indices swapped (B[j, k] for B[k, j])."""
    before = step.before
    for M in sorted(_atoms(before, MatrixSymbol) - set(step.comparer.target.wrt), key=str):
        if 1 in M.shape:
            continue
        for k in range(_CANDIDATES):
            slipped, wrote = _flip(before, M, k)
            if wrote is None:
                break
            if step.same(slipped, step.line):
                meant, written = (wrote, M if wrote != M else M.T)
                return Finding("transpose", f"{to_text(meant)} in {step.name} is written {to_text(written)} here",
                               ("transpose", M))
    for element in sorted(_elements(before), key=str)[:_CANDIDATES]:
        indices = _element_indices(element)
        if len(indices) != 2 or indices[0] == indices[1] or not isinstance(element, MatrixElement):
            continue
        swapped = element.parent[indices[1], indices[0]]
        if step.same(before.xreplace({element: swapped}), step.line):
            return Finding("transpose", f"{to_text(element)} in {step.name} is written {to_text(swapped)} here "
                                        "(its indices swapped: a transpose)", ("transpose", element.parent))
    return None


def dropped_element_factor(step):
    """A line with no free index where the entry has one: an element factor (x[k], the inner
    derivative) dropped from the whole line."""
    if step.mismatch is None or step.mismatch.shape != (1, 1) or not step.comparer.target.axes:
        return None
    target = step.comparer.target
    axes = set(target.axes)
    arrays = {getattr(w, "base", w) for w in target.wrt}
    moved = {a.xreplace({i: k}) for a in _elements(target.f) for i in _element_indices(a) for k in axes
             if isinstance(i, sympy.Symbol) and (a.parent if isinstance(a, MatrixElement) else a.base) not in arrays}
    for element in sorted(_elements(step.before) | moved, key=str)[:_CANDIDATES]:
        if axes & set(_element_indices(element)) and step.same(step.before, step.line * element):
            if _chain_factor(element, step.comparer.target):
                return Finding("chain_rule", f"the chain-rule factor {to_text(element)} (the derivative of the "
                                             "inner function) was dropped", ("missing factor", element))
            return Finding("factor", f"the factor {to_text(element)} of {step.name} was dropped",
                           ("missing factor", element))
    return None


RULES = (index_outside_sums, index_left_sum, sum_range, whole_transposed, sign, constant_factor, square_transposed,
         transposed_factor, chain_factor, dropped_element_factor, dropped_term, extra_term, dropped_factor,
         extra_factor, changed_term, transposed_in_before, sign_inside)


# ---------------------------------------------------------------------------


def _atoms(expr, *kinds):
    return expr.atoms(*kinds) if isinstance(expr, sympy.Basic) else set()


def _elements(expr):
    return _atoms(expr, sympy.Indexed, MatrixElement)


def _element_indices(a):
    return a.indices if isinstance(a, sympy.Indexed) else a.args[1:]


def _ratio(step):
    """this line / the line before at the first point where the line before is not 0, as a short
    exact number, or None."""
    comparer = step.comparer
    found = comparer.difference(step.before, step.line, points=2)
    if found is None:
        return None
    b, c = (sympy.nsimplify(v, rational=True) if v is not None else None for v in found.values)
    if b is None or c is None or b == 0:
        return None
    k = sympy.nsimplify(c / b)
    return k if k.is_Rational and abs(k.q) <= 64 and abs(k.p) <= 64 else None


def _term_splits(expr):
    """The terms as written, then expanded."""
    out = []
    written = _terms(expr)
    out.append(written)
    try:
        expanded = _terms(sympy.expand(expr) if not isinstance(expr, MatrixExpr) else expr.expand().doit())
    except (TypeError, ValueError, AttributeError):
        expanded = written
    if set(expanded) != set(written):
        out.append(expanded)
    return out


def _terms(expr):
    if isinstance(expr, (Add, MatAdd)):
        return list(expr.args)
    if isinstance(expr, Mul) and len([a for a in expr.args if isinstance(a, (Add, Sum))]) == 0:
        return [expr]
    return [expr]


def _factorings(expr):
    """(node, factor, node without that factor) for the products inside `expr`: a product of
    matrices or scalars, also inside sums (X[i, k] dropped from a sum's body)."""
    out = []
    if not isinstance(expr, sympy.Basic):
        return out
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, MatMul):
            args = list(node.args)
            for k, a in enumerate(args):
                if a.is_number:
                    continue
                rest = MatMul(*(args[:k] + args[k + 1:])) if len(args) > 2 else args[1 - k]
                if isinstance(rest, MatrixExpr) and rest.shape != node.shape:
                    continue  # the product would change shape: not this factor alone
                out.append((node, a, rest))
        elif isinstance(node, Mul):
            args = list(node.args)
            for k, a in enumerate(args):
                if a.is_number:
                    continue
                out.append((node, a, Mul(*(args[:k] + args[k + 1:]))))
        elif isinstance(node, HadamardProduct):  # G o s(Z) o (1 - s(Z)): one factor, or two together (s')
            args = list(node.args)
            for drop in [[k] for k in range(len(args))] + \
                    [[k, m] for k in range(len(args)) for m in range(k + 1, len(args)) if len(args) > 2]:
                kept = [a for k, a in enumerate(args) if k not in drop]
                gone = [args[k] for k in drop]
                out.append((node, gone[0] if len(gone) == 1 else HadamardProduct(*gone),
                            kept[0] if len(kept) == 1 else HadamardProduct(*kept)))
        if len(out) >= _CANDIDATES:
            break
    return out


def _inner_derivatives(target):
    """(u, du/dx) for the inner functions u of a scalar f of one scalar variable x."""
    f, variables = target.f, [w for w in target.wrt if isinstance(w, sympy.Symbol)]
    if not isinstance(f, sympy.Expr) or len(variables) != 1:
        return []
    x, out, seen = variables[0], [], set()
    for node in sympy.preorder_traversal(f):
        inner = list(node.args) if isinstance(node, sympy.Function) else [node.base] if isinstance(node, sympy.Pow) else []
        for u in inner:
            if u != x and x in u.free_symbols and u not in seen:
                seen.add(u)
                du = sympy.diff(u, x)
                if not du.is_number:
                    out.append((u, du))
        if len(out) >= 8:
            break
    return out


def _chain_factor(factor, target):
    """Is `factor` (maybe transposed) the derivative of an inner function of f: X for X@w, or
    du/dx for an inner u of a scalar f?"""
    f = target.f
    if not isinstance(f, sympy.Basic):
        return False
    core = factor.arg if isinstance(factor, Transpose) else factor
    axes = set(getattr(target, "axes", ()))
    if axes and core in _elements(core) and axes & set(_element_indices(core)):
        # x[k] for w[k]: the derivative of an inner sum(w[j]*x[j], j) of f, when f pairs w with x
        array = core.parent if isinstance(core, MatrixElement) else core.base
        return any(array in _atoms(p, MatrixSymbol, sympy.IndexedBase) and any(
            w.parent in _atoms(p, MatrixSymbol) if isinstance(w, MatrixElement) else
            getattr(w, "base", w) in _atoms(p, sympy.IndexedBase, MatrixSymbol) for w in target.wrt)
            for p in _atoms(f, Sum, MatMul))
    maps = [m for m in _atoms(core, ElementwiseApplyFunction)]
    if maps and isinstance(core, (HadamardProduct, ElementwiseApplyFunction, MatAdd)):
        # sigmoid(XW) o (1 - sigmoid(XW)): the entrywise derivative of an entrywise map of f
        inner = {m.expr for m in _atoms(f, ElementwiseApplyFunction)}
        return all(m.expr in inner for m in maps)
    if isinstance(core, MatrixSymbol):
        for product in f.atoms(MatMul):
            args = [a.arg if isinstance(a, Transpose) else a for a in product.args]
            if core in args and any(w in args for w in target.wrt):
                return True
        return False
    variables = [w for w in target.wrt if isinstance(w, sympy.Symbol)]
    for node in sympy.preorder_traversal(f):
        inner = list(node.args) if isinstance(node, sympy.Function) else [node.base] if isinstance(node, sympy.Pow) else []
        for u in inner:
            for x in variables:
                if u != x and x in u.free_symbols:
                    du = sympy.diff(u, x)
                    if not du.is_number and (sympy.expand(du - factor) == 0 or sympy.expand(du + factor) == 0):
                        return True
    return False
