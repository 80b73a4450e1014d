"""Updates.explain(): the derivation told the way the lecture tells it, in words and LaTeX."""

from dataclasses import dataclass, field

import sympy

from ...text.printing import latex, to_text


@dataclass
class Paragraph:
    title: str
    words: str
    latex: list = field(default_factory=list)  # display equations (LaTeX, no $)
    text: list = field(default_factory=list)  # the same equations in plain text


@dataclass
class Explanation:
    """The derivation as a list of `Paragraph`s; ``str`` is plain text, ``_repr_latex_`` for notebooks."""

    paragraphs: list

    def __str__(self):
        out = []
        for n, p in enumerate(self.paragraphs, 1):
            out.append(f"{n}. {p.title}")
            out.append("   " + p.words.replace("\n", "\n   "))
            out += [f"      {t}" for t in p.text]
        return "\n".join(out)

    def _repr_latex_(self):
        body = []
        for n, p in enumerate(self.paragraphs, 1):
            body.append(r"\textbf{" + f"{n}. {_latex_text(p.title)}" + r"}\quad \text{" + _latex_text(p.words) + "}")
            body += p.latex
        return r"$$\begin{gathered}" + r"\\ ".join(body) + r"\end{gathered}$$"

    def to_dict(self):
        return {"paragraphs": [{"title": p.title, "words": p.words, "equations": list(p.text),
                                "latex": list(p.latex)} for p in self.paragraphs]}


def _latex_text(s):
    return s.replace("\\", "").replace("{", "(").replace("}", ")").replace("$", "").replace("_", r"\_") \
        .replace("#", "").replace("%", r"\%").replace("&", "and").replace("\n", " ")


def _eq(lhs, rhs):
    return f"{latex(lhs)} = {latex(rhs)}", f"{to_text(lhs)} = {to_text(rhs)}"


def explain(updates):
    model = updates.model
    P = []
    P.append(Paragraph(
        "The model",
        f"A {model.describe()}.  Each row x_i comes from one of K components, z_i = k with probability w[k], "
        "then from that component's density.  z is not observed: it is the latent variable.",
        [r"p(x_i \mid \theta) = \sum_k w_k\, p(x_i \mid \theta_k), \qquad \log p(x_i \mid \theta_k) = "
         + latex(model.log_density)],
        [f"log p(x_i | theta_k) = ell(i, k) = {to_text(model.log_density)}"]))
    P.append(Paragraph(
        "The evidence lower bound",
        "For any distribution q over z, Jensen's inequality gives a lower bound L(q, theta) on the log-likelihood, "
        "and the gap is exactly a KL divergence.  EM is coordinate ascent on L: first in q, then in theta.",
        [(r"\log p(x \mid \theta) = \mathcal{L}(q, \theta) + \mathrm{KL}\big(q \,\|\, p(z \mid x, \theta)\big)"
          r",\qquad \mathcal{L}(q,\theta) = \sum_z q(z) \log \frac{p(x, z \mid \theta)}{q(z)}")],
        ["log p(x | theta) = L(q, theta) + KL(q || p(z | x, theta))"]))
    lse_latex, lse_text = _eq(updates.e_step.lhs, updates.e_step.rhs)
    P.append(Paragraph(
        "E-step",
        "With theta fixed, L is largest when the KL term is zero, i.e. q(z) = p(z | x, theta_old): the bound then "
        "touches the log-likelihood at theta_old.  For a mixture, q factorizes over rows and q(z_i = k) is the "
        "responsibility r[i, k].  It is computed in log space: with m_i = max_k (log w[k] + ell(i, k)), "
        "log r[i, k] = log w[k] + ell(i, k) - m_i - log sum_q exp(log w[q] + ell(i, q) - m_i) (log-sum-exp), "
        "so no exp overflows or underflows to 0/0.",
        [lse_latex], [lse_text]))
    prior = (" plus the log prior log p(theta): the lecture's MAP-EM, since log p(theta | x) = log p(x | theta) "
             "+ log p(theta) - log p(x) and the last term does not depend on theta") if model.prior else ""
    P.append(Paragraph(
        "M-step: the expected complete-data log-likelihood",
        "With q fixed at the responsibilities, the entropy of q does not depend on theta, so maximizing L means "
        f"maximizing J(theta) = E_q[log p(x, z | theta)]{prior}.",
        [r"J(\theta) = " + latex(updates.objective)], [f"J(theta) = {to_text(updates.objective)}"]))
    for step in updates.steps:
        P.append(_step_paragraph(step))
    P.append(Paragraph(
        "Why the log-likelihood never decreases",
        "At theta_old the bound is tight; the M-step raises the bound (maximizes it, or for generalized EM at "
        "least does not lower it); the bound is below the log-likelihood everywhere.",
        [(r"\log p(x \mid \theta_{new}) \ge \mathcal{L}(q^*, \theta_{new}) \ge \mathcal{L}(q^*, \theta_{old}) "
          r"= \log p(x \mid \theta_{old})")],
        ["log p(x | theta_new) >= L(q*, theta_new) >= L(q*, theta_old) = log p(x | theta_old)"]))
    if updates.validation is not None:
        P.append(Paragraph("Checked", str(updates.validation)))
    return Explanation(P)


def _step_paragraph(step):
    p = step.param
    name = p.name
    if step.kind == "lagrange":
        simplex = "w[k]" if name == "weights" else f"{p.symbol}[k, c] over c"
        lhs = sympy.Symbol(r"\frac{\partial \mathcal{L}}{\partial " + latex(p.element) + "}")
        grad_latex = f"{latex(lhs)} = {latex(step.gradient)} = 0"
        eq_latex, eq_text = _eq(step.equation.lhs, step.equation.rhs)
        return Paragraph(
            f"M-step for the {name}: a Lagrange multiplier",
            f"The {name} must sum to one ({simplex}), so maximize the Lagrangian J + {to_text(step.multiplier)} "
            f"(1 - sum {p.symbol}).  Setting its derivative to zero gives {p.symbol} proportional to 1/"
            f"{to_text(step.multiplier)}; the constraint fixes the multiplier: {to_text(step.multiplier)} = "
            f"{to_text(step.multiplier_value)} (each row's responsibilities sum to one).  derive's KKT solver "
            "confirms the point and the multiplier on a concrete instance and classifies it as a maximum.",
            [grad_latex, eq_latex],
            [f"dL/d{to_text(p.element)} = {to_text(step.gradient)} = 0", eq_text])
    if step.kind == "matrix calculus":
        m = step.matrix
        eq_latex, eq_text = _eq(step.equation.lhs, step.equation.rhs)
        return Paragraph(
            f"M-step for the {name}: matrix calculus",
            f"Per component, in matrix notation: J_k = {m.objective}.  {m.note}.  derive's matrix calculus gives "
            f"the gradient; setting it to zero and multiplying through by Sigma (it is invertible) leaves a linear "
            "equation.",
            [r"\frac{\partial J_k}{\partial " + _matrix_name(name) + "} = " + latex(m.gradient) + " = 0",
             _matrix_name(name) + " = " + latex(m.solution), eq_latex],
            [f"dJ_k/d{_matrix_text(name)} = {m.gradient} = 0", f"{_matrix_text(name)} = {m.solution}", eq_text])
    if step.kind == "generalized EM":
        return Paragraph(
            f"M-step for {name}: generalized EM",
            f"dJ/d{p.symbol} = 0 has no closed form ({step.note}).  The lecture's generalized EM only asks for a "
            f"theta that does not lower J: a Newton step on the derived gradient and Hessian (a gradient step where "
            "J is not concave), halved until J, evaluated from the same statistics, does not decrease and the "
            "constraint holds.  Other parameters that read this one are updated after it.",
            [r"\frac{\partial J}{\partial " + latex(p.element) + "} = " + latex(step.gradient),
             r"\frac{\partial^2 J}{\partial " + latex(p.element) + "^2} = "
             + latex(step.gem.hessian_index)],
            [f"dJ/d{p.symbol} = {to_text(step.gradient)}", f"d2J/d{p.symbol}2 = {to_text(step.gem.hessian_index)}"])
    eq_latex, eq_text = _eq(step.equation.lhs, step.equation.rhs)
    uses = (f"  It reads the updated {', '.join(step.uses)}, so it runs after "
            f"{'it' if len(step.uses) == 1 else 'them'}.") if step.uses else ""
    return Paragraph(
        f"M-step for the {name}",
        f"Set dJ/d{p.symbol} = 0 (the Kronecker deltas of the index notation contracted), pull everything that "
        f"does not depend on the row out of the sums, and solve.{uses}",
        [r"\frac{\partial J}{\partial " + latex(p.element) + "} = " + latex(step.gradient) + " = 0",
         eq_latex],
        [f"dJ/d{to_text(p.element)} = {to_text(step.gradient)} = 0", eq_text])


def _matrix_name(name):
    return r"\Sigma" if name == "covariances" else r"\mu"


def _matrix_text(name):
    return "Sigma" if name == "covariances" else "mu"
