"""initlib: weight initialization for fully connected layers.

A small NumPy library behind a Jupyter teaching collection. Every strategy is one
function ``f(shape, *, seed=None, dtype="float32", ...) -> numpy.ndarray``; dense shapes
are ``(fan_in, fan_out)`` (Keras layout) unless ``layout="torch"`` is passed.

The package, layer by layer (imports flow downward only):

* ``initlib`` (this module): the initializers, the strategy table and its aliases
  (:mod:`~initlib.registry`), fans, activations and gains, the law of each strategy
  (:mod:`~initlib.stats`) and seed-based comparisons (:mod:`~initlib.evidence`);
* :mod:`initlib.diagnostics`: signals measured through deep networks and predicted by
  mean-field theory; deep linear networks;
* :mod:`initlib.training`: data sets, the Keras 3 adapter, LSUV, a NumPy MLP and the
  Keras training experiments;
* :mod:`initlib.viz`: the notebooks' figures and the interactive explorer;
* :mod:`initlib.course`: the notebook catalogue, the seed article's reference code and
  the exercises' feedback.

>>> import initlib
>>> w = initlib.he_normal((784, 128), seed=0)
>>> w.shape, w.dtype
((784, 128), dtype('float32'))
>>> initlib.initialize("kaiming_normal", (784, 128), seed=0).std().round(3)
np.float32(0.05)
>>> initlib.xavier is initlib.glorot_normal
True
"""

from .activations import ACTIVATIONS, calculate_gain
from .fans import compute_fans
from .initializers import (
    TRUNCATED_STD,
    Law,
    constant,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    identity,
    large_uniform,
    lecun_normal,
    lecun_uniform,
    nonzero_mean_normal,
    ones,
    orthogonal,
    random_normal,
    random_uniform,
    small_uniform,
    truncated_normal,
    variance_scaling,
    zero_mean_normal,
    zeros,
)
from .registry import ALIASES, STRATEGIES, canonical_name, initialize, law

#: The seed article's names for Glorot normal and He normal: the same functions.
xavier = glorot_normal
he = he_normal

__version__ = "0.2.0"

__all__ = [
    "ACTIVATIONS", "ALIASES", "Law", "STRATEGIES", "TRUNCATED_STD", "calculate_gain",
    "canonical_name", "compute_fans", "constant", "glorot_normal", "glorot_uniform", "he",
    "he_normal", "he_uniform", "identity", "initialize", "large_uniform", "law",
    "lecun_normal", "lecun_uniform", "nonzero_mean_normal", "ones", "orthogonal",
    "random_normal", "random_uniform", "small_uniform", "truncated_normal",
    "variance_scaling", "xavier", "zero_mean_normal", "zeros",
]
