"""Notebook 04's checkers: right answers pass, each typical mistake gets its own message,
and the large-σ_w² asymptote agrees with the exact mean-field χ."""

import math
import re

import pytest

from initlib import diagnostics as D
from initlib.course.exercises import nb04
from initlib.course.exercises.feedback import Feedback


def chi_large(sigma_w2):
    return 4 / 3 * math.sqrt(sigma_w2 / (2 * math.pi))


def test_tanh_chi_large_right(capsys):
    assert nb04.check_tanh_chi_large(chi_large)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize("sigma_w2, rtol", [(1e3, 0.02), (5e4, 0.003)])
def test_asymptote_matches_the_exact_mean_field(sigma_w2, rtol):
    chi = D.mean_field("tanh", sigma_w2, depth=40).chi[-1]
    assert chi == pytest.approx(chi_large(sigma_w2), rel=rtol)


@pytest.mark.parametrize("answer, fragment", [
    (lambda sigma_w2: 2 * math.sqrt(sigma_w2 / (2 * math.pi)), "integrates tanh′"),
    (lambda sigma_w2: 4 / 3 * math.sqrt(sigma_w2), "not 1 / √q"),
    (lambda sigma_w2: 4 / 3 * sigma_w2 / math.sqrt(2 * math.pi), "not like σ_w²"),
    (lambda sigma_w2: 4 / 3 * sigma_w2 / (2 * math.pi), "square root is missing"),
    (lambda sigma_w2: 1.0, "is not right"),
])
def test_tanh_chi_large_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb04.check_tanh_chi_large(answer)
    assert not re.search(r"\d+\.\d{3}", str(err.value))


def test_critical_limit_right(capsys):
    assert nb04.check_critical_limit(lambda fan_in: math.sqrt(3 / fan_in))
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize("answer, fragment", [
    (lambda fan_in: math.sqrt(1 / fan_in), "that is the std"),
    (lambda fan_in: math.sqrt(6 / fan_in), "He's uniform limit"),
    (lambda fan_in: 3 / fan_in, "take the square root"),
    (lambda fan_in: 5 / 3 * math.sqrt(3 / fan_in), "5/3"),
])
def test_critical_limit_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment):
        nb04.check_critical_limit(answer)


def test_critical_limit_is_the_edge_of_chaos():
    # sigma_w^2 = fan_in * a^2 / 3 = 1: chi tends to 1 from below as q* -> 0
    chi = D.predict("large_uniform", "tanh", depth=400, width=256,
                    limit=math.sqrt(3 / 256)).chi
    assert 0.98 < chi[-1] <= 1.0
