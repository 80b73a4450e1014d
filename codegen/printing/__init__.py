"""Printing SymPy as code: one printer class per target, one method per node type.

    printers.py  ScalarPrinter (Numba scalar code), ArrayPrinter (NumPy, complex-safe)
    rewrite.py   the stable-form rewrite table applied before printing
                 (log(1 + exp(u)) -> softplus(u), log-sum-exp max-shifted, ...)
    names.py     safe identifiers for symbols pasted into generated source
"""
