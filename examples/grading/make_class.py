"""Writes the synthetic class that examples/grading and tests/test_grade_corpus.py grade against key.toml.

40 students (s01..s40) answer the key's five questions.  About two thirds of the answers are right,
written in the many equivalent ways students write them (expanded, factored, transposes moved, the
sum split, sigmoid and softmax spelled out, LaTeX); the rest are the slips students really make, each
labelled with the mistake category a grader should give (`derive.Verdict.mistake`), or "unreadable"
where the text is outside derive's grammar (implicit products, an empty answer, unbalanced brackets).
A label says what is right for the student, not what derive happens to say.

Outputs (committed; the tests and the worked example read them, they do not regenerate them):

    answers.csv              student,question,answer       (200 rows, long format)
    labels.csv               student,question,correct,mistake
    submissions/<student>.{txt,md,tex}
                             six students' answers, one file each, blocks labelled by question id;
                             some blocks are whole derivations.  For a derivation answers.csv holds
                             its last line's right side (the final answer).
    submissions/labels.csv   student,question,correct,mistake,first_error for the derivation blocks:
                             correct is 1 when every line is right (derive.check_derivation's .ok),
                             mistake the first wrong line's category, first_error its 0-based index
                             (the line that says what is derived is line 0).

    python3 examples/grading/make_class.py [OUT_DIR]      # default: this folder

Deterministic: a fixed seed, no network, no derive import.
"""

import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 22
STUDENTS = [f"s{k:02d}" for k in range(1, 41)]
QUESTIONS = ("q1", "q2", "q3", "q4", "q5")

# The inner product of q2, written the way the key writes it; every q2 form below is built from it.
Z = "sum(X[i,j]*w[j], j)"
S = f"sigmoid({Z})"

# Right answers in derive's text grammar: each question's forms are used in turn across the class.
RIGHT = {
    "q1": [
        "2*X.T @ (X @ w - y) + 2*lam*w",
        "2*X.T@X@w - 2*X.T@y + 2*lam*w",
        "2*(X.T@X + lam*eye(d))@w - 2*X.T@y",
        "2*(X.T@(X@w - y) + lam*w)",
        "-2*X.T@(y - X@w) + 2*lam*w",
        "2*((X@w - y).T@X).T + 2*lam*w",
        "2*X^T@(X@w - y) + 2*lam*w",
        "2*transpose(X)@(X@w - y) + 2*lam*w",
        "X.T@(X@w - y)*2 + lam*w*2",
        "2*X.T@X@w + 2*lam*w - 2*X.T@y",
        "2*(X.T@X + lam*I)@w - 2*X.T@y",
        "2*(X.T@X@w - X.T@y) + 2*lam*w",
        "2*X.T@(X@w - y) + 2*λ*w",  # λ typed for lam: the key names it lam
    ],
    "q2": [
        f"sum(({S} - y[i])*X[i,k], i)",
        f"sum((1/(1 + exp(-{Z})) - y[i])*X[i,k], i)",
        f"sum({S}*X[i,k], i) - sum(y[i]*X[i,k], i)",
        f"-sum((y[i] - {S})*X[i,k], i)",
        f"sum(X[i,k]*({S} - y[i]), i)",
        "sum(X[i,k]*sigmoid(sum(X[i,l]*w[l], l)) - X[i,k]*y[i], i)",
        f"sum((exp({Z})/(1 + exp({Z})) - y[i])*X[i,k], i)",
        f"sum(X[i,k]/(1 + exp(-{Z})), i) - sum(X[i,k]*y[i], i)",
        "sum((sigmoid(sum(X[n,j]*w[j], j)) - y[n])*X[n,k], n)",
        f"sum(-y[i]*(1 - {S})*X[i,k] + (1 - y[i])*{S}*X[i,k], i)",
    ],
    "q3": [
        "sum(x[i] - mu, i)/sigma**2",
        "sum(x[i], i)/sigma**2 - n*mu/sigma**2",
        "(sum(x[i], i) - n*mu)/sigma**2",
        "sum((x[i] - mu)/sigma**2, i)",
        "sum(x[i]/sigma**2, i) - sum(mu/sigma**2, i)",
        "-sum(mu - x[i], i)/sigma**2",
        "sum(2*(x[i] - mu)/(2*sigma**2), i)",
        "sigma**(-2)*sum(x[i] - mu, i)",
        "sum(x[i] - mu, i)/sigma^2",
        "sum(x[i] - mu, (i, 0, n - 1))/sigma**2",
    ],
    "q4": [
        "A + A.T",
        "A.T + A",
        "A + A^T",
        "A + transpose(A)",
        "(A + A.T)",
        "A + A'",
    ],
    "q5": [
        "softmax(z) - y",
        "-y + softmax(z)",
        "exp(z)/sum(exp(z)) - y",
        "-(y - softmax(z))",
        "exp(z - logsumexp(z)) - y",
        "softmax(z)*sum(y) - y",
        "exp(z)/sum(exp(z[j]), j) - y",
    ],
}

# Slips, each with the category a grader should give; every one is used once in the class.
WRONG = {
    "q1": [
        ("2*X.T@(X@w - y) - 2*lam*w", "sign"),
        ("2*X.T@(y - X@w) + 2*lam*w", "sign"),
        ("X.T@(X@w - y) + lam*w", "factor"),
        ("X.T@(X@w - y) + 2*lam*w", "factor"),  # the 2 of the square dropped on one term
        ("2*X.T@(X@w - y) + lam*w", "factor"),  # the 2 of norm(w)**2 dropped
        ("2*(X.T@X + lam*eye(d))@w - X.T@y", "factor"),  # s22's derivation: a 2 lost on the way
        ("2*X.T@(X@w - y)", "missing_term"),  # the lam term forgotten
        ("2*X.T@X@w + 2*lam*w", "missing_term"),
        ("2*X.T@(X@w - y) + 2*lam*w + lam*norm(w)**2", "extra_term"),  # the penalty itself kept
        ("2*X.T@(X@w - y) + 2*lam*norm(w)", "chain_rule"),  # d norm(w)**2 = 2 norm(w), inner factor lost
        ("2*X@(X@w - y) + 2*lam*w", "shape"),  # X for X.T
        ("2*(X@w - y).T@X + 2*lam*w.T", "transpose"),  # the gradient as a row
        ("2*X.T@X@w - 2*y.T@X + 2*lam*w", "transpose"),  # -2 y^T X: one term in row layout
        ("2*X.T@X + 2*lam*eye(d)", "wrong_kind"),  # the Hessian for the gradient
        ("2X^T(Xw - y) + 2λw", "unreadable"),
        ("", "missing"),
    ],
    "q2": [
        (f"sum((y[i] - {S})*X[i,k], i)", "sign"),
        (f"sum(({S} + y[i])*X[i,k], i)", "sign"),  # one term's sign
        (f"sum(({S} - y[i])*X[i,j], i)", "index_unbound"),  # j left free
        (f"({S} - y[i])*X[i,k]", "index_unbound"),  # the sum over i dropped
        (f"sum({S} - y[i], i)", "chain_rule"),  # the inner derivative X[i,k] dropped
        (f"sum(({S} - y[i])*w[k], i)", "chain_rule"),  # d(X[i,j] w[j])/dw[k] taken as w[k]
        (f"sum({S}*X[i,k], i)", "missing_term"),
        (f"-sum(y[i]*(1 - {S})*X[i,k], i)", "missing_term"),  # only the y = 1 half of the loss
        (f"sum(({S} - y[i])*X[i,k], i) + w[k]", "extra_term"),  # a penalty the loss does not have
        (f"2*sum(({S} - y[i])*X[i,k], i)", "factor"),
        (f"sum(({S} - y[i])*{S}*(1 - {S})*X[i,k], i)", "other"),  # the squared-error gradient
        (f"sum(σ({Z}) - y[i])X[i,k]", "unreadable"),
        ("no idea", "unreadable"),
    ],
    "q3": [
        ("sum(mu - x[i], i)/sigma**2", "sign"),
        ("sum(x[i], i)/sigma**2 + n*mu/sigma**2", "sign"),
        ("sum(x[i] - mu, i)/sigma", "factor"),  # sigma for sigma**2: the claim is sigma times the derivative
        ("sum(x[i] - mu, i)/(2*sigma**2)", "factor"),
        ("2*sum(x[i] - mu, i)/sigma**2", "factor"),
        ("sum(x[i] - mu, i)", "factor"),
        ("sum(x[i], i)/sigma**2", "missing_term"),
        ("sum(x[i] - mu, i)/sigma**2 - n/sigma", "extra_term"),  # the log term's sigma-derivative leaked in
        ("(x[i] - mu)/sigma**2", "index_unbound"),  # one observation: the sum over i dropped
        ("sum(x[i] - mu, i)/sigma²", "unreadable"),
    ],
    "q4": [
        ("2*A", "needs_assumption"),
        ("2*A.T", "needs_assumption"),
        ("(A + A.T)@x", "wrong_kind"),  # the gradient for the Hessian
        ("x.T@(A + A.T)", "wrong_kind"),  # the gradient as a row
        ("2*A@x", "wrong_kind"),
        ("A", "missing_term"),
        ("A - A.T", "sign"),
        ("(A + A.T)/2", "factor"),
        ("2*(A + A.T)", "factor"),
        ("A.T@A", "other"),
        ("2A", "unreadable"),
    ],
    "q5": [
        ("softmax(z)", "missing_term"),
        ("y - softmax(z)", "sign"),
        ("softmax(z) + y", "sign"),
        ("(softmax(z) - y).T", "transpose"),
        ("diag(softmax(z)) - softmax(z)@softmax(z).T", "wrong_kind"),  # the Hessian
        ("-y/softmax(z)", "chain_rule"),  # the derivative by p = softmax(z), not by z
        ("exp(z) - y", "other"),  # the normalisation forgotten
        ("softmax(z)*(1 - softmax(z)) - y", "other"),
        ("2*(softmax(z) - y)", "factor"),
        ("softmax(z) - y)", "unreadable"),
    ],
}


@dataclass
class Derivation:
    """A block of several lines; `final` is its last line's right side (what answers.csv holds)."""

    lines: list
    final: str
    ok: bool  # every line right
    mistake: str | None  # the first wrong line's category
    first_error: int | None


# The six students who hand in files, and how each block is written.  A plain string is one answer
# (a LaTeX string for the .tex students and the $$ blocks); its label is looked up in RIGHT / WRONG or,
# for LaTeX, in LATEX_LABELS.
SUBMISSIONS = {
    "s04": ("txt", {
        "q1": "2*X.T@X@w - 2*X.T@y + 2*lam*w",
        "q2": f"sum(({S} - y[i])*X[i,k], i)",
        "q3": "sum(x[i], i)/sigma**2",
        "q4": "2*A",
        "q5": "exp(z)/sum(exp(z)) - y",
    }),
    "s09": ("md", {
        "q1": Derivation(["d/dw norm(X@w - y)**2 + lam*norm(w)**2 = 2*X.T@(X@w - y) + 2*lam*w",
                          "= 2*X.T@X@w - 2*X.T@y + 2*lam*w",
                          "= 2*(X.T@X + lam*eye(d))@w - 2*X.T@y"],
                         "2*(X.T@X + lam*eye(d))@w - 2*X.T@y", True, None, None),
        "q2": f"sum(({S} - y[i])*X[i,j], i)",
        "q3": Derivation([r"\frac{\partial \ell}{\partial \mu} = \sum_{i=1}^{n} \frac{2(x_i - \mu)}{2\sigma^2} \\",
                          r"= \frac{1}{\sigma^2}\sum_{i=1}^{n} (x_i - \mu)"],
                         r"\frac{1}{\sigma^2}\sum_{i=1}^{n} (x_i - \mu)", True, None, None),
        "q4": "A.T + A",
        "q5": "softmax(z) - y",
    }),
    "s15": ("tex", {
        "q1": r"2X^\top(Xw - y) + 2\lambda w",
        "q2": r"\sum_i \left(\sigma\left(\sum_j X_{ij} w_j\right) - y_i\right) X_{ik}",
        "q3": r"\frac{1}{\sigma^2}\sum_{i=1}^{n-1} (x_i - \mu)",
        "q4": r"A + A^\top",
        "q5": r"\frac{e^{z}}{\sum_k e^{z_k}} - y",
    }),
    "s22": ("txt", {
        "q1": Derivation(["d/dw norm(X@w - y)**2 + lam*norm(w)**2 = 2*X.T@(X@w - y) + 2*lam*w",
                          "= 2*X.T@X@w - X.T@y + 2*lam*w",
                          "= 2*(X.T@X + lam*eye(d))@w - X.T@y"],
                         "2*(X.T@X + lam*eye(d))@w - X.T@y", False, "factor", 1),
        "q2": f"sum({S} - y[i], i)",
        "q3": "(sum(x[i], i) - n*mu)/sigma**2",
        "q4": "(A + A.T)@x",
        "q5": Derivation(["d/dz -y.T@log(softmax(z)) = -y + softmax(z)*sum(y)",
                          "= softmax(z) - y"],
                         "softmax(z) - y", True, None, None),
    }),
    "s30": ("md", {
        "q1": "2*X.T@(X@w - y)",
        "q2": f"sum(X[i,k]*({S} - y[i]), i)",
        "q3": r"\frac{\sum_i x_i - n\mu}{\sigma^2}",
        "q4": "A + A.T",
        "q5": "y - softmax(z)",
    }),
    "s37": ("tex", {
        "q1": r"2X^\top(Xw - y)",
        "q2": r"\sum_i \left(y_i - \sigma\left(\sum_j X_{ij} w_j\right)\right) X_{ik}",
        "q3": Derivation([r"\frac{\partial \ell}{\partial \mu} &= \sum_i \frac{x_i - \mu}{\sigma^2} \\",
                          r"&= -\frac{1}{\sigma^2}\sum_i (x_i - \mu) \\",
                          r"&= \frac{\sum_i x_i - n\mu}{\sigma^2}"],
                         r"\frac{\sum_i x_i - n\mu}{\sigma^2}", False, "sign", 1),  # right again at the end
        "q4": r"2A^\top",
        "q5": r"\operatorname{softmax}(z) - y",
    }),
}

# Labels of the LaTeX answers above (None: right).
LATEX_LABELS = {
    r"2X^\top(Xw - y) + 2\lambda w": None,  # \lambda for lam, as a student writes it
    r"\sum_i \left(\sigma\left(\sum_j X_{ij} w_j\right) - y_i\right) X_{ik}": None,
    r"\frac{1}{\sigma^2}\sum_{i=1}^{n-1} (x_i - \mu)": "index_range",  # one observation short
    r"A + A^\top": None,
    r"\frac{e^{z}}{\sum_k e^{z_k}} - y": None,
    r"\frac{1}{\sigma^2}\sum_{i=1}^{n} (x_i - \mu)": None,
    r"\frac{\sum_i x_i - n\mu}{\sigma^2}": None,
    r"2X^\top(Xw - y)": "missing_term",
    r"\sum_i \left(y_i - \sigma\left(\sum_j X_{ij} w_j\right)\right) X_{ik}": "sign",
    r"2A^\top": "needs_assumption",
    r"\operatorname{softmax}(z) - y": None,
}

# how the .md students write each single-line block
MD_STYLE = {"s09": {"q2": "fenced", "q4": "plain", "q5": "fenced"},
            "s30": {"q1": "fenced", "q2": "plain", "q3": "display", "q4": "fenced", "q5": "plain"}}


def label(question, answer):
    """(correct, mistake) of one answer: mistake None when right, "unreadable" where derive cannot read it."""
    if answer in LATEX_LABELS:
        mistake = LATEX_LABELS[answer]
        return mistake is None, mistake
    if answer in RIGHT[question]:
        return True, None
    mistakes = dict(WRONG[question])
    if answer not in mistakes:
        raise KeyError(f"{question}: no label for {answer!r}")
    return False, mistakes[answer]


def final_answer(block):
    return block.final if isinstance(block, Derivation) else block


def assign(rng):
    """{student: {question: answer}}: the submitters' answers as written, the others drawn from the pools."""
    answers = {s: {} for s in STUDENTS}
    for student, (_, blocks) in SUBMISSIONS.items():
        for q, block in blocks.items():
            answers[student][q] = final_answer(block)
    others = [s for s in STUDENTS if s not in SUBMISSIONS]
    for q in QUESTIONS:
        used = {answers[s][q] for s in SUBMISSIONS}
        slips = [a for a, _ in WRONG[q] if a not in used]
        right = [RIGHT[q][k % len(RIGHT[q])] for k in range(len(others) - len(slips))]
        pool = slips + right
        rng.shuffle(pool)
        for student, answer in zip(others, pool):
            answers[student][q] = answer
    return answers


def md_block(question, block, style):
    if isinstance(block, Derivation):
        if block.lines[0].lstrip().startswith("\\"):
            return f"## {question}\n\n$$\n" + "\n".join(block.lines) + "\n$$\n"
        return f"## {question}\n\n```\n" + "\n".join(block.lines) + "\n```\n"
    if block in LATEX_LABELS:
        style = "display"
    body = {"fenced": f"```\n{block}\n```", "plain": block, "display": f"$${block}$$"}[style]
    return f"## {question}\n\n{body}\n"


def tex_block(question, block):
    if isinstance(block, Derivation):
        body = "\\begin{align*}\n" + "\n".join(block.lines) + "\n\\end{align*}"
    else:
        body = f"\\[ {block} \\]"
    return f"\\section*{{{question}}}\n{body}\n"


def txt_block(question, block):
    if isinstance(block, Derivation):
        return f"{question}: " + "\n".join(block.lines) + "\n"
    return f"{question}: {block}\n"


def submission_text(student, kind, blocks):
    if kind == "txt":
        return f"# {student}, problem set 3\n\n" + "\n".join(txt_block(q, b) for q, b in blocks.items())
    if kind == "md":
        styles = MD_STYLE.get(student, {})
        return f"# Problem set 3 ({student})\n\n" + "\n".join(
            md_block(q, b, styles.get(q, "plain")) for q, b in blocks.items())
    return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
            f"\\title{{Problem set 3}}\\author{{{student}}}\\maketitle\n\n"
            + "\n".join(tex_block(q, b) for q, b in blocks.items()) + "\n\\end{document}\n")


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(out_dir=None):
    out = Path(out_dir) if out_dir else Path(__file__).resolve().parent
    answers = assign(random.Random(SEED))
    rows, labels = [], []
    for student in STUDENTS:
        for q in QUESTIONS:
            answer = answers[student][q]
            correct, mistake = label(q, answer)
            rows.append((student, q, answer))
            labels.append((student, q, int(correct), mistake or ""))
    write_csv(out / "answers.csv", ("student", "question", "answer"), rows)
    write_csv(out / "labels.csv", ("student", "question", "correct", "mistake"), labels)
    folder = out / "submissions"
    folder.mkdir(exist_ok=True)
    chains = []
    for student, (kind, blocks) in SUBMISSIONS.items():
        (folder / f"{student}.{kind}").write_text(submission_text(student, kind, blocks), encoding="utf-8")
        for q, block in blocks.items():
            if isinstance(block, Derivation):
                first = "" if block.first_error is None else block.first_error
                chains.append((student, q, int(block.ok), block.mistake or "", first))
    write_csv(folder / "labels.csv", ("student", "question", "correct", "mistake", "first_error"), chains)
    return rows, labels


if __name__ == "__main__":
    rows, labels = main(sys.argv[1] if len(sys.argv) > 1 else None)
    right = sum(int(c) for _, _, c, _ in labels)
    print(f"{len(rows)} answers: {right} right, {len(rows) - right} wrong "
          f"({sum(m == 'unreadable' for *_, m in labels)} unreadable)")
