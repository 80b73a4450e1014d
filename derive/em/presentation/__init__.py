"""presentation: the derivation told and the fit drawn.

May import: derive.present, derive.text (printing) and everything below them; it imports
nothing else of derive.em: it reads the `Updates` and `Fit` it is handed.

    explain.py     Updates.explain(): the derivation in words and LaTeX, the way the lecture tells it
    plot.py        Fit.plot(): the clusters and the log-likelihood trace, headless
"""
