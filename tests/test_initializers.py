"""Distribution, seeding, dtype and error tests for the NumPy initializers."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

import initlib
from initlib import initializers as I

SHAPE = (400, 300)  # fan_in 400, fan_out 300, 120,000 draws
N = math.prod(SHAPE)


def assert_variance(w, target, kurtosis):
    """Sample variance within 5 standard errors of ``target``; the relative SE of a
    variance estimate is sqrt((kurtosis - 1) / n)."""
    w = np.asarray(w, dtype=np.float64)
    rel_se = math.sqrt((kurtosis - 1) / w.size)
    assert abs(w.var() / target - 1) < 5 * rel_se, (w.var(), target)


def ks(w, cdf):
    return stats.kstest(np.asarray(w, dtype=np.float64).ravel(), cdf).pvalue


NORMAL_KURT, UNIFORM_KURT = 3.0, 1.8


@pytest.mark.parametrize("fn, var", [
    (initlib.glorot_normal, 2 / 700),
    (initlib.he_normal, 2 / 400),
    (initlib.lecun_normal, 1 / 400),
])
def test_variance_scaling_normals_hit_target_and_are_gaussian(fn, var):
    w = fn(SHAPE, seed=1, dtype="float64")
    assert_variance(w, var, NORMAL_KURT)
    assert abs(w.mean()) < 5 * math.sqrt(var / N)
    assert ks(w, stats.norm(0, math.sqrt(var)).cdf) > 1e-3


@pytest.mark.parametrize("fn, limit", [
    (initlib.glorot_uniform, math.sqrt(6 / 700)),
    (initlib.he_uniform, math.sqrt(6 / 400)),
    (initlib.lecun_uniform, math.sqrt(3 / 400)),
])
def test_variance_scaling_uniforms_are_bounded_and_uniform(fn, limit):
    w = fn(SHAPE, seed=2, dtype="float64")
    assert np.abs(w).max() <= limit
    assert_variance(w, limit**2 / 3, UNIFORM_KURT)
    assert ks(w, stats.uniform(-limit, 2 * limit).cdf) > 1e-3


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_uniform_bound_holds_in_low_precision(dtype):
    limit = math.sqrt(6 / 700)
    w = initlib.glorot_uniform(SHAPE, seed=3, dtype=dtype)
    assert np.abs(w.astype(np.float64)).max() <= float(np.asarray(limit, dtype=dtype))


def test_truncated_variance_scaling_keeps_variance_and_bounds():
    var = 2 / 400
    w = initlib.he_normal(SHAPE, distribution="truncated_normal", seed=4, dtype="float64")
    sigma = math.sqrt(var) / I.TRUNCATED_STD
    assert np.abs(w).max() <= 2 * sigma
    kurt = stats.truncnorm(-2, 2).stats(moments="k") + 3
    assert_variance(w, var, kurt)
    assert ks(w, stats.truncnorm(-2, 2, scale=sigma).cdf) > 1e-3


def test_truncated_std_constant_matches_scipy_and_keras():
    assert I.TRUNCATED_STD == pytest.approx(stats.truncnorm(-2, 2).std(), rel=1e-12)
    assert I.TRUNCATED_STD == pytest.approx(0.87962566103423978, rel=1e-12)


def test_truncated_normal_without_correction():
    w = initlib.truncated_normal(SHAPE, mean=0.5, std=0.1, seed=5, dtype="float64")
    assert w.min() >= 0.3 and w.max() <= 0.7
    assert ks(w, stats.truncnorm(-2, 2, loc=0.5, scale=0.1).cdf) > 1e-3


def test_random_normal_and_uniform():
    w = initlib.random_normal(SHAPE, mean=0.3, std=0.2, seed=6, dtype="float64")
    assert ks(w, stats.norm(0.3, 0.2).cdf) > 1e-3
    u = initlib.random_uniform(SHAPE, low=-0.1, high=0.3, seed=7, dtype="float64")
    assert u.min() >= -0.1 and u.max() <= 0.3
    assert ks(u, stats.uniform(-0.1, 0.4).cdf) > 1e-3


def test_glorot_normal_default_is_untruncated_truncated_is_bounded():
    """Glorot normal on (100, 100): sigma = 0.1; a plain normal has values beyond 2 sigma,
    the truncated one never beyond 2 * 0.1 / 0.8796."""
    plain = initlib.glorot_normal((100, 100), seed=0)
    assert np.abs(plain).max() > 0.2
    trunc = initlib.glorot_normal((100, 100), distribution="truncated_normal", seed=0)
    assert np.abs(trunc).max() <= 2 * 0.1 / 0.87962566103423978 + 1e-7


def test_he_normal_layouts_agree():
    keras_std = initlib.he_normal((784, 128), seed=0).std()
    torch_std = initlib.he_normal((128, 784), layout="torch", seed=0).std()
    assert keras_std == pytest.approx(0.0505, abs=5e-4)
    assert torch_std == pytest.approx(0.0505, abs=5e-4)


def test_he_uniform_large_variance_within_3_percent():
    w = initlib.he_uniform((784, 4096), seed=0)
    assert w.var(dtype=np.float64) == pytest.approx(2 / 784, rel=0.03)


def test_he_leaky_relu_and_fan_out_mode():
    w = initlib.he_normal(SHAPE, negative_slope=0.2, mode="fan_out", seed=8, dtype="float64")
    assert_variance(w, 2 / (1.04 * 300), NORMAL_KURT)


def test_gain_scales_std():
    w = initlib.glorot_uniform(SHAPE, gain=5 / 3, seed=9, dtype="float64")
    assert_variance(w, (5 / 3) ** 2 * 2 / 700, UNIFORM_KURT)


def test_conv_fans_enter_variance():
    w = initlib.he_normal((3, 3, 64, 32), seed=10, dtype="float64")
    assert_variance(w, 2 / (9 * 64), NORMAL_KURT)


def test_constants():
    assert np.array_equal(initlib.zeros((2, 3)), np.zeros((2, 3), np.float32))
    assert np.array_equal(initlib.ones((2, 3), dtype="float64"), np.ones((2, 3)))
    assert np.all(initlib.constant((2, 3), 0.25) == np.float32(0.25))


def test_identity_equals_eye():
    assert np.array_equal(initlib.identity((3, 5)), np.eye(3, 5, dtype=np.float32))
    assert np.array_equal(initlib.identity((4, 2), gain=2.0), 2 * np.eye(4, 2, dtype=np.float32))


@pytest.mark.parametrize("shape", [(64, 64), (100, 30), (30, 100), (3, 3, 16, 8)])
def test_orthogonal_rows_or_columns_orthonormal(shape):
    w = initlib.orthogonal(shape, gain=1.5, seed=0, dtype="float64")
    m = w.reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    assert np.allclose(gram, 1.5**2 * np.eye(len(gram)), atol=1e-6)


def test_orthogonal_float16():
    w = initlib.orthogonal((64, 64), dtype="float16", seed=0)
    assert w.dtype == np.float16
    w32 = w.astype(np.float32)
    assert np.allclose(w32 @ w32.T, np.eye(64), atol=5e-3)


def test_orthogonal_is_haar_distributed():
    """Under the Haar measure the sign of Q[0, 0] is +-1 with equal probability; without
    the sign correction QR returns a biased distribution."""
    rng = np.random.default_rng(0)
    signs = [np.sign(initlib.orthogonal((4, 4), seed=rng)[0, 0]) for _ in range(2000)]
    positives = sum(s > 0 for s in signs)
    assert stats.binomtest(positives, 2000, 0.5).pvalue > 1e-3
    # A Haar column is uniform on the sphere: its first entry has E[x^2] = 1/n.
    first = np.array([initlib.orthogonal((8, 8), seed=rng)[0, 0] for _ in range(2000)])
    assert abs(first.mean()) < 5 * math.sqrt(1 / 8 / 2000)


# ----------------------------------------------------------------------- seeds and dtypes

ALL_RANDOM = ["random_normal", "random_uniform", "truncated_normal", "variance_scaling",
              "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
              "lecun_uniform", "orthogonal", "zero_mean_normal", "small_uniform",
              "large_uniform", "nonzero_mean_normal"]


@pytest.mark.parametrize("name", ALL_RANDOM)
def test_int_seed_reproduces_generator_advances(name):
    a = initlib.initialize(name, (20, 30), seed=123)
    b = initlib.initialize(name, (20, 30), seed=123)
    assert np.array_equal(a, b)
    rng = np.random.default_rng(123)
    c = initlib.initialize(name, (20, 30), seed=rng)
    d = initlib.initialize(name, (20, 30), seed=rng)
    assert not np.array_equal(c, d)
    assert not np.array_equal(initlib.initialize(name, (20, 30)),
                              initlib.initialize(name, (20, 30)))


def test_global_numpy_state_untouched():
    np.random.seed(42)
    before = np.random.get_state()[1].copy()
    for name in ALL_RANDOM:
        initlib.initialize(name, (10, 10), seed=0)
        initlib.initialize(name, (10, 10))
    assert np.array_equal(np.random.get_state()[1], before)


def test_same_values_in_a_fresh_process():
    import subprocess
    import sys

    code = "import initlib; print(initlib.he_normal((3, 4), seed=7).tobytes().hex())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == initlib.he_normal((3, 4), seed=7).tobytes().hex()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", np.float32, "bfloat16"])
def test_dtypes(dtype):
    w = initlib.he_normal((8, 8), seed=0, dtype=dtype)
    assert w.dtype == initlib._checks.check_dtype(dtype)


@pytest.mark.parametrize("dtype", ["int32", "bool", np.int64, "complex64", "float", "nonsense"])
def test_non_float_dtype_raises_type_error(dtype):
    if dtype == "float":  # numpy reads "float" as float64: allowed
        assert initlib.zeros((2,), dtype=dtype).dtype == np.float64
        return
    with pytest.raises(TypeError, match="dtype"):
        initlib.he_normal((8, 8), dtype=dtype)


# ----------------------------------------------------------------------- zero-size shapes

@pytest.mark.parametrize("shape", [(0, 5), (4, 0), (3, 3, 0, 8), (0,)])
@pytest.mark.parametrize("name", ALL_RANDOM + ["zeros", "ones", "identity"])
def test_zero_size_shapes_give_empty_arrays_without_warnings(shape, name):
    if name == "identity" and len(shape) != 2:
        return
    if name == "orthogonal" and len(shape) < 2:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = initlib.initialize(name, shape, seed=0, dtype="float16")
    assert w.shape == shape and w.dtype == np.float16


# ----------------------------------------------------------------------- bad input

@pytest.mark.parametrize("shape, exc", [
    ((3.0, 4), TypeError), (("3", 4), TypeError), ((None, 4), TypeError),
    ((-1, 4), ValueError), ("34", TypeError), (5, TypeError), (None, TypeError),
    ((True, 4), TypeError), (np.zeros((2, 2), dtype=int), TypeError),
])
def test_bad_shapes(shape, exc):
    with pytest.raises(exc, match="shape"):
        initlib.he_normal(shape)


def test_numpy_integer_shapes_accepted():
    w = initlib.he_normal((np.int64(3), np.int32(4)), seed=0)
    assert w.shape == (3, 4)
    assert initlib.he_normal(np.array([3, 4]), seed=0).shape == (3, 4)


@pytest.mark.parametrize("call, match", [
    (lambda: initlib.random_normal((2, 2), std=-1), "std"),
    (lambda: initlib.random_normal((2, 2), std=float("nan")), "std"),
    (lambda: initlib.truncated_normal((2, 2), std=-0.1), "std"),
    (lambda: initlib.random_uniform((2, 2), low=1, high=1), "low"),
    (lambda: initlib.random_uniform((2, 2), low=2, high=1), "low"),
    (lambda: initlib.variance_scaling((2, 2), scale=0), "scale"),
    (lambda: initlib.variance_scaling((2, 2), scale=-1), "scale"),
    (lambda: initlib.variance_scaling((2, 2), scale=float("inf")), "scale"),
    (lambda: initlib.variance_scaling((2, 2), mode="fan_sum"), "mode"),
    (lambda: initlib.variance_scaling((2, 2), distribution="cauchy"), "distribution"),
    (lambda: initlib.he_normal((2, 2), layout="tf"), "layout"),
    (lambda: initlib.he_normal((2, 2), distribution="uniform"), "distribution"),
    (lambda: initlib.glorot_normal((2, 2), gain=0), "gain"),
    (lambda: initlib.orthogonal((5,)), "rank"),
    (lambda: initlib.identity((2, 2, 2)), "2-D"),
    (lambda: initlib.he_normal((2, 2), seed=-1), "seed"),
    (lambda: initlib.he_normal((2, 2), fan_in=0), "fan_in"),
])
def test_bad_parameters_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("seed", [1.5, "0", np.random.RandomState(0), True])
def test_bad_seed_types(seed):
    with pytest.raises(TypeError, match="seed"):
        initlib.he_normal((2, 2), seed=seed)
