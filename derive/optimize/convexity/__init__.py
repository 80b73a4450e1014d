"""Convexity: "show that the Hessian is PSD", or find where it is not.

    convexity("x**4 + y**2", "x y")                                   -> convex (diagonal, 12 x^2 >= 0, 2 > 0)
    convexity("norm(X@w - y)**2 + lam*norm(w)**2", "w",
              "X: n x d, w: d, y: n; lam: nonnegative")              -> convex (2 lam I + 2 X^T X)
    convexity("sum(log(1 + exp(-y[i]*sum(w[j]*x[i,j], j))), i)", "w") -> convex (sum_i c_i x_i x_i^T, c_i >= 0)
    convexity("x**2 - y**2", "x y")                                   -> not convex: v = (0, 1), v^T H v = -2

derive's own Hessian (validated like every derivative) is read by a table of
recognizers, one per structure, per notation: `components.RULES` (scalar
variables), `matrix.RULES` (a vector variable in matrix notation), `index.RULES`
(w[k]).  Each returns an argument in words and formulas, or None; the signs of
entries and coefficients are proved by interval arithmetic (`signs.py`) with
what f's domain and the declarations say (`domain.py`).  Every argument is then
checked against the numbers: the Hessian's eigenvalues at random points of f's
domain (`search.py`).  They come first: a direction of negative curvature,
made exact and re-evaluated exactly (or to 40 digits), with f above its chord
there, settles "not convex" (or "concave", if -H is shown PSD and no point has
positive curvature), so an argument is only sought, and returned, where no
point contradicts it.  Random sampling never makes f "convex": without an
argument the answer is "not decided".

May import: derive.derivation and everything below it.
"""

from dataclasses import replace

import numpy as np
import sympy
from sympy import Indexed, MatrixSymbol
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ...derivation.api import derive_problem
from ...calculus.reals import RealView
from ...errors import DeriveError
from ...text.budgets import DEFAULT_LIMITS, time_budget
from ...calculus.targets import tensor_targets
from ...calculus.variables import Problem, read_problem
from ...text.printing import to_text
from ...validation.instances import data_kinds
from . import components, index, matrix, search
from .context import Context
from .domain import read_domain
from .result import Convexity, Step
from .signs import Facts

__all__ = ["Convexity", "convexity"]


def convexity(f, wrt=None, symbols=None, *, seed=0, limits=DEFAULT_LIMITS):
    """Decide whether `f` is convex in `wrt`; returns a `Convexity`.

    `f` is a scalar (text or SymPy) in scalar variables ("x y"), a vector in
    matrix notation ("w" with "w: d" declared) or index notation ("w[k]").
    Symbols that are not variables are parameters and data: "convex" means
    convex for every admissible value of them (declare "lam: nonnegative").

    >>> convexity("x**2 + y**2", "x y").status
    'strictly convex'
    >>> convexity("x**2 - y**2", "x y").counterexample["curvature"]
    -2
    """
    with time_budget(limits.seconds, "deciding convexity"):
        problem = read_problem(f, wrt, symbols)
        _require_vector(problem)
        d = derive_problem(problem, "hessian", seed=seed)
        setup = _SETUPS[d.notation](d, problem.namespace)
        return _decide(d, setup, np.random.default_rng(seed))


def _require_vector(problem):
    """Index notation by an element of a vector (w[k]): a Hessian in W[k, a] would be a 4-index array."""
    if problem.wrt is None:
        return
    targets = tensor_targets(problem.wrt, problem.namespace, problem.f) or ()
    for t in targets:
        if isinstance(t, Indexed) and len(t.indices) != 1:
            raise DeriveError(f"convexity in index notation needs an element of a vector, like w[k]; {t} has "
                              f"{len(t.indices)} indices (its Hessian would have {2 * len(t.indices)}): write the "
                              "matrix's entries as a vector, or use scalar variables")


class _Setup:
    """What one notation gives the decision: the rule context, the samplers, f's domain,
    and how to hand objects back to the user."""

    def __init__(self, ctx, H, samplers, domain, is_variable, user=lambda obj: obj):
        self.ctx, self.H, self.samplers, self.domain, self.user = ctx, H, samplers, domain, user
        self.is_variable = is_variable


def _components(d, namespace):
    view = RealView(d.f, d.result, *d.wrt)
    f, H, variables = view.real(d.f), view.real(d.result), tuple(view.real(list(d.wrt)))
    facts = Facts()

    def is_variable(atom):
        return atom in variables

    domain = read_domain(f, facts, is_variable)
    kinds = _declare_kinds(facts, namespace, f, lambda obj: view.real(obj))
    ctx = Context(components.RULES, facts, f, lambda g: components.gradient(g, variables), variables)
    domain.settle(lambda u: _concave_steps(ctx, components.hessian(u, variables)))
    if f.has(Indexed) or H.has(Indexed):  # parameters of a sample: sum((x[i] - mu)**2, i) in mu
        samplers = search.data_instances(f, variables, H, kinds)
    else:
        samplers = [search.ExplicitSampler(f, variables, H, kinds=kinds)]
    return _Setup(ctx, H, samplers, domain, is_variable, view.user)


def _matrix(d, namespace):
    (w,) = d.wrt
    if not isinstance(w, MatrixSymbol) or w.shape[1] != 1:
        raise DeriveError(f"convexity in matrix notation needs a vector variable (n x 1); {w} is "
                          f"{w.shape[0]} x {w.shape[1]}: write f in terms of its entries or of a vector")
    facts = Facts()
    entries = matrix.Entries(facts)
    matrix.domain_facts(d.f, facts, entries)
    domain = read_domain(d.f, facts, lambda atom: atom == w, entries.scalar)
    _declare_kinds(facts, namespace, d.f, lambda obj: entries.label(obj) if isinstance(obj, MatrixSymbol) else obj)
    properties = _properties(d.f, namespace)
    ctx = Context(matrix.RULES, facts, d.f, None, d.wrt, {"entries": entries, "properties": properties})
    domain.settle(lambda u: _concave_steps(ctx, derive_problem(Problem.within(namespace, u, w), "hessian").result))
    samplers = [search.MatrixSampler(d.f, w, d.result, properties)]
    return _Setup(ctx, d.result, samplers, domain, lambda atom: atom == w)


def _index(d, namespace):
    targets = tuple(d.wrt)
    base = targets[0].base
    facts = Facts()

    def is_variable(atom):
        return isinstance(atom, Indexed) and atom.base == base

    domain = read_domain(d.f, facts, is_variable)
    kinds = _declare_kinds(facts, namespace, d.f, lambda obj: getattr(obj, "label", obj))
    one_index = all(len(t.indices) == 1 for t in targets)

    def gradient(g):
        return derive_problem(Problem.within(namespace, g, targets[0]), "grad", validate_result=False).result

    ctx = Context(index.RULES if one_index else (), facts, d.f, gradient, targets,
                  {"range": search.index_ranges(namespace, d.f, targets)})
    samplers = search.index_instances(d.f, targets, d.result, namespace, kinds)
    return _Setup(ctx, d.result, samplers, domain, is_variable)


def _declare_kinds(facts, namespace, f, key):
    """Declared data kinds ("y: binary"): facts for the sign rules (under the atom `key(obj)` they
    read), and {object: kind} for the samplers."""
    kinds = data_kinds(namespace, f)
    for obj, kind in kinds.items():
        facts.add_kind(key(obj), kind, str(getattr(obj, "name", obj)))
    return kinds


def _properties(f, namespace):
    """Declared words per matrix and scalar symbol of f (spd, symmetric, data kinds), as `Point.draw` takes them."""
    declared = getattr(namespace, "properties", None) or {}
    objects = f.atoms(MatrixSymbol) | {s for s in f.free_symbols if isinstance(s, sympy.Symbol)}
    return {obj: set(declared[obj.name]) for obj in objects if declared.get(obj.name)}


_SETUPS = {"components": _components, "matrix": _matrix, "index": _index}


def _decide(d, setup, rng):
    """Numbers first: a confirmed direction of negative curvature settles "not convex" (and rules out
    every argument that H is PSD); only without one is an argument sought, so an argument is never
    returned against the numbers."""
    H, ctx, domain = setup.H, setup.ctx, setup.domain
    found = search.candidates(setup.samplers, rng)
    where = _where(setup.samplers, len(found))
    kinks = _kinks(d.f if ctx.f is None else ctx.f, setup.is_variable)  # ctx.f: over the reals, as is_variable
    counterexample = search.violation(found, 1)
    if counterexample is not None:
        if not kinks and search.violation(found, -1) is None:
            concave = ctx.prove(_negated(H), f=None if ctx.f is None else -ctx.f)
            if concave is not None and domain.convex:
                steps = [Step("f is concave where -H is PSD; -H", _negated(H))] + concave.indented("  ")
                return _result(d, setup, "concave", domain.steps + steps, counterexample, evidence=(
                    f"symbolic argument for -H; largest Hessian eigenvalue <= 0 (to rounding) {where}"))
        exact = "exactly" if counterexample["exact"] else f"to {search.DIGITS} digits"
        return _result(d, setup, "not convex", [], counterexample,
                       evidence=f"v^T H v < 0 confirmed {exact} at the point and direction found (of {len(found)} "
                                "random points of the domain), and f(x + t v) + f(x - t v) < 2 f(x) there "
                                f"(t = {counterexample['step']}): f lies above a chord")
    argument = None if kinks else ctx.prove(H, f=ctx.f)
    if argument is not None:
        if not found:
            return _result(d, setup, "not decided", argument.steps, note=(
                "the Hessian was shown PSD, but that could not be checked numerically: " + _unevaluated(setup)))
        if not domain.convex:
            return _result(d, setup, "not decided", argument.steps, evidence=f"the Hessian is PSD {where}",
                           note=f"the Hessian is PSD wherever f is defined, but {domain.why_not}")
        status = "strictly convex" if argument.definite else "convex"
        return _result(d, setup, status, domain.steps + argument.steps,
                       evidence=f"symbolic argument; smallest Hessian eigenvalue >= 0 (to rounding) {where}")
    note = ("no structure the rules recognize shows the Hessian PSD, and no direction of negative curvature was "
            f"found {where}; that is evidence, not a proof")
    if kinks:
        note = (f"f has kinks in the variables ({', '.join(kinks)}); the Hessian test needs f twice differentiable, "
                f"so only a counterexample could decide, and none was found {where}")
    if not found:
        note = "no direction of negative curvature could be searched for: " + _unevaluated(setup)
    return _result(d, setup, "not decided", [], note=note)


def _unevaluated(setup):
    failures = [s.failure for s in setup.samplers if s.failure]
    return "; ".join(dict.fromkeys(failures)) or "no point of f's domain was found (check the declarations)"


def _concave_steps(ctx, H):
    found = replace(ctx, depth=1).prove(_negated(H))
    return None if found is None else [Step("its Hessian negated", _negated(H))] + found.indented("  ")


def _result(d, setup, status, steps, counterexample=None, evidence="", note=""):
    if counterexample is not None:
        counterexample = {**counterexample,
                          "point": {setup.user(s): v for s, v in counterexample["point"].items()},
                          "direction": {setup.user(s): v for s, v in counterexample["direction"].items()}}
    return Convexity(d.f, tuple(d.wrt), d.notation, d.result, status, list(steps), counterexample,
                     list(setup.domain.conditions), evidence, note)


KINKS = (sympy.Abs, sympy.Max, sympy.Min, sympy.sign, sympy.Heaviside, sympy.floor, sympy.ceiling,
         sympy.Piecewise)


def _kinks(f, is_variable):
    """The functions with kinks or steps that f applies to its variables (abs(x), max(x, y)), as text."""
    found = [node for node in sympy.preorder_traversal(f) if isinstance(node, KINKS)
             and any(is_variable(a) for a in node.atoms(sympy.Symbol, Indexed, MatrixSymbol))]
    found += [node for node in f.atoms(ElementwiseApplyFunction) if node.function.atoms(*KINKS)
              and any(is_variable(a) for a in node.expr.atoms(MatrixSymbol))]  # abs, max applied entrywise
    return list(dict.fromkeys(to_text(node) for node in found))


def _negated(H):
    return -H if not isinstance(H, sympy.MatrixBase) else H.applyfunc(lambda e: -e)


def _where(samplers, count):
    sizes = [s for sampler in samplers for s in _sizes_of(sampler)]
    text = f"at {count} random points of f's domain"
    if sizes:
        text += " at sizes " + " and ".join(", ".join(f"{k} = {v}" for k, v in s.items()) for s in sizes)
    return text


def _sizes_of(sampler):
    if isinstance(sampler, search.MatrixSampler):
        return [s for s in sampler.sizes if s]
    return [sampler.sizes] if sampler.sizes else []

