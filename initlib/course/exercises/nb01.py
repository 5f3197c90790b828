"""Feedback for notebook 01 (why initialization matters): functions of the exercise's
parameters, checked at a few cases; messages name the mistake, never the expected value.

>>> def first_layer_std(n_features, input_mean, input_std):
...     return (n_features * input_std**2) ** -0.5
>>> check_first_layer_std(first_layer_std)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: ...
"""

from __future__ import annotations

from .feedback import Mistake, check_function, check_pair

__all__ = ["check_first_layer_std", "check_relu_layer_gains"]

RTOL = 1e-2

_STD_CASES = [dict(n_features=64, input_mean=8.0, input_std=5.0),
              dict(n_features=100, input_mean=0.0, input_std=2.0),
              dict(n_features=10, input_mean=3.0, input_std=1.0)]
# the right values at these cases (tests/test_course_exercises_nb01.py derives them)
_STD_VALUES = [0.0132499735000795, 0.05, 0.1]


def check_first_layer_std(answer) -> bool:
    """Check ``answer(n_features, input_mean, input_std)``: the std of zero-mean normal
    first-layer weights that gives pre-activations of variance 1 for independent inputs
    with that mean and std. Tried at a few cases, with and without an input mean.

    Recognises: the inputs' variance used where their second moment belongs, a variance
    returned instead of a std, the number of features left out, mean and std added before
    squaring, and LeCun's std for standardized inputs. Raises
    :class:`~initlib.course.exercises.feedback.Feedback` (an ``AssertionError``) for an
    unanswered, failing or wrong function.
    """
    return check_function(
        answer, _STD_VALUES, _STD_CASES, name="first_layer_std", rtol=RTOL,
        correct="the weights' variance times n_features times E[x²] is 1 in every case "
                "tried.",
        hint="Use equation (1) with Var[z] = 1, and ask what E[x²] is for an input with "
             "this mean and std.",
        mistakes=[
            Mistake([0.025, 0.05, 0.31622776601683794],
                    "equation (1) needs the inputs' second moment E[x²], not their "
                    "variance: a non-zero mean adds its square."),
            Mistake([std**2 for std in _STD_VALUES],
                    "that is a variance; the question asks for the std of the weights."),
            Mistake([0.105999788000636, 0.5, 0.31622776601683794],
                    "each pre-activation sums n_features terms, so n_features belongs in "
                    "the equation."),
            Mistake([0.009615384615384616, 0.05, 0.07905694150420949],
                    "E[x²] is mean² + std², not (mean + std)²."),
            Mistake([0.125, 0.1, 0.31622776601683794],
                    "that is LeCun's std, right for standardized inputs only; these inputs "
                    "have their own mean and std."),
        ])


_GAIN_CASES = [dict(fan_in=784, fan_out=128, std=0.05),
               dict(fan_in=64, fan_out=256, std=0.1),
               dict(fan_in=100, fan_out=100, std=0.2)]
_FORWARD = [0.98, 0.32, 2.0]
_BACKWARD = [0.16, 1.28, 2.0]
_GAINS = list(zip(_FORWARD, _BACKWARD, strict=True))
# typical wrong answers, (forward, backward) at each case, from the right ones
_GAIN_MISTAKES = [
    Mistake([(b, f) for f, b in _GAINS],
            "forward and backward are swapped: the forward sum runs over the layer's fan_in, "
            "the backward one over its fan_out."),
    Mistake([(2 * f, 2 * b) for f, b in _GAINS],
            "both factors miss the ReLU's ½: it keeps half of E[z²] forward, and its slope "
            "is 1 on half of the inputs backward."),
    Mistake([(f / c["std"], b / c["std"]) for (f, b), c in zip(_GAINS, _GAIN_CASES, strict=True)],
            "std is the weights' standard deviation; equation (1) needs their variance, "
            "std²."),
    Mistake([(f, f) for f, b in _GAINS],
            "the forward factor is right; the backward one sums over the units the layer "
            "feeds, its fan_out."),
]


def check_relu_layer_gains(answer) -> bool:
    """Check ``answer(fan_in, fan_out, std)``: the pair of factors by which a ReLU layer
    with N(0, std²) weights multiplies the variance forward (pre-activations) and backward
    (the gradient with respect to its input). Tried at layers that narrow, widen and keep
    their width.

    Recognises: the two directions swapped, the ReLU's factor ½ left out, the std used
    for the variance, and the backward factor computed with fan_in. Raises
    :class:`~initlib.course.exercises.feedback.Feedback` for an unanswered, failing or
    wrong function, or one that does not return a pair.
    """
    return check_pair(
        answer, _GAINS, _GAIN_CASES,
        name="relu_layer_gains", parts=("forward factor", "backward factor"),
        returns="(forward, backward)", mistakes=_GAIN_MISTAKES,
        correct="forward fan_in · std² / 2, backward fan_out · std² / 2, in every case "
                "tried.",
        hints=(". Use equation (1) with E[relu(z)²] = Var[z] / 2.",
               ". Use equation (2) with E[relu'(z)²] = 1/2."))
