"""Notebook 03's checker: the right answer passes, each typical mistake gets its own
message, and no message shows an expected value."""

import math
import re

import pytest

from initlib import diagnostics as D
from initlib.course.exercises import nb03
from initlib.course.exercises.feedback import Feedback


def layers(fan_in, limit, activation="tanh", ratio=1e-6, *, variance=None, std=True,
           shift=0):
    k = 0.5 if activation == "relu" else 1.0
    factor = fan_in * limit**2 / 3 * k if variance is None else variance(fan_in, limit, k)
    log_g = 0.5 * math.log(factor) if std else math.log(factor)
    return math.floor(math.log(ratio) / log_g) + 2 + shift


def test_layers_to_vanish_right(capsys):
    assert nb03.check_layers_to_vanish(layers)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(variance=lambda n, a, k: n * a * a * k), "a² / 3, not a²"),
    (dict(variance=lambda n, a, k: n * a * a / 3), "E\\[relu\\(z\\)\\^2\\]"),
    (dict(std=False), "square root"),
    (dict(shift=-1), "one layer early"),
    (dict(shift=+1), "one layer late"),
])
def test_layers_to_vanish_mistakes(kwargs, fragment):
    def answer(fan_in, limit, activation="tanh", ratio=1e-6):
        return layers(fan_in, limit, activation, ratio, **kwargs)

    with pytest.raises(Feedback, match=fragment) as err:
        nb03.check_layers_to_vanish(answer)
    assert not re.search(r"\b(14|10|23|11)\b", str(err.value))


def test_prediction_matches_a_measurement():
    # the linear-range prediction is what failure_layer measures in a ReLU network
    p = D.propagate("small_uniform", "relu", depth=20, width=256, batch=128, seed=1)
    assert D.failure_layer(p, factor=1e6) == nb03._reference(256, 0.05, "relu", 1e-6)
