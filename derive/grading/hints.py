"""Why a student's answer could not be read, said so that the student can fix it.

derive's parser already names what went wrong, in one line with a column ("unknown function 'sigma'",
"'3xy': a number written against a name").  A grader wants more: advice in the question's own terms
(`lam` is what the question calls lambda, `X @ w` because X and w are declared arrays).
`unreadable_reason` reads the parser's message, the answer's text and the question's declarations,
and the first rule of `RULES` that recognizes the failure words the reason.  Nothing here evaluates
the text: the rules look at it with regular expressions, and only derive's own parser reads it.
"""

import difflib
import re
from dataclasses import dataclass
from collections.abc import Callable

import sympy
from sympy import IndexedBase, MatrixSymbol

from ..errors import DeriveError, LimitError
from ..text.declarations import IndexSpec, declare
from ..text.expressions import parse
from ..text.grammar.calls import callable_names
from ..text.grammar.typed import LAMBDA_NAME
from ..text.namespace import Namespace

# Spellings of one Greek letter: a student's `lambda` is the question's `lam`.
GREEK_SPELLINGS = [
    {"lambda", "lamda", "lmbda", "lam", "lmb", "λ"}, {"sigma", "sig", "sgm", "σ"}, {"theta", "th", "tht", "θ"},
    {"alpha", "alp", "α"}, {"beta", "bet", "β"}, {"gamma", "gam", "γ"}, {"delta", "dlt", "δ"},
    {"epsilon", "eps", "epsi", "ε"}, {"eta", "η"}, {"mu", "μ"}, {"nu", "ν"}, {"tau", "τ"}, {"rho", "ρ"},
    {"phi", "ϕ", "φ"}, {"psi", "ψ"}, {"omega", "om", "ω"}, {"kappa", "kap", "κ"}, {"xi", "ξ"}, {"pi", "π"},
]

# Function names from other notations -> derive's name, and what derive's function is (for the words).
FUNCTION_SPELLINGS = {
    "sigma": "sigmoid", "sig": "sigmoid", "sigm": "sigmoid", "logistic": "sigmoid", "expit": "sigmoid",
    "σ": "sigmoid", "logsoftmax": "log_softmax", "logsumexponential": "logsumexp", "lse": "logsumexp",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sgn": "sign", "inverse": "inv", "det": "det",
    "norm2": "norm", "l2norm": "norm", "rectifier": "relu", "transp": "transpose", "lngamma": "loggamma",
}
FUNCTION_MEANINGS = {
    "sigmoid": "the logistic function 1/(1 + exp(-z))", "softmax": "the vector exp(z)/sum(exp(z))",
    "log_softmax": "log(softmax(z))", "logsumexp": "log(sum(exp(z)))", "relu": "max(z, 0)",
    "norm": "the Euclidean norm", "inv": "the matrix inverse",
}

_TIME = re.compile(r"took longer than|time budget")
_ASSIGN = re.compile(r"(?<![<>=!])=(?!=)")
_NAME = re.compile(r"[^\W\d]\w*")
_INDEXED_SPELLING = re.compile(r"([^\W\d][^\W_]*)_\{?([A-Za-z]{1,3})\}?")  # x_i, X_ij, w_{k}
_PAIR = re.compile(r"(?<![\w.])([^\W\d]\w*(?:\.T)?|\d+(?:\.\d*)?) +([^\W\d]\w*)")  # X w, 2 x
_BARS = re.compile(r"(?P<log>\b(?:ln|log)\s*)?\|(?P<inside>[^|]+)\|")  # ln|x|, |x - 1|
_HAT_T = re.compile(r"([^\W\d]\w*|\([^()]*\))\s*\^\s*T(?![\w{])")  # X^T, (A @ B)^T; not X^{T} (LaTeX)


@dataclass
class Failure:
    """One unreadable answer: its text, derive's message (without the column) and what the question declares."""

    text: str
    message: str
    column: int | None
    error: Exception | None
    names: dict  # declared name -> "array", "scalar", "size", "index" or "defined"

    def kind(self, token):
        """"array", "number", "scalar", ... for an operand as written (X, X.T, X', (A @ x), 2)."""
        token = token.strip()
        if re.fullmatch(r"[\d.]+", token):
            return "number"
        if token.endswith((".T", "'")) or _HAT_T.fullmatch(token):
            return "array"
        if token.startswith("("):
            inside = set(_NAME.findall(token))
            return "array" if any(self.names.get(n) == "array" for n in inside) or "@" in token else None
        return self.names.get(token)


@dataclass(frozen=True)
class Rule:
    """`recognize(failure)` -> the fields of `words`, or None when the rule does not apply."""

    name: str
    recognize: Callable
    words: str


def unreadable_reason(text, error=None, symbols=None):
    """One line that tells a student why derive could not read `text` and what to write instead.

    `error` is the DeriveError that parsing or checking the answer raised (ParseError, SymbolError,
    ShapeError, LimitError); `symbols` the question's declarations, as derive takes them (a
    declaration string such as "X: n x d, w: d; lam: positive", possibly with definitions
    "s = ...", a dict, a list of SymPy objects or a Namespace).  Without `error` the text is
    parsed here, and an answer that parses has no reason: None.
    """
    if error is None:
        try:
            parse(text or "", symbols=_namespace(symbols))
            return None
        except DeriveError as exc:
            error = exc
    failure = _failure(text, error, declared_kinds(symbols))
    for rule in RULES:
        fields = rule.recognize(failure)
        if fields is not None:
            return re.sub(r"\s*\n\s*", " ", rule.words.format(**fields))  # one line, whatever the text held
    raise AssertionError("the last rule recognizes every failure")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# the recognizers, in the order RULES tries them


def _empty(f):
    return {} if not (f.text or "").strip() or f.message == "empty expression" else None


def _too_slow(f):
    return {"limit": f.message} if isinstance(f.error, LimitError) and _TIME.search(f.message) else None


def _too_long(f):
    return {"limit": f.message} if isinstance(f.error, LimitError) else None


def _equation(f):
    at = [m.start() for m in _ASSIGN.finditer(f.text)]
    pointed = f.column is not None and f.column - 1 in at
    if not at or not ("'='" in f.message or pointed):
        return None
    left, right = f.text[:at[-1]].strip(), f.text[at[-1] + 1:].strip()
    shown = f" ({right})" if right and len(right) <= 40 else ""
    return {"left": left, "shown": shown}


def _absolute_bars(f):
    """ln|x|, |x - 1|: derive's text has no bars (its LaTeX does); an antiderivative's log|u| is
    log(abs(u))."""
    m = _BARS.search(f.text)
    if m is None or "\\" in f.text:
        return None
    inside = m.group("inside").strip()
    fix = f"log(abs({inside}))" if m.group("log") else f"abs({inside})"
    return {"fix": fix, "written": m.group(0).strip()}


def _brackets(f):
    m = re.match(r"unbalanced brackets: (.*)", f.message) or re.match(r"this ('.') is never closed", f.message)
    if m is None:
        return None
    detail = m.group(1) if m.group(0).startswith("unbalanced") else f"{m.group(1)} is never closed"
    return {"detail": detail, "where": _where(f.column)}


def _transpose_hat(f):
    """X^T(...) and X^T y: the power ^T followed by a bracket or a name, which Python reads as T(...) or 'T y'."""
    if not (re.search(r"unknown function 'T'", f.message) or re.search(r"side by side \('T ", f.message)):
        return None
    for m in _HAT_T.finditer(f.text):
        start = _index(f.text, m.end() + 1)  # the operand the ^T stands against
        operand = _operand(f.text, start) if start is not None else None
        if operand:
            break
    else:
        return None
    short = operand if len(operand) <= 30 else "(...)" if operand.startswith("(") else "..."
    return {"base": m.group(1), "written": f.text[m.start():start] + short, "operand": short}


def _number_against_name(f):
    m = re.search(r"'([\d.]+(?:[eE][-+]?\d+)?)([^\W\d]\w*)': a number written against a name", f.message)
    if m is None:
        return None
    number, name = m.groups()
    parts = _split(name, f.names)
    if parts is None:  # no declared names make it up: letters, unless it reads as one word
        parts = list(name) if len(name) <= 3 and not greek(name) else [name]
    product = _product([number, *parts], f)
    return {"fix": product, "written": number + name, "why": _why(product)}


def _side_by_side(f):
    m = re.search(r"two terms side by side \('(.+) (.+?)'\)", f.message)
    if m is None:  # Python sometimes only says "invalid syntax" before a pair, as in (X w - y)
        unexpected = re.match(r"unexpected '(.*)'", f.message)
        m = unexpected and _PAIR.search(unexpected.group(1))
    if not m:
        return None
    left, right = (t.replace(LAMBDA_NAME, "lambda") for t in m.groups())
    if left in callable_names():
        return {"fix": f"{left}({right})", "written": f"{left} {right}", "why": "(a function takes brackets)"}
    if f.kind(left) is None and f.kind(right) is None and not re.fullmatch(r"[\d.]+", left + right):
        return None  # nothing says whether it is a matrix product: the parser's words give both
    product = _product([left, right], f)
    return {"fix": product, "written": f"{left} {right}", "why": _why(product)}


def _call_of_a_value(f):
    """2(x + 1), X.T(Xw - y), x(x + 1): a value followed by a bracket is a product, not a call."""
    named = re.match(r"unknown function '(\w+)'", f.message)
    if named and named.group(1) not in f.names and not (len(named.group(1)) == 1 and named.group(1).islower()):
        return None  # an unknown name before a bracket is more likely a function's: see _function_name
    if not named and "only calls of known functions are allowed" not in f.message:
        return None
    at = _index(f.text, f.column)
    value = _operand(f.text, at) if at is not None else None
    if not value:
        return None
    rest = f.text[at + len(value):].lstrip()
    argument = _operand(rest, 0) if rest.startswith("(") else None
    if argument is None:
        return None
    shown = argument if len(argument) <= 30 else "(...)"
    product = _product([value, shown], f)
    return {"fix": product, "written": f"{value}{shown}", "why": _why(product)}


def _function_name(f):
    m = re.match(r"unknown function '(\w+)'", f.message)
    if m is None:
        return None
    name, known = m.group(1), sorted(callable_names())
    squeezed = {k.replace("_", "").lower(): k for k in known}
    use = (FUNCTION_SPELLINGS.get(name) or FUNCTION_SPELLINGS.get(name.lower())
           or squeezed.get(name.replace("_", "").lower())
           or next(iter(difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.8)), None))
    if use is None:
        return {"name": name, "where": _where(f.column), "fix": "derive knows " + ", ".join(known)}
    meaning = f" ({FUNCTION_MEANINGS[use]})" if use in FUNCTION_MEANINGS else ""
    return {"name": name, "where": _where(f.column), "fix": f"write {use}(...) for {name}(...){meaning}"}


def _glued_names(f):
    """Xw, xy: declared names written against each other read as one unknown name."""
    m = re.match(r"unknown symbol '(\w+)'", f.message)
    parts = _split(m.group(1), f.names) if m else None
    if not parts or len(parts) < 2:
        return None
    product = _product(parts, f)
    return {"fix": product, "written": m.group(1), "why": _why(product)}


def _close_name(f):
    m = re.match(r"unknown symbol '(\w+)'(?: \(declared: (.*)\))?", f.message)
    if m is None:
        return None
    name = m.group(1).replace(LAMBDA_NAME, "lambda")
    listed = [n for n in (m.group(2) or "").split(", ") if n and n != "none"]
    names = {**{n: None for n in listed}, **f.names}
    use = _indexed(name, names) or near(name, [n for n, k in names.items() if k not in ("size", "index")])
    if use is None:
        uses = ", ".join(n for n, k in names.items() if k not in ("size", "index")) or "none"
        return {"fix": f"'{name}' is not a name the question uses (it uses {uses})"}
    if "[" in use:
        return {"fix": f"write {use} for {name} (an entry is written with brackets)"}
    return {"fix": f"write {use} (the question's name) for {name}"}


def _power_of_function(f):
    """sin^2(x): a power on a function's name, as in print; derive wants sin(x)**2."""
    m = re.match(r"'(\w+)' is a function", f.message)
    found = m and re.search(rf"\b{m.group(1)}\s*\^\s*(\w+)\s*(\([^()]*\))", f.text)
    if not found:
        return None
    power, argument = found.groups()
    return {"fix": f"{m.group(1)}{argument}**{power}", "written": found.group(0)}


def _anything(f):
    return {"message": _clean(f.message), "where": _where(f.column)}


RULES = [
    Rule("empty", _empty, "no answer given"),
    Rule("too_slow", _too_slow, "derive ran out of time on this answer ({limit}); write it more simply"),
    Rule("too_long", _too_long, "the answer is beyond derive's size limits ({limit}); write it more compactly, "
         "with sum(..., i) or matrix products"),
    Rule("equation", _equation, "write only the expression after '='{shown}, without '{left} =' "
         "(derive reads an expression, not an equation)"),
    Rule("absolute_bars", _absolute_bars, "write {fix} for {written} (derive writes |u| as abs(u))"),
    Rule("brackets", _brackets, "unbalanced brackets{where}: {detail}"),
    Rule("transpose_hat", _transpose_hat, "write {base}.T @ {operand} for {written} (derive needs @ for a matrix "
         "product; or use LaTeX, {base}^{{T}})"),
    Rule("number_against_name", _number_against_name, "write {fix} for {written} {why}"),
    Rule("side_by_side", _side_by_side, "write {fix} for {written} {why}"),
    Rule("call_of_a_value", _call_of_a_value, "write {fix} for {written} {why}"),
    Rule("function_name", _function_name, "unknown function '{name}'{where}: {fix}"),
    Rule("glued_names", _glued_names, "write {fix} for {written} {why}"),
    Rule("close_name", _close_name, "{fix}"),
    Rule("power_of_function", _power_of_function, "write {fix} for {written}"),
    Rule("anything", _anything, "{message}{where}"),
]

# derive's words for its own users (the CLI, Python callers) -> a student's
_CLEANUP = [
    (re.compile(LAMBDA_NAME), "lambda"),
    (re.compile(r"\bthe (expression|formula)\b"), "the answer"),
    (re.compile(r": declare it \(.*\)$"), " in this question"),
    (re.compile(r"; g'\(u\) is the derivative of a function declared 'g: function'"), ""),
    (re.compile(r"pass the formula with syntax=\"latex\" \(--latex on the command line\), or write it in "
                r"derive's text"), "write the whole answer in LaTeX, or in derive's text"),
    (re.compile(r"pass the formula with syntax=\"latex\""), "write the whole answer in LaTeX"),
    (re.compile(r"derive\.grad\(f, wrt\)"), "the derivative itself"),
]


# ---------------------------------------------------------------------------------------------
# helpers


def _failure(text, error, names):
    message = getattr(error, "reason", None) or str(error)
    column = getattr(error, "column", None)
    m = re.match(r"column (\d+): (.*)", message)
    if m:  # errors other than ParseError carry the column in their message only
        column, message = int(m.group(1)), m.group(2)
    return Failure(text or "", message.strip(), column, error, names)


def _where(column):
    return f" (column {column})" if column else ""


def _clean(message):
    for pattern, words in _CLEANUP:
        message = pattern.sub(words, message)
    return message


def _index(text, column):
    """The 0-based position of a 1-based column, at the next non-blank character."""
    if not column or column > len(text):
        return None
    at = column - 1
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _operand(text, at):
    """The operand written from `at`: a bracketed group, a name or a number, with a transpose after it."""
    if at >= len(text):
        return None
    if text[at] in "([":
        depth = 0
        for k in range(at, len(text)):
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[k], 0)
            if depth == 0:
                end = k + 1
                break
        else:
            return None
    else:
        m = re.compile(r"[\d.]+|[^\W\d]\w*").match(text, at)
        if m is None:
            return None
        end = m.end()
    suffix = re.compile(r"\.T\b|'|\^\s*T(?![\w{])").match(text, end)
    return text[at:suffix.end() if suffix else end]


def _product(factors, f):
    """Factors joined by @ between two arrays, else by *."""
    out = factors[0]
    for left, right in zip(factors, factors[1:]):
        out += " @ " + right if f.kind(left) == "array" and f.kind(right) == "array" else "*" + right
    return out


def _why(product):
    return "(a matrix product)" if "@" in product else "(derive needs * between factors)"


def _split(name, names):
    """`name` as declared names written together (Xw -> [X, w]), fewest parts first; None if it is not."""
    usable = sorted((n for n, k in names.items() if k != "index"), key=len, reverse=True)
    best = {0: []}
    for end in range(1, len(name) + 1):
        for n in usable:
            start = end - len(n)
            if (start >= 0 and start in best and name[start:end] == n
                    and (end not in best or len(best[start]) + 1 < len(best[end]))):
                best[end] = best[start] + [n]
    return best.get(len(name)) if name not in names else None


def greek(name):
    return next((spellings for spellings in GREEK_SPELLINGS if name.lower() in spellings), None)


def _indexed(name, names):
    """x_i -> x[i], X_ij -> X[i, j] when x (X) is one of the question's names."""
    m = _INDEXED_SPELLING.fullmatch(name)
    if m is None or m.group(1) not in names:
        return None
    base, indices = m.groups()
    return f"{base}[{', '.join(indices)}]"


def near(name, names):
    """The question's name that `name` most likely means: another spelling of the same Greek letter,
    the same name in other capitals, one the other abbreviates, or a close spelling."""
    spellings = greek(name)
    for candidate in names:
        if spellings and candidate.lower() in spellings:
            return candidate
    for candidate in names:
        if candidate.lower() == name.lower():
            return candidate
    for candidate in names:
        short, full = sorted((candidate, name), key=len)
        if len(short) >= 2 and full.startswith(short):
            return candidate
    return next(iter(difflib.get_close_matches(name, names, n=1, cutoff=0.75)), None)


def declared_kinds(symbols):
    """The question's names -> "array", "scalar", "size", "index" or "defined" (a let-definition)."""
    if symbols is None:
        return {}
    if isinstance(symbols, str):
        objects, defined = {}, {}
        for piece in (p for p in re.split(r"[;\n]", symbols) if p.strip()):
            if _ASSIGN.search(piece):  # "s = 1/(1 + exp(-z))": a definition, as `check`'s let
                defined[piece.split("=", 1)[0].strip()] = "defined"
                continue
            try:
                objects.update(declare(piece))
            except DeriveError:  # a declaration derive refuses: its names, of unknown kind
                names = re.split(r"[,\s]+", " ".join(re.findall(r"([^:,]+):", piece)))
                defined.update({n: None for n in names if n})
        return {**_kinds(objects), **defined}
    if isinstance(symbols, Namespace):
        return {**_kinds(symbols.names), **{str(s): "size" for s in symbols.declared_sizes},
                **{str(i): "index" for i in symbols.index_names}}
    if isinstance(symbols, dict):
        return _kinds(symbols)
    return _kinds({getattr(s, "name", str(s)): s for s in symbols})


def _kinds(objects):
    kinds = {}
    for name, obj in objects.items():
        if isinstance(obj, (MatrixSymbol, IndexedBase, sympy.MatrixBase)):
            kinds[name] = "array"
            for size in (s for d in getattr(obj, "shape", ()) for s in getattr(d, "free_symbols", ())):
                kinds.setdefault(str(size), "size")
        elif isinstance(obj, IndexSpec):
            kinds[name] = "index"
        else:
            kinds.setdefault(name, "scalar")
    return kinds


def _namespace(symbols):
    return Namespace(_declarations_only(symbols)) if isinstance(symbols, str) else symbols


def _declarations_only(text):
    return "; ".join(p for p in re.split(r"[;\n]", text) if p.strip() and not _ASSIGN.search(p)) or None
