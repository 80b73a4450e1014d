"""derivation: derive, check, return a `Derivation`; conversions and kernels of results.

May import: derive.steps, derive.present, derive.validation, derive.calculus, derive.text,
derive.errors, codegen.

    api.py                differentiate, grad, jacobian, hessian (the data path end to end)
    result.py             Derivation (str, LaTeX, HTML, to_dict, plot, steps, at) and its value at a point
    point.py              PointValue: the values at a point as shown; matrix_point.py: at arrays (matrix notation)
    notation.py           to_index / to_matrix between notations (checked on instances)
    kernels.py            derive.kernel(d): compiled kernels of a derivation (matrix notation via index form)
    kernel_kinds.py       value, value-and-gradient and H v kernels (H v with the sums over v pushed inside)
    kernel_plan.py        what a derivation becomes in a kernel: arguments, variable, the derivations compiled
    kernel_validation.py  every kernel checked at a random instance against values computed without codegen
"""
