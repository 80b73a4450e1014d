"""Syntax nodes the LaTeX front end adds to Python's `ast` (visited by semantics.LatexMixin).

LaTeX says less than text about what a product is (`Xw` is a matrix product, `2x` a scalar
one, `|A|` a determinant, `A^2` a matrix power): these nodes keep what was written, and the
builder decides from the values, as it does for every other node.  `span` and `call_node` build
the reader's nodes with their place in the text.
"""

import ast


class Juxtaposition(ast.expr):
    """`a b`, `a \\cdot b`, `a \\times b`: the matrix product of two arrays, else the product.
    `kind` is "juxtaposition" or the command ("cdot"), for the dot product u \\cdot v."""
    _fields = ("left", "right")


class Transposed(ast.expr):
    """x^T, x^\\top, x^{\\intercal}, x^{\\mathsf T}, x'."""
    _fields = ("value",)


class Inverted(ast.expr):
    """x^{-1}: the inverse of a square matrix, the reciprocal of a scalar."""
    _fields = ("value",)


class Power(ast.expr):
    """x^{p}: a power of a scalar, a matrix power of a square matrix, else entry by entry."""
    _fields = ("left", "right")


class Norm(ast.expr):
    """\\|x\\|, \\|x\\|_2, \\|A\\|_F (`kind` "2", "F" or "1")."""
    _fields = ("value",)


class Bars(ast.expr):
    """|x|: the absolute value of a scalar, the determinant of a square matrix."""
    _fields = ("value",)


class Row(ast.expr):
    """x^{(i)}, x_i with X declared N x d: row i of X, as a column (the ML convention)."""
    _fields = ("matrix", "index")


class Ones(ast.expr):
    """\\mathbf{1} without a size: the ones vector sized by its neighbour in a product."""
    _fields = ()


class Product(ast.expr):
    """\\prod_{i=1}^{N} body."""
    _fields = ("body", "index", "lo", "hi")


class Primed(ast.expr):
    """g'(u), g''(u) for g declared a function (`order` primes): its derivative at u.  The order is a
    field, so that the builder's memo (keyed by the node's dump) tells g'(u) from g''(u)."""
    _fields = ("call", "order")


OWN_NODES = (Juxtaposition, Transposed, Inverted, Power, Norm, Bars, Row, Ones, Product, Primed)


def span(node, start, end):
    """`node` with its span in the user's text (offsets; to_tree._locate turns them into columns)."""
    node._s, node._e = start, end
    return node


def call_node(fn, args):
    """The grammar's call fn(args...)."""
    return ast.Call(func=ast.Name(id=fn, ctx=ast.Load()), args=list(args), keywords=[])
