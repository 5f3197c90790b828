"""The exact distribution of a weight entry under each random strategy (SciPy).

Notebooks draw these densities over histograms of drawn weights; the mean-field theory
uses their second moments. Formulas follow :mod:`initlib.initializers`.
"""

from __future__ import annotations

import inspect
import math

from scipy import stats

from ._checks import check_shape
from .fans import compute_fans
from .initializers import TRUNCATED_STD, TRUNCATION
from .registry import STRATEGIES, canonical_name, check_parameters

_SCALE_MODE = {
    "glorot_normal": lambda p: (p["gain"] ** 2, "fan_avg"),
    "glorot_uniform": lambda p: (p["gain"] ** 2, "fan_avg"),
    "lecun_normal": lambda p: (p["gain"] ** 2, "fan_in"),
    "lecun_uniform": lambda p: (p["gain"] ** 2, "fan_in"),
    "he_normal": lambda p: (2 / (1 + p["negative_slope"] ** 2), p["mode"]),
    "he_uniform": lambda p: (2 / (1 + p["negative_slope"] ** 2), p["mode"]),
    "variance_scaling": lambda p: (p["scale"], p["mode"]),
}


def bound_parameters(strategy, shape, **params) -> tuple[str, dict]:
    """Canonical name and every parameter of ``strategy`` (defaults filled in).

    The parameters are checked exactly as the strategy itself checks them, by drawing
    a tiny array of the same rank (each dimension capped at 2), so anything the
    initializer would reject raises the same ``ValueError``/``TypeError`` here.
    """
    name = canonical_name(strategy)
    shape = check_shape(shape)
    fn = STRATEGIES[name]
    try:
        bound = inspect.signature(fn).bind(shape, **params)
    except TypeError as err:
        raise TypeError(f"{name}: {err}") from err
    check_parameters(name, shape, **params)
    bound.apply_defaults()
    return name, bound.arguments


def target_variance(strategy, shape, **params) -> float:
    """Var[W] that a variance-scaling strategy aims at for a weight of ``shape``
    (``scale / n`` with n by mode). Raises ``ValueError`` for other strategies."""
    name, p = bound_parameters(strategy, shape, **params)
    if name not in _SCALE_MODE:
        raise ValueError(f"{name} is not a variance-scaling strategy")
    scale, mode = _SCALE_MODE[name](p)
    n_in, n_out = compute_fans(shape, p["layout"], fan_in=p["fan_in"], fan_out=p["fan_out"])
    n = {"fan_in": n_in, "fan_out": n_out, "fan_avg": (n_in + n_out) / 2}[mode]
    if n == 0:
        raise ValueError(f"shape {tuple(shape)} has a zero {mode}: a zero-size weight has no "
                         "variance")
    return scale / n


def distribution(strategy, shape, **params):
    """A frozen ``scipy.stats`` distribution of one weight entry.

    Normal strategies give ``norm``, uniform ones ``uniform``, truncated ones
    ``truncnorm`` cut at +-2 sigma. Raises ``ValueError`` for strategies whose entries
    are not independent draws from one distribution (constants, orthogonal, identity).
    """
    name, p = bound_parameters(strategy, shape, **params)
    if name in _SCALE_MODE:
        var = target_variance(name, shape, **params)
        dist = p.get("distribution", "uniform")
        if dist == "normal":
            return stats.norm(0, math.sqrt(var))
        if dist == "truncated_normal":
            return stats.truncnorm(-TRUNCATION, TRUNCATION, 0, math.sqrt(var) / TRUNCATED_STD)
        a = math.sqrt(3 * var)
        return stats.uniform(-a, 2 * a)
    if name in ("random_normal", "zero_mean_normal", "nonzero_mean_normal"):
        return stats.norm(p.get("mean", 0.0), p["std"])
    if name == "truncated_normal":
        return stats.truncnorm(-TRUNCATION, TRUNCATION, p["mean"], p["std"])
    if name == "random_uniform":
        return stats.uniform(p["low"], p["high"] - p["low"])
    if name in ("small_uniform", "large_uniform"):
        return stats.uniform(-p["limit"], 2 * p["limit"])
    raise ValueError(f"{name} has no per-entry distribution (its entries are constant or "
                     "dependent); measure its weights directly")


def second_moment(strategy, shape, **params) -> float:
    """E[W^2] of one entry (for dependent or constant strategies, the average over
    the matrix: orthogonal gain^2/max(fan_in, fan_out), identity gain^2 min/(n m))."""
    name, p = bound_parameters(strategy, shape, **params)
    if name == "zeros":
        return 0.0
    if name in ("ones", "constant"):
        return float(p.get("value", 1.0)) ** 2
    if name in ("orthogonal", "identity"):
        n, m = math.prod(shape[:-1]), shape[-1]
        if n * m == 0:
            raise ValueError(f"shape {tuple(shape)} is empty: no second moment")
        return p["gain"] ** 2 * (1 / max(n, m) if name == "orthogonal" else min(n, m) / (n * m))
    d = distribution(name, shape, **params)
    return float(d.var() + d.mean() ** 2)
