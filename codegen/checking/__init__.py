"""codegen.gradcheck: is a claimed gradient (or Jacobian) right?  Finite differences
that estimate their own error, checked entry by entry.

    gradcheck.py   the checker and its Report (tolerances, kinks and ties, sampling)
    quick.py       the first, cheap estimate (about 4 evaluations of f per entry)
    fd.py          the careful estimator: where the step is chosen (first_step), the
                   Richardson tableau, one-sided differences at domain edges
    evaluation.py  calling f along lines, one point at a time or in batches
    precision.py   f's working precision (float32 recognised)
    structured.py  dicts / tuples of parameter arrays, reported per parameter
"""
