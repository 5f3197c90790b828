"""Feedback for notebook 07 (He/Kaiming): functions of the exercise's parameters, checked
at a few cases; messages name the mistake, never the expected value.

A typical mistake, and the feedback it gets:

>>> def fan_out_forward_gain(widths):
...     return 1.0
>>> check_fan_out_forward_gain(fan_out_forward_gain)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: 1 is right for fan_in mode ...
"""

from __future__ import annotations

import math

from ...fans import compute_fans
from .feedback import Mistake, check_function

__all__ = ["check_fan_out_forward_gain", "check_he_std"]

_STD_CASES = [dict(shape=(784, 128), layout="keras", mode="fan_in"),
              dict(shape=(128, 784), layout="torch", mode="fan_in"),
              dict(shape=(3, 3, 64, 128), layout="keras", mode="fan_in"),
              dict(shape=(128, 64, 3, 3), layout="torch", mode="fan_in"),
              dict(shape=(784, 128), layout="keras", mode="fan_out"),
              dict(shape=(128, 64, 5, 5), layout="torch", mode="fan_out")]


def _std(shape, layout, mode):
    fan_in, fan_out = compute_fans(shape, layout)
    return math.sqrt(2 / (fan_in if mode == "fan_in" else fan_out))


def check_he_std(answer) -> bool:
    """Check ``answer(shape, layout="keras", mode="fan_in")``: He's normal std for a
    dense or convolution weight of ``shape`` in ``layout`` (``"keras"``: kernel
    dimensions first, then fan_in and fan_out channels; ``"torch"``: out and in
    channels, then kernel dimensions), in either mode. Tried on dense and convolution
    shapes in both layouts and both modes.

    Raises :class:`~initlib.course.exercises.feedback.Feedback` (an ``AssertionError``)
    for an unanswered, failing or wrong function, naming the mistake when it is a
    typical one.
    """
    def first_axis(shape, layout, mode):
        return math.sqrt(2 / shape[0])

    def keras_always(shape, layout, mode):
        return _std(shape, "keras", mode)

    def no_receptive_field(shape, layout, mode):
        fan_in, fan_out = compute_fans(shape[-2:] if layout == "keras" else shape[:2], layout)
        return math.sqrt(2 / (fan_in if mode == "fan_in" else fan_out))

    def mode_ignored(shape, layout, mode):
        return _std(shape, layout, "fan_in")

    def variance(shape, layout, mode):
        return _std(shape, layout, mode) ** 2

    def lecun(shape, layout, mode):
        return _std(shape, layout, mode) / math.sqrt(2)

    def glorot(shape, layout, mode):
        fan_in, fan_out = compute_fans(shape, layout)
        return math.sqrt(2 / (fan_in + fan_out))

    def wrapped(shape, layout="keras", mode="fan_in"):  # called as the hidden tests do
        return answer(shape, layout, mode)

    return check_function(
        wrapped if callable(answer) else answer, _std, _STD_CASES, name="he_std",
        correct="right for dense and convolution weights, both layouts, both modes.",
        hint="Find the layout's fan_in and fan_out first (the receptive field multiplies "
             "both), then He's variance 2 / fan.",
        mistakes=[
            Mistake(first_axis, "that reads the fan off shape[0], as the article's code does; "
                                "shape[0] is the fan_in only for a Keras dense kernel."),
            Mistake(keras_always, "the torch layout stores (out_channels, in_channels, "
                                  "*kernel): its fan_in is not where Keras puts it."),
            Mistake(no_receptive_field, "a convolution's fans include its receptive field: "
                                        "each output sees kh · kw inputs of every channel."),
            Mistake(mode_ignored, "mode='fan_out' should use the fan_out (He et al.'s "
                                  "backward condition)."),
            Mistake(variance, "that is the variance; the question asks for the std."),
            Mistake(lecun, "that is LeCun's std, 1 / fan; He's variance has the ReLU's "
                           "factor 2."),
            Mistake(glorot, "that is Glorot's std, which averages the two fans; He uses one "
                            "fan, chosen by mode."),
        ])


_GAIN_CASES = [dict(widths=(784, 512, 256, 10)), dict(widths=(64, 64, 64)),
               dict(widths=(100, 20, 80, 40)), dict(widths=(10, 300))]


def check_fan_out_forward_gain(answer) -> bool:
    """Check ``answer(widths)``: the factor by which a plain ReLU network with He's
    fan_out weights multiplies the variance of its pre-activations from layer 1 to the
    last layer, for layer widths ``widths`` (input first). Tried on a few networks, one
    of a single layer.

    Raises :class:`~initlib.course.exercises.feedback.Feedback` for an unanswered,
    failing or wrong function, naming the mistake when it is a typical one.
    """
    return check_function(
        answer, lambda widths: widths[1] / widths[-1], _GAIN_CASES,
        name="fan_out_forward_gain",
        correct="the product over layers telescopes, as He et al. note.",
        hint="Write layer l's factor ½ · fan_in · Var[w_l] with Var[w_l] = 2 / fan_out, "
             "then multiply the factors of layers 2 to L.",
        mistakes=[
            Mistake(lambda widths: widths[0] / widths[-1],
                    "layer 1's factor is not part of the ratio: it starts at layer 1's "
                    "pre-activations, so the product runs over layers 2 to L."),
            Mistake(lambda widths: widths[-1] / widths[1],
                    "that is the inverse: with fan_out weights a layer that narrows (fan_in "
                    "> fan_out) amplifies the forward signal."),
            Mistake(lambda widths: math.sqrt(widths[1] / widths[-1]),
                    "that is the gain of the standard deviation; the question asks for the "
                    "variance."),
            Mistake(lambda widths: widths[1] / widths[-1] / 2 ** (len(widths) - 2),
                    "fan_out mode already contains the ReLU's factor 2: each layer's factor "
                    "is fan_in / fan_out, without another ½."),
            Mistake(lambda widths: 1.0,
                    "1 is right for fan_in mode (or equal widths); with fan_out weights "
                    "the forward pass keeps a ratio of widths."),
        ])
