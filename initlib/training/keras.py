"""Keras 3 adapter: any initlib strategy as a ``keras.initializers.Initializer``, and LSUV.

>>> import keras
>>> from initlib.training import keras as ik
>>> layer = keras.layers.Dense(128, kernel_initializer=ik.get("he_normal", seed=0))

For an int seed the initializer returns exactly the array
``initlib.initialize(name, shape, seed=seed, dtype=dtype)`` on every call, whatever the
backend, so the weights in a Keras model are the ones the NumPy notebooks showed. Give
each layer its own seed (:func:`initlib._checks.spawn_seeds` derives them): layers of
one shape that share an int seed get equal weights. With ``seed=None`` the initializer
follows Keras's own seeding: it takes a seed from Python's ``random`` module when it is
created, so after ``keras.utils.set_random_seed(s)`` the same model code builds the same
weights, as with Keras's initializers. Models saved to ``.keras`` load back without
``custom_objects`` once this module is imported (registered as ``initlib>Initializer``).

Importing this module imports Keras and changes no process setting; to keep
TensorFlow's start-up log lines out of a notebook, set ``TF_CPP_MIN_LOG_LEVEL=3`` in the
environment before the first import.
"""

from __future__ import annotations

import random

import keras
import numpy as np

from .._checks import _is_int, check_int, spawn_seeds
from ..registry import canonical_name, check_parameters, initialize
from .lsuv import LSUVLayer, check_lsuv_args, rescale_to_unit_variance


@keras.saving.register_keras_serializable(package="initlib")
class Initializer(keras.initializers.Initializer):
    """A Keras initializer drawing with :func:`initlib.initialize`.

    Parameters
    ----------
    strategy : str
        Any name :func:`initlib.initialize` accepts (``"he_normal"``, ``"xavier"``,
        ``"small_uniform"``, ``"orthogonal"``...).
    seed : int or None
        An int gives the same values on every call. ``None`` follows Keras: a seed is
        drawn from Python's ``random`` (which ``keras.utils.set_random_seed`` seeds) when
        the initializer is created, and kept, so every call gives the same values and
        the model is reproducible under a global Keras seed; the saved config keeps
        ``seed=None``. (A ``Generator`` is not accepted: it cannot be saved with the
        model.)
    **params
        The strategy's parameters (``std``, ``gain``, ``mode``...).

    Raises
    ------
    ValueError, TypeError
        At construction, for an unknown strategy, a bad seed or a bad parameter.

    Notes
    -----
    The dtype Keras asks for (float16, bfloat16, float32, float64) is honoured. Shapes
    follow Keras's layout, dense ``(in, out)``.

    Examples
    --------
    >>> init = Initializer("he", seed=0)
    >>> init((4, 3), dtype="float32").shape
    TensorShape([4, 3])
    """

    def __init__(self, strategy="glorot_uniform", seed=None, **params):
        self.strategy = canonical_name(strategy)
        if seed is not None and not _is_int(seed):
            raise TypeError(f"seed must be None or a non-negative int, got {seed!r}")
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed}")
        self.seed = None if seed is None else int(seed)
        # Keras's own rule for unseeded initializers (keras.random.make_default_seed)
        self._draw_seed = random.randint(1, int(1e9)) if seed is None else self.seed
        check_parameters(self.strategy, **params)  # now, not when Keras first calls it
        self.params = dict(params)

    def __call__(self, shape, dtype=None):
        dtype = keras.backend.standardize_dtype(dtype or keras.config.floatx())
        values = initialize(self.strategy, tuple(shape), seed=self._draw_seed, dtype=dtype,
                            **self.params)
        return keras.ops.convert_to_tensor(values, dtype=dtype)

    def get_config(self):
        return {"strategy": self.strategy, "seed": self.seed, **self.params}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"initlib.training.keras.Initializer({args})"


def get(identifier, seed=None, **params) -> Initializer:
    """Return an :class:`Initializer` for a strategy name (or pass one through).

    ``get("he_normal", seed=0)`` is usable as ``Dense(kernel_initializer=...)``; any
    name or alias the registry knows is accepted.

    >>> get("kaiming", seed=0)
    initlib.training.keras.Initializer(strategy='he_normal', seed=0)
    """
    if isinstance(identifier, Initializer):
        return identifier
    return Initializer(identifier, seed=seed, **params)


def lsuv(model, x, *, tol=0.1, max_iter=10, seed=None) -> list[LSUVLayer]:
    """LSUV (Mishkin & Matas 2016) on a Keras model whose layers form a chain.

    Every ``Dense`` kernel is first set to an orthogonal matrix (``seed``: None or int;
    Dense layer ``i`` draws with stream ``i`` of :func:`~initlib._checks.spawn_seeds`),
    then, in order, scaled until the variance of that
    layer's pre-activation (``inputs @ kernel + bias``) on the batch ``x`` is within
    ``tol`` of 1, at most ``max_iter`` passes per layer. A dead layer (zero variance) is
    reported, not divided by. Returns one :class:`LSUVLayer` per Dense layer.

    Raises ``ValueError`` for bad ``tol``/``max_iter``, an empty batch or a model without
    Dense layers; ``TypeError`` for a non-int seed.
    """
    check_lsuv_args(tol, max_iter)
    if seed is not None:
        check_int(seed, "seed", 0)
    h = np.asarray(x, dtype="float32")
    if h.ndim < 2 or h.shape[0] == 0:
        raise ValueError(f"x must be a non-empty batch (batch, features), got shape {h.shape}")
    if not model.built:
        model.build((None,) + h.shape[1:])
    report = []
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    seeds = spawn_seeds(seed, len(dense))
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel = layer.kernel
            w = initialize("orthogonal", tuple(kernel.shape), seed=seeds[len(report)],
                           dtype="float64")
            bias = 0.0 if layer.bias is None else keras.ops.convert_to_numpy(layer.bias)
            row = rescale_to_unit_variance(layer.name, w, lambda w_, h=h, b=bias: h @ w_ + b, tol,
                                           max_iter)
            kernel.assign(w.astype(keras.backend.standardize_dtype(kernel.dtype)))
            report.append(row)
        h = keras.ops.convert_to_numpy(layer(h))
    if not report:
        raise ValueError("the model has no Dense layer to initialize")
    return report
