"""Calculus beyond derivatives, as the lessons teach it: integrals (`integrals.py`), Taylor
expansions in vector form (`taylor.py`) and directional derivatives with the steepest-ascent
argument (`directional.py`).  Every result is checked numerically before it is returned: an
antiderivative is differentiated back at random points, a definite integral is compared with
quadrature, a Taylor polynomial's error is measured shrinking like |h|^(order+1), a
directional derivative is compared with a finite difference along u.

May import derive.errors, derive.text, derive.calculus, derive.validation, derive.present,
derive.steps and derive.derivation; derive.check imports it (the integral checks).
"""
