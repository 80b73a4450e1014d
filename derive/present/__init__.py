"""present: how results look: figures, notebook HTML, formulas with pending derivatives.

May import: derive.calculus, derive.text, derive.errors, codegen.  It renders what it
is given (duck-typed result objects) and never imports the modules that define them:
result classes call down into it (`Derivation.plot`, `Verdict._repr_html_`).

    plots.py     headless matplotlib figures          figures.py   Derivation/critical/KKT pictures
    notebook.py  Jupyter views (_repr_html_)          formulas.py  d/dx(...) and d(X) in text and LaTeX
"""
