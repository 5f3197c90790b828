"""Training experiments in Keras 3: the same deep dense model under several initializers.

The notebook configures and plots; this module builds the models, trains them
reproducibly and tabulates the results. Initializers come from :mod:`initlib.keras`, so
a Keras model starts from exactly the weights that :func:`initlib.initialize` draws.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._checks import _is_int, check_choice, check_real
from ._quiet import import_keras
from .data import Split, load_digits_split
from .registry import canonical_name

keras = import_keras()

KERAS_ACTIVATIONS = ("relu", "tanh", "sigmoid", "selu", "linear", "leaky_relu")


def device_name() -> str:
    """``"GPU (<name>)"`` when TensorFlow sees a GPU, else ``"CPU"``."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(gpus[0])
    return f"GPU ({details.get('device_name', gpus[0].name)})"


def build_model(strategy, *, depth=10, width=128, activation="relu", n_features=64,
                n_classes=10, seed=0, params=None, output_strategy=None):
    """A ``keras.Sequential`` of ``depth`` hidden Dense layers of ``width`` units and a
    softmax-logit output layer; biases start at zero.

    Hidden kernel ``i`` is drawn by ``strategy`` with seed ``1000 * seed + i`` (each
    layer its own stream). The output layer uses ``output_strategy`` (default: the same
    strategy). Raises ``ValueError`` for an unknown strategy or activation.
    """
    check_choice(activation, "activation", KERAS_ACTIVATIONS)
    inits = _layer_initializers(strategy, depth + 1, seed, params, output_strategy)
    layers = [keras.Input((n_features,))]
    for i in range(depth):
        layers.append(keras.layers.Dense(width, activation=activation, name=f"hidden_{i + 1}",
                                         kernel_initializer=inits[i]))
    layers.append(keras.layers.Dense(n_classes, name="logits", kernel_initializer=inits[-1]))
    return keras.Sequential(layers)


def _layer_initializers(strategy, n_dense, seed, params, output_strategy):
    """The kernel initializers of ``n_dense`` Dense layers: layer ``i`` draws with seed
    ``1000 * seed + i``; the last one uses ``output_strategy`` (without ``params``) if
    given. Shared by :func:`build_model` and :func:`initialize_model`."""
    from . import keras as ik

    params = dict(params or {})
    inits = [ik.get(strategy, seed=1000 * seed + i, **params) for i in range(n_dense - 1)]
    inits.append(ik.get(output_strategy, seed=1000 * seed + n_dense - 1) if output_strategy
                 else ik.get(strategy, seed=1000 * seed + n_dense - 1, **params))
    return inits


@dataclass
class Run:
    """One training run. ``history`` maps ``loss``, ``accuracy``, ``val_loss``,
    ``val_accuracy`` to per-epoch lists; ``epoch_seconds`` is the wall time of each
    epoch; ``initial`` holds the loss and accuracy before training."""

    strategy: str
    depth: int
    activation: str
    seed: int
    history: dict
    epoch_seconds: list
    initial: dict = field(default_factory=dict)

    @property
    def final_val_accuracy(self) -> float:
        return self.history["val_accuracy"][-1]

    @property
    def diverged(self) -> bool:
        """True when the training loss became inf or nan."""
        return not all(math.isfinite(v) for v in self.history["loss"])


class _EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t)


def initialize_model(model, strategy, *, seed=0, params=None, output_strategy=None):
    """Redraw every Dense kernel of ``model`` in place, exactly as :func:`build_model`
    would draw it (hidden layer ``i`` with seed ``1000 * seed + i``, the last Dense layer
    with ``output_strategy`` or ``strategy``), and set every bias to zero. Returns
    ``model``. Lets one compiled model serve many runs without retracing."""
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    inits = _layer_initializers(strategy, len(dense), seed, params, output_strategy)
    for layer, init in zip(dense, inits, strict=True):
        layer.kernel.assign(init(tuple(layer.kernel.shape), dtype=layer.kernel.dtype))
        layer.kernel_initializer = init
        if layer.bias is not None:
            layer.bias.assign(keras.ops.zeros_like(layer.bias))
    return model


# One compiled model per architecture and optimizer setting: compiling (tracing the
# train and test steps) costs as much as training a small model for ten epochs.
_COMPILED: dict = {}


def _compiled_model(depth, width, activation, n_features, n_classes, learning_rate, momentum):
    key = (depth, width, activation, n_features, n_classes, learning_rate, momentum)
    if key not in _COMPILED:
        model = build_model("zeros", depth=depth, width=width, activation=activation,
                            n_features=n_features, n_classes=n_classes)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=momentum),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], steps_per_execution=16)
        model.optimizer.build(model.trainable_variables)
        fresh = [keras.ops.convert_to_numpy(v) for v in model.optimizer.variables]
        _COMPILED[key] = (model, fresh)
    model, fresh = _COMPILED[key]
    for v, value in zip(model.optimizer.variables, fresh, strict=True):
        v.assign(value)  # step counter and momentum back to their initial state
    return model


def train(strategy, *, data: Split | None = None, depth=10, width=128, activation="relu",
          seed=0, epochs=10, batch_size=32, learning_rate=0.01, momentum=0.0, params=None,
          output_strategy=None) -> Run:
    """Train a :func:`build_model` network with SGD on ``data`` (default: the digits
    split) and return a :class:`Run`.

    Reproducible: the initial weights are fixed by ``seed`` alone, and
    ``keras.utils.set_random_seed(seed)`` with TensorFlow op determinism fixes the batch
    order. A run whose loss overflows is kept (its history holds inf or nan), not raised.
    Raises ``ValueError`` for an unknown strategy or activation, or bad ``epochs``.
    """
    import tensorflow as tf

    if not _is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    learning_rate = check_real(learning_rate, "learning_rate", positive=True)
    check_choice(activation, "activation", KERAS_ACTIVATIONS)
    strategy = canonical_name(strategy)
    data = data or load_digits_split()
    model = _compiled_model(depth, width, activation, data.n_features, data.n_classes,
                            learning_rate, momentum)
    initialize_model(model, strategy, seed=seed, params=params,
                     output_strategy=output_strategy)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    with np.errstate(all="ignore"):
        logits = keras.ops.convert_to_numpy(model(data.x_train, training=False))
        loss0 = float(keras.ops.convert_to_numpy(model.loss(data.y_train, logits)))
        acc0 = float(np.mean(logits.argmax(axis=1) == data.y_train))
    timer = _EpochTimer()
    fit = model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                    epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer])
    history = {k: [float(v) for v in fit.history[k]]
               for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    return Run(strategy, depth, activation, seed, history, timer.seconds,
               {"loss": loss0, "accuracy": acc0})


def sweep(strategies, *, depths=(10,), activations=("relu",), seeds=(0, 1, 2), data=None,
          progress=False, **train_kwargs) -> list[Run]:
    """Train every combination of ``strategies`` x ``depths`` x ``activations`` x
    ``seeds`` (in that nesting order) with :func:`train`; ``progress=True`` shows a tqdm
    bar. Returns the list of :class:`Run`."""
    data = data or load_digits_split()
    grid = list(itertools.product(strategies, depths, activations, seeds))
    if progress:
        from tqdm.auto import tqdm

        grid = tqdm(grid, desc="training runs")
    return [train(s, data=data, depth=d, activation=a, seed=k, **train_kwargs)
            for s, d, a, k in grid]


def summarize(runs):
    """A pandas DataFrame with one row per (strategy, depth, activation): the mean and
    std over seeds of the final validation accuracy and loss, the initial training
    loss, the number of diverged runs, and the mean wall time per epoch (seconds)."""
    import pandas as pd

    rows = []
    for r in runs:
        rows.append({"strategy": r.strategy, "depth": r.depth, "activation": r.activation,
                     "seed": r.seed, "val_accuracy": r.final_val_accuracy,
                     "val_loss": r.history["val_loss"][-1], "initial_loss": r.initial["loss"],
                     "diverged": r.diverged, "epoch_seconds": float(np.mean(r.epoch_seconds))})
    df = pd.DataFrame(rows)
    g = df.groupby(["strategy", "depth", "activation"], sort=False)
    out = g.agg(val_accuracy_mean=("val_accuracy", "mean"),
                val_accuracy_std=("val_accuracy", "std"),
                val_loss_mean=("val_loss", "mean"), initial_loss_mean=("initial_loss", "mean"),
                diverged=("diverged", "sum"), seeds=("seed", "count"),
                epoch_seconds=("epoch_seconds", "mean"))
    return out.reset_index()
