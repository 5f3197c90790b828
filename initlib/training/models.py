"""The model of the training experiments: a deep stack of Dense layers whose kernels
come from :mod:`initlib`, redrawn in place between runs, and a small cache of compiled
models.

Building and compiling a Keras model (tracing its training step) costs more than
training a small one for ten epochs, so runs of one architecture share a compiled model:
:func:`compiled_model` returns it with its optimizer state reset, and
:func:`initialize_model` redraws every kernel exactly as :func:`build_model` would draw
it. The cache holds at most :data:`MODEL_CACHE_SIZE` models (least recently used first
out); :func:`clear_model_cache` empties it.

>>> from initlib.training import models
>>> model = models.build_model("he_normal", depth=2, width=8, seed=0)
>>> [layer.name for layer in model.layers]
['hidden_1', 'hidden_2', 'logits']
"""

from __future__ import annotations

from collections import OrderedDict

import keras

from .._checks import check_choice, check_int, spawn_seeds
from ..registry import canonical_name

KERAS_ACTIVATIONS = ("relu", "tanh", "sigmoid", "selu", "linear", "leaky_relu")
"""Activations the experiment model accepts (Keras names)."""

LSUV = "lsuv"
"""Strategy name for LSUV (Mishkin & Matas 2016): orthogonal kernels, then each layer
rescaled to unit pre-activation variance on a data batch."""

MODEL_CACHE_SIZE = 4
"""Most compiled models :func:`compiled_model` keeps (one per architecture and optimizer
setting; a 30-layer model holds a few MB of weights and its traced functions)."""


def check_strategy(strategy) -> str:
    """The canonical name of ``strategy`` (any name or alias :func:`initlib.initialize`
    accepts) or ``"lsuv"``.

    Raises ``ValueError`` (unknown name, with the closest known names) or ``TypeError``.

    >>> check_strategy("kaiming"), check_strategy("lsuv")
    ('he_normal', 'lsuv')
    """
    return LSUV if strategy == LSUV else canonical_name(strategy)


def build_model(strategy, *, depth=10, width=128, activation="relu", n_features=64,
                n_classes=10, seed=0, params=None, output_strategy=None):
    """A ``keras.Sequential`` of ``depth`` hidden Dense layers and a Dense output layer
    of logits; biases start at zero.

    Parameters
    ----------
    strategy : str
        Any :func:`initlib.initialize` name for the kernels (``"lsuv"`` is not a
        drawing rule: build with any name, then call :func:`initialize_model`).
    depth, width : int
        Number of hidden layers (>= 1) and their units (>= 1).
    activation : str
        One of :data:`KERAS_ACTIVATIONS`, for every hidden layer.
    n_features, n_classes : int
        Input features and output classes.
    seed : int
        Dense kernel ``i`` (hidden layers first, the output layer last) is drawn with
        stream ``i`` of :func:`~initlib._checks.spawn_seeds` of ``seed``.
    params : dict, optional
        The strategy's parameters (``std``, ``limit``...), for every kernel drawn with it.
    output_strategy : str, optional
        Strategy of the output layer's kernel (drawn without ``params``; ``"zeros"``
        starts every logit at 0); default: ``strategy``.

    Returns
    -------
    keras.Sequential
        Layers ``hidden_1`` ... ``hidden_<depth>`` and ``logits``; input shape
        ``(batch, n_features)``, output ``(batch, n_classes)`` logits.

    Raises
    ------
    ValueError
        Unknown strategy or activation, or a size below 1.

    Examples
    --------
    >>> m = build_model("he_normal", depth=3, width=16, output_strategy="zeros")
    >>> m.output_shape, float(abs(m.layers[-1].kernel.numpy()).max())
    ((None, 10), 0.0)
    """
    check_choice(activation, "activation", KERAS_ACTIVATIONS)
    depth = check_int(depth, "depth", 1)
    width = check_int(width, "width", 1)
    n_features = check_int(n_features, "n_features", 1)
    n_classes = check_int(n_classes, "n_classes", 2)
    inits = _layer_initializers(strategy, depth + 1, seed, params, output_strategy)
    layers = [keras.Input((n_features,))]
    for i in range(depth):
        layers.append(keras.layers.Dense(width, activation=activation, name=f"hidden_{i + 1}",
                                         kernel_initializer=inits[i]))
    layers.append(keras.layers.Dense(n_classes, name="logits", kernel_initializer=inits[-1]))
    return keras.Sequential(layers)


def _layer_initializers(strategy, n_dense, seed, params, output_strategy):
    """Kernel initializers of ``n_dense`` Dense layers: layer ``i`` draws with stream
    ``i`` of ``spawn_seeds(seed, n_dense)``; the last uses ``output_strategy`` (without
    ``params``) if given."""
    from . import keras as ik

    params = dict(params or {})
    seeds = spawn_seeds(seed, n_dense)
    inits = [ik.get(strategy, seed=s, **params) for s in seeds[:-1]]
    inits.append(ik.get(output_strategy, seed=seeds[-1]) if output_strategy
                 else ik.get(strategy, seed=seeds[-1], **params))
    return inits


def dense_layers(model) -> list:
    """The model's Dense layers, input side first."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def initialize_model(model, strategy, *, seed=0, params=None, output_strategy=None, x=None):
    """Redraw every Dense kernel of ``model`` in place and set every bias to zero.

    Kernels are drawn exactly as :func:`build_model` draws them (Dense layer ``i`` with
    stream ``i`` of ``spawn_seeds(seed, n_dense)``, the last one with
    ``output_strategy`` or ``strategy``), so one compiled model serves many runs.
    ``strategy="lsuv"`` runs :func:`initlib.training.keras.lsuv` (orthogonal kernels,
    then each layer rescaled to unit pre-activation variance) on the batch ``x``; with
    ``output_strategy`` the output layer is then redrawn by it.

    Parameters
    ----------
    model : keras.Model
        A chain of layers, such as :func:`build_model` returns.
    strategy, seed, params, output_strategy
        As in :func:`build_model`; ``strategy`` may also be ``"lsuv"``.
    x : array of shape (batch, features), optional
        The data batch LSUV measures variances on (needed for ``"lsuv"`` only).

    Returns
    -------
    keras.Model
        ``model`` itself.

    Raises
    ------
    ValueError
        Unknown strategy, or ``"lsuv"`` without ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> a = build_model("glorot_normal", depth=2, width=8, seed=4)
    >>> b = initialize_model(build_model("zeros", depth=2, width=8), "xavier", seed=4)
    >>> all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))
    True
    """
    strategy = check_strategy(strategy)
    dense = dense_layers(model)
    for layer in dense:
        if layer.bias is not None:
            layer.bias.assign(keras.ops.zeros_like(layer.bias))
    if strategy == LSUV:
        from . import keras as ik

        if x is None:
            raise ValueError("strategy 'lsuv' needs a data batch x to measure variances on")
        ik.lsuv(model, x, seed=seed)
        if output_strategy:
            last = dense[-1]
            init = ik.get(output_strategy, seed=spawn_seeds(seed, len(dense))[-1])
            last.kernel.assign(init(tuple(last.kernel.shape), dtype=last.kernel.dtype))
        return model
    inits = _layer_initializers(strategy, len(dense), seed, params, output_strategy)
    for layer, init in zip(dense, inits, strict=True):
        layer.kernel.assign(init(tuple(layer.kernel.shape), dtype=layer.kernel.dtype))
        layer.kernel_initializer = init
    return model


class ModelCache:
    """A least-recently-used cache of compiled models with at most ``maxsize`` entries.

    >>> cache = ModelCache(maxsize=1)
    >>> cache.get("a", lambda: 1), cache.get("b", lambda: 2), len(cache)
    (1, 2, 1)
    >>> cache.clear(); len(cache)
    0
    """

    def __init__(self, maxsize=MODEL_CACHE_SIZE):
        self.maxsize = check_int(maxsize, "maxsize", 1)
        self._items = OrderedDict()

    def get(self, key, factory):
        """The entry for ``key``, made by ``factory()`` if absent (the least recently
        used entry is dropped when the cache is full)."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = factory()
        self._items[key] = value
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return value

    def clear(self):
        """Drop every entry."""
        self._items.clear()

    def __len__(self):
        return len(self._items)


_CACHE = ModelCache()


def clear_model_cache():
    """Drop every compiled model :func:`compiled_model` holds (frees their memory once
    nothing else refers to them).

    >>> clear_model_cache()
    """
    _CACHE.clear()


def compiled_model(*, depth, width, activation, n_features, n_classes, learning_rate,
                   momentum, steps_per_epoch, global_clipnorm=None, schedule="constant",
                   epochs=1):
    """A compiled :func:`build_model` network (all-zero kernels until
    :func:`initialize_model` draws them) for SGD with ``learning_rate`` and
    ``momentum``, one call of its training function per epoch of ``steps_per_epoch``
    steps, softmax cross-entropy from logits and accuracy; ``global_clipnorm`` caps the
    norm of each step's whole gradient (None: no cap). ``schedule="cosine"`` decays
    the learning rate to 0 over ``epochs * steps_per_epoch`` steps (``"constant"``:
    no decay). The optimizer's step counter and momentum are reset on every call, so a
    cached model trains as a fresh one."""
    check_choice(schedule, "schedule", ("constant", "cosine"))
    key = (depth, width, activation, n_features, n_classes, learning_rate, momentum,
           steps_per_epoch, global_clipnorm, schedule,
           epochs if schedule != "constant" else None)

    def make():
        model = build_model("zeros", depth=depth, width=width, activation=activation,
                            n_features=n_features, n_classes=n_classes)
        rate = (learning_rate if schedule == "constant" else
                keras.optimizers.schedules.CosineDecay(learning_rate,
                                                       decay_steps=epochs * steps_per_epoch))
        sgd = keras.optimizers.SGD(rate, momentum=momentum, global_clipnorm=global_clipnorm)
        model.compile(optimizer=sgd,
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], steps_per_execution=steps_per_epoch)
        model.optimizer.build(model.trainable_variables)
        fresh = [keras.ops.convert_to_numpy(v) for v in model.optimizer.variables]
        return model, fresh

    model, fresh = _CACHE.get(key, make)
    for v, value in zip(model.optimizer.variables, fresh, strict=True):
        v.assign(value)  # step counter and momentum back to their initial state
    return model
