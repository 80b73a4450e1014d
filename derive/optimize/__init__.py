"""optimize: critical points and constrained problems (KKT), solved exactly.

May import: derive.derivation and everything below it.

    critical.py    critical_points: grad f = 0, classified (Hessian, higher orders)
    convexity/     convexity: the Hessian shown PSD (a table of recognizers per notation), or a counterexample
    kkt.py         kkt: Lagrangian, the four KKT conditions, active sets solved exactly
    parametric.py  symbols that are not variables: solutions with conditions
    realroots.py   real roots SymPy writes with I, kept exact
    results.py     ResultList
"""
