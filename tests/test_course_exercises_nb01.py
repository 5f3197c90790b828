"""Notebook 01's checkers: right answers pass, each typical mistake gets its own message,
unanswered and broken answers are named, the stored values are the formulas' values, and
no message shows an expected value."""

import math
import re

import numpy as np
import pytest

from initlib.course.exercises import nb01
from initlib.course.exercises.feedback import Feedback


def first_layer_std(n_features, input_mean, input_std):
    return 1 / math.sqrt(n_features * (input_mean**2 + input_std**2))


def gains(fan_in, fan_out, std):
    return fan_in * std**2 / 2, fan_out * std**2 / 2


def test_stored_values_are_the_formulas():
    assert nb01._STD_VALUES == pytest.approx([first_layer_std(**c) for c in nb01._STD_CASES],
                                             rel=1e-12)
    assert nb01._FORWARD == pytest.approx([gains(**c)[0] for c in nb01._GAIN_CASES], rel=1e-12)
    assert nb01._BACKWARD == pytest.approx([gains(**c)[1] for c in nb01._GAIN_CASES], rel=1e-12)


def test_first_layer_std_is_what_sampling_measures():
    rng = np.random.default_rng(0)
    n, mean, std = 64, 8.0, 5.0
    x = mean + std * rng.standard_normal((5_000, n))
    w = first_layer_std(n, mean, std) * rng.standard_normal((n, 4_000))
    # over inputs and weights: each column's mean 8 * sum(w) varies too, and counts
    assert (x @ w).var() == pytest.approx(1.0, rel=0.05)


def test_right_answers(capsys):
    assert nb01.check_first_layer_std(first_layer_std)
    assert nb01.check_relu_layer_gains(gains)
    assert nb01.check_relu_layer_gains(lambda fan_in, fan_out, std: np.array(gains(fan_in, fan_out,
                                                                                   std)))
    assert capsys.readouterr().out.count("Correct:") == 3


@pytest.mark.parametrize("answer, fragment", [
    (lambda n, m, s: 1 / math.sqrt(n * s * s), "second moment"),
    (lambda n, m, s: 1 / (n * (m * m + s * s)), "that is a variance"),
    (lambda n, m, s: 1 / math.sqrt(m * m + s * s), "n_features terms"),
    (lambda n, m, s: 1 / math.sqrt(n * (m + s) ** 2), r"not \(mean \+ std\)²"),
    (lambda n, m, s: 1 / math.sqrt(n), "LeCun"),
    (lambda n, m, s: 0.01, "is not right"),
    (lambda n, m, s: -first_layer_std(n, m, s), "wrong sign"),
])
def test_first_layer_std_mistakes(answer, fragment):
    def named(n_features, input_mean, input_std):
        return answer(n_features, input_mean, input_std)

    with pytest.raises(Feedback, match=fragment) as err:
        nb01.check_first_layer_std(named)
    assert not re.search(r"0\.0132|0\.05\b", str(err.value))


@pytest.mark.parametrize("answer, fragment", [
    (lambda i, o, s: gains(o, i, s), "swapped"),
    (lambda i, o, s: (i * s * s, o * s * s), "½"),
    (lambda i, o, s: (i * s / 2, o * s / 2), "variance, std²"),
    (lambda i, o, s: (i * s * s / 2, i * s * s / 2), "fan_out"),
    (lambda i, o, s: (i * s * s / 2, 1.0), "backward factor at"),
    (lambda i, o, s: (1.0, o * s * s / 2), "forward factor at"),
])
def test_relu_layer_gains_mistakes(answer, fragment):
    def named(fan_in, fan_out, std):
        return answer(fan_in, fan_out, std)

    with pytest.raises(Feedback, match=fragment) as err:
        nb01.check_relu_layer_gains(named)
    assert not re.search(r"0\.98|0\.16|1\.28", str(err.value))


def raises_not_implemented(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("checker", [nb01.check_first_layer_std, nb01.check_relu_layer_gains])
def test_unanswered(checker):
    for answer in (None, raises_not_implemented):
        with pytest.raises(Feedback, match="Not answered yet"):
            checker(answer)


def test_broken_answers_are_named():
    with pytest.raises(Feedback, match="must return a pair"):
        nb01.check_relu_layer_gains(lambda fan_in, fan_out, std: 1.0)
    with pytest.raises(Feedback, match="raised ZeroDivisionError"):
        nb01.check_relu_layer_gains(lambda fan_in, fan_out, std: 1 / 0)
    with pytest.raises(Feedback, match="must be a function"):
        nb01.check_relu_layer_gains(0.5)
    with pytest.raises(Feedback, match="finite"):
        nb01.check_relu_layer_gains(lambda fan_in, fan_out, std: (math.inf, 1.0))
