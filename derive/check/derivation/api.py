"""`derive.check_derivation`: a whole derivation checked line by line.

    >>> import derive
    >>> v = derive.check_derivation('''
    ...     d/dw norm(X@w - y)**2 = 2*X.T @ (X@w - y)
    ...     = 2*X.T @ X @ w - 2*X.T @ y
    ...     = 2*X.T @ X @ w - X.T @ y''', symbols="X: n x d, w: d, y: n")
    >>> v.first_error, v.lines[2].mistake
    (2, 'factor')

Reading: the steps (`split`), definitions before the first step (``L(w) = ...``), the first
line's "what is derived" (`first_line`), then every line parsed by derive's own parser in one
namespace (one name, one variable, across the lines).  Checking: derive's derivative of f
(validated as always), the chain's instances (`entries`, `compare`) and the walk (`chain`).
"""

import re

import sympy
from sympy import MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

from ...calculus.variables import Problem
from ...derivation.api import derive_problem
from ...errors import DeriveError, LimitError, ParseError, ShapeError, SymbolError
from ...text.budgets import DEFAULT_LIMITS, time_budget
from ...text.expressions import parse
from ...text.inputs import as_basic, as_expression, new_namespace, split_names
from ..verdict import Verdict
from . import first_line, split
from .chain import as_derivative_value, walk
from .compare import Comparer
from .entries import Target
from .verdict import ChainVerdict, UnreadableDerivation


def check_derivation(lines, f=None, wrt=None, symbols=None, *, syntax=None, title="", limits=DEFAULT_LIMITS, seed=0):
    """Check a derivation line by line; returns a `ChainVerdict`.

    `lines`: one string (a LaTeX align/equation block or ``$$...$$``, split at ``\\\\`` with ``&``
    ignored; or plain text, one step per line) or a list of strings and SymPy expressions.  The
    first line says what is derived (``d/dw f = ...``, ``dL/dw = ...``, ``\\frac{\\partial L}
    {\\partial w} = ...``, ``\\nabla_w L = ...``), or `f` and `wrt` say it; a name L used there
    comes from `f` or from a line ``L = ...`` / ``L(w) = ...`` before it.  `symbols` declares
    names as in `derive.parse` (``"X: n x d, w: d, y: n"``).  `syntax` ("latex" or "text") forces
    how the lines are read; by default a derivation with LaTeX in any line is LaTeX throughout
    (``2X^T(Xw - y)`` on a later line is LaTeX too), else each line is detected.
    """
    with time_budget(limits.seconds * 2, "checking the derivation"):
        received = [x for x in (lines if isinstance(lines, (list, tuple)) else []) if isinstance(x, sympy.Basic)]
        ns = new_namespace(symbols, f, wrt, judged=received)  # the steps' sums are judged: they set no ranges
        steps = split.steps(lines)
        if not steps:
            raise ParseError("the derivation has no lines")
        definitions, steps, said = _read_head(steps)
        syntax = syntax or _chain_syntax([*steps, *definitions.values()] + ([said[0]] if said and said[0] else []))
        f_expr, wrt_items = _what_is_derived(said, f, wrt, definitions, ns, syntax)
        target = _target(f_expr, wrt_items, ns)
        derivative = as_derivative_value(_derive(f_expr, target, ns, seed))
        items = [_read_line(item, k, said, target, ns, seed, syntax) for k, item in enumerate(steps)]
        comparer = Comparer(target, [derivative] + [e for _, e, _ in items if e is not None], ns)
        verdicts = walk(items, derivative, comparer)
        final = _final(f_expr, target, verdicts, derivative, comparer, ns, seed)
        return ChainVerdict(verdicts, final, f_expr, target.wrt if not target.axes else (
            _element_of(target),), derivative, title, dict(definitions), _what(said, f_expr, target))


def check_or_report(lines, f=None, wrt=None, symbols=None, *, title="", **options):
    """`check_derivation`, or an `UnreadableDerivation` with the reason when the derivation cannot
    be checked at all: one derivation of a file never stops the others (`derive check-steps`)."""
    try:
        return check_derivation(lines, f=f, wrt=wrt, symbols=symbols, title=title, **options)
    except DeriveError as exc:
        return UnreadableDerivation(title, " ".join(str(exc).split()), lines)


# ---------------------------------------------------------------------------
# reading


def _read_head(steps):
    """(definitions {name: text}, the chain's steps, the first line's (f text, wrt names, rest) or
    None): definitions 'L = ...' before the line that says what is derived are not steps."""
    definitions = {}
    for k, item in enumerate(steps):
        if not isinstance(item, str):
            return definitions, steps[k:], None
        said = first_line.derivative(item)
        if said is not None:
            if said[2] is None:  # the derivative alone on its line: '= ...' steps follow
                return definitions, steps[k + 1:], said
            return definitions, steps[k:], said
        found = first_line.definition(item)
        if found is None or k == len(steps) - 1 or item.lstrip().startswith("="):
            return definitions, steps[k:], None
        definitions[found[0]] = found[1]
    return definitions, [], None


def _chain_syntax(texts):
    """"latex" when any line is LaTeX (one derivation is written one way), else None (detect)."""
    try:
        from ...text.latex.detect import is_latex
    except ImportError:
        return None
    return "latex" if any(isinstance(t, str) and is_latex(t) for t in texts) else None


def _parse(text, ns, syntax=None):
    return parse(text, ns, syntax=syntax) if syntax else parse(text, ns)


def _what_is_derived(said, f, wrt, definitions, ns, syntax=None):
    f_text, wrt_names = (said[0], said[1]) if said is not None else (None, None)
    label = _label(f_text)
    from_chain = True  # f as written in the derivation (its syntax), not the f= argument
    if label is not None and label in definitions:
        f = definitions[label]
    elif label is not None and f is not None:
        from_chain = False  # 'dL/dw', '\partial\ell/\partial\sigma', '\nabla_\mu J(\mu)' with f given as f=
    elif f_text is not None:
        if label is not None and re.fullmatch(r"\(?\s*\\?[A-Za-z]\w*(\{\\?\w+\})?\s*\)?", f_text.strip()) \
                and label not in ns.names:  # a bare name (L, \ell, \mathcal{L}) nothing defines
            raise SymbolError(f"the derivation does not say what {f_text.strip()} is: pass f=... or begin with a "
                              f"line '{f_text.strip()} = ...'")
        f = f_text
    elif f is None and definitions:
        f = list(definitions.values())[-1]  # '\nabla_w = ...' after 'L(w) = ...'
    else:
        from_chain = False
    if f is None:
        raise SymbolError("the derivation does not say what is derived: begin with a line like 'd/dw f = ...' "
                          "or 'dL/dw = ...', or pass f= and wrt=")
    wrt = wrt_names if wrt_names else wrt
    if wrt is None or (isinstance(wrt, str) and not wrt.strip()):
        raise SymbolError("the derivation does not say with respect to what: begin with 'd/dw f = ...' or pass wrt=")
    f_expr = _parse(f, ns, syntax) if from_chain and isinstance(f, str) else as_expression(f, ns)
    if isinstance(f_expr, sympy.MatrixExpr) and not isinstance(f_expr, sympy.MatrixBase) and f_expr.shape == (1, 1):
        f_expr = sympy.Trace(f_expr)  # x.T@A@x as a scalar
    items = wrt if isinstance(wrt, (list, tuple)) else (split_names(wrt) if isinstance(wrt, str) else [wrt])
    return f_expr, list(items)


def _label(f_text):
    """The name a first line differentiates when it writes a name, not a formula: L, (L), \\ell,
    \\mathcal{L}, J(\\theta), E_D(w) -> 'L', 'L', 'ell', 'L', 'J', 'E'; None for a formula."""
    if f_text is None:
        return None
    text = f_text.strip()
    if re.fullmatch(r"\(\s*[^()]*\)", text):
        text = text[1:-1].strip()
    if re.fullmatch(r"[A-Za-z]\w*", text):
        return text
    named = first_line.named(text)
    return None if named is None else named[0]


def _target(f, items, ns):
    objects = [ns.unify(as_basic(w)) if isinstance(w, sympy.Basic) else parse(_element_text(w, f, ns), ns)
               for w in items]
    if len(objects) == 1:
        w = objects[0]
        if isinstance(w, MatrixSymbol):
            return Target(f, (w,), (), ns)
        if isinstance(w, MatrixElement):  # w[k] of a declared w: the entries of the gradient by w
            axes = tuple(i for i, n in zip(w.indices, w.parent.shape) if n != 1)
            return Target(f, (w.parent,), axes, ns)
        if isinstance(w, sympy.Indexed):
            return Target(f, (w,), tuple(w.indices), ns)
    if all(isinstance(w, sympy.Symbol) for w in objects):
        return Target(f, tuple(objects), (), ns)
    raise SymbolError("a derivation is checked with respect to scalars, one vector or matrix, or one element "
                      "like w[k]; got " + ", ".join(map(str, objects)))


def _what(said, f, target):
    if said is not None and said[0]:
        return f"d/d{', '.join(said[1])} {said[0]}"
    if said is not None:
        return f"d/d{', '.join(said[1])}"
    from ...text.printing import to_text

    names = [to_text(_element_of(target))] if target.axes else [to_text(w) for w in target.wrt]
    return f"d/d{', '.join(names)} {to_text(f)}"


def _element_text(name, f, ns):
    """'w_k' (LaTeX's w_k read as a name) as the element 'w[k]' when w is an array f uses and w_k is
    no name of f; 'W_ab' as 'W[a, b]' for a matrix W."""
    m = re.fullmatch(r"([A-Za-z]+)_\{?([A-Za-z]{1,2})\}?", name.strip())
    if not m or (isinstance(f, sympy.Basic) and name.strip() in {str(s) for s in f.free_symbols}):
        return name
    base, sub = m.groups()
    array = ns.names.get(base)
    if isinstance(array, MatrixSymbol):
        wanted = 1 if 1 in array.shape else 2
    elif isinstance(array, sympy.IndexedBase) or (isinstance(f, sympy.Basic) and any(
            str(a.base.label) == base for a in f.atoms(sympy.Indexed))):
        wanted = len(sub)
    else:
        return name
    if len(sub) != wanted:
        return name
    return f"{base}[{', '.join(sub)}]"


def _element_of(target):
    w = target.wrt[0]
    if isinstance(w, MatrixSymbol):
        return w[target.axes[0], 0] if w.shape[1] == 1 else w[target.axes]
    return w


def _derive(f, target, ns, seed):
    return derive_problem(Problem.within(ns, f, target.wrt), "grad", seed=seed).result


def _read_line(item, k, said, target, ns, seed, syntax=None):
    """(text, expr or None, None or (status, message, mistake)) for one step."""
    if isinstance(item, sympy.Basic):
        return to_text_safe(item), ns.unify(item) if hasattr(ns, "unify") else item, None
    text = item
    body = said[2] if (k == 0 and said is not None and said[2] is not None) else item
    body = body.strip()
    if body.startswith("="):
        body = body[1:].strip()
    if not body:
        return text, None, ("unparsed", "the line has nothing after '='", None)
    try:
        inner = first_line.derivative(body)
        if inner is not None and inner[0] and inner[2] is None:  # '= d/dw (w.T@A@w - b.T@w)': derived here
            expr = _derive(_parse(inner[0], ns, syntax), _target(None, inner[1], ns), ns, seed)
            return text, as_derivative_value(expr), None
        expr = _parse(body, ns, syntax)
    except ShapeError as exc:
        return text, None, ("wrong", f"shape clash: {exc}", "shape")
    except LimitError:
        raise
    except DeriveError as exc:
        return text, None, ("unparsed", str(exc), None)
    if isinstance(expr, sympy.MatrixExpr) and not isinstance(expr, sympy.MatrixBase) and expr.shape == (1, 1) \
            and not target.matrix:
        expr = sympy.Trace(expr)
    return text, expr, None


def to_text_safe(expr):
    from ...text.printing import to_text

    return to_text(expr)


# ---------------------------------------------------------------------------


def _final(f, target, verdicts, derivative, comparer, ns, seed):
    """The last readable line against derive's derivative, as `derive.check` says it; where check
    has no reading of the line's notation (an index line for a declared vector), the chain's own
    comparison in a `Verdict`."""
    last = next((v for v in reversed(verdicts) if v.expr is not None), None)
    if last is None:
        return None
    from ..api import scalars_as_traces, check_problem

    wrt = (_element_of(target),) if target.axes else tuple(target.wrt)
    try:
        ns.received(judged=(last.expr,))  # the line's sums are judged: they set no ranges
        claim = scalars_as_traces(as_expression(last.expr, ns))
        verdict = check_problem(Problem.within(ns, scalars_as_traces(f), wrt), claim, seed=seed)
    except (DeriveError, TypeError, IndexError, AttributeError, NotImplementedError):
        verdict = None  # (IndexError: derive.check's transposed-factor rule on concrete-size SymPy matrices)
    if verdict is not None and verdict.ok == last.ok:
        return verdict
    # derive.check could not read the line, or disagrees with the chain: the chain's comparison
    # decides (it is checked at two instances, exactly) and says so
    status = "correct" if last.ok else "wrong"
    return Verdict(status, derivative, last.expr, "the last line equals the derivative" if last.ok else last.explanation,
                   last.evidence or comparer.evidence or "numeric comparison at concrete sizes",
                   mistake=None if last.ok else (last.mistake or "other"))
