"""Bad input found by trying to break the library: each must raise a clear error that
names the argument, never return a wrong answer silently."""

import numpy as np
import pytest

import initlib
from initlib import diagnostics as D
from initlib import stats as S
from initlib.training.data import load_digits_split
from initlib.training.lsuv import lsuv
from initlib.training.mlp import train_mlp

SHAPE = (4, 4)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: initlib.random_normal(SHAPE, std=1e300), ValueError, "largest float32"),
    (lambda: initlib.constant(SHAPE, 1e39), ValueError, "value"),
    (lambda: initlib.random_normal(SHAPE, mean=1e5, dtype="float16"), ValueError, "float16"),
    (lambda: initlib.random_uniform(SHAPE, -1e308, 1.7e308, dtype="float64"), ValueError,
     "low and high"),
    (lambda: initlib.identity(SHAPE, gain=1e39), ValueError, "gain"),
    (lambda: initlib.large_uniform(SHAPE, limit=1e39), ValueError, "low and high"),
    (lambda: initlib.glorot_normal(SHAPE, gain=1e200), ValueError, "gain"),
    (lambda: initlib.he_normal(SHAPE, negative_slope=1e160), ValueError, "negative_slope"),
    (lambda: initlib.he_normal(SHAPE, dtype=None), TypeError, "dtype"),
])
def test_overflowing_or_missing_parameters(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_non_native_byte_order_is_normalised():
    assert initlib.he_normal(SHAPE, seed=0, dtype=">f4").dtype.isnative


@pytest.mark.parametrize("call, exc, match", [
    (lambda: S.distribution("random_normal", SHAPE, std=-1), ValueError, "std"),
    (lambda: S.distribution("random_uniform", SHAPE, low=1, high=0), ValueError, "low"),
    (lambda: S.distribution("he_normal", SHAPE, distribution="uniform"), ValueError,
     "distribution"),
    (lambda: S.distribution("glorot_normal", SHAPE, gain=-2), ValueError, "gain"),
    (lambda: S.second_moment("orthogonal", (5,)), ValueError, "rank"),
    (lambda: S.second_moment("zeros", None), TypeError, "shape"),
    (lambda: S.second_moment("constant", SHAPE, value=float("nan")), ValueError, "value"),
    (lambda: S.target_variance("variance_scaling", SHAPE, scale=0), ValueError, "scale"),
    (lambda: S.target_variance("he_normal", (0, 5)), ValueError, "zero"),
    (lambda: S.target_variance("variance_scaling", SHAPE, mode="bad"), ValueError, "mode"),
    (lambda: D.predict("he_normal", distribution="bad"), ValueError, "distribution"),
    (lambda: D.predict("he_normal", width=0), ValueError, "width"),
    (lambda: D.predict(lambda shape, **k: np.zeros(shape)), TypeError, "name"),
])
def test_stats_and_theory_check_parameters_like_the_initializers(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.fixture(scope="module")
def xy():
    d = load_digits_split()
    return d.x_train[:60], d.y_train[:60]


@pytest.mark.parametrize("labels, exc, match", [
    (lambda y: y - 1, ValueError, "labels between 0"),          # a -1 label
    (lambda y: y.astype(float), TypeError, "integer class labels"),
    (lambda y: y > 4, TypeError, "integer class labels"),
    (lambda y: y.astype(str), TypeError, "integer class labels"),
])
def test_train_mlp_rejects_bad_labels(xy, labels, exc, match):
    x, y = xy
    with pytest.raises(exc, match=match):
        train_mlp(x, labels(y), steps=1)


def test_train_mlp_rejects_bad_sizes(xy):
    x, y = xy
    with pytest.raises(ValueError, match="n_classes"):
        train_mlp(x, y, n_classes=1, steps=1)
    with pytest.raises(ValueError, match="labels between"):
        train_mlp(x, y, n_classes=5, steps=1)
    with pytest.raises(TypeError, match="hidden"):
        train_mlp(x, y, hidden=16, steps=1)
    with pytest.raises(ValueError, match=r"hidden\[1\]"):
        train_mlp(x, y, hidden=(4, 0), steps=1)
    with pytest.raises(ValueError, match="non-empty"):
        train_mlp(x[:0], y[:0], steps=1)
    with pytest.raises(TypeError, match="real numbers"):
        train_mlp(x.astype(complex), y, steps=1)


def test_digits_split_arguments():
    with pytest.raises(TypeError, match="split_seed"):
        load_digits_split(split_seed=None)
    with pytest.raises(TypeError, match="split_seed"):
        load_digits_split(split_seed=True)
    with pytest.raises(ValueError, match="split_seed"):
        load_digits_split(split_seed=-1)
    with pytest.raises(ValueError, match="val_fraction"):
        load_digits_split(val_fraction=0.001)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(max_samples=0), ValueError, "max_samples"),
    (dict(max_samples=2.5), TypeError, "max_samples"),
    (dict(keep=3), TypeError, "keep"),
    (dict(inputs=np.ones((4, 3), dtype=complex)), TypeError, "inputs"),
    (dict(dtype="float64"), TypeError, "dtype"),
    (dict(negative_slope=-0.1), ValueError, "negative_slope"),
])
def test_propagate_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        D.propagate("he_normal", "relu", depth=2, width=8, batch=4, **kwargs)


@pytest.mark.parametrize("call, match", [
    (lambda: D.mean_field("tanh", 1.0, 3, q0=-1), "q0"),
    (lambda: D.mean_field("tanh", 1.0, 3, sigma_b2=-1), "sigma_b2"),
    (lambda: D.phase_diagram("tanh", iterations=0), "iterations"),
    (lambda: D.phase_diagram("tanh", sigma_w=[np.nan]), "finite"),
    (lambda: D.failure_layer(D.propagate(depth=2, width=8, batch=4), quantity="bogus"),
     "quantity"),
    (lambda: D.failure_layer(D.propagate(depth=2, width=8, batch=4), factor=0.5), "factor"),
])
def test_theory_and_failure_layer_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_lsuv_arguments():
    x = np.ones((8, 4))
    with pytest.raises(TypeError, match="float"):
        lsuv([np.ones((4, 4), dtype=int)], x)
    with pytest.raises(TypeError, match="list of 2-D arrays"):
        lsuv(np.ones((4, 4)), x)
    frozen = np.ones((4, 4))
    frozen.flags.writeable = False
    with pytest.raises(TypeError, match="writable"):
        lsuv([frozen], x)
    with pytest.raises(ValueError, match="finite"):
        lsuv([np.ones((4, 4))], np.full((8, 4), np.nan))


def test_explorer_set_checks_values_instead_of_clamping():
    from initlib.viz.explorer import Explorer

    e = Explorer(depth=3, width=16, batch=16)
    for bad in (dict(depth=500), dict(scale=-1), dict(seed=-3), dict(depth=2.7),
                dict(depth="5"), dict(scale=float("nan")), dict(activation="ReLU")):
        with pytest.raises(ValueError):
            e.set(**bad)
    assert e.settings["depth"] == 3 and e.settings["scale"] == 1.0
    with pytest.raises(TypeError, match="histogram_layers"):
        Explorer(histogram_layers=2.5)
    with pytest.raises(ValueError, match="histogram_layers"):
        Explorer(histogram_layers=9)
    with pytest.raises(ValueError, match="batch"):
        Explorer(inputs=np.ones((20, 4)), batch=32)


@pytest.mark.parametrize("hidden, error, message", [
    (16, TypeError, r"hidden must be a sequence of layer widths >= 1, such as \(16,\), got 16"),
    ("16", TypeError, r"hidden must be a sequence of layer widths"),
    ((16, 0), ValueError, r"hidden\[1\]"),
])
def test_layer_widths_are_checked_alike_by_both_trainers(hidden, error, message):
    from initlib.training.mlp import train_mlp
    from initlib.training.sgd import train_sgd

    x, y = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(error, match=message):
        train_mlp(x, y, hidden=hidden)
    with pytest.raises(error, match=message):
        train_sgd(x, y, hidden=hidden)
