"""text: what the user gave -> SymPy.  The bottom layer (imports only derive.errors).

Text or LaTeX -> one syntax tree -> the builder, with one namespace per problem -> SymPy:

    expressions.py   the safe parser: parse(), shapes(), and the builder that turns a whitelisted
                     syntax tree into SymPy (its rules per kind of node are in grammar/)
    grammar/         arithmetic, calls, indices, relations, softmax & co; typed text -> Python's
                     syntax (typed.py) and Python's complaints -> what to write (syntax_messages.py)
    latex/           LaTeX in: a front end onto the same grammar and builder
    arrays/          what arrays mean: shapes, NumPy broadcasting, one-level products, rows of a sample
    inputs.py        what a public call received (text or SymPy) -> expressions; wrt -> objects (read_wrt)
    declarations.py  "A: n x n, x: n; S: n x n spd"       namespace.py   names -> objects for one problem
    names.py         what a symbol name may be            symbol_table.py  one name, one variable
    ranges.py        index ranges from array axes         functions.py   the function table (sigmoid, ...)
    budgets.py       size, depth, digit and time budgets  information.py  entropy, kl, softmax for SymPy objects
    printing/        SymPy -> text (to_text) and LaTeX (latex), in forms the readers take back
    tables.py        TOML/YAML files as plain data (keys, sheets)

Add a function: one entry in functions.FUNCTIONS (its derivative is SymPy's
fdiff, its printers are in codegen/printing/printers.py, its explanation a
line in steps/scalar.py).
"""
