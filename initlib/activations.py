"""Activation functions, their derivatives and gains: the one place each is defined.

Every activation here is elementwise, monotone and keeps the sign of its input, so its
derivative can be written in terms of the output ``h = phi(z)`` as well as the input.
The backward pass of :func:`initlib.diagnostics.propagate` uses the first form (it keeps
only the activations), the mean-field integrals of :mod:`initlib.diagnostics.meanfield`
the second.

>>> from initlib.activations import activation
>>> relu = activation("relu")
>>> relu.phi(-2.0), relu.phi(3.0), relu.dphi(3.0)
(0.0, 3.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import check_choice, check_real

#: The activations the diagnostics, the NumPy MLP and the mean-field theory know.
ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu")

#: SELU's constants (Klambauer et al. 2017, "Self-Normalizing Neural Networks", eq. 2):
#: the values that make mean 0 and variance 1 a fixed point for LeCun-normal weights.
SELU_ALPHA = 1.6732632423543772
SELU_LAMBDA = 1.0507009873554805

#: ``|tanh|`` (or sigmoid's distance from 0.5, doubled) above this counts as saturated:
#: the derivative is then below ``1 - 0.97**2``, about 6 % of its value at 0.
SATURATION_THRESHOLD = 0.97

#: Default leaky-ReLU slope (Keras's ``LeakyReLU`` default is 0.3, PyTorch's 0.01).
DEFAULT_NEGATIVE_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes
    ----------
    name : str
    phi : callable
        ``phi(z)``, elementwise on floats or arrays.
    dphi : callable
        The derivative ``phi'(z)``, from the input ``z``.
    dphi_from_output : callable
        The same derivative written in terms of the output ``h = phi(z)``.
    kinks : tuple of float
        Inputs where ``phi`` or ``phi'`` is not smooth (0 for the rectifiers and SELU),
        where a numerical integral must split.

    Examples
    --------
    >>> tanh = activation("tanh")
    >>> tanh.name, tanh.kinks, round(tanh.dphi(0.5), 4)
    ('tanh', (), 0.7864)
    """

    name: str
    phi: Callable
    dphi: Callable
    dphi_from_output: Callable
    kinks: tuple = ()


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form of 1 / (1 + e^-z)


def _dsigmoid(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _dtanh(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _selu(z):
    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))


def _dselu(z):
    return SELU_LAMBDA * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0)))


def _dselu_from_output(h):
    # for z <= 0, selu'(z) = lambda alpha e^z = h + lambda alpha
    return np.where(h > 0, SELU_LAMBDA, h + SELU_LAMBDA * SELU_ALPHA).astype(np.result_type(h))


def _as_array_fn(fn):
    """Wrap ``fn`` so that a Python float in gives a Python float out."""
    def wrapped(x):
        out = fn(np.asarray(x) if not isinstance(x, float) else np.float64(x))
        return float(out) if np.ndim(out) == 0 and not isinstance(x, np.ndarray) else out
    return wrapped


def activation(name: str, negative_slope: float = DEFAULT_NEGATIVE_SLOPE) -> Activation:
    """The :class:`Activation` called ``name``, one of :data:`ACTIVATIONS`.

    ``negative_slope`` (>= 0) is the leaky-ReLU slope; the other activations ignore it.
    Raises ``ValueError`` for an unknown name or a negative slope.

    >>> activation("tanh").dphi(0.0)
    1.0
    >>> activation("leaky_relu", negative_slope=0.2).phi(-1.0)
    -0.2
    """
    check_choice(name, "activation", ACTIVATIONS)
    a = check_real(negative_slope, "negative_slope", non_negative=True)
    if name == "linear":
        fns = (lambda z: z, lambda z: np.ones_like(z, dtype=np.result_type(z, 1.0)),
               lambda h: np.ones_like(h), ())
    elif name == "sigmoid":
        fns = (_sigmoid, _dsigmoid, lambda h: h * (1 - h), ())
    elif name == "tanh":
        fns = (np.tanh, _dtanh, lambda h: 1 - h * h, ())
    elif name == "relu":
        fns = (lambda z: np.maximum(z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0),
               lambda h: (h > 0).astype(h.dtype), (0.0,))
    elif name == "leaky_relu":
        fns = (lambda z: np.where(z > 0, z, a * z), lambda z: np.where(z > 0, 1.0, a),
               lambda h: np.where(h > 0, 1, a).astype(h.dtype), (0.0,))
    else:
        fns = (_selu, _dselu, _dselu_from_output, (0.0,))
    phi, dphi, dphi_h, kinks = fns
    return Activation(name, _as_array_fn(phi), _as_array_fn(dphi), dphi_h, kinks)


#: Names :func:`calculate_gain` accepts: the activations, ``identity``, and PyTorch's
#: convolution names (a convolution is linear, gain 1).
NONLINEARITIES = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
                  "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """Recommended gain (a multiplier on the weight std) for a nonlinearity.

    ==================================  ================================================
    nonlinearity                        gain
    ==================================  ================================================
    linear, identity, conv*, sigmoid    1
    tanh                                5/3
    relu                                sqrt(2)
    leaky_relu                          sqrt(2 / (1 + slope^2)), ``param`` = slope
                                        (default 0.01)
    selu                                3/4
    ==================================  ================================================

    ``param`` is only meaningful for ``leaky_relu``; a bool is rejected (it would read
    as slope 1 or 0).

    Raises
    ------
    ValueError
        Unknown name (the message lists :data:`NONLINEARITIES`) or a bad ``param``.

    References
    ----------
    PyTorch ``torch.nn.init.calculate_gain`` (same names and values). The ReLU value
    follows He et al. (2015), "Delving Deep into Rectifiers"; the tanh and SELU values
    are empirical choices of PyTorch, not derived from a variance equation.

    Examples
    --------
    >>> calculate_gain("relu") == math.sqrt(2)
    True
    >>> calculate_gain("conv2d")
    1.0
    """
    check_choice(nonlinearity, "nonlinearity", NONLINEARITIES)
    if param is not None and isinstance(param, bool):
        raise ValueError(f"param must be a number (the leaky_relu slope), got {param!r}")
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 0.75
    if nonlinearity == "leaky_relu":
        try:
            slope = DEFAULT_NEGATIVE_SLOPE if param is None else check_real(param, "param")
        except TypeError as err:
            raise ValueError(str(err)) from err
        return math.sqrt(2.0 / (1.0 + slope**2))
    return 1.0
