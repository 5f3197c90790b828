"""Checkers for the notebooks' exercises: feedback on an answer, not just right or wrong.

Each ``check_*`` function takes the learner's answer first and the exercise's parameters
as keywords. It

* prints one line starting with ``Correct:`` and returns ``True`` when the answer is
  within the relative tolerance ``rtol`` of the right value (1 % unless stated: an answer
  rounded to three significant digits passes, none of the mistakes below does);
* raises ``AssertionError`` naming the mistake when the answer equals a typical wrong
  one: the fan_out where the fan_in belongs, a missing factor 2 for ReLU or 1/3 for a
  uniform, a standard deviation given for a variance, a missing square root, the wrong
  sign, the other weight layout. Any other wrong answer gets a hint that does not give
  the value away;
* raises ``AssertionError`` starting with ``Not answered yet`` when the answer is
  ``None``, the value an exercise cell starts from (in a student copy that cell still
  raises nbgrader's ``NotImplementedError`` until the learner replaces it);
* raises ``TypeError`` or ``ValueError`` naming ``answer`` when it is not a finite real
  number (or, for the answers that are pairs, not two of them), and naming the
  parameter when an exercise's own parameter is invalid.

An ``AssertionError`` is what fails an nbgrader test cell, with its message shown under
the cell. In a notebook the answer cell sets a variable and the test cell checks it::

    >>> from initlib.course.exercises import check_glorot_variance
    >>> variance = 0.0707  # a std given for the variance
    >>> check_glorot_variance(variance, fan_in=300, fan_out=100)
    Traceback (most recent call last):
        ...
    initlib.course.exercises.feedback.Feedback: Not correct: that is the standard deviation; ...

Dense weights are ``(fan_in, fan_out)`` (Keras layout) unless ``layout="torch"``
(``(fan_out, fan_in)``), as everywhere in :mod:`initlib`. The formulas are those of
notebook 01: equation (1) ``Var[z] = fan_in Var[W] E[h^2]`` (LeCun et al. 1998),
Glorot & Bengio (2010), He et al. (2015); a uniform U(-a, a) has variance a^2/3.
"""

from __future__ import annotations

import decimal
import math
import statistics
from collections.abc import Sequence

import numpy as np

from ..._checks import _is_int, _is_real, check_choice, check_real, check_shape
from ...fans import LAYOUTS, compute_fans
from .feedback import _close, _verdict

__all__ = [
    "check_clipped_std", "check_fans", "check_forward_gain", "check_glorot_factors",
    "check_glorot_uniform_limit", "check_glorot_variance", "check_gradient_ratio",
    "check_he_std", "check_he_uniform_limit", "check_mean_offset", "check_overflow_layer",
    "check_jacobian_mean_square", "check_preserving_std", "check_selu_scale",
    "check_tanh_edge", "check_uniform_gain",
]

#: Relative tolerance of every checker unless its docstring says otherwise.
RTOL = 1e-2

NOT_ANSWERED = ("Not answered yet: the answer is None. Replace `raise NotImplementedError()` "
                "in the exercise cell above with code that sets it, run that cell, then run "
                "this one again.")

#: Activations whose factor E[phi(z)^2] / Var[z] the variance checkers know.
GAIN_ACTIVATIONS = ("linear", "tanh", "relu")


# --------------------------------------------------------------------------- the engine

def _scalar(answer, name: str = "answer") -> float:
    """``answer`` as a finite float; ``None`` is an unanswered exercise."""
    if answer is None:
        raise AssertionError(NOT_ANSWERED)
    if isinstance(answer, np.ndarray):
        if answer.size != 1:
            raise ValueError(f"{name} must be a single number, got an array of shape "
                             f"{answer.shape}")
        answer = answer.reshape(()).item()
    if not _is_real(answer):
        raise TypeError(f"{name} must be a real number, got {answer!r} of type "
                        f"{type(answer).__name__}")
    value = float(answer)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def _pair(answer, what: str, name: str = "answer") -> tuple[float, float]:
    """``answer`` as two finite floats; ``what`` names the two entries in messages."""
    if answer is None:
        raise AssertionError(NOT_ANSWERED)
    if isinstance(answer, np.ndarray):
        answer = answer.tolist() if answer.ndim == 1 else answer
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Sequence):
        raise TypeError(f"{name} must be a pair {what}, got {answer!r} of type "
                        f"{type(answer).__name__}")
    if len(answer) != 2:
        raise ValueError(f"{name} must be a pair {what}, got {len(answer)} values")
    return tuple(_scalar(v, f"{name}[{i}]") for i, v in enumerate(answer))


def _judge(value, expected, mistakes, *, rtol: float, correct: str, hint: str,
           sign: str | None = None) -> bool:
    """Print ``Correct: ...`` and return True, or raise an ``AssertionError``: the message
    of the first mistake ``value`` matches (as :func:`.feedback.check_value` does), else
    the wrong sign or ``hint``."""
    if _verdict(value, expected, mistakes, rtol, correct):
        return True
    if not isinstance(expected, tuple) and expected != 0 and _close(value, -expected, rtol):
        raise AssertionError("Not correct: the size is right but the sign is wrong. "
                             + (sign or "This quantity is positive."))
    shown = (f"({value[0]:.4g}, {value[1]:.4g})" if isinstance(value, tuple)
             else f"{value:.4g}")
    off = "is not the answer" if rtol == 0 else f"is not within {rtol:.1%} of the answer"
    raise AssertionError(f"Not correct: {shown} {off}. {hint}")


def _uniform_slips(n) -> list[tuple[float, str]]:
    """The two slips between the variance ``2 / n`` (He's with ``n = fan_in``, Glorot's
    with ``n = fan_in + fan_out``) and the limit ``a`` of the uniform U(-a, a) with it."""
    return [
        (math.sqrt(2 / (3 * n)), "Var = a² / 3 gives a = √(3 · Var): multiply by 3, do not "
         "divide."),
        (math.sqrt(24 / n), "a² / 12 is the variance of an interval of length a; U(-a, a) "
         "has length 2a and variance a² / 3."),
    ]


def _positive_int(value, name: str) -> int:
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _activation_factor(activation: str) -> float:
    """E[phi(z)^2] / Var[z] for zero-mean symmetric z: 1/2 for ReLU (He et al. 2015),
    1 for linear and for tanh near 0 (LeCun et al. 1998)."""
    check_choice(activation, "activation", GAIN_ACTIVATIONS)
    return 0.5 if activation == "relu" else 1.0


def _g(x: float) -> str:
    return f"{x:.4g}"


# --- 01 theory

def check_forward_gain(answer, *, fan_in: int, std: float, activation: str = "relu",
                       rtol: float = RTOL) -> bool:
    """The factor by which one dense layer multiplies the pre-activation variance.

    ``answer``: ``Var[z_next] / Var[z]`` for a layer with ``fan_in`` inputs, zero-mean
    weights of standard deviation ``std`` and ``activation`` ("linear", "tanh" near 0,
    or "relu") applied to its zero-mean input ``z``. Right value:
    ``fan_in * std**2 * k`` with ``k = E[phi(z)^2] / Var[z]``, 1/2 for ReLU and 1
    otherwise (equation (1) of notebook 01; the ReLU half from He et al. 2015).

    Recognised mistakes: the linear factor for ReLU (no 1/2), 2 in place of 1/2, the std
    in place of the variance, the std's gain (a square root too many), no fan_in, the
    inverse. Raises ``ValueError`` for a ``fan_in`` that is not a positive integer, a
    ``std`` that is not positive, an unknown ``activation``.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    std = check_real(std, "std", positive=True)
    k = _activation_factor(activation)
    x = _scalar(answer)
    expected = fan_in * std**2 * k
    mistakes = []
    if k != 1:
        mistakes += [
            (fan_in * std**2, "that is the gain of a linear layer. A ReLU zeroes the "
             "negative half of z, so E[relu(z)^2] = Var[z] / 2: multiply by 1/2."),
            (2 * fan_in * std**2, "the 2 goes the other way: the ReLU *halves* the second "
             "moment, E[relu(z)^2] = Var[z] / 2; He's weights double Var[W] to make up for "
             "it."),
        ]
    mistakes += [
        (fan_in * std * k, "you used the standard deviation where equation (1) has the "
         "variance of the weights: Var[W] = std**2."),
        (math.sqrt(expected), "that is the gain of the standard deviation; the variance "
         "gain is its square."),
        (std**2 * k, "the pre-activation is a sum of fan_in terms, each contributing "
         "Var[W] E[h^2]: multiply by fan_in."),
        (1 / expected, "that is the inverse: the gain is Var[z_next] / Var[z]."),
    ]
    factor = " / 2" if k != 1 else ""
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"fan_in · std²{factor} = {fan_in} · {std:g}²{factor} = "
                          f"{_g(expected)}.",
                  hint="Use equation (1): Var[z_next] = fan_in · Var[W] · E[phi(z)^2].")


def check_glorot_variance(answer, *, fan_in: int, fan_out: int, rtol: float = RTOL) -> bool:
    """Glorot & Bengio's (2010) weight variance ``2 / (fan_in + fan_out)``.

    Recognised mistakes: the article's ``1 / (fan_in + fan_out)`` (half of it), the std,
    the uniform limit and its square, LeCun's ``1 / fan_in`` and ``1 / fan_out``, He's
    ``2 / fan_in``, the product of the fans, the inverse. Raises ``ValueError`` unless
    both fans are positive integers.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    fan_out = _positive_int(fan_out, "fan_out")
    x = _scalar(answer)
    total = fan_in + fan_out
    expected = 2 / total
    mistakes = [
        (1 / total, "that is half of Glorot's variance (the article's code makes the same "
         "slip). The compromise averages the two conditions fan_in Var[W] = 1 and "
         "fan_out Var[W] = 1: Var[W] = 1 / ((fan_in + fan_out) / 2)."),
        (math.sqrt(expected), "that is the standard deviation; the question asks for the "
         "variance, its square."),
        (math.sqrt(6 / total), "that is the limit a of Glorot's *uniform* version; its "
         "variance is a² / 3."),
        (6 / total, "that is a² for Glorot's uniform version; a uniform U(-a, a) has "
         "variance a² / 3."),
        (1 / fan_in, "that is LeCun's variance, which keeps only the forward signal "
         "(fan_in); Glorot averages fan_in and fan_out."),
        (1 / fan_out, "that uses only fan_out, the backward condition; Glorot averages "
         "fan_in and fan_out."),
        (2 / fan_in, "that is He's variance for ReLU (2 / fan_in); Glorot's uses both fans."),
        (2 / (fan_in * fan_out), "the fans are added, not multiplied."),
        (total / 2, "that is the inverse: the variance is 2 / (fan_in + fan_out)."),
    ]
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"Var[W] = 2 / (fan_in + fan_out) = 2 / {total} = {_g(expected)}.",
                  hint="Average the forward and backward conditions, fan_in Var[W] = 1 and "
                       "fan_out Var[W] = 1.")


# --- 02 zero-mean normal

def check_preserving_std(answer, *, fan_in: int, activation: str = "tanh",
                         rtol: float = RTOL) -> bool:
    """The weight std that keeps the forward variance of a layer: ``sqrt(c / fan_in)``
    with ``c = 1`` for linear and tanh (near 0; LeCun et al. 1998) and ``c = 2`` for ReLU
    (He et al. 2015).

    Recognised mistakes: the variance (no square root), the other activation's ``c``,
    PyTorch's tanh gain 5/3 (``calculate_gain("tanh")``, an empirical choice, not what
    equation (1) gives), the uniform limit ``sqrt(3 c / fan_in)``, the inverse. Raises
    ``ValueError`` for a bad ``fan_in`` or an unknown ``activation``.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    c = 1 / _activation_factor(activation)
    x = _scalar(answer)
    expected = math.sqrt(c / fan_in)
    mistakes = [(c / fan_in, "that is the variance; the standard deviation is its square "
                 "root.")]
    if c == 1:
        mistakes += [
            (math.sqrt(2 / fan_in), f"that is He's std for ReLU; the factor 2 makes up for "
             f"the half a ReLU zeroes, but {activation} keeps E[phi(z)^2] = Var[z] near 0."),
            (5 / 3 / math.sqrt(fan_in), "that uses PyTorch's tanh gain 5/3, an empirical "
             "choice against saturation; equation (1) with tanh(z) ≈ z near 0 gives "
             "gain 1."),
        ]
    else:
        mistakes += [
            (math.sqrt(1 / fan_in), "that keeps a linear layer; a ReLU zeroes half of z, so "
             "E[relu(z)^2] = Var[z] / 2 and Var[W] needs a factor 2."),
            (2 / math.sqrt(fan_in), "the factor 2 belongs under the square root: "
             "Var[W] = 2 / fan_in."),
        ]
    mistakes += [
        (math.sqrt(3 * c / fan_in), "that is the limit a of a uniform U(-a, a) with this "
         "variance; the question asks for the std of a normal."),
        (1 / expected, "that is the inverse; the std shrinks as fan_in grows."),
    ]
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"std = √({c:g} / fan_in) = √({c:g} / {fan_in}) = {_g(expected)}.",
                  hint="Set fan_in · std² · E[phi(z)^2] / Var[z] = 1 (equation (1)) and "
                       "solve for std.")


def check_overflow_layer(answer, *, fan_in: int, std: float = 1.0, activation: str = "linear",
                         dtype="float32") -> bool:
    """The first layer at which the predicted pre-activation std of a network of
    constant width ``fan_in``, starting from unit variance, exceeds the largest finite
    ``dtype`` value.

    Each layer multiplies the std by ``g = sqrt(fan_in * std**2 * k)`` (``k`` = 1/2 for
    ReLU, 1 otherwise; equation (1)), so the answer is the smallest whole ``L`` with
    ``g**L > finfo(dtype).max`` (``floor(log(max) / log(g)) + 1``). Exact: no
    tolerance. Recognised mistakes: one layer early (the last that fits), one layer late
    (a logarithm rounded in float32), the variance's growth compared with the std's
    limit, the other activation's factor, float64's limit, a fractional layer. Raises
    ``ValueError`` if the signal does not grow (``g <= 1``) or for bad parameters,
    ``TypeError`` for a non-float ``dtype``.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    std = check_real(std, "std", positive=True)
    k = _activation_factor(activation)
    dt = np.dtype(dtype) if dtype in ("float16", "float32", "float64") else None
    if dt is None:
        raise TypeError(f"dtype must be one of ('float16', 'float32', 'float64'), got "
                        f"{dtype!r}")
    gain = math.sqrt(fan_in * std**2 * k)
    if gain <= 1:
        raise ValueError(f"the std does not grow (per-layer factor {gain:.3g} <= 1): "
                         "choose a larger fan_in or std")
    x = _scalar(answer)

    def first_layer(limit, g2):
        # smallest whole L with g**L > limit, g**2 = g2; in 40-digit decimals, since
        # powers of 2 land on float limits such as 16**32 = 2**128 > max float32
        ctx = decimal.Context(prec=40)
        exact = 2 * ctx.ln(decimal.Decimal(limit)) / ctx.ln(decimal.Decimal(g2))
        return math.floor(exact) + 1

    limit = float(np.finfo(dt).max)
    expected = first_layer(limit, fan_in * std**2 * k)
    if x != int(x):
        if math.ceil(x) == expected:
            raise AssertionError("Not correct: a layer number is a whole number. Your "
                                 f"{x:.4g} is where the std would reach the limit; the "
                                 "first layer past it is the next whole layer (round up).")
        raise AssertionError(f"Not correct: a layer number is a whole number, got {x:.4g}.")
    mistakes = [
        (expected - 1, "that is the last layer whose std still fits; the question asks "
         "for the first layer past the limit."),
        (expected + 1, "one layer too late. The std first exceeds the limit one layer "
         "earlier; if you took np.log of np.finfo(...).max, NumPy computed the logarithm "
         "in that float type, and its rounding can push the ratio of logarithms past a "
         "whole number: convert the limit with float() first."),
        (first_layer(limit, (fan_in * std**2 * k) ** 2), "you let the variance, not the "
         "std, reach the largest float. The values are of the size of the std; compare the "
         "variance with the square of the largest float, or the std with the largest "
         "float."),
        (first_layer(float(np.finfo(np.float64).max), fan_in * std**2 * k),
         "that is where float64 overflows (about 1.8e308); the question is about "
         f"{dt.name} (about {float(np.finfo(dt).max):.2g})."),
    ]
    other = fan_in * std**2 * (1.0 if k != 1 else 0.5)
    if other > 1:
        mistakes.append((first_layer(limit, other), "that uses the other activation's "
                         "factor: a ReLU halves the variance (E[relu(z)^2] = Var[z] / 2), "
                         "a linear layer does not."))
    return _judge(x, expected, [(float(v), m) for v, m in mistakes if v != expected], rtol=0,
                  correct=f"the std grows by {_g(gain)} per layer and first exceeds "
                          f"{limit:.3g} at layer {expected}.",
                  hint="The std after L layers is g**L with g the per-layer std factor; "
                       "solve g**L > the largest float for the smallest whole L.")


# --- 03 small-range uniform

def check_uniform_gain(answer, *, fan_in: int, limit: float, activation: str = "relu",
                       rtol: float = RTOL) -> bool:
    """The factor by which one layer with U(-limit, limit) weights multiplies the
    pre-activation variance: ``fan_in * limit**2 / 3 * k`` (``k`` = 1/2 for ReLU, 1
    otherwise; a uniform U(-a, a) has variance a²/3).

    Recognised mistakes: a² for the variance (no 1/3), a²/12 (the variance of an
    interval of length a, not 2a), no ReLU 1/2, a in place of a², the std's factor,
    the inverse. Raises ``ValueError`` for bad parameters.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    limit = check_real(limit, "limit", positive=True)
    k = _activation_factor(activation)
    x = _scalar(answer)
    var = limit**2 / 3
    expected = fan_in * var * k
    mistakes = [
        (fan_in * limit**2 * k, "you used a² as the variance of U(-a, a); it is a² / 3 "
         "(the integral of w² / (2a) from -a to a)."),
        (fan_in * limit**2 / 12 * k, "a² / 12 is the variance of an interval of length a; "
         "U(-a, a) has length 2a, so its variance is (2a)² / 12 = a² / 3."),
        (fan_in * limit / 3 * k, "you used a where the variance needs a²: Var[W] = a² / 3."),
        (math.sqrt(expected), "that is the factor of the standard deviation; the "
         "variance factor is its square."),
        (1 / expected, "that is the inverse: the factor is Var[z_next] / Var[z]."),
    ]
    if k != 1:
        mistakes.insert(0, (fan_in * var, "that is the factor of a linear layer; a ReLU "
                            "zeroes half of z, so E[relu(z)^2] = Var[z] / 2: multiply by "
                            "1/2."))
    factor = " / 2" if k != 1 else ""
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"fan_in · a²/3{factor} = {fan_in} · {limit:g}²/3{factor} = "
                          f"{_g(expected)}: the signal "
                          f"{'shrinks' if expected < 1 else 'grows'} at every layer.",
                  hint="Var[U(-a, a)] = a² / 3, then equation (1).")


# --- 04 large-range uniform

def check_he_uniform_limit(answer, *, fan_in: int, rtol: float = RTOL) -> bool:
    """The limit ``a`` of U(-a, a) with He's variance 2/fan_in: ``a = sqrt(6 / fan_in)``
    (He et al. 2015, uniform variant; a uniform has variance a²/3).

    Recognised mistakes: He's normal std ``sqrt(2 / fan_in)``, a² or the variance (no
    square root), ``sqrt(3 / fan_in)`` (LeCun's limit: no ReLU 2), dividing by 3
    instead of multiplying, the a²/12 slip, the article's fixed limit 1. Raises
    ``ValueError`` for a bad ``fan_in``.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    x = _scalar(answer)
    expected = math.sqrt(6 / fan_in)
    mistakes = [
        (math.sqrt(2 / fan_in), "that is the std of He's *normal* version. A uniform "
         "U(-a, a) has variance a² / 3, so a = √(3 · Var)."),
        (6 / fan_in, "that is a²; take the square root."),
        (2 / fan_in, "that is the variance 2 / fan_in; a uniform with it has "
         "a = √(3 · Var)."),
        (math.sqrt(3 / fan_in), "that is LeCun's limit (variance 1 / fan_in); ReLU needs "
         "twice the variance, 2 / fan_in."),
        *_uniform_slips(fan_in),
        (1.0, "that is the article's large range, U(-1, 1), whatever the fan_in."),
    ]
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"a = √(6 / fan_in) = √(6 / {fan_in}) = {_g(expected)}.",
                  hint="Set the uniform's variance a² / 3 equal to He's 2 / fan_in.")


# --- 05 non-zero-mean normal

def check_mean_offset(answer, *, fan_in: int, weight_mean: float, input_mean: float,
                      rtol: float = RTOL) -> bool:
    """The mean of a pre-activation ``z_j = sum_i h_i W_ij`` when the weights have mean
    ``weight_mean`` and the ``fan_in`` inputs have mean ``input_mean`` (independent):
    ``fan_in * weight_mean * input_mean``.

    Recognised mistakes: 0 (as for zero-mean weights), no fan_in, no input mean, a ReLU's
    1/2 where its mean belongs, the weights' std in place of their mean, the wrong sign.
    Raises ``ValueError`` for a bad ``fan_in``, ``TypeError``/``ValueError`` for a
    non-finite mean.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    mu = check_real(weight_mean, "weight_mean")
    h = check_real(input_mean, "input_mean")
    x = _scalar(answer)
    expected = fan_in * mu * h
    mistakes = [
        (0.0, "zero would need zero-mean weights or zero-mean inputs; here both means are "
         "non-zero, and every one of the fan_in terms h_i W_ij has mean "
         "E[h] · E[W]."),
        (mu * h, "that is the mean of one term; z sums fan_in of them."),
        (fan_in * mu, "each term's mean is E[h] · E[W]: the inputs' mean enters too, not "
         "1."),
        (fan_in * mu * 0.5, "1/2 is the fraction of positive pre-activations (and "
         "E[relu(z)^2] / Var[z]); use the inputs' mean as given."),
    ]
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"E[z] = fan_in · E[W] · E[h] = {fan_in} · {mu:g} · {_g(h)} = "
                          f"{_g(expected)}, the same offset for every unit.",
                  hint="E[z_j] = Σ_i E[h_i] E[W_ij] for independent inputs and weights.",
                  sign="Positive inputs and a positive weight mean give a positive offset.")


# --- 06 Xavier/Glorot

def check_glorot_uniform_limit(answer, *, fan_in: int, fan_out: int,
                               rtol: float = RTOL) -> bool:
    """The limit of Glorot's uniform U(-a, a): ``a = sqrt(6 / (fan_in + fan_out))``
    (Glorot & Bengio 2010, eq. 16).

    Recognised mistakes: the normal version's std, a² or the variance (no square root),
    ``sqrt(3 / (fan_in + fan_out))`` (half the variance, the article's slip), one fan
    only (He's or LeCun's uniform limit with fan_in, or with fan_out), dividing by 3, the
    a²/12 slip. Raises ``ValueError`` unless both fans are positive integers.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    fan_out = _positive_int(fan_out, "fan_out")
    x = _scalar(answer)
    total = fan_in + fan_out
    expected = math.sqrt(6 / total)
    mistakes = [
        (math.sqrt(2 / total), "that is the std of Glorot's *normal* version. A uniform "
         "U(-a, a) has variance a² / 3, so a = √(3 · 2 / (fan_in + fan_out))."),
        (6 / total, "that is a²; take the square root."),
        (2 / total, "that is Glorot's variance; the uniform with it has a = √(3 · Var)."),
        (math.sqrt(3 / total), "that gives half of Glorot's variance, 1 / (fan_in + "
         "fan_out); the compromise is 2 / (fan_in + fan_out)."),
        (math.sqrt(6 / fan_in), "that uses fan_in only (He's uniform limit); Glorot "
         "averages fan_in and fan_out."),
        (math.sqrt(3 / fan_in), "that is LeCun's uniform limit, fan_in only; Glorot "
         "averages fan_in and fan_out."),
        (math.sqrt(6 / fan_out), "that uses fan_out only; Glorot averages fan_in and "
         "fan_out."),
        *_uniform_slips(total),
    ]
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"a = √(6 / (fan_in + fan_out)) = √(6 / {total}) = {_g(expected)}.",
                  hint="Set the uniform's variance a² / 3 equal to Glorot's "
                       "2 / (fan_in + fan_out).")


def check_glorot_factors(answer, *, fan_in: int, fan_out: int, rtol: float = RTOL) -> bool:
    """``(forward, backward)``: the factors by which a linear layer with Glorot's
    variance ``2 / (fan_in + fan_out)`` multiplies the forward variance
    (``fan_in Var[W]``) and the backward gradient variance (``fan_out Var[W]``), as in
    notebook 01, section 4.

    ``answer`` is a pair (tuple, list or 1-D array of two numbers). Recognised mistakes:
    the two swapped, both 1 (true only for fan_in = fan_out), the std's factors, a
    ReLU's 1/2 on a linear layer. Raises ``TypeError``/``ValueError`` naming ``answer``
    for anything but two finite numbers, ``ValueError`` for bad fans.
    """
    fan_in = _positive_int(fan_in, "fan_in")
    fan_out = _positive_int(fan_out, "fan_out")
    x = _pair(answer, "(forward, backward)")
    var = 2 / (fan_in + fan_out)
    fwd, bwd = fan_in * var, fan_out * var
    expected = (fwd, bwd)
    mistakes = [
        ((bwd, fwd), "the two are swapped: the forward pass sums over fan_in inputs, the "
         "backward pass over fan_out outputs."),
        ((1.0, 1.0), "both are 1 only when fan_in = fan_out; Glorot's compromise keeps "
         "neither exactly otherwise."),
        ((math.sqrt(fwd), math.sqrt(bwd)), "those are the factors of the standard "
         "deviations; the question asks for the variances' factors, their squares."),
        ((fwd / 2, bwd / 2), "the layer is linear; the 1/2 belongs to a ReLU."),
    ]
    trend = ("the forward variance shrinks and the backward one grows" if fwd < 1 else
             "the forward variance grows and the backward one shrinks")
    return _judge(x, expected, [(w, m) for w, m in mistakes if w != expected], rtol=rtol,
                  correct=f"forward fan_in · Var[W] = {_g(fwd)}, backward fan_out · Var[W] "
                          f"= {_g(bwd)}: {trend} at such a layer.",
                  hint="Var[W] = 2 / (fan_in + fan_out); forward multiplies by fan_in · "
                       "Var[W], backward by fan_out · Var[W].")


# --- 07 He/Kaiming

def check_he_std(answer, *, shape, layout: str = "keras", rtol: float = RTOL) -> bool:
    """He's std ``sqrt(2 / fan_in)`` (He et al. 2015, mode fan_in) for a weight of
    ``shape`` stored in ``layout`` ("keras": dense ``(in, out)``; "torch": dense
    ``(out, in)``; see :func:`initlib.compute_fans`).

    Recognised mistakes: the fan read off the wrong axis (the article's ``shape[0]``
    on a PyTorch weight), the fan_out mode, the variance, no factor 2, the 2 outside the
    square root, Glorot's std, He's uniform limit. Raises ``TypeError``/``ValueError``
    for a bad ``shape`` or ``layout``.
    """
    shape = check_shape(shape)
    check_choice(layout, "layout", LAYOUTS)
    fan_in, fan_out = compute_fans(shape, layout)
    if fan_in <= 0 or fan_out <= 0:
        raise ValueError(f"shape must give positive fans, got {shape}")
    x = _scalar(answer)
    expected = math.sqrt(2 / fan_in)
    mistakes = []
    if fan_out != fan_in:
        other = ("PyTorch stores a dense weight as (out, in), so fan_in is shape[1], not "
                 "shape[0] (the article's code makes this mistake)" if layout == "torch"
                 else "Keras stores a dense kernel as (in, out), so fan_in is shape[0]")
        mistakes.append((math.sqrt(2 / fan_out), f"that uses fan_out = {fan_out}. {other}."))
    mistakes += [
        (2 / fan_in, "that is the variance 2 / fan_in; the std is its square root."),
        (math.sqrt(1 / fan_in), "that is LeCun's std; ReLU needs the factor 2: a ReLU "
         "zeroes half of z, so E[relu(z)^2] = Var[z] / 2."),
        (2 / math.sqrt(fan_in), "the 2 belongs under the square root: std = √(2 / fan_in)."),
        (math.sqrt(6 / fan_in), "that is the limit of He's *uniform* version; the question "
         "asks for the std of the normal one."),
        (math.sqrt(2 / (fan_in + fan_out)), "that is Glorot's std; He uses fan_in only."),
    ]
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"fan_in = {fan_in} in {layout} layout, std = √(2 / {fan_in}) = "
                          f"{_g(expected)}.",
                  hint=f"Find fan_in from the {layout} layout (initlib.compute_fans), then "
                       "std = √(2 / fan_in).")


def check_fans(answer, *, shape, layout: str = "keras") -> bool:
    """``(fan_in, fan_out)`` of a weight of ``shape`` in ``layout``, as
    :func:`initlib.compute_fans` gives them (a convolution kernel multiplies both by its
    receptive field, the product of the spatial dimensions). Exact: no tolerance.

    ``answer`` is a pair of numbers. Recognised mistakes: the two swapped, the other
    layout's reading, the receptive field left out, the first two axes read as the fans
    (the article's ``shape[0]`` on a convolution kernel). Raises
    ``TypeError``/``ValueError`` naming ``answer`` for anything but two finite numbers,
    and for a bad ``shape`` or ``layout``.
    """
    shape = check_shape(shape)
    check_choice(layout, "layout", LAYOUTS)
    expected = tuple(float(f) for f in compute_fans(shape, layout))
    x = _pair(answer, "(fan_in, fan_out)")
    mistakes = [((expected[1], expected[0]), "the two are swapped: fan_in counts the "
                 "inputs of one output unit, fan_out the outputs of one input unit.")]
    other = "torch" if layout == "keras" else "keras"
    if len(shape) >= 2:
        mistakes.append((tuple(float(f) for f in compute_fans(shape, other)),
                         f"that reads the shape in {other} layout; in {layout} layout "
                         + ("a kernel is (*kernel_size, in, out)." if layout == "keras"
                            else "a weight is (out, in, *kernel_size).")))
    if len(shape) > 2:
        io = shape[-2:] if layout == "keras" else (shape[1], shape[0])
        mistakes.append(((float(io[0]), float(io[1])), "a convolution's unit sees a whole "
                         "patch: multiply both channel counts by the receptive field, the "
                         "product of the kernel's spatial sizes."))
        mistakes.append(((float(shape[0]), float(shape[1])), "the first two axes are not "
                         "the fans here" + (" (they are the kernel's spatial size); "
                                            "reading fan_in off shape[0] is the article's "
                                            "mistake." if layout == "keras" else ".")))
    return _judge(x, expected, [(w, m) for w, m in mistakes if w != expected], rtol=0,
                  correct=f"(fan_in, fan_out) = ({int(expected[0])}, {int(expected[1])}).",
                  hint=f"Read the {layout} layout in initlib.fans; a convolution multiplies "
                       "both fans by the receptive field.")


# --- 08 Keras training

def _grad_norms(runs, strategy, depth, activation):
    found = [r for r in runs if (r.strategy, r.depth, r.activation) == (strategy, depth,
                                                                        activation)]
    if not found:
        raise ValueError(f"runs has no run of {strategy!r} at depth {depth} with "
                         f"{activation!r}")
    if any(getattr(r, "grad_norms", None) is None for r in found):
        raise ValueError(f"runs of {strategy!r} at depth {depth} with {activation!r} have "
                         "no grad_norms (train with gradient norms recorded)")
    return sorted(found, key=lambda r: r.seed)


def check_gradient_ratio(answer, *, runs, depth: int = 30, activation: str = "relu",
                         rtol: float = RTOL) -> bool:
    """How many times larger He's layer-1 gradient norm is than Glorot's before the
    first step: ``median(He) / median(Glorot)`` over seeds of ``run.grad_norms[0, 0]``
    (row 0: before training; column 0: the input-side Dense kernel), the ratio of
    :func:`initlib.training.experiment.summarize`'s ``grad_first`` values.

    ``runs``: the :class:`initlib.training.experiment.Run` objects of a sweep with
    ``he_normal`` and ``glorot_normal`` at ``depth`` with ``activation`` (any object
    with ``strategy``, ``depth``, ``activation``, ``seed`` and ``grad_norms`` will do).
    Recognised mistakes: the inverse, the output layer (column -1), the norms after
    training (row -1), the mean over seeds, the median of per-seed ratios, seed 0 alone,
    the other depth or activation of the sweep. The message carries no number from the
    runs. Raises ``TypeError`` if ``runs`` is not a sequence of runs, ``ValueError`` if
    it lacks the two strategies.
    """
    if isinstance(runs, (str, bytes)) or not isinstance(runs, Sequence) or not all(
            hasattr(r, a) for r in runs for a in ("strategy", "depth", "activation",
                                                   "seed", "grad_norms")):
        raise TypeError("runs must be a list of initlib.training.experiment.Run objects "
                        "(the sweep's result), got " + type(runs).__name__)
    depth = _positive_int(depth, "depth")
    he = _grad_norms(runs, "he_normal", depth, activation)
    gl = _grad_norms(runs, "glorot_normal", depth, activation)
    x = _scalar(answer)

    def ratio(row=0, col=0, stat=statistics.median, he=he, gl=gl):
        return (stat([float(r.grad_norms[row, col]) for r in he])
                / stat([float(r.grad_norms[row, col]) for r in gl]))

    expected = ratio()
    mistakes = [
        (1 / expected, "that is Glorot's over He's; the question asks how many times "
         "larger He's gradient is."),
        (ratio(col=-1), "column -1 is the output layer's kernel; layer 1, the input side, "
         "is column 0 of grad_norms."),
        (ratio(row=-1), "row -1 holds the norms after the last epoch; before the first "
         "step is row 0."),
        (ratio(stat=statistics.fmean), "that uses the mean over seeds; take the median, "
         "as summary.grad_first does."),
        (statistics.median(float(a.grad_norms[0, 0]) / float(b.grad_norms[0, 0])
                           for a, b in zip(he, gl, strict=False)),
         "that is the median of per-seed ratios; take the ratio of the two medians."),
        (float(he[0].grad_norms[0, 0]) / float(gl[0].grad_norms[0, 0]), "that is one seed; "
         "take the median over the seeds."),
    ]
    for key in dict.fromkeys((r.depth, r.activation) for r in runs):
        if key != (depth, activation) and {"he_normal", "glorot_normal"} <= {
                r.strategy for r in runs if (r.depth, r.activation) == key}:
            other = ratio(he=_grad_norms(runs, "he_normal", *key),
                          gl=_grad_norms(runs, "glorot_normal", *key))
            mistakes.append((other, f"that is depth {key[0]} with {key[1]}; the question "
                             f"is about depth {depth} with {activation}."))
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"before any training, He's layer-1 gradient is that many times "
                          f"Glorot's at depth {depth} with {activation}.",
                  hint="Take run.grad_norms[0, 0] of each seed's run, the median over seeds "
                       "for He and for Glorot, then He's divided by Glorot's.")


# --- 09 FAQ

def _clipped_std(c: float) -> float:
    """Std of N(0, 1) clipped to [-c, c]: E[min(z², c²)] = P(|z| < c) - 2 c phi(c)
    + c² P(|z| > c)."""
    inside = math.erf(c / math.sqrt(2))
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(inside - 2 * c * phi + c * c * (1 - inside))


def _truncated_std(c: float) -> float:
    inside = math.erf(c / math.sqrt(2))
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(1 - 2 * c * phi / inside)


def check_clipped_std(answer, *, c: float = 2.0, rtol: float = 3e-3) -> bool:
    """The std of normal weights after clipping to ``[-c σ, c σ]``, as a fraction of
    their std σ before: ``sqrt(P(|z| < c) - 2 c φ(c) + c² P(|z| > c))`` for a standard
    normal z (0.9594 for c = 2).

    The default tolerance, 0.3 %, passes the exact value and a measurement on a draw of
    10⁵ weights or more (their sampling error is about 0.1 %), and tells the answer
    apart from the recognised mistakes: the truncated normal's std (values redrawn, not
    clipped; Keras's ``TruncatedNormal``), the variance ratio, the fraction of weights
    inside ``[-c, c]``, the fraction clipped, 1 (no change). Raises ``ValueError``
    unless ``c`` is positive and finite.
    """
    c = check_real(c, "c", positive=True)
    x = _scalar(answer)
    expected = _clipped_std(c)
    inside = math.erf(c / math.sqrt(2))
    mistakes = [
        (_truncated_std(c), "that is the std of a *truncated* normal, whose values beyond "
         "±c σ are redrawn (Keras's TruncatedNormal). Clipping moves them to ±c σ "
         "instead, which keeps more of the spread."),
        (expected**2, "that is the ratio of the variances; the std ratio is its square "
         "root."),
        (inside, "that is the fraction of weights inside [-c σ, c σ], not the std ratio."),
        (1 - inside, "that is the fraction of weights that get clipped, not the std ratio."),
        (1.0, "clipping does change the std: the weights beyond ±c σ move inwards."),
    ]
    return _judge(x, expected, mistakes, rtol=rtol,
                  correct=f"clipping at ±{c:g} σ leaves {_g(expected)} σ, a loss of "
                          f"{1 - expected:.1%} of the std.",
                  hint="Clip a large he_normal draw with np.clip and compare its std with "
                       "the std before, or compute E[min(z², c²)] for a standard normal z.")


# --- 10 beyond

def check_selu_scale(answer, *, rtol: float = RTOL) -> bool:
    """The scale ``s`` of the weight variance ``s / fan_in`` for which a SELU network
    keeps activations at mean 0 and variance 1 (the fixed point of Klambauer et al.
    2017): ``s = 1``, LeCun normal.

    Recognised mistakes: He's 2 (derived for ReLU), PyTorch's ``calculate_gain("selu")``
    = 3/4 and its square, the square of SELU's lambda (1.0507), 1/3 (PyTorch's
    ``nn.Linear`` default). Raises ``TypeError``/``ValueError`` for an answer that is
    not a finite real number.
    """
    x = _scalar(answer)
    lam = 1.0507009873554805
    mistakes = [
        (2.0, "that is He's scale, made for ReLU, which zeroes half of its input. SELU "
         "keeps E[selu(z)^2] = 1 for z ~ N(0, 1) by the choice of its constants, so "
         "Var[W] = 1 / fan_in is what closes the loop."),
        (0.75, "that is PyTorch's calculate_gain('selu') = 3/4, a std gain chosen by "
         "experiment, not the fixed point of the SELU paper."),
        (0.5625, "that is PyTorch's SELU gain 3/4, squared: chosen by experiment, not the "
         "fixed point of the SELU paper."),
        (lam**2, "lambda is already inside SELU; the weights must not compensate it: with "
         "its constants E[selu(z)^2] = 1 for z ~ N(0, 1)."),
        (1 / 3, "that is PyTorch's nn.Linear default, U(±1/√fan_in), variance 1/(3 fan_in)."),
    ]
    return _judge(x, 1.0, mistakes, rtol=rtol,
                  correct="s = 1: LeCun normal, Var[W] = 1 / fan_in (Klambauer et al. 2017).",
                  hint="Try propagate(\"variance_scaling\", \"selu\", scale=s) for a few s "
                       "and look at the last layer's variance.")


def check_jacobian_mean_square(answer, *, depth: int, rtol: float = RTOL) -> bool:
    """The expected mean squared singular value of the input-output Jacobian of a deep
    linear network of ``depth`` square layers with i.i.d. weights of variance
    ``1 / width``: exactly 1 at every depth (``E[tr(J J^T)] / width`` is a product of
    per-layer factors of 1), even though the individual singular values spread out
    (Saxe et al. 2013; Pennington et al. 2017).

    Recognised mistakes: 0 (the smallest singular values vanish, not their mean
    square), ``depth``, ``1 / depth``, ``2**depth`` (He's variance on a linear network),
    ``2**-depth``. Raises ``ValueError`` for a ``depth`` that is not a positive integer.
    """
    depth = _positive_int(depth, "depth")
    x = _scalar(answer)
    mistakes = [
        (0.0, "most singular values do shrink towards 0, but a few grow: the mean square "
         "is the variance gain of the whole product, fan_in · Var[W] = 1 per layer."),
        (2.0**depth, "that would be He's variance 2 / fan_in on a linear network: a gain "
         "of 2 per layer. Here Var[W] = 1 / width."),
        (2.0**-depth, "that halves the variance per layer, as Glorot-scaled ReLU layers do; "
         "these layers are linear with Var[W] = 1 / width."),
    ]
    if depth > 1:
        mistakes += [
            (float(depth), "the per-layer gains multiply, they do not add."),
            (1 / depth, "the per-layer gains multiply; each is 1."),
        ]
    return _judge(x, 1.0, mistakes, rtol=rtol,
                  correct="1 at any depth: each layer multiplies E[σ²] by "
                          "width · Var[W] = 1; only the spread grows with depth.",
                  hint="E[σ²] = E[tr(J Jᵀ)] / width; apply equation (1) of notebook 01 "
                       "layer by layer.")


def check_tanh_edge(answer, *, rtol: float = RTOL) -> bool:
    """The weight scale ``sigma_w`` (std times sqrt(fan_in)) at the edge of chaos of a
    tanh network with zero biases: 1 (Poole et al. 2016; Schoenholz et al. 2017), where
    ``chi = sigma_w^2 E[tanh'(z)^2] = 1`` at the fixed point q* = 0.

    Recognised mistakes: He's sqrt(2), PyTorch's tanh gain 5/3, the edge for
    sigma_b^2 = 0.05 (sigma_w^2 = 1.761, sigma_w = 1.327), the variance 2. Raises
    ``TypeError``/``ValueError`` for an answer that is not a finite real number.
    """
    x = _scalar(answer)
    mistakes = [
        (math.sqrt(2), "that is He's gain for ReLU. For tanh with zero biases the fixed "
         "point is q* = 0, where tanh'(0) = 1, so chi = sigma_w²."),
        (5 / 3, "that is PyTorch's tanh gain 5/3, chosen against saturation; it lies in the "
         "chaotic phase."),
        (math.sqrt(1.761), "that is the edge for sigma_b² = 0.05; with zero biases the fixed "
         "point is q* = 0 and the edge is where chi = sigma_w² · tanh'(0)² = 1."),
        (1.761, "that is sigma_w² at the edge for sigma_b² = 0.05, and a variance; the "
         "question asks for sigma_w with zero biases."),
        (2.0, "that is He's variance scale for ReLU, not the tanh edge."),
    ]
    return _judge(x, 1.0, mistakes, rtol=rtol,
                  correct="sigma_w = 1: chi = sigma_w² · tanh'(0)² = 1 at q* = 0.",
                  hint="At the edge chi = sigma_w² E[tanh'(z)²] = 1; with zero biases the "
                       "fixed point of the variance map is q* = 0.")
