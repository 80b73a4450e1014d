"""Converting between matrix notation and index notation.

    to_index("x.T @ A @ x")                 -> sum(x[i]*A[i, j]*x[j], i, j)
    to_index("A @ x", "i")                  -> sum(A[i, j]*x[j], j)       (entry i)
    to_matrix("sum(w[k,j]*x[j], j)", "k")   -> w*x                        (the vector over k)
    to_matrix("sum(x[i]*A[i,j]*x[j], i, j)") -> x.T*A*x

`to_matrix` recognizes products whose summed indices each appear twice (a
chain of matrix products, with transposes as needed) and sums of those; every
conversion is checked on concrete instances before it is returned.
"""

import sympy
from sympy import Add, Indexed, IndexedBase, MatrixBase, MatrixExpr, MatrixSymbol, Mul, Sum, Symbol, Trace, Transpose

from ..validation.equivalence import differ, numeric_value, sample_point
from ..errors import DeriveError
from ..calculus.index import contract
from ..validation.instances import Instance, scalar_symbols
from ..text.inputs import as_basic, as_expression, new_namespace
from ..text.printing import to_text

_NAMES = ("i", "j", "p", "q", "r", "s", "t", "u", "v")


def to_index(expr, indices=(), namespace=None):
    """Index form of a matrix expression (text or SymPy): a scalar, or entry
    [indices] of a vector/matrix.  `indices` are names or the user's symbols;
    `namespace` declares names as in `derive.parse`.

    >>> to_index("A @ x", "i", "A: n x n, x: n")
    Sum(A[i, j]*x[j], (j, 0, n - 1))
    """
    ns = new_namespace(namespace, expr, indices)
    expr = as_expression(expr, ns)
    if isinstance(indices, str):
        indices = [ns.index(n.strip()) for n in indices.replace(",", " ").split()]
    indices = [ns.unify(as_basic(i)) for i in indices]
    if isinstance(expr, MatrixExpr) and not isinstance(expr, MatrixBase) and expr.shape == (1, 1) and not indices:
        expr = Trace(expr)  # x.T*A*x from SymPy: a 1 x 1 matrix is a scalar
    return _to_index(expr, indices, {n: o for n, o in ns.names.items() if isinstance(o, IndexedBase)})


def _to_index(expr, indices, arrays):
    if isinstance(expr, Trace) or not isinstance(expr, (MatrixExpr, MatrixBase)):
        scalar = expr
        entry = _scalar_entries(scalar)
    else:
        rows, cols = expr.shape
        if isinstance(expr, MatrixBase) and len(indices) in (1, 2):
            # explicit (the gradient of x[0]**2*x[1]): M[k, l] = sum of M[a, b] delta(k, a) delta(l, b)
            at = list(indices) + [0] * (2 - len(indices))
            entry = Add(*(e * sympy.KroneckerDelta(at[0], a) * sympy.KroneckerDelta(at[1], b)
                          for (a, b), e in expr.todok().items()))
        elif cols == 1 and len(indices) == 1:
            entry = expr[indices[0], 0]
        elif len(indices) == 2:
            entry = expr[indices[0], indices[1]]
        else:
            raise DeriveError(f"give {'one index' if cols == 1 else 'two indices'} for the entry of a "
                              f"{rows} x {cols} expression")
        entry = _scalar_entries(entry)  # a scalar factor inside (exp(w.T*w)*w) is a sum too
    # diag(v)[i, j] = delta(i, j) v[i] and identities leave deltas inside sums; contracting
    # them removes the sum (X.T diag(s) X: one sum over the data index, not two)
    from ..calculus.index import tidy_index

    # Identity(n)[i, j] is KroneckerDelta(i, j, (0, n - 1)); the range is the index's own
    entry = entry.replace(lambda e: isinstance(e, sympy.KroneckerDelta) and len(e.args) == 3,
                          lambda e: sympy.KroneckerDelta(*e.args[:2]))
    return _readable(tidy_index(contract(entry)), indices, arrays)


def _scalar_entries(expr):
    def entry(e):
        if isinstance(e, Trace):
            inner = e.arg
            if inner.shape == (1, 1):
                return inner[0, 0]
            t = sympy.Dummy("t", integer=True)
            return Sum(inner[t, t], (t, 0, inner.shape[0] - 1))
        return e
    return expr.replace(lambda e: isinstance(e, Trace), entry)


def _readable(expr, keep, arrays):
    """MatrixElements -> Indexed (vectors get one index; the array is the one of that
    name in `arrays` if there is one); dummy indices -> i, j, ..."""
    def element(e):
        M, r, c = e.args
        if not isinstance(M, MatrixSymbol):  # inv(X)[i, j], (X**k)[i, j]: no sum of products of entries
            raise DeriveError(f"{to_text(M)} has no index form (its entries are not sums of products of the "
                              "arrays' entries), so it cannot be written in index notation or compiled as a loop")
        base = arrays.get(M.name) or IndexedBase(M.name, real=True)
        if M.shape[1] == 1:
            return base[r]
        if M.shape[0] == 1:
            return base[c]
        return base[r, c]

    expr = expr.replace(lambda e: isinstance(e, sympy.matrices.expressions.matexpr.MatrixElement), element)
    used = {str(s) for s in keep} | {str(s) for s in expr.free_symbols}  # free indices (i in (tr(A) A)[i, j])
    renames = {}
    names = (n for n in _NAMES if n not in used)
    for s in sorted(expr.atoms(Sum), key=str):
        for index, _, _ in s.limits:
            if index not in renames and str(index) not in used:
                renames[index] = Symbol(next(names), integer=True)
    return expr.xreplace(renames)


def to_matrix(expr, free=(), shapes=None):
    """Matrix form of an index expression whose free indices are `free` (0, 1 or 2)."""
    ns = new_namespace(None, expr, free)
    expr = as_expression(expr, ns)
    if isinstance(free, str):
        free = [s for s in free.replace(",", " ").split()]
    free = [ns.unify(f) if isinstance(f, Symbol) else Symbol(f, integer=True) for f in free]
    if len(free) > 2:
        raise DeriveError("matrix form exists for at most two free indices")
    free = [_match_symbol(expr, f) for f in free]
    terms = Add.make_args(_flatten_sums(expr))
    matrices = [_term_to_matrix(t, free) for t in terms]
    result = matrices[0]
    for m in matrices[1:]:
        result = result + m
    _check(expr, result, free)
    from ..calculus.matrix import tidy

    return tidy(result)


def _flatten_sums(expr):
    """Sums of products of entries: distribute sums over sums, merge nested sums.

    sum((sum(A[i,j]*x[j], j) - b[i])*A[i,k], i)
        -> sum(A[i,k]*A[i,j]*x[j], i, j) - sum(A[i,k]*b[i], i)
    """
    expr = sympy.expand_mul(expr)
    out = []
    for term in Add.make_args(expr):
        coeff = Mul(*(a for a in Mul.make_args(term) if not isinstance(a, Sum)))
        sums = [a for a in Mul.make_args(term) if isinstance(a, Sum)]
        if not sums:
            out.append(term)
            continue
        limits, body = [], coeff
        for s in sums:
            inner = _flatten_sums(s.function)
            limits += list(s.limits)
            body = body * inner
        body = sympy.expand_mul(body)
        for piece in Add.make_args(body):
            nested = [a for a in Mul.make_args(piece) if isinstance(a, Sum)]
            lim = list(limits)
            rest = piece
            for n in nested:
                lim += list(n.limits)
                rest = rest / n * n.function
            out.append(Sum(sympy.expand_mul(rest), *lim))
    return Add(*out)


def _match_symbol(expr, f):
    for s in expr.free_symbols:
        if isinstance(s, Symbol) and s.name == f.name:
            return s
    return f


def _term_to_matrix(term, free):
    limits, body = [], term
    while isinstance(body, Sum) or (isinstance(body, Mul) and any(isinstance(a, Sum) for a in body.args)):
        if isinstance(body, Sum):
            limits += list(body.limits)
            body = body.function
        else:
            sums = [a for a in body.args if isinstance(a, Sum)]
            rest = Mul(*(a for a in body.args if not isinstance(a, Sum)))
            if len(sums) != 1:
                raise DeriveError(f"no matrix form found for the product of sums {term}")
            limits += list(sums[0].limits)
            body = rest * sums[0].function
    summed = {lim[0] for lim in limits}
    factors = Mul.make_args(body)
    scalar = Mul(*(f for f in factors if not f.has(Indexed)))
    tensors = [f for f in factors if f.has(Indexed)]
    for t in tensors:
        if not isinstance(t, Indexed):
            raise DeriveError(f"no matrix form for {t}: only products of array entries convert")
    dims = {}
    for lim in limits:
        dims[lim[0]] = lim[2] - lim[1] + 1
    chain = _chain(tensors, free, summed, dims)
    return scalar * chain if scalar != 1 else chain


def _as_matrix(entry, dims):
    """An Indexed element as (matrix symbol, (row index, column index)); vectors are columns."""
    base = entry.base.label
    if len(entry.indices) == 1:
        (i,) = entry.indices
        return MatrixSymbol(str(base), dims.get(i, Symbol("n", integer=True, positive=True)), 1), (i, None)
    if len(entry.indices) == 2:
        i, j = entry.indices
        n = Symbol("n", integer=True, positive=True)
        return MatrixSymbol(str(base), dims.get(i, n), dims.get(j, n)), (i, j)
    raise DeriveError(f"{entry}: only vectors and matrices have a matrix form")


def _chain(tensors, free, summed, dims):
    """Order the factors into a product A B C... along shared indices."""
    items = [_as_matrix(t, dims) for t in tensors]
    start = free[0] if free else None
    product, current, used = [], start, set()
    # a chain starts at a free index, or (scalar result) at a vector's index
    closes_at = None  # a scalar of matrices only: the chain must close (sum P[j,k]*S[j,k] = tr(P^T S))
    if current is None:
        vectors = [k for k, (_, (r, c)) in enumerate(items) if c is None]
        k = vectors[0] if vectors else 0
        M, (r, c) = items[k]
        product.append(Transpose(M) if vectors else M)
        used.add(k)
        current, closes_at = (r, None) if vectors else (c, r)
    while len(used) < len(items):
        k = next((k for k, (_, idx) in enumerate(items) if k not in used and current in idx), None)
        if k is None:
            raise DeriveError(f"no matrix form: the index {current} does not continue the product")
        M, (r, c) = items[k]
        used.add(k)
        if r == current:
            product.append(M)
            current = c
        else:  # the shared index is the column: use the transpose
            product.append(Transpose(M))
            current = r
        if current is None:  # a vector ends the chain
            break
    if len(used) < len(items):
        raise DeriveError("no matrix form: the factors do not form a single chain of products")
    result = product[0] if len(product) == 1 else sympy.MatMul(*product)
    if closes_at is not None:
        if current != closes_at:
            raise DeriveError(f"no matrix form: the chain of products ends at index {current}, not {closes_at}")
        return Trace(result)
    if len(free) == 2 and current != free[1]:
        raise DeriveError(f"no matrix form: the chain ends at index {current}, not {free[1]}")
    return result


def _check(index_form, matrix_form, free):
    """Both forms agree entry by entry on concrete instances, or an error."""
    arrays = {str(e.base.label): e.base for e in index_form.atoms(Indexed)}  # one array per name in both forms
    back = _to_index(matrix_form, free, arrays) if free else _to_index(
        Trace(matrix_form) if isinstance(matrix_form, MatrixExpr) and matrix_form.shape == (1, 1) else matrix_form,
        (), arrays)
    for inst in Instance.all_for(index_form, matrix_form):
        a, b = inst.explicit(index_form), inst.explicit(back)
        if free:
            ranges = [range(int(as_basic(d).subs(inst.sizes))) for d in _free_dims(matrix_form, free)]
            pairs = [(a.subs(dict(zip(free, v))), b.subs(dict(zip(free, v)))) for v in _product(ranges)]
        else:
            pairs = [(a, b)]
        rng = __import__("random").Random(1)
        for lhs, rhs in pairs:
            syms = sorted(scalar_symbols(lhs) | scalar_symbols(rhs), key=str)
            point = sample_point(syms, rng, 0)
            x, y = numeric_value(lhs, point), numeric_value(rhs, point)
            if x is None or y is None or differ(x, y, (lhs, rhs), point):
                raise DeriveError("the matrix form found does not match the index form; please report this")


def _free_dims(matrix_form, free):
    rows, cols = matrix_form.shape
    return [rows] if len(free) == 1 else [rows, cols]


def _product(ranges):
    import itertools

    return itertools.product(*ranges)
