"""Generated modules live as real files so Numba's on-disk cache works.

Numba caches compiled code next to the source file (`__pycache__`), keyed by
the file's path and modification time, so a module is written once under a
name derived from its source hash and never rewritten.  A second process that
generates the same source imports the same file and loads the compiled code
instead of compiling again.
"""

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

_loaded = {}


def cache_dir():
    """Where generated kernel modules are written.

    `DERIVE_CACHE_DIR` if set, else `$XDG_CACHE_HOME/derive/kernels`
    (default `~/.cache/derive/kernels`).
    """
    env = os.environ.get("DERIVE_CACHE_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "derive" / "kernels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _planner_version():
    """A hash of the planner's own source: a plan saved by another version is never reused."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(here.glob("loops/*.py")) + sorted(here.glob("printing/*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_VERSION = []


def _plan_path(key, directory):
    if not _VERSION:
        _VERSION.append(_planner_version())
    import sympy  # srepr: SymPy's exact, deterministic text of an expression (never parsed back)

    text = _VERSION[0] + sympy.srepr(key)
    directory = Path(directory) if directory else cache_dir()
    return directory / f"derive_plan_{hashlib.sha256(text.encode()).hexdigest()[:24]}.json"


def load_plan(key, directory=None):
    """(module source, plan facts) saved for `key` (a tuple of SymPy objects), or None: planning a
    loop kernel takes most of a cached kernel's start-up (0.6 s of 0.96 s for softmax regression)."""
    path = _plan_path(key, directory)
    try:
        saved = json.loads(path.read_text())
        module = Path(path.parent / f"{saved['module']}.py").read_text()
    except (OSError, ValueError, KeyError):
        return None
    if module_name(module) != saved["module"]:
        return None
    return module, saved["meta"]


def save_plan(key, source, meta, directory=None):
    path = _plan_path(key, directory)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump({"module": module_name(source), "meta": meta}, fh)
    os.replace(tmp, path)


def module_name(source):
    return "derive_kernel_" + hashlib.sha256(source.encode()).hexdigest()[:20]


def load_module(source, directory=None):
    """Write `source` to `<dir>/<hash>.py` (once) and import it."""
    name = module_name(source)
    if name in _loaded:
        return _loaded[name]
    directory = Path(directory) if directory else cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        # atomic: concurrent processes never see a half-written module
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _loaded[name] = module
    return module
