"""What every result point and list of points shares: iteration, and the LaTeX of a point."""

from ..text.printing import latex


class ResultList:
    """Iterable, indexable results (critical points, KKT points) with ``.points``."""

    points: list

    def __iter__(self):
        return iter(self.points)

    def __len__(self):
        return len(self.points)

    def __getitem__(self, i):
        return self.points[i]


LATEX_TEXT = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}",
              **{c: "\\" + c for c in "{}_%&#$"}}


def text_latex(words):
    """Words for LaTeX's \\text{...}: the characters that are commands there escaped, in one pass."""
    return "".join(LATEX_TEXT.get(c, c) for c in str(words))


def point_latex(head, x, value, conditions=(), requires=()):
    """$text{head} x_1 = v_1, ..., f = value, if conditions$ for a critical or KKT point
    (`requires`: conditions in words, such as a rank)."""
    where = ",\\ ".join(f"{latex(s)} = {latex(v)}" for s, v in x.items())
    parts = [latex(c) for c in conditions] + [f"\\text{{{text_latex(r)}}}" for r in requires]
    when = (",\\ \\text{if } " + " \\wedge ".join(parts)) if parts else ""
    return f"$\\text{{{head}}} {where},\\ f = {latex(value)}{when}$"

