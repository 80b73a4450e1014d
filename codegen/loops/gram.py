"""Weighted Gram matrices go to BLAS: out[K, L] += sum_i w_i A(i, K) B(i, L).

Logistic and ridge Hessians, Fisher information, the last layer of a network,
softmax regression: a sum over the data of a weight times a product of two
"rows", one for the first half K of the output indices and one for the
second half L.  A loop nest over (i, K, L) does N |K| |L| scalar
multiply-adds; BLAS does the same product several times faster.  The plan:

* one pass over the rows i computes the weight w_i and the rows A(i, K) (any
  expression: X[i, k], tanh(T[i, k]), X[i, k] p(i, a)), scaled so that the
  product is one BLAS call:
  - A is B:   S[i, :] = sqrt(|w_i|) A(i, :), out = +-S^T S (SYRK) when the
    signs of w agree, else S^T (sign(w) S);
  - A is not B: SA[i, :] = w_i A(i, :), and B(i, :) (the array itself when B
    is one), out = SA^T B (GEMM);
  - w constant and A an array:  out = w A^T A, no pass at all;
* a Kronecker delta between an index a of K and b of L (softmax regression:
  X[i,k] X[i,l] p(i,a) delta(a, b)) makes it one Gram matrix per value of a,
  a batched matrix product written into the diagonal blocks out[:, a, :, a];
* the pass is serial: a Numba thread pool running next to BLAS's pool (whose
  threads spin for a while after each call) made the Hessian 2-4 times slower
  and unsteady on a 2-core machine (docs/kernels.md, "Steady timings").

Gradients wrt a weight matrix (softmax regression, a linear layer) are sums
over the data of a row of the input times a row of a residual:
sum_i X[i, k] R(i, l).  `merge_row_products` first joins every such term with
the same X[i, k] into one, so that -X^T Y and X^T P(W) become X^T (P - Y):
one pass computes R row by row and one GEMM multiplies it by X itself
(never a scaled copy of X).
"""

from dataclasses import dataclass

import sympy
from sympy import Add, Indexed, KroneckerDelta, Mul, Sum, Symbol

from .floating import Floater, bottom_up, int_code
from ..printing.rewrite import IndexMax


@dataclass
class Gram:
    index: Symbol  # the data index i
    lo: sympy.Expr
    hi: sympy.Expr
    weight: sympy.Expr  # w_i (free of the outputs)
    A: sympy.Expr  # A(i, K)
    B: sympy.Expr  # B(i, L)
    K: tuple
    L: tuple
    coupling: tuple | None  # (a in K, b in L) for a factor delta(a, b)

    @property
    def symmetric(self):
        return self.B == self.A.xreplace(dict(zip(self.K, self.L)))


def gram_pattern(term, outputs):
    """sum_i w_i * A(i, K) * B(i, L) [* delta(a, b)] for a reduction term over i, or None."""
    if len(outputs) < 2 or len(outputs) % 2 or term.extra_limits:
        return None
    half = len(outputs) // 2
    K, L = tuple(outputs[:half]), tuple(outputs[half:])
    a_factors, b_factors, weight, coupling = [], [], [], None
    for f in Mul.make_args(term.coeff * term.body):
        outs = f.free_symbols & set(outputs)
        if isinstance(f, KroneckerDelta) and len(outs) == 2 and coupling is None:
            x, y = f.args[:2]
            if x in K and y in L:
                coupling = (x, y)
                continue
            if y in K and x in L:
                coupling = (y, x)
                continue
        if not outs:
            weight.append(f)
        elif outs <= set(K):
            a_factors.append(f)
        elif outs <= set(L):
            b_factors.append(f)
        else:
            return None
    A, B = Mul(*a_factors), Mul(*b_factors)
    covered_k = A.free_symbols | ({coupling[0]} if coupling else set())
    covered_l = B.free_symbols | ({coupling[1]} if coupling else set())
    if not (set(K) <= covered_k and set(L) <= covered_l):
        return None  # constant along an output index: the loops do it
    return Gram(term.index, term.lo, term.hi, Mul(*weight), A, B, K, L, coupling)


def nest_sums(expr):
    """Sum(F * G, (i, ..), (c, ..)) as Sum(F * Sum(G, (c, ..)), (i, ..)) when F does not
    depend on c and the ranges do not depend on each other: sum_{i,c} F(i, k, l) Y[i, c]
    becomes sum_i F(i, k, l) (sum_c Y[i, c]), a row product the planner can give to BLAS.
    (SymPy flattens a Sum whose body is a Sum, so the factor F must come out with it.)"""

    def nest(e):
        if not isinstance(e, Sum) or len(e.limits) < 2:
            return e
        (i, lo, hi), inner = e.limits[0], e.limits[1:]
        inner_indices = {lim[0] for lim in inner}
        if any(i in (a.free_symbols | b.free_symbols) for _, a, b in inner) or \
                (lo.free_symbols | hi.free_symbols) & inner_indices:
            return e
        factors = Mul.make_args(e.function)
        outside = [f for f in factors if not (f.free_symbols & inner_indices)]
        if not outside:
            return e
        inside = Mul(*(f for f in factors if f.free_symbols & inner_indices))
        return Sum(Mul(*outside) * Sum(inside, *inner), (i, lo, hi))

    return bottom_up(expr, nest)


def merge_row_products(expr, outputs):
    """Terms c_t * sum_i A(i, k) B_t(i, l) with the same rows A(i, k) (free of l) and the
    same range of i, joined into sum_i A(i, k) (c_1 B_1 + c_2 B_2 + ...): one GEMM with
    A instead of one per term (softmax regression: X^T (P - Y), not X^T P - X^T Y)."""
    if len(outputs) != 2:
        return expr
    k, l = outputs
    groups, rest = {}, []
    for term in Add.make_args(expr):
        split = _row_product(term, k, l)
        if split is None:
            rest.append(term)
            continue
        key, residual = split
        groups.setdefault(key, []).append(residual)
    for (rows, i, lo, hi), residuals in groups.items():
        if len(residuals) == 1:
            rest.append(Sum(rows * residuals[0], (i, lo, hi)))
        else:
            rest.append(Sum(rows * Add(*residuals), (i, lo, hi)))
    return Add(*rest)


_ROW = Symbol("_row", integer=True)  # the data index of every merged term


def _row_product(term, k, l):
    """((A, i, lo, hi), c * B(i, l)) for term = c * Sum(A(i, k) * B(i, l), (i, lo, hi)), else None."""
    factors = Mul.make_args(term)
    sums = [f for f in factors if isinstance(f, Sum)]
    if len(sums) != 1 or len(sums[0].limits) != 1:
        return None
    s = sums[0]
    coeff = Mul(*(f for f in factors if f is not s))
    i, lo, hi = s.limits[0]
    if coeff.free_symbols & {i, k}:
        return None
    rows = [f for f in Mul.make_args(s.function) if k in f.free_symbols]
    other = [f for f in Mul.make_args(s.function) if k not in f.free_symbols]
    A = Mul(*rows)
    if not rows or l in A.free_symbols or i not in A.free_symbols or A.has(Sum):
        return None
    swap = {i: _ROW}
    return (A.xreplace(swap), _ROW, lo, hi), coeff * Mul(*other).xreplace(swap)


def _array_rows(A, i, k):
    """'X' when A is X[i, k], 'X.T' when it is X[k, i]; None for any other expression."""
    if isinstance(A, Indexed) and len(A.indices) == 2 and set(A.indices) == {i, k}:
        return str(A.base.label) + ("" if A.indices == (i, k) else ".T")
    return None


def _rows_code(rows, lo, hi):
    """The data rows lo..hi-1 of an array (X[lo:hi]) or of a transposed one (X[:, lo:hi].T)."""
    return f"{rows[:-2]}[:, {lo}:{hi}].T" if rows.endswith(".T") else f"{rows}[{lo}:{hi}]"


@dataclass
class GramCode:
    core: list  # lines in the compiled core: the pass over the rows
    wrapper: list  # lines in the Python wrapper after the core: the BLAS product into `out`
    buffers: list  # (name, shape code): arrays the wrapper allocates and the core fills
    fused: dict = None  # product name -> wrapper code of its right factor, for products made block by block
    into_out: bool = False  # the core lines add the whole term into `out`: after a symmetric output is mirrored
    extra: tuple = ()  # (name, wrapper code) of new arrays the core takes, like hoisted products


def shares_rows(gram, symmetric):
    """True when `gram`'s scaled rows w_i A(i, K) equal the rows sqrt(|v_i|) A(i, K) of
    `symmetric` (a Gram term with signs): same A, w > 0 and w^2 = |v|.  Softmax regression
    has both: X[i,k] p(i,a) (delta(a, b) - p(i,b)) X[i,l] is p_a/S-weighted and -1/S^2-weighted
    rows of the same X[i,k] e(i,a)."""
    if gram is symmetric or not symmetric.symmetric or symmetric.coupling is not None:
        return False
    if gram.A != symmetric.A or gram.index != symmetric.index or (gram.lo, gram.hi) != (symmetric.lo, symmetric.hi):
        return False
    w, v = gram.weight, symmetric.weight.xreplace({symmetric.index: gram.index})
    return _positive(w) and (sympy.expand(w**2 + v) == 0 or sympy.expand(w**2 - v) == 0)


def _positive(e):
    """Surely > 0 for real values: exponentials, sums and products of positives, positive numbers."""
    if e.is_Number:
        return bool(e > 0)
    if isinstance(e, sympy.exp):
        return True
    if isinstance(e, (sympy.Add, Mul, sympy.Sum)):
        return all(_positive(a) for a in (e.args if not isinstance(e, sympy.Sum) else [e.function]))
    if isinstance(e, sympy.Pow):
        return _positive(e.base) or (e.exp.is_Integer and e.exp % 2 == 0 and e.base.is_real is not False)
    return False


def _matrix(name, keep=1):
    """Code for array `name` with the axes after the first `keep` flattened into one (an
    explicit length, not -1: an array with no rows has no -1 to infer)."""
    kept = ", ".join(f"{name}.shape[{n}]" for n in range(keep))
    return f"{name}.reshape({kept}, math.prod({name}.shape[{keep}:]))"


def gram_code(gram, printer, sizes, p="_g", rows_of=None, products=None, same_length=None):
    """The code adding the Gram term to `out`; every name made here starts with `p`.

    `sizes` maps output indices to their size names.  `products` maps the names of
    hoisted matrix products only this term reads to their factors (`hoist_products`),
    which lets a rows pass make them block by block; `same_length` maps an output index
    to a size symbol that is the length of the same axis.  With `rows_of`, the scaled
    rows are those another Gram term (prefix `rows_of`) computes (`shares_rows`).
    The rows go into arrays the wrapper allocates with NumPy: large fresh arrays
    from Numba's allocator are page-faulted in 4 kB pages on every call (18 ms for
    two 16 MB arrays here), NumPy's come in huge pages (2 ms).
    """
    i = Symbol("_i0")  # underscored: never a user's name (safe_names)
    weight, A, B = (e.xreplace({gram.index: i}) for e in (gram.weight, gram.A, gram.B))
    lo, hi = int_code(gram.lo), int_code(gram.hi + 1)
    single = len(gram.K) == 1 and gram.coupling is None
    rows_a = _array_rows(A, i, gram.K[0]) if single else None
    if not weight.has(i) and rows_a is not None and gram.symmetric:
        # a constant times A^T A: BLAS on the array itself, no pass over the data
        fl = Floater(printer, {}, p[1:] + "c")
        code = fl.finish(fl.float_out(weight, 0), 0)
        a = _rows_code(rows_a, lo, hi)
        return GramCode([], fl.blocks.get(0, []) + [f"out = out + ({code}) * ({a}.T @ {a})"], [])

    direct = not weight.has(i) and rows_a is not None and gram.coupling is None and not gram.symmetric
    if direct and len(gram.L) == 1:
        return _blocked_gemm(gram, i, weight * B, rows_a, printer, sizes, p, products or {}, same_length or {})
    if direct:
        # a constant times A^T B(W) with A an array: BLAS on the array itself, the pass computes B only
        fl = Floater(printer, {}, p[1:] + "c")
        scale = fl.finish(fl.float_out(weight, 0), 0)
        core, buffers = [f"{p}lo, {p}hi = {lo}, {hi}"], [(f"{p}b", _shape(gram.L, f"{hi} - {lo}", sizes, False))]
        core += _rows_pass(p + "b", B, gram.L, i, None, printer, sizes, p, None, p + "b", chunked=True)
        product = f"({_rows_code(rows_a, lo, hi)}.T @ {_matrix(p + 'b')})"
        return GramCode(core, fl.blocks.get(0, []) + [f"out = out + ({scale}) * {product}.reshape(out.shape)"],
                        buffers)
    signs = gram.symmetric and gram.coupling is None  # sqrt(|w|) on both sides, signs apart
    batched = gram.coupling is not None and gram.coupling[1] in B.free_symbols  # B differs per a
    rows = f"{hi} - {lo}"
    # for a batched product the coupled index a goes first: each block reads contiguous rows
    order_a = (gram.coupling[0],) + tuple(o for o in gram.K if o != gram.coupling[0]) if batched else gram.K
    core, buffers = [f"{p}lo, {p}hi = {lo}, {hi}"], []
    name_a = f"{rows_of}a" if rows_of else f"{p}a"
    if not rows_of:
        buffers.append((name_a, _shape(order_a, rows, sizes, batched)))
        core += _rows_pass(name_a, A, order_a, i, weight, printer, sizes, p, "signs" if signs else "weight", p,
                           coupled=batched)
    if signs:
        buffers.append((f"{p}b", f"({rows}, 1)"))
        wrapper = [f"{p}s = {_matrix(p + 'a')}",
                   f"if numpy.all({p}b > 0.0):  # S^T S with S = diag(sqrt w) A: SYRK",
                   f"    {p}g = {p}s.T @ {p}s",
                   f"elif numpy.all({p}b < 0.0):",
                   f"    {p}g = -({p}s.T @ {p}s)",
                   "else:",
                   f"    {p}g = {p}s.T @ ({p}s * {p}b)",
                   f"out = out + {p}g.reshape(out.shape)"]
        return GramCode(core, wrapper, buffers)
    if batched:
        b = gram.coupling[1]
        order_b = (b,) + tuple(o for o in gram.L if o != b)
        buffers.append((f"{p}b", _shape(order_b, rows, sizes, True)))
        core += _rows_pass(p + "b", B, order_b, i, None, printer, sizes, p, None, p + "b", coupled=True)
        return GramCode(core, _batched_blocks(gram, p), buffers)
    # rows of B: the array itself when B is one, else computed (without a coupled index it lacks)
    group_b = tuple(o for o in gram.L if gram.coupling is None or o != gram.coupling[1])
    array = _array_rows(B, i, group_b[0]) if len(group_b) == 1 else None
    if array is not None:
        rows_b = _rows_code(array, lo, hi)
    else:
        rows_b = f"{p}b"
        buffers.append((rows_b, _shape(group_b, rows, sizes, False)))
        core += _rows_pass(rows_b, B, group_b, i, None, printer, sizes, p, None, p + "b")
    product = f"({_matrix(name_a)}.T @ {_matrix(rows_b)})"
    if gram.coupling is None:
        return GramCode(core, [f"out = out + {product}.reshape(out.shape)"], buffers)
    return GramCode(core, _diagonal_scatter(gram, p, product, sizes), buffers)


def _row_terms(B, l, size):
    """(g(l), the Sum of g over the axis l runs over) when B holds both: a softmax's
    exp(z[i, l] - m_i) and its normaliser sum_a exp(z[i, a] - m_i).  `size` is a symbol
    known to be l's range length.  Computed once into a row, each exponential is
    evaluated once per entry, not twice (half the time of softmax regression's pass)."""
    for s in sorted(B.atoms(Sum), key=sympy.default_sort_key):
        if len(s.limits) != 1 or not s.function.atoms(sympy.Function):
            continue
        a, lo, hi = s.limits[0]
        if lo != 0 or sympy.expand(hi + 1 - size) != 0:
            continue
        entry = _rename_free(s.function, a, l)
        if entry != s.function and B.has(entry):
            return entry, s
    return None


def _residual_products(B, i, l, start, stop, p, printer, sizes, rows_a):
    """(B, core lines, new arrays): each sum_c S(i, c) W[l, c] in B, S computed per row and W an
    array, becomes a block product: S for the block's rows into a buffer, then one BLAS call
    with W (a two-layer network's back-propagated residual (S - Y) W2^T), read as M[i, l]."""
    lines, extra = [], []
    for s in sorted(B.atoms(Sum), key=sympy.default_sort_key):
        if len(s.limits) != 1 or s.limits[0][0] == l or not B.has(s):
            continue
        c, lo, hi = s.limits[0]
        arrays = [f for f in Mul.make_args(s.function) if isinstance(f, Indexed) and len(f.indices) == 2
                  and set(f.indices) == {l, c} and not str(f.base.label).startswith("_")]
        if len(arrays) != 1:
            continue
        W = arrays[0]
        S = Mul(*(f for f in Mul.make_args(s.function) if f is not W))
        if l in S.free_symbols or i not in S.free_symbols:
            continue
        n = len(extra)
        name, buf, prod = f"{p}w{n}", f"{p}s{n}", f"{p}m{n}"
        span = f"{int_code(lo)}:{int_code(hi + 1)}"
        right = f"{W.base.label}[:, {span}].T" if W.indices == (l, c) else f"{W.base.label}[{span}, :]"
        extra.append((name, f"numpy.ascontiguousarray({right})  # the right factor of a block product in the core"))
        fl = Floater(printer, {i: 1, c: 2}, f"{p[1:]}s{n}_", sizes)
        code = fl.finish(fl.float_out(S, 2), 2)
        lines += [f"{buf} = numpy.empty(({stop.name} - {start.name}, {int_code(hi + 1 - lo)}), {rows_a}.dtype)",
                  *fl.blocks.pop(0, []), *fl.allocations,
                  f"for {i.name} in range({start.name}, {stop.name}):",
                  *("    " + line for line in fl.blocks.pop(1, [])),
                  f"    for {c.name} in range({int_code(lo)}, {int_code(hi + 1)}):",
                  *("        " + line for line in fl.blocks.pop(2, [])),
                  f"        {buf}[{i.name} - {start.name}, {int_code(c - lo)}] = {code}",
                  f"{prod} = numpy.dot({buf}, {name})"]
        B = B.xreplace({s: sympy.IndexedBase(prod)[i - start, l]})
    return B, lines, extra


def _factored_sum(e):
    """A sum over c with its body factored and what does not depend on c outside: a two-layer
    network's sum_c (t^2 Y - t^2 S - Y + S) W2[l, c], as SymPy expands it, is
    (1 - t^2) sum_c (S - Y) W2[l, c]: half the work in the innermost loop."""
    if not isinstance(e, Sum) or len(e.limits) != 1 or not e.function.has(sympy.Add) or e.function.has(sympy.exp):
        return e  # factor splits exp(z - m) into exp(z) exp(-m): a softmax's shift must stay whole
    index = e.limits[0][0]
    factors = Mul.make_args(sympy.factor(e.function))
    outside = [f for f in factors if index not in f.free_symbols]
    if not outside:
        return e
    return Mul(*outside) * Sum(Mul(*(f for f in factors if index in f.free_symbols)), e.limits[0])


def _rename_free(expr, a, b):
    """expr with its free a renamed b; sums and maxima that bind a of their own are kept."""
    bound = {e: sympy.Dummy() for e in expr.atoms(Sum, IndexMax) if a in {lim[0] for lim in e.limits}}
    return expr.xreplace(bound).xreplace({a: b}).xreplace({v: k for k, v in bound.items()})


def _blocked_gemm(gram, i, B, rows_a, printer, sizes, p, products, same_length):
    """sum_i A[i, k] B(i, l) with A an array, one block of rows at a time: each thread takes
    a block, makes the matrix products B reads for those rows (X[rows] @ W, by BLAS), fills
    the block of B row by row, and adds A[rows]^T B[rows] (BLAS) into its partial result.
    The data is read once and every intermediate stays in cache: softmax regression's
    gradient at N = 10^6 reads X once instead of three times.  The wrapper keeps BLAS to one
    thread while the threads run (`_one_blas_thread`): each thread's products are small."""
    start, stop = Symbol(f"{p}start", integer=True), Symbol(f"{p}stop", integer=True)
    fused, blocks = {}, []
    for e in sorted(B.atoms(Indexed), key=str):
        name = str(e.base.label)
        if name in products and e.indices[0] == i and name not in fused:
            left, right, lo, hi = products[name]
            fused[name] = (f"numpy.ascontiguousarray({right}[:, {int_code(lo)}:{int_code(hi + 1)}].T)"
                           "  # the right factor of a product the core makes block by block")
            rows = f"{left}[{start.name}:{stop.name}]"
            whole = f"{int_code(lo)} == 0 and {int_code(hi + 1)} == {left}.shape[1]"  # no copy of full rows
            blocks.append(f"{name}b = numpy.dot({rows} if {whole} else numpy.ascontiguousarray("
                          f"{left}[{start.name}:{stop.name}, {int_code(lo)}:{int_code(hi + 1)}]), {name})")
    B = B.replace(lambda e: isinstance(e, Indexed) and str(e.base.label) in fused and e.indices[0] == i,
                  lambda e: sympy.IndexedBase(f"{e.base.label}b")[(i - start,) + tuple(e.indices[1:])])
    (k,), (l,) = gram.K, gram.L
    nk, nl = sizes[k], sizes[l]
    B = bottom_up(B, _factored_sum)
    fl = Floater(printer, {i: 1, l: 2}, p[1:] + "b", sizes)
    row = _row_terms(B, l, same_length[l]) if l in same_length else None
    fill, at = [], 0
    if row is not None:  # the row g(i, :) into {p}e first, then B reads it
        entry, total = row
        e = sympy.IndexedBase(f"{p}e")
        code = fl.finish(fl.float_out(entry, 2), 2)
        at = len(fl.blocks.get(1, []))  # after the row's own temps (its max), before anything that reads it
        fill = [f"for {l.name} in range({nl}):", *("    " + line for line in fl.blocks.pop(2, [])),
                f"    {p}e[{i.name} - {start.name}, {l.name}] = {code}"]
        a = total.limits[0][0]
        B = B.xreplace({total: Sum(e[i - start, a], total.limits[0]), entry: e[i - start, l]})
        fl.allocations.append(f"{p}e = numpy.empty(({stop.name} - {start.name}, {nl}))")
    B, products_of_rows, extra = _residual_products(B, i, l, start, stop, p, printer, sizes, rows_a)
    body = fl.finish(fl.float_out(B, 2), 2)
    if fill:
        level1 = fl.blocks.setdefault(1, [])
        fl.blocks[1] = level1[:at] + fill + level1[at:]
    a_rows = f"{rows_a}[{start.name}:{stop.name}]"
    lines = [f"{p}lo, {p}hi = {int_code(gram.lo)}, {int_code(gram.hi + 1)}", *fl.blocks.pop(0, []),
             f"{p}nc = max(1, ({p}hi - {p}lo) // BLOCK_ROWS, min({p}hi - {p}lo, _threads))",
             f"{p}part = numpy.zeros((_threads, {nk}, {nl}))",
             f"for _c in numba.prange({p}nc):",
             "    _t = numba.get_thread_id()",
             f"    {start.name} = {p}lo + ({p}hi - {p}lo) * _c // {p}nc",
             f"    {stop.name} = {p}lo + ({p}hi - {p}lo) * (_c + 1) // {p}nc",
             *("    " + line for line in blocks + products_of_rows),
             f"    {p}b = numpy.empty(({stop.name} - {start.name}, {nl}), {rows_a}.dtype)",  # float32 in, float32 BLAS
             *("    " + line for line in fl.allocations),
             f"    for {i.name} in range({start.name}, {stop.name}):",
             *("        " + line for line in fl.blocks.pop(1, [])),
             f"        for {l.name} in range({nl}):",
             *("            " + line for line in fl.blocks.pop(2, [])),
             f"            {p}b[{i.name} - {start.name}, {l.name}] = {body}",
             f"    {p}blk = numpy.dot(numpy.ascontiguousarray({a_rows}).T, {p}b)",
             f"    for {k.name} in range({nk}):",
             f"        for {l.name} in range({nl}):",
             f"            {p}part[_t, {k.name}, {l.name}] += {p}blk[{k.name}, {l.name}]",
             "for _t in range(_threads):",
             f"    for {k.name} in range({nk}):",
             f"        for {l.name} in range({nl}):",
             f"            out[{k.name}, {l.name}] += {p}part[_t, {k.name}, {l.name}]"]
    return GramCode(lines, [], [], fused, into_out=True, extra=tuple(extra))


def _shape(group, rows, sizes, coupled):
    """Shape code of a rows buffer: (rows, sizes...), or (n_a, rows, sizes...) when coupled."""
    dims = [sizes[o] for o in group]
    if coupled:
        return f"({dims[0]}, {rows}{''.join(', ' + d for d in dims[1:])})"
    return f"({rows}, {', '.join(dims)})"


def _diagonal_scatter(gram, p, product, sizes):
    """out[.., a, .., a, ..] += G[.., a, .., ..]: one product A^T B over all (K, L - b) gives
    every diagonal block at once (G[k, a, l] = sum_i A[i, k, a] B[i, l])."""
    a, b = gram.coupling
    pa, pb = gram.K.index(a), gram.L.index(b)
    dims = [sizes[o] for o in gram.K] + [sizes[o] for o in gram.L if o != b]
    slots = [":" if n != pa else f"{p}d" for n in range(len(gram.K))]
    slots += [":" if n != pb else f"{p}d" for n in range(len(gram.L))]
    lines = [f"{p}g = numpy.moveaxis({product}.reshape({', '.join(dims)}), {pa}, 0)  # a Gram block per {a}",
             f"{p}d = numpy.arange({p}g.shape[0])"]
    if pa == len(gram.K) - 1 and pb == 0:  # adjacent advanced indices keep their place
        lines.append(f"{p}g = numpy.moveaxis({p}g, 0, {len(gram.K) - 1})")
    lines.append(f"out[{', '.join(slots)}] += {p}g")
    return lines


def _rows_pass(name, expr, group, i, weight, printer, sizes, p, scale, temps, coupled=False, chunked=False):
    """Core lines filling name[i - lo, K...] = scale_i * expr(i, K) for the rows lo..hi-1
    ({p}lo, {p}hi); with `coupled`, name[a, i - lo, K-rest...] (the first index of the
    group first).  Temporaries are named after `temps`.  `chunked`: the rows in chunks
    the threads share (a softmax residual: exponentials per row cost more than the GEMMs)."""
    fl = Floater(printer, {i: 1, **{o: depth for depth, o in enumerate(group, 2)}}, temps[1:], sizes)
    w_res = fl.float_out(weight, 1) if weight is not None else None
    res = fl.float_out(expr, len(group) + 1)
    body = fl.finish(res, len(group) + 1)
    w_code = fl.finish(w_res, 1) if weight is not None else None
    lines = fl.blocks.pop(0, [])
    if chunked:
        lines += [f"{p}nc = _chunk_count({p}hi - {p}lo, _threads)",
                  f"for _c in numba.prange({p}nc):",
                  f"    {p}start = {p}lo + ({p}hi - {p}lo) * _c // {p}nc",
                  f"    {p}stop = {p}lo + ({p}hi - {p}lo) * (_c + 1) // {p}nc"]
        lines += ["    " + line for line in fl.allocations]
        inner = [f"for {i.name} in range({p}start, {p}stop):"] + _rows_body(name, fl, group, i, p, scale, body,
                                                                           w_code, coupled)
        return lines + ["    " + line for line in inner]
    lines += fl.allocations
    lines.append(f"for {i.name} in range({p}lo, {p}hi):")
    return lines + _rows_body(name, fl, group, i, p, scale, body, w_code, coupled)


def _rows_body(name, fl, group, i, p, scale, body, w_code, coupled):
    lines = ["    " + line for line in fl.blocks.pop(1, [])]
    factor = ""
    if scale == "signs":  # rows sqrt(|w|) A(i, :) and the signs of w
        lines += [f"    {p}w = {w_code}", f"    {p}b[_i0 - {p}lo, 0] = 1.0 if {p}w >= 0.0 else -1.0",
                  f"    {p}r = math.sqrt(abs({p}w))"]
        factor = f"{p}r * "
    elif scale == "weight":
        lines.append(f"    {p}w = {w_code}")
        factor = f"{p}w * "
    indent = "    "
    for depth, o in enumerate(group, 2):
        lines.append(f"{indent}for {o.name} in range({fl.sizes[o]}):")
        indent += "    "
        lines += [indent + line for line in fl.blocks.pop(depth, [])]
    slots = [o.name for o in group]
    target = ", ".join(slots[:1] + [f"_i0 - {p}lo"] + slots[1:] if coupled else [f"_i0 - {p}lo"] + slots)
    lines.append(f"{indent}{name}[{target}] = {factor}({body})")
    return lines


def _batched_blocks(gram, p):
    """out[.., a, .., a, ..] += sum_i A[a, i, ..] B[a, i, ..] for every a: a batched product
    over contiguous blocks (A and B both depend on the coupled index)."""
    a, b = gram.coupling
    pa, pb = gram.K.index(a), gram.L.index(b)
    rest_k = [f"{p}a.shape[{2 + n}]" for n in range(len(gram.K) - 1)]
    rest_l = [f"{p}b.shape[{2 + n}]" for n in range(len(gram.L) - 1)]
    slots = [":" if n != pa else f"{p}d" for n in range(len(gram.K))]
    slots += [":" if n != pb else f"{p}d" for n in range(len(gram.L))]
    lines = [(f"{p}g = numpy.matmul({_matrix(p + 'a', 2)}.transpose(0, 2, 1), {_matrix(p + 'b', 2)})"
              f"  # one Gram matrix per value of {a}"),
             f"{p}g = {p}g.reshape(({p}g.shape[0], {', '.join(rest_k + rest_l)}))",
             f"{p}d = numpy.arange({p}g.shape[0])"]
    if pa == len(gram.K) - 1 and pb == 0:  # adjacent advanced indices keep their place
        lines.append(f"{p}g = numpy.moveaxis({p}g, 0, {len(rest_k)})")
    lines.append(f"out[{', '.join(slots)}] += {p}g")
    return lines


__all__ = ["Gram", "GramCode", "gram_code", "gram_pattern", "merge_row_products", "nest_sums", "shares_rows"]
