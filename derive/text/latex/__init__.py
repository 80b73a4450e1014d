"""LaTeX in: a front end to derive's one grammar (DESIGN.md, "Homework as it is written").

    detect.py      is this LaTeX? ($...$, a command, ^{ or _{), syntax_default (the context default)
    reader.py      bounds first, then pylatexenc's LatexWalker: macros, groups -> items
    commands.py    the table of commands and what each becomes
    to_tree.py     items -> a Python `ast` expression (the grammar's own nodes, nodes.py's few more):
                   one method per precedence level and primary
    command_readers.py  what each kind of command reads into (\\frac, \\sqrt, \\mathbf, \\sum_{i=1}^{N}, ...)
    scripts.py     _ and ^: entries, rows of a sample, names; transpose, inverse, powers
    environments.py  bmatrix, pmatrix, cases
    sizing.py      \\mathbf{1} and I sized by their neighbours
    sets.py        declarations as sets: X \\in \\mathbb{R}^{N \\times d}, \\lambda > 0
    semantics.py   the builder's visitors for nodes.py (Xw a matrix product, |A| a determinant, ...)
    derivative.py  split_derivative: \\frac{\\partial L}{\\partial w}, \\nabla_w L, dL/dmu (for checkers)
    names.py       LaTeX names in wrt (\\mu, \\mathbf{w}) as derive's names

The formula then goes through the same builder as text (expressions._Builder): the same
whitelist, symbol table and size bounds.  Nothing is evaluated; SymPy's parse_latex is not used.

May import: derive.errors and what the text grammar builds on (functions, budgets, arrays/,
grammar/vector_functions); never expressions.py, whose builder mixes semantics.py in.
"""

from .detect import accepts_syntax, blank_delimiters, chosen_syntax, is_latex, syntax_default, using_syntax

__all__ = ["accepts_syntax", "blank_delimiters", "chosen_syntax", "is_latex", "syntax_default", "using_syntax"]


def wrt_names(text):
    """LaTeX names in a wrt ("\\mu, \\mathbf{w}") as derive's names (names.py)."""
    from .names import wrt_names as names

    return names(text)


def split_derivative(line):
    """(f, wrt, rest) of a line that starts with a derivative, else None (derivative.py)."""
    from .derivative import split_derivative as split

    return split(line)
