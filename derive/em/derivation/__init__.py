"""derivation: the E-step and the M-step of a model, derived in index notation and checked.

May import: derive.em's model, params, symbols and priors, derive.optimize (kkt, the
simplex check), derive.calculus (Kronecker deltas) and everything below them.  It knows
no family: a family that derives a parameter its own way hands a route in (`Model.matrix_route`).

    steps.py           e_step and derive_steps: one `Step` per parameter, in the order they run
    closed_form.py     dJ/dtheta = 0 solved in index notation; the simplex through a Lagrange multiplier
    generalized_em.py  where there is no closed form: the GEM pieces and the Newton ascent that never lowers J
    separate.py        sufficient statistics: sums over the data with everything else pulled out
    validate.py        every update checked exactly on a small random instance (and by derive.kkt)
"""
