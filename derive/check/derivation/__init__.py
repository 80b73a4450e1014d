"""Whole derivations checked line by line (`derive.check_derivation`, `derive check-steps`).

    split.py       a derivation as written (LaTeX blocks, text, a list) -> its steps
    first_line.py  what is derived: d/dw f = ..., dL/dw = ..., L(w) = ... definitions
    entries.py     a line in any notation -> the derivative's entries at a concrete instance
    compare.py     the equality oracle: two lines entry by entry at instances, a counterexample
    changes.py     the rules naming what changed at a wrong step (sign, factor, term, transpose, ...)
    chain.py       the walk: each line against the derivative and the line before
    verdict.py     ChainVerdict, LineVerdict
    files.py       .tex / .md / .toml / .yaml / stdin -> derivations
    api.py         check_derivation
"""

from .api import check_derivation
from .verdict import ChainVerdict, LineVerdict

__all__ = ["ChainVerdict", "LineVerdict", "check_derivation"]
