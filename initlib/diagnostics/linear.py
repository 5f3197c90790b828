"""Deep linear networks: the input-output Jacobian's singular values and full-batch
training, for orthogonal initialization and dynamical isometry (Saxe, McClelland &
Ganguli 2013; Pennington, Schoenholz & Ganguli 2017).

A deep linear network maps a row vector ``x`` to ``x @ W_1 @ ... @ W_L``; every ``W_l``
has the Keras layout ``(fan_in, fan_out)``. Its input-output Jacobian is the product
``J = W_1 @ ... @ W_L``. Dynamical isometry means every singular value of ``J`` is
close to 1, so that every direction of the signal and of the gradient keeps its size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_int, check_real, check_seed, spawn_seeds
from ..registry import initialize


def _check_net(depth, width):
    check_int(depth, "depth", 1)
    check_int(width, "width", 1)


def _streams(seed, depth):
    """As in :func:`initlib.diagnostics.propagate`: stream 0 of
    :func:`~initlib._checks.spawn_seeds` for the data, stream ``l`` for layer ``l``."""
    if not isinstance(seed, np.random.Generator):
        check_seed(seed)
    data_seed, *layer_seeds = spawn_seeds(seed, depth + 1)
    return np.random.default_rng(data_seed), layer_seeds


def _weights(strategy, width, layer_seeds, params):
    return [initialize(strategy, (width, width), seed=s, dtype="float64", **params)
            for s in layer_seeds]


def jacobian_singular_values(strategy="orthogonal", *, depth=32, width=128, seed=0,
                             **params) -> np.ndarray:
    """Singular values of the input-output Jacobian ``W_1 @ ... @ W_depth`` of a deep
    linear network of ``depth`` square ``(width, width)`` layers drawn by ``strategy``
    (any :func:`initlib.initialize` name; ``params`` go to it), in float64, sorted in
    descending order: shape ``(width,)``.

    Orthogonal layers give exactly ones (dynamical isometry); Gaussian layers with
    variance 1/width keep the *mean* squared singular value at 1, but the spread grows
    with depth (Saxe et al. 2013; Pennington et al. 2017). Raises ``ValueError`` for a
    bad depth, width or strategy.

    Examples
    --------
    >>> s = jacobian_singular_values("orthogonal", depth=16, width=32, seed=0)
    >>> s.shape, bool(np.allclose(s, 1.0))
    ((32,), True)
    >>> g = jacobian_singular_values("lecun_normal", depth=16, width=32, seed=0)
    >>> bool(g[0] / g[-1] > 1e3)          # Gaussian layers: an ill-conditioned product
    True
    """
    _check_net(depth, width)
    jac = np.eye(width)
    for w in _weights(strategy, width, _streams(seed, depth)[1], params):
        jac = jac @ w
    return np.linalg.svd(jac, compute_uv=False)


@dataclass
class LinearRun:
    """Full-batch gradient descent on a deep linear network. ``loss`` has ``steps + 1``
    entries (before the first step, then after each), in units of the target's mean
    squared value (so the loss of the all-zero map is 0.5).

    Examples
    --------
    >>> run = train_deep_linear("orthogonal", depth=2, width=8, steps=50, seed=0)
    >>> run.loss.shape, bool(run.loss[-1] < run.loss[0])
    ((51,), True)
    """

    strategy: str
    depth: int
    loss: np.ndarray

    def steps_to(self, fraction=0.01) -> int | None:
        """The first step after which the loss is at most ``fraction`` of its initial
        value; None if it never is."""
        fraction = check_real(fraction, "fraction", positive=True)
        hit = np.flatnonzero(self.loss <= fraction * self.loss[0])
        return int(hit[0]) if hit.size else None


def train_deep_linear(strategy="orthogonal", *, depth=8, width=32, steps=1000,
                      learning_rate=0.05, n_samples=256, seed=0, **params) -> LinearRun:
    """Fit a random linear map with a deep linear network by full-batch gradient descent.

    Data: ``n_samples`` standard normal inputs of dimension ``width``; targets
    ``y = x @ T`` for a teacher ``T`` with standard normal entries scaled by
    1/sqrt(width). Seeds as in :func:`initlib.diagnostics.propagate`: stream 0 of
    ``spawn_seeds(seed, depth + 1)`` draws the data and the teacher, stream ``l`` layer
    ``l``. Loss: ``0.5 * mean_over_samples(||x W_1...W_L - y||^2) / E||y||^2``.
    Gradients by back-propagation through the product. The teacher and the data come
    from ``seed``; the layers are drawn by ``strategy``.

    The loss and every gradient depend on the data only through the input covariance
    ``S = x.T @ x / n_samples``: with ``P = W_1 ... W_L`` and ``E = P - T``, the loss is
    ``0.5 * tr(E.T @ S @ E) / E||y||^2`` and the gradient for ``W_l`` is
    ``(W_1...W_{l-1}).T @ S @ E @ (W_{l+1}...W_L).T / E||y||^2``. Each step is computed
    in this form, on ``(width, width)`` matrices whatever ``n_samples`` is: the same
    gradient descent as back-propagating the ``n_samples`` rows, up to round-off.

    This is the setting of Saxe et al. (2013): with orthogonal layers learning time is
    nearly independent of depth; with scaled Gaussian layers it grows with depth.
    Raises ``ValueError`` for bad sizes, ``steps`` or ``learning_rate``. A diverging run
    is returned with inf/nan losses, not raised.

    Examples
    --------
    >>> fast = train_deep_linear("orthogonal", depth=8, width=32, steps=300, learning_rate=0.3)
    >>> slow = train_deep_linear("lecun_normal", depth=8, width=32, steps=300, learning_rate=0.3)
    >>> fast.steps_to(0.01) is not None, slow.steps_to(0.01) is None
    (True, True)
    """
    _check_net(depth, width)
    check_int(steps, "steps", 1)
    check_int(n_samples, "n_samples", 1)
    lr = check_real(learning_rate, "learning_rate", positive=True)
    rng, layer_seeds = _streams(seed, depth)
    x = rng.standard_normal((n_samples, width))
    teacher = rng.standard_normal((width, width)) / np.sqrt(width)
    y = x @ teacher
    scale = np.mean(np.sum(y**2, axis=1))
    cov = x.T @ x / n_samples
    ws = _weights(strategy, width, layer_seeds, params)
    losses = np.empty(steps + 1)
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            prefix = [None, ws[0]]                  # prefix[l] = W_1 ... W_l (None: identity)
            for w in ws[1:]:
                prefix.append(prefix[-1] @ w)
            err = prefix[-1] - teacher
            delta = cov @ err / scale
            losses[t] = 0.5 * np.sum(err * delta)
            if t == steps or not np.isfinite(losses[t]):
                losses[t + 1:] = losses[t] if not np.isfinite(losses[t]) else losses[t + 1:]
                break
            for layer in range(depth - 1, -1, -1):
                grad = delta if prefix[layer] is None else prefix[layer].T @ delta
                if layer:
                    delta = delta @ ws[layer].T
                ws[layer] -= lr * grad
    return LinearRun(str(strategy), depth, losses)
