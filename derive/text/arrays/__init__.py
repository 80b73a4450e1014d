"""arrays: what vectors and matrices mean in the grammar, as SymPy values.

    shapes.py       shapes in words ("m x 1"), and the builder's shape checks (ShapesMixin)
    broadcast.py    NumPy's * / ** + on arrays: entry by entry, scalars, columns and rows broadcast
    matrix_ops.py   matrix products and sums built one level at a time (a 1 x 1 product is a scalar)
    rows.py         rows of a data matrix, and sums over the sample written in matrix notation

May import: derive.errors and derive.text.functions; nothing that parses.
"""
