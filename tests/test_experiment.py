import math

import numpy as np
import pytest

from initlib import experiment as ex
from initlib.data import load_digits_split


@pytest.fixture(scope="module")
def small_data():
    d = load_digits_split()
    d.x_train, d.y_train = d.x_train[:256], d.y_train[:256]
    return d


def test_tiny_sweep_shapes_and_reproducibility(small_data):
    runs = ex.sweep(["he_normal", "small_uniform"], depths=(2,), seeds=(0, 1), epochs=2,
                    data=small_data, width=16)
    assert [(r.strategy, r.seed) for r in runs] == [("he_normal", 0), ("he_normal", 1),
                                                    ("small_uniform", 0), ("small_uniform", 1)]
    for r in runs:
        assert set(r.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert all(len(v) == 2 for v in r.history.values()) and len(r.epoch_seconds) == 2
    again = ex.train("he_normal", data=small_data, depth=2, width=16, seed=0, epochs=2)
    assert again.history == runs[0].history
    table = ex.summarize(runs)
    assert list(table["strategy"]) == ["he_normal", "small_uniform"]
    assert (table["seeds"] == 2).all()
    assert table["val_accuracy_mean"].between(0, 1).all()


def test_model_starts_from_initlib_weights(small_data):
    import initlib

    m = ex.build_model("he_normal", depth=2, width=8, seed=3)
    w = m.get_weights()
    assert np.array_equal(w[0], initlib.he_normal((64, 8), seed=3000))
    assert np.array_equal(w[2], initlib.he_normal((8, 8), seed=3001))
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
