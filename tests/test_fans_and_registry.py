import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import initlib
from initlib import article


@pytest.mark.parametrize("shape, layout, fans", [
    ((784, 128), "keras", (784, 128)),
    ((128, 784), "torch", (784, 128)),
    ((3, 3, 64, 32), "keras", (576, 288)),
    ((32, 64, 3, 3), "torch", (576, 288)),
    ((7,), "keras", (7, 7)),
    ((), "keras", (1, 1)),
])
def test_compute_fans(shape, layout, fans):
    assert initlib.compute_fans(shape, layout) == fans


def test_fans_are_python_ints_without_overflow():
    fans = initlib.compute_fans(np.array([65536, 65536], dtype=np.int32))
    assert fans == (65536, 65536)
    assert all(type(f) is int for f in fans)
    big = initlib.compute_fans((np.int32(4096), np.int32(4096), np.int32(4096), np.int32(2)))
    assert big == (4096 * 4096 * 4096, 2 * 4096 * 4096)


def test_fan_overrides_and_errors():
    assert initlib.compute_fans((3, 3), fan_in=10) == (10, 3)
    assert initlib.compute_fans((3, 3), fan_out=np.int64(5)) == (3, 5)
    with pytest.raises(ValueError, match="fan_out"):
        initlib.compute_fans((3, 3), fan_out=-2)
    with pytest.raises(ValueError, match="rank >= 2"):
        initlib.compute_fans((5,), "torch")
    with pytest.raises(ValueError, match="layout"):
        initlib.compute_fans((5, 5), "jax")


def test_override_changes_variance():
    w = initlib.he_normal((3, 3, 1, 512), fan_in=9, seed=0, dtype="float64")
    assert w.var() == pytest.approx(2 / 9, rel=0.1)


@pytest.mark.parametrize("name, param, gain", [
    ("linear", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("selu", None, 0.75),
])
def test_calculate_gain(name, param, gain):
    assert initlib.calculate_gain(name, param) == pytest.approx(gain, rel=1e-12)


@pytest.mark.parametrize("name, param", [("swish", None), ("ReLU", None),
                                         ("leaky_relu", True), ("leaky_relu", "0.1")])
def test_calculate_gain_errors(name, param):
    with pytest.raises(ValueError):
        initlib.calculate_gain(name, param)


# --------------------------------------------------------------------------- registry

@pytest.mark.parametrize("alias, canonical", [
    ("xavier_normal", "glorot_normal"), ("xavier_uniform", "glorot_uniform"),
    ("kaiming_normal", "he_normal"), ("kaiming_uniform", "he_uniform"),
    ("HeNormal", "he_normal"), ("GlorotUniform", "glorot_uniform"),
    ("VarianceScaling", "variance_scaling"), ("normal", "random_normal"),
    ("uniform", "random_uniform"), ("LecunNormal", "lecun_normal"),
    ("TruncatedNormal", "truncated_normal"), ("Zeros", "zeros"), ("xavier", "xavier"),
])
def test_aliases(alias, canonical):
    assert initlib.canonical_name(alias) == canonical
    a = initlib.initialize(alias, (6, 4), seed=3)
    b = initlib.initialize(canonical, (6, 4), seed=3)
    assert np.array_equal(a, b)


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match="did you mean 'he_normal'"):
        initlib.initialize("he_normla", (3, 3))
    with pytest.raises(TypeError, match="name"):
        initlib.initialize(None, (3, 3))


def test_unknown_parameter_lists_accepted_ones():
    with pytest.raises(TypeError, match="takes .*gain"):
        initlib.initialize("glorot_normal", (3, 3), std=1.0)


def test_presets_and_their_defaults():
    shape = (300, 400)
    cases = {
        "zero_mean_normal": (0.0, 1.0),
        "small_uniform": (0.0, 0.05 / math.sqrt(3)),
        "large_uniform": (0.0, 1 / math.sqrt(3)),
        "nonzero_mean_normal": (0.01, 0.05),
        "xavier": (0.0, math.sqrt(2 / 700)),
        "he": (0.0, math.sqrt(2 / 300)),
    }
    assert [name for name, _, _ in article.STRATEGIES] == list(cases)
    for name, (mean, std) in cases.items():
        w = initlib.initialize(name, shape, seed=0, dtype="float64")
        assert w.mean() == pytest.approx(mean, abs=5 * std / math.sqrt(w.size))
        assert w.std() == pytest.approx(std, rel=0.02)


def test_article_initialize_weights_reproduces_formulas():
    shape = (300, 500)
    expected_std = {"normal": 1 / math.sqrt(800), "xavier": math.sqrt(2 / 800),
                    "he": math.sqrt(2 / 300), "uniform": math.sqrt(6 / 800) / math.sqrt(3)}
    for method, std in expected_std.items():
        w = initlib.initialize(method, shape, convention="article", seed=1)
        assert w.dtype == np.float64
        assert w.std() == pytest.approx(std, rel=0.02)
    # the article's "normal" has half of Glorot's variance
    n = article.initialize_weights("normal", shape, seed=2).var()
    x = article.initialize_weights("xavier", shape, seed=2).var()
    assert n / x == pytest.approx(0.5, rel=0.02)
    assert np.array_equal(article.initialize_weights("zeros", (2, 3)), np.zeros((2, 3)))
    # exactly the draws the article's code makes, with a Generator in place of np.random
    rng = np.random.default_rng(5)
    expect = rng.normal(0, math.sqrt(2 / 300), shape)
    assert np.array_equal(article.initialize_weights("he", shape, seed=5), expect)


def test_article_convention_errors():
    with pytest.raises(ValueError, match="method"):
        initlib.initialize("glorot_normal", (3, 3), convention="article")
    with pytest.raises(ValueError, match="2-D"):
        article.initialize_weights("he", (3, 3, 3))
    with pytest.raises(TypeError, match="article"):
        initlib.initialize("he", (3, 3), convention="article", dtype="float16")
    with pytest.raises(ValueError, match="convention"):
        initlib.initialize("he", (3, 3), convention="keras")


# --------------------------------------------------------------------------- properties

shapes = st.lists(st.integers(0, 12), min_size=2, max_size=4).map(tuple)


@settings(max_examples=60, deadline=None)
@given(shape=shapes, scale=st.floats(1e-3, 1e3), mode=st.sampled_from(["fan_in", "fan_out",
                                                                       "fan_avg"]),
       distribution=st.sampled_from(["normal", "truncated_normal", "uniform"]),
       dtype=st.sampled_from(["float16", "float32", "float64"]), seed=st.integers(0, 2**32))
def test_variance_scaling_properties(shape, scale, mode, distribution, dtype, seed):
    w = initlib.variance_scaling(shape, scale, mode, distribution, seed=seed, dtype=dtype)
    assert w.shape == shape and w.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(w))
    if w.size:
        n_in, n_out = initlib.compute_fans(shape)
        n = {"fan_in": n_in, "fan_out": n_out, "fan_avg": (n_in + n_out) / 2}[mode]
        sigma = math.sqrt(scale / n)
        bound = {"normal": 7 * sigma, "truncated_normal": 2 * sigma / initlib.TRUNCATED_STD,
                 "uniform": math.sqrt(3) * sigma}[distribution]
        assert np.abs(w.astype(np.float64)).max() <= bound * (1 + 2e-3)
    again = initlib.variance_scaling(shape, scale, mode, distribution, seed=seed, dtype=dtype)
    assert np.array_equal(w, again)


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 40), cols=st.integers(1, 40), gain=st.floats(0.1, 10))
def test_orthogonal_property(rows, cols, gain):
    w = initlib.orthogonal((rows, cols), gain=gain, seed=0, dtype="float64")
    gram = w.T @ w if rows >= cols else w @ w.T
    assert np.allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-6 * gain**2)


@settings(max_examples=40, deadline=None)
@given(shape=st.one_of(st.lists(st.integers(), max_size=4), st.text(max_size=3),
                       st.lists(st.floats(), min_size=1, max_size=3), st.none()))
def test_bad_shapes_always_raise_cleanly(shape):
    if isinstance(shape, list) and all(isinstance(d, int) and 0 <= d < 50 for d in shape):
        initlib.he_normal(shape, seed=0)
        return
    if isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape):
        return  # valid but possibly huge
    with pytest.raises((TypeError, ValueError), match="shape"):
        initlib.he_normal(shape, seed=0)
