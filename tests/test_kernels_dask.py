"""Loop kernels on Dask arrays: a lazy map over blocks of rows and a tree sum, equal to the NumPy
kernel, on threads and on a cluster of worker processes; kernels that cannot run chunk by chunk
refuse a Dask array and never load it."""

import collections
import os
import sys
import threading

import numpy as np
import pytest
from sympy import IndexedBase, Sum, Symbol

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

import codegen  # noqa: E402
import derive  # noqa: E402
from codegen.loops import chunked  # noqa: E402

pytestmark = pytest.mark.slow

SOFTMAX = "-sum(Y[i,c]*(sum(X[i,j]*W[j,c], j) - log(sum(exp(sum(X[i,j]*W[j,a], j)), a))), i, c)"
rng = np.random.default_rng(21)


@pytest.fixture(scope="module")
def kernels():
    ridge = derive.differentiate("sum((X @ w - y)**2) + lam*w.T @ w", "w", symbols="X: N x d, w: d, y: N")
    logistic = derive.differentiate("sum(log(1 + exp(X @ w))) - y.T @ X @ w", "w", symbols="X: N x d, w: d, y: N")
    return {"ridge": derive.kernel(ridge), "logistic": derive.kernel(logistic),
            "softmax": derive.kernel(derive.differentiate(SOFTMAX, "W[k,l]"))}


class Loads:
    """Dask arrays that count every chunk they hand out (the only way to read the data)."""

    def __init__(self):
        self.count = collections.Counter()
        self.lock = threading.Lock()

    def array(self, name, values, chunks):
        def load(block, block_info=None):
            with self.lock:
                self.count[name, block_info[0]["chunk-location"]] += 1
            return block

        meta = np.empty((0,) * values.ndim)  # given, so Dask never calls `load` to guess it
        return da.from_array(values, chunks=chunks).map_blocks(load, dtype=values.dtype, meta=meta)

    def of(self, name):
        return sorted(n for (array, _), n in self.count.items() if array == name)


def regression(N, d):
    return rng.normal(size=(N, d)), rng.normal(size=d), rng.normal(size=N)


def test_ridge_gradient_is_lazy_and_reads_every_chunk_once(kernels, monkeypatch):
    ridge = kernels["ridge"]
    X, w, y = regression(1000, 5)
    loads = Loads()
    dX, dy = loads.array("X", X, (128, 5)), loads.array("y", y, (300,))  # 8 and 4 chunks, rechunked to X's
    blocks = []
    run = chunked._block
    monkeypatch.setattr(chunked, "_block", lambda *args: blocks.append(args[2].shape) or run(*args))
    g = ridge(X=dX, w=w, y=dy, lam=0.3)
    assert isinstance(g, da.Array) and g.shape == (5,)
    assert not loads.count and not blocks  # nothing read, nothing computed
    with dask.config.set(scheduler="threads"):
        got = g.compute()
    np.testing.assert_allclose(got, ridge(X, w, y, 0.3), rtol=1e-10)
    np.testing.assert_allclose(got, 2 * X.T @ (X @ w - y) + 0.6 * w, rtol=1e-10)
    assert loads.of("X") == [1] * 8 and loads.of("y") == [1] * 4
    assert sorted(blocks) == sorted([(128, 5)] * 7 + [(104, 5)])  # one call per block of rows, each once


def test_the_parameter_term_is_added_once_not_per_block(kernels):
    ridge = kernels["ridge"]
    X, w, y = regression(700, 3)
    dX = da.from_array(X, chunks=(100, 3))  # 7 blocks; y stays a NumPy array (cut into the same blocks)
    with dask.config.set(scheduler="threads"):
        with_ridge, without = (ridge(dX, w, y, lam).compute() for lam in (2.5, 0.0))
    np.testing.assert_allclose(with_ridge - without, 5.0 * w, rtol=1e-10)  # 2 lam w once; per block: 7 times
    np.testing.assert_allclose(with_ridge, ridge(X, w, y, 2.5), rtol=1e-10)


def softmax_data(N=600, d=4, C=3):
    X = rng.normal(size=(N, d))
    Y = np.eye(C)[rng.integers(0, C, size=N)]
    return X, rng.normal(size=(d, C)) * 0.5, Y


def softmax_gradient(X, W, Y):
    Z = X @ W
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X.T @ (P * Y.sum(axis=1, keepdims=True) - Y)


def test_softmax_and_logistic_gradients_on_uneven_chunks_equal_numpy(kernels):
    X, W, Y = softmax_data()
    dW = da.from_array(W, chunks=(2, 3))  # a Dask parameter in two pieces: whole to every block
    g = kernels["softmax"](W=dW, X=da.from_array(X, chunks=(77, 2)), Y=da.from_array(Y, chunks=(50, 3)))
    with dask.config.set(scheduler="threads"):
        got = g.compute()
    np.testing.assert_allclose(got, kernels["softmax"](W, X, Y), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, softmax_gradient(X, W, Y), rtol=1e-10, atol=1e-12)

    X, w, _ = regression(500, 4)
    y = (rng.random(500) < 0.5).astype(float)
    with dask.config.set(scheduler="threads"):
        got = kernels["logistic"](da.from_array(X, chunks=(90, 4)), w, da.from_array(y, chunks=90)).compute()
    np.testing.assert_allclose(got, X.T @ (1 / (1 + np.exp(-X @ w)) - y), rtol=1e-10, atol=1e-12)


def test_a_mean_uses_all_rows_not_a_blocks_rows():
    """mean((X w - y)^2) + lam |w|^2 + w . (sum of X's rows) from SymPy objects: 1/N is the whole data's N,
    the ridge a sum over j, the last term a sum over j of sums over i."""
    N, d = Symbol("N", integer=True, positive=True), Symbol("d", integer=True, positive=True)
    i, j, p, lam = Symbol("i", integer=True), Symbol("j", integer=True), Symbol("p", integer=True), Symbol("lam")
    X, w, y = IndexedBase("X", shape=(N, d)), IndexedBase("w", shape=(d,)), IndexedBase("y", shape=(N,))
    loss = (Sum((Sum(X[i, j] * w[j], (j, 0, d - 1)) - y[i]) ** 2, (i, 0, N - 1)) / N
            + lam * Sum(w[p] ** 2, (p, 0, d - 1)) + Sum(w[p] * Sum(X[i, p], (i, 0, N - 1)), (p, 0, d - 1)))
    k = codegen.kernel(loss, [X, w, y, lam])
    Xv, wv, yv = regression(900, 3)
    value = k(da.from_array(Xv, chunks=(200, 3)), wv, da.from_array(yv, chunks=200), 0.5)
    assert value.shape == ()
    with dask.config.set(scheduler="threads"):
        np.testing.assert_allclose(value.compute(), np.mean((Xv @ wv - yv) ** 2) + 0.5 * wv @ wv + wv @ Xv.sum(axis=0),
                                   rtol=1e-12)


def test_wrong_shapes_give_the_numpy_kernels_messages(kernels):
    ridge = kernels["ridge"]
    X, w, y = regression(200, 4)
    for Xb, wb, yb in ((X, w[:3], y), (X, w, y[:199]), (X[:, :, None], w, y)):
        with pytest.raises(codegen.CodegenError) as numpy_error:
            ridge(Xb, wb, yb, 0.1)
        with pytest.raises(codegen.CodegenError) as dask_error:
            ridge(da.from_array(Xb, chunks=64), wb, da.from_array(yb, chunks=64), 0.1)
        assert str(dask_error.value) == str(numpy_error.value)


def refusals():
    """(kernel, its Dask arguments by name, NumPy arguments, what the message says) for kernels that
    cannot run chunk by chunk; built from SymPy objects, and one from text."""
    N, d = Symbol("N", integer=True, positive=True), Symbol("d", integer=True, positive=True)
    i, j, k = Symbol("i", integer=True), Symbol("j", integer=True), Symbol("k", integer=True)
    X, w, y = IndexedBase("X", shape=(N, d)), IndexedBase("w", shape=(d,)), IndexedBase("y", shape=(N,))
    Xt, x = IndexedBase("X", shape=(d, N)), IndexedBase("x", shape=(N,))
    residual = Sum(X[k, j] * w[j], (j, 0, d - 1)) - y[k]
    transposed = Sum((Sum(Xt[j, i] * w[j], (j, 0, d - 1)) - y[i]) ** 2, (i, 0, N - 1))
    Xv, wv, yv = regression(300, 3)
    return [
        ("lse", lambda: derive.kernel(derive.differentiate("log(sum(exp(X @ w)))", "w",
                                                           symbols="X: N x d, w: d")),
         {"X": Xv}, {"w": wv}, ("X\\[\\w+, \\w+\\] reads other rows inside the sum over the rows \\w+, .* "
                                "\\(a nonlinear function of a sum over rows\\)")),
        ("per row", lambda: codegen.kernel(residual, [X, w, y], index=k), {"X": Xv, "y": yv}, {"w": wv},
         "the result has one entry per row of X \\(X\\[k, j\\]\\)"),
        ("some rows", lambda: codegen.kernel(Sum(x[i], (i, 1, N - 1)), [x]), {"x": yv}, {},
         "the sum over i runs 1..N - 1, not over every row of x \\(0..N - 1\\)"),
        ("transposed", lambda: codegen.kernel(transposed, [Xt, w, y]), {"X": Xv.T, "y": yv}, {"w": wv},
         "the rows of X are not its first axis \\(it is read as X\\[j, i\\]\\)"),
    ]


@pytest.mark.parametrize("case", refusals(), ids=lambda c: c[0])
def test_kernels_that_cannot_run_chunk_by_chunk_refuse_and_load_nothing(case):
    _, make, data, params, reason = case
    loads = Loads()
    dask_data = {name: loads.array(name, v, (64,) + v.shape[1:]) for name, v in data.items()}
    with pytest.raises(codegen.CodegenError, match=f"cannot run chunk by chunk on Dask arrays: {reason}; "
                                                   "call .compute\\(\\)") as error:
        make()(**dask_data, **params)
    assert "\n" not in str(error.value) and not loads.count


# --- a cluster of two worker processes ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)  # the other tests keep the threaded scheduler
    yield client
    client.close()
    cluster.close()


def test_on_two_worker_processes_equal_numpy(kernels, client):
    X, w, y = regression(2000, 5)
    g = kernels["ridge"](da.from_array(X, chunks=(250, 5)), w, da.from_array(y, chunks=250), 0.4)
    np.testing.assert_allclose(client.compute(g).result(), kernels["ridge"](X, w, y, 0.4), rtol=1e-10)
    X, W, Y = softmax_data(N=1500)
    g = kernels["softmax"](da.from_array(W), da.from_array(X, chunks=(200, 4)), da.from_array(Y, chunks=(200, 3)))
    np.testing.assert_allclose(client.compute(g).result(), softmax_gradient(X, W, Y), rtol=1e-10, atol=1e-12)

    # the blocks ran in other processes, which imported the generated modules from the kernel directory
    def loaded():
        return os.getpid(), sorted(m for m in sys.modules if m.startswith("derive_kernel_"))

    workers = client.run(loaded).values()
    row_kernels = {kernels[name]._dask_kernels[data][0].module.__name__
                   for name, data in (("ridge", ("X", "y")), ("softmax", ("X", "Y")))}
    assert all(pid != os.getpid() for pid, _ in workers)
    assert row_kernels <= {m for _, modules in workers for m in modules}
    assert all(modules for _, modules in workers)  # both workers took blocks
