"""optimize: critical points and constrained problems (KKT), solved exactly.

May import: derive.derivation and everything below it.

    critical.py    critical_points: grad f = 0, classified (Hessian, higher orders)
    convexity/     convexity: the Hessian shown PSD (a table of recognizers per notation), or a counterexample
    kkt/           kkt: Lagrangian, the four KKT conditions, active sets solved exactly (problem.py);
                   where LICQ fails: Fritz John points with multiplier 0 on f (qualification.py)
    parametric.py  symbols that are not variables: solutions with conditions
    realroots.py   real roots SymPy writes with I, kept exact
    results.py     what the solvers return: CriticalPoint(s), KKTPoint, KKTSolution
    notation.py    which notation a problem is in (scalar, matrix, index, a sample) from what wrt names
    matrix_form.py critical points and one affine equality in matrix notation (ridge, least norm)
    definite.py    definiteness of a matrix Hessian from its structure (Gram, identity, spd) and rank conditions
    elementwise.py index notation: p[k] solved from its stationarity, sums over p as aggregates (max entropy)
    elementwise_check.py  index-notation points checked on written-out instances, and their kind
    sample/        scalar parameters inside sums over data (MLE): facts about data sums (facts.py),
                   textbook forms (textbook.py), checks on written-out samples (checks.py)
    sums.py        sums split so the unknowns stand outside; placeholders for data sums
    concrete.py    problems written out at random sizes and data: the check of every point above
    light.py       simplification and solving without sympy.simplify (its first call costs 0.5 s)
"""
