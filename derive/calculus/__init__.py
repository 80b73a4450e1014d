"""calculus: the rule tables and the engines that apply them.  No checking here.

May import: derive.text, derive.errors.

    scalar.py        grad / jacobian / hessian of components (RULES)
    variables.py     the scalar variables of ordinary calculus (what wrt names, already read)
    reals.py         derive works over the reals: kinks (|x|, sign) and user symbols
    index.py         index notation: Kronecker deltas produced and contracted, tidy sums
    matrix_rules.py  one entry per matrix operator: VJP, JVP, DIFF (= its differential), WORDING
    matrix.py        the passes that apply matrix_rules (reverse, forward, by a scalar)
    targets.py       what a matrix/index derivative is taken with respect to
    simplify.py      budgeted simplification that pays for itself

The rule for log det: matrix_rules.vjp_determinant (d det A = det A tr(A^-1 dA))
with the scalar chain rule for log.
"""
