"""The optional frameworks (jax, torch) in tests: skipped when not installed, except in CI.

`.ci/run` installs the dev extra, which holds both, and sets DERIVE_REQUIRE_EXTRAS=1, so
there a missing framework fails the tests instead of skipping them silently."""

import importlib
import os

import pytest


def need(module):
    """The module, or a skip (a failure when DERIVE_REQUIRE_EXTRAS=1)."""
    if os.environ.get("DERIVE_REQUIRE_EXTRAS") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module)
