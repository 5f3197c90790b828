"""propagate near float32's limit: finite values get a finite std even where their float32
sum overflows; only layers that hold inf or nan get nan."""

import numpy as np

from initlib import diagnostics as D


def test_std_of_finite_values_near_the_float32_limit():
    # width 256, std 1: the std grows 16x per layer; at layer 31 it is about 2e37, every
    # value is finite, but a float32 sum of 16,384 such values overflows
    p = D.propagate("zero_mean_normal", "linear", depth=33, width=256, batch=64, seed=0)
    assert np.all(np.isfinite(p.preact_std[:31]))
    assert 0.5 < p.preact_std[30] / 16.0**31 < 2
    assert p.nonfinite[30] == 0
    assert np.isnan(p.preact_std[31]) and p.nonfinite[31] > 0   # 16**32 > 3.4e38
