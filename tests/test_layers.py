"""The architecture, enforced: data flows one way, and no module imports one above it.

    errors -> text -> calculus -> validation, present -> steps -> derivation -> analysis -> check, optimize -> em, grading -> cli

Every import in derive/ (lazy ones inside functions included) goes to a lower
layer or stays inside its own subpackage; codegen never imports derive.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = {
    "derive.errors": 0,
    "derive.version": 0,
    "derive.text": 1,
    "derive.calculus": 2,
    "derive.validation": 3,
    "derive.present": 3,
    "derive.steps": 4,
    "derive.derivation": 5,
    "derive.analysis": 5.5,  # integrals, Taylor, directional: over derivation, under check
    "derive.check": 6,
    "derive.optimize": 6,
    "derive.em": 7,
    "derive.grading": 7,
    "derive.demo": 7,
    "derive.cli": 8,
    "derive.serve": 8.5,  # the web page and API, over the CLI
    "derive.__main__": 9,
    "derive": 10,  # the package itself: the public API, re-exported
}


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module):
    """The layered unit a module belongs to: its subpackage (derive.text), or itself."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return ".".join(parts[:n])
    raise AssertionError(f"{module} is in no layer; add it to LAYERS")


def imports(path):
    tree = ast.parse(path.read_text())
    me = module_name(path)
    package = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                is_module = (ROOT / (full.replace(".", "/") + ".py")).exists() or (ROOT / full.replace(".", "/")).is_dir()
                yield node.lineno, full if is_module else target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_no_module_imports_one_above_it():
    wrong = []
    for path in sorted((ROOT / "derive").rglob("*.py")):
        me = module_name(path)
        mine = unit(me)
        for line, target in imports(path):
            if not target.startswith("derive") or target == "derive" and mine == "derive":
                continue
            theirs = unit(target)
            if theirs == mine:
                continue
            if LAYERS[theirs] >= LAYERS[mine]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {me} ({LAYERS[mine]}) imports {target} "
                             f"({LAYERS[theirs]})")
    assert not wrong, "\n".join(wrong)


def test_codegen_never_imports_derive():
    for path in sorted((ROOT / "codegen").rglob("*.py")):
        for line, target in imports(path):
            assert not target.startswith("derive"), f"{path.relative_to(ROOT)}:{line} imports {target}"


def test_every_subpackage_says_what_it_owns_and_may_import():
    for init in sorted((ROOT / "derive").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert doc, f"{init.relative_to(ROOT)} has no docstring"
        if init.parent.name != "text":  # the bottom layer imports only derive.errors, and says so
            assert "May import" in doc, init
