"""Signal propagation through a deep fully connected network, measured and predicted.

:func:`propagate` pushes a batch forward through ``depth`` dense layers (weights drawn by
any strategy :func:`initlib.initialize` knows, biases zero) and a random unit-variance
gradient backward, and records per-layer statistics. :func:`mean_field` predicts the same
quantities in the infinite-width limit (Poole et al. 2016; Schoenholz et al. 2017).

Layout: activations are ``(batch, width)`` row batches, weights ``(fan_in, fan_out)``
(Keras layout), so layer ``l`` computes ``z_l = h_{l-1} @ W_l`` and ``h_l = phi(z_l)``.
Everything is computed in float32, like a real network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache, partial

import numpy as np

from ._checks import _is_int, check_choice, check_real, check_seed
from .registry import initialize
from .stats import second_moment

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu")

#: SELU constants (Klambauer et al. 2017).
SELU_ALPHA = 1.6732632423543772
SELU_LAMBDA = 1.0507009873554805
#: |tanh| (or sigmoid's distance from 0.5, doubled) above this counts as saturated.
SATURATION_THRESHOLD = 0.97


def activation_fn(name: str, negative_slope: float = 0.01):
    """Return ``(phi, dphi)`` for an activation name in :data:`ACTIVATIONS`.

    ``phi(z)`` is the activation; ``dphi(h)`` its derivative written in terms of the
    *output* ``h = phi(z)`` (possible because every activation here is monotone and
    keeps the sign of ``z``), so a backward pass needs to keep only the activations.
    ``negative_slope`` (>= 0) is the leaky-ReLU slope. Elementwise on arrays of any
    shape. Raises ``ValueError`` for an unknown name or a negative slope.
    """
    check_choice(name, "activation", ACTIVATIONS)
    a = check_real(negative_slope, "negative_slope", non_negative=True)
    if name == "linear":
        return (lambda z: z), np.ones_like
    if name == "sigmoid":
        def sigmoid(z):
            return 0.5 * (1 + np.tanh(0.5 * z))  # overflow-free form of 1/(1+e^-z)
        return sigmoid, (lambda h: h * (1 - h))
    if name == "tanh":
        return np.tanh, (lambda h: 1 - h * h)
    if name == "relu":
        return (lambda z: np.maximum(z, 0)), (lambda h: (h > 0).astype(h.dtype))
    if name == "leaky_relu":
        return ((lambda z: np.where(z > 0, z, a * z)),
                (lambda h: np.where(h > 0, 1, a).astype(h.dtype)))

    def selu(z):
        return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))
    # for z <= 0, selu'(z) = lambda * alpha * e^z = h + lambda * alpha
    return selu, (lambda h: np.where(h > 0, SELU_LAMBDA, h + SELU_LAMBDA * SELU_ALPHA)
                  .astype(h.dtype))


#: Per-layer quantities of a :class:`Propagation` (arrays of length ``depth``).
PER_LAYER = ("preact_mean", "preact_std", "act_mean", "act_std", "saturated", "grad_std",
             "weight_grad_norm", "weight_norm", "nonfinite", "grad_nonfinite", "update_ratio")


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
    samples : for each layer number in ``keep``, ``(activations, gradients)`` as flat
        float32 arrays (at most ``max_samples`` values each) for histograms.
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
    samples: dict = field(default_factory=dict)

    @property
    def update_ratio(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.weight_grad_norm / self.weight_norm

    @property
    def layers(self) -> np.ndarray:
        """Layer numbers 1..depth, for plotting."""
        return np.arange(1, self.depth + 1)


def _check_count(value, name, low, high=None):
    if not _is_int(value) or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def propagate(strategy="he_normal", activation="relu", *, depth=30, width=256, batch=128,
              inputs=None, seed=0, keep=(), max_samples=20_000, negative_slope=0.01,
              weight_scale=1.0, **params) -> Propagation:
    """Measure activations and gradients layer by layer in a deep dense network.

    Parameters
    ----------
    strategy : str or callable
        Any name :func:`initlib.initialize` accepts; ``params`` go to it (``std``,
        ``gain``, ``mean``, ``limit``...). Or a function ``f(shape, *, seed, dtype,
        **params)`` returning an array of ``shape``, for an initializer of your own.
    activation : str
        One of :data:`ACTIVATIONS`; ``negative_slope`` is the leaky-ReLU slope.
    depth, width, batch : int
        Number of dense layers (>= 1), units per layer and examples in the batch.
    inputs : array of shape (batch, n_features), optional
        A real data batch (for example standardized digits); the first layer then has
        ``n_features`` inputs and ``batch`` is ignored. Default: a standard normal batch
        of shape ``(batch, width)``.
    seed : int or numpy.random.Generator
        Drives the inputs, every layer's weights (in order) and the output gradient.
    keep : iterable of int
        Layer numbers (1-based) whose activations and gradients are kept as samples.
    weight_scale : float
        Multiplies every drawn weight (a gain on top of the strategy; 1 leaves it as
        defined). Must be finite and >= 0.

    Returns
    -------
    Propagation

    Raises
    ------
    ValueError, TypeError
        Bad strategy, activation, sizes or inputs (naming the argument).
    """
    check_choice(activation, "activation", ACTIVATIONS)
    if callable(strategy):
        draw, strategy = strategy, getattr(strategy, "__name__", "custom")
    else:
        draw = partial(initialize, strategy)
    depth = _check_count(depth, "depth", 1)
    width = _check_count(width, "width", 1)
    slope = check_real(negative_slope, "negative_slope")
    weight_scale = check_real(weight_scale, "weight_scale", non_negative=True)
    max_samples = _check_count(max_samples, "max_samples", 1)
    if {"seed", "dtype"} & set(params):
        raise TypeError("seed and dtype are set by propagate itself (seed drives every draw, "
                        "weights are float32); leave them out of the strategy's parameters")
    rng = check_seed(seed)
    if inputs is None:
        batch = _check_count(batch, "batch", 1)
        h = rng.standard_normal((batch, width), dtype=np.float32)
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
    keep = {_check_count(k, "keep", 1, depth) for k in keep}
    phi, dphi = activation_fn(activation, slope)

    stats = {k: np.zeros(depth) for k in ("preact_mean", "preact_std", "act_mean", "act_std",
                                          "saturated", "grad_std", "weight_grad_norm",
                                          "weight_norm", "nonfinite", "grad_nonfinite")}
    input_std = float(h.std())
    weights, acts, samples = [], [h], {}
    with np.errstate(all="ignore"):
        for k in range(depth):
            w = np.asarray(draw((h.shape[1], width), seed=rng, dtype="float32", **params),
                           dtype=np.float32)
            if w.shape != (h.shape[1], width):
                raise ValueError(f"strategy {strategy!r} returned shape {w.shape} for "
                                 f"{(h.shape[1], width)}")
            if weight_scale != 1.0:
                w = w * np.float32(weight_scale)  # a copy: the strategy may share arrays
            z = h @ w
            h = phi(z)
            weights.append(w)
            acts.append(h)
            stats["preact_mean"][k], stats["preact_std"][k] = _mean_std(z)
            stats["act_mean"][k], stats["act_std"][k] = _mean_std(h)
            stats["saturated"][k] = _saturation(activation, h)
            stats["weight_norm"][k] = np.linalg.norm(w)
            stats["nonfinite"][k] = _count_nonfinite(z, stats["preact_std"][k])

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
    return Propagation(strategy=strategy, activation=activation, depth=depth, width=width,
                       batch=batch, input_std=input_std, samples=dict(sorted(samples.items())),
                       **stats)


def _mean_std(x):
    """Mean and std of a float32 array, fast: one float32 sum and one BLAS dot product
    (a tenth of the cost of ``x.std(dtype=float64)``). Falls back to a float64 two-pass
    computation where float32 could be wrong: squares that overflow (values beyond
    about 1e19) or a mean so large against the std that the subtraction cancels."""
    flat = x.reshape(-1)
    n = flat.size
    total, squares = float(flat.sum()), float(flat @ flat)
    mean = total / n
    var = squares / n - mean * mean
    if math.isfinite(var) and var > 1e-4 * (squares / n):
        return mean, math.sqrt(var)
    if not math.isfinite(total):  # inf or nan among the values
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


# --------------------------------------------------------------------------- mean field

def gauss_expectation(f, q, n_points=80):
    """E[f(sqrt(q) Z)] for Z ~ N(0, 1), by Gauss-Hermite quadrature (probabilists'
    weight exp(-z^2/2)); ``q`` is a scalar or array of variances >= 0. An even number
    of nodes keeps z = 0 out, where the ReLU derivative jumps."""
    z, w = _gauss_hermite(n_points)
    q = np.asarray(q, dtype=np.float64)
    return np.tensordot(f(np.sqrt(q)[..., None] * z), w, axes=([-1], [0]))


@lru_cache(maxsize=8)
def _gauss_hermite(n_points):
    z, w = np.polynomial.hermite_e.hermegauss(n_points)
    return z, w / w.sum()


@dataclass
class MeanField:
    """Mean-field prediction per layer (arrays of length ``depth``).

    ``q``: pre-activation variance q^l; ``act_second_moment``: E[phi(z)^2];
    ``act_mean``: E[phi(z)] (the std of the activations is :attr:`act_std`);
    ``chi``: gradient growth factor sigma_w^2 E[phi'(z)^2] of each layer;
    ``grad_var``: variance of dL/dh_l relative to a unit-variance output gradient."""

    q: np.ndarray
    act_second_moment: np.ndarray
    act_mean: np.ndarray
    chi: np.ndarray
    grad_var: np.ndarray

    @property
    def act_std(self) -> np.ndarray:
        return np.sqrt(np.maximum(self.act_second_moment - self.act_mean**2, 0.0))


def mean_field(activation, sigma_w2, depth, *, q0=1.0, sigma_b2=0.0, first_sigma_w2=None,
               negative_slope=0.01) -> MeanField:
    """Infinite-width prediction of signal propagation.

    q^1 = first_sigma_w2 * q0 + sigma_b2, then
    q^l = sigma_w2 * E[phi(sqrt(q^{l-1}) Z)^2] + sigma_b2, and per layer
    chi_l = sigma_w2 * E[phi'(sqrt(q^l) Z)^2].

    ``sigma_w2`` is fan_in * Var[W] of the hidden layers (2 for He, 1 for LeCun);
    ``first_sigma_w2`` that of the first layer (default ``sigma_w2``); ``q0`` the input's
    second moment per feature. Assumes zero-mean weights. Sources: Poole et al. (2016),
    "Exponential expressivity in deep neural networks through transient chaos";
    Schoenholz et al. (2017), "Deep Information Propagation", ICLR.
    """
    phi, dphi = activation_fn(activation, negative_slope)
    depth = _check_count(depth, "depth", 1)
    sigma_w2 = check_real(sigma_w2, "sigma_w2", non_negative=True)
    q0 = check_real(q0, "q0", non_negative=True)
    sigma_b2 = check_real(sigma_b2, "sigma_b2", non_negative=True)
    first = sigma_w2 if first_sigma_w2 is None else check_real(first_sigma_w2, "first_sigma_w2",
                                                               non_negative=True)
    q = np.zeros(depth)
    m1 = np.zeros(depth)
    m2 = np.zeros(depth)
    chi = np.zeros(depth)
    with np.errstate(all="ignore"):
        q[0] = first * q0 + sigma_b2
        for k in range(depth):
            if k:
                q[k] = sigma_w2 * m2[k - 1] + sigma_b2
            m1[k] = gauss_expectation(phi, q[k])
            m2[k] = gauss_expectation(lambda z: phi(z) ** 2, q[k])
            chi[k] = sigma_w2 * gauss_expectation(lambda z: dphi(phi(z)) ** 2, q[k])
        # dL/dh_l picks up chi of every layer above it
        grad_var = np.concatenate([np.cumprod(chi[:0:-1])[::-1], [1.0]])
    return MeanField(q=q, act_second_moment=m2, act_mean=m1, chi=chi, grad_var=grad_var)


def predict(strategy="he_normal", activation="relu", *, depth=30, width=256, n_features=None,
            q0=1.0, negative_slope=0.01, weight_scale=1.0, **params) -> MeanField:
    """Mean-field prediction for the network :func:`propagate` measures with the same
    arguments: sigma_w^2 = fan_in * E[W^2] of each layer, from the strategy's formula
    (:func:`initlib.stats.second_moment`).
    ``n_features`` is the input width (default ``width``), ``q0`` the input's second
    moment per feature; ``weight_scale`` multiplies the weights as in :func:`propagate`."""
    if callable(strategy):
        raise TypeError("predict needs a strategy name (its formula gives the variance); "
                        "for your own initializer call mean_field with its sigma_w2")
    width = _check_count(width, "width", 1)
    n_features = width if n_features is None else _check_count(n_features, "n_features", 1)
    gain2 = check_real(weight_scale, "weight_scale", non_negative=True) ** 2
    hidden = gain2 * width * second_moment(strategy, (width, width), **params)
    first = gain2 * n_features * second_moment(strategy, (n_features, width), **params)
    return mean_field(activation, hidden, depth, q0=q0, first_sigma_w2=first,
                      negative_slope=negative_slope)


def failure_layer(prop: Propagation, factor=1e3, quantity="preact_std"):
    """First layer (1-based) at which ``quantity`` has grown or shrunk by more than
    ``factor`` relative to layer 1, or become non-finite; ``None`` if it never does.
    This is how the notebooks measure "the depth at which a strategy fails"."""
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


@dataclass
class PhaseDiagram:
    """Mean-field phase diagram over a grid of weight and bias scales (arrays of shape
    ``(len(sigma_b), len(sigma_w))``): the fixed point ``q_star`` of the variance map,
    ``chi`` = sigma_w^2 E[phi'(sqrt(q*) Z)^2] there (< 1 ordered: gradients vanish;
    > 1 chaotic: they explode; = 1 the edge of chaos), and ``depth_scale`` = 1/|ln chi|,
    the number of layers over which a gradient changes by a factor e."""

    sigma_w: np.ndarray
    sigma_b: np.ndarray
    q_star: np.ndarray
    chi: np.ndarray

    @property
    def depth_scale(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return 1.0 / np.abs(np.log(self.chi))


def phase_diagram(activation="tanh", sigma_w=None, sigma_b=None, *, iterations=500,
                  negative_slope=0.01) -> PhaseDiagram:
    """Mean-field order-to-chaos diagram (Poole et al. 2016; Schoenholz et al. 2017).

    ``sigma_w`` and ``sigma_b`` are 1-D grids of weight std times sqrt(fan_in) and bias
    std (defaults: 0.5-3 and 0-0.5). The fixed point q* of q <- sigma_w^2 E[phi(sqrt(q)
    Z)^2] + sigma_b^2 is found by iteration (``iterations`` steps from q = 1). For tanh
    with sigma_b = 0 the edge of chaos is sigma_w = 1.
    """
    phi, dphi = activation_fn(activation, negative_slope)
    sw = np.linspace(0.5, 3.0, 101) if sigma_w is None else np.asarray(sigma_w, dtype=float)
    sb = np.linspace(0.0, 0.5, 51) if sigma_b is None else np.asarray(sigma_b, dtype=float)
    if sw.ndim != 1 or sb.ndim != 1 or sw.size == 0 or sb.size == 0:
        raise ValueError("sigma_w and sigma_b must be non-empty 1-D grids")
    if not (np.all(np.isfinite(sw)) and np.all(np.isfinite(sb)) and sw.min() >= 0
            and sb.min() >= 0):
        raise ValueError("sigma_w and sigma_b must hold finite values >= 0")
    iterations = _check_count(iterations, "iterations", 1)
    w2, b2 = np.meshgrid(sw**2, sb**2)
    q = np.ones_like(w2)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            q = w2 * gauss_expectation(lambda z: phi(z) ** 2, q) + b2
        chi = w2 * gauss_expectation(lambda z: dphi(phi(z)) ** 2, q)
    return PhaseDiagram(sigma_w=sw, sigma_b=sb, q_star=q, chi=chi)
