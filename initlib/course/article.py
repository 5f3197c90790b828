"""The seed article: its six strategies in its order, and its reference code.

The article (Chinese, "全连接层的权重初始化策略") lists six strategies without formulas
or parameters. Its four fixed-scale strategies are the presets ``zero_mean_normal``,
``small_uniform``, ``large_uniform`` and ``nonzero_mean_normal`` of
:mod:`initlib.initializers`; its Xavier and He are the aliases ``"xavier"`` and ``"he"``
of ``glorot_normal`` and ``he_normal``. :func:`initialize_weights` reproduces its own
function, formula for formula.

>>> [name for name, _, _ in STRATEGIES][:2]
['zero_mean_normal', 'small_uniform']
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_seed, check_shape

#: The article's strategies in its order: (strategy name, English title, Chinese title).
STRATEGIES = (
    ("zero_mean_normal", "Zero-mean normal", "均值为0的随机初始化"),
    ("small_uniform", "Small-range uniform", "均值为0的小范围随机初始化"),
    ("large_uniform", "Large-range uniform", "均值为0的大范围随机初始化"),
    ("nonzero_mean_normal", "Non-zero-mean normal", "均值不等于0的随机初始化"),
    ("glorot_normal", "Xavier/Glorot", "Xavier/Glorot 初始化"),
    ("he_normal", "He/Kaiming", "He/Kaiming 初始化"),
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

    >>> initialize_weights("normal", (200, 200), seed=0).var().round(4)   # 1 / 400
    np.float64(0.0025)
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
