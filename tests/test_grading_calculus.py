"""derive grade beyond derivatives (issue 24): questions of kind antiderivative, integral, taylor
and directional in the key, graded through derive.grade and `derive grade`.

The answers are the slips a calculus class makes: a different constant of integration, the power
rule's missing 1/3, log(x) where log|x| is needed, swapped bounds, the missing 1/2! of a Taylor
term, a direction not divided by its length.  Every expected mark below was worked by hand:
x**2 + 1/x has the antiderivatives x**3/3 + log|x| + C; the integral of x**2 over [0, 1] is 1/3;
exp(x) = 1 + x + x**2/2 + ... at 0; grad(x**2*y) at (1, 2) is (4, 1), and (4, 1).(3, 4)/5 = 16/5.
"""

import json

import pytest

import derive
from derive.cli import main
from derive.grading import AnswerKeyError, grade, load_key

KEY = '''title = "Integrals and expansions"

[[question]]
id = "anti"
title = "An antiderivative"
f = "x**2 + 1/x"
wrt = "x"
kind = "antiderivative"
points = 4
answer = "x**3/3 + log(abs(x))"
rubric = { factor = 0.5, domain = 0.5 }

[[question]]
id = "area"
f = "x**2"
wrt = "x"
kind = "integral"
a = 0
b = 1
points = 2
answer = "1/3"
rubric = { sign = 0.5 }

[[question]]
id = "taylor"
f = "exp(x)"
wrt = "x"
kind = "taylor"
at = [0]
order = 2
points = 2
answer = "1 + x + x**2/2"
rubric = { factor = 0.5 }

[[question]]
id = "slope"
f = "x**2*y"
wrt = "x, y"
kind = "directional"
at = { x = 1, y = 2 }
u = [3, 4]
points = 2
answer = "16/5"
rubric = { factor = 0.25 }
'''

# one row per student, a column per question (a wide CSV); s3's area is a worked line, read by its end
ANSWERS = '''student,anti,area,taylor,slope
s1,x**3/3 + log(abs(x)),1/3,1 + x + x**2/2,16/5
s2,x**3/3 + log(abs(x)) + 5,0.3333,x**2/2 + x + 1,3.2
s3,x**3 + log(abs(x)),"x**3/3 from 0 to 1 = 1/3 - 0 = 1/3",1 + x + x**2/2,16/5
s4,x**3/3 + log(x) + C,1/3,1 + x + x**2/2,16/5
s5,F(x) = x**3/3 + log(abs(x)),-1/3,1 + x + x**2/2,16/5
s6,x**3/3 + log(abs(x)),1/3,1 + x + x**2,16/5
s7,x**3/3 + log(abs(x)),1/3,1 + x + x**2/2,16
s8,x^3/3 + ln|x| + C,,,
'''

# (student, question) -> (status, mistake, points); everything not listed is correct, full points
EXPECTED = {
    ("s3", "anti"): ("wrong", "factor", 2.0),        # x**3 for x**3/3: the power rule's 1/3, half by the rubric
    ("s4", "anti"): ("wrong", "domain", 2.0),        # log(x): undefined for x < 0, where 1/x is defined
    ("s5", "area"): ("wrong", "sign", 1.0),          # -1/3: the bounds swapped
    ("s6", "taylor"): ("wrong", "factor", 1.0),      # x**2 for x**2/2: the 1/2! left out
    ("s7", "slope"): ("wrong", "factor", 0.5),       # 16 = grad f . u, not divided by |u| = 5
    ("s8", "anti"): ("unreadable", None, 0.0),       # bars: derive writes log(abs(x))
    ("s8", "area"): ("missing", None, 0.0),
    ("s8", "taylor"): ("missing", None, 0.0),
    ("s8", "slope"): ("missing", None, 0.0),
}
POINTS = {"anti": 4.0, "area": 2.0, "taylor": 2.0, "slope": 2.0}
ANTIDERIVATIVE = "x**3/3 + log(abs(x)) + C"  # derive's, as the feedback shows it


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("calculus")
    (root / "key.toml").write_text(KEY)
    (root / "answers.csv").write_text(ANSWERS)
    return root


@pytest.fixture(scope="module")
def graded(files):
    return grade(files / "key.toml", files / "answers.csv", jobs=1)


def _expected(student, question):
    return EXPECTED.get((student, question), ("correct", None, POINTS[question]))


def test_every_mark_status_mistake_and_points(graded):
    assert graded.students == [f"s{k}" for k in range(1, 9)]
    for m in graded.marks:
        assert (m.status, m.mistake, m.points) == _expected(m.student, m.question), (m.student, m.question, m)
        assert m.kind == {"anti": "antiderivative", "area": "integral"}.get(m.question, m.question.replace(
            "slope", "directional"))
    assert graded.totals == {"s1": 10, "s2": 10, "s3": 8, "s4": 8, "s5": 9, "s6": 9, "s7": 8.5, "s8": 0}
    assert graded.max_points == 10
    assert graded.exit_code == 0


def test_the_words_name_each_slip(graded):
    m = {(x.student, x.question): x for x in graded.marks}
    assert "constant 5" in m["s2", "anti"].explanation  # another constant of integration is right, and said so
    assert "x**3 should be x**3/3" in m["s3", "anti"].explanation and m["s3", "anti"].counterexample.startswith("x = ")
    assert "log|x|" in m["s4", "anti"].explanation
    assert m["s4", "anti"].values[1] == "undefined"  # the claim's derivative where log(x) is not defined
    assert "bounds swapped" in m["s5", "area"].explanation
    assert "1/2!" in m["s6", "taylor"].explanation
    assert "not divided by |u| = 5" in m["s7", "slope"].explanation
    assert m["s8", "anti"].reason.startswith("write log(abs(x)) for ln|x|")
    # a worked line is read by its last expression: its steps are not a derivative's chain
    assert m["s3", "area"].ok and "last line" in m["s3", "area"].explanation
    assert m["s2", "area"].ok and "4 decimals" in m["s2", "area"].explanation
    # derive's answers, as a student reads them
    assert m["s3", "anti"].expected == ANTIDERIVATIVE
    assert (m["s5", "area"].expected, m["s6", "taylor"].expected, m["s7", "slope"].expected) == \
        ("1/3", "x**2/2 + x + 1", "16/5")


def test_summary_counts_the_mistakes(graded):
    s = graded.summary()
    assert s["anti"]["mistakes"] == {"factor": 1, "domain": 1} and s["anti"]["unreadable"] == 1
    assert s["area"]["mistakes"] == {"sign": 1} and s["area"]["missing"] == 1
    assert s["taylor"]["mistakes"] == {"factor": 1} and s["slope"]["mistakes"] == {"factor": 1}
    assert s["anti"]["mean_points"] == round((4 * 5 + 2 + 2 + 0) / 8, 3)


def test_derivation_checking_is_not_used_for_these_kinds(monkeypatch):
    import derive.grading.marking as marking

    def refuse(*args, **kwargs):
        raise AssertionError("check_derivation checks first derivatives only")

    monkeypatch.setattr(marking, "check_derivation", refuse)
    rows = [("a", "anti", "F = x**3/3\n= x**3/3 + log(abs(x))"), ("b", "area", "1/3 - 0\n= 1/3"),
            ("c", "taylor", "P(x) = 1 + x\n+ x**2"), ("d", "slope", "(4, 1).(3, 4)/5\n= 16")]
    g = grade(load_key_text(), rows, jobs=1)
    got = {m.student: (m.status, m.mistake) for m in g.marks if m.status != "missing"}
    assert got == {"a": ("correct", None), "b": ("correct", None), "c": ("wrong", "factor"), "d": ("wrong", "factor")}


def load_key_text():
    import tomllib

    return tomllib.loads(KEY)


def test_cli_json_and_feedback_files(files, graded, capsys):
    out = files / "out"
    code = main(["grade", str(files / "key.toml"), str(files / "answers.csv"), "--json", "--out", str(out),
                 "--jobs", "2"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    got = {(m["student"], m["question"]): (m["status"], m["mistake"], m["points"]) for m in data["marks"]}
    assert got == {(m.student, m.question): _expected(m.student, m.question) for m in graded.marks}
    assert [s["points"] for s in data["students"]] == [10, 10, 8, 8, 9, 9, 8.5, 0]
    questions = {q["id"]: q for q in data["questions"]}
    assert (questions["area"]["a"], questions["area"]["b"]) == ("0", "1")
    assert (questions["taylor"]["at"], questions["taylor"]["order"]) == (["0"], 2)
    assert (questions["slope"]["at"], questions["slope"]["u"]) == ({"x": "1", "y": "2"}, ["3", "4"])
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [f"s{k}.md" for k in range(1, 9)]
    s3 = (out / "feedback" / "s3.md").read_text()
    assert "The antiderivative:" in s3 and ANTIDERIVATIVE in s3
    assert "f is 26/3 there, and the derivative of your answer is 80/3" in s3  # at x = -3: 9 - 1/3, 27 - 1/3
    assert "Partial credit: 2 of 4 points" in s3
    s4 = (out / "feedback" / "s4.md").read_text()
    assert "Mistake (domain)" in s4 and "your answer is not defined there" in s4
    s6 = (out / "feedback" / "s6.md").read_text()
    assert "The Taylor polynomial:" in s6 and "the Taylor polynomial is 5/2 there, your answer gives 3" in s6
    summary = (out / "summary.md").read_text()
    assert "| domain | 1 |" in summary and "write log(abs(x)) for ln|x|" in summary


def test_no_solution_hides_derives_answers(files, capsys):
    out = files / "hidden"
    code = main(["grade", str(files / "key.toml"), str(files / "answers.csv"), "--json", "--out", str(out),
                 "--no-solution", "--jobs", "1"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    for student in ("s3", "s4", "s6", "s7"):
        text = (out / "feedback" / f"{student}.md").read_text()
        assert ANTIDERIVATIVE not in text and "The antiderivative" not in text and "x**2/2 + x + 1" not in text
    wrong = [m for m in data["marks"] if m["status"] == "wrong"]
    assert all(m["expected"] is None and m["verdict"] is None for m in wrong)
    blob = json.dumps(wrong)
    assert "log(abs(x))" not in blob.replace('"answer": "x**3 + log(abs(x))"', "")  # only s3's own answer has it
    area = next(m for m in wrong if m["question"] == "area")
    assert "1/3" not in area["explanation"].replace("-1/3", "") and "F(b) - F(a)" in area["explanation"]
    slope = next(m for m in wrong if m["question"] == "slope")
    assert "16/5" not in slope["explanation"] and "u/|u|" in slope["explanation"]
    taylor = next(m for m in wrong if m["question"] == "taylor")
    assert "order-2 term" in taylor["explanation"] and "x**2/2" not in taylor["explanation"]


def test_answers_in_other_spellings():
    rows = [("a", "anti", r"$\frac{x^3}{3} + \ln|x| + c$"), ("b", "area", r"$\frac{1}{3}$"),
            ("c", "slope", "16/sqrt(25)"), ("d", "anti", "2*x - 1/x**2"), ("e", "area", "1/3 + C"),
            ("f", "taylor", "1 + x + x**2/2 + x**3/6"), ("g", "slope", "sqrt(17)")]
    g = grade(load_key_text(), rows, jobs=1)
    m = {x.student: x for x in g.marks if x.status != "missing"}
    assert m["a"].ok and m["b"].ok and m["c"].ok
    assert m["d"].mistake == "wrong_kind"  # f's derivative for its antiderivative
    assert m["e"].status == "unreadable" and "a definite integral is a number" in m["e"].reason
    assert m["f"].mistake == "extra_term" and m["f"].points == 0  # past the order; no rubric for it
    assert m["g"].mistake == "wrong_kind"  # |grad f(1, 2)| = |(4, 1)|: the steepest rate, not along u


# ---------------------------------------------------------------------------
# the key


def _one(**change):
    base = {"id": "q", "f": "x**2", "wrt": "x"}
    return {"question": [{**base, **change}]}


def test_key_fields_and_to_dict():
    q = load_key(_one(kind="integral", a=0, b="oo", answer=None))["q"]
    assert (q.a, q.b, q.options) == ("0", "oo", {"a": "0", "b": "oo"})
    q = load_key(_one(kind="taylor", at=[1]))["q"]
    assert q.order == 2 and q.options == {"at": ["1"], "order": 2}
    d = load_key(_one(kind="directional", f="x*y", wrt="x y", at="1, 2", u=[0.6, 0.8]))["q"].to_dict()
    assert {k: d[k] for k in ("kind", "a", "b", "at", "u", "order")} == \
        {"kind": "directional", "a": None, "b": None, "at": "1, 2", "u": ["0.6", "0.8"], "order": None}
    assert load_key(_one())["q"].to_dict()["a"] is None  # the derivative kinds keep their fields


@pytest.mark.parametrize("change, words", [
    ({"kind": "integral", "a": 0}, "kind 'integral' needs both bounds a and b"),
    ({"kind": "integral"}, "kind 'integral' needs both bounds a and b"),
    ({"a": 0, "b": 1}, "'a' belongs to kind 'integral'; this question's kind is 'grad'"),
    ({"kind": "antiderivative", "b": 1}, "'b' belongs to kind 'integral'"),
    ({"kind": "taylor"}, "kind 'taylor' needs at"),
    ({"kind": "taylor", "at": [0], "order": 1.5}, "order must be a whole number from 0 to 10, got 1.5"),
    ({"kind": "taylor", "at": [0], "order": "2"}, "order must be a whole number"),
    ({"kind": "taylor", "at": [0], "order": 11}, "order must be a whole number from 0 to 10, got 11"),
    ({"kind": "taylor", "at": [0], "u": [1]}, "'u' belongs to kind 'directional'"),
    ({"kind": "directional", "at": [0]}, "kind 'directional' needs u"),
    ({"kind": "directional", "at": [0], "u": [1], "order": 1}, "'order' belongs to kind 'taylor'"),
    ({"kind": "antiderivative", "at": [0]}, "'at' belongs to kind 'taylor' and 'directional'"),
    ({"kind": "taylor", "at": []}, "at must be a list like [1, 2]"),
    ({"kind": "integral", "a": [0], "b": 1}, "the bound a must be a number or text"),
    ({"kind": "taylor", "at": [0], "let": "s = x"}, "kind 'taylor' takes no definitions"),
    ({"kind": "derivative"}, "is not one of grad, jacobian, hessian, antiderivative, integral, taylor, directional"),
])
def test_key_mistakes_are_one_line_errors(change, words):
    with pytest.raises(AnswerKeyError) as info:
        load_key(_one(**change))
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("change, words", [
    ({"kind": "integral", "a": 0, "b": 1, "answer": "1/2"},
     "the key's answer to q is wrong by derive's own value of the integral"),
    ({"kind": "antiderivative", "answer": "x**3"}, "derive's antiderivative: x**3/3 + C"),
    ({"kind": "directional", "f": "x*y", "wrt": "x, y", "at": [1], "u": [1, 0]}, "the key's question q"),
    ({"kind": "integral", "a": "2x", "b": 1}, "the key's question q: column 1"),
])
def test_key_checked_before_grading(change, words):
    with pytest.raises(AnswerKeyError) as info:
        grade(_one(**change), [("s", "q", "1")], jobs=1)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_cli_bad_key_is_a_one_line_error(tmp_path, capsys):
    key = tmp_path / "key.toml"
    key.write_text('[[question]]\nid = "q"\nf = "x**2"\nwrt = "x"\nkind = "integral"\na = 0\n')
    answers = tmp_path / "a.csv"
    answers.write_text("student,q\ns,1/3\n")
    code = main(["grade", str(key), str(answers), "--json"])
    error = json.loads(capsys.readouterr().out)["error"]
    assert code == 2 and "needs both bounds a and b" in error and "\n" not in error


def test_a_key_built_in_python_with_sympy_values():
    import sympy

    x = sympy.Symbol("x")
    key = {"question": [{"id": "q", "f": sympy.cos(x), "wrt": x, "kind": "integral", "a": 0, "b": sympy.pi / 2}]}
    g = derive.grade(key, [("s", "q", "1"), ("t", "q", "-1")], jobs=1)
    assert [(m.status, m.mistake) for m in g.marks] == [("correct", None), ("wrong", "sign")]
