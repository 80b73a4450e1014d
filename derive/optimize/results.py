"""What every result point and list of points shares: iteration, and the LaTeX of a point."""

import sympy


class ResultList:
    """Iterable, indexable results (critical points, KKT points) with ``.points``."""

    points: list

    def __iter__(self):
        return iter(self.points)

    def __len__(self):
        return len(self.points)

    def __getitem__(self, i):
        return self.points[i]


def point_latex(head, x, value, conditions=()):
    """$text{head} x_1 = v_1, ..., f = value, if conditions$ for a critical or KKT point."""
    where = ",\\ ".join(f"{sympy.latex(s)} = {sympy.latex(v)}" for s, v in x.items())
    when = (",\\ \\text{if } " + " \\wedge ".join(sympy.latex(c) for c in conditions) if conditions else "")
    return f"$\\text{{{head}}} {where},\\ f = {sympy.latex(value)}{when}$"

