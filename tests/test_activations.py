"""Activations, their derivatives (from the input and from the output) and gains."""

import math

import numpy as np
import pytest

import initlib
from initlib.activations import ACTIVATIONS, activation


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_matches_finite_differences_and_output_form(name):
    act = activation(name, negative_slope=0.1)
    z = np.linspace(-4, 4, 801)
    z = z[np.abs(z) > 1e-3]  # away from the kink at 0
    eps = 1e-6
    numeric = (act.phi(z + eps) - act.phi(z - eps)) / (2 * eps)
    assert np.allclose(act.dphi(z), numeric, rtol=1e-6, atol=1e-8)
    assert np.allclose(act.dphi_from_output(act.phi(z)), act.dphi(z), rtol=1e-9, atol=1e-12)


def test_float32_stays_float32():
    z = np.linspace(-3, 3, 7, dtype=np.float32)
    for name in ACTIVATIONS:
        act = activation(name)
        h = act.phi(z)
        assert h.dtype == np.float32, name
        assert act.dphi_from_output(h).dtype == np.float32, name


def test_selu_constants_give_a_fixed_point():
    """Klambauer et al. (2017): with lambda and alpha as defined, a standard normal input
    gives SELU outputs of mean 0 and variance 1."""
    from initlib.diagnostics import gauss_expectation

    selu = activation("selu").phi
    assert abs(float(gauss_expectation(selu, 1.0))) < 1e-6
    assert float(gauss_expectation(lambda u: selu(u) ** 2, 1.0)) == pytest.approx(1.0, abs=1e-6)


def test_unknown_activation_and_bad_slope():
    with pytest.raises(ValueError, match="activation must be one of"):
        activation("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        activation("leaky_relu", negative_slope=-0.1)


@pytest.mark.parametrize("name, param, gain", [
    ("linear", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("selu", None, 0.75),
    ("identity", None, 1.0), ("conv1d", None, 1.0), ("conv2d", None, 1.0),
    ("conv3d", None, 1.0), ("conv_transpose1d", None, 1.0), ("conv_transpose2d", None, 1.0),
    ("conv_transpose3d", None, 1.0),
])
def test_calculate_gain(name, param, gain):
    assert initlib.calculate_gain(name, param) == pytest.approx(gain, rel=1e-12)


@pytest.mark.parametrize("name, param", [("swish", None), ("ReLU", None),
                                         ("leaky_relu", True), ("leaky_relu", "0.1")])
def test_calculate_gain_errors(name, param):
    with pytest.raises(ValueError):
        initlib.calculate_gain(name, param)
