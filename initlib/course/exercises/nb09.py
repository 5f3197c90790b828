"""Feedback for notebook 09 (the FAQ): clipped weights and PyTorch's slope parameter,
functions of the exercise's parameters checked at a few cases; messages name the mistake,
never the expected value.

>>> def relu_variance_factor(a):
...     return 2 / (1 + a * a)
>>> check_relu_variance_factor(relu_variance_factor)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: this is the factor of a linear ...
"""

from __future__ import annotations

from .feedback import Mistake, check_function

__all__ = ["check_clipped_std_fraction", "check_relu_variance_factor"]

# The values at the visible cases; tests/test_course_exercises_nb09.py derives them.
_CLIP_CASES = [dict(c=2.0), dict(c=1.0), dict(c=2.6)]
_CLIP_VALUES = [0.9594461556733254, 0.7183721535260907, 0.9914965688382762]
_CLIP_RTOL = 3e-3
_CLIP_MISTAKES = [
    Mistake([0.8796256610342398, 0.5395600937548969, 0.9636928509814581],
            "that is the std of a *truncated* normal, whose values beyond the range are "
            "redrawn (Keras's TruncatedNormal). Clipping moves them to the edge instead, "
            "which keeps more spread."),
    Mistake([0.9205369256363228, 0.5160585509617133, 0.9830654460180746],
            "that is the ratio of the variances; the question asks for the std."),
    Mistake([0.9544997361036416, 0.6826894921370859, 0.9906776239525625],
            "that is the share of weights inside the range, not a std."),
    Mistake([0.04550026389635842, 0.31731050786291415, 0.009322376047437464],
            "that is the share of weights that get clipped, not a std."),
    Mistake([1.0, 1.0, 1.0], "clipping does change the std: the weights beyond the range "
                             "move inwards."),
]

_SLOPE_CASES = [dict(a=5 ** 0.5), dict(a=0.0), dict(a=1.0)]
_SLOPE_VALUES = [0.16666666666666663, 1.0, 0.5]
_SLOPE_MISTAKES = [
    Mistake([0.33333333333333326, 2.0, 1.0], "this is the factor of a linear layer: a ReLU "
                                             "keeps only half of the second moment."),
    Mistake([0.40824829046386296, 1.0, 0.7071067811865475],
            "this is a factor of the std; the question asks for the variance."),
    Mistake([0.49999999999999994, 3.0, 1.5], "U(-b, b) has variance b²/3, not b²."),
    Mistake([0.3090169943749474, 1.0, 0.5], "the slope enters PyTorch's gain squared."),
]


def check_clipped_std_fraction(answer) -> bool:
    """Check ``answer(c)``: the std of normal weights after clipping them to ``c`` of
    their own std on either side, as a fraction of the std before (exercise 1). Tried at
    three thresholds, to 0.3 % (a measurement on a draw of a million weights or more
    passes).

    Recognises: the truncated normal (values redrawn instead of clipped), the ratio of
    variances, the share of weights inside or outside the range, an unchanged std.
    Raises :class:`~initlib.course.exercises.feedback.Feedback` for an unanswered,
    failing or wrong function.
    """
    return check_function(
        answer, _CLIP_VALUES, _CLIP_CASES, rtol=_CLIP_RTOL, name="clipped_std_fraction",
        mistakes=_CLIP_MISTAKES,
        correct="clipping always loses some spread, less the wider the range.",
        hint="E[min(z², c²)] for a standard normal z has a part inside the range and a part "
             "from the two clipped tails; or clip a large NumPy draw and compare the stds.")


def check_relu_variance_factor(answer) -> bool:
    """Check ``answer(a)``: the factor by which one wide ReLU layer with PyTorch's
    ``kaiming_uniform_(a=a)`` weights multiplies the pre-activation variance
    (exercise 2). Tried at three slopes.

    Recognises: ReLU's halving of the second moment left out, a std factor instead of a
    variance factor, the squared bound taken as the variance, the slope used without
    squaring it. Raises :class:`~initlib.course.exercises.feedback.Feedback` for an
    unanswered, failing or wrong function.
    """
    return check_function(
        answer, _SLOPE_VALUES, _SLOPE_CASES, name="relu_variance_factor",
        mistakes=_SLOPE_MISTAKES,
        correct="right at every slope tried (a = 0 is He's own case).",
        hint="Write the gain for slope a, the bound b of the uniform law, its variance, and "
             "what a ReLU does to the second moment.")
