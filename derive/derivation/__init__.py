"""derivation: derive, check, return a `Derivation`; conversions and kernels of results.

May import: derive.steps, derive.present, derive.validation, derive.calculus, derive.text,
derive.errors, codegen.

    api.py        differentiate, grad, jacobian, hessian (the data path end to end)
    result.py     Derivation and PointValue (str, LaTeX, HTML, to_dict, plot, steps, at)
    notation.py   to_index / to_matrix between notations (checked on instances)
    kernels.py    derive.kernel(d): compiled kernels of a derivation (matrix notation via index form)
"""
