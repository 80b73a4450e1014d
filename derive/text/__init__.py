"""text: what the user gave -> SymPy.  The bottom layer (imports only derive.errors).

    expressions.py   the safe parser: a whitelisted syntax tree -> SymPy (parse)
    indices.py       x[i], sum(body, i, j) in text        relations.py   where(), a >= b, a = b
    shapes.py        shapes in words, shape clashes       budgets.py     size, depth, digit and time budgets
    declarations.py  "A: n x n, x: n; S: n x n spd"       namespace.py   names -> objects for one problem
    names.py         what a symbol name may be            symbol_table.py  one name, one variable
    ranges.py        index ranges from array axes         functions.py   the function table (sigmoid, ...)
    inputs.py        text or SymPy -> expressions, wrt    printing.py    SymPy -> text (to_text)
    tables.py        TOML/YAML files as plain data (keys, sheets)

Add a function: one entry in functions.FUNCTIONS (its derivative is SymPy's
fdiff, its printers are in codegen/printing/printers.py, its explanation a
line in steps/scalar.py).
"""
