"""Calculus beyond derivatives, as the lessons teach it: integrals (`integrals.py`), Taylor
expansions in vector form (`taylor.py`) and directional derivatives with the steepest-ascent
argument (`directional.py`).  Every result is checked numerically before it is returned: an
antiderivative is differentiated back at random points, a definite integral is compared with
quadrature, a Taylor polynomial's error is measured shrinking like |h|^(order+1), a
directional derivative is compared with a finite difference along u.

May import derive.errors, derive.text, derive.calculus, derive.validation, derive.present,
derive.steps and derive.derivation; derive.check imports it (the integral checks).

    integrals.py          derive.integrate: the Integral, its inputs (bounds, infinities)
    antiderivative.py     F found (SymPy's finders in turn) and checked: F' = f, numerically too
    definite_integral.py  a definite value: F(b) - F(a) or SymPy's, checked against quadrature
    quadrature.py         mpmath's tanh-sinh rule, split at kinks and singularities
    integral_steps.py     the integration rules used, in words; integral_plot.py: the picture
    taylor.py             derive.taylor: the Taylor polynomial and its result
    remainder.py          |f - P| measured shrinking like |h|^(order+1); many-digit values
    point_problem.py      f, its variables and a point read from the input (taylor, directional)
    taylor_plot.py        f and P near a, |f - P| against h
    directional.py        derive.directional: D_u f(a) and the steepest-ascent argument
"""
