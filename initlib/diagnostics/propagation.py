"""Signal propagation through a deep fully connected network, measured.

:func:`propagate` pushes a batch forward through ``depth`` dense layers (weights drawn by
any strategy :func:`initlib.initialize` knows, biases zero) and a random unit-variance
gradient backward, and records per-layer statistics; :mod:`~initlib.diagnostics.meanfield`
predicts the same quantities in the infinite-width limit.

Layout: activations are ``(batch, width)`` row batches, weights ``(fan_in, fan_out)``
(Keras layout), so layer ``l`` computes ``z_l = h_{l-1} @ W_l`` and ``h_l = phi(z_l)``.
Everything is computed in float32, like a real network.

>>> p = propagate("he_normal", "relu", depth=20, width=256, seed=0)
>>> p.preact_std.shape
(20,)
>>> bool(0.5 < p.preact_std[-1] / p.preact_std[0] < 2)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .._checks import check_choice, check_int, check_real, check_seed, spawn_seeds
from ..activations import ACTIVATIONS, SATURATION_THRESHOLD
from ..activations import activation as activation_of
from ..registry import canonical_name, initialize
from .correlation import unit_correlation

#: Per-layer quantities of a :class:`Propagation` (arrays of length ``depth``).
PER_LAYER = ("preact_mean", "preact_std", "act_mean", "act_std", "saturated", "grad_std",
             "weight_grad_norm", "weight_norm", "nonfinite", "grad_nonfinite", "update_ratio",
             "unit_corr")


@dataclass
class Propagation:
    """Per-layer statistics of one forward and backward pass; arrays have length
    ``depth``, index ``l`` is layer ``l + 1``.

    Attributes
    ----------
    preact_mean, preact_std : pre-activations ``z_l`` (dimensionless).
    act_mean, act_std : activations ``h_l = phi(z_l)``.
    saturated : fraction of units saturated (tanh, sigmoid: ``|phi|`` within 3 % of its
        bound) or dead (ReLU: zero for every example of the batch); 0 otherwise.
    grad_std : std of the gradient with respect to ``h_l``, for a unit-variance
        gradient at the output.
    weight_grad_norm, weight_norm : Frobenius norms of ``dL/dW_l`` (batch-averaged) and
        ``W_l``; ``update_ratio`` is their quotient.
    nonfinite, grad_nonfinite : number of inf/nan values in ``z_l`` and in the gradient
        with respect to ``h_l`` (overflow is reported here, never raised).
    unit_corr : mean correlation between the units' pre-activations ``z_l`` across the
        batch (:func:`~initlib.diagnostics.correlation.unit_correlation`): about 0 for
        units that respond independently, 1 when every unit computes the same function
        of the input; nan after overflow.
    samples : for each layer number in ``keep``, ``(activations, gradients)`` as flat
        float32 arrays (at most ``max_samples`` values each) for histograms.

    Examples
    --------
    >>> p = propagate("xavier", "tanh", depth=4, width=64, batch=32, seed=0)
    >>> p.layers, p.grad_std.shape
    (array([1, 2, 3, 4]), (4,))
    """

    strategy: str
    activation: str
    depth: int
    width: int
    batch: int
    input_std: float
    preact_mean: np.ndarray
    preact_std: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    saturated: np.ndarray
    grad_std: np.ndarray
    weight_grad_norm: np.ndarray
    weight_norm: np.ndarray
    nonfinite: np.ndarray
    grad_nonfinite: np.ndarray
    unit_corr: np.ndarray
    samples: dict = field(default_factory=dict)

    @property
    def update_ratio(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.weight_grad_norm / self.weight_norm

    @property
    def layers(self) -> np.ndarray:
        """Layer numbers 1..depth, for plotting."""
        return np.arange(1, self.depth + 1)


def propagate(strategy="he_normal", activation="relu", *, depth=None, width=256, batch=128,
              inputs=None, seed=0, keep=(), max_samples=20_000, negative_slope=0.01,
              weight_scale=1.0, bias=0.0, **params) -> Propagation:
    """Measure activations and gradients layer by layer in a deep dense network.

    Parameters
    ----------
    strategy : str or callable
        Any name :func:`initlib.initialize` accepts; ``params`` go to it (``std``,
        ``gain``, ``mean``, ``limit``...). Or a function ``f(shape, *, seed, dtype,
        **params)`` returning an array of ``shape``, for an initializer of your own.
    activation : str
        One of :data:`ACTIVATIONS`; ``negative_slope`` is the leaky-ReLU slope.
    depth : int, optional
        Number of dense layers (>= 1); default 30, or the length of ``width`` when that
        is a sequence.
    width : int or sequence of int
        Units per layer (>= 1), or each layer's own width, input side first, for a
        network whose width changes (a tapering classifier, a bottleneck).
    batch : int
        Examples in the batch.
    inputs : array of shape (batch, n_features), optional
        A real data batch (for example standardized digits); the first layer then has
        ``n_features`` inputs and ``batch`` is ignored. Default: a standard normal batch
        of shape ``(batch, width)`` (``width`` of the first layer).
    seed : int or numpy.random.Generator
        Drives everything, through :func:`initlib._checks.spawn_seeds`: stream 0 draws
        the inputs and the output gradient, stream ``l`` the weights of layer ``l``, so
        a deeper network keeps the layers of a shallower one with the same seed.
    keep : iterable of int
        Layer numbers (1-based) whose activations and gradients are kept as samples.
    weight_scale : float
        Multiplies every drawn weight (a gain on top of the strategy; 1 leaves it as
        defined). Must be finite and >= 0.
    bias : float
        The value every bias starts at, added to every pre-activation of every layer
        (default 0, as in Keras and the papers; a small positive value is the "keep the
        ReLUs alive" advice). Must be finite.

    Returns
    -------
    Propagation

    Raises
    ------
    ValueError, TypeError
        Bad strategy, activation, sizes or inputs (naming the argument).

    Examples
    --------
    >>> p = propagate("small_uniform", "tanh", depth=20, width=256, seed=0)
    >>> bool(p.act_std[-1] < 1e-6 * p.act_std[0])    # the signal vanishes
    True
    >>> p = propagate("he", "relu", depth=20, width=256, seed=0, keep=[1, 20])
    >>> sorted(p.samples)                             # activations and gradients kept
    [1, 20]
    """
    check_choice(activation, "activation", ACTIVATIONS)
    if callable(strategy):
        draw, strategy = strategy, getattr(strategy, "__name__", "custom")
    else:
        strategy = canonical_name(strategy)
        draw = partial(initialize, strategy)
    widths = _widths(width, depth)
    depth = len(widths)
    slope = check_real(negative_slope, "negative_slope", non_negative=True)
    weight_scale = check_real(weight_scale, "weight_scale", non_negative=True)
    bias = np.float32(check_real(bias, "bias"))
    max_samples = check_int(max_samples, "max_samples", 1)
    if {"seed", "dtype"} & set(params):
        raise TypeError("seed and dtype are set by propagate itself (seed drives every draw, "
                        "weights are float32); leave them out of the strategy's parameters")
    if not isinstance(seed, np.random.Generator):
        check_seed(seed)  # the same TypeError/ValueError as everywhere else
    data_seed, *layer_seeds = spawn_seeds(seed, depth + 1)
    rng = np.random.default_rng(data_seed)
    if inputs is None:
        batch = check_int(batch, "batch", 1)
        h = rng.standard_normal((batch, widths[0]), dtype=np.float32)
    else:
        raw = np.asarray(inputs)
        if not (np.issubdtype(raw.dtype, np.floating) or np.issubdtype(raw.dtype, np.integer)):
            raise TypeError(f"inputs must be a real-valued array, got dtype {raw.dtype}")
        h = raw.astype(np.float32)
        if h.ndim != 2 or h.size == 0:
            raise ValueError(f"inputs must be a non-empty 2-D array (batch, n_features), "
                             f"got shape {h.shape}")
        batch = h.shape[0]
    if isinstance(keep, (str, bytes)) or not hasattr(keep, "__iter__"):
        raise TypeError(f"keep must be an iterable of layer numbers, such as [1, {depth}], "
                        f"got {keep!r}")
    keep = {check_int(k, "keep", 1, depth) for k in keep}
    act = activation_of(activation, slope)
    phi, dphi = act.phi, act.dphi_from_output

    stats = {k: np.zeros(depth) for k in ("preact_mean", "preact_std", "act_mean", "act_std",
                                          "saturated", "grad_std", "weight_grad_norm",
                                          "weight_norm", "nonfinite", "grad_nonfinite",
                                          "unit_corr")}
    input_std = float(h.std())
    weights, acts, samples = [], [h], {}
    with np.errstate(all="ignore"):
        for k in range(depth):
            shape = (h.shape[1], widths[k])
            w = np.asarray(draw(shape, seed=layer_seeds[k], dtype="float32", **params),
                           dtype=np.float32)
            if w.shape != shape:
                raise ValueError(f"strategy {strategy!r} returned shape {w.shape} for "
                                 f"{shape}")
            if weight_scale != 1.0:
                w = w * np.float32(weight_scale)  # a copy: the strategy may share arrays
            z = h @ w
            if bias:
                z += bias
            h = phi(z)
            weights.append(w)
            acts.append(h)
            stats["preact_mean"][k], stats["preact_std"][k] = _mean_std(z)
            stats["act_mean"][k], stats["act_std"][k] = _mean_std(h)
            stats["saturated"][k] = _saturation(activation, h)
            stats["weight_norm"][k] = np.linalg.norm(w)
            stats["nonfinite"][k] = _count_nonfinite(z, stats["preact_std"][k])
            stats["unit_corr"][k] = unit_correlation(z) if min(z.shape) > 1 else math.nan

        g = rng.standard_normal(h.shape, dtype=np.float32)  # dL/dh at the output
        for k in range(depth - 1, -1, -1):
            stats["grad_std"][k] = _mean_std(g)[1]
            stats["grad_nonfinite"][k] = _count_nonfinite(g, stats["grad_std"][k])
            if k + 1 in keep:
                samples[k + 1] = (_subsample(acts[k + 1], max_samples),
                                  _subsample(g, max_samples))
            delta = g * dphi(acts[k + 1])  # dL/dz_l
            stats["weight_grad_norm"][k] = np.linalg.norm(acts[k].T @ delta) / batch
            if k:
                g = delta @ weights[k].T
    width = widths[0] if len(set(widths)) == 1 and _is_integer(width) else widths
    return Propagation(strategy=strategy, activation=activation, depth=depth, width=width,
                       batch=batch, input_std=input_std, samples=dict(sorted(samples.items())),
                       **stats)


def _widths(width, depth) -> tuple:
    """Each layer's width from ``width`` (int or sequence) and ``depth`` (int or None)."""
    if isinstance(width, (str, bytes)) or not (_is_integer(width)
                                                or hasattr(width, "__iter__")):
        raise TypeError(f"width must be an int or a sequence of ints (one per layer), got "
                        f"{width!r}")
    if _is_integer(width):
        depth = 30 if depth is None else check_int(depth, "depth", 1)
        return (check_int(width, "width", 1),) * depth
    widths = tuple(check_int(w, f"width[{i}]", 1) for i, w in enumerate(width))
    if not widths:
        raise ValueError("width must name at least one layer, got an empty sequence")
    if depth is not None and check_int(depth, "depth", 1) != len(widths):
        raise ValueError(f"depth is {depth} but width gives {len(widths)} layer widths; "
                         f"leave depth out when width is a sequence")
    return widths


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _mean_std(x):
    """Mean and std of a float32 array, fast: one float32 sum and one BLAS dot product
    (a tenth of the cost of ``x.std(dtype=float64)``). Falls back to a float64 two-pass
    computation where float32 could be wrong: squares that overflow (values beyond
    about 1e19), a sum that overflows although every value is finite (values near
    float32's limit), or a mean so large against the std that the subtraction cancels."""
    flat = x.reshape(-1)
    n = flat.size
    total, squares = float(flat.sum()), float(flat @ flat)
    mean = total / n
    var = squares / n - mean * mean
    if math.isfinite(var) and var > 1e-4 * (squares / n):
        return mean, math.sqrt(var)
    if not math.isfinite(total) and not np.isfinite(flat).all():  # inf or nan among them
        return math.nan, math.nan
    y = flat.astype(np.float64)
    return float(y.mean()), float(y.std())


def _count_nonfinite(x, std):
    """Number of inf/nan entries; zero without looking when the std is finite."""
    return 0 if math.isfinite(std) else int(np.count_nonzero(~np.isfinite(x)))


def _saturation(activation, h):
    if activation == "tanh":
        return np.mean(np.abs(h) > SATURATION_THRESHOLD)
    if activation == "sigmoid":
        return np.mean(np.abs(2 * h - 1) > SATURATION_THRESHOLD)
    if activation == "relu":
        return np.mean(h.max(axis=0) <= 0)  # dead: zero for the whole batch
    return 0.0


def _subsample(x, n):
    flat = x.ravel()
    step = max(1, flat.size // n)
    return flat[::step][:n].copy()


def failure_layer(prop: Propagation, factor=1e3, quantity="preact_std"):
    """First layer (1-based) at which ``quantity`` has grown or shrunk by more than
    ``factor`` relative to layer 1, or become non-finite; ``None`` if it never does.
    This is how the notebooks measure "the depth at which a strategy fails".

    Examples
    --------
    >>> p = propagate("zero_mean_normal", "linear", depth=10, width=256, batch=32, seed=0)
    >>> failure_layer(p, factor=1e3)     # x16 per layer: 16^3 > 1000 at layer 4
    4
    """
    factor = check_real(factor, "factor", positive=True)
    if factor <= 1:
        raise ValueError(f"factor must be > 1, got {factor}")
    if not isinstance(prop, Propagation):
        raise TypeError(f"prop must be a Propagation (from propagate), got {type(prop).__name__}")
    check_choice(quantity, "quantity", PER_LAYER)
    y = np.asarray(getattr(prop, quantity), dtype=float)
    ref = y[0]
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(y) | (y > ref * factor) | (y < ref / factor)
    return int(np.argmax(bad)) + 1 if bad.any() else None


