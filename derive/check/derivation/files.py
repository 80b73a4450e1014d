"""Derivations in files: .tex, .md (display blocks), .toml / .yaml sheets, plain text, stdin.

    .tex / .md   every display block (align, equation, $$...$$, \\[...\\]) whose first line says
                 what is derived; a definition block just before it (L(w) = ...) is kept with it.
                 Declarations for the whole file in a comment: ``% let: X: n x d, w: d`` (.tex)
                 or ``<!-- let: X: n x d, w: d -->`` (.md).
    .toml/.yaml  a sheet: ``[[derivation]]`` (or a list ``derivations``, or one top-level table)
                 with ``steps`` (a string or a list) and optional ``f``, ``wrt``, ``let``, ``title``
    .txt / stdin plain text, or LaTeX when it has display blocks
"""

import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import DeriveError, ParseError
from ...text.tables import read_toml, read_yaml
from . import first_line, split

MAX_BYTES = 2_000_000
SHEET_KEYS = {"steps", "f", "wrt", "let", "symbols", "title", "name", "id"}
_LET = re.compile(r"(?:^\s*%|<!--)\s*(?:let|symbols)\s*:\s*(?P<decl>.+?)\s*(?:-->)?\s*$", re.M)


@dataclass
class Derivation:
    """One derivation read from a file: its steps and what the file says about it."""

    steps: object
    f: object = None
    wrt: object = None
    symbols: object = None
    title: str = ""


def read(path, text=None):
    """[Derivation] from a file (or `text` read from stdin, then `path` is '-')."""
    if text is None:
        p = Path(path)
        if not p.is_file():
            raise DeriveError(f"no such file: {path}")
        if p.stat().st_size > MAX_BYTES:
            raise ParseError(f"{path} is larger than {MAX_BYTES // 1_000_000} MB")
        text = p.read_text(encoding="utf-8", errors="replace")
    suffix = Path(path).suffix.lower() if path != "-" else ""
    if suffix == ".toml":
        return _sheet(read_toml(text, path), path)
    if suffix in (".yaml", ".yml"):
        return _sheet(read_yaml(text, path), path)
    if suffix in (".tex", ".md", ".markdown") or split.has_blocks(text):
        return _document(text, path)
    return [Derivation(text, title="" if path == "-" else Path(path).name)]


def _document(text, path):
    declared = "; ".join(m.group("decl") for m in _LET.finditer(text)) or None
    found, pending = [], []
    for k, body in enumerate(split.blocks(text)):
        lines = split.block_lines(body)
        if not lines:
            continue
        start = next((n for n, x in enumerate(lines) if first_line.derivative(x) is not None), None)
        if start is not None and all(first_line.definition(x) for x in lines[:start]):
            found.append(Derivation(pending + lines, symbols=declared, title=f"block {k + 1}"))
            pending = []
        elif all(first_line.definition(x) for x in lines):
            pending = lines  # L(w) = ...: the next derivation may name L
        else:
            pending = []
    if not found:
        raise ParseError(f"{path}: no display block whose first line is a derivative "
                         "(\\frac{\\partial L}{\\partial w} = ..., \\nabla_w L = ..., d/dw f = ...)")
    return found


def _sheet(data, path):
    if isinstance(data, dict) and "steps" in data:
        entries = [data]
    elif isinstance(data, dict):
        entries = data.get("derivation") or data.get("derivations") or data.get("question") or []
    elif isinstance(data, list):
        entries = data
    else:
        entries = []
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ParseError(f"{path}: a sheet needs 'steps', or a list of [[derivation]] tables with 'steps'")
    out = []
    for k, e in enumerate(entries):
        if "steps" not in e:
            raise ParseError(f"{path}: derivation {k + 1} has no 'steps'")
        unknown = sorted(set(e) - SHEET_KEYS - {"source", "syntax", "notation", "numeric", "corruptions", "url"})
        if unknown:
            raise ParseError(f"{path}: derivation {k + 1}: unknown key(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(SHEET_KEYS))}")
        steps = e["steps"]
        if not isinstance(steps, (str, list)) or isinstance(steps, list) and not all(isinstance(s, str) for s in steps):
            raise ParseError(f"{path}: derivation {k + 1}: 'steps' is a string or a list of strings")
        title = str(e.get("title") or e.get("name") or e.get("id") or f"derivation {k + 1}")
        out.append(Derivation(steps, _text(e.get("f")), _text(e.get("wrt")), _text(e.get("let") or e.get("symbols")),
                              title))
    return out


def _text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
