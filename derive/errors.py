"""The errors derive raises.  All are `DeriveError`, which is a `ValueError`.

Each message is one line that names the problem (a column in the text, an
unknown symbol, a shape clash), so the CLI can print it as is.
"""


class DeriveError(ValueError):
    """Base class of every error derive raises on bad input or failed checks."""


class ParseError(DeriveError):
    """Text outside the grammar.  ``column`` is 1-based (None if unknown)."""

    def __init__(self, message, text=None, column=None):
        self.text = text
        self.column = column
        self.reason = message
        where = f"column {column}: " if column is not None else ""
        super().__init__(f"{where}{message}")


class LimitError(DeriveError):
    """Input or work beyond a budget: length, nesting, constant size, time."""


class SymbolError(DeriveError):
    """A name that the expression does not use, or used inconsistently."""


class ShapeError(DeriveError):
    """Shapes that do not fit: a matrix product, a vector where a scalar belongs."""


class ValidationError(DeriveError):
    """A derivative failed its numeric cross-check.  ``report`` has the details."""

    def __init__(self, message, report=None):
        self.report = report
        super().__init__(message)
