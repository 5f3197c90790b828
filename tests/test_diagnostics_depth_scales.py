"""Depth scales of the mean-field theory: fixed points and slopes against direct integrals."""

import math

import numpy as np
import pytest
from scipy import integrate

from initlib.activations import activation
from initlib.diagnostics import gauss_expectation
from initlib.diagnostics.depth_scales import MAX_Q, depth_scales

TANH = activation("tanh")


def pair_expectation_quad(f, q, c):
    """E[f(u1) f(u2)], (u1, u2) ~ N(0, q [[1, c], [c, 1]]), by adaptive 2-D quadrature."""
    s = math.sqrt(1 - c * c)

    def integrand(z2, z1):
        u1 = math.sqrt(q) * z1
        u2 = math.sqrt(q) * (c * z1 + s * z2)
        return f(u1) * f(u2) * math.exp(-(z1 * z1 + z2 * z2) / 2) / (2 * math.pi)

    value, _ = integrate.dblquad(integrand, -12, 12, -12, 12, epsabs=1e-13, epsrel=1e-11)
    return value


def test_ordered_phase_has_c_star_one_and_equal_scales():
    s = depth_scales("tanh", sigma_w=0.8, sigma_b=0.1)
    assert s.phase == "ordered" and s.c_star == 1.0
    assert s.chi_c == s.chi_1 < 1
    assert s.xi_c == pytest.approx(s.xi_grad, rel=1e-12)


def test_chaotic_tanh_without_bias_decorrelates_completely():
    # odd phi, sigma_b = 0: c* = 0 and chi_c = sigma_w^2 E[tanh'(u)]^2 (independent u1, u2)
    s = depth_scales("tanh", sigma_w=2.0, sigma_b=0.0)
    assert s.phase == "chaotic" and abs(s.c_star) < 1e-12
    expected = 4.0 * float(gauss_expectation(TANH.dphi, s.q_star)) ** 2
    assert s.chi_c == pytest.approx(expected, rel=1e-9)
    assert s.xi_c > s.xi_grad


@pytest.mark.parametrize("sigma_w2, sigma_b2", [(2.5, 0.05), (4.0, 0.05), (9.0, 0.3)])
def test_fixed_point_and_slope_match_adaptive_quadrature(sigma_w2, sigma_b2):
    s = depth_scales("tanh", sigma_w=math.sqrt(sigma_w2), sigma_b=math.sqrt(sigma_b2))
    assert 0 < s.c_star < 1
    mapped = (sigma_w2 * pair_expectation_quad(np.tanh, s.q_star, s.c_star) + sigma_b2) / s.q_star
    assert mapped == pytest.approx(s.c_star, rel=1e-8)
    slope = sigma_w2 * pair_expectation_quad(TANH.dphi, s.q_star, s.c_star)
    assert s.chi_c == pytest.approx(slope, rel=1e-8)


def test_edge_of_chaos_of_schoenholz_et_al():
    # sigma_b^2 = 0.05: the critical sigma_w^2 is about 1.76 (Schoenholz et al. 2017, fig. 1)
    below = depth_scales("tanh", sigma_w=math.sqrt(1.70), sigma_b=math.sqrt(0.05))
    above = depth_scales("tanh", sigma_w=math.sqrt(1.82), sigma_b=math.sqrt(0.05))
    assert below.phase == "ordered" and above.phase == "chaotic"
    near = depth_scales("tanh", sigma_w=math.sqrt(1.76), sigma_b=math.sqrt(0.05))
    assert near.xi_c > 100 and near.xi_c > 5 * max(below.xi_c, above.xi_c)


@pytest.mark.parametrize("sigma_w", [0.3, 0.9, 1.0])
def test_tanh_without_bias_up_to_the_edge_is_exact(sigma_w):
    s = depth_scales("tanh", sigma_w=sigma_w)
    assert s.q_star == 0.0 and s.c_star == 1.0 and s.chi_1 == s.chi_c == sigma_w**2
    assert s.phase == ("critical" if sigma_w == 1.0 else "ordered")
    assert (s.xi_c == math.inf) == (sigma_w == 1.0)
    # just above the edge: chaotic, q* > 0 and long depth scales
    above = depth_scales("tanh", sigma_w=1.05)
    assert above.phase == "chaotic" and above.q_star > 0 and above.xi_c > 10


def test_sigmoid_is_supported_and_ordered_for_small_weights():
    s = depth_scales("sigmoid", sigma_w=1.0)
    assert s.phase == "ordered" and s.chi_1 == pytest.approx(
        float(gauss_expectation(lambda u: activation("sigmoid").dphi(u) ** 2, s.q_star)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation_name="relu"), "activation_name"),
    (dict(activation_name="linear"), "activation_name"),
    (dict(sigma_w=0.0), "sigma_w"),
    (dict(sigma_w=-1.0), "sigma_w"),
    (dict(sigma_b=-0.1), "sigma_b"),
    (dict(sigma_w=20.0), str(MAX_Q)),
])
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        depth_scales(**kwargs)
