"""Calling f and df for gradcheck: counted, along lines, one point at a time or in batches.

`Target` holds f, df and x normalised to float vectors.  Every evaluation of
f goes through it, so `Target.evals` is the number of points f was evaluated
at (a batch of k points counts k).  f is never trusted where it is not finite:
a NaN, an infinity or an arithmetic exception is "no value here" (a NaN row).

`Directions` are the lines derivatives are taken along at one point: axes
(columns of the Jacobian) and, for sampled checks, random unit vectors.

Batches (``batch=True``): f takes a (k, n) array of points and returns k values
(or a k x m array); for dict/tuple parameters every array gets a leading axis
of length k.  The first batch call is compared with single calls, so a
function that does not really broadcast is an error, not a wrong answer.
"""

import warnings

import numpy as np

from ..errors import CodegenError

# Points per batch call: at most BATCH_ROWS (f's own intermediates grow with the
# batch; a tanh-layer MLP ran 4x slower with 2000-row batches than with 64),
# and at most BATCH_ELEMENTS floats of points (8 MB).
BATCH_ROWS = 64
BATCH_ELEMENTS = 2**20


class Directions:
    """Coordinate axes `columns` (indices) followed by unit vectors `vectors` (k2 x n)."""

    def __init__(self, n, columns, vectors=None):
        self.n = n
        self.columns = np.asarray(columns, dtype=np.intp)
        self.vectors = np.zeros((0, n)) if vectors is None else np.asarray(vectors, dtype=float)
        self.n_columns = self.columns.size
        self.k = self.n_columns + len(self.vectors)

    def subset(self, which):
        """The directions `which` (indices into this set), in order, as a new set."""
        which = np.asarray(which, dtype=np.intp)
        axis = which < self.n_columns
        return Directions(self.n, self.columns[which[axis]], self.vectors[which[~axis] - self.n_columns])

    def units(self, p):
        """Scale of the line parameter t for each direction: max(|p_j|, 1) on axis j,
        the same scale weighted by u_j^2 along a unit vector u."""
        scale = np.maximum(np.abs(p), 1.0)
        along = np.sqrt((self.vectors**2) @ (scale**2)) if len(self.vectors) else np.zeros(0)
        return np.concatenate([scale[self.columns], np.maximum(along, 1.0)])

    def project(self, claimed):
        """Claimed derivative along each direction: (k, m) from an m x n Jacobian."""
        cols = claimed[:, self.columns].T
        if not len(self.vectors):
            return cols
        return np.concatenate([cols, self.vectors @ np.where(np.isfinite(claimed), claimed, np.nan).T])

    def project_abs(self, array):
        """|array| carried along each direction (for error bounds): (k, m)."""
        a = np.abs(array)
        cols = a[:, self.columns].T
        return np.concatenate([cols, np.abs(self.vectors) @ a.T]) if len(self.vectors) else cols

    def taken(self, p, which, t):
        """The steps really taken: p_j + t rounds on an axis; along a vector t is kept."""
        t = np.asarray(t, dtype=float)
        out = t.copy()
        axis = which < self.n_columns
        if np.any(axis):
            pj = p[self.columns[which[axis]]]
            out[axis] = (pj + t[axis]) - pj
        return out

    def stack(self, p, which, t):
        """The points p + t u for each request, as a (len(which), n) array."""
        dtype = complex if np.iscomplexobj(t) else float
        pts = np.repeat(p[None, :].astype(dtype), len(which), axis=0)
        axis = which < self.n_columns
        rows = np.nonzero(axis)[0]
        cols = self.columns[which[axis]]
        pts[rows, cols] = pts[rows, cols] + t[axis]
        vec = np.nonzero(~axis)[0]
        if vec.size:
            pts[vec] += t[vec, None] * self.vectors[which[vec] - self.n_columns]
        return pts


def _what(value):
    """A short description of a value that is not numbers: 'a str', 'an array of <U3'."""
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype}"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


class Target:
    """f, df and x normalized to vectors, with counted (optionally batched) evaluation.

    `f_one(v)` evaluates one point; `f_many(V)` (or None) a (k, n) batch.
    """

    def __init__(self, f_one, df_one, x, names, output_names, f_many=None, batch=False):
        if not callable(f_one) or not callable(df_one):
            raise CodegenError("gradcheck(f, df, x): f and df must be callables")
        self.scalar_input = np.ndim(x) == 0
        try:
            self.x = np.array(x, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise CodegenError(f"x must be a number or a vector of numbers, got {x!r}") from None
        if self.x.size == 0:
            raise CodegenError("x is empty")
        if not np.all(np.isfinite(self.x)):
            raise CodegenError("x contains NaN or infinity")
        self.f, self.df, self.f_many = f_one, df_one, f_many
        self.n = self.x.size
        self.evals = 1
        self.out_dtype = None
        self.df_failures = []  # what df raised where it gave no value (said in the report)
        raw = self._call(f_one, self.x)
        if raw is None:
            raise CodegenError(f"f(x) raised {self._failure} at the given x")
        f0 = np.asarray(raw)
        if f0.dtype.kind not in "biufc":
            try:  # mpmath, SymPy, Fraction and Decimal numbers are numbers too
                f0 = np.asarray(raw, dtype=float)
            except (TypeError, ValueError):
                raise CodegenError(f"f returned {_what(raw)}, not a number or an array of numbers") from None
        self.out_dtype = f0.dtype
        self.scalar_output = f0.ndim == 0 or f0.size == 1 and f0.ndim <= 1 and output_names is None
        self.m = int(f0.size)
        if not np.all(np.isfinite(f0)):
            raise CodegenError("f(x) is not finite at the given x; choose a point inside f's domain")
        self.f0 = _real(f0)
        self.input_names = tuple(names) if names is not None else None
        if self.input_names is not None and len(self.input_names) != self.n:
            raise CodegenError(f"names has {len(self.input_names)} entries but x has {self.n}")
        self.output_names = tuple(output_names) if output_names is not None else (
            None if self.scalar_output else tuple(f"f[{i}]" for i in range(self.m)))
        self.batch = self._decide_batch(batch)
        self.complex_batch = self.batch

    # -- single points --------------------------------------------------------
    def _call(self, fn, v):
        # no np.errstate here: gradcheck sets it once around everything (it costs ~2 us a call)
        arg = v[0] if self.scalar_input else v
        try:
            out = fn(arg)
            if out is None:  # None is our "no value here"; from f or df it is a missing return
                raise CodegenError(f"{'df' if fn is self.df else 'f'} returned None, not a number or an array "
                                   "of numbers (a missing return?)")
            return out
        except CodegenError:
            raise  # our own complaint about shapes, not an arithmetic failure of f
        except (ArithmeticError, ValueError) as exc:
            self._failure = f"{type(exc).__name__} ({exc})" if str(exc) else type(exc).__name__
            return None

    def value(self, v):
        """f(v) as a 1-D float array, or None where it is not finite."""
        self.evals += 1
        out = self._call(self.f, v)
        if out is None:
            return None
        out = _real(out)
        if out.size != self.m:
            raise CodegenError(f"f returned {out.size} values at one point and {self.m} at x")
        return out if np.isfinite(out).all() else None

    def value_complex(self, z):
        """f(z) for complex z (NaN where not finite), or None if f does not take (or return)
        complex numbers."""
        self.evals += 1
        arg = z[0] if self.scalar_input else z
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # math.* on complex warns, then drops Im
                out = np.asarray(self.f(arg))
        except Exception:  # noqa: BLE001 - any failure just means "no complex step"
            return None
        if not np.iscomplexobj(out) or out.size != self.m:
            return None
        out = out.reshape(-1).copy()  # ours: f may return its input or a view of it
        return out if np.all(np.isfinite(out)) else np.full(self.m, np.nan + 0j)

    def claimed(self, v):
        try:
            out = self._call(self.df, v)
        except CodegenError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's df may raise anything: one CodegenError says what
            raise CodegenError(f"df raised {type(exc).__name__}: {exc}") from None
        if out is None:
            failure = f"df raised {self._failure}; its claim there is read as no value (nan)"
            if failure not in self.df_failures:
                self.df_failures.append(failure)
            return np.full((self.m, self.n), np.nan)
        out = np.asarray(out)
        if np.iscomplexobj(out):
            if np.any(out.imag != 0):
                raise CodegenError("df returned complex values; a derivative of a real function is real")
            out = out.real
        try:
            out = out.astype(float)
        except (TypeError, ValueError):
            raise CodegenError(f"df returned {out.dtype} values, not numbers") from None
        m, n = self.m, self.n
        if out.size != m * n:
            raise CodegenError(
                f"df returned shape {out.shape}; expected {n} entries (gradient)"
                if m == 1 else f"df returned shape {out.shape}; expected a {m} x {n} Jacobian"
            )
        if m > 1 and n > 1 and out.shape == (n, m) and m != n:
            raise CodegenError(
                f"df returned shape {out.shape}; expected a {m} x {n} Jacobian (row i = gradient of "
                "output i). It looks transposed."
            )
        return out.reshape(m, n)

    # -- many points along lines ----------------------------------------------
    def along(self, p, dirs, which, t):
        """f(p + t_r u_{which_r}) for every request r: a (len(which), m) array,
        real or complex like t, with NaN rows where f has no finite value.
        Returns None for complex t when f does not take complex input."""
        which = np.asarray(which, dtype=np.intp)
        t = np.asarray(t)
        cplx = np.iscomplexobj(t)
        if (self.complex_batch if cplx else self.batch) and self.f_many is not None:
            out = self._along_batched(p, dirs, which, t, cplx)
            if out is not None or not cplx:
                return out
            self.complex_batch = False  # f broadcasts real batches only: complex one point at a time
        return self._along_one_by_one(p, dirs, which, t, cplx)

    def _along_one_by_one(self, p, dirs, which, t, cplx):
        out = np.full((len(which), self.m), np.nan, dtype=complex if cplx else float)
        v = p.astype(complex) if cplx else p.copy()
        evaluate = self.value_complex if cplx else self.value
        for r, (i, step) in enumerate(zip(which, t)):
            if i < dirs.n_columns:
                j = dirs.columns[i]
                v[j] = p[j] + step
                value = evaluate(v)
                if value is not None:
                    out[r] = value  # before v is restored: f may return v itself, or a view of it
                v[j] = p[j]  # f gets the same array back each time: restore, do not copy n floats
            else:
                value = evaluate(p + step * dirs.vectors[i - dirs.n_columns])
                if value is not None:
                    out[r] = value
            if value is None:
                if cplx:
                    return None  # f does not take complex input: no complex step
                continue
        return out

    def _along_batched(self, p, dirs, which, t, cplx):
        rows = max(1, min(len(which), BATCH_ROWS, BATCH_ELEMENTS // max(self.n, 1)))
        parts = []
        for start in range(0, len(which), rows):
            sl = slice(start, start + rows)
            part = self._many(dirs.stack(p, which[sl], t[sl]), cplx)
            if part is None:
                if cplx:
                    return None
                part = self._along_one_by_one(p, dirs, which[sl], t[sl], False)
            parts.append(part)
        return np.concatenate(parts) if parts else np.zeros((0, self.m))

    def _many(self, points, cplx):
        """f on a (k, n) batch: (k, m) with NaN rows where not finite; None if the call failed."""
        k = len(points)
        self.evals += k
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = np.asarray(self.f_many(points))
        except CodegenError:
            raise
        except Exception:  # noqa: BLE001 - the batch failed as a whole: evaluate point by point
            self.evals -= k
            return None
        if cplx and not np.iscomplexobj(out):
            self.evals -= k
            return None
        if out.size != k * self.m:
            raise CodegenError(f"batch=True: f returned {out.size} values for {k} points "
                               f"(expected {k * self.m}: one {'value' if self.m == 1 else 'row'} per point)")
        out = out.reshape(k, self.m)
        if not cplx:
            out = np.real(out).astype(float)
        with np.errstate(invalid="ignore"):
            bad = ~np.all(np.isfinite(out), axis=1)
        out[bad] = np.nan
        return out

    def _decide_batch(self, batch):
        if batch not in (False, True, "auto"):
            raise CodegenError(f"batch must be False, True or 'auto', got {batch!r}")
        if batch is False:
            return False
        if self.f_many is None:
            self.f_many = self.f
        # compare a two-point batch with single calls: a function that does not
        # broadcast over the leading axis must not be used this way
        probe = np.stack([self.x, self.x + 1e-6 * np.maximum(np.abs(self.x), 1.0)])  # near x: inside f's domain
        singles = [self.value(v) for v in probe]
        try:
            many = self._many(probe, False)
        except CodegenError:
            many = None
        consistent = many is not None and all(s is not None for s in singles) and np.allclose(
            many, np.array(singles), rtol=1e-10, atol=1e-300)
        if not consistent and batch is True:
            raise CodegenError("batch=True, but f applied to a (2, n) array of points did not return the two "
                               "values it gives point by point; f must map a (k, n) array to k values "
                               "(dict/tuple parameters: every array with a leading axis k)")
        return consistent

    def nearby(self, rng):
        """A random point near x where f and the claim are finite, and f there:
        (p, f(p)), or None if none is found."""
        radius = 0.25 * np.maximum(np.abs(self.x), 1.0)
        u = rng.uniform(0.2, 1.0, self.n) * rng.choice([-1.0, 1.0], self.n)
        for _ in range(40):
            p = self.x + radius * u
            fp = self.value(p)
            # a claim that overflows (50 exp(50 x) near x = 14.2) cannot be compared: move closer
            if fp is not None and np.all(np.isfinite(self.claimed(p))):
                return p, fp
            u = u / 2
        return None


class Line:
    """f along one direction through p, for the careful estimator (fd.py)."""

    def __init__(self, target, p, dirs, i):
        self.target, self.p, self.dirs, self.i = target, p, dirs, np.array([i])

    def __call__(self, t):
        taken = float(self.dirs.taken(self.p, self.i, [t])[0])
        out = self.target.along(self.p, self.dirs, self.i, np.array([t], dtype=float))[0]
        return (out if np.all(np.isfinite(out)) else None), taken

    def complex(self, h):
        out = self.target.along(self.p, self.dirs, self.i, np.array([1j * h]))
        if out is None or not np.all(np.isfinite(out[0])):
            return None
        return out[0]


def _real(out):
    """f's output as a 1-D float array of our own (f may return its input or a view of it)."""
    out = np.asarray(out)
    if out.dtype.kind == "c":
        out = out.real
    return out.reshape(-1).astype(float, copy=True)
