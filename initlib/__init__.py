"""initlib: weight initialization for fully connected layers.

A small NumPy library behind a Jupyter teaching collection. Every strategy is one
function ``f(shape, *, seed=None, dtype="float32", ...) -> numpy.ndarray``; dense shapes
are ``(fan_in, fan_out)`` (Keras layout) unless ``layout="torch"`` is passed.

>>> import initlib
>>> w = initlib.he_normal((784, 128), seed=0)
>>> w.shape, w.dtype
((784, 128), dtype('float32'))
>>> initlib.initialize("kaiming_normal", (784, 128), seed=0).std().round(3)
np.float32(0.05)
"""

from .article import (
    initialize_weights,
    large_uniform,
    nonzero_mean_normal,
    small_uniform,
    zero_mean_normal,
)
from .fans import calculate_gain, compute_fans
from .initializers import (
    TRUNCATED_STD,
    constant,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    identity,
    lecun_normal,
    lecun_uniform,
    ones,
    orthogonal,
    random_normal,
    random_uniform,
    truncated_normal,
    variance_scaling,
    zeros,
)
from .registry import STRATEGIES, canonical_name, initialize

xavier = glorot_normal
he = he_normal

__version__ = "0.1.0"

__all__ = [
    "STRATEGIES", "TRUNCATED_STD", "calculate_gain", "canonical_name", "compute_fans",
    "constant", "glorot_normal", "glorot_uniform", "he", "he_normal", "he_uniform",
    "identity", "initialize", "initialize_weights", "large_uniform", "lecun_normal",
    "lecun_uniform", "nonzero_mean_normal", "ones", "orthogonal", "random_normal",
    "random_uniform", "small_uniform", "truncated_normal", "variance_scaling", "xavier",
    "zero_mean_normal", "zeros",
]
