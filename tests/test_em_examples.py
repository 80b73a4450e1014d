"""The EM examples run headless and reach their answers."""

import importlib.util

import numpy as np
import pytest


def load(root, name):
    spec = importlib.util.spec_from_file_location(name, root / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_gmm_homework(root, tmp_path):
    out = load(root, "em_gmm_homework").main(tmp_path)
    assert [s.kind for s in out["updates"].steps] == ["lagrange", "matrix calculus", "matrix calculus"]
    assert out["monotone"]
    assert out["max_diff_vs_sklearn"] < 1e-6
    assert out["plot"].stat().st_size > 10_000


@pytest.mark.slow
def test_poisson_and_bernoulli(root, tmp_path):
    out = load(root, "em_poisson_bernoulli").main(tmp_path)
    assert out["rates"] == pytest.approx([3.0, 12.0], rel=0.05)
    assert out["weights"] == pytest.approx([0.7, 0.3], abs=0.03)
    assert out["prototype_bits_wrong"] == 0
    assert out["poisson"].monotone and out["bernoulli"].monotone
    assert all(p.stat().st_size > 10_000 for p in out["plots"])


@pytest.mark.slow
def test_map_dirichlet_keeps_the_component(root, tmp_path):
    out = load(root, "em_map_dirichlet").main(tmp_path)
    assert out["ml_min_weight"] < 1e-10  # maximum likelihood: the far component collapsed
    assert out["map_min_weight"] > 0.1  # the Dirichlet floor kept it, and it found the third regime
    assert out["map_rates"] == pytest.approx([2.0, 9.0, 25.0], rel=0.05)
    assert out["map_loglik"] > out["ml_loglik"]
    assert out["ml"].monotone and out["map"].monotone


@pytest.mark.slow
def test_gamma_mixture_by_generalized_em(root, tmp_path):
    out = load(root, "em_gamma_gem").main(tmp_path)
    assert out["kinds"]["a"] == "generalized EM" and out["kinds"]["b"] == "closed form"
    assert out["shape"] == pytest.approx([2.0, 12.0], rel=0.1)
    assert out["rate"] == pytest.approx([4.0, 1.5], rel=0.1)
    assert out["monotone"]
    assert np.all(np.isfinite(out["fit"].loglik))
