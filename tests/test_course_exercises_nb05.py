"""Notebook 05's checkers: right answers pass, each typical mistake gets its own message,
unanswered and broken answers are named, and no message shows an expected value."""

import math
import re

import pytest

from initlib.course.exercises import nb05
from initlib.course.exercises.feedback import Feedback


def correlation(mu, sigma):
    return mu**2 / (mu**2 + sigma**2)


def offset(fan_in, mu, q):
    return fan_in * mu * math.sqrt(q / (2 * math.pi))


def test_right_answers(capsys):
    assert nb05.check_first_layer_correlation(correlation)
    assert nb05.check_relu_offset(offset)
    assert capsys.readouterr().out.count("Correct:") == 2


@pytest.mark.parametrize("answer, fragment", [
    (lambda mu, sigma: mu / (mu + sigma) if mu + sigma else math.nan, "not the mean and std"),
    (lambda mu, sigma: mu**2 / sigma**2, "divides the shared part by the total"),
    (lambda mu, sigma: mu / math.sqrt(mu**2 + sigma**2), "ratio of standard deviations"),
    (lambda mu, sigma: sigma**2 / (mu**2 + sigma**2), "its own"),
    (lambda mu, sigma: 0.5, "is not right"),
])
def test_correlation_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb05.check_first_layer_correlation(answer)
    assert not re.search(r"0\.03|0\.69", str(err.value))  # no expected value shown


@pytest.mark.parametrize("answer, fragment", [
    (lambda fan_in, mu, q: fan_in * mu * q / 2, "second moment"),
    (lambda fan_in, mu, q: fan_in * mu * math.sqrt(q) / 2, "not half the std"),
    (lambda fan_in, mu, q: fan_in * mu / math.sqrt(2 * math.pi), "q = 1 only"),
    (lambda fan_in, mu, q: mu * math.sqrt(q / (2 * math.pi)), "sums fan_in"),
    (lambda fan_in, mu, q: fan_in * mu * math.sqrt(q / math.pi), "normalisation"),
    (lambda fan_in, mu, q: -offset(fan_in, mu, q), "wrong sign"),
    (lambda fan_in, mu, q: 1.0, "is not right"),
])
def test_offset_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb05.check_relu_offset(answer)
    assert not re.search(r"1\.02|0\.79", str(err.value))


def test_unanswered_and_broken():
    with pytest.raises(Feedback, match="Not answered"):
        nb05.check_relu_offset(None)

    def unfinished(mu, sigma):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="Not answered"):
        nb05.check_first_layer_correlation(unfinished)
    with pytest.raises(Feedback, match="must be a function"):
        nb05.check_first_layer_correlation(0.04)
    with pytest.raises(Feedback, match="raised ZeroDivisionError"):
        nb05.check_relu_offset(lambda fan_in, mu, q: 1 / 0)
