"""Notebook 09's checkers: right answers (exact or measured) pass, each typical mistake
gets its own message, unanswered and broken answers are named, the stored values are the
formulas' values, and no message shows an expected value."""

import math
import re

import numpy as np
import pytest
from scipy import integrate

from initlib.course.exercises import nb09
from initlib.course.exercises.feedback import Feedback


def clipped_exact(c):
    inside = math.erf(c / math.sqrt(2))
    density = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(inside - 2 * c * density + c * c * (1 - inside))


def clipped_measured(c):
    w = np.random.default_rng(0).standard_normal(2_000_000)
    return np.clip(w, -c, c).std() / w.std()


def truncated(c):
    inside = math.erf(c / math.sqrt(2))
    density = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(1 - 2 * c * density / inside)


def test_stored_values_are_the_formulas():
    for case, value in zip(nb09._CLIP_CASES, nb09._CLIP_VALUES, strict=True):
        assert value == pytest.approx(clipped_exact(**case), rel=1e-12)
        # against a direct numerical integral of E[min(z², c²)]
        c = case["c"]
        inner = integrate.quad(lambda z: z * z * math.exp(-z * z / 2), -c, c)[0]
        tails = 2 * c * c * 0.5 * math.erfc(c / math.sqrt(2))
        assert value == pytest.approx(math.sqrt(inner / math.sqrt(2 * math.pi) + tails),
                                      rel=1e-9)
    for case, value in zip(nb09._SLOPE_CASES, nb09._SLOPE_VALUES, strict=True):
        a = case["a"]
        gain = math.sqrt(2 / (1 + a * a))                      # PyTorch's leaky_relu gain
        bound = gain * math.sqrt(3 / 1000)                     # kaiming_uniform_, fan_in 1000
        assert value == pytest.approx(1000 * bound**2 / 3 / 2, rel=1e-12)
    assert nb09._CLIP_MISTAKES[0].formula == pytest.approx(
        [truncated(**case) for case in nb09._CLIP_CASES], rel=1e-12)


@pytest.mark.parametrize("answer", [clipped_exact, clipped_measured])
def test_clipped_std_fraction_right(answer, capsys):
    assert nb09.check_clipped_std_fraction(answer)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize("answer, fragment", [
    (truncated, "truncated"),
    (lambda c: clipped_exact(c) ** 2, "ratio of the variances"),
    (lambda c: math.erf(c / math.sqrt(2)), "share of weights inside"),
    (lambda c: 1 - math.erf(c / math.sqrt(2)), "get clipped"),
    (lambda c: 1.0, "does change the std"),
    (lambda c: 0.9, "is not right"),
    (lambda c: -clipped_exact(c), "wrong sign"),
])
def test_clipped_std_fraction_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb09.check_clipped_std_fraction(answer)
    assert not re.search(r"0\.9\d\d", str(err.value))          # no expected value shown


def relu_factor(a):
    return 1 / (1 + a * a)


def test_relu_variance_factor_right(capsys):
    assert nb09.check_relu_variance_factor(relu_factor)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize("answer, fragment", [
    (lambda a: 2 / (1 + a * a), "half of the second moment"),
    (lambda a: 1 / math.sqrt(1 + a * a), "factor of the std"),
    (lambda a: 3 / (1 + a * a), "b²/3"),
    (lambda a: 1 / (1 + a), "squared"),
    (lambda a: 1 / 6, "is not right"),
])
def test_relu_variance_factor_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb09.check_relu_variance_factor(answer)
    assert "1/6" not in str(err.value) and "0.16" not in str(err.value)


@pytest.mark.parametrize("check", [nb09.check_clipped_std_fraction,
                                   nb09.check_relu_variance_factor])
def test_unanswered_and_broken(check):
    def unanswered():
        raise NotImplementedError()

    with pytest.raises(Feedback, match="Not answered yet"):
        check(lambda **kwargs: unanswered())
    with pytest.raises(Feedback, match="Not answered yet"):
        check(None)
    with pytest.raises(Feedback, match="must be a function"):
        check(0.5)
    with pytest.raises(Feedback, match="raised ZeroDivisionError"):
        check(lambda **kwargs: 1 / 0)
    with pytest.raises(Feedback, match="real number"):
        check(lambda **kwargs: "0.5")
