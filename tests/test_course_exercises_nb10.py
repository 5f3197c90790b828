"""Notebook 10's checkers: right answers (closed form or numerical) pass, each typical
mistake gets its own message, unanswered and broken answers are named, the stored values
are the formulas' values, and no message shows an expected value."""

import math
import re

import numpy as np
import pytest
from scipy import integrate

from initlib.activations import SELU_ALPHA, SELU_LAMBDA, activation
from initlib.course.exercises import nb10
from initlib.course.exercises.feedback import Feedback
from initlib.diagnostics import gauss_expectation
from initlib.diagnostics.depth_scales import depth_scales

SELU = activation("selu")
TANH = activation("tanh")


def phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def selu_closed_form(q):
    s, lam, a = math.sqrt(q), SELU_LAMBDA, SELU_ALPHA
    mean = lam * (s / math.sqrt(2 * math.pi) + a * (math.exp(q / 2) * phi(-s) - 0.5))
    second = lam**2 * (q / 2 + a**2 * (math.exp(2 * q) * phi(-2 * s)
                                       - 2 * math.exp(q / 2) * phi(-s) + 0.5))
    return mean, second


def selu_quad(q):
    def moment(k):
        def f(z):
            return SELU.phi(math.sqrt(q) * z) ** k * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        return sum(integrate.quad(f, a, b)[0] for a, b in ((-math.inf, 0), (0, math.inf)))
    return moment(1), moment(2)


def tanh_chi_numpy(sigma_w, sigma_b):
    z, w = np.polynomial.hermite_e.hermegauss(101)
    w = w / w.sum()
    q = 1.0
    for _ in range(2000):
        q = sigma_w**2 * np.sum(w * np.tanh(np.sqrt(q) * z) ** 2) + sigma_b**2
    return sigma_w**2 * np.sum(w * (1 - np.tanh(np.sqrt(q) * z) ** 2) ** 2)


def test_stored_values_are_the_formulas():
    for case, (mean, second) in zip(nb10._SELU_CASES, nb10._SELU_VALUES, strict=True):
        assert selu_closed_form(**case) == pytest.approx((mean, second), rel=1e-12)
        exact = (gauss_expectation(SELU.phi, case["q"]),
                 gauss_expectation(lambda u: SELU.phi(u) ** 2, case["q"]))
        assert (mean, second) == pytest.approx(exact, rel=1e-9)
    for case in nb10._CHI_CASES:
        # the 101-node Gauss-Hermite rule of tanh_chi_numpy is good to about 1e-5
        assert depth_scales("tanh", **case).chi_1 == pytest.approx(tanh_chi_numpy(**case),
                                                                    rel=2e-5)


def test_selu_fixed_point_is_zero_one():
    mean, second = selu_closed_form(1.0)
    assert abs(mean) < 1e-12 and second == pytest.approx(1.0, abs=1e-12)


def test_right_answers(capsys):
    assert nb10.check_selu_moments(selu_closed_form)
    assert nb10.check_selu_moments(selu_quad)
    assert nb10.check_jacobian_mean_square(lambda depth, width, variance:
                                           (width * variance) ** depth)
    assert nb10.check_tanh_chi(tanh_chi_numpy)
    assert capsys.readouterr().out.count("Correct:") == 4


@pytest.mark.parametrize("answer, fragment", [
    (lambda q: tuple(v / SELU_LAMBDA**k for k, v in enumerate(selu_closed_form(q), 1)),
     "scale λ is missing"),
    (lambda q: (selu_closed_form(q)[0], selu_closed_form(q)[1] - selu_closed_form(q)[0] ** 2),
     "variance"),
    (lambda q: selu_closed_form(q * q), "not its std"),
    (lambda q: (math.sqrt(q / (2 * math.pi)), q / 2), "ReLU's moments"),
    (lambda q: (selu_closed_form(q)[0], 1.0), "second moment at"),
    (lambda q: (0.0, selu_closed_form(q)[1]), "mean at"),
])
def test_selu_mistakes(answer, fragment):
    def selu_moments(q):
        return answer(q)

    with pytest.raises(Feedback, match=fragment) as err:
        nb10.check_selu_moments(selu_moments)
    assert not re.search(r"0\.054|0\.330|2\.37", str(err.value))


@pytest.mark.parametrize("answer, fragment", [
    (lambda d, n, v: n * v * d, "do not add"),
    (lambda d, n, v: (n * v) ** (d / 2), "singular values themselves"),
    (lambda d, n, v: v**d, "width enters"),
    (lambda d, n, v: 1.0, "only when"),
    (lambda d, n, v: 2.0, "is not right"),
])
def test_jacobian_mistakes(answer, fragment):
    def jacobian_mean_square(depth, width, variance):
        return answer(depth, width, variance)

    with pytest.raises(Feedback, match=fragment) as err:
        nb10.check_jacobian_mean_square(jacobian_mean_square)
    assert not re.search(r"2\.68|0\.348", str(err.value))


def chi_at(sigma_w, sigma_b, q):
    return sigma_w**2 * float(gauss_expectation(lambda u: TANH.dphi(u) ** 2, q))


@pytest.mark.parametrize("answer, fragment", [
    (lambda w, b: chi_at(w, b, 1.0), "variance 1"),
    (lambda w, b: tanh_chi_numpy(w, b) / w**2, "multiplies"),
    (lambda w, b: tanh_chi_numpy(w, b) / w, "its square"),
    (lambda w, b: w**2 * float(gauss_expectation(TANH.dphi, depth_scales("tanh", w, b).q_star))
     ** 2, "square of the mean slope"),
    (lambda w, b: 1.0, "is not right"),
])
def test_tanh_chi_mistakes(answer, fragment):
    def tanh_chi(sigma_w, sigma_b):
        return answer(sigma_w, sigma_b)

    with pytest.raises(Feedback, match=fragment) as err:
        nb10.check_tanh_chi(tanh_chi)
    assert not re.search(r"1\.139|1\.327|0\.552", str(err.value))


def raises_not_implemented(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("checker", [nb10.check_selu_moments, nb10.check_jacobian_mean_square,
                                     nb10.check_tanh_chi])
def test_unanswered(checker):
    for answer in (None, raises_not_implemented):
        with pytest.raises(Feedback, match="Not answered yet"):
            checker(answer)


def test_broken_selu_answers_are_named():
    with pytest.raises(Feedback, match="must return a pair"):
        nb10.check_selu_moments(lambda q: 1.0)
    with pytest.raises(Feedback, match="raised ValueError"):
        nb10.check_selu_moments(lambda q: math.sqrt(-q))
    with pytest.raises(Feedback, match="must be a function"):
        nb10.check_selu_moments((0.0, 1.0))
