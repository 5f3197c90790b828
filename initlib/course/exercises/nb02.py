"""Formative checkers for notebook 02 (zero-mean normal).

Each checker calls the learner's function at a few parameter values, says ``Correct:``
or names the mistake it recognises; it never shows the expected values.

A typical mistake, and the feedback it gets:

>>> def leaky_relu_std(fan_in, slope):
...     return (2 / fan_in) ** 0.5
>>> check_leaky_relu_std(leaky_relu_std)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: that is He's std for a plain ReLU. ...
"""

from __future__ import annotations

import decimal
import math

import numpy as np

from .feedback import Mistake, check_function

__all__ = ["check_leaky_relu_std", "check_overflow_layer"]


def _leaky_std(fan_in, slope):
    return math.sqrt(2 / ((1 + slope**2) * fan_in))


def check_leaky_relu_std(answer) -> bool:
    """Check ``leaky_relu_std(fan_in, slope)``: the std of zero-mean normal weights that
    keeps the pre-activation variance of a dense leaky-ReLU layer unchanged (a layer of
    ``fan_in`` inputs, negative-side slope ``slope``; equation (1) of notebook 01).

    Recognised mistakes: the slope left out (He's plain-ReLU std), the slope not squared,
    the variance in place of the std, a minus sign where the negative side adds, the
    linear layer's std, the limit of a uniform in place of a normal's std.
    """
    cases = [dict(fan_in=100, slope=0.01), dict(fan_in=512, slope=0.2),
             dict(fan_in=64, slope=0.3), dict(fan_in=300, slope=0.5)]
    mistakes = [
        Mistake(lambda fan_in, slope: math.sqrt(2 / fan_in),
                "that is He's std for a plain ReLU. The negative side of a leaky ReLU "
                "passes slope · z, which adds to E[phi(z)^2]: work out E[phi(z)^2] for "
                "z ~ N(0, v) with both sides."),
        Mistake(lambda fan_in, slope: math.sqrt(2 / ((1 + slope) * fan_in)),
                "the negative side contributes the square of what it passes: slope², "
                "not slope."),
        Mistake(lambda fan_in, slope: 2 / ((1 + slope**2) * fan_in),
                "that is the variance of the weights; the std is its square root."),
        Mistake(lambda fan_in, slope: math.sqrt(2 / ((1 - slope**2) * fan_in)),
                "the negative side adds to E[phi(z)^2]; it does not subtract."),
        Mistake(lambda fan_in, slope: math.sqrt(1 / fan_in),
                "that keeps a linear layer (slope 1) only; with a smaller slope the "
                "layer passes less than the whole variance."),
        Mistake(lambda fan_in, slope: math.sqrt(6 / ((1 + slope**2) * fan_in)),
                "that is the limit a of a uniform U(-a, a) with this variance; the "
                "question asks for the std of a normal."),
    ]
    return check_function(
        answer, _leaky_std, cases, mistakes=mistakes, name="leaky_relu_std",
        correct="the std keeps the variance of a leaky-ReLU layer for every fan_in and "
                "slope tried.",
        hint="Compute E[phi(z)^2] for z ~ N(0, v), half of it from each side of 0, then "
             "set fan_in · std² · E[phi(z)^2] / v = 1.")


_FACTORS = {"linear": 1.0, "tanh": 1.0, "relu": 0.5}
_DTYPES = ("float16", "float32", "float64")


def _first_layer(limit: float, gain2: float) -> int:
    """Smallest whole L with gain2 ** (L / 2) > limit, in 40-digit decimals (powers of 2
    can land exactly on a float's limit)."""
    ctx = decimal.Context(prec=40)
    exact = 2 * ctx.ln(decimal.Decimal(limit)) / ctx.ln(decimal.Decimal(gain2))
    return math.floor(exact) + 1


def _overflow_layer(fan_in, std, activation="linear", dtype="float32"):
    limit = float(np.finfo(np.dtype(dtype)).max)
    return _first_layer(limit, fan_in * std**2 * _FACTORS[activation])


def check_overflow_layer(answer) -> bool:
    """Check ``overflow_layer(fan_in, std, activation="linear", dtype="float32")``: the
    first layer of a deep network of constant width ``fan_in`` (zero-mean normal weights
    of std ``std``, unit-variance inputs, ``activation`` "linear" or "relu") at which the
    predicted std of the pre-activations exceeds the largest finite number of ``dtype``
    ("float16", "float32" or "float64"). Layers count from 1; the answer is a whole
    number, checked exactly.

    Recognised mistakes: one layer early (the last layer that still fits), one layer late,
    the variance compared with the largest float, the ReLU's half left out, float32's
    limit whatever the dtype.
    """
    cases = [dict(fan_in=100, std=1.0, activation="linear", dtype="float32"),
             dict(fan_in=1000, std=0.5, activation="relu", dtype="float32"),
             dict(fan_in=64, std=1.0, activation="linear", dtype="float16"),
             dict(fan_in=256, std=0.5, activation="relu", dtype="float64")]
    f32 = float(np.finfo(np.float32).max)
    mistakes = [
        Mistake(lambda **c: _overflow_layer(**c) - 1,
                "that is the last layer whose std still fits; the question asks for the "
                "first layer past the limit."),
        Mistake(lambda **c: _overflow_layer(**c) + 1,
                "one layer too late: the std first exceeds the limit one layer earlier. "
                "If you took np.log of np.finfo(...).max, NumPy computed the logarithm "
                "in that small float type; convert the limit with float() first."),
        Mistake(lambda fan_in, std, activation, dtype: _first_layer(
                    float(np.finfo(np.dtype(dtype)).max),
                    (fan_in * std**2 * _FACTORS[activation]) ** 2),
                "you let the variance, not the std, reach the largest float. The values "
                "are of the size of the std: compare the std with the largest float."),
        Mistake(lambda fan_in, std, activation, dtype: _first_layer(
                    float(np.finfo(np.dtype(dtype)).max), fan_in * std**2),
                "a ReLU halves the second moment (E[relu(z)^2] = Var[z] / 2): the ReLU "
                "network grows more slowly than the linear one."),
        Mistake(lambda fan_in, std, activation, dtype: _first_layer(
                    f32, fan_in * std**2 * _FACTORS[activation]),
                "use the largest number of the dtype you are given "
                "(np.finfo(dtype).max), not always float32's."),
    ]
    return check_function(
        answer, _overflow_layer, cases, mistakes=mistakes, rtol=0.0, name="overflow_layer",
        correct="the first overflowing layer is right for every width, std, activation and "
                "dtype tried.",
        hint="The std after L layers is g**L, with g the per-layer factor of the std; "
             "solve g**L > np.finfo(dtype).max for the smallest whole L.")
