import keras
import numpy as np
import pytest

import initlib

ik = pytest.importorskip("initlib.training.keras")


@pytest.mark.parametrize("name", ["he_normal", "glorot_uniform", "xavier", "small_uniform",
                                  "orthogonal", "lecun_normal", "kaiming_uniform"])
def test_same_values_as_numpy_for_int_seed(name):
    init = ik.get(name, seed=4)
    a = keras.ops.convert_to_numpy(init((32, 16)))
    assert np.array_equal(a, initlib.initialize(name, (32, 16), seed=4))
    assert np.array_equal(a, keras.ops.convert_to_numpy(init((32, 16))))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_honours_requested_dtype(dtype):
    t = ik.get("he_normal", seed=0)((8, 8), dtype=dtype)
    assert keras.backend.standardize_dtype(t.dtype) == dtype


def test_dense_layer_and_config_roundtrip():
    init = ik.get("he_normal", seed=1, mode="fan_out")
    layer = keras.layers.Dense(8, kernel_initializer=init)
    layer.build((None, 5))
    expect = initlib.he_normal((5, 8), seed=1, mode="fan_out")
    assert np.array_equal(keras.ops.convert_to_numpy(layer.kernel), expect)
    config = init.get_config()
    assert config == {"strategy": "he_normal", "seed": 1, "mode": "fan_out"}
    clone = ik.Initializer.from_config(config)
    assert np.array_equal(keras.ops.convert_to_numpy(clone((5, 8))), expect)
    ser = keras.initializers.serialize(init)
    assert keras.initializers.deserialize(ser).get_config() == config


def test_saved_model_loads_back_without_custom_objects(tmp_path):
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(4, activation="relu", kernel_initializer=ik.get("he_normal", seed=0)),
        keras.layers.Dense(3, kernel_initializer=ik.get("small_uniform", seed=1, limit=0.1)),
    ])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert loaded.layers[1].kernel_initializer.get_config()["limit"] == 0.1


def test_adapter_errors():
    with pytest.raises(ValueError, match="did you mean"):
        ik.get("he_nromal")
    with pytest.raises(TypeError, match="seed"):
        ik.get("he_normal", seed=np.random.default_rng(0))
    with pytest.raises(TypeError, match="does not take"):
        ik.get("he_normal", gain=2.0)


def test_keras_lsuv():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 20)).astype("float32")
    model = keras.Sequential([keras.Input((20,))] + [
        keras.layers.Dense(32, activation="tanh") for _ in range(4)] + [keras.layers.Dense(5)])
    report = ik.lsuv(model, x, seed=0)
    assert len(report) == 5 and all(r.converged for r in report)
    h = x
    for layer in model.layers:
        z = h @ keras.ops.convert_to_numpy(layer.kernel)
        assert abs(z.var() - 1) < 0.1
        h = keras.ops.convert_to_numpy(layer(h))
    with pytest.raises(ValueError, match="no Dense"):
        ik.lsuv(keras.Sequential([keras.Input((3,)), keras.layers.ReLU()]), x[:, :3])
    with pytest.raises(ValueError, match="batch"):
        ik.lsuv(model, np.zeros((0, 20)))


def test_unseeded_initializer_follows_keras_global_seed():
    """seed=None behaves like Keras's own initializers: under the same
    keras.utils.set_random_seed the same model code builds the same weights, another
    global seed builds other weights, and the saved config keeps seed=None."""
    def build():
        model = keras.Sequential([keras.Input((6,)),
                                  keras.layers.Dense(5, kernel_initializer=ik.get("he")),
                                  keras.layers.Dense(3, kernel_initializer=ik.get("he"))])
        return [keras.ops.convert_to_numpy(w) for w in model.get_weights()[::2]]

    keras.utils.set_random_seed(0)
    first = build()
    keras.utils.set_random_seed(0)
    again = build()
    keras.utils.set_random_seed(1)
    other = build()
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0][:3, :3], first[1][:3, :3])  # layers differ
    assert ik.get("he").get_config()["seed"] is None
    keras.utils.set_random_seed(0)
    keras_native = keras.initializers.HeNormal()
    keras.utils.set_random_seed(0)
    ours = ik.get("he")
    assert ours._draw_seed == keras_native.seed  # the same draw from Python's random
