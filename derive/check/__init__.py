"""check: is a person's derivative right, and if not, what exactly is wrong?

May import: derive.derivation and everything below it.

    api.py        derive.check -> Verdict (scalar claims entry by entry)
    matrix.py     claims in matrix and index notation
    diagnosis.py  the table of rules naming a mistake (factor, chain rule, term, assumption)
    locate.py     the step a wrong claim went wrong at (Verdict.step)
    verdict.py    Verdict       claims.py  numeric check of a claim (derive validate)
    sheet.py      homework sheets (TOML / YAML)
"""
