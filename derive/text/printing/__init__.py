"""printing: SymPy -> what derive writes back, in the forms its readers take again.

    text_printer.py    to_text, TextPrinter: the parser's own grammar (parse(to_text(e)) is e)
    latex_printer.py   latex, ResultLatexPrinter: the textbook's LaTeX, which the LaTeX front end reads back
    forms.py           the forms of a result both recognize (softmax(z), sum(M), g'(u), x.T*A*x, ...)

May import: SymPy and mpmath only (nothing else of derive: printing reads no text).
"""

from .latex_printer import ResultLatexPrinter, latex
from .text_printer import TextPrinter, to_text

__all__ = ["ResultLatexPrinter", "TextPrinter", "latex", "to_text"]
