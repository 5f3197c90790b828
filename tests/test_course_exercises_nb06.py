"""Notebook 06's checkers: right answers pass, each typical mistake gets its own message,
unanswered and broken answers are named, and no message shows an expected value."""

import math
import re

import pytest

from initlib.course.exercises import nb06
from initlib.course.exercises.feedback import Feedback


def limit(fan_in, fan_out, gain=1.0):
    return gain * math.sqrt(6 / (fan_in + fan_out))


def gain(widths, direction):
    g = 1.0
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        g *= (a if direction == "forward" else b) * 2 / (a + b)
    return g


def test_right_answers(capsys):
    assert nb06.check_glorot_limit(limit)
    assert nb06.check_glorot_gain(gain)
    assert capsys.readouterr().out.count("Correct:") == 2


@pytest.mark.parametrize("answer, fragment", [
    (lambda a, b, gain=1.0: gain * math.sqrt(2 / (a + b)), "std of Glorot's normal"),
    (lambda a, b, gain=1.0: gain**2 * 6 / (a + b), "square root"),
    (lambda a, b, gain=1.0: gain * math.sqrt(3 / (a + b)), "a 2 in the numerator"),
    (lambda a, b, gain=1.0: gain * math.sqrt(3 / a), "LeCun"),
    (lambda a, b, gain=1.0: gain**2 * math.sqrt(6 / (a + b)), "enters squared only"),
    (lambda a, b, gain=1.0: math.sqrt(6 / (a + b)), "right without a gain"),
    (lambda a, b, gain=1.0: 0.1, "is not right"),
])
def test_limit_mistakes(answer, fragment):
    def named(fan_in, fan_out, gain=1.0):
        return answer(fan_in, fan_out, gain)

    with pytest.raises(Feedback, match=fragment) as err:
        nb06.check_glorot_limit(named)
    assert not re.search(r"0\.0866|0\.27", str(err.value))


@pytest.mark.parametrize("answer, fragment", [
    (lambda widths, direction: gain(widths, {"forward": "backward"}.get(direction, "forward")),
     "swapped"),
    (lambda widths, direction: gain(widths[:2], direction), "only the first layer"),
    (lambda widths, direction: math.sqrt(gain(widths, direction)), "standard deviation"),
    (lambda widths, direction: 1.0 if direction == "forward" else widths[-1] / widths[0], "LeCun"),
    (lambda widths, direction: 1.0, "is not right"),
])
def test_gain_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb06.check_glorot_gain(answer)
    assert not re.search(r"0\.4\b|1\.6\b|1\.2[0-9]", str(err.value))


def test_additive_mistake_named():
    def added(widths, direction):
        pairs = zip(widths[:-1], widths[1:], strict=True)
        return sum((a if direction == "forward" else b) * 2 / (a + b) for a, b in pairs)
    with pytest.raises(Feedback, match="do not add"):
        nb06.check_glorot_gain(added)


def test_unanswered_and_broken():
    with pytest.raises(Feedback, match="Not answered"):
        nb06.check_glorot_limit(None)

    def unfinished(widths, direction):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="Not answered"):
        nb06.check_glorot_gain(unfinished)
    with pytest.raises(Feedback, match="raised TypeError"):
        nb06.check_glorot_gain(lambda widths: 1.0)
