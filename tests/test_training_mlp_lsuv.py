import numpy as np
import pytest

import initlib
from initlib.training.data import load_digits_split
from initlib.training.lsuv import lsuv
from initlib.training.mlp import train_mlp


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def test_digits_split_is_fixed_and_standardized(digits):
    assert digits.x_train.shape == (1347, 64) and digits.x_val.shape == (450, 64)
    assert digits.x_train.dtype == np.float32
    assert np.allclose(digits.x_train.mean(axis=0), 0, atol=1e-5)
    again = load_digits_split()
    assert np.array_equal(again.x_val, digits.x_val)
    with pytest.raises(ValueError, match="val_fraction"):
        load_digits_split(val_fraction=1.5)


def test_symmetry_constant_init_keeps_hidden_units_identical(digits):
    const = train_mlp(digits.x_train, digits.y_train, init="constant",
                      init_params={"value": 0.1}, steps=100)
    w = const.weights[0]
    assert np.ptp(w, axis=1).max() < 1e-12  # every hidden unit has the same weights
    rand = train_mlp(digits.x_train, digits.y_train, init="glorot_normal", steps=100)
    assert rand.accuracy[-1] > 0.9 > const.accuracy[-1]


def test_zero_init_stays_at_chance(digits):
    r = train_mlp(digits.x_train, digits.y_train, init="zeros", steps=100)
    assert np.allclose(r.weights[0], 0) and np.allclose(r.weights[1], 0)
    assert r.loss[-1] == pytest.approx(np.log(10), abs=0.01)


def test_train_mlp_gradient_descends(digits):
    r = train_mlp(digits.x_train[:200], digits.y_train[:200], hidden=(8, 8),
                  activation="relu", init="he_normal", steps=50, lr=0.1)
    assert r.loss[-1] < r.loss[0]
    with pytest.raises(ValueError, match="steps"):
        train_mlp(digits.x_train, digits.y_train, steps=-1)
    with pytest.raises(ValueError, match="x must"):
        train_mlp(digits.x_train, digits.y_train[:5])


def test_numpy_lsuv_reaches_unit_variance(digits):
    x = digits.x_train[:256]
    weights = [initlib.orthogonal((64, 128), seed=0, dtype="float64")] + [
        initlib.orthogonal((128, 128), seed=i, dtype="float64") for i in range(1, 8)]
    report = lsuv(weights, x, "relu", tol=0.05)
    h = x.astype(np.float64)
    for w, row in zip(weights, report, strict=True):
        z = h @ w
        assert row.converged and abs(z.var() - 1) < 0.05
        h = np.maximum(z, 0)


def test_lsuv_reports_dead_layer():
    weights = [np.zeros((4, 4))]
    report = lsuv(weights, np.ones((8, 4)), "relu")
    assert report[0].dead and not report[0].converged and report[0].iterations == 0
    with pytest.raises(ValueError, match="tol"):
        lsuv(weights, np.ones((8, 4)), tol=0)
    with pytest.raises(ValueError, match="max_iter"):
        lsuv(weights, np.ones((8, 4)), max_iter=0)
    with pytest.raises(ValueError, match="shape"):
        lsuv([np.zeros((3, 4))], np.ones((8, 4)))
