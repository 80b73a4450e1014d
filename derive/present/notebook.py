"""Jupyter views of derive's results: the answer in LaTeX, a one-line
validation summary, and the rest (steps, entries, counterexamples, notes)
in collapsed <details> sections.  No JSON, nothing to scroll past.

Each result class has a one-line ``_repr_html_`` that calls a function here;
Jupyter prefers HTML to LaTeX, and typesets the $$...$$ inside it.
"""

import html


from ..errors import DeriveError
from ..text.printing import to_text
from .formulas import latex

_STYLE = ("font-family: var(--jp-content-font-family, sans-serif); line-height: 1.45; "
          "border-left: 3px solid {color}; padding: 0.2em 0.8em; margin: 0.3em 0")


def _box(color, *parts):
    return f'<div class="derive" style="{_STYLE.format(color=color)}">' + "".join(parts) + "</div>"


def _line(words, strong=None):
    head = f"<b>{html.escape(strong)}</b> " if strong else ""
    return f"<div>{head}{html.escape(words)}</div>"


def _details(summary, body, open_=False):
    return (f"<details{' open' if open_ else ''}><summary>{html.escape(summary)}</summary>"
            f"<div style='margin-left: 1em'>{body}</div></details>")


def _math(latex_text):
    return f"<div>$${latex_text}$$</div>"


def _table(rows, header=None):
    head = ("<tr>" + "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header) + "</tr>"
            if header else "")
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'><code>{html.escape(str(c))}</code></td>"
                                    for c in row) + "</tr>" for row in rows)
    return f"<table>{head}{body}</table>"


def derivation_html(d):
    """The derivative (LaTeX), its validation, and collapsed steps and entries."""
    report = d.report
    ok = report is None or report.ok
    summary = f"validated: {str(report).splitlines()[0]}" if report else "not validated (validate=False)"
    parts = [_math(d._repr_latex_().strip("$")), _line(summary, "✓" if report and ok else None)]
    try:
        steps = d.steps
        parts.append(_details(f"steps ({len(steps)}, each checked numerically)",
                              _math(steps.latex_body()) + _line(f"checked: {steps.checked}")))
    except DeriveError as exc:
        parts.append(_line(f"steps unavailable: {exc}"))
    parts.append(_details("entries as text", _table([(label, to_text(e)) for label, e in d.entries()],
                                                    ["entry", "expression"])))
    return _box("#2e7d32" if ok else "#c62828", *parts)


def steps_html(steps):
    return _box("#1565c0", _math(steps.latex_body()), _line(f"checked: {steps.checked}"))


def verdict_html(v):
    """Status and explanation, the step that went wrong, then the evidence (collapsed)."""
    color = {"correct": "#2e7d32", "transposed": "#ef6c00"}.get(v.status, "#c62828")
    mark = "✓" if v.ok else "✗"
    parts = [_line(v.explanation, f"{mark} {v.status}")]
    if v.step is not None:
        parts.append(_line(str(v.step), "where it went wrong:"))
        parts.append(_details(f"the step ({v.step.step.rule})", _math(v.step.step._repr_latex_().strip("$"))))
    parts.append(_math(rf"\text{{expected: }} {latex(v.expected)} \qquad \text{{claimed: }} {latex(v.claimed)}"))
    rows = []
    if v.counterexample:
        where = ", ".join(f"{getattr(s, 'name', s)} = {to_text(val)}" for s, val in v.counterexample.items())
        rows.append(("counterexample", where))
        rows.append(("values there", " vs ".join(to_text(x) for x in v.values)))
    rows.append(("evidence", v.evidence))
    rows += [(label, text) for label, text in v.details]
    parts.append(_details("evidence and details", _table(rows)))
    return _box(color, *parts)


def points_html(title, latex_rows, notes=()):
    """A list of points (critical or KKT): one LaTeX row each, notes collapsed."""
    body = _math(r"\begin{aligned}" + r" \\ ".join(latex_rows) + r"\end{aligned}") if latex_rows else _line("none")
    extra = _details("notes", "".join(_line(n) for n in notes)) if notes else ""
    return _box("#1565c0", _line(title), body, extra)


def critical_html(found):
    rows = [rf"&\text{{{p.kind}}} && {_point(p.x)},\quad f = {latex(p.value)}" for p in found.points]
    notes = [f"{p.kind} at {', '.join(f'{s} = {to_text(v)}' for s, v in p.x.items())}: {p.reason}"
             for p in found.points] + ([found.note] if found.note else [])
    return points_html(f"critical points of {to_text(found.f)}", rows, notes)


def kkt_html(solution):
    problem = solution.problem
    rows = [rf"&\text{{{p.kind}}} && {_point(p.x)},\quad f = {latex(p.value)}" for p in solution.points]
    notes = [n for p in solution.points for n in p.notes] + ([solution.note] if solution.note else [])
    head = _box("#6a1b9a", _math(problem._repr_latex_().strip("$")))
    return head + points_html(f"{len(solution.points)} KKT point(s), best first", rows, notes)


def _point(x):
    return r",\ ".join(f"{latex(s)} = {latex(v)}" for s, v in x.items())


__all__ = ["critical_html", "derivation_html", "kkt_html", "steps_html", "verdict_html"]
