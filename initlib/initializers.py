"""Weight initializers in NumPy: one small function per strategy.

Every function takes the weight ``shape`` first and returns a new ``numpy.ndarray`` of
that shape. Keyword arguments common to all of them:

``seed``
    ``None`` (fresh entropy), a non-negative ``int`` (the same array on every call and
    in every process) or a ``numpy.random.Generator`` (used as is, so it advances). The
    global ``np.random`` state is never read or changed.
``dtype``
    float16, bfloat16 (with ``ml_dtypes``), float32 (default) or float64. Samples are
    drawn in float64 when float64 is asked for and in float32 otherwise, then cast.
``layout``
    ``"keras"`` (dense ``(in, out)``, default) or ``"torch"`` (dense ``(out, in)``); see
    :mod:`initlib.fans`. ``fan_in``/``fan_out`` override the fans read off the shape.

Variance targets, with ``n_in``/``n_out`` the fans:

=================  ================  ===========================================
strategy           Var[W]            source
=================  ================  ===========================================
LeCun              gain^2 / n_in     LeCun, Bottou, Orr & Muller (1998)
Glorot / Xavier    2 gain^2/(n_in+n_out)  Glorot & Bengio (2010)
He / Kaiming       2/((1+a^2) n_in)  He, Zhang, Ren & Sun (2015)
variance scaling   scale / n         Keras ``VarianceScaling``
=================  ================  ===========================================

A uniform U(-a, a) has variance a^2/3, so the uniform variants use a = sqrt(3 Var).
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (
    check_choice,
    check_dtype,
    check_real,
    check_representable,
    check_seed,
    check_shape,
)
from .fans import LAYOUTS, compute_fans

MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")
NORMAL_DISTRIBUTIONS = ("normal", "truncated_normal")

#: Truncation point of the truncated normal, in standard deviations.
TRUNCATION = 2.0


def _truncated_std(c: float) -> float:
    """Std of a standard normal truncated to [-c, c]:
    Var = 1 - 2 c phi(c) / (Phi(c) - Phi(-c))."""
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(c / math.sqrt(2))
    return math.sqrt(1 - 2 * c * phi / mass)


#: Std of N(0, 1) cut at +-2 (0.8796256610342398); Keras divides by it so that a
#: truncated normal still has the target variance.
TRUNCATED_STD = _truncated_std(TRUNCATION)


# --------------------------------------------------------------------------- samplers
# Each takes a checked Generator, shape and dtype, and draws in the working precision.

def _work_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def _normal(rng, shape, dtype, mean, std):
    out = rng.standard_normal(shape, dtype=_work_dtype(dtype))
    out *= std
    if mean:
        out += mean
    return out.astype(dtype, copy=False)


def _truncated_normal(rng, shape, dtype, mean, std):
    work = _work_dtype(dtype)
    z = rng.standard_normal(shape, dtype=work)
    outside = np.abs(z) > TRUNCATION
    while outside.any():  # redraw the ~4.6 % beyond the cut until none is left
        z[outside] = rng.standard_normal(int(outside.sum()), dtype=work)
        outside = np.abs(z) > TRUNCATION
    z *= std
    if mean:
        z += mean
    return z.astype(dtype, copy=False)


def _uniform(rng, shape, dtype, low, high):
    u = rng.random(shape, dtype=_work_dtype(dtype))
    if low == -high:  # symmetric: (2u - 1) a is exact in [-a, a], no rounding past a
        u *= 2
        u -= 1
        u *= high
    else:
        u *= high - low
        u += low
        np.clip(u, low, high, out=u)
    return u.astype(dtype, copy=False)


def _prepare(shape, seed, dtype):
    return check_shape(shape), check_seed(seed), check_dtype(dtype)


# --------------------------------------------------------------------------- constants

def zeros(shape, *, seed=None, dtype="float32") -> np.ndarray:
    """All zeros. Every hidden unit then computes the same function and receives the
    same gradient, so the units never become different (the symmetry problem).
    ``seed`` is accepted for a uniform interface and ignored."""
    shape, _, dtype = _prepare(shape, seed, dtype)
    return np.zeros(shape, dtype=dtype)


def ones(shape, *, seed=None, dtype="float32") -> np.ndarray:
    """All ones; as symmetric as :func:`zeros`. ``seed`` is ignored."""
    return constant(shape, 1.0, seed=seed, dtype=dtype)


def constant(shape, value=0.0, *, seed=None, dtype="float32") -> np.ndarray:
    """Every entry equal to ``value`` (a finite real). ``seed`` is ignored.
    Source: Keras ``Constant``; PyTorch ``constant_``."""
    shape, _, dtype = _prepare(shape, seed, dtype)
    value = check_real(value, "value")
    check_representable(abs(value), dtype, "value")
    return np.full(shape, value, dtype=dtype)


# --------------------------------------------------------------------------- fixed scale

def random_normal(shape, mean=0.0, std=0.05, *, seed=None, dtype="float32") -> np.ndarray:
    """N(mean, std^2), untruncated. ``std`` >= 0 (0 gives the constant ``mean``).
    Defaults are Keras's ``RandomNormal``. Raises ``ValueError`` for a negative or
    non-finite ``std`` or ``mean``."""
    shape, rng, dtype = _prepare(shape, seed, dtype)
    mean = check_real(mean, "mean")
    std = check_real(std, "std", non_negative=True)
    check_representable(abs(mean) + 10 * std, dtype, "mean and std")  # |z| < 10 in practice
    return _normal(rng, shape, dtype, mean, std)


def random_uniform(shape, low=-0.05, high=0.05, *, seed=None, dtype="float32") -> np.ndarray:
    """U(low, high): mean (low+high)/2, variance (high-low)^2/12 (= a^2/3 for U(-a, a)).
    Defaults are Keras's ``RandomUniform``. Raises ``ValueError`` unless
    ``low < high``, both finite."""
    shape, rng, dtype = _prepare(shape, seed, dtype)
    low = check_real(low, "low")
    high = check_real(high, "high")
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    check_representable(max(abs(low), abs(high), high - low), dtype, "low and high")
    return _uniform(rng, shape, dtype, low, high)


def truncated_normal(shape, mean=0.0, std=0.05, *, seed=None, dtype="float32") -> np.ndarray:
    """N(mean, std^2) restricted to [mean - 2 std, mean + 2 std]; values outside are
    redrawn. ``std`` is that of the normal *before* truncation, so the result's std is
    0.8796 std (as in Keras's ``TruncatedNormal``; variance-scaling initializers correct
    for it, this one does not)."""
    shape, rng, dtype = _prepare(shape, seed, dtype)
    mean = check_real(mean, "mean")
    std = check_real(std, "std", non_negative=True)
    check_representable(abs(mean) + TRUNCATION * std, dtype, "mean and std")
    return _truncated_normal(rng, shape, dtype, mean, std)


# --------------------------------------------------------------------------- variance scaling

def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="normal", *,
                     layout="keras", fan_in=None, fan_out=None, seed=None,
                     dtype="float32") -> np.ndarray:
    """Zero-mean weights with variance ``scale / n``.

    ``n`` is ``fan_in``, ``fan_out`` or ``(fan_in + fan_out) / 2`` by ``mode``.
    ``distribution``:

    * ``"normal"``: N(0, scale/n), untruncated (the papers' choice, and this library's
      default; note that Keras defaults to ``"truncated_normal"``);
    * ``"truncated_normal"``: normal cut at +-2 sigma with sigma divided by
      :data:`TRUNCATED_STD` so the variance still equals ``scale / n`` (Keras);
    * ``"uniform"``: U(-a, a) with a = sqrt(3 scale / n).

    Zero-size shapes give an empty array. Raises ``ValueError`` for ``scale`` not
    finite and > 0 and for unknown ``mode``, ``distribution`` or ``layout``.
    Source: Keras ``VarianceScaling``.
    """
    shape, rng, dtype = _prepare(shape, seed, dtype)
    scale = check_real(scale, "scale", positive=True)
    check_choice(mode, "mode", MODES)
    check_choice(distribution, "distribution", DISTRIBUTIONS)
    check_choice(layout, "layout", LAYOUTS)
    n_in, n_out = compute_fans(shape, layout, fan_in=fan_in, fan_out=fan_out)
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype=dtype)
    n = {"fan_in": n_in, "fan_out": n_out, "fan_avg": (n_in + n_out) / 2}[mode]
    variance = scale / n
    check_representable(10 * math.sqrt(variance), dtype, "scale")
    if distribution == "normal":
        return _normal(rng, shape, dtype, 0.0, math.sqrt(variance))
    if distribution == "truncated_normal":
        return _truncated_normal(rng, shape, dtype, 0.0, math.sqrt(variance) / TRUNCATED_STD)
    limit = math.sqrt(3 * variance)
    return _uniform(rng, shape, dtype, -limit, limit)


def _gain_squared(gain):
    gain = check_real(gain, "gain", positive=True)
    if gain > 1e100:
        raise ValueError(f"gain must be a moderate positive number, got {gain}")
    return gain * gain


def _normal_family(distribution):
    return check_choice(distribution, "distribution", NORMAL_DISTRIBUTIONS)


def glorot_normal(shape, *, gain=1.0, distribution="normal", layout="keras", fan_in=None,
                  fan_out=None, seed=None, dtype="float32") -> np.ndarray:
    """Glorot/Xavier normal: N(0, gain^2 * 2 / (fan_in + fan_out)).

    Keeps the variance of activations (forward) and of back-propagated gradients
    (backward) roughly constant for linear or tanh-like units near zero, by averaging
    the two conditions fan_in Var[W] = 1 and fan_out Var[W] = 1.
    ``distribution="truncated_normal"`` gives Keras's variance-corrected version.
    Source: Glorot & Bengio (2010), AISTATS, eq. 16's normal counterpart.
    """
    return variance_scaling(shape, _gain_squared(gain), "fan_avg",
                            _normal_family(distribution), layout=layout, fan_in=fan_in,
                            fan_out=fan_out, seed=seed, dtype=dtype)


def glorot_uniform(shape, *, gain=1.0, layout="keras", fan_in=None, fan_out=None, seed=None,
                   dtype="float32") -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
    Source: Glorot & Bengio (2010), AISTATS, eq. 16 ("normalized initialization")."""
    return variance_scaling(shape, _gain_squared(gain), "fan_avg",
                            "uniform", layout=layout, fan_in=fan_in, fan_out=fan_out,
                            seed=seed, dtype=dtype)


def _he_scale(negative_slope):
    a = check_real(negative_slope, "negative_slope")
    if abs(a) > 1e100:
        raise ValueError(f"negative_slope must be a moderate number, got {a}")
    return 2.0 / (1.0 + a * a)


def he_normal(shape, *, negative_slope=0.0, mode="fan_in", distribution="normal",
              layout="keras", fan_in=None, fan_out=None, seed=None,
              dtype="float32") -> np.ndarray:
    """He/Kaiming normal: N(0, 2 / ((1 + a^2) n)), a = ``negative_slope`` (0 for ReLU),
    n = fan_in (``mode="fan_in"``, keeps forward activations stable) or fan_out
    (keeps back-propagated gradients stable).

    A ReLU zeroes half of a symmetric pre-activation, halving its second moment; the
    factor 2 restores it. Only fan_in enters (for the default mode): the output count
    plays no part, contrary to what the seed article says.
    Source: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers", ICCV, eq. 10.
    """
    return variance_scaling(shape, _he_scale(negative_slope), mode, _normal_family(distribution),
                            layout=layout, fan_in=fan_in, fan_out=fan_out, seed=seed,
                            dtype=dtype)


def he_uniform(shape, *, negative_slope=0.0, mode="fan_in", layout="keras", fan_in=None,
               fan_out=None, seed=None, dtype="float32") -> np.ndarray:
    """He/Kaiming uniform: U(-a, a), a = sqrt(6 / ((1 + slope^2) n)), n by ``mode``.
    Source: He et al. (2015); PyTorch ``kaiming_uniform_``."""
    return variance_scaling(shape, _he_scale(negative_slope), mode, "uniform", layout=layout,
                            fan_in=fan_in, fan_out=fan_out, seed=seed, dtype=dtype)


def lecun_normal(shape, *, gain=1.0, distribution="normal", layout="keras", fan_in=None,
                 fan_out=None, seed=None, dtype="float32") -> np.ndarray:
    """LeCun normal: N(0, gain^2 / fan_in). The forward condition fan_in Var[W] = 1 for
    units that are linear near zero; with SELU it gives self-normalizing networks.
    Source: LeCun, Bottou, Orr & Muller (1998), "Efficient BackProp";
    Klambauer et al. (2017) for SELU."""
    return variance_scaling(shape, _gain_squared(gain), "fan_in",
                            _normal_family(distribution), layout=layout, fan_in=fan_in,
                            fan_out=fan_out, seed=seed, dtype=dtype)


def lecun_uniform(shape, *, gain=1.0, layout="keras", fan_in=None, fan_out=None, seed=None,
                  dtype="float32") -> np.ndarray:
    """LeCun uniform: U(-a, a), a = gain * sqrt(3 / fan_in). Source: LeCun et al. (1998)."""
    return variance_scaling(shape, _gain_squared(gain), "fan_in",
                            "uniform", layout=layout, fan_in=fan_in, fan_out=fan_out, seed=seed,
                            dtype=dtype)


# --------------------------------------------------------------------------- structured

def orthogonal(shape, *, gain=1.0, seed=None, dtype="float32") -> np.ndarray:
    """A (semi-)orthogonal matrix times ``gain``, drawn from the Haar measure.

    The shape (rank >= 2) is viewed as a matrix ``(prod(shape[:-1]), shape[-1])``. A
    Gaussian matrix of the taller orientation is QR-factorised in float64; multiplying
    Q's columns by sign(diag(R)) makes the result exactly Haar-distributed (without it
    the distribution is biased); wide shapes are transposed back. Tall results satisfy
    W^T W = gain^2 I, wide ones W W^T = gain^2 I. Cast to ``dtype`` at the end.

    Raises ``ValueError`` for rank < 2 or a ``gain`` that is not finite and > 0.
    Source: Saxe, McClelland & Ganguli (2013); Mezzadri (2007) for the sign correction.
    """
    shape, rng, dtype = _prepare(shape, seed, dtype)
    gain = check_real(gain, "gain", positive=True)
    check_representable(gain, dtype, "gain")
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape of rank >= 2, got {shape}")
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype=dtype)
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype)


def identity(shape, *, gain=1.0, seed=None, dtype="float32") -> np.ndarray:
    """``gain * eye(n, m)`` for a 2-D shape ``(n, m)``; ``seed`` is ignored.
    Raises ``ValueError`` for other ranks. Source: Keras ``Identity``; PyTorch ``eye_``;
    Le, Jaitly & Hinton (2015) for identity-initialised recurrent ReLU networks."""
    shape, _, dtype = _prepare(shape, seed, dtype)
    gain = check_real(gain, "gain")
    check_representable(abs(gain), dtype, "gain")
    if len(shape) != 2:
        raise ValueError(f"identity needs a 2-D shape (n, m), got {shape}")
    return (gain * np.eye(*shape)).astype(dtype)
