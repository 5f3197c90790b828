"""Measurements during training (initlib.training.callbacks), checked against NumPy."""

import keras
import numpy as np
import pytest

from initlib.training import callbacks as C


def _two_layer_model(w1, b1, w2, b2, activation="relu"):
    model = keras.Sequential([keras.Input((w1.shape[0],)),
                              keras.layers.Dense(w1.shape[1], activation=activation),
                              keras.layers.Dense(w2.shape[1])])
    model.set_weights([w.astype("float32") for w in (w1, b1, w2, b2)])
    return model


def _by_hand(x, y, w1, b1, w2, b2):
    """Forward and backward pass of relu -> logits with mean cross-entropy, float64."""
    xd = x.astype(float)
    z1 = xd @ w1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ w2 + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz2 = (p - np.eye(w2.shape[1])[y]) / len(y)     # d mean-cross-entropy / d logits
    da1 = dz2 @ w2.T
    dw2 = a1.T @ dz2
    dw1 = xd.T @ (da1 * (z1 > 0))
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    return dw1, dw2, da1, loss


@pytest.fixture
def fixed():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0, 2, 2])
    return (x, y, rng.standard_normal((4, 5)), rng.standard_normal(5) * 0.1,
            rng.standard_normal((5, 3)), rng.standard_normal(3) * 0.1)


@pytest.mark.slow
def test_gradient_norms_match_a_hand_computation(fixed):
    """The callback's records equal the Frobenius norms of dL/dW computed with NumPy
    (learning rate 0: the weights do not move)."""
    x, y, w1, b1, w2, b2 = fixed
    model = _two_layer_model(w1, b1, w2, b2)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    cb = C.GradientNorms(x, y)
    model.fit(x, y, epochs=1, batch_size=7, verbose=0, callbacks=[cb])
    dw1, dw2, _, _ = _by_hand(x, y, w1, b1, w2, b2)
    expected = [np.linalg.norm(dw1), np.linalg.norm(dw2)]
    assert cb.norms.shape == (2, 2)            # before training, after epoch 1
    np.testing.assert_allclose(cb.norms[0], expected, rtol=1e-5)
    np.testing.assert_allclose(cb.norms[1], expected, rtol=1e-5)


def test_gradient_profile_matches_a_hand_computation(fixed):
    x, y, w1, b1, w2, b2 = fixed
    p = C.gradient_profile(_two_layer_model(w1, b1, w2, b2), x, y)
    dw1, dw2, da1, loss = _by_hand(x, y, w1, b1, w2, b2)
    np.testing.assert_allclose(p.weight, [np.linalg.norm(dw1), np.linalg.norm(dw2)], rtol=1e-5)
    np.testing.assert_allclose(p.activation, [np.linalg.norm(da1)], rtol=1e-5)
    assert p.loss == pytest.approx(loss, rel=1e-5)


@pytest.mark.slow
def test_gradient_profile_of_a_deep_glorot_relu_stack():
    """Glorot & Bengio's argument, measured: with ReLU, Glorot's ||dL/dh|| shrinks toward
    the input by about sqrt(2) per layer while ||dL/dW|| stays level across layers."""
    from initlib.training.models import build_model

    x = np.random.default_rng(1).standard_normal((512, 64)).astype("float32")
    y = np.arange(512) % 10
    p = C.gradient_profile(build_model("glorot_normal", depth=20, width=256, seed=0), x, y)
    per_layer = np.exp(np.polyfit(np.arange(19), np.log(p.activation[:19]), 1)[0])
    assert 1.25 < per_layer < 1.6                    # sqrt(2) = 1.41 per layer toward output
    w = np.log2(p.weight[1:20])                      # hidden kernels of equal width
    assert w.max() - w.min() < 2.0                   # level within a factor 4 over 19 layers
    assert p.activation[-1] / p.activation[0] > 2 ** 6


def test_bad_batches_are_rejected():
    with pytest.raises(ValueError, match="x must"):
        C.GradientNorms(np.zeros((0, 3)), np.zeros(0, int))
    with pytest.raises(ValueError, match="integer labels"):
        C.GradientNorms(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="x must"):
        C.TrainingDynamics(np.zeros(3))
    with pytest.raises(ValueError, match="4 integer labels"):
        C.Validation(np.zeros((4, 3)), np.zeros(3, int))


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_training_dynamics_match_numpy(activation):
    """Activation std, saturated and dead shares against NumPy on the same weights, and
    the update-to-data ratio against the weights saved before and after each epoch."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    w1 = rng.standard_normal((6, 8)) * 2.0
    b1 = rng.standard_normal(8) * np.where(np.arange(8) < 3, 10.0, 0.1) - 3.0 * (np.arange(8) < 3)
    model = _two_layer_model(w1, b1, rng.standard_normal((8, 3)), np.zeros(3), activation)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=keras.losses.
                  SparseCategoricalCrossentropy(from_logits=True))
    saved = []

    class Save(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            saved.append([layer.kernel.numpy().astype(float) for layer in model.layers])

        def on_epoch_end(self, epoch, logs=None):
            saved.append([layer.kernel.numpy().astype(float) for layer in model.layers])

    cb = C.TrainingDynamics(x)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False, callbacks=[Save(), cb])
    w, b = model.layers[0].kernel.numpy(), model.layers[0].bias.numpy()
    z = x @ w + b
    h = {"relu": np.maximum(z, 0), "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z))}[activation]
    assert cb.activation_std.shape == (3, 1) and cb.update_ratio.shape == (2, 2)
    assert cb.activation_std[-1, 0] == pytest.approx(h.std(), rel=1e-4)
    if activation == "relu":
        assert cb.dead[-1, 0] == pytest.approx(np.mean(np.all(z <= 0, axis=0)))
        assert np.isnan(cb.saturated).all()
    else:
        sat = np.abs(h) > 0.97 if activation == "tanh" else np.abs(h - 0.5) > 0.47
        assert cb.saturated[-1, 0] == pytest.approx(sat.mean(), abs=1e-6)
        assert np.isnan(cb.dead).all()
    for e in range(2):
        for layer in range(2):
            before, after = saved[e][layer], saved[e + 1][layer]
            expected = np.linalg.norm(after - before) / np.linalg.norm(before)
            assert cb.update_ratio[e, layer] == pytest.approx(expected, rel=1e-4)


@pytest.mark.slow
def test_a_dead_relu_layer_is_seen_as_dead():
    w1, b1 = np.ones((4, 5)), -100 * np.ones(5)          # every pre-activation negative
    model = _two_layer_model(w1, b1, np.ones((5, 3)), np.zeros(3))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    cb = C.TrainingDynamics(np.ones((8, 4), "float32"))
    model.fit(np.ones((8, 4)), np.zeros((8, 3)), epochs=1, verbose=0, callbacks=[cb])
    assert cb.dead.tolist() == [[1.0], [1.0]] and cb.activation_std.tolist() == [[0.0], [0.0]]
    assert cb.update_ratio.tolist() == [[0.0, 0.0]]


class _FakeModel:
    """Just what StopAtChance reads: the Dense layers (the last one's units = C)."""

    def __init__(self, classes):
        self.layers = [keras.layers.Dense(classes)]
        self.stop_training = False


def _feed(stop, losses, classes=10):
    stop.set_model(_FakeModel(classes))
    stop.on_train_begin()
    for epoch, loss in enumerate(losses):
        stop.on_epoch_end(epoch, {"loss": loss})
        if stop.model.stop_training:
            return epoch + 1
    return None


def test_stop_at_chance_stops_only_a_run_that_never_left_ln_c():
    chance = np.log(10)
    stuck = [chance + 1e-4, chance - 2e-3, chance + 5e-3, chance]
    assert _feed(C.StopAtChance(patience=3), stuck) == 3
    assert C.StopAtChance(patience=3).stopped_after is None
    stop = C.StopAtChance(patience=3)
    _feed(stop, stuck)
    assert stop.stopped_after == 3
    # a run that leaves chance once is never stopped, even if it comes back to ln C
    assert _feed(C.StopAtChance(patience=2), [chance, chance - 0.5, chance, chance, chance]) is None
    # a diverging run (inf, nan) is not "at chance"
    assert _feed(C.StopAtChance(patience=1), [float("inf"), chance, chance]) is None
    assert _feed(C.StopAtChance(patience=1), [float("nan"), chance]) is None
    # tol is in nats around ln C, C read from the output layer
    assert _feed(C.StopAtChance(patience=1, tol=0.1), [np.log(3) + 0.09], classes=3) == 1
    assert _feed(C.StopAtChance(patience=1, tol=0.1), [np.log(3) + 0.11], classes=3) is None
    # reused across runs: Keras calls on_train_begin, which resets it
    stop = C.StopAtChance(patience=1)
    assert _feed(stop, [chance]) == 1 and _feed(stop, [1.0, chance]) is None
    assert stop.stopped_after is None


@pytest.mark.parametrize("kwargs, message", [
    ({"patience": 0}, "patience"), ({"patience": 1.5}, "patience"),
    ({"tol": 0}, "tol"), ({"tol": "a"}, "tol")])
def test_stop_at_chance_rejects_bad_settings(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        C.StopAtChance(**kwargs)


def test_stop_at_chance_ends_a_deep_glorot_relu_run_and_not_a_learning_one():
    from initlib.training.data import load_digits_split
    from initlib.training.sweeps import sweep

    stop = C.StopAtChance(patience=2)
    runs = sweep(["glorot_normal", "he_normal"], depths=(30, 2), activations=("relu",),
                 seeds=(0,), data=load_digits_split(), epochs=4, width=32, callbacks=[stop])
    lengths = {(r.strategy, r.depth): len(r.history["loss"]) for r in runs}
    assert lengths[("glorot_normal", 30)] == 2, lengths
    assert lengths[("glorot_normal", 2)] == lengths[("he_normal", 2)] == 4, lengths
    stuck = next(r for r in runs if (r.strategy, r.depth) == ("glorot_normal", 30))
    assert abs(stuck.history["loss"][-1] - np.log(10)) < 0.01
    assert stuck.grad_norms.shape[0] == 3      # before training and after each of 2 epochs
