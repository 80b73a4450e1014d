import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# Kernels compile each core when first called, not both when made: most tests call with small arrays,
# which run on the one-thread core, so the parallel core (the costly compile) compiles only where a
# test uses it.  tests/test_training_kernels.py checks the eager compile users get.
os.environ.setdefault("DERIVE_COMPILE", "lazy")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session", autouse=True)
def _collect_results():
    """Every Derivation the session produces, for the round-trip test (tests/test_zz_round_trip.py)."""
    from derive.derivation import api
    from tests.round_trip import record

    original = api._derivation

    def recording(namespace, *parts, **more):
        d = original(namespace, *parts, **more)
        record(f"{d.kind} of {d.f}", getattr(d, "result", None), namespace)
        return d

    api._derivation = recording
    yield
    api._derivation = original
