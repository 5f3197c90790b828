"""Formative checkers for notebook 03 (small-range uniform).

A typical mistake (ReLU treated like a linear layer), and the feedback it gets:

>>> import math
>>> def layers_to_vanish(fan_in, limit, activation="tanh", ratio=1e-6):
...     per_layer = math.sqrt(fan_in * limit**2 / 3)
...     return math.floor(math.log(ratio) / math.log(per_layer)) + 2
>>> check_layers_to_vanish(layers_to_vanish)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: a ReLU zeroes half of z, ...
"""

from __future__ import annotations

import math

from .feedback import Mistake, check_function

__all__ = ["check_layers_to_vanish"]

_FACTORS = {"linear": 1.0, "tanh": 1.0, "relu": 0.5}


def _layer(log_ratio: float, log_factor: float) -> int:
    """Smallest whole L >= 2 with (L - 1) * log_factor < log_ratio (both logs < 0)."""
    return math.floor(log_ratio / log_factor) + 2


def _reference(fan_in, limit, activation="tanh", ratio=1e-6):
    variance_factor = fan_in * limit**2 / 3 * _FACTORS[activation]
    return _layer(math.log(ratio), 0.5 * math.log(variance_factor))


def check_layers_to_vanish(answer) -> bool:
    """Check ``layers_to_vanish(fan_in, limit, activation="tanh", ratio=1e-6)``: in a deep
    network of constant width ``fan_in`` with U(-limit, limit) weights, the first layer
    (counting from 1) at which the predicted std of the pre-activations has fallen below
    ``ratio`` times its value at layer 1; ``activation`` is "linear", "tanh" (taken in
    its linear range, tanh(z) ≈ z) or "relu". A whole number, checked exactly.

    Recognised mistakes: the uniform's variance without its 1/3, the ReLU's half left
    out, the variance's factor used for the std, one layer early or late (counting the
    factor once per layer including layer 1, or stopping at the last layer above the
    ratio).
    """
    cases = [dict(fan_in=256, limit=0.05, activation="relu", ratio=1e-6),
             dict(fan_in=100, limit=0.08, activation="tanh", ratio=1e-3),
             dict(fan_in=512, limit=0.05, activation="linear", ratio=1e-4),
             dict(fan_in=64, limit=0.05, activation="tanh", ratio=1e-6)]

    def variant(variance, *, std=True, shift=0):
        def formula(fan_in, limit, activation, ratio):
            log_factor = math.log(variance(fan_in, limit, activation))
            return _layer(math.log(ratio), 0.5 * log_factor if std else log_factor) + shift
        return formula

    def right(fan_in, limit, activation):
        return fan_in * limit**2 / 3 * _FACTORS[activation]

    mistakes = [
        Mistake(variant(lambda n, a, act: n * a**2 * _FACTORS[act]),
                "the variance of U(-a, a) is a² / 3, not a²."),
        Mistake(variant(lambda n, a, act: n * a**2 / 3),
                "a ReLU zeroes half of z, so E[relu(z)^2] = Var[z] / 2: its layers "
                "shrink the signal faster than linear ones."),
        Mistake(variant(right, std=False),
                "that uses the variance's factor per layer; the question is about the "
                "std, whose factor is the square root."),
        Mistake(variant(right, shift=-1),
                "one layer early: layer 1 is the reference, so after layer L the std has "
                "been multiplied L - 1 times."),
        Mistake(variant(right, shift=+1),
                "one layer late: the answer is the first layer already below the ratio."),
    ]
    return check_function(
        answer, _reference, cases, mistakes=mistakes, rtol=0.0, name="layers_to_vanish",
        correct="the layer is right for every width, range, activation and ratio tried.",
        hint="Find the factor g by which one layer multiplies the std, then the smallest "
             "whole L with g**(L - 1) < ratio.")
