"""EM derivations: the closed forms are the textbook ones, validated exactly, and wrong ones are caught."""

import json

import pytest
import sympy
from sympy import Eq, KroneckerDelta, Sum, Symbol, digamma, log

from derive import DeriveError, ValidationError, em
from derive.em.derivation.steps import derive_steps as _steps
from derive.em.derivation.validate import validate
from derive.em.symbols import K, N, c, codes, d, i, j, k, l, r, x


def rows(body):
    return Sum(body, (i, 0, N - 1))


NK = rows(r[i, k])


@pytest.fixture(scope="module")
def full():
    return em.derive_updates(em.mixture("normal", 3, dim=2, cov="full"))


def test_weights_through_a_lagrange_multiplier(full):
    step = full.steps[0]
    assert step.kind == "lagrange" and step.param.name == "weights"
    assert step.equation == Eq(em.Model.weights.element, NK / N)
    assert step.multiplier_value == N  # lambda = N: each row's responsibilities sum to one
    assert "derive.kkt solves the weights problem" in str(full.validation)
    assert "a maximum" in str(full.validation)


def test_full_covariance_by_matrix_calculus_is_the_lecture_homework(full):
    mu = sympy.IndexedBase("mu", real=True)
    assert full.m_step["means"] == Eq(mu[k, j], rows(r[i, k] * x[i, j]) / NK)
    expected = rows((x[i, j] - mu[k, j]) * (x[i, l] - mu[k, l]) * r[i, k]) / NK
    assert sympy.simplify(full.m_step["covariances"].rhs - expected) == 0
    kinds = [s.kind for s in full.steps]
    assert kinds == ["lagrange", "matrix calculus", "matrix calculus"]
    cov_step = full.steps[2]
    assert cov_step.uses == ("means",)  # Sigma reads the updated means
    assert "trace trick" in cov_step.note


@pytest.mark.parametrize("cov", ["diag", "spherical"])
def test_diagonal_and_spherical_variances(cov):
    u = em.derive_updates(em.mixture("normal", 2, dim=2, cov=cov))
    mu = sympy.IndexedBase("mu", real=True)
    s2 = u.m_step["covariances"]
    if cov == "diag":
        assert sympy.simplify(s2.rhs - rows((x[i, j] - mu[k, j]) ** 2 * r[i, k]) / NK) == 0
    else:
        inner = Sum((x[i, j] - mu[k, j]) ** 2, (j, 0, d - 1))
        assert sympy.simplify(s2.rhs - rows(r[i, k] * inner) / (d * NK)) == 0
    assert [s.param.name for s in u.steps] == ["weights", "means", "covariances"]


@pytest.mark.parametrize("family, name, expected", [
    ("poisson", "rates", lambda p: rows(r[i, k] * x[i, j]) / NK),
    ("exponential", "rates", lambda p: NK / rows(r[i, k] * x[i, j])),
    ("bernoulli", "probs", lambda p: rows(r[i, k] * x[i, j]) / NK),
])
def test_closed_forms_of_the_other_families(family, name, expected):
    u = em.derive_updates(em.mixture(family, 2, dim=2))
    eq = u.m_step[name]
    assert sympy.simplify(eq.rhs - expected(None)) == 0
    assert u.steps[1].kind == "closed form"


def test_categorical_probabilities_through_a_multiplier_per_component():
    u = em.derive_updates(em.mixture("categorical", 2, dim=3))
    eq = u.m_step["probs"]
    counts = rows(KroneckerDelta(c, codes[i]) * r[i, k])
    assert sympy.simplify(eq.rhs - counts / NK) == 0
    step = u.steps[1]
    assert step.kind == "lagrange" and step.multiplier_value == NK  # lambda[k] = N_k


def test_map_updates_with_priors():
    u = em.derive_updates(em.mixture("poisson", 3, prior={"weights": em.Dirichlet(3.0), "rates": em.Gamma(2.0, 0.5)}))
    alpha, a, b = Symbol("alpha", positive=True), Symbol("a_lam", positive=True), Symbol("b_lam", positive=True)
    w = u.m_step["weights"].rhs
    assert sympy.simplify(w - (NK + alpha - 1) / (N + K * (alpha - 1))) == 0
    assert sympy.simplify(u.m_step["rates"].rhs - (rows(r[i, k] * x[i]) + a - 1) / (NK + b)) == 0  # 1-D: x[i]
    assert u.model.hyper[alpha] == 3.0 and u.model.hyper[a] == 2.0
    beta = em.derive_updates(em.mixture("bernoulli", 2, dim=2, prior={"probs": em.Beta(2.0, 3.0)}))
    a, b = Symbol("a_p", positive=True), Symbol("b_p", positive=True)
    assert sympy.simplify(beta.m_step["probs"].rhs - (rows(r[i, k] * x[i, j]) + a - 1) / (NK + a + b - 2)) == 0


def test_normal_inverse_wishart_map_covariance():
    prior = {"covariances": em.NormalInverseWishart(mean=0.0, kappa=0.1, dof=4.0, scale=2.0)}
    u = em.derive_updates(em.mixture("normal", 2, dim=2, cov="full", prior=prior))
    mu, m0 = sympy.IndexedBase("mu", real=True), sympy.IndexedBase("m0", real=True)
    Psi0 = sympy.IndexedBase("Psi0", real=True)
    kappa, nu = Symbol("kappa0", positive=True), Symbol("nu0", positive=True)
    mean = (rows(r[i, k] * x[i, j]) + kappa * m0[j]) / (NK + kappa)
    assert sympy.simplify(u.m_step["means"].rhs - mean) == 0
    scatter = rows(r[i, k] * (x[i, j] - mu[k, j]) * (x[i, l] - mu[k, l]))
    cov = (scatter + kappa * (mu[k, j] - m0[j]) * (mu[k, l] - m0[l]) + Psi0[j, l]) / (NK + nu + d + 2)
    assert sympy.simplify(u.m_step["covariances"].rhs - cov) == 0


def test_gamma_shape_has_no_closed_form_so_generalized_em():
    m = em.custom("a*log(b) - loggamma(a) + (a - 1)*log(x) - b*x", "a b: positive", k=2)
    u = em.derive_updates(m)
    kinds = {s.param.name: s.kind for s in u.steps}
    assert kinds == {"weights": "lagrange", "a": "generalized EM", "b": "closed form"}
    order = [s.param.name for s in u.steps]
    assert order.index("a") < order.index("b")  # b's closed form reads the new a
    gem = u.m_step["a"]
    assert gem.gradient_index.has(digamma) or gem.gradient_index.has(sympy.polygamma)
    assert "never decreases" in gem.label
    a_ = sympy.IndexedBase("a", positive=True)
    assert sympy.simplify(u.m_step["b"].rhs - a_[k] * NK / rows(r[i, k] * x[i])) == 0
    assert "generalized-EM gradient and Hessian equal J's" in str(u.validation)


def _broken(steps, name, factor):
    out = []
    for s in steps:
        if s.param.name == name:
            s = type(s)(**{**s.__dict__, "equation": Eq(s.equation.lhs, factor * s.equation.rhs)})
        out.append(s)
    return out


@pytest.mark.parametrize("family, name", [("poisson", "rates"), ("normal", "covariances"), ("poisson", "weights")])
def test_validation_rejects_a_wrong_closed_form(family, name):
    model = em.mixture(family, 2, dim=2, cov="diag")
    steps = _steps(model)
    validate(model, steps)  # the derived ones pass
    with pytest.raises(ValidationError, match=name):
        validate(model, _broken(steps, name, sympy.Rational(101, 100)))


def test_validation_rejects_a_wrong_gem_gradient():
    model = em.custom("a*log(b) - loggamma(a) + (a - 1)*log(x) - b*x", "a b: positive", k=2)
    steps = _steps(model)
    gem = next(s for s in steps if s.kind == "generalized EM")
    gem.gem.gradient_index = 2 * gem.gem.gradient_index
    with pytest.raises(ValidationError, match="gradient"):
        validate(model, steps)


def test_custom_model_three_ways():
    text = em.derive_updates(em.custom("-log(s) - x/s", "s: positive", k=2))
    xs, s = sympy.symbols("x s")  # plain symbols, no assumptions
    objects = em.derive_updates(em.custom(-log(s) - xs / s, "s: positive", k=2))
    mixed = em.derive_updates(em.custom("-log(s) - x/s", [Symbol("s", positive=True)], k=2))
    expected = rows(r[i, k] * x[i]) / NK
    for u in (text, objects, mixed):
        assert sympy.simplify(u.m_step["s"].rhs - expected) == 0


def test_custom_normal_matches_the_builtin_forms():
    u = em.derive_updates(em.custom("-(x - mu)**2/(2*v) - log(2*pi*v)/2", "mu: real, v: positive", k=2))
    mu = sympy.IndexedBase("mu", real=True)
    assert sympy.simplify(u.m_step["mu"].rhs - rows(r[i, k] * x[i]) / NK) == 0
    assert sympy.simplify(u.m_step["v"].rhs - rows(r[i, k] * (x[i] - mu[k]) ** 2) / NK) == 0


def test_unit_interval_parameter():
    u = em.derive_updates(em.custom("x*log(p) + (1 - x)*log(1 - p)", "p: unit", k=2))
    assert sympy.simplify(u.m_step["p"].rhs - rows(r[i, k] * x[i]) / NK) == 0


@pytest.mark.parametrize("call, message", [
    (lambda: em.mixture("gaussian", 2), "unknown family"),
    (lambda: em.mixture("normal", 0), "k must be"),
    (lambda: em.mixture("normal", 2, cov="tied"), "cov must be"),
    (lambda: em.mixture("poisson", 2, prior={"rates": em.Beta(1, 1)}), "Beta is a prior for unit"),
    (lambda: em.mixture("poisson", 2, prior={"means": em.Gamma(1, 1)}), "unknown parameter"),
    (lambda: em.mixture("poisson", 2, prior={"means": em.NormalInverseWishart()}), "normal mixture"),
    (lambda: em.Dirichlet(-1), "positive"),
    (lambda: em.custom("-log(s) - x/t", "s: positive", k=2), "unknown symbol"),
    (lambda: em.custom("-log(s) - x", "s: positive, u: real", k=2), "do not appear"),
    (lambda: em.custom("-log(s)", "s: positive", k=2), "does not use the data"),
    (lambda: em.custom("-log(w) - x/w", "w: positive", k=2), "reserved"),
    (lambda: em.custom("-log(s) - x/s", "s: huge", k=2), "unknown constraint"),
    (lambda: em.custom("__import__('os')", "s: positive", k=2), "not allowed"),
    (lambda: em.derive_updates("normal"), "takes a model"),
    (lambda: em.derive_updates(em.custom("-log(1 + (x - mu)**2)", "mu: real", k=2)),
     "no finite sufficient statistics"),
])
def test_bad_input_is_a_one_line_error(call, message):
    with pytest.raises(DeriveError, match=message) as err:
        call()
    assert "\n" not in str(err.value)


def test_result_objects(full):
    text = str(full)
    assert "w[k] = sum(r[i, k], (i, 0, N - 1))/N" in text and "validated exactly" in text
    assert full._repr_latex_().startswith("$$")
    blob = json.loads(json.dumps(full.to_dict()))
    assert blob["m_step"]["weights"]["multiplier"]["value"] == "N"
    assert blob["order"] == ["weights", "means", "covariances"]
    for obj in (full.model, full.validation):
        assert str(obj) and obj._repr_latex_().startswith("$") and json.dumps(obj.to_dict())


def test_explain_tells_the_lecture_story(full):
    e = full.explain()
    text = str(e)
    for phrase in ("evidence lower bound", "KL", "E-step", "log-sum-exp", "Lagrange", "trace trick",
                   "never decreases", "validated"):
        assert phrase in text
    assert e._repr_latex_().startswith("$$") and "\\mathcal{L}" in e._repr_latex_()
    json.dumps(e.to_dict())
    gem = em.derive_updates(em.custom("a*log(b) - loggamma(a) + (a - 1)*log(x) - b*x", "a b: positive", k=2))
    assert "generalized EM" in str(gem.explain())
    prior = em.derive_updates(em.mixture("poisson", 2, prior={"weights": em.Dirichlet(2)}))
    assert "MAP-EM" in str(prior.explain())
