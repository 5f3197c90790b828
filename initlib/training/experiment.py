"""Training experiments in Keras 3: the same deep dense model under several initializers.

The notebook configures and plots; this module builds the models, trains them
reproducibly and tabulates the results. Initializers come from :mod:`initlib.keras`, so
a Keras model starts from exactly the weights that :func:`initlib.initialize` draws.
"""

from __future__ import annotations

import itertools
import math
import time
import weakref
from dataclasses import dataclass, field

import keras
import numpy as np

from .._checks import _is_int, check_choice, check_real, spawn_seeds
from ..registry import canonical_name
from .data import Split, load_digits_split

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

    Dense kernel ``i`` (hidden layers first, the output layer last) is drawn with
    stream ``i`` of :func:`~initlib._checks.spawn_seeds` of ``seed``, by ``strategy``
    or, for the output layer, ``output_strategy`` (default: the same strategy).
    Raises ``ValueError`` for an unknown strategy or activation.
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
    """The kernel initializers of ``n_dense`` Dense layers: layer ``i`` draws with
    stream ``i`` of ``spawn_seeds(seed, n_dense)``; the last one uses
    ``output_strategy`` (without ``params``) if given. Shared by :func:`build_model`
    and :func:`initialize_model`."""
    from . import keras as ik

    params = dict(params or {})
    seeds = spawn_seeds(seed, n_dense)
    inits = [ik.get(strategy, seed=s, **params) for s in seeds[:-1]]
    inits.append(ik.get(output_strategy, seed=seeds[-1]) if output_strategy
                 else ik.get(strategy, seed=seeds[-1], **params))
    return inits


@dataclass
class Run:
    """One training run.

    ``history`` maps ``loss``, ``accuracy``, ``val_loss`` and ``val_accuracy`` to
    per-epoch lists (loss in nats, accuracy as a fraction); ``epoch_seconds`` is the wall
    time of each epoch (s); ``initial`` holds the training loss and accuracy before the
    first step. ``grad_norms`` has shape ``(epochs + 1, n_dense)``: row 0 is the
    Frobenius norm of the loss gradient with respect to every Dense kernel (input side
    first) before the first step, row ``e`` the same after epoch ``e``
    (see :class:`GradientNorms`).
    """

    strategy: str
    depth: int
    activation: str
    seed: int
    history: dict
    epoch_seconds: list
    initial: dict = field(default_factory=dict)
    grad_norms: np.ndarray | None = None

    @property
    def final_val_accuracy(self) -> float:
        return self.history["val_accuracy"][-1]

    @property
    def diverged(self) -> bool:
        """True when the training loss became inf or nan."""
        return not all(math.isfinite(v) for v in self.history["loss"])

    def epochs_to(self, target: float) -> int | None:
        """The first epoch (1-based) after which the validation accuracy is at least
        ``target`` (a fraction in (0, 1]); None if it never is."""
        target = check_real(target, "target", positive=True)
        if target > 1:
            raise ValueError(f"target is a validation accuracy in (0, 1], got {target}")
        for epoch, acc in enumerate(self.history["val_accuracy"], start=1):
            if acc >= target:
                return epoch
        return None


# ---------------------------------------------------------------------------- callbacks

_FUNCTIONS = weakref.WeakKeyDictionary()  # model -> its traced measuring functions


def _measuring_functions(model):
    """Two traced functions of ``model``, built once per model and reused across runs
    (tracing costs more than a small measurement): the gradient norms of every Dense
    kernel, and validation loss and accuracy."""
    if model not in _FUNCTIONS:
        import tensorflow as tf

        kernels = [layer.kernel for layer in model.layers
                   if isinstance(layer, keras.layers.Dense)]
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        @tf.function(reduce_retracing=True)
        def grad_norms(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=False))
            return tf.stack([tf.norm(g) for g in tape.gradient(loss, kernels)])

        @tf.function(reduce_retracing=True)
        def evaluate(x, y):
            logits = model(x, training=False)
            hits = tf.cast(tf.argmax(logits, axis=1) == tf.cast(y, tf.int64), tf.float32)
            return loss_fn(y, logits), tf.reduce_mean(hits)

        _FUNCTIONS[model] = (grad_norms, evaluate)
    return _FUNCTIONS[model]


class GradientNorms(keras.callbacks.Callback):
    """Keras callback: per-layer gradient norms before training and after every epoch.

    For every ``Dense`` kernel :math:`W_l` (in layer order, input side first) it records
    ``norm(dL/dW_l)``, the Frobenius norm of the gradient
    of the mean softmax cross-entropy :math:`L` (logits output, integer labels) over the
    fixed batch ``(x, y)``, computed in inference mode. Record 0 is taken at
    ``on_train_begin`` (the gradient of the first step, on this batch); record ``e``
    after epoch ``e``. ``norms`` is a float64 array of shape ``(records, n_dense)``.

    ``x``: ``(batch, features)`` floats; ``y``: ``(batch,)`` integer class labels.
    Raises ``ValueError`` for mismatched or empty arrays.
    """

    def __init__(self, x, y):
        super().__init__()
        self.x = np.asarray(x, dtype="float32")
        self.y = np.asarray(y)
        if self.x.ndim != 2 or self.x.shape[0] == 0:
            raise ValueError(f"x must be a non-empty (batch, features) array, got shape "
                             f"{self.x.shape}")
        if self.y.shape != (self.x.shape[0],) or not np.issubdtype(self.y.dtype, np.integer):
            raise ValueError(f"y must hold {self.x.shape[0]} integer labels, got "
                             f"{self.y.dtype} of shape {self.y.shape}")
        self._records = []

    @property
    def norms(self) -> np.ndarray:
        return np.array(self._records, dtype=float)

    def _record(self):
        grad_norms, _ = _measuring_functions(self.model)
        self._records.append(keras.ops.convert_to_numpy(grad_norms(self.x, self.y)))

    def on_train_begin(self, logs=None):
        self._records = []
        self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()


class _Validation(keras.callbacks.Callback):
    """Adds ``val_loss`` and ``val_accuracy`` to each epoch's logs with one traced
    forward pass (cheaper than ``fit(validation_data=...)``, which builds a new input
    pipeline every epoch)."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def on_epoch_end(self, epoch, logs=None):
        _, evaluate = _measuring_functions(self.model)
        loss, acc = evaluate(self.x, self.y)
        logs["val_loss"] = float(loss)
        logs["val_accuracy"] = float(acc)


class _EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t)


# ------------------------------------------------------------------------------ training

def initialize_model(model, strategy, *, seed=0, params=None, output_strategy=None,
                     x=None):
    """Redraw every Dense kernel of ``model`` in place, exactly as :func:`build_model`
    would draw it (Dense layer ``i`` with stream ``i`` of ``spawn_seeds(seed, n_dense)``,
    the last one with ``output_strategy`` or ``strategy``), and set every bias to zero. Returns
    ``model``. Lets one compiled model serve many runs without retracing.

    ``strategy="lsuv"`` runs :func:`initlib.keras.lsuv` (orthogonal start, then every
    layer rescaled to unit pre-activation variance) on the batch ``x``, which it needs.
    """
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for layer in dense:
        if layer.bias is not None:
            layer.bias.assign(keras.ops.zeros_like(layer.bias))
    if strategy == LSUV:
        from . import keras as ik

        if x is None:
            raise ValueError("strategy 'lsuv' needs a data batch x to measure variances on")
        ik.lsuv(model, x, seed=seed)
        return model
    inits = _layer_initializers(strategy, len(dense), seed, params, output_strategy)
    for layer, init in zip(dense, inits, strict=True):
        layer.kernel.assign(init(tuple(layer.kernel.shape), dtype=layer.kernel.dtype))
        layer.kernel_initializer = init
    return model


# One compiled model per architecture and optimizer setting: compiling (tracing the
# train step) costs as much as training a small model for ten epochs.
_COMPILED: dict = {}


def _compiled_model(depth, width, activation, n_features, n_classes, learning_rate, momentum,
                    steps_per_epoch):
    key = (depth, width, activation, n_features, n_classes, learning_rate, momentum,
           steps_per_epoch)
    if key not in _COMPILED:
        model = build_model("zeros", depth=depth, width=width, activation=activation,
                            n_features=n_features, n_classes=n_classes)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=momentum),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], steps_per_execution=steps_per_epoch)
        model.optimizer.build(model.trainable_variables)
        fresh = [keras.ops.convert_to_numpy(v) for v in model.optimizer.variables]
        _COMPILED[key] = (model, fresh)
    model, fresh = _COMPILED[key]
    for v, value in zip(model.optimizer.variables, fresh, strict=True):
        v.assign(value)  # step counter and momentum back to their initial state
    return model


PROBE = 256
"""Training examples on which :func:`train` measures per-layer gradient norms."""

GLOBAL_SEED = 0
"""TensorFlow's global seed during :func:`train`; each run's own ``seed`` seeds its
weights and its batch order."""


def _make_deterministic():
    """Turn on TensorFlow's op determinism and set the global seeds
    (``keras.utils.set_random_seed(GLOBAL_SEED)``: Python, NumPy's legacy global state,
    TensorFlow) unless TensorFlow's already is ``GLOBAL_SEED``: setting it clears
    TensorFlow's kernel caches, which costs about a second per run."""
    import tensorflow as tf

    if tf.compat.v1.get_seed(None)[0] != GLOBAL_SEED:
        keras.utils.set_random_seed(GLOBAL_SEED)
    tf.config.experimental.enable_op_determinism()  # cheap when already on


LSUV = "lsuv"
"""Strategy name for LSUV (Mishkin & Matas 2016) in :func:`train` and :func:`sweep`."""

GRID_STRATEGIES = ("zero_mean_normal", "small_uniform", "large_uniform",
                   "nonzero_mean_normal", "glorot_normal", "he_normal", "lecun_normal",
                   "orthogonal", LSUV)
"""The article's six strategies (its Xavier and He are the normal variants), then LeCun
normal, orthogonal and LSUV."""


def train(strategy, *, data: Split | None = None, depth=10, width=128, activation="relu",
          seed=0, epochs=10, batch_size=32, learning_rate=0.01, momentum=0.0, params=None,
          output_strategy=None) -> Run:
    """Train a :func:`build_model` network with SGD on ``data`` (default: the digits
    split) and return a :class:`Run` with its learning curves, epoch times and per-layer
    gradient norms (:class:`GradientNorms` on the first ``PROBE`` = 256 training
    examples).

    ``strategy`` is any :func:`initlib.initialize` name, or ``"lsuv"`` (LSUV on the
    first 512 training examples). Reproducible: the initial weights are fixed by
    ``seed`` alone; the batch order by a shuffle seeded with ``seed`` under
    ``keras.utils.set_random_seed(GLOBAL_SEED)`` and TensorFlow op determinism (both set
    on the first call), so the same call gives the same numbers on the same machine. A
    run whose loss overflows is kept (its history holds inf or nan), not raised.
    Raises ``ValueError`` for an unknown strategy or activation, or bad ``epochs``,
    ``batch_size``, ``learning_rate`` or ``momentum``.
    """
    import tensorflow as tf

    if not _is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    learning_rate = check_real(learning_rate, "learning_rate", positive=True)
    momentum = check_real(momentum, "momentum", non_negative=True)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    check_choice(activation, "activation", KERAS_ACTIVATIONS)
    if strategy != LSUV:
        strategy = canonical_name(strategy)
    data = data or load_digits_split()
    n = len(data.x_train)
    steps = math.ceil(n / batch_size)
    model = _compiled_model(depth, width, activation, data.n_features, data.n_classes,
                            learning_rate, momentum, steps)
    initialize_model(model, strategy, seed=seed, params=params,
                     output_strategy=output_strategy, x=data.x_train[:512])
    _make_deterministic()
    with np.errstate(all="ignore"):
        logits = keras.ops.convert_to_numpy(model(data.x_train, training=False))
        loss0 = float(keras.ops.convert_to_numpy(model.loss(data.y_train, logits)))
        acc0 = float(np.mean(logits.argmax(axis=1) == data.y_train))
    batches = (tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train))
               .shuffle(n, seed=seed, reshuffle_each_iteration=True)
               .batch(batch_size).repeat())
    timer = _EpochTimer()
    grads = GradientNorms(data.x_train[:PROBE], data.y_train[:PROBE])
    fit = model.fit(batches, epochs=epochs, steps_per_epoch=steps, verbose=0, shuffle=False,
                    callbacks=[timer, _Validation(data.x_val, data.y_val), grads])
    history = {k: [float(v) for v in fit.history[k]]
               for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    return Run(strategy, depth, activation, seed, history, timer.seconds,
               {"loss": loss0, "accuracy": acc0}, grads.norms)


def sweep(strategies=GRID_STRATEGIES, *, depths=(3, 30), activations=("relu", "tanh"),
          seeds=(0, 1, 2), data=None, progress=False, **train_kwargs) -> list[Run]:
    """Train every combination of ``strategies`` x ``depths`` x ``activations`` x
    ``seeds`` (in that nesting order) with :func:`train`; ``progress=True`` shows a
    tqdm bar. Returns the list of :class:`Run`. Raises ``ValueError`` for an empty axis
    or any bad entry before training starts."""
    for name, axis in (("strategies", strategies), ("depths", depths),
                       ("activations", activations), ("seeds", seeds)):
        if isinstance(axis, str) or len(axis) == 0:
            raise ValueError(f"{name} must be a non-empty list, got {axis!r}")
    for s in strategies:
        if s != LSUV:
            canonical_name(s)
    for d in depths:
        if not _is_int(d) or d < 1:
            raise ValueError(f"depths must be integers >= 1, got {d!r}")
    for a in activations:
        check_choice(a, "activation", KERAS_ACTIVATIONS)
    for k in seeds:
        if not _is_int(k) or k < 0:
            raise ValueError(f"seeds must be non-negative integers, got {k!r}")
    data = data or load_digits_split()
    grid = list(itertools.product(strategies, depths, activations, seeds))
    if progress:
        from tqdm.auto import tqdm

        grid = tqdm(grid, desc="training runs")
    return [train(s, data=data, depth=d, activation=a, seed=k, **train_kwargs)
            for s, d, a, k in grid]


# ------------------------------------------------------------------------------ results

def summarize(runs, *, target=0.8):
    """A pandas DataFrame with one row per (strategy, depth, activation), in run order.

    Columns: mean and std over seeds of the final validation accuracy and loss; the
    mean initial training loss; ``diverged`` (runs whose loss became inf/nan);
    ``reached`` (runs whose validation accuracy reached ``target``) and
    ``epochs_to_target`` (their mean first epoch; NaN if none did); ``grad_first``,
    the median over seeds of the first layer's gradient norm before the first step
    (:class:`GradientNorms`; near 0 when the gradient has vanished on its way back, inf
    or huge when it exploded); ``epoch_seconds``, the mean over seeds of each run's
    median wall time per epoch (s; the median leaves out the first epoch on a new
    model, which includes tracing); ``seeds``, the number of runs.
    """
    import pandas as pd

    if not runs:
        raise ValueError("runs is empty: nothing to summarize")
    rows = []
    for r in runs:
        to_target = r.epochs_to(target)
        first = r.grad_norms[0, 0] if r.grad_norms is not None else np.nan
        rows.append({"strategy": r.strategy, "depth": r.depth, "activation": r.activation,
                     "seed": r.seed, "val_accuracy": r.final_val_accuracy,
                     "val_loss": r.history["val_loss"][-1], "initial_loss": r.initial["loss"],
                     "diverged": r.diverged, "reached": to_target is not None,
                     "epochs_to_target": np.nan if to_target is None else to_target,
                     "grad_first": first,
                     "epoch_seconds": float(np.median(r.epoch_seconds))})
    df = pd.DataFrame(rows)
    g = df.groupby(["strategy", "depth", "activation"], sort=False)
    out = g.agg(val_accuracy_mean=("val_accuracy", "mean"),
                val_accuracy_std=("val_accuracy", "std"),
                val_loss_mean=("val_loss", "mean"), val_loss_std=("val_loss", "std"),
                initial_loss_mean=("initial_loss", "mean"),
                diverged=("diverged", "sum"), reached=("reached", "sum"),
                epochs_to_target=("epochs_to_target", "mean"),
                grad_first=("grad_first", "median"),
                epoch_seconds=("epoch_seconds", "mean"), seeds=("seed", "count"))
    return out.reset_index()


def results_table(summary, *, digits=2):
    """:func:`summarize`'s output as a reader's table: one row per (activation, depth,
    strategy), the final validation accuracy as ``"mean ± std"`` over seeds, the other
    columns as rounded strings (losses in nats, times in seconds)."""
    t = summary.sort_values(["activation", "depth"], kind="stable").copy()
    fmt = f"{{:.{digits}f}} ± {{:.{digits}f}}"
    t["val accuracy"] = [fmt.format(m, 0.0 if math.isnan(s) else s)
                         for m, s in zip(t.val_accuracy_mean, t.val_accuracy_std, strict=True)]
    t["layer-1 gradient at step 0"] = t.grad_first.map(lambda v: f"{v:.1e}")
    t["epochs to target"] = t.epochs_to_target.map(lambda v: "—" if math.isnan(v)
                                                   else f"{v:.1f}")
    t["initial loss"] = t.initial_loss_mean.map(lambda v: f"{v:.3g}")
    t["s / epoch"] = t.epoch_seconds.map(lambda v: f"{v:.3f}")
    cols = ["activation", "depth", "strategy", "val accuracy", "reached", "epochs to target",
            "diverged", "initial loss", "layer-1 gradient at step 0", "s / epoch"]
    return t[cols].set_index(["activation", "depth", "strategy"])


def accuracy_grid(summary, activation):
    """Mean final validation accuracy as a strategy x depth DataFrame for one
    activation (rows in run order); raises ``ValueError`` if the activation is absent."""
    part = summary[summary.activation == activation]
    if part.empty:
        raise ValueError(f"activation {activation!r} is not in the summary; it has "
                         f"{sorted(set(summary.activation))}")
    grid = part.pivot(index="strategy", columns="depth", values="val_accuracy_mean")
    return grid.loc[list(dict.fromkeys(part.strategy))]


def _main(argv=None):
    """Command line: run a grid and write its per-run results and summary as CSV."""
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m initlib.experiment",
        description="Train the dense network of notebook 08 over a grid of "
                    "initializations and print the summary table.")
    p.add_argument("--strategies", nargs="+", default=list(GRID_STRATEGIES))
    p.add_argument("--depths", nargs="+", type=int, default=[3, 30])
    p.add_argument("--activations", nargs="+", default=["relu", "tanh"])
    p.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    p.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    p.add_argument("--data", choices=["digits", "fashion_mnist"], default="digits")
    p.add_argument("--out", help="write the summary to this CSV file")
    a = p.parse_args(argv)
    from .data import load_split

    data = load_split(a.data)
    t0 = time.perf_counter()
    kw = {**DEFAULTS, "epochs": a.epochs}
    runs = sweep(a.strategies, depths=a.depths, activations=a.activations,
                 seeds=range(a.seeds), data=data, progress=True, **kw)
    summary = summarize(runs)
    print(results_table(summary).to_string())
    print(f"{len(runs)} runs on {device_name()} in {time.perf_counter() - t0:.0f} s")
    if a.out:
        summary.to_csv(a.out, index=False)


DEFAULTS = {"epochs": 8, "batch_size": 64, "width": 64, "learning_rate": 0.005,
            "momentum": 0.9}
"""The training settings of notebook 08's grid (SGD with momentum, batch 64, width 64)."""


if __name__ == "__main__":
    _main()
