"""EM on a Dask array: one map-reduce of the statistics kernel per iteration, equal to the in-memory fit."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from derive import em  # noqa: E402 - after the importorskip lines: without Dask the module is skipped


def data(n=4000, k=3, d=2, seed=11):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d)) * 5
    return np.concatenate([rng.normal(centers[c], 1.0, size=(n // k, d)) for c in range(k)]) + 20.0


@pytest.fixture(scope="module")
def updates():
    return em.derive_updates(em.mixture("normal", 3, dim=2, cov="full"))


@pytest.fixture(scope="module")
def reference(updates):
    X = data()
    return X, updates.fit(X, max_iter=40, seed=2, backend="numba")


def assert_same_fit(a, b):
    assert a.n_iter == b.n_iter and a.converged == b.converged
    for name in a.params:
        np.testing.assert_allclose(a.params[name], b.params[name], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)


def test_eight_chunks_threaded_scheduler_equal_the_numpy_fit(updates, reference):
    X, ref = reference
    dX = da.from_array(X, chunks=(X.shape[0] // 8 + 1, 2))
    assert dX.numblocks == (8, 1)
    with dask.config.set(scheduler="threads"):
        fit = updates.fit(dX, max_iter=40, seed=2, backend="numba")
    assert_same_fit(fit, ref)
    assert fit.monotone
    R = fit.responsibilities  # lazy, chunked like X
    assert isinstance(R, da.Array) and R.numblocks == (8, 1)
    np.testing.assert_allclose(R.compute(), ref.responsibilities, atol=1e-12)


def test_numpy_backend_on_chunks(updates, reference):
    X, ref = reference
    dX = da.from_array(X, chunks=(700, 2))
    with dask.config.set(scheduler="synchronous"):
        fit = updates.fit(dX, max_iter=40, seed=2, backend="numpy")
    assert_same_fit(fit, ref)


def test_bad_dask_data_is_an_error(updates):
    from derive import DeriveError

    with pytest.raises(DeriveError, match="3 columns"):
        updates.fit(da.ones((100, 3), chunks=(50, 3)))


@pytest.mark.slow
def test_local_cluster_two_worker_processes(updates, reference):
    distributed = pytest.importorskip("distributed")
    X, ref = reference
    dX = da.from_array(X, chunks=(X.shape[0] // 8 + 1, 2))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        fit = updates.fit(dX, max_iter=40, seed=2, backend="numba")  # workers load the kernel from the disk cache
    assert_same_fit(fit, ref)


@pytest.mark.slow
def test_each_worker_compiles_before_the_first_iteration_and_reports_it(tmp_path, monkeypatch):
    """Every worker process compiles the kernel itself: the fit runs a warm-up task on each worker and
    reports each one's time (the client alone only runs `hoist`)."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))  # fresh cache; worker processes inherit it
    updates = em.derive_updates(em.mixture("normal", 2, dim=3, cov="spherical"))  # no other test compiles it
    X = data(n=40_000, k=2, d=3)
    dX = da.from_array(X, chunks=(10_000, 3))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        fit = updates.fit(dX, max_iter=8, tol=0, backend="numba")
        workers = set(client.scheduler_info()["workers"])
    timings = fit.timings
    assert len(workers) == 2 and set(timings["workers"]) == workers
    for report in timings["workers"].values():
        assert report["compiled_from"] in ("compiled", "compiled and disk cache") and report["compile_seconds"] > 0.01
    iterations = timings["iteration_seconds"]
    assert len(iterations) >= 3 and iterations[0] < 5 * np.median(iterations[1:]), timings
    assert fit.monotone
