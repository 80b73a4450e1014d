"""The fused E-step + sufficient-statistics kernel, generated from the derived expressions.

One pass over the data computes, for every row, the log joint
log w[k] + ell(x_i; theta_k) of every component, the log-sum-exp (the row's
log-likelihood) and the responsibilities, and adds r[i, k] T_m(x_i) into the
statistics the M-step needs (T_0 = 1, x, x x^T, log x, ... whatever the
derived closed forms sum).  Responsibilities are never stored unless asked for.

Layout, chosen so the compiler vectorizes across rows (lanes = rows):

* rows are processed in blocks of `BLOCK`; the data columns and the per-row
  subexpressions of ell and of the statistics (log Gamma(x + 1), x_0 x_1,
  [x = c]) are computed once per row into block buffers;
* subexpressions that depend only on a component's parameters (log lam,
  1 / (2 sigma2)) are computed once per component per call ("hoisted");
* the log joint of each component is one loop over the block; the
  model-independent rest (log-sum-exp with a SIMD-able exp, the statistics as
  dot products over the block) is in blocks.py, compiled once for all models;
* the functions work on a range of rows and release the GIL, so the caller
  runs chunks of rows on a thread pool (private statistics per chunk, added
  at the end) and Dask runs the same function on each of its chunks; no
  Numba parallel region, which keeps compilation short and lets several
  threads call the kernel at once.

A product of a data factor and the log of a parameter (x log lam) is 0 where
the data factor is 0, even if lam = 0 (0 log 0 = 0), so an empty coordinate
never turns into NaN.  NaN log densities are counted and reported; a row with
zero probability under every component gives a log-likelihood of -inf, and
the caller names the row.
"""

from dataclasses import dataclass, field

import sympy
from sympy import Add, Eq, Mul, Piecewise, Symbol, log

from codegen.cache import load_module
from codegen.printing.printers import ARRAY_HELPERS, SCALAR_HELPERS, ArrayPrinter, ScalarPrinter

BLOCK = 256
MAX_UNROLLED_STATS = 24
FASTMATH = '{"reassoc", "contract", "arcp", "nsz"}'
JIT = f'@numba.njit(cache=True, fastmath={FASTMATH}, nogil=True, error_model="numpy")'


class _Codes:
    """Kronecker deltas of integer data codes and equality tests, for both printers."""

    delta = "(1.0 if {a} == {b} else 0.0)"

    def _print_KroneckerDelta(self, expr):
        a, b = (self._print(v) for v in expr.args)
        return self.delta.format(a=a, b=b)

    def _print_Equality(self, expr):
        return f"({self._print(expr.lhs)} == {self._print(expr.rhs)})"


class KernelPrinter(_Codes, ScalarPrinter):
    """Scalar Numba code for the compiled kernel."""


class ArrayKernelPrinter(_Codes, ArrayPrinter):
    """The same expressions as NumPy code over a chunk of rows (the NumPy backend)."""

    delta = "numpy.where({a} == {b}, 1.0, 0.0)"


@dataclass
class KernelSpec:
    """What the generator needs, all at concrete sizes.

    ``data``: the symbols of the data columns (x0, x1, ...); ``arrays``: the
    per-component arrays the kernel receives, name -> number of axes after
    the component axis; ``elements``: symbol -> (array name, index) for each
    array entry the expressions use (for component k: array[k, index]);
    ``log_density``: ell in data symbols and element symbols; ``stats``: the
    data-only expressions T_m; ``codes``: the data are integer codes.
    """

    data: list
    arrays: dict
    elements: dict
    log_density: sympy.Expr
    stats: list
    seed_metric: str = "euclidean"  # "codes" for categorical data: distance 0 if equal else 1
    name: str = "em"
    hoisted: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# splitting the log density: per component, per row, per (row, component)


def zero_log_zero(expr, data):
    """x log u -> (0 if x == 0 else x log u): a data factor zero makes the term zero, even at u = 0."""
    def rule(term):
        factors = Mul.make_args(term)
        logs = [f for f in factors if isinstance(f, log) and not (f.free_symbols & data)]
        rest = Mul(*(f for f in factors if f not in logs))
        if logs and rest.free_symbols & data and not (rest.free_symbols - data):
            return Piecewise((sympy.S.Zero, Eq(rest, 0)), (term, True))
        return term

    expr = sympy.expand(expr, deep=False, mul=True, multinomial=False, power_exp=False, power_base=False,
                        log=False)
    return Add(*(rule(t) for t in Add.make_args(expr)))


class _Hoister:
    """Maximal subexpressions free of the data go to per-component temps, free of the
    parameters to per-row temps (`spec.hoisted`, `spec.rows`); returns the residual."""

    def __init__(self, data, elements):
        self.data, self.elements = set(data), set(elements)
        self.hoisted, self.rows = {}, {}

    def split(self, e):
        syms = e.free_symbols
        if e.is_Atom:
            return e
        if not syms & self.data:
            return self._temp(self.hoisted, "h", e)
        if not syms & self.elements:
            return self._temp(self.rows, "q", e)
        if isinstance(e, (Add, Mul)):
            groups = {"h": [], "q": [], "mixed": []}
            for a in e.args:
                s = a.free_symbols
                groups["h" if not s & self.data else "q" if not s & self.elements else "mixed"].append(a)
            parts = [self.split(a) for a in groups["mixed"]]
            if groups["h"]:
                parts.append(self.split(e.func(*groups["h"])))
            if groups["q"]:
                parts.append(self.split(e.func(*groups["q"])))
            return e.func(*parts)
        if isinstance(e, Piecewise):
            return Piecewise(*[(self.split(p.expr), self._cond(p.cond)) for p in e.args])
        return e.func(*(self.split(a) for a in e.args))

    def _cond(self, cond):
        if cond in (sympy.true, sympy.false):
            return cond
        return cond.func(*(self.split(a) for a in cond.args))

    def _temp(self, table, prefix, e):
        if e.is_Atom:
            return e
        for sym, value in table.items():
            if value == e:
                return sym
        sym = Symbol(f"_{prefix}{len(table)}")
        table[sym] = e
        return sym


# ---------------------------------------------------------------------------


def kernel_modules(spec):
    """(the Numba module, its NumPy twin): generated, written and imported (a fit compiles the Numba
    functions before its first iteration: warm.py)."""
    return load_module(kernel_source(spec)), load_module(numpy_source(spec))


def numpy_source(spec):
    """The NumPy twin of the kernel: the same expressions over whole chunks of rows (no compilation)."""
    p = _prepare(spec)
    lines = _numpy_functions(spec, p["arrays"], p["hoisted"], p["rows"], p["stat_rows"], p["temps"], p["res"],
                             p["data"])
    text = "\n".join(lines)
    head = (f'"""Generated by derive.em: the NumPy twin of the E-step + statistics kernel ({spec.name})."""\n\n'
            "import math\n\nimport numpy\n\n"
            "from derive.em.fitting.blocks import nearest_np, normalize_np\n\n")
    helpers = ARRAY_HELPERS + "\n\n" if any(f"{h}(" in text for h in ("_lgamma", "_digamma", "_trigamma", "_gamma",
                                                                          "_erf")) else ""
    return head + helpers + text + "\n"


def _prepare(spec):
    """The log density split into per-component, per-row and per-(row, component) parts."""
    data = list(spec.data)
    data_set = set(data)
    ell = zero_log_zero(spec.log_density, data_set)
    hoist = _Hoister(data, spec.elements)
    residual = hoist.split(ell)
    stat_rows = []  # for m >= 1: the symbol of T_m at a row
    for T in spec.stats[1:]:
        stat_rows.append(T if T in data_set else hoist._temp(hoist.rows, "q", T))
    if spec.stats[0] != 1:
        raise ValueError("the first statistic must be 1 (sum_i r[i, k])")
    temps, (res,) = sympy.cse([residual], symbols=sympy.numbered_symbols("_c"), order="none")
    return {"data": data, "hoist": hoist, "stat_rows": stat_rows, "arrays": list(spec.arrays), "temps": temps,
            "res": res, "hoisted": list(hoist.hoisted.items()), "rows": list(hoist.rows.items())}


def kernel_source(spec):
    p = _prepare(spec)
    data, hoist, stat_rows, temps, res = p["data"], p["hoist"], p["stat_rows"], p["temps"], p["res"]
    data_set = set(data)
    printer = KernelPrinter()
    arrays = p["arrays"]
    args_c = "".join(a + ", " for a in arrays)
    hoisted, rows = p["hoisted"], p["rows"]
    row_index = {sym: n for n, (sym, _) in enumerate(rows)}
    column = {sym: c for c, sym in enumerate(data)}

    def loads(exprs, indent):
        used = set().union(*(e.free_symbols for e in exprs)) & set(spec.elements) if exprs else set()
        out = []
        for sym in sorted(used, key=lambda v: v.name):
            name, idx = spec.elements[sym]
            out.append(f"{indent}{sym.name} = {name}[k{''.join(', ' + str(v) for v in idx)}]")
        return out

    lines = [JIT, f"def hoist({args_c}K):",
             '    """Per-component subexpressions of the log density (no data in them)."""',
             f"    H = numpy.empty((K, {max(len(hoisted), 1)}))", "    for k in range(K):"]
    lines += loads([v for _, v in hoisted], " " * 8)
    lines += [f"        H[k, {n}] = {printer.doprint(v)}" for n, (_, v) in enumerate(hoisted)]
    lines += ["    return H", "", ""]

    body = [res] + [v for _, v in temps]
    used = set().union(*(e.free_symbols for e in body))

    lines += [JIT, "def fill(X, b0, nb, shift, D, Q, Tb):",
              '    """The block\'s data columns D, per-row subexpressions Q and statistics parts Tb[m >= 1]."""',
              "    for t in range(nb):"]
    for c, sym in enumerate(data):
        lines += [f"        {sym.name} = X[b0 + t, {c}] - shift[{c}]", f"        D[{c}, t] = {sym.name}"]
    for n, (sym, value) in enumerate(rows):
        lines.append(f"        {sym.name} = {printer.doprint(value)}")
        if sym in used:  # a row value only the statistics need goes to Tb alone (a store less per row)
            lines.append(f"        Q[{n}, t] = {sym.name}")
    for m, T in enumerate(stat_rows, 1):
        lines.append(f"        Tb[{m}, t] = {T.name}")
    lines += ["", ""]
    lines += [JIT, f"def log_joint(D, Q, nb, logw, H, {args_c}lp):",
              '    """lp[k, t] = log w[k] + ell(x_t; theta_k); returns the number of NaNs."""',
              "    nans = 0",
              "    for k in range(logw.shape[0]):",
              "        lwk = logw[k]"]
    lines += loads(body, " " * 8)
    for sym in sorted(used & set(hoist.hoisted), key=lambda v: int(v.name[2:])):
        lines.append(f"        {sym.name} = H[k, {int(sym.name[2:])}]")
    lines.append("        for t in range(nb):")
    for sym in sorted(used & data_set, key=lambda v: v.name):
        lines.append(f"            {sym.name} = D[{column[sym]}, t]")
    for sym in sorted(used & set(hoist.rows), key=lambda v: v.name):
        lines.append(f"            {sym.name} = Q[{row_index[sym]}, t]")
    lines += [f"            {sym.name} = {printer.doprint(value)}" for sym, value in temps]
    lines += [f"            v = lwk + {printer.doprint(res)}",
              "            nans += v != v",
              "            lp[k, t] = v",
              "    return nans", "", ""]

    M, W, Qn = len(spec.stats), len(data), max(len(rows), 1)
    lines += [JIT, "def gather(lp, Tb, nb, acc):",
              '    """acc[k, m] += sum_t lp[k, t] Tb[m, t]: after `normalize`, the responsibility-weighted statistics."""',
              "    for k in range(lp.shape[0]):"]
    if M <= MAX_UNROLLED_STATS:
        lines += [f"        a{m} = 0.0" for m in range(M)]
        lines += ["        for t in range(nb):", "            e = lp[k, t]"]
        lines += [f"            a{m} += e * Tb[{m}, t]" for m in range(M)]
        lines += [f"        acc[k, {m}] += a{m}" for m in range(M)]
    else:
        lines += [f"        for m in range({M}):", "            a = 0.0", "            for t in range(nb):",
                  "                a += lp[k, t] * Tb[m, t]", "            acc[k, m] += a"]
    lines += ["", ""]

    if spec.seed_metric == "codes":
        metric = "0.0 if D[0, t] == centers[k, 0] else 1.0"
    else:
        metric = " + ".join(f"(D[{c}, t] - centers[k, {c}]) ** 2" for c in range(len(data)))
    lines += [JIT, "def distances(D, nb, centers, dist):",
              "    for k in range(centers.shape[0]):",
              "        for t in range(nb):",
              f"            dist[k, t] = {metric}", "", ""]

    setup = [f"    lp = numpy.empty((K, {BLOCK}))",
             f"    D = numpy.empty(({W}, {BLOCK}))",
             f"    Q = numpy.empty(({Qn}, {BLOCK}))",
             f"    Tb = numpy.empty(({M}, {BLOCK}))",
             f"    mx = numpy.empty({BLOCK})",
             f"    s = numpy.empty({BLOCK})",
             "    ll = 0.0",
             "    nans = 0",
             f"    for b0 in range(lo, hi, {BLOCK}):",
             f"        nb = min({BLOCK}, hi - b0)",
             "        fill(X, b0, nb, shift, D, Q, Tb)"]
    e_step = [f"        nans += log_joint(D, Q, nb, logw, H, {args_c}lp)",
              "        ll += normalize(lp, nb, mx, s, Tb)"]
    lines += [JIT, f"def stats_range(X, lo, hi, shift, logw, H, {args_c}acc):",
              '    """Add sum_i r[i, k] T_m(x_i) over rows lo..hi-1 into acc[k, m]; return (log-likelihood, NaN count)."""',
              "    K = logw.shape[0]"] + setup + e_step + ["        gather(lp, Tb, nb, acc)",
                                                       "    return ll, nans", "", ""]
    lines += [JIT, f"def resp_range(X, lo, hi, shift, logw, H, {args_c}R, rowll):",
              '    """Responsibilities R[i - lo, k] and log p(x_i) in rowll[i - lo] for rows lo..hi-1; returns NaNs."""',
              "    K = logw.shape[0]"] + setup + e_step + ["        write_rows(lp, mx, s, Tb, nb, R, rowll, b0 - lo)",
                                                       "    return nans", "", ""]
    lines += [JIT, "def seed_range(X, lo, hi, shift, centers, soft, acc):",
              '    """Statistics of r[i, k] = (1 - soft) [k is the nearest seed] + soft / K over rows lo..hi-1."""',
              "    K = centers.shape[0]",
              f"    dist = numpy.empty((K, {BLOCK}))"] + setup + [
              "        distances(D, nb, centers, dist)",
              "        nearest(dist, lp, nb, soft)",
              "        accumulate(lp, Tb, nb, acc)",
              "    return nans", ""]

    head = (f'"""Generated by derive.em: the fused E-step + sufficient-statistics kernel ({spec.name}).\n\n'
            f"ell = {str(spec.log_density)[:400]}\n"
            f"statistics: {', '.join(str(t) for t in spec.stats)[:400]}\n"
            f'"""\n\nimport math\n\nimport numba\nimport numpy\n\n'
            "from derive.em.fitting.blocks import accumulate, nearest, normalize, write_rows\n\n"
            f"BLOCKS = {_blocks_version()!r}  # the shared helpers\' version: a new one means a new module\n"
            f"ARRAYS = {tuple(arrays)!r}\nNSTATS = {M}\n\n\n")
    text = "\n".join(lines)
    helpers = (SCALAR_HELPERS + "\n\n") if ("_digamma(" in text or "_trigamma(" in text) else ""
    return head + helpers + text + "\n"


def _numpy_functions(spec, arrays, hoisted, rows, stat_rows, temps, res, data):
    """hoist_np, block_np (data, statistics parts, log joint of a chunk), stats_np, resp_np, seed_np."""
    printer = ArrayKernelPrinter()
    args_c = "".join(a + ", " for a in arrays)
    lines = ["def hoist_np(" + args_c + "K):",
             '    """Per-component subexpressions, vectorized over components."""',
             "    k = numpy.arange(K)",
             f"    H = numpy.empty((K, {max(len(hoisted), 1)}))",
             '    with numpy.errstate(all="ignore"):']
    used = set().union(*(v.free_symbols for _, v in hoisted)) & set(spec.elements) if hoisted else set()
    for sym in sorted(used, key=lambda v: v.name):
        name, idx = spec.elements[sym]
        lines.append(f"        {sym.name} = {name}[k{''.join(', ' + str(v) for v in idx)}]")
    lines += [f"        H[:, {n}] = {printer.doprint(v)}" for n, (_, v) in enumerate(hoisted)]
    lines += ["    return H", "", ""]
    body = [res] + [v for _, v in temps]
    used = set().union(*(e.free_symbols for e in body))
    lines += ["def block_np(X, lo, hi, shift, logw, H, " + args_c + "):",
              '    """(log joint (K, n), statistics parts Tb (M, n), NaN count) for rows lo..hi-1."""',
              "    n = hi - lo",
              f"    Tb = numpy.empty(({len(spec.stats)}, n))",
              "    lp = numpy.empty((logw.shape[0], n))",
              '    with numpy.errstate(all="ignore"):']
    lines += _row_statistics(data, rows, stat_rows, printer)
    lines.append("        for k in range(logw.shape[0]):")
    for sym in sorted(used & set(spec.elements), key=lambda v: v.name):
        name, idx = spec.elements[sym]
        lines.append(f"            {sym.name} = {name}[k{''.join(', ' + str(v) for v in idx)}]")
    for sym in sorted(used, key=lambda v: v.name):
        if sym.name.startswith("_h"):
            lines.append(f"            {sym.name} = H[k, {int(sym.name[2:])}]")
    lines += [f"            {sym.name} = {printer.doprint(value)}" for sym, value in temps]
    lines += [f"            lp[k] = logw[k] + {printer.doprint(res)}",
              "    return lp, Tb, int(numpy.count_nonzero(lp != lp))", "", ""]
    lines += ["def stats_np(X, lo, hi, shift, logw, H, " + args_c + "acc):",
              '    """NumPy twin of stats_range."""',
              "    lp, Tb, nans = block_np(X, lo, hi, shift, logw, H, " + args_c + ")",
              "    ll, _, _ = normalize_np(lp)",
              "    acc[:, 0] += lp.sum(axis=1)",
              "    acc[:, 1:] += lp @ Tb[1:].T",
              "    return ll, nans", "", "",
              "def resp_np(X, lo, hi, shift, logw, H, " + args_c + "R, rowll):",
              '    """NumPy twin of resp_range."""',
              "    lp, Tb, nans = block_np(X, lo, hi, shift, logw, H, " + args_c + ")",
              "    ll, mx, s = normalize_np(lp)",
              '    with numpy.errstate(divide="ignore"):',
              "        rowll[:] = mx + numpy.log(s)",
              "    R[:] = lp.T",
              "    return nans", "", ""]
    if spec.seed_metric == "codes":
        metric = "numpy.where(x0[None, :] == centers[:, 0:1], 0.0, 1.0)"
    else:
        metric = " + ".join(f"({s.name}[None, :] - centers[:, {c}:{c + 1}]) ** 2" for c, s in enumerate(data))
    lines += ["def seed_np(X, lo, hi, shift, centers, soft, acc):",
              '    """NumPy twin of seed_range."""',
              "    n = hi - lo",
              f"    Tb = numpy.empty(({len(spec.stats)}, n))",
              '    with numpy.errstate(all="ignore"):']
    lines += _row_statistics(data, rows, stat_rows, printer)
    lines += [f"    r = nearest_np({metric}, soft)",
              "    acc[:, 0] += r.sum(axis=1)",
              "    acc[:, 1:] += r @ Tb[1:].T", ""]
    return lines


def _blocks_version():
    import hashlib
    from pathlib import Path

    from . import blocks

    return hashlib.sha256(Path(blocks.__file__).read_bytes()).hexdigest()[:16]


def _row_statistics(data, rows, stat_rows, printer):
    """NumPy lines: the centred data columns, the per-row values, and Tb[m] = each statistic's row part."""
    lines = [f"        {sym.name} = X[lo:hi, {c}] - shift[{c}]" for c, sym in enumerate(data)]
    lines += [f"        {sym.name} = numpy.broadcast_to({printer.doprint(value)}, (n,))" for sym, value in rows]
    lines += [f"        Tb[{m}] = {T.name}" for m, T in enumerate(stat_rows, 1)]
    return lines

