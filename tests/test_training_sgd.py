"""Mini-batch SGD in NumPy: the gradient is the full-batch one when the batch is the whole
set, the symmetry of a constant start survives mini-batches but not dropout, runs are
reproducible, and bad input is named."""

import numpy as np
import pytest

from initlib.training.mlp import train_mlp
from initlib.training.sgd import train_sgd


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((3, 6)) * 2
    y = rng.integers(0, 3, 300)
    x = centres[y] + rng.standard_normal((300, 6))
    return x, y


def test_one_batch_of_everything_is_full_batch_gradient_descent(blobs):
    # same weights (the first streams of spawn_seeds), same gradient, same steps
    x, y = blobs
    full = train_mlp(x, y, hidden=(8, 8), activation="tanh", init="glorot_normal", lr=0.3,
                     steps=25, seed=4)
    sgd = train_sgd(x, y, hidden=(8, 8), activation="tanh", init="glorot_normal",
                    learning_rate=0.3, epochs=25, batch_size=len(y), seed=4)
    for a, b in zip(full.weights, sgd.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert sgd.initial_loss == pytest.approx(full.loss[0], rel=1e-12)


def test_momentum_follows_keras_sgd(blobs):
    # softmax regression, two full-batch steps by hand: v = m v - lr g, w = w + v
    x, y = blobs
    run = train_sgd(x, y, hidden=(), init="zeros", learning_rate=0.1, momentum=0.9,
                    epochs=2, batch_size=len(y))
    w, b = np.zeros((6, 3)), np.zeros(3)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(2):
        z = x @ w + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        p /= len(y)
        vw, vb = 0.9 * vw - 0.1 * (x.T @ p), 0.9 * vb - 0.1 * p.sum(axis=0)
        w, b = w + vw, b + vb
    np.testing.assert_allclose(run.weights[0], w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(run.biases[0], b, rtol=1e-12, atol=1e-15)


def test_constant_start_symmetry_mini_batches_keep_it_dropout_breaks_it(blobs):
    x, y = blobs
    kw = dict(hidden=(6,), init="constant", init_params={"value": 0.1}, epochs=5,
              batch_size=16, learning_rate=0.1, seed=0)
    plain = train_sgd(x, y, **kw)
    dropped = train_sgd(x, y, dropout=0.3, **kw)
    assert np.ptp(plain.weights[0], axis=1).max() == 0.0
    assert np.ptp(dropped.weights[0], axis=1).max() > 1e-3


def test_dropout_is_off_at_evaluation_and_training_learns(blobs):
    x, y = blobs
    run = train_sgd(x, y, hidden=(16,), epochs=30, batch_size=20, learning_rate=0.1,
                    dropout=0.5, x_val=x[:50], y_val=y[:50], seed=0)
    assert run.loss[-1] < run.initial_loss and run.accuracy > 0.8
    assert run.val_accuracy.shape == (30,) and run.val_accuracy[-1] > 0.8


def test_reproducible_and_seeded(blobs):
    x, y = blobs
    kw = dict(hidden=(5,), epochs=3, batch_size=32, dropout=0.2)
    a, b = train_sgd(x, y, seed=7, **kw), train_sgd(x, y, seed=7, **kw)
    c = train_sgd(x, y, seed=8, **kw)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    np.testing.assert_array_equal(a.loss, b.loss)
    assert not np.array_equal(a.weights[0], c.weights[0])
    np.testing.assert_array_equal(a.initial_weights[0], b.initial_weights[0])


def test_float32_and_biases(blobs):
    x, y = blobs
    run = train_sgd(x, y, hidden=(4,), epochs=1, dtype="float32", bias_std=0.5, seed=0)
    assert all(w.dtype == np.float32 for w in run.weights)
    assert all(b.dtype == np.float32 for b in run.biases)
    start = train_sgd(x, y, hidden=(4,), epochs=1, bias_std=0.5, learning_rate=1e-12, seed=0)
    assert 0.1 < np.std(np.concatenate(start.biases)) < 1.5


def test_an_exploding_network_reports_inf_or_nan_instead_of_raising(blobs):
    x, y = blobs
    run = train_sgd(x, y, hidden=(64,) * 6, activation="linear", init="random_normal",
                    init_params={"std": 100.0}, epochs=2, batch_size=50, learning_rate=1.0)
    assert not np.all(np.isfinite(run.loss)) or run.loss[-1] > 10


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(dropout=1.0), ValueError, "dropout"),
    (dict(dropout=-0.1), ValueError, "dropout"),
    (dict(momentum=1.0), ValueError, "momentum"),
    (dict(learning_rate=0.0), ValueError, "learning_rate"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(dtype="float16"), ValueError, "dtype"),
    (dict(hidden=16), TypeError, "hidden"),
    (dict(activation="swish"), ValueError, "activation"),
    (dict(x_val=np.zeros((2, 6))), ValueError, "x_val"),
    (dict(x_val=np.zeros((2, 5)), y_val=np.zeros(2, dtype=int)), ValueError, "features"),
    (dict(bias_std=-1.0), ValueError, "bias_std"),
    (dict(n_classes=2), ValueError, "labels"),
])
def test_bad_input_is_named(blobs, kwargs, error, match):
    x, y = blobs
    with pytest.raises(error, match=match):
        train_sgd(x, y, **kwargs)


def test_bad_data_is_named():
    with pytest.raises(ValueError, match="non-empty"):
        train_sgd(np.zeros((3, 2)), np.zeros(4, dtype=int))
    with pytest.raises(TypeError, match="integer class labels"):
        train_sgd(np.zeros((3, 2)), np.zeros(3))
