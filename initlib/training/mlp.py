"""A minimal NumPy multilayer perceptron trained by full-batch gradient descent.

Small enough to read in one sitting, used where the notebooks need to *train* without
TensorFlow: the symmetry experiment (zero or constant init keeps hidden units identical)
and quick comparisons. Layout: weights ``(fan_in, fan_out)``, activations
``(batch, features)``, softmax cross-entropy loss averaged over the batch (in nats).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from .._checks import check_int, check_real, check_seed, check_widths, spawn_seeds
from ..activations import activation as activation_of
from ..registry import initialize


@dataclass
class MLPResult:
    """Trained ``weights`` and ``biases`` (lists, one per layer), and per-step
    training ``loss`` (nats) and ``accuracy`` (fraction correct), before each step and
    once after the last.

    Examples
    --------
    >>> r = train_mlp(np.eye(4), np.array([0, 1, 0, 1]), hidden=(8,), steps=5)
    >>> len(r.weights), r.loss.shape
    (2, (6,))
    """

    weights: list
    biases: list
    loss: np.ndarray
    accuracy: np.ndarray


def forward(weights, biases, x, activation="tanh"):
    """Return the list of layer activations, input first and logits last.

    Examples
    --------
    >>> r = train_mlp(np.eye(4), np.array([0, 1, 0, 1]), hidden=(8,), steps=0)
    >>> [h.shape for h in forward(r.weights, r.biases, np.eye(4))]
    [(4, 4), (4, 8), (4, 2)]
    """
    return _forward(weights, biases, x, activation_of(activation).phi)[0]


# The forward pass, the loss and the backward pass below are the one implementation that
# both trainers use: this module's full-batch descent and the mini-batch SGD of
# :mod:`~initlib.training.sgd` (which adds dropout and momentum). Both run them with one
# BLAS thread: on matrices this small, more threads only spin (on a loaded two-core
# machine a run took about 20 times the CPU time with two), and one thread gives the same
# bits on every machine.

def _forward(weights, biases, x, phi, dropout=0.0, mask_rng=None):
    """Layer inputs ``hs`` (``x`` first, logits last), hidden outputs ``phi(z)`` and the
    dropout masks (inverted dropout, drawn from ``mask_rng``; none when ``dropout`` is 0).
    Without dropout the hidden outputs are ``hs[1:-1]``."""
    hs, outs, masks = [x], [], []
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        outs.append(phi(hs[-1] @ w + b))
        if dropout:
            keep = mask_rng.random(outs[-1].shape) >= dropout
            masks.append((keep / (1.0 - dropout)).astype(outs[-1].dtype))
            hs.append(outs[-1] * masks[-1])
        else:
            hs.append(outs[-1])
    hs.append(hs[-1] @ weights[-1] + biases[-1])
    return hs, outs, masks


def _softmax_xent(logits, y):
    """Mean softmax cross-entropy (nats) and the softmax probabilities."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-300)))), p


def _gradients(weights, hs, outs, masks, p, y, dphi_from_output):
    """Backpropagation: the gradients ``(grad_w, grad_b)`` of the mean cross-entropy, one
    pair per layer, from a :func:`_forward` pass and the softmax ``p`` (overwritten)."""
    delta = p
    delta[np.arange(len(y)), y] -= 1
    delta /= len(y)
    grads = [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        grads[i] = hs[i].T @ delta, delta.sum(axis=0)
        if i:
            g = delta @ weights[i].T
            if masks:
                g = g * masks[i - 1]
            delta = g * dphi_from_output(outs[i - 1])
    return grads


def _data(x, y, names=("x", "y")):
    """``x`` as float64 ``(n, n_features)`` and ``y`` as int64 labels ``(n,)``, checked."""
    x = np.asarray(x)
    y = np.asarray(y)
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"{names[0]} must hold real numbers, got dtype {x.dtype}")
    if x.ndim != 2 or x.size == 0 or y.shape != (x.shape[0],):
        raise ValueError(f"{names[0]} must be a non-empty (n, n_features) array and "
                         f"{names[1]} (n,), got {x.shape} and {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_:
        raise TypeError(f"{names[1]} must hold integer class labels 0, 1, ..., got dtype "
                        f"{y.dtype}")
    return x.astype(np.float64), y.astype(np.int64)


def train_mlp(x, y, *, hidden=(16,), activation="tanh", init="glorot_normal", init_params=None,
              lr=0.5, steps=200, seed=0, n_classes=None) -> MLPResult:
    """Train a dense classifier on ``(x, y)`` by full-batch gradient descent.

    ``init`` is any strategy name for the weights (biases start at 0); ``init_params``
    go to it. ``x`` is ``(n, n_features)``, ``y`` integer labels ``(n,)``. Computed in
    float64. Overflow (an exploding initialization) shows as inf or nan in ``loss``,
    never as an exception or a warning. Raises ``ValueError`` for inconsistent shapes or
    bad ``steps``/``lr``.

    Examples
    --------
    >>> from initlib.training.data import load_digits_split
    >>> d = load_digits_split()
    >>> zeros = train_mlp(d.x_train, d.y_train, init="zeros", steps=50)
    >>> he = train_mlp(d.x_train, d.y_train, init="he_normal", activation="relu", steps=50)
    >>> bool(he.accuracy[-1] > zeros.accuracy[-1] + 0.3)   # zeros keep the units identical
    True
    """
    x, y = _data(x, y)
    if n_classes is None:
        n_classes = int(y.max()) + 1
    n_classes = check_int(n_classes, "n_classes", 2)
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"y must hold labels between 0 and n_classes - 1 = {n_classes - 1}, "
                         f"got labels from {y.min()} to {y.max()}")
    hidden = check_widths(hidden)
    check_int(steps, "steps", 0)
    lr = check_real(lr, "lr", positive=True)
    check_seed(seed)
    sizes = [x.shape[1], *hidden, n_classes]
    seeds = spawn_seeds(seed, len(sizes) - 1)
    weights = [initialize(init, (sizes[i], sizes[i + 1]), seed=seeds[i], dtype="float64",
                          **(init_params or {})) for i in range(len(seeds))]
    biases = [np.zeros(b) for b in sizes[1:]]
    losses, accs = [], []
    with np.errstate(all="ignore"), threadpool_limits(1, user_api="blas"):
        _descend(x, y, weights, biases, activation, lr, steps, losses, accs)
    return MLPResult(weights, biases, np.array(losses), np.array(accs))


def _descend(x, y, weights, biases, activation, lr, steps, losses, accs):
    act = activation_of(activation)
    for step in range(steps + 1):
        hs, outs, _ = _forward(weights, biases, x, act.phi)
        loss, p = _softmax_xent(hs[-1], y)
        losses.append(loss)
        accs.append(np.mean(p.argmax(axis=1) == y))
        if step == steps:
            break
        grads = _gradients(weights, hs, outs, (), p, y, act.dphi_from_output)
        for w, b, (grad_w, grad_b) in zip(weights, biases, grads, strict=True):
            w -= lr * grad_w
            b -= lr * grad_b
