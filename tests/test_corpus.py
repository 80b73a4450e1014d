"""Problems from published course material, checked against their published answers.

Each file tests/corpus/<source>.yaml holds problems taken from one family of
course material (Stanford CS229 and CS231n, NYU DS-GA 1003, MIT 18.065,
StatProofBook, the Matrix Cookbook, Boyd & Vandenberghe, Bishop's PRML), each
with its source (course, document, problem number, URL), the published
answer transcribed into derive's text grammar and a typical wrong answer:

    op: check      derive.check(f, wrt, answer, kind=..., symbols=let, let=defs) is ok;
                   the wrong answer is not, and its explanation contains every
                   word of `diagnosis` (case-insensitive)
    op: critical   derive.critical_points(f, wrt, symbols=let) has the published
                   point (of kind `answer_kind` when given) and not the wrong one
    op: kkt        derive.kkt(f, wrt, st=st, sense=sense, symbols=let).solve():
                   the best point is the published one (objective `value` when
                   given) and no point is the wrong one

Points are compared entry by entry at concrete sizes (`sizes`, else 3 per size)
and random exact data, independently of derive's own checker.  A problem that
derive cannot do yet carries `xfail: "issue 19 item N: ..."` and runs as a
strict xfail, so a fix turns it into a failure until the mark is removed.
"""

from __future__ import annotations

import random
import re
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
import yaml

import derive

CORPUS = Path(__file__).resolve().parent / "corpus"

OPS = {"check", "critical", "kkt"}
KINDS = {"grad", "hessian", "jacobian"}
MISTAKES = {"sign", "factor", "transpose", "missing_term", "extra_term", "index_unbound", "index_range", "chain_rule",
            "needs_assumption", "domain", "wrong_kind", "shape", "other"}  # Verdict.mistake's words (DESIGN.md)
SOURCE_FIELDS = ("course", "document", "problem")


def load_corpus(directory: Path = CORPUS) -> list[dict]:
    """Every problem of every YAML file, with the file it came from."""
    problems = []
    for path in sorted(directory.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            problems.append({**entry, "file": path.name})
    return problems


PROBLEMS = load_corpus()


# --- running one problem -------------------------------------------------------------------------

# Every answer should take under 2 s warm (issue 19); the budget leaves room for a slow machine
# and keeps one runaway problem from eating the suite's time.
LIMITS = derive.Limits(seconds=10)


def check_claim(problem: dict, claim: str):
    return derive.check(problem["f"], problem["wrt"], claim, kind=problem.get("kind"),
                        symbols=problem.get("let"), let=problem.get("defs"), limits=LIMITS)


def run_check(problem: dict) -> None:
    verdict = check_claim(problem, problem["answer"])
    assert verdict.ok, f"published answer rejected ({verdict.status}): {verdict.explanation}"
    verdict = check_claim(problem, problem["wrong"])
    assert not verdict.ok, f"wrong answer accepted: {problem['wrong']}"
    explanation = (verdict.explanation or "").lower()
    missing = [word for word in problem["diagnosis"] if word.lower() not in explanation]
    assert not missing, f"explanation lacks {missing}: {verdict.explanation}"
    assert verdict.mistake == problem["mistake"], \
        f"mistake {verdict.mistake!r}, expected {problem['mistake']!r}: {verdict.explanation}"


def run_critical(problem: dict) -> None:
    points = derive.critical_points(problem["f"], problem["wrt"], symbols=problem.get("let"), limits=LIMITS).points
    found = [point for point in points if same_point(point.x, problem["answer"], problem)]
    assert found, f"published point {problem['answer']} not among {[point.x for point in points]}"
    if problem.get("answer_kind"):  # one of its cases (for parameters where it holds) is of that kind
        kinds = [point.kind for point in found]
        assert problem["answer_kind"] in kinds, f"{found[0].x} is a {' or '.join(kinds)}"
    assert not any(same_point(point.x, problem["wrong"], problem) for point in points), \
        f"the wrong point {problem['wrong']} is among the critical points"


def run_kkt(problem: dict) -> None:
    kkt = derive.kkt(problem["f"], problem["wrt"], st=problem["st"], sense=problem.get("sense", "min"),
                     symbols=problem.get("let"), limits=LIMITS)
    points = kkt.solve().points
    assert points, "no KKT point"
    best = points[0]
    assert same_point(best.x, problem["answer"], problem), \
        f"best point {best.x}, published {problem['answer']}"
    if "value" in problem:
        assert same_value(best.value, parse(problem["value"], problem), problem), \
            f"objective {best.value}, published {problem['value']}"
    assert not any(same_point(point.x, problem["wrong"], problem) for point in points), \
        f"the wrong point {problem['wrong']} is among the KKT points"


RUNNERS = {"check": run_check, "critical": run_critical, "kkt": run_kkt}


def run_problem(problem: dict) -> None:
    RUNNERS[problem["op"]](problem)


# --- comparing points, independently of derive's checker -------------------------------------------

def parse(text, problem: dict):
    return derive.parse(str(text), symbols=problem.get("let"))


def same_point(point: dict, expected: dict, problem: dict) -> bool:
    """Whether derive's point (variable -> value) has every expected coordinate."""
    for key_text, value_text in expected.items():
        key = parse(key_text, problem)
        match = [(found_key, value) for found_key, value in point.items() if _same_variable(found_key, key)]
        if not match:
            return False
        found_key, value = match[0]
        value = _rename_indices(value, found_key, key)
        if not same_value(value, parse(value_text, problem), problem):
            return False
    return True


def _name(expr) -> str:
    return str(expr).replace(" ", "").replace("^", "**")


def _same_variable(found, key) -> bool:
    if _name(found) == _name(key):  # sigma**2 and a symbol printed sigma^2 alike
        return True
    if isinstance(found, sympy.Indexed) and isinstance(key, sympy.Indexed):
        return str(found.base) == str(key.base) and len(found.indices) == len(key.indices)
    if isinstance(key, sympy.Indexed):  # derive may name the whole vector p for p[j]
        return str(found) == str(key.base)
    return False


def _rename_indices(value, found, key):
    if isinstance(found, sympy.Indexed) and isinstance(key, sympy.Indexed):
        return sympy.sympify(value).xreplace(dict(zip(found.indices, key.indices)))
    return value


def same_value(a, b, problem: dict, draws: int = 3) -> bool:
    """a == b at `draws` random instances: sizes from `sizes` (else 3), exact random data."""
    declared = derive.declare(problem["let"]).properties if problem.get("let") else {}
    for seed in range(draws):
        env = _Instance(problem.get("sizes") or {}, declared, seed)
        try:
            difference = env.evaluate(a) - env.evaluate(b)
            entries = list(difference) if isinstance(difference, sympy.MatrixBase) else [difference]
            if any(not bool(abs(sympy.N(entry, 30)) <= sympy.Float("1e-20")) for entry in entries):
                return False
        except (ValueError, TypeError, ZeroDivisionError, sympy.ShapeError,
                sympy.matrices.exceptions.NonInvertibleMatrixError):
            return False  # not a number at this instance (unevaluated, undefined): not shown equal
    return True


class _Instance:
    """One concrete instance: every name (size, scalar, array entry, matrix) gets one exact value."""

    def __init__(self, sizes: dict, properties: dict, seed: int):
        self.sizes = {str(name): int(value) for name, value in sizes.items()}
        self.properties = properties
        self.seed = seed
        self.values: dict = {}

    def _random(self, key) -> random.Random:
        # Seeded by the name, not by the order names are met (set order changes between processes).
        return random.Random(f"corpus:{self.seed}:{key!r}")

    def number(self, key):
        if key not in self.values:
            self.values[key] = sympy.Rational(Fraction(self._random(key).randint(9, 99), 16))
        return self.values[key]

    def integer(self, name):
        key = ("integer", name)
        if key not in self.values:
            self.values[key] = sympy.Integer(self._random(key).randint(1, 5))
        return self.values[key]

    def evaluate(self, expr):
        expr = sympy.sympify(expr)
        # Names, not objects: a size n in a sum's limit and an n the user divides by are one number.
        size_names = set(self.sizes) | {s.name for s in _size_symbols(expr)}
        expr = expr.xreplace({s: sympy.Integer(self.sizes.get(s.name, 3))
                              for s in expr.atoms(sympy.Symbol) if s.name in size_names})
        expr = expr.doit()
        expr = expr.xreplace({m: self.matrix(m) for m in expr.atoms(sympy.MatrixSymbol)})
        free_indices = {s for e in expr.atoms(sympy.Indexed) for i in e.indices for s in i.atoms(sympy.Symbol)}
        expr = expr.xreplace({s: sympy.Integer(1) for s in free_indices})
        expr = expr.xreplace({e: self.number(("entry", str(e.base), e.indices)) for e in expr.atoms(sympy.Indexed)})
        expr = expr.xreplace({s: (self.integer(s.name) if s.is_integer else self.number(("scalar", s.name)))
                              for s in expr.atoms(sympy.Symbol)})
        expr = expr.doit()
        if isinstance(expr, sympy.MatrixExpr):
            expr = sympy.ImmutableMatrix(expr.as_explicit())
        if isinstance(expr, sympy.MatrixBase) and expr.shape == (1, 1):
            expr = expr[0, 0]
        return expr

    def matrix(self, symbol):
        key = ("matrix", symbol.name)
        if key not in self.values:
            rows, cols = int(symbol.rows), int(symbol.cols)
            entries = sympy.Matrix(rows, cols, lambda i, j: self.number((symbol.name, i, j)))
            if rows == cols:
                kind = self.properties.get(symbol.name, set())
                if "spd" in kind:
                    entries = entries * entries.T + sympy.eye(rows)
                elif "symmetric" in kind:
                    entries = (entries + entries.T) / 2 + rows * sympy.eye(rows)
                else:
                    entries = entries + rows * sympy.eye(rows)
            self.values[key] = sympy.ImmutableMatrix(entries)
        return self.values[key]


def _size_symbols(expr) -> set:
    """The symbols that are sizes: in matrix shapes and in the limits of sums."""
    sizes = set()
    for m in expr.atoms(sympy.MatrixSymbol):
        sizes |= {s for dim in m.shape for s in sympy.sympify(dim).atoms(sympy.Symbol)}
    for s in expr.atoms(sympy.Sum):
        for _, low, high in s.limits:
            sizes |= (sympy.sympify(low).atoms(sympy.Symbol) | sympy.sympify(high).atoms(sympy.Symbol))
    return sizes


# --- the tests -----------------------------------------------------------------------------------

def _param(problem: dict):
    marks = [pytest.mark.xfail(strict=True, reason=problem["xfail"])] if problem.get("xfail") else []
    return pytest.param(problem, id=problem["id"], marks=marks)


def test_corpus_is_well_formed():
    assert len(PROBLEMS) >= 70
    ids = [problem["id"] for problem in PROBLEMS]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for problem in PROBLEMS:
        where = f"{problem['file']}: {problem.get('id')}"
        assert all(problem["source"].get(field) for field in SOURCE_FIELDS), where
        assert problem["op"] in OPS, where
        assert problem["mistake"] in MISTAKES, where
        assert problem["f"] and problem["wrt"], where
        if problem["op"] == "check":
            assert problem["kind"] in KINDS, where
            assert isinstance(problem["answer"], str) and isinstance(problem["wrong"], str), where
            assert problem["answer"] != problem["wrong"], where
            assert problem["diagnosis"] and all(isinstance(word, str) for word in problem["diagnosis"]), where
        else:
            assert isinstance(problem["answer"], dict) and isinstance(problem["wrong"], dict), where
            assert problem["answer"] != problem["wrong"], where
        if problem["op"] == "kkt":
            assert problem["st"] and problem.get("sense", "min") in {"min", "max"}, where
        if problem.get("xfail"):
            assert re.match(r"issue 19 item \d+: \S", problem["xfail"]), where


def test_point_comparison_is_not_vacuous():
    """The comparison used for critical and KKT points tells different answers apart."""
    problem = {"let": "i: index 1..n, j: index 1..n", "sizes": {"n": 4}}
    mean = parse("sum(y[i], i)/n", problem)
    biased = parse("sum((y[i] - sum(y[j], j)/n)**2, i)/n", problem)
    unbiased = parse("sum((y[i] - sum(y[j], j)/n)**2, i)/(n - 1)", problem)
    assert same_value(mean, parse("sum(y[j], j)/n", problem), problem)
    assert not same_value(biased, unbiased, problem)
    matrices = {"let": "X: n x d, w: d, y: n", "sizes": {"n": 5, "d": 3}}
    normal = parse("inv(X.T@X)@X.T@y", matrices)
    assert same_value(normal, parse("inv(X.T@X)@(X.T@y)", matrices), matrices)
    assert not same_value(normal, parse("X.T@y", matrices), matrices)
    assert same_point({sympy.Symbol("mu"): mean}, {"mu": "sum(y[j], j)/n"}, problem)
    assert not same_point({sympy.Symbol("mu"): mean}, {"mu": "sum(y[j], j)/(n + 1)"}, problem)


@pytest.mark.parametrize("problem", [_param(problem) for problem in PROBLEMS])
def test_published_problem(problem):
    run_problem(problem)
