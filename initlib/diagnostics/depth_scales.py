"""Depth scales of the mean-field theory: how many layers a signal or a gradient lasts.

Two inputs sent through a wide random network have pre-activations with correlation
``c``, which follows a map of its own (Poole et al. 2016, eq. 5; Schoenholz et al. 2017,
eq. 4); at its fixed point ``c*`` (1 in the ordered phase, below 1 in the chaotic one) its
slope is

    chi_c = sigma_w^2 E[phi'(u1) phi'(u2)],   (u1, u2) Gaussian, variances q*, correlation c*,

and a perturbation of ``c`` dies out like ``exp(-l / xi_c)`` with ``xi_c = -1 / ln chi_c``.
Schoenholz et al. (2017) found that networks train when their depth is below about
``6 xi_c``. Gradients change by a factor ``chi_1 = sigma_w^2 E[phi'(u)^2]`` per layer, over
``1 / |ln chi_1|`` layers per factor e (the depth scale that
:func:`~initlib.diagnostics.phase_diagram` colours). In the ordered phase ``c* = 1`` and the
two scales are equal; in the chaotic phase ``xi_c`` is the longer one; at the edge of chaos
both diverge.

>>> s = depth_scales("tanh", sigma_w=2.0, sigma_b=0.0)
>>> round(s.c_star, 6), round(s.xi_c, 2), round(s.xi_grad, 2)
(0.0, 7.98, 3.23)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._checks import check_real
from ..activations import activation
from .meanfield import gauss_expectation, phase_diagram

#: Activations with an order-to-chaos transition whose integrals the two-dimensional rule
#: computes accurately (smooth, bounded).
SMOOTH = ("sigmoid", "tanh")

#: Largest fixed-point variance q* for which the two-dimensional rule is trusted: tanh and
#: sigmoid have poles at a distance of about 1/sqrt(q) from the real axis (in units of
#: the Gaussian's std), which the rule's pieces resolve up to here (relative error below
#: 1e-9; tested against adaptive quadrature).
MAX_Q = 25.0

#: Composite Gauss-Legendre rule in z on [-9, 9] (the Gaussian weight beyond is below
#: 1e-17): pieces of width 0.25 with 8 nodes each.
_HALF_WIDTH, _PIECE, _NODES = 9.0, 0.25, 8


@lru_cache(maxsize=1)
def _grid():
    x, w = np.polynomial.legendre.leggauss(_NODES)
    left = np.arange(-_HALF_WIDTH, _HALF_WIDTH, _PIECE)
    z = (left[:, None] + _PIECE / 2 * (x + 1)).ravel()
    weight = (np.broadcast_to(_PIECE / 2 * w, (left.size, _NODES)).ravel()
              * np.exp(-z * z / 2) / np.sqrt(2 * np.pi))
    return z[:, None], z[None, :], weight[:, None] * weight[None, :]


def _pair_expectation(f, q, c):
    """E[f(u1) f(u2)] for (u1, u2) Gaussian with variances q and correlation c."""
    z1, z2, w = _grid()
    s = np.sqrt(q)
    u1 = s * z1
    u2 = s * (c * z1 + np.sqrt(max(1.0 - c * c, 0.0)) * z2)
    return float(np.sum(w * f(u1) * f(u2)))


@dataclass(frozen=True)
class DepthScales:
    """Mean-field depth scales at one point (sigma_w, sigma_b) of the phase diagram.

    Attributes
    ----------
    q_star : float
        Fixed point of the variance map (pre-activation variance deep in the network).
    c_star : float
        Stable fixed point of the correlation map (1: ordered phase).
    chi_1 : float
        Gradient factor per layer, sigma_w^2 E[phi'(u)^2] at q*.
    chi_c : float
        Slope of the correlation map at c*.
    """

    sigma_w: float
    sigma_b: float
    q_star: float
    c_star: float
    chi_1: float
    chi_c: float

    @property
    def xi_c(self) -> float:
        """Depth scale of correlations, -1 / ln chi_c (layers; inf at the edge)."""
        with np.errstate(divide="ignore"):
            return float(-1.0 / np.log(self.chi_c)) if self.chi_c < 1 else float("inf")

    @property
    def xi_grad(self) -> float:
        """Layers over which a gradient changes by a factor e, ``1 / |ln chi_1|``."""
        with np.errstate(divide="ignore"):
            return float(1.0 / abs(np.log(self.chi_1)))

    @property
    def phase(self) -> str:
        """"ordered" (chi_1 < 1), "chaotic" (chi_1 > 1) or "critical"."""
        if self.chi_1 < 1:
            return "ordered"
        return "chaotic" if self.chi_1 > 1 else "critical"


def depth_scales(activation_name="tanh", sigma_w=1.0, sigma_b=0.0) -> DepthScales:
    """The correlation and gradient depth scales of a deep random network.

    Parameters
    ----------
    activation_name : str
        One of :data:`SMOOTH` (the two-dimensional integral uses a fixed product rule,
        accurate only for smooth activations).
    sigma_w : float
        Weight std times sqrt(fan_in), > 0 (1 for LeCun, sqrt(2) for He).
    sigma_b : float
        Bias std, >= 0.

    Returns
    -------
    DepthScales

    Raises
    ------
    ValueError
        An activation with a kink (ReLU, leaky ReLU, SELU), ``sigma_w <= 0``,
        ``sigma_b < 0``, or a fixed point q* above :data:`MAX_Q`, where the rule is no
        longer accurate.

    References
    ----------
    Poole et al. (2016), "Exponential expressivity in deep neural networks through
    transient chaos", NeurIPS, eqs. 3-5; Schoenholz et al. (2017), "Deep Information
    Propagation", ICLR, section 3 (depth scales) and section 5 (trainability up to about
    6 xi_c).

    Examples
    --------
    >>> s = depth_scales("tanh", sigma_w=0.5)       # ordered: c* = 1, the scales agree
    >>> s.phase, s.c_star, round(s.xi_c, 3) == round(s.xi_grad, 3)
    ('ordered', 1.0, True)
    >>> edge = depth_scales("tanh", sigma_w=1.0)    # tanh without biases: the edge of chaos
    >>> edge.phase, edge.chi_1, edge.xi_c
    ('critical', 1.0, inf)
    """
    from scipy.optimize import brentq

    if activation_name not in SMOOTH:
        raise ValueError(f"activation_name must be one of {SMOOTH} (smooth activations), "
                         f"got {activation_name!r}")
    act = activation(activation_name)
    sigma_w = check_real(sigma_w, "sigma_w", positive=True)
    sigma_b = check_real(sigma_b, "sigma_b", non_negative=True)
    w2, b2 = sigma_w**2, sigma_b**2
    if activation_name == "tanh" and b2 == 0 and w2 <= 1:
        # tanh(u)^2 < u^2: without biases q -> 0 for sigma_w <= 1 (like 1/l at sigma_w = 1,
        # too slowly to iterate), where tanh'(0) = 1 gives chi = sigma_w^2 exactly.
        return DepthScales(sigma_w, sigma_b, 0.0, 1.0, w2, w2)
    q = float(phase_diagram(activation_name, [sigma_w], [sigma_b]).q_star[0, 0])
    if not q <= MAX_Q:
        raise ValueError(f"the fixed point q* = {q:.3g} is above {MAX_Q}, where the "
                         f"integration rule is not accurate; use a smaller sigma_w")
    chi_1 = float(w2 * gauss_expectation(lambda u: act.dphi(u) ** 2, q))
    if chi_1 <= 1 or q == 0:
        c_star = 1.0
    else:
        def excess(c):  # map(c) - c: >= 0 at c = 0, < 0 just below the unstable c = 1
            return (w2 * _pair_expectation(act.phi, q, c) + b2) / q - c

        top = 1.0 - 1e-6
        if excess(0.0) <= 1e-14:  # odd phi without bias: the inputs decorrelate fully
            c_star = 0.0
        elif excess(top) >= 0:
            c_star = 1.0
        else:
            c_star = float(brentq(excess, 0.0, top, xtol=1e-12))
    chi_c = chi_1 if c_star == 1.0 else w2 * _pair_expectation(act.dphi, q, c_star)
    return DepthScales(sigma_w, sigma_b, q, c_star, chi_1, float(chi_c))
