"""The architecture, enforced: data flows one way, and no module imports one above it.

    errors -> text -> calculus -> validation, present -> steps -> derivation -> analysis -> check, optimize -> em, grading -> cli

Every import in derive/ (lazy ones inside functions included) goes to a lower
layer or stays inside its own subpackage; codegen never imports derive; and no
module of derive/ or codegen/ imports itself back through others (no import circles).
"""

import ast
from itertools import pairwise
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


def module_graph():
    """{module: {module it imports: [line, ...]}} for every module of derive/ and codegen/.

    Every import counts, lazy ones inside functions too.  An import of a name that is not a
    module (`from ..text import parse`) is an import of the package's __init__."""
    paths = {module_name(p): p for package in ("derive", "codegen") for p in sorted((ROOT / package).rglob("*.py"))}
    graph = {}
    for me, path in paths.items():
        edges = graph.setdefault(me, {})
        for line, target in imports(path):
            while target and target not in paths:  # an attribute (derive.text.inputs.x) or a foreign module
                target = target.rpartition(".")[0]
            if target and target != me:
                edges.setdefault(target, []).append(line)
    return graph


def strongly_connected(graph):
    """The strongly connected components of `graph` ({node: iterable of nodes}) that have more
    than one node, each sorted (Tarjan's algorithm, iterative: no recursion limit)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def circles(graph):
    """Each import circle in words, `a:12 -> b:3 -> a` (a imports b at its line 12, b imports a at
    its line 3): for every import inside a strongly connected component, the shortest circle it
    lies on, each circle once, starting at its first module in sorted order."""
    out = []
    for component in strongly_connected(graph):
        members = set(component)
        for a in component:
            for b in sorted(set(graph[a]) & members):
                back = _shortest_path(graph, b, a, members)
                circle = [a] + back[:-1]
                first = circle.index(min(circle))
                circle = circle[first:] + circle[:first]
                circle.append(circle[0])
                steps = [f"{x}:{','.join(map(str, sorted(set(graph[x][y]))))}" for x, y in pairwise(circle)]
                text = " -> ".join(steps + [circle[0]])
                if text not in out:
                    out.append(text)
    return sorted(out)


def _shortest_path(graph, start, goal, members):
    """[start, ..., goal] through `members` by the fewest imports (breadth first)."""
    paths, queue = {start: [start]}, [start]
    while goal not in paths:
        node = queue.pop(0)
        for nxt in sorted(set(graph[node]) & members):
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return paths[goal]


def test_the_circle_finder_finds_circles_and_only_circles():
    graph = {"a": {"b": [1]}, "b": {"c": [2], "d": [5]}, "c": {"a": [3]}, "d": {}, "e": {"d": [4], "f": [6]},
             "f": {"e": [7, 9]}}
    assert strongly_connected(graph) == [["a", "b", "c"], ["e", "f"]]
    assert circles(graph) == ["a:1 -> b:2 -> c:3 -> a", "e:6 -> f:7,9 -> e"]
    graph["c"]["b"] = [8]  # one more import inside the component: one more circle
    assert circles(graph) == ["a:1 -> b:2 -> c:3 -> a", "b:2 -> c:8 -> b", "e:6 -> f:7,9 -> e"]
    assert circles({"a": {"b": [1]}, "b": {"c": [2]}, "c": {}}) == []  # a chain is no circle
    two_ways = {"a": {"b": [1], "c": [2]}, "b": {"a": [3]}, "c": {"a": [4]}}
    assert circles(two_ways) == ["a:1 -> b:3 -> a", "a:2 -> c:4 -> a"]
    assert strongly_connected({str(k): {str(k + 1): [1]} for k in range(5000)} | {"5000": {"0": [1]}})  # deep: no recursion


def test_no_import_circles():
    found = circles(module_graph())
    assert not found, "import circles (module:line of each import):\n" + "\n".join(found)
