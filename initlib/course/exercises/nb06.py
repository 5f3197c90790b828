"""Feedback for notebook 06 (Xavier/Glorot): functions of the exercise's parameters,
checked at a few cases; messages name the mistake, never the expected value.

A typical mistake, and the feedback it gets:

>>> import math
>>> def glorot_limit(fan_in, fan_out, gain=1.0):
...     return gain * math.sqrt(3 / fan_in)
>>> check_glorot_limit(glorot_limit)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: that is LeCun's bound, ...
"""

from __future__ import annotations

import math

from .feedback import Mistake, check_function

__all__ = ["check_glorot_gain", "check_glorot_limit"]

_LIMIT_CASES = [dict(fan_in=300, fan_out=500, gain=1.0), dict(fan_in=64, fan_out=16, gain=1.0),
                dict(fan_in=100, fan_out=100, gain=2.0)]


def check_glorot_limit(answer) -> bool:
    """Check ``answer(fan_in, fan_out, gain=1.0)``: the bound ``a`` of Glorot's uniform
    distribution U(-a, a), with ``gain`` multiplying the std. Tried at a few cases, one
    with a gain.

    Raises :class:`~initlib.course.exercises.feedback.Feedback` (an ``AssertionError``)
    for an unanswered, failing or wrong function, naming the mistake when it is a
    typical one.
    """
    def limit(fan_in, fan_out, gain):
        return gain * math.sqrt(6 / (fan_in + fan_out))

    return check_function(
        answer, limit, _LIMIT_CASES, name="glorot_limit",
        correct="a² / 3 = gain² · 2 / (fan_in + fan_out) for every case tried.",
        hint="Find the variance first, then the bound of the uniform with that variance.",
        mistakes=[
            Mistake(lambda fan_in, fan_out, gain: gain * math.sqrt(2 / (fan_in + fan_out)),
                    "that is the std of Glorot's normal; a uniform U(-a, a) has variance "
                    "a² / 3, so its bound is larger than its std."),
            Mistake(lambda fan_in, fan_out, gain: gain**2 * 6 / (fan_in + fan_out),
                    "that is a², not a: take the square root."),
            Mistake(lambda fan_in, fan_out, gain: gain * math.sqrt(3 / (fan_in + fan_out)),
                    "Glorot's variance has a 2 in the numerator: 2 / (fan_in + fan_out)."),
            Mistake(lambda fan_in, fan_out, gain: gain * math.sqrt(3 / fan_in),
                    "that is LeCun's bound, from fan_in alone; Glorot averages the two fans."),
            Mistake(lambda fan_in, fan_out, gain: gain**2 * math.sqrt(6 / (fan_in + fan_out)),
                    "the gain multiplies the std (and the bound), so it enters squared only "
                    "in the variance."),
            Mistake(lambda fan_in, fan_out, gain: math.sqrt(6 / (fan_in + fan_out)),
                    "right without a gain; the gain multiplies the bound as it does the std."),
        ])


_GAIN_CASES = [dict(widths=(64, 256), direction="forward"),
               dict(widths=(64, 256), direction="backward"),
               dict(widths=(784, 512, 10), direction="forward"),
               dict(widths=(784, 512, 10), direction="backward"),
               dict(widths=(30, 30, 30), direction="forward")]


def _glorot_gain(widths, direction):
    gain = 1.0
    for n_in, n_out in _layers(widths):
        gain *= (n_in if direction == "forward" else n_out) * 2 / (n_in + n_out)
    return gain


def check_glorot_gain(answer) -> bool:
    """Check ``answer(widths, direction)``: the end-to-end variance gain, forward or
    backward, of a linear network with layer widths ``widths`` (input first) and
    Glorot's variance in every layer. Tried on a few networks in both directions.

    Raises :class:`~initlib.course.exercises.feedback.Feedback` for an unanswered,
    failing or wrong function, naming the mistake when it is a typical one.
    """
    def lecun(widths, direction):
        return _mistaken(widths, direction, lambda n_in, n_out: 1 / n_in)

    def swapped(widths, direction):
        return _glorot_gain(widths, "backward" if direction == "forward" else "forward")

    def one_layer(widths, direction):
        return _glorot_gain(widths[:2], direction)

    def std(widths, direction):
        return math.sqrt(_glorot_gain(widths, direction))

    def summed(widths, direction):
        return sum((a if direction == "forward" else b) * 2 / (a + b) for a, b in _layers(widths))

    return check_function(
        answer, _glorot_gain, _GAIN_CASES, name="glorot_gain",
        correct="each layer contributes its factor, and the factors multiply.",
        hint="One layer multiplies the forward variance by fan_in · Var[W] and the "
             "backward one by fan_out · Var[W]; what do several layers do?",
        mistakes=[
            Mistake(lecun, "that is the gain with LeCun's variance 1 / fan_in; Glorot's is "
                           "2 / (fan_in + fan_out)."),
            Mistake(swapped, "forward and backward are swapped: the forward pass sums over a "
                             "layer's fan_in, the backward pass over its fan_out."),
            Mistake(one_layer, "only the first layer is counted; the network has more."),
            Mistake(std, "that is a gain of the standard deviation; the question asks for the "
                         "variance."),
            Mistake(summed, "the layers' factors multiply (each scales what the previous one "
                            "produced); they do not add."),
        ])


def _layers(widths):
    """(fan_in, fan_out) of each layer of a network with these widths, input first."""
    return list(zip(widths[:-1], widths[1:], strict=True))


def _mistaken(widths, direction, variance):
    gain = 1.0
    for n_in, n_out in _layers(widths):
        gain *= (n_in if direction == "forward" else n_out) * variance(n_in, n_out)
    return gain
