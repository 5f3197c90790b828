"""Weight initializers in NumPy: one small function per strategy.

Each strategy is written once, as the *law* of its weights: a function of the shape and
the strategy's parameters that returns a :class:`Law` (the distribution of one entry,
or the structured matrix for orthogonal and identity). The decorator :func:`initializer`
turns it into the function users call, which adds ``seed`` and ``dtype`` and draws. The
law stays available as ``f.law``: :mod:`initlib.stats`, the mean-field predictions and
the explorer read it, so no other module restates a strategy's variance.

Keyword arguments common to every initializer:

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

=================  =====================  ===========================================
strategy           Var[W]                 source
=================  =====================  ===========================================
LeCun              gain^2 / n_in          LeCun, Bottou, Orr & Muller (1998)
Glorot / Xavier    2 gain^2/(n_in+n_out)  Glorot & Bengio (2010)
He / Kaiming       2/((1+a^2) n_in)       He, Zhang, Ren & Sun (2015)
variance scaling   scale / n              Keras ``VarianceScaling``
=================  =====================  ===========================================

A uniform U(-a, a) has variance a^2/3, so the uniform variants use a = sqrt(3 Var).

>>> w = he_normal((784, 128), seed=0)
>>> w.shape, w.dtype
((784, 128), dtype('float32'))
>>> he_normal.law((784, 128)).variance == 2 / 784
True
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass

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

#: Kinds of :class:`Law`.
KINDS = ("constant", "normal", "truncated_normal", "uniform", "orthogonal", "identity")

#: What to call a law's parameters in an error message.
_PARAMETER_NAMES = {"constant": "value", "normal": "mean and std",
                    "truncated_normal": "mean and std", "uniform": "low and high",
                    "orthogonal": "gain", "identity": "gain"}


@dataclass(frozen=True)
class Law:
    """What a strategy draws for one weight tensor.

    ``kind`` is one of :data:`KINDS`; the other fields mean, by kind:

    ==================  =========================================================
    kind                fields
    ==================  =========================================================
    constant            ``mean`` = the value
    normal              ``mean``, ``std``
    truncated_normal    ``mean``, ``std`` of the normal *before* it is cut at
                        ``mean +- 2 std`` (the result's std is 0.8796 ``std``)
    uniform             ``low``, ``high``
    orthogonal          ``gain`` (a Haar-random semi-orthogonal matrix times gain)
    identity            ``gain`` (``gain * eye(n, m)``)
    ==================  =========================================================

    >>> Law("uniform", low=-1.0, high=1.0).variance   # a^2 / 3
    0.3333333333333333
    """

    kind: str
    mean: float = 0.0
    std: float = 0.0
    low: float = 0.0
    high: float = 0.0
    gain: float = 1.0

    @property
    def entry_mean(self) -> float:
        """E[W] of one entry (orthogonal: 0 by the sign symmetry of the Haar measure;
        identity: not an entry-wise law, see :meth:`second_moment`)."""
        if self.kind == "uniform":
            return (self.low + self.high) / 2
        return self.mean if self.kind in ("constant", "normal", "truncated_normal") else 0.0

    @property
    def variance(self) -> float:
        """Var[W] of one entry, for the entry-wise kinds (constant, normal, truncated
        normal, uniform); raises ``ValueError`` for orthogonal and identity, whose
        entries are dependent."""
        if self.kind == "constant":
            return 0.0
        if self.kind == "normal":
            return self.std**2
        if self.kind == "truncated_normal":
            return (self.std * TRUNCATED_STD) ** 2
        if self.kind == "uniform":
            return (self.high - self.low) ** 2 / 12
        raise ValueError(f"a {self.kind} matrix has no per-entry variance; use second_moment")

    def second_moment(self, shape) -> float:
        """E[W^2] averaged over the entries of a weight of ``shape``: the quantity that
        enters the variance equation Var[z] = fan_in E[W^2] E[h^2]. Orthogonal:
        gain^2 / max(rows, cols); identity: gain^2 min(n, m) / (n m)."""
        if self.kind in ("orthogonal", "identity"):
            rows, cols = math.prod(shape[:-1]), shape[-1]
            if rows * cols == 0:
                raise ValueError(f"shape {tuple(shape)} is empty: no second moment")
            if self.kind == "orthogonal":
                return self.gain**2 / max(rows, cols)
            return self.gain**2 * min(rows, cols) / (rows * cols)
        return self.variance + self.entry_mean**2

    def bound(self) -> float:
        """A bound on ``|W|`` in practice, to check that the dtype can hold the draws."""
        if self.kind == "normal":
            return abs(self.mean) + 10 * self.std
        if self.kind == "truncated_normal":
            return abs(self.mean) + TRUNCATION * self.std
        if self.kind == "uniform":
            return max(abs(self.low), abs(self.high), self.high - self.low)
        return abs(self.mean) if self.kind == "constant" else abs(self.gain)

    def sample(self, shape, rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        """Draw an array of ``shape`` (checked) with ``rng`` in the working precision
        (float64 for float64, float32 otherwise), then cast to ``dtype``."""
        check_representable(self.bound(), dtype, _PARAMETER_NAMES[self.kind])
        work = np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)
        if self.kind == "constant":
            out = np.full(shape, self.mean, dtype=work)
        elif self.kind == "normal":
            out = rng.standard_normal(shape, dtype=work)
            out *= self.std
            if self.mean:
                out += self.mean
        elif self.kind == "truncated_normal":
            out = rng.standard_normal(shape, dtype=work)
            outside = np.abs(out) > TRUNCATION
            while outside.any():  # redraw the ~4.6 % beyond the cut until none is left
                out[outside] = rng.standard_normal(int(outside.sum()), dtype=work)
                outside = np.abs(out) > TRUNCATION
            out *= self.std
            if self.mean:
                out += self.mean
        elif self.kind == "uniform":
            out = rng.random(shape, dtype=work)
            if self.low == -self.high:  # symmetric: (2u - 1) a is exact in [-a, a]
                out *= 2
                out -= 1
                out *= self.high
            else:
                out *= self.high - self.low
                out += self.low
                np.clip(out, self.low, self.high, out=out)
        elif self.kind == "orthogonal":
            out = _orthogonal(shape, rng) * self.gain
        else:
            out = self.gain * np.eye(*shape)
        return out.astype(dtype, copy=False)


def _orthogonal(shape, rng):
    """Haar-random semi-orthogonal matrix viewed as ``shape``, computed in float64."""
    if math.prod(shape) == 0:
        return np.zeros(shape)
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)  # Mezzadri's sign fix: exactly Haar
    return (q.T if rows < cols else q).reshape(shape)


def initializer(law):
    """Decorator: turn a law function ``law(shape, **params) -> Law`` into the
    initializer ``f(shape, **params, seed=None, dtype="float32") -> numpy.ndarray``,
    which checks the shape, seed and dtype, computes the law and draws from it. The law
    function is kept as ``f.law``.

    Examples
    --------
    >>> @initializer
    ... def halves(shape, *, value=0.5):
    ...     \"\"\"Every entry equal to ``value``.\"\"\"
    ...     return Law("constant", mean=value)
    >>> halves((2,)), halves.law((2,)).second_moment((2,))
    (array([0.5, 0.5], dtype=float32), 0.25)
    """
    signature = inspect.signature(law)
    extra = [inspect.Parameter("seed", inspect.Parameter.KEYWORD_ONLY, default=None),
             inspect.Parameter("dtype", inspect.Parameter.KEYWORD_ONLY, default="float32")]

    @functools.wraps(law)
    def draw(shape, *args, seed=None, dtype="float32", **params):
        shape = check_shape(shape)
        rng = check_seed(seed)
        dtype = check_dtype(dtype)
        return law(shape, *args, **params).sample(shape, rng, dtype)

    draw.law = law
    draw.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra],
                                           return_annotation=np.ndarray)
    del draw.__wrapped__  # the signature above, not the law's, is the public one
    return draw


# --------------------------------------------------------------------------- constants

@initializer
def zeros(shape) -> Law:
    """All zeros. Every hidden unit then computes the same function and receives the
    same gradient, so the units never become different (the symmetry problem).
    ``seed`` is accepted for a uniform interface and ignored.

    >>> zeros((2, 3)).sum()
    np.float32(0.0)
    """
    return Law("constant", mean=0.0)


@initializer
def ones(shape) -> Law:
    """All ones; as symmetric as :func:`zeros`. ``seed`` is ignored.

    Examples
    --------
    >>> ones((2, 2), dtype="float64")
    array([[1., 1.],
           [1., 1.]])
    """
    return Law("constant", mean=1.0)


@initializer
def constant(shape, value=0.0) -> Law:
    """Every entry equal to ``value`` (a finite real). ``seed`` is ignored.
    Raises ``ValueError`` if ``value`` does not fit the dtype.
    Source: Keras ``Constant``; PyTorch ``constant_``.

    >>> constant((2,), 0.5)
    array([0.5, 0.5], dtype=float32)
    """
    return Law("constant", mean=check_real(value, "value"))


# --------------------------------------------------------------------------- fixed scale

@initializer
def random_normal(shape, mean=0.0, std=0.05) -> Law:
    """N(mean, std^2), untruncated. ``std`` >= 0 (0 gives the constant ``mean``).
    Defaults are Keras's ``RandomNormal``. Raises ``ValueError`` for a negative or
    non-finite ``std`` or ``mean``.

    >>> float(random_normal((1000, 1000), std=2.0, seed=0).std().round(2))
    2.0
    """
    return Law("normal", mean=check_real(mean, "mean"),
               std=check_real(std, "std", non_negative=True))


@initializer
def random_uniform(shape, low=-0.05, high=0.05) -> Law:
    """U(low, high): mean (low+high)/2, variance (high-low)^2/12 (= a^2/3 for U(-a, a)).
    Defaults are Keras's ``RandomUniform``. Raises ``ValueError`` unless
    ``low < high``, both finite.

    >>> w = random_uniform((100, 100), -1.0, 1.0, seed=0)
    >>> bool(w.min() >= -1 and w.max() <= 1)
    True
    """
    low, high = check_real(low, "low"), check_real(high, "high")
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    if not math.isfinite(high - low):
        raise ValueError(f"low and high are too far apart: high - low overflows a float, "
                         f"got low={low}, high={high}")
    return Law("uniform", low=low, high=high)


@initializer
def truncated_normal(shape, mean=0.0, std=0.05) -> Law:
    """N(mean, std^2) restricted to [mean - 2 std, mean + 2 std]; values outside are
    redrawn. ``std`` is that of the normal *before* truncation, so the result's std is
    0.8796 std (as in Keras's ``TruncatedNormal``; variance-scaling initializers correct
    for it, this one does not).

    >>> float(abs(truncated_normal((100, 100), std=1.0, seed=0)).max()) <= 2.0
    True
    """
    return Law("truncated_normal", mean=check_real(mean, "mean"),
               std=check_real(std, "std", non_negative=True))


# --------------------------------------------------------------------------- variance scaling

def _scaled(shape, scale, mode, distribution, layout, fan_in, fan_out) -> Law:
    """The law of every variance-scaling strategy: zero mean, variance ``scale / n``
    with n = fan_in, fan_out or their mean by ``mode``."""
    check_choice(mode, "mode", MODES)
    check_choice(distribution, "distribution", DISTRIBUTIONS)
    check_choice(layout, "layout", LAYOUTS)
    n_in, n_out = compute_fans(shape, layout, fan_in=fan_in, fan_out=fan_out)
    n = {"fan_in": n_in, "fan_out": n_out, "fan_avg": (n_in + n_out) / 2}[mode]
    variance = scale / n if n > 0 else 0.0  # a zero-size weight: nothing is drawn
    if distribution == "normal":
        return Law("normal", std=math.sqrt(variance))
    if distribution == "truncated_normal":
        return Law("truncated_normal", std=math.sqrt(variance) / TRUNCATED_STD)
    limit = math.sqrt(3 * variance)
    return Law("uniform", low=-limit, high=limit)


@initializer
def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="normal", *,
                     layout="keras", fan_in=None, fan_out=None) -> Law:
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

    >>> round(variance_scaling.law((300, 100), 2.0, "fan_avg").variance, 12)   # 2 / 200
    0.01
    """
    scale = check_real(scale, "scale", positive=True)
    return _scaled(shape, scale, mode, distribution, layout, fan_in, fan_out)


def _gain_squared(gain):
    gain = check_real(gain, "gain", positive=True)
    if gain > 1e100:
        raise ValueError(f"gain must be a moderate positive number, got {gain}")
    return gain * gain


def _normal_family(distribution):
    return check_choice(distribution, "distribution", NORMAL_DISTRIBUTIONS)


def _he_scale(negative_slope):
    a = check_real(negative_slope, "negative_slope")
    if abs(a) > 1e100:
        raise ValueError(f"negative_slope must be a moderate number, got {a}")
    return 2.0 / (1.0 + a * a)


@initializer
def glorot_normal(shape, *, gain=1.0, distribution="normal", layout="keras", fan_in=None,
                  fan_out=None) -> Law:
    """Glorot/Xavier normal: N(0, gain^2 * 2 / (fan_in + fan_out)).

    Keeps the variance of activations (forward) and of back-propagated gradients
    (backward) roughly constant for units that are linear near zero, by averaging the
    two conditions fan_in Var[W] = 1 and fan_out Var[W] = 1.
    ``distribution="truncated_normal"`` gives Keras's variance-corrected version.
    Source: Glorot & Bengio (2010), AISTATS, eq. 16's normal counterpart.

    >>> glorot_normal.law((300, 100)).variance   # 2 / 400
    0.005
    """
    return _scaled(shape, _gain_squared(gain), "fan_avg", _normal_family(distribution),
                   layout, fan_in, fan_out)


@initializer
def glorot_uniform(shape, *, gain=1.0, layout="keras", fan_in=None, fan_out=None) -> Law:
    """Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
    Source: Glorot & Bengio (2010), AISTATS, eq. 16 ("normalized initialization").

    >>> round(glorot_uniform.law((300, 100)).high, 6)   # sqrt(6 / 400)
    0.122474
    """
    return _scaled(shape, _gain_squared(gain), "fan_avg", "uniform", layout, fan_in, fan_out)


@initializer
def he_normal(shape, *, negative_slope=0.0, mode="fan_in", distribution="normal",
              layout="keras", fan_in=None, fan_out=None) -> Law:
    """He/Kaiming normal: N(0, 2 / ((1 + a^2) n)), a = ``negative_slope`` (0 for ReLU),
    n = fan_in (``mode="fan_in"``, keeps forward activations stable) or fan_out
    (keeps back-propagated gradients stable).

    A ReLU zeroes half of a symmetric pre-activation, halving its second moment; the
    factor 2 restores it. Only fan_in enters (for the default mode): the output count
    plays no part, contrary to what the seed article says.
    Source: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers", ICCV, eq. 10.

    >>> he_normal.law((512, 10)).variance == 2 / 512
    True
    """
    return _scaled(shape, _he_scale(negative_slope), mode, _normal_family(distribution),
                   layout, fan_in, fan_out)


@initializer
def he_uniform(shape, *, negative_slope=0.0, mode="fan_in", layout="keras", fan_in=None,
               fan_out=None) -> Law:
    """He/Kaiming uniform: U(-a, a), a = sqrt(6 / ((1 + slope^2) n)), n by ``mode``.
    Source: He et al. (2015); PyTorch ``kaiming_uniform_``.

    >>> he_uniform.law((600, 10)).high   # sqrt(6 / 600)
    0.1
    """
    return _scaled(shape, _he_scale(negative_slope), mode, "uniform", layout, fan_in, fan_out)


@initializer
def lecun_normal(shape, *, gain=1.0, distribution="normal", layout="keras", fan_in=None,
                 fan_out=None) -> Law:
    """LeCun normal: N(0, gain^2 / fan_in). The forward condition fan_in Var[W] = 1 for
    units that are linear near zero; with SELU it gives self-normalizing networks.
    Source: LeCun, Bottou, Orr & Muller (1998), "Efficient BackProp";
    Klambauer et al. (2017) for SELU.

    >>> round(lecun_normal.law((400, 10)).variance, 12)   # 1 / 400
    0.0025
    """
    return _scaled(shape, _gain_squared(gain), "fan_in", _normal_family(distribution), layout,
                   fan_in, fan_out)


@initializer
def lecun_uniform(shape, *, gain=1.0, layout="keras", fan_in=None, fan_out=None) -> Law:
    """LeCun uniform: U(-a, a), a = gain * sqrt(3 / fan_in). Source: LeCun et al. (1998).

    >>> lecun_uniform.law((300, 10)).high   # sqrt(3 / 300)
    0.1
    """
    return _scaled(shape, _gain_squared(gain), "fan_in", "uniform", layout, fan_in, fan_out)


# --------------------------------------------------------------------------- structured

@initializer
def orthogonal(shape, *, gain=1.0) -> Law:
    """A (semi-)orthogonal matrix times ``gain``, drawn from the Haar measure.

    The shape (rank >= 2) is viewed as a matrix ``(prod(shape[:-1]), shape[-1])``. A
    Gaussian matrix of the taller orientation is QR-factorised in float64; multiplying
    Q's columns by sign(diag(R)) makes the result exactly Haar-distributed (without it
    the distribution is biased); wide shapes are transposed back. Tall results satisfy
    W^T W = gain^2 I, wide ones W W^T = gain^2 I. Cast to ``dtype`` at the end.

    Raises ``ValueError`` for rank < 2 or a ``gain`` that is not finite and > 0.
    Source: Saxe, McClelland & Ganguli (2013); Mezzadri (2007) for the sign correction.

    >>> w = orthogonal((64, 32), seed=0, dtype="float64")
    >>> bool(np.allclose(w.T @ w, np.eye(32)))
    True
    """
    gain = check_real(gain, "gain", positive=True)
    if len(shape) < 2:
        raise ValueError(f"orthogonal needs a shape of rank >= 2, got {tuple(shape)}")
    return Law("orthogonal", gain=gain)


@initializer
def identity(shape, *, gain=1.0) -> Law:
    """``gain * eye(n, m)`` for a 2-D shape ``(n, m)``; ``seed`` is ignored.
    Raises ``ValueError`` for other ranks. Source: Keras ``Identity``; PyTorch ``eye_``;
    Le, Jaitly & Hinton (2015) for identity-initialised recurrent ReLU networks.

    >>> identity((2, 3))
    array([[1., 0., 0.],
           [0., 1., 0.]], dtype=float32)
    """
    gain = check_real(gain, "gain")
    if len(shape) != 2:
        raise ValueError(f"identity needs a 2-D shape (n, m), got {tuple(shape)}")
    return Law("identity", gain=gain)


# --------------------------------------------------------------------------- the article's presets
# The seed article (Chinese, "全连接层的权重初始化策略") names four strategies without
# parameters; these presets fix documented defaults so that notebooks, tests and
# learners talk about the same distributions. Its Xavier and He are the aliases
# "xavier" and "he" of glorot_normal and he_normal (see initlib.registry.ALIASES).

@initializer
def zero_mean_normal(shape, *, std=1.0) -> Law:
    """The article's strategy 1 (均值为0的随机初始化): N(0, std^2) with a fixed std
    that ignores the layer's size (default 1, plain ``randn``). A layer of n inputs
    multiplies the signal variance by n std^2 (times 1/2 after a ReLU).

    >>> zero_mean_normal.law((256, 256)).std
    1.0
    """
    return Law("normal", std=check_real(std, "std", non_negative=True))


@initializer
def small_uniform(shape, *, limit=0.05) -> Law:
    """The article's strategy 2 (均值为0的小范围随机初始化): U(-limit, limit), variance
    limit^2/3, a small fixed range (default 0.05, Keras's ``RandomUniform`` default).

    >>> round(small_uniform.law((256, 256)).variance, 8)   # 0.05^2 / 3
    0.00083333
    """
    limit = check_real(limit, "limit", positive=True)
    return Law("uniform", low=-limit, high=limit)


@initializer
def large_uniform(shape, *, limit=1.0) -> Law:
    """The article's strategy 3 (均值为0的大范围随机初始化): U(-limit, limit) with a
    large fixed range (default 1).

    >>> large_uniform.law((256, 256)).high
    1.0
    """
    limit = check_real(limit, "limit", positive=True)
    return Law("uniform", low=-limit, high=limit)


@initializer
def nonzero_mean_normal(shape, *, mean=0.01, std=0.05) -> Law:
    """The article's strategy 4 (均值不等于0的随机初始化): N(mean, std^2) with mean != 0
    (default 0.01, std 0.05). The mean adds the same term mean * sum(inputs) to every
    unit's pre-activation, a common offset that a deep network amplifies.

    >>> nonzero_mean_normal.law((256, 256)).entry_mean
    0.01
    """
    return Law("normal", mean=check_real(mean, "mean"),
               std=check_real(std, "std", non_negative=True))
