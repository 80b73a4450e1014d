"""grammar: the text grammar's rules, one module per kind of node, which the builder
(expressions._Builder) mixes in; and how typed text reaches Python's reader.

    typed.py             x^2, x', ||x||, lambda, line breaks -> Python's syntax, with a column map
    syntax_messages.py   when Python's reader fails: what was typed and what to write instead
    arithmetic.py        + - * / ** @ and unary minus (NumPy's meaning on arrays), x^T, I
    calls.py             the functions text may call (callable_names) and what each call builds
    indices.py           x[i], W[i, j], sum(body, i, j), delta(i, j)
    relations.py         where(x > 0, ...), a >= b, a = b
    vector_functions.py  softmax, log_softmax, logsumexp, entropy, kl, cross_entropy as the grammar's sums

May import: derive.errors and the rest of derive.text (arrays/, budgets, functions, names, ranges);
never expressions.py, which imports these.
"""
