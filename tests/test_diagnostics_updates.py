"""relative_change: exact values, the update-to-data ratio of one gradient step, and
clear errors."""

import numpy as np
import pytest

from initlib.diagnostics.updates import relative_change
from initlib.training.mlp import train_mlp


def test_exact_values():
    before = [np.array([[3.0, 4.0]]), np.array([1.0, 0.0])]
    after = [np.array([[3.0, 4.5]]), np.array([1.0, 2.0])]
    assert relative_change(before, after) == pytest.approx([0.1, 2.0])


def test_one_step_is_lr_times_gradient_over_weights():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    kwargs = dict(hidden=(8,), activation="tanh", init="glorot_uniform", seed=3)
    w0 = train_mlp(x, y, lr=0.1, steps=0, **kwargs).weights
    w1 = train_mlp(x, y, lr=0.1, steps=1, **kwargs).weights
    w1_big = train_mlp(x, y, lr=0.2, steps=1, **kwargs).weights
    ratio = relative_change(w0, w1)
    assert ratio.shape == (2,) and np.all(ratio > 0)
    assert relative_change(w0, w1_big) == pytest.approx(2 * ratio)  # linear in lr


def test_zero_weights_and_errors():
    with np.errstate(all="ignore"):
        assert np.isinf(relative_change([np.zeros(2)], [np.ones(2)])[0])
        assert np.isnan(relative_change([np.zeros(2)], [np.zeros(2)])[0])
    with pytest.raises(ValueError, match="same number of layers"):
        relative_change([np.ones(2)], [])
    with pytest.raises(ValueError, match="changed shape"):
        relative_change([np.ones(2)], [np.ones(3)])
    with pytest.raises(TypeError, match="real numbers"):
        relative_change([np.array(["a"])], [np.array(["b"])])
