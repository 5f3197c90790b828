"""Formative checkers for notebook 04 (large-range uniform).

A typical mistake, and the feedback it gets:

>>> import math
>>> def tanh_chi_large(sigma_w2):
...     return 4 / 3 * math.sqrt(sigma_w2)
>>> check_tanh_chi_large(tanh_chi_large)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: the Gaussian density near 0 is ...
"""

from __future__ import annotations

import math

from .feedback import Mistake, check_function

__all__ = ["check_tanh_chi_large", "check_critical_limit"]


def _chi_large(sigma_w2):
    return 4 / 3 * math.sqrt(sigma_w2 / (2 * math.pi))


def check_tanh_chi_large(answer) -> bool:
    """Check ``tanh_chi_large(sigma_w2)``: the leading behaviour, for large ``sigma_w2``
    (fan_in times the weights' variance, zero biases), of the factor χ by which one tanh
    layer multiplies the variance of the backward gradient at the mean-field fixed point.
    Checked at several large values with a relative tolerance of 1 %.

    Recognised mistakes: the integral of tanh′ in place of that of tanh′², the square
    root of 2π left out, σ_w² in place of σ_w (no square root), the Gaussian density's
    1/√(2π q) taken at q = 1.
    """
    cases = [dict(sigma_w2=100.0), dict(sigma_w2=1e3), dict(sigma_w2=5e4)]
    mistakes = [
        Mistake(lambda sigma_w2: 2 * math.sqrt(sigma_w2 / (2 * math.pi)),
                "that integrates tanh′ (which gives 2); χ needs E[tanh′²], so integrate "
                "tanh′(u)² = sech⁴(u)."),
        Mistake(lambda sigma_w2: 4 / 3 * math.sqrt(sigma_w2),
                "the Gaussian density near 0 is 1 / √(2π q), not 1 / √q."),
        Mistake(lambda sigma_w2: 4 / 3 * sigma_w2 / math.sqrt(2 * math.pi),
                "the density of the pre-activations near 0 falls like 1 / √q, with "
                "q ≈ σ_w²: χ grows like the square root of σ_w², not like σ_w²."),
        Mistake(lambda sigma_w2: 4 / 3 * sigma_w2 / (2 * math.pi),
                "the Gaussian density near 0 is 1 / √(2π q): a square root is missing."),
    ]
    return check_function(
        answer, _chi_large, cases, mistakes=mistakes, rtol=0.01, name="tanh_chi_large",
        correct="right for every σ_w² tried.",
        hint="For large q the Gaussian density is nearly flat where tanh′² is not small: "
             "E[tanh′(√q Z)²] ≈ (density at 0) × (integral of tanh′²). Where is q* when "
             "almost every unit is saturated?")


def _critical(fan_in):
    return math.sqrt(3 / fan_in)


def check_critical_limit(answer) -> bool:
    """Check ``critical_limit(fan_in)``: the limit ``a`` of U(-a, a) weights at which a
    deep tanh network of constant width ``fan_in`` (zero biases) sits at the boundary
    between gradients that vanish and gradients that explode (χ = 1 in the mean-field
    theory). Relative tolerance 1 %.

    Recognised mistakes: the std in place of the limit, He's or Glorot-like factor 2,
    the variance in place of the limit, PyTorch's tanh gain 5/3.
    """
    cases = [dict(fan_in=256), dict(fan_in=64), dict(fan_in=1000)]
    mistakes = [
        Mistake(lambda fan_in: math.sqrt(1 / fan_in),
                "that is the std with variance 1 / fan_in; the limit of U(-a, a) with "
                "that variance is larger (Var = a² / 3)."),
        Mistake(lambda fan_in: math.sqrt(6 / fan_in),
                "that is He's uniform limit (variance 2 / fan_in), right for ReLU. For "
                "tanh with zero biases, the fixed point is q* = 0, where tanh′ = 1."),
        Mistake(lambda fan_in: 3 / fan_in,
                "that is a²; take the square root."),
        Mistake(lambda fan_in: 5 / 3 * math.sqrt(3 / fan_in),
                "that applies PyTorch's tanh gain 5/3, an empirical choice; χ = 1 needs "
                "no gain with zero biases."),
    ]
    return check_function(
        answer, _critical, cases, mistakes=mistakes, name="critical_limit",
        correct="right for every fan_in tried.",
        hint="χ = σ_w² E[tanh′(√q* Z)²]. Where is the fixed point q* when σ_w² ≤ 1, and "
             "what is tanh′ there?")
