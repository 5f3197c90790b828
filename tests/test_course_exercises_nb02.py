"""Notebook 02's checkers: right answers pass, each typical mistake gets its own message,
unanswered and broken answers are named, and no message shows an expected value."""

import math
import re

import numpy as np
import pytest

from initlib.course.exercises import nb02
from initlib.course.exercises.feedback import Feedback


def leaky_std(fan_in, slope):
    return math.sqrt(2 / ((1 + slope * slope) * fan_in))


def test_leaky_relu_std_right(capsys):
    assert nb02.check_leaky_relu_std(leaky_std)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize("answer, fragment", [
    (lambda fan_in, slope: math.sqrt(2 / fan_in), "plain ReLU"),
    (lambda fan_in, slope: math.sqrt(2 / ((1 + slope) * fan_in)), "slope², not slope"),
    (lambda fan_in, slope: leaky_std(fan_in, slope) ** 2, "square root"),
    (lambda fan_in, slope: math.sqrt(2 / ((1 - slope**2) * fan_in)), "does not subtract"),
    (lambda fan_in, slope: math.sqrt(1 / fan_in), "linear layer \\(slope 1\\) only"),
    (lambda fan_in, slope: math.sqrt(3) * leaky_std(fan_in, slope), "uniform"),
    (lambda fan_in, slope: 0.05, "is not right"),
    (lambda fan_in, slope: -leaky_std(fan_in, slope), "wrong sign"),
])
def test_leaky_relu_std_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb02.check_leaky_relu_std(answer)
    assert not re.search(r"0\.0[0-9]{3}", str(err.value))      # no expected value shown


def overflow(fan_in, std, activation="linear", dtype="float32"):
    k = 0.5 if activation == "relu" else 1.0
    g = math.sqrt(fan_in * std**2 * k)
    return math.floor(math.log(float(np.finfo(dtype).max)) / math.log(g)) + 1


def test_overflow_layer_right(capsys):
    assert nb02.check_overflow_layer(overflow)
    assert capsys.readouterr().out.startswith("Correct:")


def test_overflow_layer_values():
    # 16**32 = 2**128 lies just above float32's largest value: the exact rule gives 32
    assert nb02._overflow_layer(256, 1.0) == 32
    assert nb02._overflow_layer(100, 1.0) == 39          # 10**38 < 3.4e38 < 10**39
    assert nb02._overflow_layer(64, 1.0, "linear", "float16") == 6   # 8**5 < 65504 < 8**6


@pytest.mark.parametrize("answer, fragment", [
    (lambda **c: overflow(**c) - 1, "still fits"),
    (lambda **c: overflow(**c) + 1, "too late"),
    (lambda fan_in, std, activation, dtype: math.floor(
        math.log(float(np.finfo(dtype).max))
        / math.log(fan_in * std**2 * (0.5 if activation == "relu" else 1.0))) + 1,
     "the variance"),
    (lambda fan_in, std, activation, dtype: overflow(fan_in, std, "linear", dtype),
     "halves"),
    (lambda fan_in, std, activation, dtype: overflow(fan_in, std, activation), "dtype"),
    (lambda **c: 20, "is not right"),
])
def test_overflow_layer_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb02.check_overflow_layer(answer)
    assert not re.search(r"\b(39|37|6|410)\b", str(err.value))


def test_unanswered_and_broken():
    with pytest.raises(Feedback, match="Not answered"):
        nb02.check_leaky_relu_std(None)

    def unfinished(fan_in, slope):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="Not answered"):
        nb02.check_leaky_relu_std(unfinished)
    with pytest.raises(Feedback, match="raised ZeroDivisionError"):
        nb02.check_overflow_layer(lambda fan_in, std, activation, dtype: 1 / 0)
    with pytest.raises(Feedback, match="must be a function"):
        nb02.check_overflow_layer(32)
