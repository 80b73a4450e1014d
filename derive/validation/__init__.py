"""validation: every result is checked numerically before anyone sees it.

May import: derive.calculus, derive.text, derive.errors, codegen.

    numeric.py       validate / check_at: kernels + codegen.gradcheck, 40-digit confirmation
    tensor.py        matrix and index notation checked on instances (complex step)
    instances.py     concrete sizes and points for symbolic sizes
    matrix_eval.py   matrix expressions evaluated with NumPy
    exact.py         exact comparison on explicit instances (the fallback)
    equivalence.py   are two expressions equal? (screen, simplify, 25-digit agreement)
    pointwise.py     values at a point, or "undefined"

The finite-difference step itself is chosen in codegen/checking/ (fd.first_step,
quick.py).
"""
