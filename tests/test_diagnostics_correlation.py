"""unit_correlation: how alike a layer's units are, and its per-layer record in propagate."""

import math

import numpy as np
import pytest

from initlib import diagnostics as D
from initlib.diagnostics.correlation import unit_correlation


def test_matches_the_mean_of_numpys_correlation_matrix():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((200, 30)) @ rng.standard_normal((30, 30))  # correlated units
    c = np.corrcoef(z, rowvar=False)
    expected = (c.sum() - np.trace(c)) / (30 * 29)
    assert unit_correlation(z) == pytest.approx(expected, rel=1e-10)
    assert unit_correlation(z.astype(np.float32)) == pytest.approx(expected, abs=1e-5)


def test_independent_units_are_uncorrelated_within_their_standard_error():
    # For independent units each pair's correlation has std 1/sqrt(batch); the mean over
    # m(m-1)/2 nearly independent pairs has std sqrt(2 / (batch m (m-1))).
    batch, m = 400, 50
    z = np.random.default_rng(2).standard_normal((batch, m))
    assert abs(unit_correlation(z)) < 4 * math.sqrt(2 / (batch * m * (m - 1)))


def test_one_shared_signal_gives_one_whatever_the_scales_and_offsets():
    rng = np.random.default_rng(3)
    shared = rng.standard_normal((100, 1))
    z = 5.0 + shared * rng.uniform(0.5, 4.0, size=20)
    assert unit_correlation(z) == pytest.approx(1.0, abs=1e-12)
    flipped = z.copy()
    flipped[:, 0] *= -1  # one unit anti-correlated with the 19 others: 19 of 190 pairs at -1
    assert unit_correlation(flipped) == pytest.approx((171 - 19) / 190, abs=1e-12)


def test_a_common_offset_alone_does_not_make_units_alike():
    z = np.random.default_rng(4).standard_normal((300, 40)) + 1e3  # same huge mean
    assert abs(unit_correlation(z)) < 0.02


def test_constant_units_are_left_out_and_nan_when_too_few_vary():
    rng = np.random.default_rng(5)
    shared = rng.standard_normal((50, 1))
    z = np.hstack([shared, 2 * shared, np.zeros((50, 1)), np.full((50, 1), 3.0)])
    assert unit_correlation(z) == pytest.approx(1.0)
    assert math.isnan(unit_correlation(np.hstack([shared, np.ones((50, 3))])))
    assert math.isnan(unit_correlation(np.array([[1.0, np.inf], [2.0, 3.0]])))
    assert unit_correlation(np.array([[1, 2], [2, 4], [3, 5]])) == pytest.approx(
        np.corrcoef([1, 2, 3], [2, 4, 5])[0, 1])  # integers are accepted


@pytest.mark.parametrize("bad, error, match", [
    (np.ones(5), ValueError, "2-D array"),
    (np.ones((1, 5)), ValueError, "at least 2 examples"),
    (np.ones((5, 1)), ValueError, "2 units"),
    (np.array([["a", "b"], ["c", "d"]]), TypeError, "real numbers"),
])
def test_bad_input_is_named(bad, error, match):
    with pytest.raises(error, match=match):
        unit_correlation(bad)


def test_propagate_records_units_becoming_alike_under_a_nonzero_mean():
    # W = mu 11^T + sigma G: the shared part's variance grows by (mu n / sigma sqrt(n))^2
    # = 10.24 per layer against the rest, so the units are alike within a few layers.
    shifted = D.propagate("nonzero_mean_normal", "linear", depth=8, width=256, batch=128,
                          seed=0)
    assert shifted.unit_corr[0] < 0.1 and shifted.unit_corr[-1] > 0.95
    he = D.propagate("he_normal", "relu", depth=8, width=256, batch=128, seed=0)
    assert np.all(np.abs(he.unit_corr) < 0.02)
    assert "unit_corr" in D.PER_LAYER


def test_propagate_reports_nan_after_overflow_and_for_a_single_example():
    p = D.propagate("large_uniform", "linear", depth=100, width=64, batch=8, seed=0,
                    limit=10.0)
    assert math.isnan(p.unit_corr[-1]) and np.isfinite(p.unit_corr[0])
    one = D.propagate("he_normal", "relu", depth=3, width=16, batch=1, seed=0)
    assert np.all(np.isnan(one.unit_corr))


def test_huge_and_tiny_float32_values_neither_overflow_nor_underflow():
    rng = np.random.default_rng(6)
    shared = rng.standard_normal((64, 1))
    z = shared * rng.uniform(1, 2, size=32) + 0.1 * rng.standard_normal((64, 32))
    expected = unit_correlation(z)
    for scale in (1e19, 1e30, 1e-30):
        assert unit_correlation((z * scale).astype(np.float32)) == pytest.approx(expected,
                                                                                 abs=1e-4)
