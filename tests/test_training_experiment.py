import math

import numpy as np
import pytest

from initlib.training import experiment as ex
from initlib.training.data import load_digits_split


@pytest.fixture(scope="module")
def small_data():
    d = load_digits_split()
    d.x_train, d.y_train = d.x_train[:256], d.y_train[:256]
    return d


def test_tiny_sweep_shapes_and_reproducibility(small_data):
    runs = ex.sweep(["he_normal", "small_uniform"], depths=(2,), activations=("relu",),
                    seeds=(0, 1), epochs=2, data=small_data, width=16)
    assert [(r.strategy, r.seed) for r in runs] == [("he_normal", 0), ("he_normal", 1),
                                                    ("small_uniform", 0), ("small_uniform", 1)]
    for r in runs:
        assert set(r.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert all(len(v) == 2 for v in r.history.values()) and len(r.epoch_seconds) == 2
        assert r.grad_norms.shape == (3, 3)  # before training + 2 epochs, 3 Dense layers
    again = ex.train("he_normal", data=small_data, depth=2, width=16, seed=0, epochs=2)
    assert again.history == runs[0].history
    assert np.array_equal(again.grad_norms, runs[0].grad_norms)
    table = ex.summarize(runs)
    assert list(table["strategy"]) == ["he_normal", "small_uniform"]
    assert (table["seeds"] == 2).all()
    assert table["val_accuracy_mean"].between(0, 1).all()


def test_model_starts_from_initlib_weights(small_data):
    import initlib
    from initlib._checks import spawn_seeds

    m = ex.build_model("he_normal", depth=2, width=8, seed=3)
    w = m.get_weights()
    seeds = spawn_seeds(3, 3)  # one stream per Dense layer, the output layer's last
    assert np.array_equal(w[0], initlib.he_normal((64, 8), seed=seeds[0]))
    assert np.array_equal(w[2], initlib.he_normal((8, 8), seed=seeds[1]))
    assert np.array_equal(w[4], initlib.he_normal((8, 10), seed=seeds[2]))
    assert not np.array_equal(w[2], w[4][:, :8]) and w[4].shape == (8, 10)


def test_reused_model_gets_the_same_weights_as_a_fresh_one():
    fresh = ex.build_model("xavier", depth=3, width=8, seed=2)
    reused = ex.build_model("zeros", depth=3, width=8)
    ex.initialize_model(reused, "xavier", seed=2)
    for a, b in zip(fresh.get_weights(), reused.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_run_order_does_not_change_results(small_data):
    kw = dict(data=small_data, depth=2, width=16, epochs=2)
    a = ex.train("he_normal", seed=1, **kw)
    ex.train("large_uniform", seed=0, **kw)
    b = ex.train("he_normal", seed=1, **kw)
    assert a.history == b.history and a.initial == b.initial


def test_diverging_run_is_recorded(small_data):
    r = ex.train("large_uniform", data=small_data, depth=6, width=64, epochs=1,
                 params={"limit": 5.0})
    assert r.diverged or not math.isfinite(r.initial["loss"]) or r.initial["loss"] > 100


def test_train_errors(small_data):
    with pytest.raises(ValueError, match="epochs"):
        ex.train("he_normal", data=small_data, epochs=0)
    with pytest.raises(ValueError, match="activation"):
        ex.train("he_normal", data=small_data, activation="swish")
    with pytest.raises(ValueError, match="unknown"):
        ex.train("hee", data=small_data)


def test_full_grid_axes_on_a_tiny_model(small_data):
    runs = ex.sweep(ex.GRID_STRATEGIES, depths=(1, 3), activations=("relu", "tanh"),
                    seeds=(0, 1, 2), epochs=1, data=small_data, width=8, batch_size=128)
    assert len(runs) == 9 * 2 * 2 * 3
    summary = ex.summarize(runs, target=0.2)
    assert len(summary) == 9 * 2 * 2 and (summary.seeds == 3).all()
    assert list(summary.strategy.unique()) == [
        "zero_mean_normal", "small_uniform", "large_uniform", "nonzero_mean_normal",
        "glorot_normal", "he_normal", "lecun_normal", "orthogonal", "lsuv"]
    table = ex.results_table(summary)
    assert table.loc[("relu", 3, "he_normal"), "val accuracy"].count("±") == 1
    grid = ex.accuracy_grid(summary, "tanh")
    assert grid.shape == (9, 2) and list(grid.columns) == [1, 3]
    with pytest.raises(ValueError, match="sigmoid"):
        ex.accuracy_grid(summary, "sigmoid")


def test_lsuv_run_starts_at_unit_variance(small_data):
    r = ex.train("lsuv", data=small_data, depth=4, width=32, epochs=1)
    assert r.strategy == "lsuv" and math.isfinite(r.history["loss"][0])
    model = ex.build_model("zeros", depth=4, width=32)
    ex.initialize_model(model, "lsuv", x=small_data.x_train)
    h = small_data.x_train
    for layer in model.layers:
        pre = h @ layer.kernel.numpy() + layer.bias.numpy()
        assert abs(pre.var() - 1) < 0.1, layer.name
        h = layer(h).numpy()
    with pytest.raises(ValueError, match="batch x"):
        ex.initialize_model(model, "lsuv")


def test_epochs_to_target():
    r = ex.Run("he_normal", 3, "relu", 0, {"val_accuracy": [0.2, 0.75, 0.9, 0.85],
                                             "loss": [1.0] * 4}, [0.1] * 4)
    assert r.epochs_to(0.75) == 2 and r.epochs_to(0.9) == 3 and r.epochs_to(0.95) is None
    with pytest.raises(ValueError, match="target"):
        r.epochs_to(75)


def test_gradient_norms_match_a_hand_computation():
    """Two Dense layers (relu, then logits) with fixed weights: the callback's first
    record equals the Frobenius norms of dL/dW computed by hand with NumPy."""
    import keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0, 2, 2])
    w1, b1 = rng.standard_normal((4, 5)), rng.standard_normal(5) * 0.1
    w2, b2 = rng.standard_normal((5, 3)), rng.standard_normal(3) * 0.1
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(3)])
    model.set_weights([w1.astype("float32"), b1.astype("float32"), w2.astype("float32"),
                       b2.astype("float32")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    cb = ex.GradientNorms(x, y)
    model.fit(x, y, epochs=1, batch_size=7, verbose=0, callbacks=[cb])

    xd = x.astype(float)
    z1 = xd @ w1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ w2 + b2
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz2 = (p - np.eye(3)[y]) / len(y)          # d mean-cross-entropy / d logits
    dw2 = a1.T @ dz2
    dz1 = (dz2 @ w2.T) * (z1 > 0)
    dw1 = xd.T @ dz1
    expected = [np.linalg.norm(dw1), np.linalg.norm(dw2)]
    assert cb.norms.shape == (2, 2)            # before training, after epoch 1
    np.testing.assert_allclose(cb.norms[0], expected, rtol=1e-5)
    np.testing.assert_allclose(cb.norms[1], expected, rtol=1e-5)  # learning rate 0


def test_gradient_norms_rejects_bad_batches():
    with pytest.raises(ValueError, match="x must"):
        ex.GradientNorms(np.zeros((0, 3)), np.zeros(0, int))
    with pytest.raises(ValueError, match="integer labels"):
        ex.GradientNorms(np.zeros((4, 3)), np.zeros(4))


def test_sweep_rejects_bad_axes_before_training(small_data):
    with pytest.raises(ValueError, match="strategies"):
        ex.sweep([], data=small_data)
    with pytest.raises(ValueError, match="unknown"):
        ex.sweep(["he_normal", "hee"], data=small_data)
    with pytest.raises(ValueError, match="depths"):
        ex.sweep(["he_normal"], depths=(0,), data=small_data)
    with pytest.raises(ValueError, match="seeds"):
        ex.sweep(["he_normal"], seeds=(-1,), data=small_data)
    with pytest.raises(ValueError, match="momentum"):
        ex.train("he_normal", data=small_data, momentum=1.0)
    with pytest.raises(ValueError, match="batch_size"):
        ex.train("he_normal", data=small_data, batch_size=0)


def test_fashion_mnist_falls_back_to_digits_when_the_download_fails(monkeypatch):
    import keras

    from initlib.training import data as D

    def no_network():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: "
                        "[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", no_network)
    with pytest.warns(D.DownloadFallbackWarning, match="name resolution.*bundled digits"):
        split = D.load_split("fashion_mnist")
    assert split.name == "digits" and split.x_train.shape == (1347, 64)
    with pytest.raises(ValueError, match="n_train"):
        D.load_split("fashion_mnist", n_train=5)
    with pytest.raises(ValueError, match="name"):
        D.load_split("mnist")


def test_fashion_mnist_split_when_the_download_works(monkeypatch):
    import keras

    from initlib.training import data as D

    rng = np.random.default_rng(0)

    def fake():
        def part(n):
            return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                    np.tile(np.arange(10, dtype=np.uint8), n // 10))
        return part(600), part(200)

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", fake)
    split = D.load_split("fashion_mnist", n_train=300, n_val=100)
    assert split.name == "fashion_mnist" and split.n_features == 784
    assert split.x_train.shape == (300, 784) and split.x_val.shape == (100, 784)
    assert np.bincount(split.y_train).tolist() == [30] * 10
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0, atol=1e-5)


def test_command_line_writes_the_summary(tmp_path, capsys):
    out = tmp_path / "summary.csv"
    ex._main(["--strategies", "he_normal", "lsuv", "--depths", "2", "--activations", "relu",
              "--seeds", "2", "--epochs", "1", "--out", str(out)])
    printed = capsys.readouterr().out
    assert "he_normal" in printed and "lsuv" in printed and "4 runs on" in printed
    import pandas as pd

    table = pd.read_csv(out)
    assert list(table.strategy) == ["he_normal", "lsuv"] and (table.seeds == 2).all()
