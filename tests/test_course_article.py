"""The seed article's reference code, reproduced formula for formula."""

import math

import numpy as np
import pytest

from initlib.course import article


def test_article_initialize_weights_reproduces_formulas():
    shape = (300, 500)
    expected_std = {"normal": 1 / math.sqrt(800), "xavier": math.sqrt(2 / 800),
                    "he": math.sqrt(2 / 300), "uniform": math.sqrt(6 / 800) / math.sqrt(3)}
    for method, std in expected_std.items():
        w = article.initialize_weights(method, shape, seed=1)
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


def test_article_errors():
    with pytest.raises(ValueError, match="method"):
        article.initialize_weights("glorot_normal", (3, 3))
    with pytest.raises(ValueError, match="2-D"):
        article.initialize_weights("he", (3, 3, 3))


def test_article_strategies_are_registered_names():
    import initlib

    assert [name for name, _, _ in article.STRATEGIES][:4] == [
        "zero_mean_normal", "small_uniform", "large_uniform", "nonzero_mean_normal"]
    for name, _, _ in article.STRATEGIES:
        assert initlib.canonical_name(name) == name
