"""derive grade: the key, the answers' formats, marks, points, outputs and the CLI (issue 22).

The synthetic class of 40 students is tested in test_grade_class.py; these tests are the small
cases each part must get right."""

import csv
import json

import pytest

import derive
from derive.cli import main
from derive.grading import AnswerKeyError, grade, load_key

KEY = {
    "title": "Small set",
    "question": [
        {"id": "q1", "f": "norm(X @ w - y)**2 + lam*norm(w)**2", "wrt": "w", "let": "X: n x d, w: d, y: n, lam: positive",
         "kind": "grad", "points": 4, "answer": "2*X.T @ (X @ w - y) + 2*lam*w",
         "rubric": {"factor": 0.5, "sign": 0.25}},
        {"id": "q2", "f": "x.T @ A @ x", "wrt": "x", "let": "A: n x n, x: n", "kind": "hessian", "points": 2,
         "answer": "A + A.T"},
        {"id": "q3", "f": "sum(-(x[i] - mu)**2/(2*sigma**2), i)", "wrt": "mu", "let": "sigma: positive",
         "points": 2},
    ],
}


def _rows(*items):
    return [tuple(r) for r in items]


@pytest.fixture(scope="module")
def small():
    rows = _rows(
        ("ann", "q1", "2*X.T @ (X @ w - y) + 2*lam*w"),
        ("ann", "q2", "A.T + A"),
        ("ann", "q3", "sum(x[i] - mu, i)/sigma**2"),
        ("bo", "q1", "X.T @ (X @ w - y) + lam*w"),          # half the derivative: factor
        ("bo", "q2", "(A + A.T) @ x"),                       # the gradient for the Hessian
        ("bo", "q3", "sum(mu - x[i], i)/sigma**2"),          # sign
        ("cy", "q1", "2*X.T @ (X @ w - y) + 2*alpha*w"),     # a name the question does not have
        ("cy", "q2", "2*A"),                                 # holds only if A is symmetric
        ("cy", "q3", ""),                                    # nothing
        ("dee", "q1", "-2*X.T @ (X @ w - y) - 2*lam*w"),     # sign
    )
    return grade(KEY, rows, jobs=1)


def test_marks_status_mistake_and_points(small):
    m = {(x.student, x.question): x for x in small.marks}
    assert (m["ann", "q1"].status, m["ann", "q1"].points) == ("correct", 4)
    assert m["ann", "q2"].ok and m["ann", "q3"].ok
    assert (m["bo", "q1"].mistake, m["bo", "q1"].points) == ("factor", 2)  # rubric: half for a factor
    assert m["bo", "q2"].mistake == "wrong_kind" and m["bo", "q2"].points == 0
    assert m["bo", "q3"].mistake == "sign" and m["bo", "q3"].points == 0  # q3 has no rubric
    assert m["cy", "q1"].status == "unreadable" and "uses alpha, which the question does not" in m["cy", "q1"].reason
    assert m["cy", "q2"].mistake == "needs_assumption" and "symmetric" in m["cy", "q2"].explanation
    assert m["cy", "q3"].status == "missing"
    assert m["dee", "q1"].mistake == "sign" and m["dee", "q1"].points == 1
    assert small.totals == {"ann": 8, "bo": 2, "cy": 0, "dee": 1}
    # dee answered only q1: the others are missing, not absent
    assert [x.status for x in small.marks_of("dee")] == ["sign" and "wrong", "missing", "missing"]


def test_summary_counts_by_mistake(small):
    s = small.summary()
    assert s["q1"]["correct"] == 1 and s["q1"]["mistakes"] == {"sign": 1, "factor": 1}
    assert s["q1"]["unreadable"] == 1 and s["q1"]["unreadable_answers"][0][0] == "cy"
    assert s["q2"]["mistakes"] == {"needs_assumption": 1, "wrong_kind": 1}
    assert s["q3"]["missing"] == 2


def test_identical_answers_are_checked_once():
    rows = [(f"s{k}", "q3", "sum(x[i] - mu, i)/sigma**2" + " " * (k % 3)) for k in range(6)]
    g = grade(KEY, rows, jobs=1)
    assert g.timings["answers"] == 6 and g.timings["checked"] == 1
    assert all(m.ok for m in g.marks if m.question == "q3")
    assert [m.student for m in g.marks if m.question == "q3"] == [f"s{k}" for k in range(6)]


def test_worker_pool_gives_the_same_marks(small):
    rows = [(m.student, m.question, m.answer) for m in small.marks if m.status != "missing"]
    pooled = grade(KEY, rows, jobs=2)
    assert pooled.timings["jobs"] == 2
    assert [(m.student, m.question, m.status, m.mistake, m.points) for m in pooled.marks] == \
        [(m.student, m.question, m.status, m.mistake, m.points) for m in small.marks]


# ---------------------------------------------------------------------------
# the key


def test_a_wrong_reference_answer_stops_the_run():
    key = {"question": [dict(KEY["question"][1], answer="2*A")]}
    with pytest.raises(AnswerKeyError, match="the key's answer to q2 is wrong.*symmetric"):
        grade(key, [("s", "q2", "A + A.T")], jobs=1)


@pytest.mark.parametrize("change, words", [
    ({"student": "x"}, "unknown field 'student'"),
    ({"kind": "gradient"}, "kind 'gradient' is not one of grad, jacobian, hessian"),
    ({"points": -1}, "points must be a number above 0"),
    ({"rubric": {"sing": 0.5}}, "rubric category 'sing' is not one of"),
    ({"rubric": {"sign": 2}}, "give the fraction of the points, 0 to 1"),
    ({"f": ""}, "'f' is missing"),
])
def test_key_mistakes_are_one_line_errors(change, words):
    key = {"question": [dict(KEY["question"][0], **change)]}
    with pytest.raises(AnswerKeyError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_key(key)


def test_key_from_toml_and_yaml(tmp_path):
    toml = tmp_path / "key.toml"
    toml.write_text('title = "T"\n[[question]]\nid = "a"\nf = "x**3"\nwrt = "x"\nanswer = "3*x**2"\n')
    yaml = tmp_path / "key.yaml"
    yaml.write_text('title: T\nquestions:\n  - id: a\n    f: "x**3"\n    wrt: x\n    answer: "3*x**2"\n')
    for path in (toml, yaml):
        g = grade(path, [("s", "a", "3*x^2"), ("t", "a", "3*x")], jobs=1)
        assert [m.status for m in g.marks] == ["correct", "wrong"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[[question]\n")
    with pytest.raises(derive.ParseError, match="not valid TOML"):
        load_key(bad)


# ---------------------------------------------------------------------------
# the answers


def test_long_and_wide_csv_agree(tmp_path, small):
    rows = [(m.student, m.question, m.answer) for m in small.marks if m.status != "missing"]
    long = tmp_path / "long.csv"
    with open(long, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "question", "answer"])
        w.writerows(rows)
    wide = tmp_path / "wide.csv"
    with open(wide, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Student", "Email", "q1", "q2", "q3"])
        for s in ("ann", "bo", "cy", "dee"):
            answers = {q: a for st, q, a in rows if st == s}
            w.writerow([s, f"{s}@uni.edu", answers.get("q1", ""), answers.get("q2", ""), answers.get("q3", "")])
    a, b = grade(KEY, long, jobs=1), grade(KEY, wide, jobs=1)
    assert [(m.student, m.question, m.status, m.mistake) for m in a.marks] == \
        [(m.student, m.question, m.status, m.mistake) for m in b.marks]
    assert b.columns["bo"] == {"Email": "bo@uni.edu"}


def test_csv_mistakes_are_clear(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("who,what\nann,1\n")
    with pytest.raises(derive.ParseError, match="no student column"):
        grade(KEY, p, jobs=1)
    p.write_text("student,q1\nann,sum(x[i], i)\n")
    with pytest.raises(derive.ParseError, match="line 2: 3 fields but the header has 2; quote"):
        grade(KEY, p, jobs=1)
    p.write_text("student,question,answer\nann,q9,x\nann,q1,2*X.T @ (X @ w - y) + 2*lam*w\n")
    g = grade(KEY, p, jobs=1)
    assert g.mark("ann", "q1").ok and "question 'q9' is not in the key" in g.ignored[0]


def test_folder_of_files_with_labelled_blocks_and_derivations(tmp_path):
    (tmp_path / "ann.txt").write_text("q1: 2*X.T @ (X @ w - y) + 2*lam*w\nq2: A + A.T\n")
    (tmp_path / "bo.md").write_text("# Homework\n\n## q1\n\n```\nd/dw norm(X @ w - y)**2 + lam*norm(w)**2 "
                                    "= 2*X.T @ (X @ w - y) + 2*lam*w\n= 2*X.T @ X @ w - 2*X.T @ y + lam*w\n```\n"
                                    "\n## q3\n\n$\\frac{1}{\\sigma^2}\\sum_i (x_i - \\mu)$\n")
    (tmp_path / "cy.tex").write_text("\\section*{q1}\n\\[ 2X^\\top(Xw - y) + 2\\,\\mathrm{lam}\\, w \\]\n"
                                     "\\section*{q2}\n\\[ 2A \\]\n")
    g = grade(KEY, tmp_path, jobs=1)
    assert g.students == ["ann", "bo", "cy"]
    assert g.mark("ann", "q1").ok and g.mark("ann", "q2").ok and g.mark("ann", "q3").status == "missing"
    bo = g.mark("bo", "q1")
    assert bo.status == "wrong" and bo.line == 2 and "lam*w" in bo.line_text and bo.mistake in ("factor", "missing_term", "other")
    assert g.mark("bo", "q3").ok, g.mark("bo", "q3")
    assert g.mark("cy", "q2").mistake == "needs_assumption"


# ---------------------------------------------------------------------------
# the outputs


def test_outputs_and_formats(tmp_path, small):
    for fmt in ("plain", "gradescope", "moodle", "canvas"):
        out = tmp_path / fmt
        written = small.write(out, fmt)
        assert {p.name for p in written} >= {"grades.csv", "summary.md", "results.json", "ann.md", "dee.md"}
        with open(out / "grades.csv") as fh:
            rows = list(csv.reader(fh))
        if fmt == "plain":
            assert rows[0] == ["student", "q1", "q2", "q3", "total", "max_points"]
            assert rows[2] == ["bo", "2", "0", "0", "2", "8"]
        elif fmt == "gradescope":
            assert rows[0][:3] == ["Name", "SID", "Email"] and rows[0][-2:] == ["Total Score", "Max Points"]
        elif fmt == "moodle":
            assert rows[0][0] == "ID number" and rows[0][-1] == "Feedback"
            assert "q1: factor" in rows[2][-1]
        else:
            assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
            assert rows[1][0] == "Points Possible" and rows[1][-1] == "8"
            assert rows[3][2] == "bo" and rows[3][-1] == "2"
    data = json.loads((tmp_path / "plain" / "results.json").read_text())
    assert data["summary"]["q1"]["mistakes"] == {"sign": 1, "factor": 1}
    assert {m["mistake"] for m in data["marks"]} >= {"factor", "sign", "wrong_kind", "needs_assumption", None}
    summary = (tmp_path / "plain" / "summary.md").read_text()
    assert "| q1 | 1 | 2 | 1 | 0 | 0 |" in summary and "wrong_kind" in summary and "alpha" in summary
    feedback = (tmp_path / "plain" / "feedback" / "bo.md").read_text()
    assert "2 of 4 points" in feedback and "Mistake (factor)" in feedback and "The derivative:" in feedback
    assert "this is the gradient; the question asks for the Hessian" in feedback


def test_no_solution_leaks_no_answer(tmp_path, small):
    small.write(tmp_path, "plain", solution=False)
    key_answers = [q["answer"] for q in KEY["question"] if q.get("answer")]
    expected = {m.expected for m in small.marks if m.expected}
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    for path in [*tmp_path.glob("feedback/*.md"), tmp_path / "summary.md", tmp_path / "results.json"]:
        text = squeeze(path.read_text())
        # a student sees their own words; the grader's files hold every student's words
        students = "".join(squeeze(m.answer) for m in small.marks if path.parent.name != "feedback"
                           or path.stem == m.student)
        for answer in key_answers + sorted(expected):
            if squeeze(answer) in students:
                continue
            assert squeeze(answer) not in text, (path.name, answer)
    bo = (tmp_path / "feedback" / "bo.md").read_text()
    assert "The derivative:" not in bo and "Mistake (factor)" in bo


# ---------------------------------------------------------------------------
# the CLI


def test_cli_grade_json_and_files(tmp_path, capsys):
    key = tmp_path / "key.toml"
    key.write_text('title = "T"\n[[question]]\nid = "a"\nf = "x**3"\nwrt = "x"\npoints = 2\nanswer = "3*x**2"\n')
    answers = tmp_path / "a.csv"
    answers.write_text('student,question,answer\nann,a,3*x**2\nbo,a,3x^2\ncy,a,"2*x**2"\n')
    code = main(["grade", str(key), str(answers), "--out", str(tmp_path / "out"), "--json", "--jobs", "1"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    marks = {m["student"]: m for m in data["marks"]}
    assert marks["ann"]["status"] == "correct" and marks["cy"]["mistake"] == "factor"
    assert marks["bo"]["status"] == "unreadable" and "3*x" in marks["bo"]["reason"]
    assert (tmp_path / "out" / "feedback" / "cy.md").exists()
    code = main(["grade", str(key), str(tmp_path / "nothing.csv"), "--json"])
    out = capsys.readouterr().out
    assert code == 2 and "no such file or folder" in json.loads(out)["error"]


def test_a_hessian_derivation_is_graded_by_its_last_line():
    g = grade(KEY, [("a", "q2", "d^2/dx^2 x.T@A@x = A + A.T"), ("b", "q2", "x.T@A@x\n= 2*A")], jobs=1)
    assert g.mark("a", "q2").ok
    b = g.mark("b", "q2")
    assert b.mistake == "needs_assumption" and "a derivation of a Hessian is not checked line by line" in b.explanation


def test_a_sheet_that_is_a_class_points_to_derive_grade(tmp_path):
    from derive.check import sheet

    p = tmp_path / "answers.csv"
    p.write_text("student,question,answer\n")
    with pytest.raises(derive.DeriveError, match="derive grade KEY"):
        sheet.load(p)
    assert "derive grade KEY ANSWERS" in sheet._grade_one("1", {"f": "x", "claim": "1", "student": "a"}).error


@pytest.mark.parametrize("answer", ["2*X.T @ (X @ w - y) + 2*lambda*w", "2*X.T @ (X @ w - y) + 2*λ*w",
                                    r"2X^\top(Xw - y) + 2\lambda w"])
def test_lambda_spelled_out_is_the_keys_lam(answer):
    m = grade(KEY, [("s", "q1", answer)], jobs=1).mark("s", "q1")
    assert m.ok and "read lambda as lam, the question's name" in m.explanation, m
    wrong = grade(KEY, [("s", "q1", answer.replace("2*X", "X").replace("2X", "X"))], jobs=1).mark("s", "q1")
    assert wrong.status == "wrong"  # read as lam, then checked like any other answer


def test_progress_is_reported_and_marks_print(small):
    seen = []
    g = grade(KEY, [("a", "q3", "sum(x[i] - mu, i)/sigma**2"), ("b", "q3", "sum(mu - x[i], i)/sigma**2")], jobs=1,
              progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    assert str(g.mark("b", "q3")) == ("b q3: WRONG (sign), 0 of 2 points: the sign is flipped (the claim is minus "
                                      "the derivative)")
    assert str(g.mark("a", "q3")) == "a q3: correct, 2 of 2 points"
    text = str(small)
    assert text.startswith("Small set: 4 students, 3 questions") and "most common:" in text
    assert "<table>" in small._repr_html_()


def test_a_check_that_runs_out_of_time_is_ungraded_not_wrong(monkeypatch):
    from derive.grading import marking

    def slow(*args, **kwargs):
        raise derive.LimitError("checking the derivative took longer than 20 s (the time budget)")

    monkeypatch.setattr(marking, "check", slow)
    m = grade({"question": [{"id": "a", "f": "x**3", "wrt": "x"}]}, [("s", "a", "3*x**2")], jobs=1).mark("s", "a")
    assert (m.status, m.points) == ("ungraded", 0) and "grade it by hand" in m.reason


# ---------------------------------------------------------------------------
# what a second reader found (each a wrong number, a leak or a lost answer before)

X2 = {"question": [{"id": "q1", "f": "x**2", "wrt": "x", "points": 2}]}


@pytest.mark.parametrize("derivation", ["d/dx x**3\n= 3*x**2", "L = x**3\ndL/dx = 3*x**2",
                                        "L = x**2 + y**2\ndL/dy = 2*y"])
def test_a_derivation_of_another_function_earns_nothing(derivation):
    m = grade(X2, [("s", "q1", derivation)], jobs=1).mark("s", "q1")
    assert m.status in ("wrong", "unreadable") and m.points == 0, m  # y: a name the question does not have


def test_a_right_derivation_of_the_question_is_credited():
    m = grade(X2, [("s", "q1", "d/dx x**2 = 2*x\n= x + x")], jobs=1).mark("s", "q1")
    assert m.ok and m.points == 2, m


def test_no_solution_never_quotes_a_missing_term():
    g = grade(KEY, [("s", "q1", "2*X.T@X@w + 2*lam*w")], jobs=1)
    m = g.mark("s", "q1")
    assert m.mistake == "missing_term" and "X.T@y" in m.explanation  # the grader sees it
    assert "y" not in m.safe_explanation.replace("your answer", "")  # the student does not
    assert g.to_dict(solution=False)["marks"][0]["explanation"] == m.safe_explanation


def test_an_answer_over_the_limit_is_unreadable_not_cut_short():
    long = "2*x" + " + 0" * 1249 + " + 1"
    m = grade(X2, [("s", "q1", long)], jobs=1).mark("s", "q1")
    assert m.status == "unreadable" and "longer than" in m.reason


def test_ids_equal_but_for_case_are_one_id():
    key = {"question": [{"id": "a", "f": "x**2", "wrt": "x"}, {"id": "A", "f": "x**3", "wrt": "x"}]}
    with pytest.raises(AnswerKeyError, match="used twice"):
        load_key(key)


def test_folder_labels_blocks_prose_and_wrapped_lines(tmp_path):
    key = {"question": [{"id": "1", "f": "x**2", "wrt": "x"}, {"id": "2", "f": "x**3", "wrt": "x"},
                        {"id": "3", "f": "x.T @ A @ x", "wrt": "x", "let": "A: n x n, x: n", "kind": "hessian"}]}
    (tmp_path / "ann.txt").write_text("1. 2*x\n2. 1.5*x**2 +\n1.5*x**2\n3: A +\nA.T\n")
    (tmp_path / "bo.tex").write_text("\\begin{enumerate}\n\\item[1] $2x$\n\\item[2] $3x^2$\n\\item[3] $A + A^\\top$\n"
                                     "\\end{enumerate}\n\\end{document}\n")
    (tmp_path / "cy.md").write_text("## 1\n$2x$\n\nThanks for reading!\n## 2\n$3x^2$\n## 2\n$3x$\n")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    g = grade(key, tmp_path, jobs=1)
    assert [m.status for m in g.marks_of("ann")] == ["correct"] * 3  # 1.5*x is no label "1"; wrapped lines join
    assert [m.status for m in g.marks_of("bo")] == ["correct"] * 3  # \end{...} is layout, not the answer
    assert [m.status for m in g.marks_of("cy")] == ["correct", "wrong", "missing"]  # the prose is not math
    assert any("notes.pdf" in n for n in g.ignored) and any("second block 2" in n for n in g.ignored)


def test_a_wrapped_csv_cell_is_one_answer():
    m = grade(KEY, [("s", "q1", "2*X.T @ (X @ w - y)\n+ 2*lam*w")], jobs=1).mark("s", "q1")
    assert m.ok, m


def test_ungraded_is_blank_in_grades_csv_and_exit_1(monkeypatch, tmp_path):
    from derive.grading import marking

    def slow(*args, **kwargs):
        raise derive.LimitError("checking the derivative took longer than 20 s (the time budget)")

    monkeypatch.setattr(marking, "check", slow)
    g = grade(X2, [("s", "q1", "2*x")], jobs=1)
    assert g.exit_code == 1
    g.write(tmp_path)
    with open(tmp_path / "grades.csv") as fh:
        assert list(csv.reader(fh))[1] == ["s", "", "0", "2"]


def test_rubric_credit_for_an_unreadable_answer():
    key = {"question": [dict(X2["question"][0], rubric={"unreadable": 0.25})]}
    m = grade(key, [("s", "q1", "2x")], jobs=1).mark("s", "q1")
    assert m.status == "unreadable" and m.points == 0.5


def test_a_definition_the_key_cannot_read_stops_the_run():
    key = {"question": [{"id": "a", "f": "sigmoid(z)", "wrt": "z", "let": "z: positive; s = sigmoid(z) +"}]}
    with pytest.raises(AnswerKeyError, match="question a"):
        grade(key, [("s", "a", "s*(1 - s)")], jobs=1)


def test_no_solution_hides_the_derivatives_value_at_the_point(tmp_path):
    key = {"question": [{"id": "a", "f": "3*x", "wrt": "x"}]}
    g = grade(key, [("s", "a", "2")], jobs=1)
    g.write(tmp_path, solution=False)
    text = (tmp_path / "feedback" / "s.md").read_text()
    assert "your answer gives 2 there" in text and "the derivative is 3" not in text
    assert json.loads((tmp_path / "results.json").read_text())["marks"][0]["values"][0] is None


def test_the_student_column_is_read_under_its_name(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("Email,question,answer\nann@uni.edu,q1,2*x\n\nbo@uni.edu,q1,\"2*\nx\"\nbo@uni.edu,q1,x\n")
    g = grade(X2, p, jobs=1)
    g.write(tmp_path / "gs", "gradescope")
    with open(tmp_path / "gs" / "grades.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][:3] == ["ann@uni.edu", "ann@uni.edu", "ann@uni.edu"]
    assert any("line 5" in n and "line 6" in n for n in g.ignored), g.ignored  # physical lines


def test_a_cell_too_large_for_csv_is_a_clear_error(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("student,question,answer\nann,q1,\"" + "x" * 140_000 + "\"\n")
    with pytest.raises(derive.ParseError, match="a.csv line"):
        grade(X2, p, jobs=1)


@pytest.mark.parametrize("question, answer, hidden", [
    ("q1", "2*X.T@X@w + 2*lam*w", "X.T@y"),                        # a term of the expanded derivative
    ("q1", "2*(X.T@X + lam*eye(d))@w - X.T@y", "2*X.T@y"),          # the term as the derivative has it
    ("q3", "sum(x[i] - mu, i)", "sigma**(-2)"),                     # the factor the answer lacks
])
def test_no_solution_words_show_no_piece_of_the_derivative(question, answer, hidden):
    key = {"question": [dict(KEY["question"][0], id="q1"), dict(KEY["question"][2], id="q3")]}
    m = grade(key, [("s", question, answer)], jobs=1).mark("s", question)
    assert m.status == "wrong" and hidden.replace(" ", "") in m.explanation.replace(" ", "")
    assert hidden.replace(" ", "") not in m.safe_explanation.replace(" ", ""), m.safe_explanation


def test_no_solution_hides_a_missing_chain_rule_factor():
    key = {"question": [{"id": "q2", "f": "-sum(y[i]*log(sigmoid(sum(X[i,j]*w[j], j))) + (1 - y[i])*log(1 - "
                               "sigmoid(sum(X[i,j]*w[j], j))), i)", "wrt": "w[k]", "let": "y: binary"}]}
    m = grade(key, [("s", "q2", "sum(sigmoid(sum(X[i,j]*w[j], j)) - y[i], i)")], jobs=1).mark("s", "q2")
    assert m.mistake == "chain_rule" and "X[i, k]" in m.explanation and "X[i" not in m.safe_explanation


def test_text_sympy_objects_and_the_two_mixed_grade_alike():
    """A key and answers built in Python: SymPy objects are read as derive's text prints them, never
    by str() (which prints X.T*(X*w - y), a product text reads entrywise)."""
    import sympy

    n, d = sympy.symbols("n d", integer=True, positive=True)
    X, w, y = sympy.MatrixSymbol("X", n, d), sympy.MatrixSymbol("w", d, 1), sympy.MatrixSymbol("y", n, 1)
    lam = sympy.Symbol("lam", positive=True)
    right, half = 2 * X.T * (X * w - y) + 2 * lam * w, X.T * (X * w - y) + lam * w
    text_key = {"question": [dict(KEY["question"][0], answer=None)]}
    sympy_key = {"question": [dict(KEY["question"][0], wrt=w, answer=right)]}
    rows_text = [("a", "q1", "2*X.T @ (X @ w - y) + 2*lam*w"), ("b", "q1", "X.T @ (X @ w - y) + lam*w")]
    rows_sympy = [("a", "q1", right), ("b", "q1", half)]
    for key, rows in ((text_key, rows_text), (sympy_key, rows_sympy), (text_key, rows_sympy), (sympy_key, rows_text)):
        g = grade(key, rows, jobs=1)
        assert (g.mark("a", "q1").status, g.mark("b", "q1").mistake) == ("correct", "factor"), (key, rows)
    x = sympy.Symbol("x")
    for key_f, answers in ((x**3, [3 * x**2, "3*x"]), ("x**3", [3 * x**2, 3 * x]), (x**3, ["3*x**2", 3 * x])):
        g = grade({"question": [{"id": "c", "f": key_f, "wrt": x}]}, [("a", "c", answers[0]), ("b", "c", answers[1])],
                  jobs=1)
        assert (g.mark("a", "c").status, g.mark("b", "c").status) == ("correct", "wrong"), (key_f, answers)


def test_each_student_sees_their_own_text_of_a_shared_answer():
    g = grade(KEY, [("a", "q3", "sum(x[i] - mu, i)/sigma**2"), ("b", "q3", "sum(x[i]  -  mu, i)/sigma**2")], jobs=1)
    assert g.timings["checked"] == 1
    assert [g.mark(s, "q3").answer for s in "ab"] == ["sum(x[i] - mu, i)/sigma**2", "sum(x[i]  -  mu, i)/sigma**2"]
