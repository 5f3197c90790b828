"""The experiment facade, the model module and single runs (initlib.training.experiment,
.models, .runs)."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from initlib.training import experiment as ex
from initlib.training import models, runs
from initlib.training.data import load_digits_split


@pytest.fixture(scope="module")
def small_data():
    d = load_digits_split()
    d.x_train, d.y_train = d.x_train[:256], d.y_train[:256]
    return d


TINY = dict(width=16, epochs=2)


# ------------------------------------------------------------------ no training (fast)

def test_one_set_of_defaults():
    """train(), sweep(), the command line and the notebook read one Settings object."""
    from initlib.training import cli

    assert ex.DEFAULTS is runs.DEFAULTS and ex.Settings() == ex.DEFAULTS
    args = cli.parser().parse_args([])
    assert (args.width, args.epochs, args.batch_size, args.learning_rate, args.momentum,
            args.output) == (ex.DEFAULTS.width, ex.DEFAULTS.epochs, ex.DEFAULTS.batch_size,
                             ex.DEFAULTS.learning_rate, ex.DEFAULTS.momentum,
                             ex.DEFAULTS.output_strategy)
    import inspect

    for f in (ex.train, ex.sweep):
        params = inspect.signature(f).parameters
        assert params["settings"].default is ex.DEFAULTS
        assert not {"epochs", "width", "learning_rate"} & set(params)


@pytest.mark.parametrize("field, value, match", [
    ("width", 0, "width"), ("epochs", 1.5, "epochs"), ("batch_size", -1, "batch_size"),
    ("learning_rate", 0.0, "learning_rate"), ("momentum", 1.0, "momentum"),
    ("output_strategy", "zeroes", "unknown initializer"),
])
def test_settings_reject_bad_values(field, value, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ex.DEFAULTS.replace(**{field: value})


def test_settings_reject_unknown_fields():
    with pytest.raises(TypeError, match="unknown setting.*epoch"):
        ex.DEFAULTS.replace(epoch=3)


@pytest.mark.slow
def test_importing_changes_no_process_setting():
    """Importing the training package (Keras included) sets no environment variable and
    leaves TensorFlow's op determinism as it was."""
    code = ("import os; before = dict(os.environ);"
            "import initlib.training.experiment, initlib.training.cli, initlib.training.sweeps;"
            "from tensorflow.python.framework import config as c;"
            "changed = {k for k in set(before) | set(os.environ) "
            "if before.get(k) != os.environ.get(k)};"
            "print(sorted(changed), c.is_op_determinism_enabled())")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.strip().splitlines()[-1]
    assert out == "[] False"


def test_batch_order_is_a_permutation_per_epoch_fixed_by_the_seed():
    a = ex.batch_order(3, 50, 4)
    assert a.shape == (4, 50) and all(sorted(row) == list(range(50)) for row in a)
    assert np.array_equal(a, ex.batch_order(3, 50, 4))
    assert np.array_equal(a[:2], ex.batch_order(3, 50, 2))   # more epochs, same first ones
    assert not np.array_equal(a, ex.batch_order(4, 50, 4))
    assert not np.array_equal(a[0], a[1])
    with pytest.raises(ValueError, match="seed"):
        ex.batch_order(-1, 5, 1)


def test_model_cache_is_bounded_and_clearable():
    cache = models.ModelCache(maxsize=2)
    made = []
    for key in ("a", "b", "a", "c", "b"):
        cache.get(key, lambda k=key: made.append(k) or k)
    assert made == ["a", "b", "c", "b"]       # "b" was the least recently used at "c"
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError, match="maxsize"):
        models.ModelCache(0)
    assert models._CACHE.maxsize == models.MODEL_CACHE_SIZE


def test_deterministic_ops_restores_the_previous_state():
    from tensorflow.python.framework import config as c

    assert not c.is_op_determinism_enabled()
    with ex.deterministic_ops():
        assert c.is_op_determinism_enabled()
    assert not c.is_op_determinism_enabled()
    with ex.deterministic_ops(False):
        assert not c.is_op_determinism_enabled()


def test_model_starts_from_initlib_weights():
    import initlib
    from initlib._checks import spawn_seeds

    m = ex.build_model("he_normal", depth=2, width=8, seed=3)
    w = m.get_weights()
    seeds = spawn_seeds(3, 3)  # one stream per Dense layer, the output layer's last
    assert np.array_equal(w[0], initlib.he_normal((64, 8), seed=seeds[0]))
    assert np.array_equal(w[2], initlib.he_normal((8, 8), seed=seeds[1]))
    assert np.array_equal(w[4], initlib.he_normal((8, 10), seed=seeds[2]))
    assert not np.array_equal(w[2], w[4][:, :8]) and w[4].shape == (8, 10)
    z = ex.build_model("he_normal", depth=2, width=8, seed=3, output_strategy="zeros")
    assert np.array_equal(z.get_weights()[2], w[2]) and not z.get_weights()[4].any()


def test_reused_model_gets_the_same_weights_as_a_fresh_one():
    fresh = ex.build_model("xavier", depth=3, width=8, seed=2, output_strategy="zeros")
    reused = ex.build_model("he_normal", depth=3, width=8, seed=9)
    ex.initialize_model(reused, "xavier", seed=2, output_strategy="zeros")
    for a, b in zip(fresh.get_weights(), reused.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_build_model_errors():
    with pytest.raises(ValueError, match="activation"):
        ex.build_model("he_normal", activation="swish")
    with pytest.raises(ValueError, match="depth"):
        ex.build_model("he_normal", depth=0)
    with pytest.raises(ValueError, match="did you mean 'he'"):
        ex.build_model("hee")
    model = ex.build_model("zeros", depth=2, width=4)
    with pytest.raises(ValueError, match="batch x"):
        ex.initialize_model(model, "lsuv")


def test_epochs_to_target():
    r = ex.Run("he_normal", 3, "relu", 0, {"val_accuracy": [0.2, 0.75, 0.9, 0.85],
                                             "loss": [1.0] * 4}, [0.1] * 4)
    assert r.epochs_to(0.75) == 2 and r.epochs_to(0.9) == 3 and r.epochs_to(0.95) is None
    with pytest.raises(ValueError, match="target"):
        r.epochs_to(75)


# ------------------------------------------------------------------------- training

@pytest.mark.slow
def test_train_is_reproducible_and_shaped(small_data):
    a = ex.train("he_normal", depth=2, data=small_data, seed=0, **TINY)
    assert set(a.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 2 for v in a.history.values()) and len(a.epoch_seconds) == 2
    assert a.grad_norms.shape == (3, 3)  # before training + 2 epochs, 3 Dense layers
    assert a.settings == ex.DEFAULTS.replace(**TINY) and a.data == "digits"
    # the output layer starts at zero: logits 0, loss ln 10, no gradient below it yet
    assert a.initial["loss"] == pytest.approx(math.log(10), abs=1e-6)
    assert np.all(a.grad_norms[0, :-1] == 0) and a.grad_norms[0, -1] > 0
    b = ex.train("he_normal", depth=2, data=small_data, seed=0,
                 settings=ex.DEFAULTS.replace(**TINY))
    assert b.history == a.history and np.array_equal(b.grad_norms, a.grad_norms)
    c = ex.train("he_normal", depth=2, data=small_data, seed=1, **TINY)
    assert c.history != a.history


@pytest.mark.slow
def test_run_order_does_not_change_results(small_data):
    kw = dict(data=small_data, depth=2, **TINY)
    a = ex.train("he_normal", seed=1, **kw)
    ex.train("large_uniform", seed=0, **kw)
    ex.clear_model_cache()
    b = ex.train("he_normal", seed=1, **kw)
    assert a.history == b.history and a.initial == b.initial


def test_train_errors(small_data):
    with pytest.raises(ValueError, match="epochs"):
        ex.train("he_normal", depth=2, data=small_data, epochs=0)
    with pytest.raises(ValueError, match="activation"):
        ex.train("he_normal", depth=2, data=small_data, activation="swish")
    with pytest.raises(ValueError, match="unknown"):
        ex.train("hee", depth=2, data=small_data)
    with pytest.raises(ValueError, match="depth"):
        ex.train("he_normal", depth=0, data=small_data)
    with pytest.raises(ValueError, match="momentum"):
        ex.train("he_normal", depth=2, data=small_data, momentum=1.0)
    with pytest.raises(TypeError, match="unknown setting"):
        ex.train("he_normal", depth=2, data=small_data, epoch=3)


@pytest.mark.slow
def test_a_diverged_run_is_filled_in_exactly(small_data, monkeypatch):
    """Once every output is NaN, train stops and repeats the last metrics; training the
    remaining epochs gives the same history."""
    kw = dict(depth=6, data=small_data, width=64, epochs=4, params={"limit": 5.0},
              output_strategy=None, global_clipnorm=None)  # clipping would tame it
    short = ex.train("large_uniform", **kw)
    assert short.diverged and math.isnan(short.epoch_seconds[-1])
    assert short.grad_norms.shape == (5, 7)

    class Never:
        @staticmethod
        def make(x_val):
            import keras

            cb = keras.callbacks.Callback()
            cb.stopped_after = None
            return cb

    monkeypatch.setattr(runs, "_StopWhenAllNaN", Never)
    full = ex.train("large_uniform", **kw)
    assert all(math.isfinite(s) for s in full.epoch_seconds)
    np.testing.assert_equal(short.history, full.history)   # NaN equals NaN here


@pytest.mark.slow
def test_lsuv_run_starts_at_unit_variance(small_data):
    r = ex.train("lsuv", depth=4, data=small_data, width=32, epochs=1)
    assert r.strategy == "lsuv" and math.isfinite(r.history["loss"][0])
    assert r.initial["loss"] == pytest.approx(math.log(10), abs=1e-6)  # output at zero
    model = ex.build_model("zeros", depth=4, width=32)
    ex.initialize_model(model, "lsuv", x=small_data.x_train)
    h = small_data.x_train
    for layer in model.layers:
        pre = h @ layer.kernel.numpy() + layer.bias.numpy()
        assert abs(pre.var() - 1) < 0.1, layer.name
        h = layer(h).numpy()
    ex.initialize_model(model, "lsuv", x=small_data.x_train, output_strategy="zeros")
    assert not model.layers[-1].kernel.numpy().any()


@pytest.mark.slow
def test_dynamics_are_recorded_when_asked(small_data):
    r = ex.train("he_normal", depth=3, data=small_data, seed=0, dynamics=True, **TINY)
    d = r.dynamics
    assert d["activation_std"].shape == (3, 3) and d["update_ratio"].shape == (2, 4)
    assert np.isinf(d["update_ratio"][0, -1])           # the zero output layer's first epoch
    assert np.all((d["update_ratio"][:, :-1] > 0) & np.isfinite(d["update_ratio"][:, :-1]))
    assert np.all(np.isnan(d["saturated"])) and np.all((d["dead"] >= 0) & (d["dead"] <= 1))
    plain = ex.train("he_normal", depth=3, data=small_data, seed=0, **TINY)
    assert plain.dynamics is None and plain.history == r.history  # measuring changes nothing
