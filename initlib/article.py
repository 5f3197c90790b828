"""The six strategies of the seed article, as named presets, and its reference code.

The article (Chinese, "全连接层的权重初始化策略") lists six strategies but gives no
formulas or parameters. The presets below fix documented defaults so that notebooks,
tests and learners talk about the same distributions:

=======================  ==========================  =================================
preset                   article's name              distribution (default parameters)
=======================  ==========================  =================================
``zero_mean_normal``     均值为0的随机初始化          N(0, 1)           (std=1.0)
``small_uniform``        均值为0的小范围随机初始化    U(-0.05, 0.05)    (limit=0.05)
``large_uniform``        均值为0的大范围随机初始化    U(-1, 1)          (limit=1.0)
``nonzero_mean_normal``  均值不等于0的随机初始化      N(0.01, 0.05^2)   (mean=0.01, std=0.05)
``xavier``               Xavier/Glorot 初始化         N(0, 2/(n_in+n_out))
``he``                   He/Kaiming 初始化            N(0, 2/n_in)
=======================  ==========================  =================================

:func:`initialize_weights` reproduces the article's own function, formula for formula.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_real, check_seed, check_shape
from .initializers import glorot_normal, he_normal, random_normal, random_uniform


def zero_mean_normal(shape, *, std=1.0, seed=None, dtype="float32") -> np.ndarray:
    """Article strategy 1: N(0, std^2) with a fixed std that ignores the layer's size.
    With the default std = 1 a layer of n inputs multiplies the signal variance by
    about n (times 1/2 after a ReLU), so deep networks explode."""
    return random_normal(shape, 0.0, std, seed=seed, dtype=dtype)


def small_uniform(shape, *, limit=0.05, seed=None, dtype="float32") -> np.ndarray:
    """Article strategy 2: U(-limit, limit), variance limit^2/3, a small fixed range
    (default 0.05, Keras's ``RandomUniform`` default). Deep networks vanish."""
    limit = check_real(limit, "limit", positive=True)
    return random_uniform(shape, -limit, limit, seed=seed, dtype=dtype)


def large_uniform(shape, *, limit=1.0, seed=None, dtype="float32") -> np.ndarray:
    """Article strategy 3: U(-limit, limit) with a large fixed range (default 1).
    Deep linear/ReLU networks explode; tanh and sigmoid units saturate."""
    limit = check_real(limit, "limit", positive=True)
    return random_uniform(shape, -limit, limit, seed=seed, dtype=dtype)


def nonzero_mean_normal(shape, *, mean=0.01, std=0.05, seed=None, dtype="float32") -> np.ndarray:
    """Article strategy 4: N(mean, std^2) with mean != 0 (default 0.01, std 0.05).
    The mean adds the same rank-one term mean * n_in * E[x] to every unit's
    pre-activation, which grows with depth and makes all units alike."""
    return random_normal(shape, mean, std, seed=seed, dtype=dtype)


#: Article strategy 5, Xavier/Glorot: N(0, 2/(n_in + n_out)), i.e. :func:`glorot_normal`.
xavier = glorot_normal

#: Article strategy 6, He/Kaiming: N(0, 2/n_in), i.e. :func:`he_normal`.
he = he_normal


#: The article's strategies in its order: (preset name, English title, Chinese title).
STRATEGIES = (
    ("zero_mean_normal", "Zero-mean normal", "均值为0的随机初始化"),
    ("small_uniform", "Small-range uniform", "均值为0的小范围随机初始化"),
    ("large_uniform", "Large-range uniform", "均值为0的大范围随机初始化"),
    ("nonzero_mean_normal", "Non-zero-mean normal", "均值不等于0的随机初始化"),
    ("xavier", "Xavier/Glorot", "Xavier/Glorot 初始化"),
    ("he", "He/Kaiming", "He/Kaiming 初始化"),
)

#: Method names accepted by the article's ``initialize_weights``.
ARTICLE_METHODS = ("zeros", "ones", "uniform", "normal", "xavier", "he")


def initialize_weights(method, shape, *, seed=None) -> np.ndarray:
    """The article's ``initialize_weights(method, shape)``, formula for formula.

    ``shape`` is ``(n_in, n_out)`` (``shape[0]`` is read as the fan-in, which is right
    for the Keras layout); the result is float64 as in the article. One change: the
    random draws come from ``seed`` instead of the global ``np.random`` state.

    ==========  =============================================================
    method      distribution
    ==========  =============================================================
    zeros       0
    ones        1
    uniform     U(-a, a), a = sqrt(6/(n_in+n_out))  (= Glorot uniform)
    normal      N(0, 1/(n_in+n_out))  (half the Glorot variance)
    xavier      N(0, 2/(n_in+n_out))  (= Glorot normal)
    he          N(0, 2/n_in)          (= He normal)
    ==========  =============================================================

    Raises ``ValueError`` for an unknown method or a shape that is not 2-D.
    """
    if method not in ARTICLE_METHODS:
        raise ValueError(f"method must be one of {ARTICLE_METHODS}, got {method!r}")
    shape = check_shape(shape)
    if len(shape) != 2:
        raise ValueError(f"the article's initialize_weights takes a 2-D shape (n_in, n_out), "
                         f"got {shape}")
    rng = check_seed(seed)
    n_in, n_out = shape
    if method == "zeros":
        return np.zeros(shape)
    if method == "ones":
        return np.ones(shape)
    if n_in + n_out == 0 or (method == "he" and n_in == 0):
        return np.zeros(shape)
    if method == "uniform":
        limit = math.sqrt(6 / (n_in + n_out))
        return rng.uniform(-limit, limit, shape)
    std = {"normal": 1 / math.sqrt(n_in + n_out),
           "xavier": math.sqrt(2 / (n_in + n_out)),
           "he": math.sqrt(2 / n_in)}[method]
    return rng.normal(0.0, std, shape)
