"""One answer to one question -> a `Mark`: status, mistake, points and the words a student reads.

A `Mark` holds plain data (text, numbers, dicts), so that worker processes can send it back and
`results.json` can hold it as it is.  What derive could not read is "unreadable" with a reason the
student can act on; what derive could not decide is "ungraded" for a person to look at; neither
stops the run.
"""

import functools
import re
from dataclasses import asdict, dataclass, field

import sympy

from ..check.api import check
from ..check.derivation import check_derivation
from ..check.derivation.split import top_level_equals
from ..errors import DeriveError, LimitError, ParseError, ShapeError, SymbolError
from ..text.budgets import attempt
from ..text.grammar.calls import callable_names
from ..text.printing import to_text
from .answers import MAX_ANSWER
from .hints import greek, near
from .key import DERIVATIVES

STATUSES = ("correct", "wrong", "unreadable", "missing", "ungraded")


@dataclass
class Mark:
    """The outcome of one answer.  ``status``: "correct", "wrong", "unreadable" (derive cannot read
    it; ``reason`` says what to write instead), "missing" (no answer) or "ungraded" (derive could
    not decide; a person must).  ``mistake`` is `Verdict.mistake` (None unless wrong);
    ``explanation`` names the mistake; ``safe_explanation`` is the same without anything of the
    derivative the student did not write (for ``--no-solution``); ``counterexample`` is a point
    where the answer and the derivative differ, as the question declared its names; ``line`` (1-based)
    and ``line_text`` say where a derivation went wrong; ``step`` which step of the derivation of f
    the answer skipped or got wrong, when derive can tell; ``expected`` is derive's derivative (for the
    other kinds its antiderivative with a "+ C", the integral's value, the Taylor polynomial or the
    directional derivative)."""

    student: str
    question: str
    status: str
    points: float = 0.0
    max_points: float = 1.0
    mistake: str | None = None
    explanation: str = ""
    safe_explanation: str = ""
    reason: str = ""
    answer: str = ""
    counterexample: str = ""
    values: list | None = None  # (expected, claimed) at the counterexample, as numbers
    line: int | None = None
    line_text: str = ""
    step: str = ""
    expected: str = ""
    kind: str = "grad"
    source: str = ""
    verdict: dict | None = field(default=None, repr=False)

    @property
    def ok(self):
        return self.status == "correct"

    def to_dict(self):
        return asdict(self)

    def __str__(self):
        what = self.status.upper() if self.status != "correct" else "correct"
        if self.mistake:
            what += f" ({self.mistake})"
        words = self.reason or ("" if self.ok else self.explanation)
        return (f"{self.student} {self.question}: {what}, {self.points:g} of {self.max_points:g} points"
                + (f": {words}" if words else ""))

    def _repr_html_(self):
        from html import escape

        return f"<p>{escape(str(self))}</p>"


def mark(question, submission):
    """The `Mark` of one `Submission` against one `Question`."""
    out = _mark(question, submission)
    if out.status == "unreadable":  # a rubric may give something for an answer derive cannot read
        out.points = round(question.points * question.rubric.get("unreadable", 0.0), 6)
    return out


def _mark(question, submission):
    base = dict(student=submission.student, question=question.id, max_points=question.points,
                answer=submission.text, kind=question.kind, source=submission.source)
    if not submission.text.strip():
        return Mark(status="missing", reason="no answer given", **base)
    if len(submission.text) > MAX_ANSWER:
        return Mark(status="unreadable", reason=f"the answer is longer than {MAX_ANSWER} characters", **base)
    try:
        if submission.steps:
            return _derivation(question, submission, base)
        return _answer(question, submission.answer, submission.syntax, base)
    except (ParseError, SymbolError, ShapeError) as exc:
        return Mark(status="unreadable", reason=_reason(submission.text, exc, question), **base)
    except LimitError as exc:
        if "(the time budget)" in str(exc):  # derive ran out of time: not the student's fault, a person decides
            return Mark(status="ungraded", reason="derive could not decide in time; grade it by hand", **base)
        return Mark(status="unreadable", reason=f"too large to check ({_one_line(exc)}); write it shorter", **base)
    except DeriveError:  # derive could not decide: a person grades it
        return Mark(status="ungraded", reason="derive could not decide this answer; grade it by hand", **base)
    except Exception as exc:  # noqa: BLE001 - one answer never stops a class's grading
        # the reason stays generic: an internal message could quote the derivative
        return Mark(status="ungraded", reason=f"derive failed on this answer (an internal error, "
                                              f"{type(exc).__name__}); grade it by hand", **base)


def _answer(question, text, syntax, base, note=""):
    text = text.strip()
    cuts = top_level_equals(text)
    if cuts:  # "grad = ...", "dL/dw = ...", a derivation's "= ...": the claim is what follows the last '='
        text = text[cuts[-1] + 1:].strip()
    claim = text
    if syntax == "latex" and not text.lstrip().startswith(("$", "\\[", "\\(")):
        claim = f"${text}$"  # the answer alone is LaTeX (a .tex file); the key's f stays text
    options = question.options  # a, b (integral); at, order (taylor); at, u (directional)
    verdict = check(question.f, question.wrt, claim, question.kind, let=question.definitions,
                    symbols=question.declarations, **options)
    if verdict.ok:
        return _from_verdict(verdict, question, base, text, note)
    foreign = foreign_names(question, verdict.claimed, verdict.expected)
    # a Taylor or directional check takes no definitions: there lambda stays unreadable, with the hint
    aliases = _aliases(foreign, question) if question.kind not in ("taylor", "directional") else {}
    if foreign and aliases:  # lambda (or λ, \lambda) where the key says lam: the same name, spelled out
        let = "; ".join([*(f"{a} = {b}" for a, b in aliases.items()), question.definitions or ""]).strip("; ")
        verdict = check(question.f, question.wrt, claim, question.kind, let=let, symbols=question.declarations,
                        **options)
        said = ", ".join(f"{a} as {b}" for a, b in aliases.items())
        note = "; ".join(x for x in (note, f"read {said}, the question's name") if x)
        foreign = [n for n in foreign if n not in aliases]
    if foreign:
        return Mark(status="unreadable", reason=_foreign_reason(foreign, question), **base)
    return _from_verdict(verdict, question, base, text, note)


def _aliases(foreign, question):
    """{lambda: lam} for each foreign name that is another spelling of one Greek letter the question
    spells (lambda, λ, lamda for lam): exactly one of the question's names must be that letter."""
    own = _question_names(question.f, question.wrt, question.let)
    out = {}
    for name in foreign:
        spellings = greek(name) or ()
        same = [n for n in own if n != name and n.lower() in spellings]
        if len(same) == 1:
            out[name] = same[0]
    return out


def foreign_names(question, claimed, expected=None):
    """Names in the claim that neither the question nor derive's derivative has (lambda where the key
    says lam; the derivative brings the sizes sums run to): such an answer is not wrong mathematics
    but another notation, so it is unreadable, not wrong."""
    if isinstance(claimed, sympy.MatrixBase):
        claimed = sympy.ImmutableMatrix(claimed)
    if not isinstance(claimed, sympy.Basic):
        return []
    own = set(_question_names(question.f, question.wrt, question.let))
    if isinstance(expected, sympy.MatrixBase):
        expected = sympy.ImmutableMatrix(expected)
    if isinstance(expected, sympy.Basic):
        own |= {_name(a) for a in expected.atoms(sympy.Symbol, sympy.MatrixSymbol, sympy.IndexedBase)}
    bound = {v for s in claimed.atoms(sympy.Sum) for v in s.variables}
    if question.kind == "antiderivative":  # the "+ C" is no foreign name
        bound |= _constants_of_integration(claimed)
    indices = {i for a in claimed.atoms(sympy.Indexed) for i in a.indices}
    names = set()
    for atom in claimed.atoms(sympy.Symbol, sympy.MatrixSymbol, sympy.IndexedBase):
        if atom in bound or atom in indices:
            continue
        name = _name(atom)
        if name not in own and re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", name):  # a shape verdict's claim is its text
            names.add(name)
    return sorted(names)


def _constants_of_integration(claimed):
    """Names that enter an antiderivative additively (a nonzero number as their derivative), as
    derive.check reads a "+ C"."""
    out = set()
    for s in claimed.free_symbols:
        if isinstance(s, sympy.Symbol):
            slope = sympy.diff(claimed, s)
            if slope.is_number and slope != 0:
                out.add(s)
    return out


def _name(atom):
    return str(atom.label) if isinstance(atom, sympy.IndexedBase) else str(getattr(atom, "name", atom))


@functools.lru_cache(maxsize=256)
def _question_names(f, wrt, let):
    """Every name the question itself uses: f's, wrt's and those let declares or defines."""
    return frozenset(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", f"{f} {wrt} {let}"))


def _foreign_reason(foreign, question):
    own = sorted(n for n in _question_names(question.f, question.wrt, question.let)
                 if not n.isdigit() and n not in callable_names())
    hints = []
    for name in foreign:
        close = near(name, own)  # another spelling of a Greek letter, an abbreviation, a close spelling
        hints.append(f"write {close} for {name}" if close else f"{name} is not a name of this question")
    number = _A_NUMBER.get(question.kind)  # 1/3 + C for a definite integral: no constant belongs there
    if number and not any(near(name, own) for name in foreign):
        hints.append(number)
    return (f"the answer uses {', '.join(foreign)}, which the question does not ({'; '.join(hints)}; "
            f"the question's names: {', '.join(own)})")


_A_NUMBER = {"integral": "a definite integral is a number, with no constant of integration",
             "directional": "a directional derivative at a point is a number"}


def _derivation(question, submission, base):
    """A derivation is graded by its last line against the key's own f (a first line that derives
    something else earns nothing by it); the lines are checked one by one to say where it went wrong."""
    last = _answer(question, submission.steps[-1], submission.syntax, base)
    if question.kind not in DERIVATIVES:  # an antiderivative, a value, a polynomial: one expression is the answer
        return _noted(last, "the answer was read as its last line; the lines before it are not checked")
    if question.kind != "grad":  # check_derivation checks first derivatives only
        what = {"hessian": "Hessian", "jacobian": "Jacobian"}[question.kind]
        return _noted(last, f"a derivation of a {what} is not checked line by line; its last line was graded")
    try:
        chain = check_derivation(submission.steps, f=question.f, wrt=question.wrt, symbols=question.declarations,
                                 syntax=submission.syntax)
    except DeriveError:
        return _noted(last, "the derivation's lines could not be read; its last line was graded")
    if chain.final is None or chain.final.ok != last.ok or chain.derivative is None:
        return _noted(last, "the derivation does not start from the question's f; its last line was graded")
    k = chain.first_error
    unread = next((n for n, line in enumerate(chain.lines) if line.status == "unparsed"), None)
    if k is None:
        if last.ok and unread is not None:
            last.explanation += f" (line {unread + 1} could not be read: {chain.lines[unread].explanation})"
        last.verdict = chain.to_dict()
        return last
    wrong, written = chain.lines[k], [ln.text for ln in chain.lines]
    out = last
    out.status, out.mistake = "wrong", wrong.mistake or last.mistake or "other"
    out.points = question.credit(out.mistake)
    out.line, out.line_text = k + 1, wrong.text
    out.explanation = f"line {k + 1} ({wrong.text}) is wrong: {wrong.explanation}"
    out.safe_explanation = f"line {k + 1} ({wrong.text}) is wrong: " + (
        wrong.explanation if _safe(wrong.explanation, chain.derivative, written, out.mistake)
        else _generic(out.mistake, wrong.explanation, written, question.kind))
    if wrong.counterexample:  # the line's own point and numbers, not the last line's
        out.counterexample, out.values = wrong.counterexample.get("words", "") or "", None
    out.verdict = chain.to_dict()
    return out


def _noted(mark_, note):
    mark_.explanation = f"{mark_.explanation} ({note})" if mark_.explanation else note
    mark_.safe_explanation = f"{mark_.safe_explanation} ({note})" if mark_.safe_explanation else note
    return mark_


def _from_verdict(verdict, question, base, written, note=""):
    expected = solution_text(verdict.expected, question)
    status = "correct" if verdict.ok else "wrong"
    mistake = None if verdict.ok else verdict.mistake or "other"
    explanation = verdict.explanation + (f" ({note})" if note else "")
    claim_text = [written or "", _text(verdict.claimed)]
    safe = _safe(explanation, verdict.expected, claim_text, mistake, question.kind)
    if not safe:  # a right answer needs no words; a wrong one gets its mistake's, without derive's answer
        safe_words = "the answer is right" if verdict.ok else _generic(mistake, explanation, claim_text, question.kind)
    out = Mark(status=status, mistake=mistake, points=question.credit(mistake), explanation=explanation,
               safe_explanation=explanation if safe else safe_words, expected=expected, verdict=verdict.to_dict(),
               **base)
    if verdict.counterexample:
        from .counterexample import readable_point, readable_value

        out.counterexample = readable_point(verdict.counterexample, question.declarations)
        if verdict.values is not None:
            out.values = [readable_value(v) for v in verdict.values]
    if verdict.step is not None:
        out.step = str(verdict.step)
    return out


def solution_text(expected, question):
    """derive's answer as the feedback shows it: an antiderivative with its "+ C" (in a name the
    question does not use), "" where derive found none."""
    if expected is None:
        return ""
    text = _text(expected)
    if question.kind == "antiderivative":
        own = _question_names(question.f, question.wrt, question.let)
        text += " + " + next(c for c in ("C", "K", "C0", "C_int") if c not in own)
    return text


# words that name a mistake without any of the derivative in them (--no-solution)
GENERIC = {
    "sign": "a sign is wrong: check the sign of every term",
    "factor": "a factor is wrong or missing: check the constants and the factors of each term",
    "transpose": "the entries are right but the answer is transposed: check the layout (row or column)",
    "missing_term": "a term of the derivative is missing",
    "extra_term": "the answer has a term that is not part of the derivative",
    "index_unbound": "an index is used without being bound by a sum or by the variable",
    "index_range": "a sum runs over the wrong range",
    "chain_rule": "a chain-rule factor (the derivative of an inner function) is missing or extra",
    "needs_assumption": "the answer holds only under an extra assumption the question does not make",
    "domain": "the answer holds only on part of f's domain: where a log's argument can be negative, write "
              "log|u| (log(abs(u)))",
    "wrong_kind": "the answer is not the kind of derivative the question asks for",
    "shape": "the answer has the wrong shape",
    "other": "the answer differs from the derivative",
}


# the same for the kinds beyond derivatives, where "the derivative" is not what is asked; {order} is
# the Taylor term the check named ("the order-2 term")
GENERIC_BY_KIND = {
    "antiderivative": {
        "sign": "the sign is wrong: the derivative of your answer is -f",
        "factor": "a constant factor is wrong or missing: differentiate your answer and compare it with f (the "
                  "inner function's derivative, the power rule's 1/(n + 1))",
        "missing_term": "a term of the antiderivative is missing: differentiate your answer and compare it with f",
        "extra_term": "the answer has a term too many: its derivative is not part of f",
        "domain": "the antiderivative holds only where the log's argument is positive: write log|u| "
                  "(log(abs(u))), which holds on all of f's domain",
        "wrong_kind": "the answer is f's derivative, not an antiderivative",
        "other": "the derivative of your answer is not f",
    },
    "integral": {
        "sign": "the sign is wrong: the integral is F(b) - F(a), the upper bound's value minus the lower's",
        "factor": "the value is off by a constant factor",
        "missing_term": "F(a) was not subtracted: the integral is F(b) - F(a)",
        "wrong_kind": "the answer takes f at the bounds; the integral is F(b) - F(a) with an antiderivative F",
        "other": "the answer is not the value of the integral",
    },
    "taylor": {
        "sign": "{order}a sign is wrong",
        "factor": "{order}a coefficient is off by a factor: the order-k term is the k-th derivative at the point "
                  "divided by k!",
        "missing_term": "{order}a term of the Taylor polynomial is missing",
        "extra_term": "the answer has a term the Taylor polynomial does not have (past the order, or one whose "
                      "derivatives vanish at the point)",
        "other": "the answer is not the Taylor polynomial of this order at this point (is it written in powers of "
                 "x - a?)",
    },
    "directional": {
        "sign": "the sign is wrong",
        "factor": "the value is off by a factor: the rate along u uses the unit vector u/|u|",
        "wrong_kind": "the answer is the steepest rate |grad f(a)|, not the rate along u",
        "other": "the answer is not the directional derivative grad f(a) . u/|u|",
    },
}
_ORDER = re.compile(r"the order-(\d+) term")

_THEIRS = re.compile(r"the claim has (?P<piece>[^;()]+?)(?: instead)?\s*(?:[;()]|$)")


def _generic(mistake, explanation, written, kind="grad"):
    """The mistake's words without the derivative, pointing at the student's own piece where the
    explanation names one ("the claim has lam*w")."""
    words = GENERIC_BY_KIND.get(kind, {}).get(mistake) or GENERIC.get(mistake, GENERIC["other"])
    order = _ORDER.search(explanation) if kind == "taylor" else None
    words = words.replace("{order}", f"in the order-{order.group(1)} term, " if order else "")
    m = _THEIRS.search(explanation)
    if m and _squeeze(m.group("piece")) in "".join(_squeeze(w) for w in written):
        words += f" (look at {m.group('piece').strip()} in your answer)"
    return words


def _safe(explanation, expected, written, mistake=None, kind="grad"):
    """Does `explanation` show nothing of the derivative (SymPy) that the student did not write
    themselves?  Every piece of it (itself, its terms, their factors) that is not in the student's
    own text must be absent from the words."""
    if mistake in ("missing_term", "other"):  # their words quote the derivative (a term, a difference)
        return False
    if expected is None:
        return True
    if kind in ("integral", "directional"):  # a number: the student's -1/3 holds 1/3, and 1/3 is the answer
        value = re.escape(_squeeze(_text(expected)))
        said = re.search(rf"(?<![\w./*^]){value}(?![\w/*^]|\.\d)", explanation)
        return not said or _squeeze(_text(expected)) in {_squeeze(w) for w in written}
    said = _bare(explanation)
    own = "".join(_bare(w) for w in written)
    # false when the explanation says a piece of the answer the student did not write: any piece of two
    # characters or more ("-y" is short, and half the answer)
    return not any(len(piece) >= 2 and piece in said and piece not in own for piece in _pieces(expected))


def _pieces(expected):
    if isinstance(expected, sympy.MatrixBase) and expected.shape == (1, 1):
        expected = expected[0, 0]
    pieces = {_bare(_text(expected))}
    if not isinstance(expected, sympy.Basic):
        return pieces
    forms = [expected]
    expanded = attempt(lambda: expected.expand(), 0.5, None)  # the terms of 2*X.T@(X@w - y): -2*X.T@y
    if expanded is not None and expanded != expected:
        forms.append(expanded)
    for form in forms:
        for node in sympy.preorder_traversal(form):
            if isinstance(node, sympy.Indexed) or (isinstance(node, sympy.Basic) and not node.is_Atom
                                                   and node.args and node.free_symbols):
                pieces.add(_bare(to_text(node)))
    return pieces


def _bare(text):
    """Text without blanks or brackets: (2*lam)*w and 2*lam*w are the same piece of an answer."""
    return "".join(ch for ch in str(text) if not ch.isspace() and ch not in "()")


def _squeeze(text):
    return "".join(str(text).split())


def _reason(text, exc, question):
    from .hints import unreadable_reason

    try:
        return unreadable_reason(text, exc, question.declarations)
    except Exception:  # noqa: BLE001 - a hint is a nicety; the parser's own words always do
        return _one_line(exc)


def _text(value):
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):
        value = value[0, 0]
    return to_text(value) if value is not None else ""


def _one_line(exc):
    return " ".join(str(exc).split())
