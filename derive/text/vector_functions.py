"""softmax, log_softmax and logsumexp: functions of a whole vector.

They are written in the grammar's own terms before the builder reads them (a
rewrite of the syntax tree), so they differentiate, validate, print and compile
like anything else the user could have typed:

    softmax(z)[c]       -> exp(z[c])/sum(exp(z[j]), j)
    log_softmax(z)[c]   -> z[c] - log(sum(exp(z[j]), j))
    logsumexp(z)        -> log(sum(exp(z[j]), j))        z an array of index notation
                        -> log(sum(exp(z)))              z a declared vector (matrix notation)
    softmax(z)          -> exp(z)/sum(exp(z))            z a declared vector

j is a summation index the text does not use.  The argument must be a name:
softmax(W @ x)[c] would need the entry of a product inside the sum; the error
says to write it with sums.
"""

import ast
import re

VECTOR_FUNCTIONS = {
    "softmax": "softmax(z)[c] = exp(z[c])/sum(exp(z[j]), j); softmax(z) for a declared vector",
    "log_softmax": "log_softmax(z)[c] = z[c] - log(sum(exp(z[j]), j))",
    "logsumexp": "logsumexp(z) = log(sum(exp(z[j]), j))",
}

_INDEX_NAMES = ("j", "q", "r", "s", "t", "u", "v")


def _call(name, *args):
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _name(name):
    return ast.Name(id=name, ctx=ast.Load())


def _entry(array, index):
    return ast.Subscript(value=_name(array), slice=index, ctx=ast.Load())


def _sum_exp(array, j, matrix):
    if matrix:
        return _call("sum", _call("exp", _name(array)))
    return _call("sum", _call("exp", _entry(array, _name(j))), _name(j))


def fresh_index(source, taken=()):
    """A summation index name neither the text nor `taken` (names already meaning something, or
    given out before) uses: j, q, r, ..., then j1, j2, ... without end."""
    used = set(re.findall(r"[A-Za-z_]\w*", source)) | set(taken)
    for name in _INDEX_NAMES:
        if name not in used:
            return name
    return next(f"j{k}" for k in range(1, len(used) + 2) if f"j{k}" not in used)


def entry_of(name, array, index, j):
    """The syntax tree of softmax(array)[index] (or log_softmax)."""
    total = _sum_exp(array, j, matrix=False)
    if name == "softmax":
        return ast.BinOp(left=_call("exp", _entry(array, index)), op=ast.Div(), right=total)
    if name == "log_softmax":
        return ast.BinOp(left=_entry(array, index), op=ast.Sub(), right=_call("log", total))
    raise KeyError(name)


def whole(name, array, j, matrix, size=None):
    """The syntax tree of softmax(array) (declared vector) or logsumexp(array)."""
    if name == "logsumexp":
        return _call("log", _sum_exp(array, j, matrix))
    if name == "softmax" and matrix:
        return ast.BinOp(left=_call("exp", _name(array)), op=ast.Div(), right=_sum_exp(array, j, matrix))
    if name == "log_softmax" and matrix:  # z - logsumexp(z) 1, never the log of a quotient of exps
        ones = _call("ones", ast.Constant(value=int(size)) if size.is_Integer else _name(str(size)))
        return ast.BinOp(left=_name(array), op=ast.Sub(),
                         right=ast.BinOp(left=_call("log", _sum_exp(array, j, matrix)), op=ast.Mult(), right=ones))
    raise KeyError(name)


def is_log_of_softmax(node):
    """log(softmax(z)) (and ln), which reads better, and differentiates better, as log_softmax(z)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("log", "ln") \
        and len(node.args) == 1 and isinstance(node.args[0], ast.Call) \
        and isinstance(node.args[0].func, ast.Name) and node.args[0].func.id == "softmax"
