"""A derivation as written -> its steps: LaTeX display blocks, plain text, or a list.

    \\begin{align} \\nabla_w L &= 2X^T(Xw - y) \\\\ &= 2X^TXw - 2X^Ty. \\end{align}
        -> ["\\nabla_w L = 2X^T(Xw - y)", "= 2X^TXw - 2X^Ty"]

A block is split at ``\\\\``; ``&``, ``\\label{..}``, ``\\tag{..}``, ``\\nonumber``/``\\notag``,
``%`` comments, a trailing ``.`` or ``,`` and a trailing ``\\quad \\text{(why)}`` remark are
dropped: they are layout and prose, not mathematics.  Plain text is one step per line.  A line
with several top-level ``=`` (``d/dx f = a = b``) is several steps.
"""

import re

from ...errors import ParseError

MAX_CHARACTERS = 100_000  # a derivation longer than this is not homework
MAX_STEPS = 200

ENVIRONMENTS = ("align", "align*", "aligned", "equation", "equation*", "gather", "gather*", "gathered",
                "multline", "multline*", "split", "eqnarray", "eqnarray*", "flalign", "flalign*")
_ENV = "|".join(re.escape(e) for e in ENVIRONMENTS)
# outermost display blocks: \begin{env}...\end{env}, $$...$$, \[...\]
_BLOCK = re.compile(r"\\begin\{(?P<env>" + _ENV + r")\}(?P<body>.*?)\\end\{(?P=env)\}"
                    r"|\$\$(?P<dollars>.*?)\$\$|\\\[(?P<bracket>.*?)\\\]", re.S)

# layout and prose inside a block, removed before the mathematics is read (order matters: a
# remark is \quad \text{...} at the end, before the spacing commands go)
_DROPPED = (
    re.compile(r"(?<!\\)%[^\n]*"),  # comments
    re.compile(r"\\(?:label|tag\*?|eqref)\{[^{}]*\}"),
    re.compile(r"\\(?:nonumber|notag|displaystyle|qedhere)\b"),
    re.compile(r"\\begin\{(?:" + _ENV + r")\}|\\end\{(?:" + _ENV + r")\}"),
)
_REMARK = re.compile(r"(?:\\q?quad|\\,|\\;|\\ |~)*\s*(?:\\text|\\mbox|\\textrm|\\textnormal)\s*\{[^{}]*\}[\s.,;]*$")
_TRAILING = re.compile(r"(?<!\\left)(?<!\\right)(?<!\\big)(?<!\\Big)[\s.,;]+$")
_SPACING = re.compile(r"(?:\\q?quad|\\[,;:!]|\\ )+\s*$")


def has_blocks(text):
    return bool(_BLOCK.search(text))


def blocks(text):
    """The bodies of the display blocks of a LaTeX or Markdown document, in order."""
    _bound(text)
    return [next(g for g in (m.group("body"), m.group("dollars"), m.group("bracket")) if g is not None)
            for m in _BLOCK.finditer(text)]


def block_lines(body):
    """One block's lines, cleaned (see the module docstring), each split at its top-level '='."""
    for pattern in _DROPPED:
        body = pattern.sub(" ", body)
    out = []
    for line in re.split(r"\\\\(?:\[[^\]]*\])?", body):  # \\ and \\[2pt]
        line = clean(line.replace("&", " "))
        if line:
            out += equalities(line)
    return out


def text_lines(text):
    """Plain text: one step per line; blank lines and '#' comments skipped."""
    _bound(text)
    out = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            out += equalities(clean(line))
    return out


def steps(lines):
    """A derivation (one string, or a list of strings: one step each) -> its steps as strings."""
    if isinstance(lines, str):
        if has_blocks(lines):
            return _limit([line for body in blocks(lines) for line in block_lines(body)])
        if "\\\\" in lines or "&" in lines:  # a block's body without its environment
            return _limit(block_lines(lines))
        return _limit(text_lines(lines))
    if not isinstance(lines, (list, tuple)):
        raise ParseError(f"a derivation is a string or a list of lines, not {type(lines).__name__}")
    out = []
    for item in lines:
        if not isinstance(item, str):
            out.append(item)  # a SymPy expression: one step as it is
            continue
        found = steps(item) if (has_blocks(item) or "\\\\" in item) else [s for s in equalities(clean(item)) if s]
        out += found
    return _limit(out)


def clean(line):
    """One line without its trailing remark, punctuation and spacing."""
    line = " ".join(line.split())
    for _ in range(3):
        before = line
        line = _REMARK.sub("", line)
        line = _SPACING.sub("", line)
        line = _TRAILING.sub("", line).strip()
        if line == before:
            break
    return line


def equalities(line):
    """'d/dx f = a = b' -> ['d/dx f = a', '= b']: a step per top-level '='.  '==', '<=', '>=', '!='
    and '=' inside brackets or braces (where(x == 1, ..)) are not step separators."""
    cuts = top_level_equals(line)
    if len(cuts) <= 1:
        return [line] if line else []
    # the first piece keeps its '=' (it names what is derived: 'd/dx f = a'), later ones start with it
    pieces = [line[:cuts[1]].strip()]
    for a, b in zip(cuts[1:], cuts[2:] + [len(line)]):
        pieces.append(line[a:b].strip())
    return [p for p in pieces if p]


def top_level_equals(line):
    """Positions of the '=' signs outside brackets that are not part of '==', '<=', '>=', '!='."""
    cuts, depth = [], 0
    for k, ch in enumerate(line):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth == 0:
            before = line[k - 1] if k else ""
            after = line[k + 1] if k + 1 < len(line) else ""
            if (not before or before not in "=<>!:") and after != "=":  # ("" is in every string)
                cuts.append(k)
    return cuts


def _bound(text):
    if len(text) > MAX_CHARACTERS:
        raise ParseError(f"the derivation is {len(text)} characters long; at most {MAX_CHARACTERS} are read")


def _limit(found):
    if len(found) > MAX_STEPS:
        raise ParseError(f"the derivation has {len(found)} steps; at most {MAX_STEPS} are checked")
    return found
