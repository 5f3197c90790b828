"""Feedback for notebook 05 (non-zero-mean normal): functions of the exercise's parameters,
checked at a few cases; messages name the mistake, never the expected value.

A typical mistake, and the feedback it gets:

>>> def first_layer_correlation(mu, sigma):
...     return mu / (mu + sigma)
>>> check_first_layer_correlation(first_layer_correlation)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: a correlation compares variances ...
"""

from __future__ import annotations

import math

from .feedback import Mistake, check_function

__all__ = ["check_first_layer_correlation", "check_relu_offset"]

_CORRELATION_CASES = [dict(mu=0.01, sigma=0.05), dict(mu=0.3, sigma=0.2),
                      dict(mu=-0.02, sigma=0.1), dict(mu=0.0, sigma=1.0)]


def check_first_layer_correlation(answer) -> bool:
    """Check ``answer(mu, sigma)``: the correlation, across inputs, between two units of
    a first layer whose weights are drawn from N(mu, sigma^2) and whose inputs are
    independent with zero mean and equal variance. Tried at a few ``(mu, sigma)``,
    negative and zero means among them.

    Raises :class:`~initlib.course.exercises.feedback.Feedback` (an ``AssertionError``)
    for an unanswered, failing or wrong function, naming the mistake when it is a
    typical one.
    """
    return check_function(
        answer, lambda mu, sigma: mu**2 / (mu**2 + sigma**2), _CORRELATION_CASES,
        name="first_layer_correlation",
        correct="right for every case tried, zero mean and negative means included.",
        hint="Write the covariance of z_j and z_k over the inputs for fixed weights, then "
             "average the weight products: which part do two columns of W share?",
        mistakes=[
            Mistake(lambda mu, sigma: mu / (mu + sigma) if mu + sigma else math.nan,
                    "a correlation compares variances (squares), not the mean and std "
                    "themselves."),
            Mistake(lambda mu, sigma: mu**2 / sigma**2,
                    "that is the ratio of the shared to the unit's own variance; a "
                    "correlation divides the shared part by the total (shared + own)."),
            Mistake(lambda mu, sigma: mu / math.sqrt(mu**2 + sigma**2),
                    "that is a ratio of standard deviations; the correlation of two units "
                    "with the same loading on the shared part is a ratio of variances."),
            Mistake(lambda mu, sigma: sigma**2 / (mu**2 + sigma**2),
                    "that is the share of each unit's variance that is its own; the "
                    "correlation is the share the two units have in common."),
        ])


_OFFSET_CASES = [dict(fan_in=256, mu=0.01, q=1.0), dict(fan_in=100, mu=0.02, q=4.0),
                 dict(fan_in=30, mu=-0.05, q=0.25)]


def check_relu_offset(answer) -> bool:
    """Check ``answer(fan_in, mu, q)``: the mean of every pre-activation of a layer with
    ``fan_in`` inputs and N(mu, sigma^2) weights, when its inputs are ReLUs of
    independent N(0, q) pre-activations. Tried at a few cases (negative means too).

    Raises :class:`~initlib.course.exercises.feedback.Feedback` for an unanswered,
    failing or wrong function, naming the mistake when it is a typical one.
    """
    def offset(fan_in, mu, q):
        return fan_in * mu * math.sqrt(q / (2 * math.pi))

    return check_function(
        answer, offset, _OFFSET_CASES, name="relu_offset",
        correct="the offset is the same for every unit, and grows with fan_in.",
        hint="E[z_j] = sum_i E[h_i] E[W_ij]; E[h] = E[max(0, sqrt(q) Z)] needs an "
             "integral over half a Gaussian.",
        mistakes=[
            Mistake(lambda fan_in, mu, q: fan_in * mu * q / 2,
                    "q / 2 is E[relu(z)^2], the second moment; the offset needs the mean "
                    "E[relu(z)]."),
            Mistake(lambda fan_in, mu, q: fan_in * mu * math.sqrt(q) / 2,
                    "E[relu(z)] is not half the std: integrate z over the positive half "
                    "of the Gaussian density."),
            Mistake(lambda fan_in, mu, q: fan_in * mu / math.sqrt(2 * math.pi),
                    "right for q = 1 only: the input's mean scales with its std, "
                    "sqrt(q)."),
            Mistake(lambda fan_in, mu, q: mu * math.sqrt(q / (2 * math.pi)),
                    "that is the mean of one term h_i W_ij; the pre-activation sums "
                    "fan_in of them."),
            Mistake(lambda fan_in, mu, q: fan_in * mu * math.sqrt(q / math.pi),
                    "check the normalisation of the half-Gaussian integral: "
                    "E[max(0, Z)] for a standard normal Z."),
        ])
