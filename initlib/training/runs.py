"""One training run: the settings, :func:`train`, and the :class:`Run` it returns.

A run is fixed by its coordinates (strategy, depth, activation, seed) and its
:class:`Settings`; nothing else in the process changes it. The seed draws the initial
weights (Dense layer ``i`` from stream ``i`` of :func:`~initlib._checks.spawn_seeds`,
through :mod:`initlib.training.keras`) and the order of the training examples in every
epoch (a NumPy stream of its own, :func:`batch_order`); TensorFlow's random state is
never used. With ``deterministic=True`` (the default) TensorFlow's op determinism is on
for the run's duration, so the same call gives the same numbers on the same machine,
whatever ran before it. Across machines (another CPU, BLAS kernel or thread count) the
floats differ in the last bits, which training can amplify: compare runs there with a
tolerance.

>>> DEFAULTS.epochs, DEFAULTS.output_strategy
(30, 'zeros')
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_choice, check_int, check_real
from .data import Split, load_digits_split
from .models import KERAS_ACTIVATIONS, check_strategy

PROBE = 256
"""Training examples (the first ones) on which the callbacks measure gradients and
activations."""

BATCH_ORDER_STREAM = 1 << 16
"""The batch order of a run with seed ``s`` is drawn from
``numpy.random.SeedSequence(s, spawn_key=(BATCH_ORDER_STREAM,))``: a stream no weight
draw uses (weights use children ``0 .. n_dense - 1`` of ``SeedSequence(s)``)."""


SCHEDULES = ("cosine", "constant")
"""Learning-rate schedules a run may use (:attr:`Settings.schedule`)."""


@dataclass(frozen=True)
class Settings:
    """The training settings of a run: one set of defaults for the library, the
    notebook and the command line (:data:`DEFAULTS`).

    Attributes
    ----------
    width : int
        Units per hidden layer.
    epochs : int
        Passes over the training set.
    batch_size : int
        Examples per SGD step (the last batch of an epoch may be smaller).
    learning_rate : float
        SGD step size.
    momentum : float
        SGD momentum, in [0, 1).
    global_clipnorm : float or None
        Gradient clipping: when the gradient of all parameters together has a larger
        Euclidean norm, it is scaled down to this norm before the step (Keras's
        ``SGD(global_clipnorm=...)``; Pascanu et al. 2013). It only ever shortens a step,
        so it cannot rescue a network whose gradients are too small. ``None``: no
        clipping.
    schedule : str
        ``"cosine"``: the learning rate falls from ``learning_rate`` to 0 along half a
        cosine over the run's steps (Loshchilov & Hutter 2017), so the last epochs
        settle instead of jumping around; ``"constant"``: ``learning_rate`` throughout.
    output_strategy : str or None
        Strategy of the output layer's kernel: ``"zeros"`` starts every logit at 0, so
        the initial loss is exactly ln C whatever the hidden layers do; ``None`` draws
        it with the strategy under test.

    Raises ``ValueError``/``TypeError`` naming the field for a bad value.

    >>> Settings(epochs=2).replace(width=16).width
    16
    """

    width: int = 128
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 0.01
    momentum: float = 0.9
    global_clipnorm: float | None = 5.0
    schedule: str = "cosine"
    output_strategy: str | None = "zeros"

    def __post_init__(self):
        check_int(self.width, "width", 1)
        check_int(self.epochs, "epochs", 1)
        check_int(self.batch_size, "batch_size", 1)
        check_real(self.learning_rate, "learning_rate", positive=True)
        momentum = check_real(self.momentum, "momentum", non_negative=True)
        if momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if self.global_clipnorm is not None:
            check_real(self.global_clipnorm, "global_clipnorm", positive=True)
        check_choice(self.schedule, "schedule", SCHEDULES)
        if self.output_strategy is not None:
            check_strategy(self.output_strategy)

    def replace(self, **changes) -> Settings:
        """A copy with ``changes`` (field names as keywords); ``TypeError`` for an
        unknown field."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown setting(s) {sorted(unknown)}; settings are "
                            f"{[f.name for f in dataclasses.fields(self)]}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


DEFAULTS = Settings()
"""Notebook 08's recipe: 128 units per hidden layer; SGD with momentum 0.9, batches of 64,
the gradient's norm clipped at 5, the learning rate falling from 0.01 to 0 along a cosine
over 30 epochs; the output layer's kernel at zero. With it a 30-layer ReLU network
initialized by He trains on the digits (every one of 20 seeds above 0.8 validation
accuracy) while Glorot's stays at chance."""


def device_name() -> str:
    """``"GPU (<name>)"`` when TensorFlow sees a GPU, else ``"CPU"``."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(gpus[0])
    return f"GPU ({details.get('device_name', gpus[0].name)})"


@contextlib.contextmanager
def deterministic_ops(enabled=True):
    """Context: TensorFlow's op determinism on inside, back to its previous state after.

    With op determinism TensorFlow picks deterministic kernels (or raises for an op
    that has none), so repeated runs give identical floats on one machine.

    >>> with deterministic_ops():
    ...     pass
    """
    if not enabled:
        yield
        return
    from tensorflow.python.framework import config as tf_config

    was_on = tf_config.is_op_determinism_enabled()
    tf_config.enable_op_determinism()
    try:
        yield
    finally:
        if not was_on:
            tf_config.disable_op_determinism()


def batch_order(seed, n, epochs) -> np.ndarray:
    """The order of the ``n`` training examples in each epoch of a run with ``seed``:
    an int64 array of shape ``(epochs, n)``, one permutation per epoch.

    >>> batch_order(0, 5, 2).shape, sorted(batch_order(0, 5, 2)[1].tolist())
    ((2, 5), [0, 1, 2, 3, 4])
    """
    seed = check_int(seed, "seed", 0)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(BATCH_ORDER_STREAM,)))
    return np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int64)


@dataclass
class Run:
    """One training run.

    Attributes
    ----------
    strategy, depth, activation, seed
        The run's coordinates.
    history : dict
        ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``: per-epoch lists (loss in
        nats, accuracy as a fraction).
    epoch_seconds : list
        Wall time of each epoch (s; NaN for epochs skipped after the run diverged).
    initial : dict
        Training ``loss`` and ``accuracy`` before the first step.
    grad_norms : numpy.ndarray or None
        Shape ``(epochs + 1, n_dense)``: row 0 the Frobenius norm of the loss gradient
        with respect to every Dense kernel (input side first) before the first step,
        row ``e`` after epoch ``e`` (:class:`~initlib.training.callbacks.GradientNorms`).
    settings : Settings
        The training settings.
    dynamics : dict or None
        :meth:`TrainingDynamics.result <initlib.training.callbacks.TrainingDynamics>`
        when recorded.
    data : str
        Name of the data set.
    """

    strategy: str
    depth: int
    activation: str
    seed: int
    history: dict
    epoch_seconds: list
    initial: dict = field(default_factory=dict)
    grad_norms: np.ndarray | None = None
    settings: Settings = DEFAULTS
    dynamics: dict | None = None
    data: str = "digits"

    @property
    def final_val_accuracy(self) -> float:
        return self.history["val_accuracy"][-1]

    @property
    def diverged(self) -> bool:
        """True when the training loss became inf or nan."""
        return not all(math.isfinite(v) for v in self.history["loss"])

    def epochs_to(self, target: float) -> int | None:
        """The first epoch (1-based) after which the validation accuracy is at least
        ``target`` (a fraction in (0, 1]); None if it never is.

        >>> r = Run("he_normal", 3, "relu", 0, {"val_accuracy": [0.5, 0.9]}, [])
        >>> r.epochs_to(0.8), r.epochs_to(0.95)
        (2, None)
        """
        target = check_target(target)
        for epoch, acc in enumerate(self.history["val_accuracy"], start=1):
            if acc >= target:
                return epoch
        return None


def check_target(target) -> float:
    """``target`` as a validation accuracy in (0, 1], or ``ValueError``."""
    target = check_real(target, "target", positive=True)
    if target > 1:
        raise ValueError(f"target is a validation accuracy in (0, 1], got {target}")
    return target


def check_run_args(strategy, depth, activation, seed):
    """Validated coordinates ``(strategy, depth, activation, seed)``; strategy in its
    canonical spelling."""
    strategy = check_strategy(strategy)
    depth = check_int(depth, "depth", 1)
    check_choice(activation, "activation", KERAS_ACTIVATIONS)
    seed = check_int(seed, "seed", 0)
    return strategy, depth, activation, seed


def _dataset(data, order, batch_size):
    """The training batches of every epoch, in ``order`` (epochs, n), as a tf.data
    pipeline: each epoch's examples split into ``ceil(n / batch_size)`` batches."""
    import tensorflow as tf

    x = tf.constant(data.x_train)
    y = tf.constant(data.y_train)
    epochs = tf.data.Dataset.from_tensor_slices(order)
    batches = epochs.flat_map(lambda perm: tf.data.Dataset.from_tensor_slices(perm)
                              .batch(batch_size))
    return batches.map(lambda idx: (tf.gather(x, idx), tf.gather(y, idx)))


class _StopWhenAllNaN:
    """Stops training after an epoch whose loss is NaN and whose validation outputs are
    all NaN: every later epoch would repeat the same metrics (NaN weights stay NaN under
    SGD), so :func:`train` fills them in instead of computing them."""

    @staticmethod
    def make(x_val):
        import keras

        class Stop(keras.callbacks.Callback):
            stopped_after = None

            def on_epoch_end(self, epoch, logs=None):
                if logs is not None and math.isnan(logs.get("loss", 0.0)):
                    out = keras.ops.convert_to_numpy(self.model(x_val, training=False))
                    if np.isnan(out).all():
                        self.stopped_after = epoch + 1
                        self.model.stop_training = True

        return Stop()


def train(strategy, *, depth, activation="relu", seed=0, data: Split | None = None,
          settings: Settings = DEFAULTS, params=None, dynamics=False, deterministic=True,
          callbacks=(), **changes) -> Run:
    """Train a :func:`~initlib.training.models.build_model` network with SGD and return
    its :class:`Run`.

    Parameters
    ----------
    strategy : str
        Any :func:`initlib.initialize` name or alias, or ``"lsuv"`` (LSUV on the first
        512 training examples).
    depth : int
        Hidden layers.
    activation : str
        One of :data:`~initlib.training.models.KERAS_ACTIVATIONS`.
    seed : int
        Draws the initial weights and the batch order (:func:`batch_order`).
    data : Split, optional
        Default: :func:`~initlib.training.data.load_digits_split`.
    settings : Settings
        Training settings; default :data:`DEFAULTS`.
    params : dict, optional
        The strategy's parameters (``std``, ``limit``...).
    dynamics : bool
        Also record :class:`~initlib.training.callbacks.TrainingDynamics` on the first
        :data:`PROBE` training examples (in ``Run.dynamics``).
    deterministic : bool
        Run under :func:`deterministic_ops` (TensorFlow's op determinism, restored after).
    callbacks : sequence of keras.callbacks.Callback
        Extra callbacks for ``fit``.
    **changes
        Settings to change for this call (``epochs=2``...), applied to ``settings``.

    Returns
    -------
    Run
        Learning curves, epoch times, the initial loss and accuracy, per-layer gradient
        norms (:class:`~initlib.training.callbacks.GradientNorms` on the first
        :data:`PROBE` examples). A run whose loss overflows is kept (its history holds
        inf or nan), not raised; once its weights are all NaN the remaining epochs are
        filled in with the values they would repeat.

    Raises
    ------
    ValueError, TypeError
        For an unknown strategy or activation, a bad coordinate or setting.

    Examples
    --------
    >>> from initlib.training.data import load_digits_split
    >>> run = train("he_normal", depth=2, data=load_digits_split(), epochs=1, width=16)
    >>> len(run.history["val_accuracy"]), run.grad_norms.shape
    (1, (2, 3))
    """
    import keras

    from .callbacks import EpochTimer, GradientNorms, TrainingDynamics, Validation
    from .models import compiled_model, initialize_model

    settings = settings.replace(**changes) if changes else settings
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    strategy, depth, activation, seed = check_run_args(strategy, depth, activation, seed)
    data = data or load_digits_split()
    n = len(data.x_train)
    steps = math.ceil(n / settings.batch_size)
    with deterministic_ops(deterministic):
        model = compiled_model(depth=depth, width=settings.width, activation=activation,
                               n_features=data.n_features, n_classes=data.n_classes,
                               learning_rate=settings.learning_rate,
                               momentum=settings.momentum, steps_per_epoch=steps,
                               global_clipnorm=settings.global_clipnorm,
                               schedule=settings.schedule, epochs=settings.epochs)
        initialize_model(model, strategy, seed=seed, params=params,
                         output_strategy=settings.output_strategy, x=data.x_train[:512])
        with np.errstate(all="ignore"):
            logits = keras.ops.convert_to_numpy(model(data.x_train, training=False))
            loss0 = float(keras.ops.convert_to_numpy(model.loss(data.y_train, logits)))
            acc0 = float(np.mean(logits.argmax(axis=1) == data.y_train))
        timer = EpochTimer()
        grads = GradientNorms(data.x_train[:PROBE], data.y_train[:PROBE])
        stop = _StopWhenAllNaN.make(data.x_val)
        cbs = [timer, Validation(data.x_val, data.y_val), grads, stop]
        recorder = TrainingDynamics(data.x_train[:PROBE]) if dynamics else None
        if recorder is not None:
            cbs.append(recorder)
        order = batch_order(seed, n, settings.epochs)
        fit = model.fit(_dataset(data, order, settings.batch_size), epochs=settings.epochs,
                        steps_per_epoch=steps, verbose=0, shuffle=False,
                        callbacks=cbs + list(callbacks))
        history = {k: [float(v) for v in fit.history[k]]
                   for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
        norms = grads.norms
        seconds = list(timer.seconds)
        if stop.stopped_after is not None and stop.stopped_after < settings.epochs:
            missing = settings.epochs - stop.stopped_after
            with np.errstate(all="ignore"):
                out = keras.ops.convert_to_numpy(model(data.x_train, training=False))
            train_acc = float(np.mean(np.argmax(out, axis=1) == data.y_train))
            fill = {"loss": float("nan"), "accuracy": train_acc,
                    "val_loss": history["val_loss"][-1],
                    "val_accuracy": history["val_accuracy"][-1]}
            for k, v in fill.items():
                history[k] += [v] * missing
            norms = np.vstack([norms, np.full((missing, norms.shape[1]), np.nan)])
            seconds += [float("nan")] * missing
    result = recorder.result() if recorder is not None else None
    return Run(strategy, depth, activation, seed, history, seconds,
               {"loss": loss0, "accuracy": acc0}, norms, settings, result, data.name)
