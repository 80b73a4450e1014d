"""The worked example of the web API (examples/serve_api.py) runs and reaches its answers."""

import importlib.util

import pytest

pytestmark = pytest.mark.slow


def test_serve_api_example(root, tmp_path):
    spec = importlib.util.spec_from_file_location("serve_api", root / "examples" / "serve_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(tmp_path)
    assert {"grad", "check", "check-steps", "integrate", "taylor", "directional", "grade"} <= set(out["commands"])
    assert out["grad"]["result"] == [["2*x*y"], ["x**2 + cos(y)"]] and out["grad"]["validation"]["ok"]
    assert out["check"]["status"] == "wrong" and out["check"]["mistake"] == "factor"
    assert [line["status"] for line in out["lines"]] == ["ok", "wrong"]
    assert out["bad_status"] == 400 and out["bad"]["error"].startswith("column 6")
    assert "<mi>sigmoid</mi>" in out["mathml"]
    assert out["svg"].lstrip().startswith(b"<?xml") and (tmp_path / "serve_grad_plot.svg").exists()
