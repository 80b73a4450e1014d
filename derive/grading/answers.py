"""Students' answers: a long or wide CSV, or a folder with one file per student.

    long CSV    student,question,answer            one row per answer
    wide CSV    student,name,q1,q2,...              one row per student, a column per question id
                (columns that are not question ids, such as a name or an email, are kept)
    folder      s01.txt, s02.md, s03.tex, ...       one file per student (the file name is the
                student); blocks labelled by question id:
                    q1: 2*X.T @ (X @ w - y) + 2*lam*w          (.txt: "q1:" starts a block)
                    ## q1                                       (.md: a heading)
                    \\section*{q1}                               (.tex: a section, \\item[q1], % q1)
                A block of one expression is an answer; a block of several steps (lines, or a
                display block with several "=") is a derivation, checked line by line.

Nothing is evaluated: an answer is text until derive's own parser reads it.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import sympy

from ..check.derivation import split
from ..errors import DeriveError, ParseError
from ..text.printing import to_text

MAX_BYTES = 20_000_000
MAX_ROWS = 100_000
MAX_ANSWER = 5_000  # characters in one answer; longer is not homework
STUDENT_COLUMNS = ("student", "student id", "student_id", "sid", "id", "email", "email address", "username",
                   "login", "name")
FILE_SUFFIXES = (".tex", ".md", ".markdown", ".txt")


@dataclass
class Submission:
    """One student's answer to one question: ``answer`` (the text) or ``steps`` (a derivation)."""

    student: str
    question: str
    answer: str = ""
    steps: list | None = None
    syntax: str | None = None  # "latex" for what a .tex file or a math block holds
    source: str = ""

    @property
    def text(self):
        return "\n".join(self.steps) if self.steps else self.answer

    @property
    def memo_key(self):
        """Two identical answers to one question get one check (whitespace does not count)."""
        body = tuple(" ".join(s.split()) for s in self.steps) if self.steps else " ".join(self.answer.split())
        return self.question, body, self.syntax


@dataclass
class Answers:
    submissions: list
    students: list  # in the order they came
    columns: dict = field(default_factory=dict)  # student -> {kept column: value} (name, email, ...)
    ignored: list = field(default_factory=list)  # what was read but not graded, and why


def read_answers(source, question_ids):
    """`Answers` from a CSV path, a folder, or a list of (student, question, answer) rows."""
    if isinstance(source, (list, tuple)):
        return _rows([{"student": s, "question": q, "answer": a} for s, q, a in source], question_ids, "answers")
    path = Path(source)
    if path.is_dir():
        return _folder(path, question_ids)
    if not path.is_file():
        raise DeriveError(f"no such file or folder: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise ParseError(f"{path} is larger than {MAX_BYTES // 1_000_000} MB")
    return _csv(path.read_text(encoding="utf-8-sig", errors="replace"), question_ids, path.name)


# ---------------------------------------------------------------------------
# CSV


def _csv(text, question_ids, where):
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ParseError(f"{where}: empty (expected a header row such as student,question,answer)")
    rows = []
    try:
        for k, row in enumerate(reader):
            if k >= MAX_ROWS:
                raise ParseError(f"{where}: more than {MAX_ROWS} rows")
            rows.append(_row(row, reader, where))
    except csv.Error as exc:
        raise ParseError(f"{where} line {reader.line_num}: {exc}") from None
    return _rows(rows, question_ids, where, reader.fieldnames)


def _row(row, reader, where):
    if row.get(None):  # more fields than the header: an unquoted comma inside an answer
        raise ParseError(f"{where} line {reader.line_num}: {len(reader.fieldnames) + len(row[None])} fields "
                         f"but the header has {len(reader.fieldnames)}; quote an answer that has a comma "
                         f"(\"sum(x[i], i)\")")
    row[_LINE] = reader.line_num  # the physical line the row ends on (blank lines and quoted newlines count)
    return row


_LINE = object()  # a row's key for its line number (never a column name)


def _rows(rows, question_ids, where, header=None):
    header = [h for h in (header or (rows[0].keys() if rows else [])) if isinstance(h, str)]
    by_lower = {h.strip().lower(): h for h in header}
    student_col = next((by_lower[c] for c in STUDENT_COLUMNS if c in by_lower), None)
    if student_col is None:
        raise ParseError(f"{where}: no student column (name one of the columns 'student'; found "
                         f"{', '.join(h.strip() for h in header) or 'none'})")
    question_col = next((by_lower[c] for c in ("question", "problem", "question id") if c in by_lower), None)
    answer_col = next((by_lower[c] for c in ("answer", "response", "claim") if c in by_lower), None)
    ids = {str(q).strip().lower(): q for q in question_ids}
    out = Answers([], [])
    if question_col and answer_col:
        kept = [h for h in header if h not in (question_col, answer_col) and _kept(h, student_col)]
        seen, answers = {}, {}
        for k, row in enumerate(rows, 2):
            line = row.get(_LINE, k)
            student = _student(row.get(student_col), where, line)
            if student is None:
                continue
            qid = ids.get(str(row.get(question_col) or "").strip().lower())
            _add_student(out, student, row, kept)
            if qid is None:
                out.ignored.append(f"{where} line {line}: question {row.get(question_col)!r} is not in the key")
                continue
            if (student, qid) in seen:
                out.ignored.append(f"{where} line {seen[student, qid]}: replaced by the later answer on line {line}")
            seen[student, qid] = line
            answers[student, qid] = _answer(student, qid, row.get(answer_col), f"{where} line {line}")
        out.submissions = list(answers.values())
        return out
    columns = {ids[h.strip().lower()]: h for h in header if h.strip().lower() in ids}
    if not columns:
        raise ParseError(f"{where}: no answers: give columns student,question,answer (one row per answer) or "
                         f"student plus one column per question id ({', '.join(question_ids)})")
    kept = [h for h in header if h not in columns.values() and _kept(h, student_col)]
    for k, row in enumerate(rows, 2):
        line = row.get(_LINE, k)
        student = _student(row.get(student_col), where, line)
        if student is None:
            continue
        if student in out.columns:
            out.ignored.append(f"{where} line {line}: student {student!r} appears twice; the later row is graded")
            out.submissions = [s for s in out.submissions if s.student != student]
        _add_student(out, student, row, kept)
        for qid, col in columns.items():
            out.submissions.append(_answer(student, qid, row.get(col), f"{where} line {line}, column {col}"))
    return out


def _kept(column, student_col):
    """Other columns are kept for grades.csv; the student column too when its name says what it is
    (Email, SID: the LMS columns read it under that name)."""
    return column != student_col or column.strip().lower() != "student"


def _student(value, where, line):
    student = " ".join(str(value or "").split())
    if not student:
        return None
    if len(student) > 200:
        raise ParseError(f"{where} line {line}: a student name of {len(student)} characters")
    return student


def _add_student(out, student, row, kept):
    if student not in out.columns:
        out.students.append(student)
        out.columns[student] = {}
    out.columns[student].update({k.strip(): (row.get(k) or "").strip() for k in kept if k})


def _answer(student, qid, text, source):
    text = str(as_text(text) or "").strip()
    if len(text) > MAX_ANSWER:
        text = text[:MAX_ANSWER + 1]  # one past the limit: marked unreadable, never graded cut short
    steps = _steps(text)
    if len(steps) > 1:  # a derivation in one cell (lines, or "d/dw L = a = b")
        return Submission(student, qid, "", steps, _syntax(text), source)
    return Submission(student, qid, text, None, _syntax(text), source)


def as_text(value):
    """A SymPy object (an answer, or a key's f, wrt or answer built in Python) in derive's own text
    grammar, which reads back as the same object (str() would print a matrix product as '*', which
    text reads entrywise); a list of variables as their names; anything else as it is."""
    if isinstance(value, sympy.Basic | sympy.MatrixBase):
        return to_text(value)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, sympy.Basic) for v in value):
        return ", ".join(to_text(v) for v in value)
    return value


# ---------------------------------------------------------------------------
# a folder of files


def _folder(path, question_ids):
    out = Answers([], [])
    entries = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    files = [p for p in entries if p.suffix.lower() in FILE_SUFFIXES]
    if not files:
        raise ParseError(f"{path}: no answer files ({', '.join(FILE_SUFFIXES)}), one per student")
    out.ignored += [f"{p.name}: not a .txt, .md or .tex file; not graded" for p in entries
                    if p not in files and p.suffix.lower() not in (".csv", ".toml", ".yaml", ".yml")]
    for p in files:
        student = p.stem
        if student in out.columns:
            out.ignored.append(f"{p.name}: a second file for {student!r}; the first one is graded")
            continue
        out.students.append(student)
        out.columns[student] = {}
        if p.stat().st_size > MAX_BYTES // 20:  # this student's answers are unreadable; the class goes on
            out.ignored.append(f"{p.name}: larger than {MAX_BYTES // 20_000_000} MB; not read")
            continue
        repeated = []
        blocks = labelled_blocks(p.read_text(encoding="utf-8", errors="replace"), question_ids, repeated)
        out.ignored += [f"{p.name}: a second block {qid}; the later one is graded" for qid in repeated]
        for qid, body in blocks.items():
            out.submissions.append(block_submission(student, qid, body, p.suffix.lower(), f"{p.name}, {qid}"))
        missing = [q for q in question_ids if q not in blocks]
        for qid in missing:
            out.submissions.append(Submission(student, qid, "", None, None, f"{p.name} (no block {qid})"))
    return out


def _label_patterns(qid):
    q = re.escape(qid)
    word = r"(?:(?:question|problem|exercise)\s+)?"
    return (
        re.compile(r"^\s*\\(?:sub)*section\*?\{\s*" + word + q + r"\b[^}]*\}(?P<rest>.*)$", re.I),
        re.compile(r"^\s*\\item\s*\[\s*" + word + q + r"\s*[:.)]?\s*\](?P<rest>.*)$", re.I),
        re.compile(r"^\s*%+\s*" + word + q + r"\s*[:.)]?\s*$", re.I),
        re.compile(r"^\s*#{1,6}\s*" + word + q + r"\b.*$", re.I),  # a heading: what follows is its title
        re.compile(r"^\s*(?:\*\*)?" + word + q + r"(?:\*\*)?\s*(?:[:.)](?=\s|$)\s*(?P<rest>.*))?$", re.I),
    )


def labelled_blocks(text, question_ids, repeated=None):
    """{question id: the text of its block}, in the order the labels come (a label that comes again
    starts the block anew, and goes into `repeated`)."""
    patterns = [(qid, _label_patterns(qid)) for qid in sorted(question_ids, key=len, reverse=True)]
    blocks, current = {}, None
    for line in text.splitlines():
        found = None
        for qid, pats in patterns:
            for pat in pats:
                m = pat.match(line)
                if m:
                    found = (qid, (m.groupdict().get("rest") or "").strip())
                    break
            if found:
                break
        if found:
            current = found[0]
            if current in blocks and repeated is not None:
                repeated.append(current)
            blocks[current] = [found[1]] if found[1] else []
        elif current is not None:
            blocks[current].append(line)
    return {qid: "\n".join(lines).strip() for qid, lines in blocks.items()}


_FENCE = re.compile(r"```[a-zA-Z]*\n(?P<body>.*?)```", re.S)
_INLINE = re.compile(r"^\s*\$(?P<body>[^$]+)\$\s*[.,]?\s*$")
_LATEX = re.compile(r"\\[a-zA-Z]+|\^\{|_\{")


def block_submission(student, qid, body, suffix, source):
    """A labelled block as an answer or a derivation: display blocks and fenced code are the
    mathematics; in a .tex file everything is LaTeX."""
    if len(body) > MAX_ANSWER * 4:
        return Submission(student, qid, body[:MAX_ANSWER + 1], None, None, source)
    fence = _FENCE.search(body)
    if split.has_blocks(body):
        steps = [line for b in split.blocks(body) for line in split.block_lines(b)]
        syntax = "latex"
    elif fence:
        steps = _steps(fence.group("body"))
        syntax = _syntax(fence.group("body"))
    else:
        lines = [ln for ln in body.splitlines() if ln.strip() and not _LAYOUT.match(ln)]
        inline = [ln for ln in lines if _INLINE.match(ln)]
        if inline and suffix in (".md", ".markdown", ".tex"):  # $...$ lines are the math; the rest is prose
            lines = inline
        lines = [_INLINE.sub(lambda m: m.group("body"), ln).strip() for ln in lines]
        text = "\n".join(ln for ln in lines if ln and not ln.startswith("%"))
        steps = _steps(text)
        syntax = "latex" if suffix == ".tex" or inline else _syntax(text)  # inside $...$ is LaTeX
    if not steps:
        return Submission(student, qid, "", None, syntax, source)
    if len(steps) == 1:
        return Submission(student, qid, steps[0], None, syntax, source)
    return Submission(student, qid, "", steps, syntax, source)


def _steps(text):
    """Plain lines, each split at its top-level '=' (``d/dw L = a = b`` is three steps); a line that
    continues the one before (it starts with an operator, or the one before ends with one or with
    an open bracket) is the same step, wrapped."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if lines and (_CONTINUES.match(line) or _OPEN_END.search(lines[-1])):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    out = []
    for line in lines:
        line = line.rstrip(".,;").strip()
        if line:
            out += split.equalities(line) if "=" in line else [line]
    return out


_CONTINUES = re.compile(r"^(?:[+*/@^]|-(?!\s*$))")  # "+ 2*lam*w" goes on; "= ..." is a new step
_OPEN_END = re.compile(r"(?:[+\-*/@^(\[{,]|\\left\()\s*$")
_LAYOUT = re.compile(r"^\s*\\(?:begin|end)\{[^{}]*\}\s*$|^\s*\\(?:maketitle|newpage|clearpage|bigskip|medskip)\b")


def _syntax(text):
    return "latex" if _LATEX.search(text or "") else None
