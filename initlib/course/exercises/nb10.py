"""Feedback for notebook 10 (beyond the article): functions of the exercise's parameters,
checked at a few cases; messages name the mistake, never the expected value.

>>> def jacobian_mean_square(depth, width, variance):
...     return width * variance * depth
>>> check_jacobian_mean_square(jacobian_mean_square)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: ...
"""

from __future__ import annotations

from .feedback import Mistake, check_function, check_pair

__all__ = ["check_jacobian_mean_square", "check_selu_moments", "check_tanh_chi"]

_SELU_CASES = [dict(q=0.25), dict(q=0.5), dict(q=3.0)]
# (mean, second moment) at these cases; tests/test_course_exercises_nb10.py derives them
_SELU_VALUES = [(-0.05480050359611241, 0.3306860291045821),
                (-0.041430000033197086, 0.5792161981041661),
                (0.17500358051398301, 2.3796884526901456)]
_SELU_RTOL = 2e-3
_SELU_MISTAKES = [
    ([(-0.052156136004059855, 0.29954189047765845), (-0.03943081859804154, 0.5246653916562445),
      (0.1665588808043773, 2.1555684701793862)],
     "the scale λ is missing: SELU is λ·z for z > 0 and λ·α·(e^z − 1) below 0."),
    ([(0.05157888511887069, 0.2068189074345923), (0.09450000884128368, 0.384294443826649),
      (0.3967143654779504, 1.9144512581318955)],
     "α is missing from the negative branch, λ·α·(e^z − 1)."),
    ([(-0.05480050359611241, 0.3276829339101946), (-0.041430000033197086, 0.5774997532014154),
      (0.17500358051398301, 2.3490621994974314)],
     "the second entry is the variance; the question asks for the second moment E[selu(z)²], "
     "which includes the squared mean."),
    ([(-0.04634784116271337, 0.10112263139623165), (-0.05480050359611241, 0.3306860291045821),
      (0.5920910658308848, 5.962382275247537)],
     "q is the variance of z, not its std: z = sqrt(q) · Z with Z standard normal."),
    ([(0.19947114020071635, 0.125), (0.28209479177387814, 0.25), (0.690988298942671, 1.5)],
     "those are a ReLU's moments; SELU's negative branch does not vanish."),
]


def check_selu_moments(answer) -> bool:
    """Check ``answer(q)``: the pair (mean, second moment) of SELU(z) for z ~ N(0, q),
    to about three significant digits. Tried at a few variances other than 1.

    Recognises: λ or α left out, the variance returned instead of the second moment, q
    taken as the std, and a ReLU's moments. Raises
    :class:`~initlib.course.exercises.feedback.Feedback` for an unanswered, failing or
    wrong function, or one that does not return a pair.
    """
    return check_pair(
        answer, _SELU_VALUES, _SELU_CASES, name="selu_moments", signature="q",
        parts=("mean", "second moment"), rtol=_SELU_RTOL,
        mistakes=[Mistake(values, message) for values, message in _SELU_MISTAKES],
        correct="SELU's mean and second moment for every variance tried. At q = 1 they are "
                "0 and 1: the fixed point.",
        hints=(" (to three digits). Split the integral at 0: the positive branch is λ·z, "
               "the negative one λ·α·(e^z − 1).",
               " (to three digits). Square each branch before you integrate it."))


_JACOBIAN_CASES = [dict(depth=16, width=128, variance=1 / 128),
                   dict(depth=4, width=64, variance=0.02),
                   dict(depth=10, width=100, variance=0.009)]


def check_jacobian_mean_square(answer) -> bool:
    """Check ``answer(depth, width, variance)``: the expected mean of the squared singular
    values of the product of ``depth`` square Gaussian matrices of size ``width`` whose
    entries have mean 0 and the given variance. Tried at a few depths, widths and
    variances.

    Recognises: the layers' factors added instead of multiplied, a std-like square root,
    the width left out, and an answer that ignores the variance. Raises
    :class:`~initlib.course.exercises.feedback.Feedback` for an unanswered, failing or
    wrong function.
    """
    return check_function(
        answer, [1.0, 2.68435456, 0.34867844009999965], _JACOBIAN_CASES,
        name="jacobian_mean_square",
        correct="each layer multiplies E[tr(J Jᵀ)] / width by the same factor, in every case "
                "tried.",
        hint="Start from one layer: E[tr(W Wᵀ)] sums width² entries of the given variance.",
        mistakes=[
            Mistake([16.0, 5.12, 9.0], "the layers' factors multiply (each layer scales what "
                                       "the previous ones produced); they do not add."),
            Mistake([1.0, 1.6384, 0.5904899999999997],
                    "that is a factor of the singular values themselves; the question asks "
                    "for the mean of their squares."),
            Mistake([1.925929944387236e-34, 1.6e-07, 3.4867844009999974e-21],
                    "each output sums width products, so width enters every layer's factor."),
            Mistake([1.0, 1.0, 1.0], "the mean square is 1 only when width · variance = 1; "
                                     "here the variance is a parameter."),
        ])


_CHI_CASES = [dict(sigma_w=1.5, sigma_b=0.0), dict(sigma_w=2.0, sigma_b=0.3),
              dict(sigma_w=0.8, sigma_b=0.2)]
_CHI_VALUES = [1.1393232249865937, 1.3270703910212869, 0.552167862621569]
_SIGMA_W = [case["sigma_w"] for case in _CHI_CASES]


def check_tanh_chi(answer) -> bool:
    """Check ``answer(sigma_w, sigma_b)``: chi = sigma_w² E[tanh'(z)²] for a deep tanh
    network with weights N(0, sigma_w²/fan_in) and biases N(0, sigma_b²), at the fixed
    point of the variance map. Tried in both phases, with and without biases, to two
    significant digits.

    Recognises: chi taken at the input's variance 1 instead of the fixed point, the factor
    sigma_w² left out or not squared, and the square of the mean slope instead of the mean
    of the squared slope. Raises :class:`~initlib.course.exercises.feedback.Feedback` for
    an unanswered, failing or wrong function.
    """
    return check_function(
        answer, _CHI_VALUES, _CHI_CASES, name="tanh_chi",
        correct="chi at the fixed point q*, in both phases.",
        hint="Iterate q <- sigma_w² E[tanh(sqrt(q) Z)²] + sigma_b² to its fixed point first, "
             "then average tanh'² there.",
        mistakes=[
            Mistake([1.0449065305086038, 1.8576116097930733, 0.2972178575668918],
                    "that is chi for pre-activations of variance 1; deep in the network they "
                    "have the fixed-point variance q*."),
            Mistake([chi / w**2 for chi, w in zip(_CHI_VALUES, _SIGMA_W, strict=True)],
                    "the backward factor multiplies E[tanh'(z)²] by sigma_w² (equation (2) of "
                    "notebook 01 with n_out Var[W] = sigma_w²)."),
            Mistake([chi / w for chi, w in zip(_CHI_VALUES, _SIGMA_W, strict=True)],
                    "sigma_w is a std; the factor is its square, sigma_w²."),
            Mistake([0.9430299756413953, 0.8429504158350377, 0.5465393599765934],
                    "that is the square of the mean slope, (E[tanh'(z)])²; chi needs the mean "
                    "of the squared slope, E[tanh'(z)²]."),
        ])
