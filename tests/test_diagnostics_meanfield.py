"""Mean-field theory: exact Gaussian expectations, predictions against measurements, the
phase diagram."""

import math

import numpy as np
import pytest
from scipy import integrate

from initlib import diagnostics as D
from initlib.activations import ACTIVATIONS, activation

Q_GRID = 10.0 ** np.arange(-8.0, 8.01, 1.0)


def _quad(f, q):
    """E[f(sqrt(q) Z)] by scipy.integrate.quad in z, split at 0 and where sqrt(q) z
    reaches 1, 5 and 40 (the activation's own scale), to full double precision."""
    s = math.sqrt(q)

    def integrand(z):
        return float(f(np.float64(s * z))) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    cuts = sorted({0.0, *(c / s for c in (1.0, 5.0, 40.0) if c / s < 12)})
    edges = [-np.inf, *[-c for c in reversed(cuts) if c > 0], *cuts, np.inf]
    return sum(integrate.quad(integrand, lo, hi, epsabs=0, epsrel=1e-13, limit=500)[0]
               for lo, hi in zip(edges[:-1], edges[1:], strict=True))


def _functions(name):
    act = activation(name, negative_slope=0.1)
    return {"phi": act.phi, "dphi": act.dphi, "phi^2": lambda u: act.phi(u) ** 2,
            "dphi^2": lambda u: act.dphi(u) ** 2}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gauss_expectation_is_exact_from_1e_minus_8_to_1e8(name):
    """Relative error below 1e-8 against adaptive quadrature, for every activation, its
    derivative and their squares, at variances 1e-8 ... 1e8 (odd functions, whose
    expectation is exactly 0, against an absolute scale instead)."""
    for label, f in _functions(name).items():
        ours = D.gauss_expectation(f, Q_GRID)
        for q, value in zip(Q_GRID, ours, strict=True):
            exact = _quad(f, q)
            scale = abs(exact) if abs(exact) > 1e-12 * max(1.0, math.sqrt(q)) \
                else max(1.0, math.sqrt(q))
            assert abs(value - exact) <= 1e-8 * scale, (name, label, q, value, exact)


def test_known_values_of_tanh_derivative():
    """E[tanh'(sqrt(q) Z)^2]: the spike of width 1/sqrt(q) that fixed Gauss-Hermite
    nodes miss at large q."""
    tanh = activation("tanh")
    got = D.gauss_expectation(lambda u: tanh.dphi(u) ** 2, [1.0, 16.0, 256.0, 1e4])
    assert np.allclose(got, [0.46440, 0.13166, 0.033224, 0.0053191], rtol=1e-4)
    assert D.gauss_expectation(lambda u: tanh.dphi(u) ** 2, 0.0) == 1.0


def test_gauss_expectation_rejects_negative_variance():
    with pytest.raises(ValueError, match="q"):
        D.gauss_expectation(np.tanh, -1.0)
    with pytest.raises(ValueError, match="q"):
        D.gauss_expectation(np.tanh, [1.0, np.nan])


@pytest.mark.parametrize("sigma_w2", [1.0, 2.0, 16.0, 256.0])
def test_tanh_gradient_prediction_within_15_percent_at_every_layer(sigma_w2):
    """Width 1024, 20 tanh layers, N(0, sigma_w^2 / n): from the ordered phase to deep
    chaos, where the gradient grows by chi = 8.7 per layer and saturated units make the
    forward signal useless; the predicted gradient std follows the measured one."""
    std = math.sqrt(sigma_w2 / 1024)
    p = D.propagate("random_normal", "tanh", depth=20, width=1024, batch=256, seed=0, std=std)
    mf = D.predict("random_normal", "tanh", depth=20, width=1024, std=std)
    ratio = p.grad_std / np.sqrt(mf.grad_var)
    assert np.all(np.abs(ratio - 1) < 0.15), ratio
    if sigma_w2 == 256.0:
        assert mf.chi[-1] == pytest.approx(8.73, abs=0.01)


@pytest.mark.parametrize("strategy, activation_name", [("he_normal", "relu"),
                                                      ("glorot_normal", "tanh")])
def test_theory_matches_measurement_averaged_over_seeds(strategy, activation_name):
    """At finite width the log-variance of a ReLU network does a random walk (about
    +-15 % in std after 20 layers of 1024 for one seed), so the prediction is checked
    against the geometric mean over 6 seeds, within 10 % at every layer."""
    depth = 20
    mf = D.predict(strategy, activation_name, depth=depth, width=1024)
    logs_fwd, logs_bwd = [], []
    for seed in range(6):
        p = D.propagate(strategy, activation_name, depth=depth, width=1024, batch=128,
                        seed=seed)
        rms = np.sqrt(p.preact_std**2 + p.preact_mean**2)
        logs_fwd.append(np.log(rms / np.sqrt(mf.q)))
        logs_bwd.append(np.log(p.grad_std / np.sqrt(mf.grad_var)))
    assert np.all(np.abs(np.mean(logs_fwd, axis=0)) < np.log(1.1))
    assert np.all(np.abs(np.mean(logs_bwd, axis=0)) < np.log(1.1))


def test_mean_field_fixed_points():
    mf = D.mean_field("relu", 2.0, 10)
    assert np.allclose(mf.q, 2.0) and np.allclose(mf.chi, 1.0)
    lin = D.mean_field("linear", 0.5, 4, q0=1.0)
    assert np.allclose(lin.q, [0.5, 0.25, 0.125, 0.0625])
    assert np.allclose(lin.grad_var, [0.125, 0.25, 0.5, 1.0])
    # tanh with sigma_b = 0: the edge of chaos is sigma_w^2 = 1 (chi -> 1 as q -> 0)
    t = D.mean_field("tanh", 1.0, 2000, q0=1.0)
    assert t.chi[-1] == pytest.approx(1.0, abs=0.01)


def test_mean_field_overflow_is_inf_not_an_error():
    mf = D.mean_field("linear", 1e200, 5)
    assert np.isinf(mf.q[-1]) and np.isinf(mf.chi[-1])


def test_predict_reads_the_strategy_law_for_every_spelling():
    a = D.predict("he", "relu", depth=5, width=64)
    b = D.predict("kaiming_normal", "relu", depth=5, width=64)
    assert np.array_equal(a.q, b.q) and np.allclose(a.q, 2.0)
    with pytest.raises(TypeError, match="name"):
        D.predict(lambda shape, **k: np.zeros(shape))


def test_phase_diagram_edge_of_chaos():
    pd_ = D.phase_diagram("tanh", sigma_w=np.linspace(0.8, 1.6, 161),
                          sigma_b=np.array([0.0, np.sqrt(0.05)]))
    edges = pd_.sigma_w[np.argmin(np.abs(pd_.chi - 1), axis=1)]
    assert edges[0] == pytest.approx(1.0, abs=0.01)
    assert edges[1] ** 2 == pytest.approx(1.761, abs=0.02)
    row = pd_.sigma_b.tolist().index(np.sqrt(0.05))
    assert pd_.q_star[row, np.argmin(np.abs(pd_.chi[row] - 1))] == pytest.approx(0.570, abs=0.02)
    assert pd_.depth_scale.max() > 100
    with pytest.raises(ValueError, match="1-D"):
        D.phase_diagram("tanh", sigma_w=np.zeros((2, 2)))


def test_phase_diagram_fixed_point_solves_the_map():
    """At q* the variance map returns q* (checked with the exact expectation)."""
    pd_ = D.phase_diagram("tanh", sigma_w=[1.5, 2.5], sigma_b=[0.1, 0.4])
    tanh = activation("tanh")
    w2, b2 = np.meshgrid(np.array([1.5, 2.5]) ** 2, np.array([0.1, 0.4]) ** 2)
    image = w2 * D.gauss_expectation(lambda u: tanh.phi(u) ** 2, pd_.q_star) + b2
    assert np.allclose(image, pd_.q_star, rtol=1e-7)


def test_relu_chi_is_half_sigma_w2_in_the_limit_of_small_q():
    pd_ = D.phase_diagram("relu", sigma_w=[0.5, 1.0], sigma_b=[0.0])
    assert np.allclose(pd_.chi, [[0.125, 0.5]])
