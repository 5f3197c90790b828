"""propagate: per-layer statistics of a forward and backward pass, measured."""

import numpy as np
import pytest

import initlib
from initlib import diagnostics as D


def test_identity_weights_pass_linear_input_unchanged():
    x = np.random.default_rng(0).standard_normal((32, 16)).astype(np.float32)
    p = D.propagate("identity", "linear", depth=10, width=16, inputs=x, seed=0)
    assert np.allclose(p.act_std, x.std(dtype=np.float64), rtol=1e-6)
    assert np.allclose(p.act_mean, x.mean(dtype=np.float64), atol=1e-6)


def test_he_stays_healthy_small_normal_collapses():
    he = D.propagate("he_normal", "relu", depth=50, width=256, batch=256, seed=0)
    ratio = he.act_std[-1] / he.act_std[0]
    assert 0.5 < ratio < 2
    small = D.propagate("random_normal", "relu", depth=50, width=256, batch=256, seed=0,
                        std=0.01)
    assert small.act_std[-1] / small.act_std[0] < 1e-6


def test_overflow_reported_not_raised():
    p = D.propagate("large_uniform", "linear", depth=100, width=128, batch=16, seed=0,
                    limit=10.0)
    assert p.nonfinite[-1] > 0 and p.grad_nonfinite[0] > 0
    assert p.nonfinite[0] == 0 and p.grad_nonfinite[-1] == 0
    assert np.isnan(p.act_std[-1])


def test_saturation_and_dead_units():
    t = D.propagate("large_uniform", "tanh", depth=5, width=128, batch=64, seed=0)
    assert t.saturated[-1] > 0.6  # |z| ~ 6.5: P(|z| > 2.09) ~ 0.75
    # He with ReLU: a unit is dead when it is zero for all 64 examples. For independent
    # inputs that has probability 2^-64, but the examples' pre-activations become
    # correlated layer after layer, so a few percent die within 5 layers of width 128.
    r = D.propagate("he_normal", "relu", depth=5, width=128, batch=64, seed=0)
    assert r.saturated[0] == 0 and r.saturated.max() < 0.15
    dead = D.propagate("random_normal", "relu", depth=3, width=64, batch=64, seed=0,
                       mean=-1.0, std=0.01)
    assert dead.saturated[-1] == 1.0


def test_keep_samples_and_update_ratio():
    p = D.propagate("he_normal", "tanh", depth=6, width=32, batch=8, seed=0, keep=[1, 6],
                    max_samples=100)
    assert list(p.samples) == [1, 6]
    acts, grads = p.samples[6]
    assert acts.size == 100 and grads.size == 100
    assert np.all(p.update_ratio > 0)


def test_weight_gradient_matches_finite_difference():
    """dL/dW for L = sum(g * h_L) / batch, checked by central differences, and the norm
    propagate reports for the same network."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    w1, w2 = rng.standard_normal((3, 5)), rng.standard_normal((5, 5))
    g = rng.standard_normal((4, 5))

    def loss(a, b):
        return np.sum(g * np.tanh(np.tanh(x @ a) @ b)) / 4

    h1 = np.tanh(x @ w1)
    h2 = np.tanh(h1 @ w2)
    grad_w2 = h1.T @ (g * (1 - h2**2)) / 4
    eps = 1e-6
    num = np.zeros_like(w2)
    for i in range(5):
        for j in range(5):
            e = np.zeros_like(w2)
            e[i, j] = eps
            num[i, j] = (loss(w1, w2 + e) - loss(w1, w2 - e)) / (2 * eps)
    assert np.allclose(grad_w2, num, atol=1e-6)
    p = _propagate_fixed([w1, w2], x, g)
    assert p.weight_grad_norm[1] == pytest.approx(np.linalg.norm(grad_w2), rel=1e-5)


def _propagate_fixed(weights, x, g):
    """propagate with given weights (a strategy function handing them out in order) and
    a given output gradient (the data stream replaced for the call)."""
    it = iter(weights)

    def given(shape, *, seed, dtype):
        return next(it).astype(np.float32)

    class Stream:
        def standard_normal(self, size=None, dtype=np.float64):
            return g.astype(dtype)

    import initlib.diagnostics.propagation as mod

    original = mod.np.random.default_rng
    mod.np.random.default_rng = lambda *a, **k: Stream()
    try:
        return mod.propagate(given, "tanh", depth=2, width=5, inputs=x, seed=0)
    finally:
        mod.np.random.default_rng = original


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="swish"), "activation"), (dict(depth=0), "depth"),
    (dict(width=2.5), "width"), (dict(batch=-1), "batch"), (dict(keep=[99]), "keep"),
    (dict(inputs=np.zeros((3,))), "inputs"), (dict(strategy="nope"), "unknown"),
    (dict(max_samples=0), "max_samples"), (dict(negative_slope=-1.0), "negative_slope"),
    (dict(seed=-1), "seed"), (dict(seed="a"), "seed"),
])
def test_propagate_errors(kwargs, match):
    args = dict(strategy="he_normal", activation="relu", depth=3, width=8, batch=4)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        D.propagate(**args)


def test_custom_initializer_callable():
    def clipped(shape, *, seed, dtype, limit):
        return np.clip(initlib.large_uniform(shape, seed=seed, dtype=dtype), -limit, limit)

    p = D.propagate(clipped, "linear", depth=3, width=64, batch=32, seed=0, limit=0.01)
    assert p.strategy == "clipped"
    assert p.weight_norm[0] <= 0.01 * 64 + 1e-6
    with pytest.raises(ValueError, match="returned shape"):
        D.propagate(lambda shape, **k: np.zeros((2, 2)), "linear", depth=1, width=8)


def test_same_seed_same_layers_at_any_depth():
    """Layer l is drawn from its own seed stream: a deeper network keeps the first
    layers of a shallower one, and the inputs do not depend on the depth."""
    a = D.propagate("he_normal", "relu", depth=3, width=32, batch=8, seed=5)
    b = D.propagate("he_normal", "relu", depth=6, width=32, batch=8, seed=5)
    assert np.array_equal(a.preact_std, b.preact_std[:3])
    assert a.input_std == b.input_std


def test_generator_seed_advances_and_int_seed_repeats():
    rng = np.random.default_rng(0)
    a = D.propagate("he_normal", "relu", depth=2, width=16, batch=8, seed=rng)
    b = D.propagate("he_normal", "relu", depth=2, width=16, batch=8, seed=rng)
    assert not np.array_equal(a.preact_std, b.preact_std)
    c = D.propagate("he_normal", "relu", depth=2, width=16, batch=8, seed=7)
    d = D.propagate("he_normal", "relu", depth=2, width=16, batch=8, seed=7)
    assert np.array_equal(c.preact_std, d.preact_std)


def test_failure_layer():
    p = D.propagate("zero_mean_normal", "linear", depth=10, width=256, batch=32, seed=0)
    # the std grows by sqrt(256) = 16 per layer: 16^3 > 1e3 first at layer 4
    assert D.failure_layer(p, factor=1e3) == 4
    he = D.propagate("he_normal", "relu", depth=10, width=256, batch=32, seed=0)
    assert D.failure_layer(he, factor=1e3) is None
    with pytest.raises(ValueError, match="factor"):
        D.failure_layer(p, factor=0.5)


def test_bias_is_added_to_every_pre_activation():
    p = D.propagate("zeros", "linear", depth=3, width=8, batch=4, seed=0, bias=0.25)
    assert np.allclose(p.preact_mean, 0.25) and np.allclose(p.preact_std, 0)
    x = np.random.default_rng(0).standard_normal((32, 16)).astype(np.float32)
    stacked = D.propagate("identity", "linear", depth=5, width=16, inputs=x, seed=0, bias=0.5)
    assert np.allclose(stacked.preact_mean, x.mean(dtype=np.float64) + 0.5 * np.arange(1, 6),
                       atol=1e-6)  # layer l adds its bias to the one before: x + l b
    with pytest.raises(ValueError, match="bias must be finite"):
        D.propagate("he_normal", "relu", depth=2, width=8, bias=float("nan"))


def test_a_network_whose_width_changes():
    # LeCun (fan_in) keeps the forward variance of a linear network whatever the widths;
    # the backward variance then changes by fan_out / fan_in at each layer, a product
    # that telescopes: from the output back to layer 1's output it is the last width over
    # the first.
    widths = (1024, 512, 256, 128)
    p = D.propagate("lecun_normal", "linear", width=widths, batch=500, seed=0)
    assert p.depth == 4 and p.width == widths
    assert np.allclose(p.preact_std, 1.0, rtol=0.05)
    assert p.grad_std[0] ** 2 / p.grad_std[-1] ** 2 == pytest.approx(128 / 1024, rel=0.1)
    assert D.propagate("he_normal", "relu", depth=4, width=8).width == 8
    with pytest.raises(ValueError, match="depth is 3 but width gives 4"):
        D.propagate("he_normal", "relu", depth=3, width=widths)
    with pytest.raises(ValueError, match=r"width\[1\] must be an integer >= 1"):
        D.propagate("he_normal", "relu", width=(8, 0))
    with pytest.raises(TypeError, match="width must be an int or a sequence"):
        D.propagate("he_normal", "relu", width=2.5)
