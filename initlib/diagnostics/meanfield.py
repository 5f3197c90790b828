"""Mean-field theory of signal propagation: what a very wide network does on average.

In the infinite-width limit the pre-activations of a layer are Gaussian, and their
variance ``q`` obeys a one-dimensional map (Poole et al. 2016; Schoenholz et al. 2017):

    q^l = sigma_w^2 E[phi(sqrt(q^{l-1}) Z)^2] + sigma_b^2,   Z ~ N(0, 1),

while a gradient is multiplied, layer by layer, by ``chi = sigma_w^2 E[phi'(sqrt(q) Z)^2]``.
``sigma_w^2`` is fan_in times the second moment of a weight (2 for He, 1 for LeCun).

Every expectation is computed by :func:`gauss_expectation`, to a relative accuracy of
about 1e-12 for variances from 1e-8 to 1e8 (tested against ``scipy.integrate.quad``).

>>> mf = mean_field("tanh", 1.0, depth=3, q0=1.0)
>>> mf.q.round(4)
array([1.    , 0.3943, 0.2365])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._checks import check_int, check_real
from ..activations import activation
from ..stats import second_moment

#: Breakpoints of the integration rule, in units of the activation (1) and of the
#: Gaussian's std sqrt(q): the integrand is resolved on both scales.
_SCALES = np.array([0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 40.0])
#: Beyond 40 standard deviations the Gaussian weight is below e^-800, zero in float64.
_CUTOFF = 40.0
_NODES = 24


@lru_cache(maxsize=4)
def _legendre(n):
    return np.polynomial.legendre.leggauss(n)


def gauss_expectation(f, q, *, nodes=_NODES):
    """E[f(sqrt(q) Z)] for Z ~ N(0, 1), elementwise over an array of variances ``q``.

    ``f`` is a vectorized function of ``u = sqrt(q) Z``. The integral is taken in ``u``,
    ``∫ f(u) exp(-u^2 / 2q) du / sqrt(2 pi q)``, split at 0 (where the rectifiers and
    SELU have their kink) and at breakpoints that resolve both the activation's own
    scale (``|u| ~ 1``, where tanh' is a spike of width ~1 however large q is) and the
    Gaussian's (``|u| ~ sqrt(q)``); each of the 2 x 18 pieces gets a ``nodes``-point
    Gauss-Legendre rule. Fixed Gauss-Hermite nodes in ``z`` miss the spike of
    tanh'(sqrt(q) z)^2 once q exceeds about 50; this rule does not.

    Parameters
    ----------
    f : callable
        Elementwise function of ``u`` (float64 arrays in, arrays out).
    q : float or array of float
        Variances, >= 0 (``q = 0`` gives the limit q -> 0, the mean of ``f``'s
        one-sided values at 0: ``f(0)`` where ``f`` is continuous).
    nodes : int
        Gauss-Legendre nodes per piece (24: relative error about 1e-12 for the
        activations of :mod:`initlib.activations`, their derivatives and squares).

    Returns
    -------
    numpy.ndarray (float64) of the shape of ``q``.

    Raises
    ------
    ValueError
        A negative or non-finite variance.

    Examples
    --------
    >>> from initlib.activations import activation
    >>> tanh = activation("tanh")
    >>> gauss_expectation(lambda u: tanh.dphi(u) ** 2, [1.0, 256.0]).round(6)
    array([0.464403, 0.033224])
    """
    q = np.asarray(q, dtype=np.float64)
    if not (np.all(np.isfinite(q)) and np.all(q >= 0)):
        raise ValueError("q must hold finite variances >= 0")
    zero = q == 0
    q_safe = np.where(zero, 1.0, q)[..., None]
    s = np.sqrt(q_safe)
    cut = _CUTOFF * s
    points = np.concatenate([np.broadcast_to(_SCALES, s.shape[:-1] + _SCALES.shape),
                             _SCALES * s], axis=-1)
    points = np.sort(np.minimum(points, cut), axis=-1)
    edges = np.concatenate([np.zeros_like(s), points], axis=-1)
    lo, hi = edges[..., :-1, None], edges[..., 1:, None]
    x, w = _legendre(int(nodes))
    u = ((lo + hi) / 2 + (hi - lo) / 2 * x).reshape(q.shape + (-1,))
    du = ((hi - lo) / 2 * w).reshape(q.shape + (-1,))
    density = np.exp(-u * u / (2 * q_safe)) / np.sqrt(2 * np.pi * q_safe)
    with np.errstate(all="ignore"):
        total = np.sum(du * density * (f(u) + f(-u)), axis=-1)
    if zero.any():  # the limit q -> 0: the mean of f's one-sided values at 0
        tiny = np.full(q.shape, np.nextafter(0.0, 1.0))
        at_zero = (np.asarray(f(tiny), dtype=np.float64) + f(-tiny)) / 2
        total = np.where(zero, at_zero, total)
    return total


@dataclass
class MeanField:
    """Mean-field prediction per layer (arrays of length ``depth``).

    ``q``: pre-activation variance q^l; ``act_second_moment``: E[phi(z)^2];
    ``act_mean``: E[phi(z)] (the std of the activations is :attr:`act_std`);
    ``chi``: gradient growth factor sigma_w^2 E[phi'(z)^2] of each layer;
    ``grad_var``: variance of dL/dh_l relative to a unit-variance output gradient.

    Examples
    --------
    >>> mf = mean_field("linear", 0.5, depth=3)
    >>> mf.q, mf.grad_var
    (array([0.5  , 0.25 , 0.125]), array([0.25, 0.5 , 1.  ]))
    """

    q: np.ndarray
    act_second_moment: np.ndarray
    act_mean: np.ndarray
    chi: np.ndarray
    grad_var: np.ndarray

    @property
    def act_std(self) -> np.ndarray:
        return np.sqrt(np.maximum(self.act_second_moment - self.act_mean**2, 0.0))


def mean_field(activation_name, sigma_w2, depth, *, q0=1.0, sigma_b2=0.0, first_sigma_w2=None,
               negative_slope=0.01) -> MeanField:
    """Infinite-width prediction of signal propagation.

    q^1 = first_sigma_w2 * q0 + sigma_b2, then
    q^l = sigma_w2 * E[phi(sqrt(q^{l-1}) Z)^2] + sigma_b2, and per layer
    chi_l = sigma_w2 * E[phi'(sqrt(q^l) Z)^2]. The gradient with respect to the
    activations of layer l has variance chi_{l+1} ... chi_L (relative to the output's).

    Parameters
    ----------
    activation_name : str
        One of :data:`initlib.activations.ACTIVATIONS`.
    sigma_w2 : float
        fan_in * E[W^2] of the hidden layers (2 for He, 1 for LeCun); >= 0.
    depth : int
        Number of layers, >= 1.
    q0 : float
        The input's second moment per feature.
    sigma_b2 : float
        Variance of the biases.
    first_sigma_w2 : float, optional
        sigma_w^2 of the first layer (default ``sigma_w2``).

    Raises
    ------
    ValueError
        Unknown activation, negative variances, a bad depth.

    References
    ----------
    Poole et al. (2016), "Exponential expressivity in deep neural networks through
    transient chaos", NeurIPS; Schoenholz et al. (2017), "Deep Information Propagation",
    ICLR. Assumes zero-mean weights.

    Examples
    --------
    >>> mean_field("relu", 2.0, depth=4).q       # He with ReLU: q stays put
    array([2., 2., 2., 2.])
    """
    act = activation(activation_name, negative_slope)
    depth = check_int(depth, "depth", 1)
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
            if not np.isfinite(q[k]):  # the signal overflowed: so does everything after
                q[k:] = m1[k:] = m2[k:] = chi[k:] = np.inf
                break
            m1[k], m2[k], dm2 = gauss_expectation(
                lambda u: np.stack([act.phi(u), act.phi(u) ** 2, act.dphi(u) ** 2]), q[k])
            chi[k] = sigma_w2 * dm2
        # dL/dh_l picks up chi of every layer above it
        grad_var = np.concatenate([np.cumprod(chi[:0:-1])[::-1], [1.0]])
    return MeanField(q=q, act_second_moment=m2, act_mean=m1, chi=chi, grad_var=grad_var)


def predict(strategy="he_normal", activation_name="relu", *, depth=30, width=256,
            n_features=None, q0=1.0, negative_slope=0.01, weight_scale=1.0,
            **params) -> MeanField:
    """Mean-field prediction for the network
    :func:`~initlib.diagnostics.propagation.propagate` measures with the same arguments.

    sigma_w^2 = fan_in * E[W^2] of each layer, from the strategy's law
    (:func:`initlib.stats.second_moment`), times ``weight_scale``^2. ``n_features`` is
    the input width (default ``width``), ``q0`` the input's second moment per feature.
    ``strategy`` is any name or alias the registry knows; ``params`` go to it.

    Raises ``TypeError`` for a strategy given as a function (its variance is unknown:
    call :func:`mean_field` with its sigma_w^2), ``ValueError``/``TypeError`` for bad
    names, sizes or parameters. Assumes zero-mean weights: a strategy with a non-zero
    mean gets the prediction of its second moment, which the measurement can leave far
    behind (see notebook 05).

    >>> predict("xavier", "tanh", depth=3, width=512).chi.round(3)
    array([0.464, 0.637, 0.727])
    """
    if callable(strategy):
        raise TypeError("predict needs a strategy name (its formula gives the variance); "
                        "for your own initializer call mean_field with its sigma_w2")
    width = check_int(width, "width", 1)
    n_features = width if n_features is None else check_int(n_features, "n_features", 1)
    gain2 = check_real(weight_scale, "weight_scale", non_negative=True) ** 2
    hidden = gain2 * width * second_moment(strategy, (width, width), **params)
    first = gain2 * n_features * second_moment(strategy, (n_features, width), **params)
    return mean_field(activation_name, hidden, depth, q0=q0, first_sigma_w2=first,
                      negative_slope=negative_slope)


@dataclass
class PhaseDiagram:
    """Mean-field phase diagram over a grid of weight and bias scales (arrays of shape
    ``(len(sigma_b), len(sigma_w))``): the fixed point ``q_star`` of the variance map,
    ``chi`` = sigma_w^2 E[phi'(sqrt(q*) Z)^2] there (< 1 ordered: gradients vanish;
    > 1 chaotic: they explode; = 1 the edge of chaos), and ``depth_scale`` = ``1/|ln chi|``,
    the number of layers over which a gradient changes by a factor e.

    Examples
    --------
    >>> pd_ = phase_diagram("tanh", sigma_w=[0.5, 2.0], sigma_b=[0.0])
    >>> bool(pd_.chi[0, 0] < 1 < pd_.chi[0, 1])   # ordered, then chaotic
    True
    """

    sigma_w: np.ndarray
    sigma_b: np.ndarray
    q_star: np.ndarray
    chi: np.ndarray

    @property
    def depth_scale(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return 1.0 / np.abs(np.log(self.chi))


#: The variance map is tabulated on this grid of log10 q for the fixed-point iteration.
_TABLE_LOG10_Q = np.linspace(-12.0, 12.0, 2401)


@lru_cache(maxsize=16)
def _second_moment_map(name, phi, negative_slope):
    """q -> E[phi(sqrt(q) Z)^2] as a cubic spline in log-log coordinates through exact
    values on :data:`_TABLE_LOG10_Q` (relative error below 1e-9 inside the grid;
    outside it the end slopes are continued, and q = 0 gives phi(0)^2). Hundreds of
    iterations over a whole grid of (sigma_w, sigma_b) then cost a few spline
    evaluations instead of as many integrals."""
    from scipy.interpolate import CubicSpline

    q_table = 10.0 ** _TABLE_LOG10_Q
    values = gauss_expectation(lambda u: phi(u) ** 2, q_table)
    at_zero = float(phi(0.0)) ** 2
    log_v = np.log(np.maximum(values, 1e-300))
    spline = CubicSpline(np.log(q_table), log_v)
    lo, hi = np.log(q_table[[0, -1]])
    slope_lo, slope_hi = spline(lo, 1), spline(hi, 1)

    def second_moment_of(q):
        q = np.asarray(q, dtype=float)
        x = np.log(np.where(q > 0, q, 1.0))
        inside = spline(np.clip(x, lo, hi))
        below = spline(lo) + slope_lo * (x - lo)
        above = spline(hi) + slope_hi * (x - hi)
        log_v = np.where(x < lo, below, np.where(x > hi, above, inside))
        return np.where(q > 0, np.exp(log_v), at_zero)

    return second_moment_of


def phase_diagram(activation_name="tanh", sigma_w=None, sigma_b=None, *, iterations=500,
                  negative_slope=0.01) -> PhaseDiagram:
    """Mean-field order-to-chaos diagram (Poole et al. 2016; Schoenholz et al. 2017).

    ``sigma_w`` and ``sigma_b`` are 1-D grids of weight std times sqrt(fan_in) and bias
    std (defaults: 0.5-3 and 0-0.5). The fixed point q* of q <- sigma_w^2 E[phi(sqrt(q)
    Z)^2] + sigma_b^2 is found by iterating from q = 1 (``iterations`` steps at most,
    fewer once every point moves by less than 1e-12 relative), with the map tabulated
    once per activation (:func:`gauss_expectation` on a grid, relative error below 1e-9);
    chi is then computed exactly at q*. For tanh with sigma_b = 0 the edge of chaos is
    sigma_w = 1, where q* = 0 is approached only like 1/l, so chi there comes out
    slightly below 1 after a finite number of iterations.

    Raises ``ValueError`` for grids that are not 1-D, empty, negative or non-finite, and
    for a bad ``iterations``.

    >>> pd_ = phase_diagram("tanh", sigma_w=[0.5, 1.0, 2.0], sigma_b=[0.0])
    >>> pd_.chi.round(2)
    array([[0.25, 1.  , 1.36]])
    """
    act = activation(activation_name, negative_slope)
    sw = np.linspace(0.5, 3.0, 101) if sigma_w is None else np.asarray(sigma_w, dtype=float)
    sb = np.linspace(0.0, 0.5, 51) if sigma_b is None else np.asarray(sigma_b, dtype=float)
    if sw.ndim != 1 or sb.ndim != 1 or sw.size == 0 or sb.size == 0:
        raise ValueError("sigma_w and sigma_b must be non-empty 1-D grids")
    if not (np.all(np.isfinite(sw)) and np.all(np.isfinite(sb)) and sw.min() >= 0
            and sb.min() >= 0):
        raise ValueError("sigma_w and sigma_b must hold finite values >= 0")
    iterations = check_int(iterations, "iterations", 1)
    w2, b2 = np.meshgrid(sw**2, sb**2)
    second_moment_of = _second_moment_map(activation_name, act.phi, float(negative_slope))
    q = np.ones_like(w2)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            new = w2 * second_moment_of(q) + b2
            converged = np.all((np.abs(new - q) <= 1e-12 * new) | ~np.isfinite(new))
            q = new
            if converged:
                break
        finite = np.isfinite(q)
        chi = np.full(q.shape, np.inf)
        chi[finite] = w2[finite] * gauss_expectation(lambda u: act.dphi(u) ** 2, q[finite])
    return PhaseDiagram(sigma_w=sw, sigma_b=sb, q_star=q, chi=chi)
