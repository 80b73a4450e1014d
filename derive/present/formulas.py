"""Printing steps: d/dx(...) for pending derivatives (differentials print themselves).

The text form extends derive's own printer (`text.printing.TextPrinter`), so
everything else prints exactly as results do; the LaTeX form is SymPy's, with
the trace of a 1 x 1 product printed as the product itself (x^T A x is a
scalar; tr(x^T A x) only makes the differential calculus go through).
"""

from sympy import MatAdd, Trace
from ..text.printing import ResultLatexPrinter, TextPrinter


class StepTextPrinter(TextPrinter):
    def _print_Trace(self, expr):
        if tuple(expr.arg.shape) == (1, 1) and isinstance(expr.arg, MatAdd):
            return f"({self._print(expr.arg)})"  # a 1 x 1 sum inside a product keeps its parentheses
        return super()._print_Trace(expr)

    def _print_Derivative(self, expr):
        variables = [v for v, n in expr.variable_count for _ in range(int(n))]
        names = "".join(f"d{self._print(v)}" for v in variables)
        order = f"{len(variables)}" if len(variables) > 1 else ""
        return f"d{order}/{names}({self._print(expr.expr)})"


class StepLatexPrinter(ResultLatexPrinter):
    def _print_Trace(self, expr):
        if tuple(expr.arg.shape) == (1, 1) and isinstance(expr.arg, MatAdd):
            return rf"\left({self._print(expr.arg)}\right)"
        return super()._print_Trace(expr)


def text(expr):
    """One line of text in derive's grammar, with d/dx(...) and d(...)."""
    if isinstance(expr, str):
        return expr
    return StepTextPrinter().doprint(_unwrapped(expr))


def latex(expr):
    if isinstance(expr, str):
        return rf"\text{{{expr}}}"
    return StepLatexPrinter().doprint(_unwrapped(expr))


def _unwrapped(expr):
    """A whole line that is the trace of a 1 x 1 matrix prints as the matrix (no outer parentheses)."""
    if isinstance(expr, Trace) and tuple(expr.arg.shape) == (1, 1):
        return expr.arg
    return expr


__all__ = ["latex", "text"]
