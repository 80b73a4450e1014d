"""softmax, log_softmax and logsumexp: functions of a whole vector.

They are written in the grammar's own terms before the builder reads them (a
rewrite of the syntax tree), so they differentiate, validate, print and compile
like anything else the user could have typed:

    softmax(z)[c]       -> exp(z[c])/sum(exp(z[j]), j)
    log_softmax(z)[c]   -> z[c] - log(sum(exp(z[j]), j))
    logsumexp(z)        -> log(sum(exp(z[j]), j))        z an array of index notation
                        -> log(sum(exp(z)))              z a declared vector (matrix notation)
    softmax(z)          -> exp(z)/sum(exp(z))            z a declared vector

The information-theory quantities are sums of the same kind (p, q, y names of
vectors, or softmax(z), whose log is log_softmax(z)[j], never the log of a quotient):

    entropy(p)                 -> -sum(p[j]*log(p[j]), j)
    kl(p, q)                   -> sum(p[j]*(log(p[j]) - log(q[j])), j)
    cross_entropy(y, p)        -> -sum(y[j]*log(p[j]), j)
    cross_entropy(y, softmax(z)) -> -sum(y[j]*log_softmax(z)[j], j)
    for declared vectors       -> -(p.T @ log(p)), p.T @ (log(p) - log(q)), -(y.T @ log_softmax(z))

kl keeps log(p) - log(q) apart: in matrix notation log(p/q) differentiates into quotients
of quotients, and in a Numba kernel log(0) is -inf where p/0 raises ZeroDivisionError.

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
    "entropy": "entropy(p) = -sum(p[j]*log(p[j]), j)",
    "kl": "kl(p, q) = sum(p[j]*(log(p[j]) - log(q[j])), j), the Kullback-Leibler divergence",
    "cross_entropy": "cross_entropy(y, p) = -sum(y[j]*log(p[j]), j); p may be softmax(z)",
}

# name -> (its arguments, the sum to write for an argument that is not a name)
INFORMATION = {
    "entropy": (("p",), "-sum(a[j]*log(a[j]), j)"),
    "kl": (("p", "q"), "sum(a[j]*(log(a[j]) - log(b[j])), j)"),
    "cross_entropy": (("y", "p"), "-sum(a[j]*log(b[j]), j)"),
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


def operand(node):
    """An argument of entropy, kl or cross_entropy as ("name", "p") or ("softmax", "z"); None if it is
    neither a name nor softmax of a name."""
    if isinstance(node, ast.Name):
        return "name", node.id
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "softmax" \
            and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Name):
        return "softmax", node.args[0].id
    return None


def _value(op, j, inner, matrix):
    """p[j] (p for a declared vector), softmax(z)[j] (softmax(z))."""
    kind, array = op
    if kind == "softmax":
        return _call("softmax", _name(array)) if matrix else entry_of("softmax", array, _name(j), inner)
    return _name(array) if matrix else _entry(array, _name(j))


def _log(op, j, inner, matrix):
    """log(p[j]); for softmax(z) log_softmax(z)[j] = z[j] - logsumexp(z), finite where softmax underflows."""
    kind, array = op
    if kind == "softmax":
        return _call("log_softmax", _name(array)) if matrix else entry_of("log_softmax", array, _name(j), inner)
    return _call("log", _value(op, j, inner, matrix))


def information(name, ops, j, inner, matrix):
    """The syntax tree of entropy(p), kl(p, q) or cross_entropy(y, p) for operands `ops` (`operand`):
    a sum over j, or for declared vectors (`matrix`) a product p.T @ log(p).  Every softmax's own sum
    runs over `inner`, so softmax(z)[j] and log_softmax(z)[j] hold one sum, not two that never merge."""
    value, log_of = (lambda op: _value(op, j, inner, matrix)), (lambda op: _log(op, j, inner, matrix))
    if name == "entropy":
        sign, left, right = -1, value(ops[0]), log_of(ops[0])
    elif name == "kl":
        sign, left = 1, value(ops[0])
        right = ast.BinOp(left=log_of(ops[0]), op=ast.Sub(), right=log_of(ops[1]))
    elif name == "cross_entropy":
        sign, left, right = -1, value(ops[0]), log_of(ops[1])
    else:
        raise KeyError(name)
    if matrix:
        total = ast.BinOp(left=ast.Attribute(value=left, attr="T", ctx=ast.Load()), op=ast.MatMult(), right=right)
    else:
        total = _call("sum", ast.BinOp(left=left, op=ast.Mult(), right=right), _name(j))
    return ast.UnaryOp(op=ast.USub(), operand=total) if sign < 0 else total
