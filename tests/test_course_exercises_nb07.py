"""Notebook 07's checkers: right answers pass, each typical mistake gets its own message,
unanswered and broken answers are named, and no message shows an expected value."""

import math
import re

import pytest

from initlib.course.exercises import nb07
from initlib.course.exercises.feedback import Feedback


def fans(shape, layout):
    if layout == "keras":
        *kernel, n_in, n_out = shape
    else:
        n_out, n_in, *kernel = shape
    r = math.prod(kernel)
    return r * n_in, r * n_out


def he_std(shape, layout="keras", mode="fan_in"):
    fan_in, fan_out = fans(shape, layout)
    return math.sqrt(2 / (fan_in if mode == "fan_in" else fan_out))


def test_right_answers(capsys):
    assert nb07.check_he_std(he_std)
    assert nb07.check_fan_out_forward_gain(lambda widths: widths[1] / widths[-1])
    assert capsys.readouterr().out.count("Correct:") == 2


@pytest.mark.parametrize("answer, fragment", [
    (lambda shape, layout="keras", mode="fan_in": math.sqrt(2 / shape[0]), "shape\\[0\\]"),
    (lambda shape, layout="keras", mode="fan_in": he_std(shape, "keras", mode), "torch layout"),
    (lambda shape, layout="keras", mode="fan_in": he_std(shape, layout, "fan_in"),
     "mode='fan_out'"),
    (lambda shape, layout="keras", mode="fan_in": he_std(shape, layout, mode) ** 2, "variance"),
    (lambda shape, layout="keras", mode="fan_in": he_std(shape, layout, mode) / math.sqrt(2),
     "LeCun"),
    (lambda shape, layout="keras", mode="fan_in": math.sqrt(2 / sum(fans(shape, layout))),
     "Glorot"),
    (lambda shape, layout="keras", mode="fan_in": 0.05, "is not right"),
])
def test_he_std_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb07.check_he_std(answer)
    assert not re.search(r"0\.0505|0\.0589", str(err.value))


def test_receptive_field_forgotten():
    def dense_fans(shape, layout="keras", mode="fan_in"):
        core = shape[-2:] if layout == "keras" else shape[:2]
        return he_std(core, layout, mode)

    with pytest.raises(Feedback, match="receptive field"):
        nb07.check_he_std(dense_fans)


@pytest.mark.parametrize("answer, fragment", [
    (lambda widths: widths[0] / widths[-1], "layers 2 to L"),
    (lambda widths: widths[-1] / widths[1], "inverse"),
    (lambda widths: math.sqrt(widths[1] / widths[-1]), "standard deviation"),
    (lambda widths: widths[1] / widths[-1] / 2 ** (len(widths) - 2), "another ½"),
    (lambda widths: 1.0, "fan_in mode"),
    (lambda widths: 3.0, "is not right"),
])
def test_gain_mistakes(answer, fragment):
    with pytest.raises(Feedback, match=fragment) as err:
        nb07.check_fan_out_forward_gain(answer)
    assert not re.search(r"51\.2|\b4\.0\b", str(err.value))


def test_unanswered_and_broken():
    with pytest.raises(Feedback, match="Not answered"):
        nb07.check_he_std(None)

    def unfinished(shape, layout="keras", mode="fan_in"):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="Not answered"):
        nb07.check_he_std(unfinished)
    with pytest.raises(Feedback, match="must be a function"):
        nb07.check_fan_out_forward_gain(2.0)
    with pytest.raises(Feedback, match="raised TypeError"):
        nb07.check_he_std(lambda shape: 1.0)
