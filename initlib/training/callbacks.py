"""Measurements during training: Keras callbacks and one-off gradient profiles.

* :class:`GradientNorms`: the Frobenius norm of ``dL/dW`` of every Dense kernel, before
  training and after every epoch, on a fixed batch;
* :class:`TrainingDynamics`: per hidden layer over training, the activations' std, the
  share of saturated units (tanh, sigmoid) or dead units (ReLU), and the
  update-to-data ratio ``||ΔW|| / ||W||`` of every Dense kernel per epoch;
* :func:`gradient_profile`: at the current weights, ``||dL/dW_l||`` and
  ``||dL/dh_l||`` layer by layer (the weight gradient and the gradient with respect to
  each hidden layer's output);
* :class:`Validation` and :class:`EpochTimer`: validation metrics and epoch wall times
  for :func:`initlib.training.runs.train`;
* :class:`StopAtChance`: ends a run whose training loss never leaves ``ln C``.

Every measurement runs the model in inference mode on a fixed batch and changes no
weight. Traced functions are built once per model and kept only as long as the model.

>>> import numpy as np
>>> from initlib.training.models import build_model
>>> x = np.random.default_rng(0).standard_normal((32, 64)).astype("float32")
>>> p = gradient_profile(build_model("he_normal", depth=4, width=16), x, np.arange(32) % 10)
>>> p.weight.shape, p.activation.shape
((5,), (4,))
"""

from __future__ import annotations

import math
import time
import weakref
from dataclasses import dataclass

import keras
import numpy as np

from .._checks import check_int, check_real
from .models import dense_layers

SATURATION = 0.97
"""A tanh unit counts as saturated when ``|h| > 0.97`` (its slope ``1 - h²`` is below
0.06); a sigmoid unit when ``h < 0.03`` or ``h > 0.97`` (Karpathy's threshold for tanh in
makemore, part 3)."""

_FUNCTIONS = weakref.WeakKeyDictionary()  # model -> {name: traced function}


def _check_batch(x, y=None):
    x = np.asarray(x, dtype="float32")
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"x must be a non-empty (batch, features) array, got shape {x.shape}")
    if y is None:
        return x, None
    y = np.asarray(y)
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold {x.shape[0]} integer labels, got {y.dtype} of shape "
                         f"{y.shape}")
    return x, y


def _activation_name(layer) -> str:
    return keras.activations.serialize(layer.activation)


def _function(model, name):
    """The traced measuring function ``name`` of ``model``, built on first use (tracing
    costs more than one measurement on a small batch)."""
    functions = _FUNCTIONS.setdefault(model, {})
    if name not in functions:
        functions[name] = _BUILDERS[name](model)
    return functions[name]


def _loss_fn():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _build_grad_norms(model):
    import tensorflow as tf

    kernels = [layer.kernel for layer in dense_layers(model)]
    loss_fn = _loss_fn()

    @tf.function(reduce_retracing=True)
    def grad_norms(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=False))
        return tf.stack([tf.norm(g) for g in tape.gradient(loss, kernels)])

    return grad_norms


def _build_evaluate(model):
    import tensorflow as tf

    loss_fn = _loss_fn()

    @tf.function(reduce_retracing=True)
    def evaluate(x, y):
        logits = model(x, training=False)
        hits = tf.cast(tf.argmax(logits, axis=1) == tf.cast(y, tf.int64), tf.float32)
        return loss_fn(y, logits), tf.reduce_mean(hits)

    return evaluate


def _build_profile(model):
    import tensorflow as tf

    dense = dense_layers(model)
    loss_fn = _loss_fn()

    @tf.function(reduce_retracing=True)
    def profile(x, y):
        with tf.GradientTape() as tape:
            hidden = []
            h = x
            for layer in dense[:-1]:
                h = layer(h)
                tape.watch(h)
                hidden.append(h)
            loss = loss_fn(y, dense[-1](h))
        grads = tape.gradient(loss, [layer.kernel for layer in dense] + hidden)
        norms = tf.stack([tf.norm(g) for g in grads])
        return norms[:len(dense)], norms[len(dense):], loss

    return profile


def _build_activity(model):
    import tensorflow as tf

    dense = dense_layers(model)[:-1]
    kinds = [_activation_name(layer) for layer in dense]

    @tf.function(reduce_retracing=True)
    def activity(x):
        std, saturated, dead = [], [], []
        h = x
        for layer, kind in zip(dense, kinds, strict=True):
            z = tf.matmul(h, layer.kernel) + layer.bias
            h = layer.activation(z)
            std.append(tf.math.reduce_std(h))
            if kind == "tanh":
                saturated.append(tf.reduce_mean(tf.cast(tf.abs(h) > SATURATION, tf.float32)))
            elif kind == "sigmoid":
                saturated.append(tf.reduce_mean(tf.cast(
                    tf.abs(h - 0.5) > SATURATION - 0.5, tf.float32)))
            else:
                saturated.append(tf.constant(float("nan")))
            if kind in ("relu", "leaky_relu"):
                never_on = tf.reduce_all(z <= 0, axis=0)
                dead.append(tf.reduce_mean(tf.cast(never_on, tf.float32)))
            else:
                dead.append(tf.constant(float("nan")))
        return tf.stack(std), tf.stack(saturated), tf.stack(dead)

    return activity


_BUILDERS = {"grad_norms": _build_grad_norms, "evaluate": _build_evaluate,
             "profile": _build_profile, "activity": _build_activity}


@dataclass(frozen=True)
class GradientProfile:
    """Gradients of the mean cross-entropy ``L`` on one batch, layer by layer.

    ``weight[l]``: Frobenius norm of ``dL/dW`` for Dense kernel ``l`` (hidden layers
    input side first, the output layer last); ``activation[l]``: Frobenius norm of
    ``dL/dh`` for hidden layer ``l``'s output ``h`` (shape ``(batch, width)``);
    ``loss``: ``L`` in nats.
    """

    weight: np.ndarray
    activation: np.ndarray
    loss: float


def gradient_profile(model, x, y) -> GradientProfile:
    """Layer-by-layer gradient norms of a dense chain at its current weights.

    Parameters
    ----------
    model : keras.Model
        A chain of Dense layers ending in a logits layer (:func:`build_model`).
    x : array of shape (batch, features)
        Inputs.
    y : array of shape (batch,)
        Integer class labels.

    Returns
    -------
    GradientProfile
        ``weight`` (one norm per Dense kernel) and ``activation`` (one per hidden
        layer), float64; ``loss`` (nats). The loss is the batch mean, computed in
        inference mode.

    Raises
    ------
    ValueError
        For an empty or mis-shaped batch.

    Notes
    -----
    For equal widths the weight gradient of layer ``l`` is the product of what reaches
    it from below (its input ``h_{l-1}``) and from above (``dL/dz_l``), so when the
    forward signal shrinks by a factor per layer and the backward one by the same
    factor, ``||dL/dW_l||`` is the same in every layer while ``||dL/dh_l||`` shrinks
    toward the input (Glorot & Bengio 2010, section 4.2.1).

    Examples
    --------
    >>> from initlib.training.models import build_model
    >>> x = np.ones((8, 64), "float32")
    >>> p = gradient_profile(build_model("zeros", depth=2, width=4), x, np.zeros(8, int))
    >>> p.weight.tolist(), round(p.loss, 4)
    ([0.0, 0.0, 0.0], 2.3026)
    """
    x, y = _check_batch(x, y)
    weight, activation, loss = _function(model, "profile")(x, y)
    return GradientProfile(keras.ops.convert_to_numpy(weight).astype(float),
                           keras.ops.convert_to_numpy(activation).astype(float),
                           float(loss))


class GradientNorms(keras.callbacks.Callback):
    """Keras callback: per-layer gradient norms before training and after every epoch.

    For every ``Dense`` kernel :math:`W_l` (in layer order, input side first) it records
    the Frobenius norm of :math:`\\partial L/\\partial W_l`, with :math:`L` the mean
    softmax cross-entropy (logits output, integer labels) over the fixed batch
    ``(x, y)``, computed in inference mode. Record 0 is taken at ``on_train_begin`` (the
    gradient of the first step, on this batch); record ``e`` after epoch ``e``.

    Parameters
    ----------
    x : array of shape (batch, features)
        Inputs.
    y : array of shape (batch,)
        Integer class labels.

    Attributes
    ----------
    norms : numpy.ndarray
        float64, shape ``(records, n_dense)``.

    Raises
    ------
    ValueError
        For mismatched or empty arrays.

    Examples
    --------
    >>> cb = GradientNorms(np.zeros((4, 3)), np.zeros(4, int))
    >>> cb.norms.shape
    (0,)
    """

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = _check_batch(x, y)
        self._records = []

    @property
    def norms(self) -> np.ndarray:
        return np.array(self._records, dtype=float)

    def _record(self):
        grad_norms = _function(self.model, "grad_norms")
        self._records.append(keras.ops.convert_to_numpy(grad_norms(self.x, self.y)))

    def on_train_begin(self, logs=None):
        self._records = []
        self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()


class TrainingDynamics(keras.callbacks.Callback):
    """Keras callback: what each layer does during training, epoch by epoch.

    Before training (record 0) and after every epoch (record ``e``) it runs the fixed
    batch ``x`` through the hidden layers and records, per hidden layer:

    * ``activation_std``: the standard deviation of the layer's outputs over the batch;
    * ``saturated``: the share of outputs in the flat part of the activation
      (:data:`SATURATION`: ``|h| > 0.97`` for tanh, ``h`` outside 0.03..0.97 for
      sigmoid; NaN for other activations);
    * ``dead``: the share of units whose pre-activation is <= 0 for every example of the
      batch (a ReLU unit that passes no gradient for any of them; NaN for activations
      other than ReLU and leaky ReLU).

    After every epoch it also records, per Dense kernel (the output layer last), the
    update-to-data ratio ``||W_e - W_{e-1}|| / ||W_{e-1}||`` (Frobenius norms) of the
    epoch's updates; ``inf`` when the kernel was all zeros before the epoch (a
    zero-initialized output layer in its first epoch).

    Parameters
    ----------
    x : array of shape (batch, features)
        The probe batch (inputs only).

    Attributes
    ----------
    activation_std, saturated, dead : numpy.ndarray
        float64, shape ``(epochs + 1, n_hidden)``.
    update_ratio : numpy.ndarray
        float64, shape ``(epochs, n_dense)``.

    Raises
    ------
    ValueError
        For an empty or mis-shaped batch.

    Examples
    --------
    >>> from initlib.training.models import build_model
    >>> m = build_model("he_normal", depth=3, width=8, activation="tanh")
    >>> m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    >>> x = np.random.default_rng(0).standard_normal((16, 64)).astype("float32")
    >>> cb = TrainingDynamics(x)
    >>> _ = m.fit(x, np.arange(16) % 10, epochs=2, verbose=0, callbacks=[cb])
    >>> cb.saturated.shape, cb.update_ratio.shape, bool(np.isnan(cb.dead).all())
    ((3, 3), (2, 4), True)
    """

    def __init__(self, x):
        super().__init__()
        self.x, _ = _check_batch(x)
        self._activity, self._ratios, self._kernels = [], [], None

    def _snapshot(self):
        return [keras.ops.convert_to_numpy(layer.kernel).astype(float)
                for layer in dense_layers(self.model)]

    def _record_activity(self):
        stats = _function(self.model, "activity")(self.x)
        self._activity.append(np.array([keras.ops.convert_to_numpy(s) for s in stats],
                                       dtype=float))

    def on_train_begin(self, logs=None):
        self._activity, self._ratios = [], []
        self._kernels = self._snapshot()
        self._record_activity()

    def on_epoch_end(self, epoch, logs=None):
        now = self._snapshot()
        with np.errstate(divide="ignore", invalid="ignore"):
            self._ratios.append([np.linalg.norm(b - a) / np.linalg.norm(a)
                                 for a, b in zip(self._kernels, now, strict=True)])
        self._kernels = now
        self._record_activity()

    def _part(self, i):
        if not self._activity:
            return np.zeros((0, 0))
        return np.array([a[i] for a in self._activity], dtype=float)

    @property
    def activation_std(self) -> np.ndarray:
        return self._part(0)

    @property
    def saturated(self) -> np.ndarray:
        return self._part(1)

    @property
    def dead(self) -> np.ndarray:
        return self._part(2)

    @property
    def update_ratio(self) -> np.ndarray:
        return np.array(self._ratios, dtype=float).reshape(len(self._ratios), -1)

    def result(self) -> dict:
        """The four arrays in a dict (keys as the attributes), e.g. to keep in a run."""
        return {"activation_std": self.activation_std, "saturated": self.saturated,
                "dead": self.dead, "update_ratio": self.update_ratio}


class Validation(keras.callbacks.Callback):
    """Keras callback: adds ``val_loss`` (mean cross-entropy, nats) and ``val_accuracy``
    (fraction) on ``(x, y)`` to each epoch's logs with one traced forward pass (cheaper
    than ``fit(validation_data=...)``, which builds an input pipeline every epoch).

    >>> Validation(np.zeros((2, 3)), np.zeros(2, int)).x.shape
    (2, 3)
    """

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = _check_batch(x, y)

    def on_epoch_end(self, epoch, logs=None):
        loss, acc = _function(self.model, "evaluate")(self.x, self.y)
        logs["val_loss"] = float(loss)
        logs["val_accuracy"] = float(acc)


class EpochTimer(keras.callbacks.Callback):
    """Keras callback: ``seconds``, the wall time of each epoch (s).

    >>> EpochTimer().seconds
    []
    """

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t)


class StopAtChance(keras.callbacks.Callback):
    """Keras callback: stop a run that never leaves chance.

    After each epoch, compare the training loss with ``ln C``, the cross-entropy (nats) of
    uniform predictions over the model's ``C`` output classes. When the first ``patience``
    epochs all end within ``tol`` nats of it, the network has not started to learn and
    training stops (``stopped_after`` then holds the number of epochs trained). Once one
    epoch ends farther than ``tol`` from ``ln C`` the callback never stops the run, so a
    run that has started to learn, or one that diverges, runs to the end. The rule assumes
    that a run still at chance after ``patience`` epochs would stay there: one that would
    have left chance later is stopped too.

    A stopped run's history is shorter than its settings' ``epochs``: its last values are
    those of the last epoch trained, not a prediction of the epochs skipped.

    Parameters
    ----------
    patience : int
        Epochs at chance before stopping (at least 1).
    tol : float
        Distance from ``ln C``, in nats, that still counts as chance (positive).

    Raises
    ------
    ValueError, TypeError
        For a ``patience`` below 1 or a ``tol`` that is not a positive number.

    Examples
    --------
    >>> stop = StopAtChance(patience=3)
    >>> stop.patience, stop.tol, stop.stopped_after
    (3, 0.01, None)
    """

    def __init__(self, patience=3, tol=0.01):
        super().__init__()
        self.patience = check_int(patience, "patience", 1)
        self.tol = check_real(tol, "tol", positive=True)
        self.stopped_after = None

    def on_train_begin(self, logs=None):
        self.stopped_after = None
        self._at_chance = 0     # epochs at chance so far; -1 once the run has left chance

    def on_epoch_end(self, epoch, logs=None):
        if self._at_chance < 0 or logs is None or "loss" not in logs:
            return
        chance = math.log(dense_layers(self.model)[-1].units)
        if abs(float(logs["loss"]) - chance) <= self.tol:
            self._at_chance += 1
            if self._at_chance >= self.patience:
                self.stopped_after = epoch + 1
                self.model.stop_training = True
        else:
            self._at_chance = -1
