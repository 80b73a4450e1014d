"""Text as people type it -> the Python syntax `ast` reads, with a map back to the typed columns.

    x^2 -> x**2        x' -> x.T        ||x|| -> norm(x)        lambda -> LAMBDA_NAME
    line breaks -> spaces (an expression may span lines)        leading blanks dropped

Only the spelling changes: what the text means is the builder's (expressions.py), and what Python's
reader says when it cannot read the result is syntax_messages.py's.
"""


def translate(text):
    """Text as people type it -> Python's syntax, with a map to the original columns:
    '^' is a power ('**'); a quote after a name or bracket is the transpose (x' -> x.T); ||x|| is
    norm(x); the name lambda (a keyword in Python) is read as LAMBDA_NAME; line breaks are spaces
    (an expression may span lines)."""
    out, colmap = [], []
    norms_open = in_string = False
    i = 0
    while i < len(text):
        ch = text[i]
        piece = ch
        width = 1
        if not out and ch.isspace():
            i += 1
            continue  # leading blanks (Python would call them an indent)
        if ch == "^":
            piece = "**"
        elif ch in "\r\n\t\f\v":
            piece = " "
        elif ch == "'" and in_string:  # the end of a quoted string (refused later, with its column)
            in_string = False
        elif ch == "'" and out and (out[-1][-1:].isalnum() or out[-1][-1:] in ")]_" or out[-1].startswith(".T")):
            piece = ".T " if _word_char(text, i + 1) else ".T"  # x'y: two terms, never an attribute .Ty
        elif ch == "'":
            in_string = True
        elif text.startswith("||", i):
            piece, width = (")" if norms_open else "norm("), 2
            norms_open = not norms_open
        elif text.startswith("lambda", i) and not _word_char(text, i - 1) and not _word_char(text, i + 6):
            piece, width = LAMBDA_NAME, 6
        out.append(piece)
        colmap += [i] * len(piece)
        i += width
    colmap.append(len(text))
    return "".join(out), colmap


LAMBDA_NAME = "λ"  # a letter Python reads as a name; visit_Name turns it back into 'lambda'


def _word_char(text, k):
    return 0 <= k < len(text) and (text[k].isalnum() or text[k] == "_")
