"""Check every derivation of this corpus with NumPy alone, independently of derive.

Each YAML file here holds one published derivation (see tests/test_corpus_derivations.py)
and, under `numeric:`, the same derivation written line for line in NumPy: `f` (the function
differentiated) and one expression per line of `steps`, built the way the line is written
(index sums as sums over explicit ranges, matrix products as products).  Every corruption
carries its own `numeric` expression.  This script, at several random concrete sizes and
values,

  * computes the true derivative of `f` by central finite differences,
  * checks that every line equals it (so each line also equals the one before), and
  * checks that every corruption differs from it (a corruption with an index that left its
    sum, `free: {i: N}`, must differ for every value of that index).

The NumPy expressions are this corpus's own trusted data, evaluated with `eval` against a
namespace of NumPy helpers only; nothing here is user text, and derive is not imported.

    python tests/corpus_derivations/verify_independently.py        # exit 1 on any failure
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
TRIALS = 3
LINE_RTOL = 1e-6      # a correct line against the finite-difference derivative
WRONG_RTOL = 1e-3     # a corruption must differ by more than this somewhere


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


HELPERS = {
    "np": np, "exp": np.exp, "log": np.log, "tanh": np.tanh, "sqrt": np.sqrt,
    "sig": _sigmoid, "softmax": _softmax,
    "inv": np.linalg.inv, "det": np.linalg.det, "logdet": lambda A: np.log(np.linalg.det(A)),
    "tr": np.trace, "diag": np.diag, "outer": np.outer, "eye": np.eye, "ones": np.ones,
    "norm": np.linalg.norm, "einsum": np.einsum,
    # index notation: S(body, n) = sum_{i=0}^{n-1} body(i), with an optional start
    "S": lambda body, n, start=0: sum(body(i) for i in range(start, n)),
    "V": lambda body, n: np.array([body(k) for k in range(n)], dtype=float),
    "M": lambda body, n, m: np.array([[body(a, b) for b in range(m)] for a in range(n)], dtype=float),
    "delta": lambda a, b: 1.0 if a == b else 0.0,
}

DECLARATION = re.compile(r"^\s*([A-Za-z_]\w*)\s*:\s*(.+?)\s*$")


def declarations(let: str) -> dict[str, tuple[list[str], set[str]]]:
    """'X: N x d, w: d, lam: positive' -> {name: (size names, words)}."""
    out = {}
    for part in let.split(","):
        if not part.strip():
            continue
        name, spec = DECLARATION.match(part).groups()
        name = "lam" if name == "lambda" else name  # a Python keyword: `lam` in the numeric forms
        words = spec.split()
        sizes = [w for w in words if w not in {"x", "positive", "spd", "symmetric", "real"}]
        out[name] = (sizes, set(words) - set(sizes) - {"x"})
    return out


def names_used(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= names_used(const)
    return names


def instance(entry: dict, rng) -> tuple[dict, dict]:
    """Random sizes (all different, so a shape slip cannot hide) and values for every name."""
    decl = declarations(entry.get("let", ""))
    size_names = sorted({s for sizes, _ in decl.values() for s in sizes if not s.isdigit()}
                        | set((entry["numeric"].get("indices") or {}).values()))
    sizes = dict(zip(size_names, rng.permutation(np.arange(3, 3 + max(4, len(size_names))))[:len(size_names)]))
    sizes = {k: int(v) for k, v in sizes.items()}
    values: dict = {}
    for name, (dims, words) in decl.items():
        shape = tuple(int(d) if d.isdigit() else sizes[d] for d in dims)
        if "spd" in words:
            B = rng.normal(size=shape)
            values[name] = B @ B.T + shape[0] * np.eye(shape[0])
        elif "symmetric" in words:
            B = rng.normal(size=shape)
            values[name] = B + B.T
        elif "positive" in words:
            values[name] = rng.uniform(0.5, 2.0, size=shape) if shape else float(rng.uniform(0.5, 2.0))
        else:
            values[name] = rng.normal(size=shape) if shape else float(rng.normal())
    for name, size in (entry["numeric"].get("indices") or {}).items():
        values[name] = int(rng.integers(0, sizes[size]))
    if entry["numeric"].get("det_positive"):  # log det of a general matrix: keep det > 0
        name = entry["numeric"]["det_positive"]
        values[name] = values[name] + 2 * values[name].shape[0] * np.eye(values[name].shape[0])
    return sizes, values


def evaluate(text: str, env: dict):
    return np.asarray(eval(compile(text, "<numeric>", "eval"), {**env, "__builtins__": {}}), dtype=float)


def fill_scalars(texts: list[str], env: dict, rng) -> None:
    """Names used but not declared are plain scalars (as in derive's text)."""
    for text in texts:
        for name in names_used(compile(text, "<numeric>", "eval")):
            if name not in env:
                env[name] = float(rng.normal())


def fd_derivative(f_text: str, env: dict, wrt: str) -> np.ndarray:
    x0 = np.asarray(env[wrt], dtype=float)
    grad = np.zeros(x0.shape)
    scale = max(1.0, float(np.max(np.abs(x0))))
    h = 1e-5 * scale
    for idx in np.ndindex(*x0.shape) if x0.shape else [()]:
        values = []
        for sign in (+1, -1):
            x = x0.copy()
            x[idx] += sign * h
            values.append(float(evaluate(f_text, {**env, wrt: x if x.shape else float(x)})))
        grad[idx] = (values[0] - values[1]) / (2 * h)
    return grad


def close(a, b, rtol) -> bool:
    a, b = np.broadcast_to(a, b.shape) if a.size == 1 else a, b
    if a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= rtol * (1.0 + np.abs(b).max())))


def wrt_name(entry: dict) -> str:
    name = entry["numeric"].get("wrt", str(entry.get("wrt", "")).split("[")[0])
    return "lam" if name == "lambda" else name


def verify(entry: dict, seed: int = 0) -> list[str]:
    problems = []
    numeric = entry["numeric"]
    n_lines = len(step_lines(entry))
    if len(numeric["lines"]) != n_lines:
        return [f"{n_lines} lines in steps but {len(numeric['lines'])} numeric lines"]
    for trial in range(TRIALS):
        rng = np.random.default_rng(seed + 1000 * trial)
        sizes, values = instance(entry, rng)
        env = {**HELPERS, **sizes, **values}
        texts = [numeric["f"], *numeric["lines"], *(c["numeric"] for c in entry["corruptions"])]
        fill_scalars(texts, env, rng)
        truth = fd_derivative(numeric["f"], env, wrt_name(entry))
        for k, text in enumerate(numeric["lines"]):
            got = evaluate(text, env)
            if not close(got, truth, LINE_RTOL):
                problems.append(f"trial {trial}: line {k} is not the derivative (max diff "
                                f"{np.max(np.abs(np.broadcast_to(got, truth.shape) - truth)) if got.size in (1, truth.size) else 'shape'})")
        for c in entry["corruptions"]:
            free = c.get("free") or {}
            assignments = [{}]
            for index, size in free.items():
                assignments = [{**a, index: v} for a in assignments for v in range(sizes[size])]
            for a in assignments:
                got = evaluate(c["numeric"], {**env, **a})
                if close(got, truth, WRONG_RTOL):
                    problems.append(f"trial {trial}: corruption of line {c['line']} ({c['kind']}) "
                                    f"equals the derivative{' at ' + str(a) if a else ''}")
    return problems


def step_lines(entry: dict) -> list[str]:
    """The lines of `steps` as check_derivation sees them (LaTeX split at \\\\, text by line)."""
    text = entry["steps"].strip()
    if entry.get("syntax", "latex") == "latex":
        body = re.sub(r"\\(begin|end)\{(align\*?|aligned|equation\*?)\}", "", text)
        return [line.strip() for line in body.split("\\\\") if line.strip()]
    return [line.strip() for line in text.splitlines() if line.strip()]


def load(directory: Path = HERE) -> list[dict]:
    entries = []
    for path in sorted(directory.glob("*.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        entry["file"] = path.name
        entries.append(entry)
    return entries


def main() -> int:
    failures = 0
    entries = load()
    for entry in entries:
        problems = verify(entry)
        status = "ok" if not problems else "FAIL"
        print(f"{status:4} {entry['file']}: {len(step_lines(entry))} lines, {len(entry['corruptions'])} corruptions")
        for p in problems:
            print("       " + p)
        failures += bool(problems)
    print(f"{len(entries) - failures} of {len(entries)} derivations verified")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
