"""compute_fans: layouts, overrides, big shapes."""

import numpy as np
import pytest

import initlib


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
