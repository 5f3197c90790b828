"""Feedback for notebook 08 (training in Keras): a function of the network's widths,
checked at a few networks; messages name the mistake, never the expected value.

A typical mistake, and the feedback it gets:

>>> def he_over_glorot(widths):
...     return 2 ** ((len(widths) - 2) / 2)
>>> check_he_over_glorot(he_over_glorot)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: that holds for equal widths only; ...
"""

from __future__ import annotations

from .feedback import Mistake, check_function

__all__ = ["check_he_over_glorot"]

_CASES = [dict(widths=(64, 128, 128, 128, 10)), dict(widths=(100, 50, 200, 10)),
          dict(widths=(784, 256, 256, 256, 256, 10)), dict(widths=(10, 40, 20)),
          dict(widths=(32, 32, 32, 32, 32))]

# The right values at _CASES, as numbers (tests/test_course_exercises_nb08.py checks them
# against the mean-field derivation), so that nothing here computes the answer elsewhere.
_RIGHT = [2.0766559657295187, 2.29128784747792, 2.883140648667699, 1.224744871391589,
          2.8284271247461903]


def check_he_over_glorot(answer) -> bool:
    """Check ``answer(widths)``: in mean field, how many times larger the std of the
    gradient reaching the first layer's pre-activations is with He-normal weights than
    with Glorot-normal weights, for a plain ReLU network with layer widths ``widths``
    (input first, the output layer's width last), zero biases, every layer's weights drawn
    by the strategy, and the same gradient at the output. Tried on five networks, among
    them one with equal widths and one with a single hidden layer.

    Recognises: He's variance taken with the fan_out, the variance ratio given for the
    std's, the first layer's weights counted in the backward pass, the output layer's
    weights left out of it, equal widths assumed, the ratio turned upside down.

    Raises :class:`~initlib.course.exercises.feedback.Feedback` (an ``AssertionError``)
    for an unanswered, failing or wrong function, naming the mistake when it is a
    typical one.
    """
    return check_function(
        answer, _RIGHT, _CASES, name="he_over_glorot",
        correct="right for every network tried, narrowing and widening layers included.",
        hint="Write the backward factor n_out · Var[W] · E[φ'(z)²] of one layer for each "
             "strategy, take their quotient, and multiply over the layers whose weights "
             "the gradient passes on its way from the output to layer 1.",
        mistakes=[
            Mistake([7.429670248402684, 5.123475382979799, 14.587666023048376,
                     1.7320508075688772, 2.8284271247461903],
                    "He's variance (fan_in mode, as the notebook's he_normal) divides by "
                    "the weight's fan_in, n_{l-1}; that used its fan_out."),
            Mistake([4.3125, 5.25, 8.3125, 1.5, 8.0],
                    "that is the ratio of the variances; the question asks for the std's."),
            Mistake([3.59687364248454, 2.806243040080456, 3.3206604334508087,
                     2.7386127875258306, 4.0],
                    "the first layer's weights are not on the way: the gradient reaching "
                    "layer 1's pre-activations has passed the weights of layers 2 to L "
                    "only."),
            Mistake([2.0, 2.23606797749979, 2.8284271247461903, 1.0, 2.0],
                    "the output layer's weights are on the way too: the backward pass "
                    "starts at the output and crosses layers L, L-1, ..., 2."),
            Mistake([2.8284271247461903, 2.0, 4.0, 1.4142135623730951, 2.8284271247461903],
                    "that holds for equal widths only; with different widths each layer's "
                    "factor depends on its fan_in and fan_out."),
            Mistake([0.4815434123430768, 0.4364357804719848, 0.346843987809648,
                     0.8164965809277261, 0.35355339059327373],
                    "that is Glorot over He; the question asks for He over Glorot."),
        ])
