"""check: is a person's derivative right, and if not, what exactly is wrong?

May import: derive.analysis, derive.derivation and everything below them.

    api.py        derive.check -> Verdict (scalar claims entry by entry)
    matrix/       claims in matrix and index notation (the problem, shapes, the diagnosis rules)
    findings/     diagnoses shared by matrix and index notation (a factor, a term, an assumption, ...)
    integrals/    claimed antiderivatives and definite integrals
    diagnosis.py  the table of rules naming a mistake (factor, chain rule, term, assumption)
    locate/       the step a wrong claim went wrong at (Verdict.step), by notation
    derivation/   whole derivations checked line by line
    verdict.py    Verdict       claims.py  numeric check of a claim (derive validate)
    sheet.py      homework sheets (TOML / YAML)
"""
