"""Notebook 08's checker: its stored numbers are the mean-field derivation's and each
mistake's at the visible cases, the right answer passes, each typical mistake gets its own
message, unanswered and broken answers are named, and no message shows an expected value."""

import math
import re

import pytest

from initlib.course.exercises import nb08
from initlib.course.exercises.feedback import Feedback


def backward_factor(n_in, n_out, var):
    """One layer's factor on the gradient's variance: n_out · Var[W] · E[relu'(z)²]."""
    return n_out * var * 0.5


def gain(widths, variance, layers=None):
    """Std gain of the gradient from the output's pre-activations back to layer 1's,
    through the weights of ``layers`` (default: 2 to L), with Var[W_l] = variance(n_in,
    n_out)."""
    pairs = list(zip(widths[:-1], widths[1:], strict=True))   # pairs[l - 1] is layer l's
    chosen = pairs[1:] if layers is None else layers(pairs)
    return math.sqrt(math.prod(backward_factor(a, b, variance(a, b)) for a, b in chosen))


def he(n_in, n_out):
    return 2 / n_in


def glorot(n_in, n_out):
    return 2 / (n_in + n_out)


def he_over_glorot(widths):
    return gain(widths, he) / gain(widths, glorot)


CASES = [case["widths"] for case in nb08._CASES]
MISTAKES = {
    "fan_out": lambda w: gain(w, lambda a, b: 2 / b) / gain(w, glorot),
    "variance": lambda w: he_over_glorot(w) ** 2,
    "too_many": lambda w: gain(w, he, lambda p: p) / gain(w, glorot, lambda p: p),
    "too_few": lambda w: gain(w, he, lambda p: p[1:-1]) / gain(w, glorot, lambda p: p[1:-1]),
    "equal_widths": lambda w: 2 ** ((len(w) - 2) / 2),
    "inverse": lambda w: 1 / he_over_glorot(w),
}


def test_stored_numbers_are_the_derivations():
    assert nb08._RIGHT == pytest.approx([he_over_glorot(w) for w in CASES], rel=1e-12)
    # sqrt(2) per layer at equal widths
    assert he_over_glorot((32,) * 5) == pytest.approx(2 ** 1.5, rel=1e-12)
    assert he_over_glorot((7, 9)) == 1.0
    # (each mistake's stored numbers are checked through the checker: test_mistakes)


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_differs_from_the_right_answer(name):
    values = [MISTAKES[name](w) for w in CASES]
    assert any(abs(v - r) > 0.02 * r for v, r in zip(values, nb08._RIGHT, strict=True))


def test_right_answer(capsys):
    assert nb08.check_he_over_glorot(he_over_glorot)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize("name, fragment", [
    ("fan_out", "fan_out"), ("variance", "ratio of the variances"),
    ("too_many", "first layer's weights are not on the way"),
    ("too_few", "output layer's weights are on the way"),
    ("equal_widths", "equal widths only"), ("inverse", "Glorot over He"),
])
def test_mistakes(name, fragment):
    def answer(widths):
        return MISTAKES[name](widths)

    with pytest.raises(Feedback, match=fragment) as err:
        nb08.check_he_over_glorot(answer)
    shown = {f"{v:.3g}" for v in nb08._RIGHT} | {f"{v:.4g}" for v in nb08._RIGHT}
    assert not any(re.search(rf"(?<![\d.]){re.escape(s)}(?!\d)", str(err.value))
                   for s in shown)


def test_unrecognised_wrong_answer():
    with pytest.raises(Feedback, match="is not right") as err:
        nb08.check_he_over_glorot(lambda widths: 3.0)
    assert "2.07" not in str(err.value) and "2.29" not in str(err.value)


def test_unanswered_and_broken():
    with pytest.raises(Feedback, match="Not answered"):
        nb08.check_he_over_glorot(None)

    def unfinished(widths):
        raise NotImplementedError()

    with pytest.raises(Feedback, match="Not answered"):
        nb08.check_he_over_glorot(unfinished)
    with pytest.raises(Feedback, match="must be a function"):
        nb08.check_he_over_glorot(2.0)
    with pytest.raises(Feedback, match="raised TypeError"):
        nb08.check_he_over_glorot(lambda: 1.0)
