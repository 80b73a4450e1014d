"""`derive demo`: the crash course's first lesson, end to end.

f(x) = x^3 - 2x^2 + 1: derive f' exactly, validate it, compile it with Numba,
compare it on a grid with the lesson's finite-difference rate of change, and
save the plot.
"""

import time

import numpy as np

FUNCTION = "x**3 - 2*x**2 + 1"


def run(outdir=".", show=print):
    import codegen

    from .derivation.api import differentiate
    from .present.plots import pyplot, save

    plt = pyplot()
    d = differentiate(FUNCTION, "x")
    show(d)
    (x,) = d.wrt
    start = time.perf_counter()
    f_kernel = codegen.kernel(d.f, [x])
    df_kernel = codegen.kernel(d.result[0], [x])
    compile_s = time.perf_counter() - start

    grid = np.linspace(-1.0, 2.5, 351)
    exact = df_kernel(grid)
    step = 1e-4  # the lesson's rate of change (f(x + dx) - f(x)) / dx
    rate = (f_kernel(grid + step) - f_kernel(grid)) / step
    show(f"Numba kernels ready in {compile_s:.2f} s (cached on disk for the next run); "
         f"max |f'(x) - rate of change| on the grid = {np.max(np.abs(exact - rate)):.2e} (step {step})")
    critical = [0.0, 4.0 / 3.0]
    show(f"f'(x) = 0 at x = 0 and x = 4/3: kernel gives {df_kernel(np.array(critical)).round(12).tolist()}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(grid, f_kernel(grid), color="black")
    left.scatter(critical, f_kernel(np.array(critical)), color="crimson", zorder=3, label="f'(x) = 0")
    left.set_title("f(x) = x³ − 2x² + 1")
    left.legend()
    right.plot(grid, exact, color="tab:blue", lw=2.5, alpha=0.6, label="derive: 3x² − 4x")
    right.plot(grid[::10], rate[::10], "o", ms=3.5, color="tab:red", label=f"rate of change, dx = {step:g}")
    right.axhline(0, color="gray", lw=0.6)
    right.set_title("f'(x): symbolic vs finite differences")
    right.legend()
    fig.tight_layout()
    path = save(fig, outdir, "derivative_vs_finite_difference.png", dpi=110)
    return {
        "function": FUNCTION,
        "derivative": d.to_dict(),
        "max_abs_difference_vs_rate_of_change": float(np.max(np.abs(exact - rate))),
        "plot": str(path),
        "kernel_seconds": compile_s,
    }
