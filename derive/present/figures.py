"""Pictures of results: a derivative against finite differences, critical points, KKT problems.

    d.plot()        `Derivation`: in 1-D f and f' with the checker's finite-difference
                    estimates on top; in 2-D the gradient field over f's contours; for
                    more variables the relative error of every entry; always the
                    finite-difference error against the step size (the V of truncation
                    and round-off) with the checker's step marked
    found.plot()    `CriticalPoints`: a contour map (a curve in 1-D) with min, max and
                    saddle markers
    problem.plot()  `KKTProblem` or its solution: the feasible region, objective
                    contours, the optimum, the active constraints, and the KKT balance
                    -grad f = sum mu_j grad g_j drawn as arrows at the optimum

Figures are headless (`plots.figure`: an Agg canvas, no pyplot) and returned,
or written to `path` (PNG, SVG, PDF) when one is given, as ``--plot FILE`` does.
"""

import math

import numpy as np
import sympy

import codegen
from codegen.checking import fd

from ..errors import DeriveError
from .plots import figure, finish
from ..text.printing import to_text

KIND_STYLE = {"min": ("o", "#2e7d32"), "max": ("^", "#c62828"), "saddle": ("X", "#ef6c00"),
              "degenerate": ("D", "#616161")}
EPS = np.finfo(float).eps


def _kernel(expr, variables):
    """expr as a NumPy function of the variables, NaN where it is not a finite real number."""
    k = codegen.kernel(expr, list(variables), backend="numpy")

    def call(*args):
        with np.errstate(all="ignore"):
            out = np.asarray(k(*args))
            if np.iscomplexobj(out):
                out = np.where(np.abs(out.imag) <= 1e-12 * np.abs(out.real), out.real, np.nan)
            out = out.astype(float)
        return np.where(np.isfinite(out), out, np.nan)

    return call


def _real_symbols(*exprs):
    found = set()
    for e in exprs:
        found |= {s for s in e.free_symbols if isinstance(s, sympy.Symbol) and not s.is_integer}
    return sorted(found, key=str)


def _values(point, symbols):
    """{symbol: float} from a user's point (names or symbols as keys)."""
    out = {}
    for key, value in (point or {}).items():
        sym = next((s for s in symbols if s == key or s.name == key), None)
        if sym is None:
            raise DeriveError(f"unknown symbol '{key}' in the point: the plot uses "
                              f"{', '.join(s.name for s in symbols)}")
        out[sym] = float(value)
    return out


def _window(center, bounds, k, finite_fraction):
    """(lo, hi) for axis k: the user's bounds, else center +- a span inside f's domain."""
    if bounds is not None:
        return tuple(map(float, bounds[k]))
    c = float(center)
    span = max(2.0, 1.5 * abs(c))
    lo, hi = c - span, c + span
    if finite_fraction((lo, hi)) < 0.98 and c > 0:  # log, sqrt: stay on the positive side
        lo = c / 20
    return lo, hi


# ---------------------------------------------------------------------------
# derivations


def plot_derivation(d, path=None, *, at=None, bounds=None, entry=None):
    """The derivative `d` against finite differences.

    `at`: values for the variables (the centre of the picture and the point of
    the V-curve) and for the other symbols (default 1); otherwise the first
    point the validation drew.  `bounds`: ((lo, hi), ...) per plotted variable.
    `entry`: (output, variable) of the V-curve; by default the entry whose
    difference quotient has the largest truncation error (the clearest V).

    >>> import derive
    >>> fig = derive.differentiate("x**3 - 2*x**2 + 1", "x").plot()
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['x', 'step h']
    """
    from ..calculus.scalar import function_vector

    if d.notation != "components":
        raise DeriveError("plot() draws derivatives in scalar variables; check a matrix- or index-notation "
                          "result at concrete sizes with derive.check, or take it entry by entry")
    if d.f.has(sympy.Sum, sympy.Indexed):
        raise DeriveError("plot() draws functions of scalar variables alone; this one also depends on a "
                          "sample (the sums over data), which a picture would have to fix first")
    functions, jac = function_vector(d.kind, d.f, d.wrt, d.result)
    wrt = list(d.wrt)
    params = [s for s in _real_symbols(functions, jac) if s not in wrt]
    given = _values(at, wrt + params)
    start = d.report.points[0] if d.report is not None and d.report.points else [0.5] * len(wrt)
    x0 = np.array([given.get(w, v) for w, v in zip(wrt, start)], dtype=float)
    fixed = {p: sympy.Float(given.get(p, 1.0)) for p in params}
    functions, jac = functions.subs(fixed), jac.subs(fixed)
    fig = figure((11.5, 4.4))
    left, right = fig.subplots(1, 2)
    names = [w.name for w in wrt]
    if len(wrt) == 1:
        _curves(left, d.kind, functions, jac, wrt[0], x0[0], bounds)
    elif len(wrt) == 2 and d.kind == "grad":
        _gradient_field(left, functions[0], jac, wrt, x0, bounds)
    else:
        _entry_errors(left, functions, jac, wrt, x0)
    i, j = entry if entry is not None else _clearest_entry(functions, jac, wrt, x0)
    _v_curve(right, functions, jac, wrt, x0, i, j, d.entry_label(j, 0) if d.kind == "grad" else d.entry_label(i, j))
    where = ", ".join(f"{n} = {v:.3g}" for n, v in zip(names, x0))
    extra = ", ".join(f"{p.name} = {float(v):.3g}" for p, v in fixed.items())
    fig.suptitle(f"{to_text(d.f)}" + (f"   ({extra})" if extra else ""), fontsize=11)
    right.set_title(f"finite-difference error at {where}", fontsize=10)
    fig.tight_layout()
    return finish(fig, path)


def _curves(ax, kind, functions, jac, x, x0, bounds):
    """f and f' on a line, the checker's estimates of f' as dots."""
    fk = [_kernel(e, [x]) for e in functions]
    dk = [_kernel(e, [x]) for e in jac[:, 0]]

    def finite_fraction(window):
        g = np.linspace(*window, 101)
        return np.mean(np.isfinite(fk[0](g)))

    lo, hi = _window(x0, bounds, 0, finite_fraction)
    grid = np.linspace(lo, hi, 400)
    names = {"grad": ("f", "f'"), "hessian": ("f'", "f''"), "jacobian": ("F", "F'")}[kind]
    colors = ["tab:blue", "tab:green", "tab:purple"]
    shown = []
    for i in range(min(len(fk), 3)):
        suffix = f"[{i}]" if len(fk) > 1 else ""
        values = fk[i](grid) * np.ones_like(grid)
        slopes = np.where(np.isfinite(values), dk[i](grid) * np.ones_like(grid), np.nan)  # f' only where f is
        shown += [values, slopes]
        ax.plot(grid, values, color="black", lw=1.2, alpha=0.35 + 0.2 * (i == 0), label=f"{names[0]}{suffix}")
        ax.plot(grid, slopes, color=colors[i], lw=2.2, alpha=0.8, label=f"{names[1]}{suffix} = {_short(jac[i, 0])}")
        dots = np.linspace(lo, hi, 15)[1:-1]
        estimates = [_fd_estimate(lambda v, i=i: fk[i](v[0]), np.array([t]), 0) for t in dots]
        ax.plot(dots, estimates, "o", ms=5, mfc="none", mec="tab:red",
                label="finite differences (the checker's estimator)" if i == 0 else None)
    finite = np.concatenate([v[np.isfinite(v)] for v in shown])
    if finite.size:
        low, high = np.percentile(finite, [2, 98])
        pad = 0.15 * max(high - low, 1e-9)
        ax.set_ylim(low - pad, high + pad)
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(x0, color="tab:red", lw=0.8, ls=":")
    at_point = float(dk[0](np.array([x0]))[0])
    if np.isfinite(at_point):  # the point (--at, or the checker's first): where the V-curve is taken
        ax.plot([x0], [at_point], "*", color="gold", mec="black", ms=14, zorder=5,
                label=f"{names[1]} at {x.name} = {x0:.4g}: {at_point:.4g}")
    ax.set_xlabel(x.name)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{names[1]} (symbolic) and finite differences", fontsize=10)


def _gradient_field(ax, f, jac, wrt, x0, bounds):
    """Contours of f, arrows of grad f (symbolic), the checker's estimates as thin red arrows."""
    fk = _kernel(f, wrt)
    gk = [_kernel(jac[0, j], wrt) for j in range(2)]

    def finite_fraction(window, k=0):
        g = np.linspace(*window, 41)
        args = [g, np.full_like(g, x0[1])] if k == 0 else [np.full_like(g, x0[0]), g]
        return np.mean(np.isfinite(fk(*args)))

    (a0, a1) = _window(x0[0], bounds, 0, finite_fraction)
    (b0, b1) = _window(x0[1], bounds, 1, lambda w: finite_fraction(w, 1))
    X, Y = np.meshgrid(np.linspace(a0, a1, 160), np.linspace(b0, b1, 160))
    Z = fk(X, Y) * np.ones_like(X)
    filled = ax.contourf(X, Y, Z, levels=20, cmap="viridis", alpha=0.85)
    ax.figure.colorbar(filled, ax=ax, shrink=0.85)
    U, V = np.meshgrid(np.linspace(a0, a1, 13), np.linspace(b0, b1, 13))
    GU, GV = gk[0](U, V) * np.ones_like(U), gk[1](U, V) * np.ones_like(U)
    size = np.nanmax(np.hypot(GU, GV)) or 1.0

    def arrows(u, v):  # length ~ sqrt(|grad f|): small gradients stay visible
        r = np.hypot(u, v)
        k = np.where(r > 0, np.sqrt(r / size) / np.where(r > 0, r, 1.0), 0.0)
        return u * k, v * k

    P, Q = np.meshgrid(np.linspace(a0, a1, 5)[1:-1], np.linspace(b0, b1, 5)[1:-1])
    est = np.array([[_fd_estimate(lambda v: fk(v[0], v[1]), np.array([p, q]), j) for j in range(2)]
                    for p, q in zip(P.ravel(), Q.ravel())])
    ax.quiver(P.ravel(), Q.ravel(), *arrows(est[:, 0], est[:, 1]), color="tab:red", scale=9, width=0.014,
              label="finite differences (the checker's estimator)")
    ax.quiver(U, V, *arrows(GU, GV), color="white", scale=9, width=0.004, label="grad f (symbolic)")
    ax.plot(x0[0], x0[1], "*", color="gold", mec="black", ms=14, zorder=5,
            label=f"the point ({wrt[0].name} = {x0[0]:.4g}, {wrt[1].name} = {x0[1]:.4g})")
    ax.set_xlabel(wrt[0].name)
    ax.set_ylabel(wrt[1].name)
    ax.set_aspect("auto")
    ax.legend(fontsize=8, loc="upper right", framealpha=0.8)
    ax.set_title("the gradient field over the contours of f", fontsize=10)


def _entry_errors(ax, functions, jac, wrt, x0):
    """Relative error of every entry at x0, as the checker measured it."""
    report = _check(functions, jac, wrt, x0)
    labels = [f"[{e.output}, {e.input}]" if jac.rows > 1 else wrt[e.input].name for e in report.entries]
    errors = [max(e.relative, 1e-17) for e in report.entries]
    ax.bar(range(len(errors)), errors, color="tab:blue")
    # each entry is decided by its own tolerance (rtol, or what its finite differences resolve if coarser)
    ax.scatter(range(len(errors)), [e.tolerance for e in report.entries], marker="_", s=400, color="tab:red",
               zorder=3, label="each entry's tolerance")
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=45 if len(labels) > 6 else 0, fontsize=8)
    ax.set_ylabel("relative error (finite differences)")
    ax.legend(fontsize=8)
    ax.set_title(f"every entry at the point: {report.status}", fontsize=10)


def _check(functions, jac, wrt, x0, complex_step="never"):
    fk = _kernel(functions, wrt)
    jk = _kernel(jac, wrt)
    m, n = jac.shape
    return codegen.gradcheck(lambda v: fk(*v).reshape(-1), lambda v: jk(*v).reshape(m, n), list(x0), points=0,
                             complex_step=complex_step)


def _fd_estimate(fun, x, j):
    """The checker's own estimate of df/dx_j at x (codegen.checking.fd.partial), NaN outside f's domain."""
    def vector(v):
        out = np.atleast_1d(fun(v)).astype(float)
        return out if np.all(np.isfinite(out)) else None

    f0 = vector(x)
    if f0 is None:
        return math.nan
    return float(fd.axis_partial(vector, x, j, f0).value[0])


def checker_step(fun, x, j, entry=None):
    """The step the checker settled on for entry d f / d x_j at x.

    The checker reports it (``Entry.step``); for a point it did not check, the
    careful estimator (`codegen.checking.fd`) is run there and its step is read off.
    """
    step = getattr(entry, "step", None)
    if step is not None and np.isfinite(step):
        return float(step)
    return float(fd.axis_partial(fun, x, j).step[0])


def _clearest_entry(functions, jac, wrt, x0):
    """(output, variable) with the largest relative central-difference error at h = 0.1 * scale."""
    best, key = (0, 0), -1.0
    for i in range(jac.rows):
        fk = _kernel(functions[i], wrt)
        for j in range(jac.cols):
            h = 0.1 * max(abs(x0[j]), 1.0)
            e = np.zeros(len(wrt))
            e[j] = h
            exact = float(sympy.N(jac[i, j].subs(dict(zip(wrt, map(sympy.Float, x0)))), 20))
            with np.errstate(all="ignore"):
                err = abs((float(fk(*(x0 + e))) - float(fk(*(x0 - e)))) / (2 * h) - exact) / max(abs(exact), 1e-12)
            if np.isfinite(err) and err > key:
                best, key = (i, j), err
    return best


def _v_curve(ax, functions, jac, wrt, x0, i, j, label):
    """|difference quotient - f'| against h: truncation (h^2, h) meets round-off (eps/h)."""
    fk = _kernel(functions[i], wrt)
    exact = float(sympy.N(jac[i, j].subs(dict(zip(wrt, map(sympy.Float, x0)))), 30))
    scale = max(abs(x0[j]), 1.0)
    hs = scale * np.logspace(-15, 0, 151)
    e = np.zeros(len(wrt))
    e[j] = 1.0

    def f(v):
        return float(fk(*v))

    f0 = f(x0)
    with np.errstate(all="ignore"):
        central = np.array([abs((f(x0 + h * e) - f(x0 - h * e)) / (2 * h) - exact) for h in hs])
        forward = np.array([abs((f(x0 + h * e) - f0) / h - exact) for h in hs])
    floor = EPS * max(abs(exact), 1e-300)
    ax.loglog(hs, np.maximum(central, floor), color="tab:blue", lw=1.8, label="central difference")
    ax.loglog(hs, np.maximum(forward, floor), color="gray", lw=1.2, alpha=0.8, label="forward difference")
    roundoff = EPS * max(abs(f0), 1e-300) / hs
    ax.loglog(hs, roundoff, ":", color="black", lw=1, label="round-off ~ eps |f| / h")
    report = _check(functions, jac, wrt, x0)
    found = next((en for en in report.entries if en.output == i and en.input == j and en.point == 0), None)

    def vector(v):
        out = np.atleast_1d(fk(*v)).astype(float)
        return out if np.all(np.isfinite(out)) else None

    h = checker_step(vector, x0.copy(), j, found)
    ax.axvline(h, color="tab:red", lw=1.2, ls="--", label=f"the checker's step, h = {h:.2g}")
    if found is not None:
        err = max(abs(found.estimate - exact), floor)
        ax.plot([h], [err], "*", color="tab:red", ms=13,
                label=f"its Richardson estimate: error {abs(found.estimate - exact):.1g}")
    ax.set_xlabel("step h")
    ax.set_ylabel(f"|estimate - {label}|")
    ax.legend(fontsize=7.5, loc="lower left", framealpha=0.9)
    ax.grid(True, which="major", alpha=0.3)


def _short(expr, width=28):
    text = to_text(expr)
    return text if len(text) <= width else text[: width - 3] + "..."


# ---------------------------------------------------------------------------
# critical points


def plot_critical_points(found, path=None, *, bounds=None):
    """f with its critical points marked: min (circle), max (triangle), saddle (cross).

    >>> import derive
    >>> fig = derive.critical_points("x1**2 - x2**2").plot()
    >>> fig.axes[0].get_title()
    'critical points of x1**2 - x2**2'
    """
    wrt = list(found.wrt)
    if len(wrt) not in (1, 2):
        raise DeriveError(f"plot() draws functions of one or two variables; f has {len(wrt)}")
    fk = _kernel(found.f, wrt)
    coords = np.array([[float(sympy.N(p.x[w])) for w in wrt] for p in found.points]) if found.points else \
        np.zeros((0, len(wrt)))
    fig = figure((6.5, 5.2) if len(wrt) == 2 else (7, 4.5))
    ax = fig.subplots()
    ranges = []
    for k in range(len(wrt)):
        if bounds is not None:
            ranges.append(tuple(map(float, bounds[k])))
            continue
        lo, hi = (coords[:, k].min(), coords[:, k].max()) if len(coords) else (0.0, 0.0)
        margin = max(1.0, 0.6 * (hi - lo))
        ranges.append((lo - margin, hi + margin))
    if len(wrt) == 1:
        grid = np.linspace(*ranges[0], 500)
        ax.plot(grid, fk(grid) * np.ones_like(grid), color="black", lw=1.5)
        ax.set_xlabel(wrt[0].name)
        ax.set_ylabel("f")
    else:
        X, Y = np.meshgrid(np.linspace(*ranges[0], 200), np.linspace(*ranges[1], 200))
        Z = fk(X, Y) * np.ones_like(X)
        filled = ax.contourf(X, Y, Z, levels=24, cmap="viridis", alpha=0.9)
        ax.contour(X, Y, Z, levels=24, colors="white", linewidths=0.4, alpha=0.5)
        fig.colorbar(filled, ax=ax, shrink=0.85, label="f")
        ax.set_xlabel(wrt[0].name)
        ax.set_ylabel(wrt[1].name)
    seen = set()
    for p, c in zip(found.points, coords):
        marker, color = KIND_STYLE.get(p.kind, KIND_STYLE["degenerate"])
        y = c[1] if len(wrt) == 2 else float(sympy.N(p.value))
        ax.plot(c[0], y, marker, color=color, ms=12, mec="white", mew=1.2,
                label=p.kind if p.kind not in seen else None, zorder=5)
        seen.add(p.kind)
        ax.annotate(f"{p.kind}\n{', '.join(to_text(v) for v in p.x.values())}", (c[0], y), textcoords="offset points",
                    xytext=(8, 8), fontsize=8, color="black" if len(wrt) == 1 else "white")
    if found.points:
        ax.legend(fontsize=9, loc="lower right", framealpha=0.85)
    ax.set_title(f"critical points of {to_text(found.f)}", fontsize=11)
    fig.tight_layout()
    return finish(fig, path)


# ---------------------------------------------------------------------------
# KKT problems


def plot_kkt(problem, path=None, *, solution=None, axes=None, bounds=None):
    """The feasible region, contours of the objective, the optimum and its active constraints.

    With more than two variables the picture is the slice through the optimum
    in the plane of `axes` (two variable names; default the first two), the
    others held at their optimal values.  At the optimum, arrows show the KKT
    balance: -grad f (black) is the sum of mu_j grad g_j over the active
    constraints (colored).

    >>> import derive
    >>> fig = derive.kkt("x**2 + y**2", "x y", st=["x + y >= 1"]).plot()
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('x', 'y')
    """
    solution = solution if solution is not None else problem.solve()
    if not solution.points:
        raise DeriveError("no KKT point to draw: " + (solution.note or "the problem has no solution"))
    best = solution.points[0]
    wrt = list(problem.wrt)
    if axes is None:
        shown = wrt[:2]
    else:
        names = [a if isinstance(a, str) else a.name for a in axes]
        shown = [next((w for w in wrt if w.name == n), None) for n in names]
        if len(shown) != 2 or None in shown:
            raise DeriveError(f"axes must name two of the variables {', '.join(w.name for w in wrt)}")
    held = {w: best.x[w] for w in wrt if w not in shown}
    if len(wrt) == 1:
        return finish(_kkt_line(problem, solution, wrt[0], bounds), path)
    fig = figure((7.2, 6))
    ax = fig.subplots()
    center = np.array([float(sympy.N(best.x[w])) for w in shown])
    spots = np.array([[float(sympy.N(p.x[w])) for w in shown] for p in solution.points])
    ranges = []
    for k in range(2):
        if bounds is not None:
            ranges.append(tuple(map(float, bounds[k])))
            continue
        lo, hi = spots[:, k].min(), spots[:, k].max()
        margin = max(2.0, 0.6 * (hi - lo), 0.8 * abs(center[k]))
        ranges.append((lo - margin, hi + margin))
    X, Y = np.meshgrid(np.linspace(*ranges[0], 300), np.linspace(*ranges[1], 300))

    def on_plane(expr):
        return _kernel(expr.subs(held), shown)(X, Y) * np.ones_like(X)

    Z = on_plane(problem.objective)
    levels = np.nanpercentile(Z, np.linspace(1, 99, 16))
    ax.contour(X, Y, Z, levels=np.unique(levels), cmap="viridis", linewidths=1.0)
    infeasible = np.zeros_like(X, dtype=bool)
    for c in problem.inequalities:
        infeasible |= ~(on_plane(c.expr) <= 1e-9)
    ax.contourf(X, Y, infeasible.astype(float), levels=[0.5, 1.5], colors=["#9e9e9e"], alpha=0.35)
    palette = ["tab:red", "tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:pink"]
    handles, colors = [], {}
    for k, c in enumerate(problem.inequalities + problem.equalities):
        active = c.kind == "eq" or problem.inequalities.index(c) in best.active
        color = palette[k % len(palette)] if active else "gray"
        colors[c.multiplier] = color
        G = on_plane(c.expr)
        where = ""
        if np.all(np.abs(G[np.isfinite(G)]) <= 1e-9):
            where = "; the slice lies on it"
        elif np.nanmin(G) <= 0 <= np.nanmax(G):
            ax.contour(X, Y, G, levels=[0], colors=[color], linewidths=2.6 if active else 1.0,
                       linestyles="solid" if active else "dashed")
        mult = best.multipliers.get(c.multiplier, 0)
        state = "active" if active else "inactive"
        handles.append(_line_handle(color, 2.6 if active else 1.0, "solid" if active else "dashed",
                                    f"{c.text}  ({state}, {c.multiplier} = {to_text(mult)}{where})"))
    _kkt_arrows(ax, problem, best, shown, center, ranges, colors)
    ax.plot(*center, "*", color="gold", mec="black", ms=18, zorder=6)
    handles.append(_marker_handle("*", "gold", f"{best.kind}: f = {to_text(best.value)} at "
                                  + ", ".join(f"{w.name} = {to_text(best.x[w])}" for w in shown)))
    for p, q in zip(solution.points[1:], spots[1:]):
        ax.plot(*q, "o", color="white", mec="black", ms=7, zorder=5)
        ax.annotate(f"{p.kind}, f = {to_text(p.value)}", tuple(q), fontsize=8, textcoords="offset points",
                    xytext=(6, -12))
    ax.legend(handles=handles, fontsize=8, loc="upper left", framealpha=0.9)
    ax.set_xlabel(shown[0].name)
    ax.set_ylabel(shown[1].name)
    ax.set_xlim(*ranges[0])
    ax.set_ylim(*ranges[1])
    sliced = ("   slice " + ", ".join(f"{w.name} = {to_text(v)}" for w, v in held.items())) if held else ""
    shaded = "\n(gray: infeasible)" if problem.inequalities else ""
    ax.set_title(f"{problem.sense} {to_text(problem.objective)}{sliced}{shaded}", fontsize=10)
    fig.tight_layout()
    return finish(fig, path)


def _kkt_arrows(ax, problem, best, shown, center, ranges, colors):
    """At the optimum: -grad f (wide, gray) and the mu_j grad g_j placed tip to tail (colored):
    they end at the same point, which is what stationarity says.  Projected on the plane."""
    sign = 1 if problem.sense == "min" else -1
    target = [float(sympy.N(-sign * sympy.diff(problem.objective, w).subs(best.x))) for w in shown]
    parts = []
    for c in problem.inequalities + problem.equalities:
        mu = best.multipliers.get(c.multiplier, 0)
        v = [float(sympy.N(mu * sympy.diff(c.expr, w).subs(best.x))) for w in shown]
        if mu != 0 and math.hypot(*v) > 1e-12:
            parts.append((f"{c.multiplier} grad g", colors.get(c.multiplier, "tab:red"), v))
    longest = max([math.hypot(*target)] + [math.hypot(*v) for _, _, v in parts])
    if longest == 0:
        return
    size = 0.3 * min(r[1] - r[0] for r in ranges) / longest
    tip = (center[0] + size * target[0], center[1] + size * target[1])
    ax.annotate("", xy=tip, xytext=tuple(center), arrowprops=dict(arrowstyle="-|>", color="black", lw=5, alpha=0.3))
    ax.annotate("-grad f" if sign > 0 else "grad f", tip, fontsize=9, textcoords="offset points", xytext=(-10, -16))
    start = np.array(center, dtype=float)
    for name, color, v in parts:
        end = start + size * np.array(v)
        ax.annotate("", xy=tuple(end), xytext=tuple(start), arrowprops=dict(arrowstyle="->", color=color, lw=1.8))
        ax.annotate(name, tuple((start + end) / 2), fontsize=8, color=color, textcoords="offset points",
                    xytext=(6, 4))
        start = end


def _kkt_line(problem, solution, x, bounds):
    best = solution.points[0]
    c0 = float(sympy.N(best.x[x]))
    lo, hi = tuple(map(float, bounds[0])) if bounds is not None else (c0 - max(2, abs(c0)), c0 + max(2, abs(c0)))
    grid = np.linspace(lo, hi, 600)
    fig = figure((7, 4.5))
    ax = fig.subplots()
    ax.plot(grid, _kernel(problem.objective, [x])(grid) * np.ones_like(grid), color="black")
    infeasible = np.zeros_like(grid, dtype=bool)
    for c in problem.inequalities:
        infeasible |= ~(_kernel(c.expr, [x])(grid) <= 1e-9)
    ax.fill_between(grid, 0, 1, where=infeasible, transform=ax.get_xaxis_transform(), color="#9e9e9e", alpha=0.35,
                    label="infeasible")
    ax.plot([c0], [float(sympy.N(best.value))], "*", color="gold", mec="black", ms=18,
            label=f"{best.kind}: f = {to_text(best.value)} at {x.name} = {to_text(best.x[x])}")
    ax.set_xlabel(x.name)
    ax.legend(fontsize=8)
    ax.set_title(f"{problem.sense} {to_text(problem.objective)}", fontsize=10)
    fig.tight_layout()
    return fig


def _line_handle(color, width, style, label):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, lw=width, ls=style, label=label)


def _marker_handle(marker, color, label):
    from matplotlib.lines import Line2D

    return Line2D([], [], marker=marker, color=color, mec="black", ms=12, ls="none", label=label)


__all__ = ["checker_step", "plot_critical_points", "plot_derivation", "plot_kkt"]
