"""The exact distribution of a weight entry under each strategy, from its law.

Notebooks draw these densities over histograms of drawn weights; the mean-field theory
uses the second moments. Both read the strategy's law (:func:`initlib.registry.law`),
the one place its formula is written.

>>> second_moment("he", (512, 128)) == 2 / 512
True
>>> distribution("small_uniform", (256, 256)).support()
(np.float64(-0.05), np.float64(0.05))
"""

from __future__ import annotations

import math

from ._checks import check_shape
from .initializers import TRUNCATION, Law
from .registry import canonical_name, law


def target_variance(strategy, shape, **params) -> float:
    """Var[W] of one entry that ``strategy`` draws for a weight of ``shape``.

    For the variance-scaling strategies this is the target ``scale / n``; for the
    fixed-scale ones their own variance (a truncated normal's after truncation).

    Raises
    ------
    ValueError
        Constant, orthogonal and identity weights (no per-entry variance), or a
        zero-size shape.
    TypeError
        A parameter the strategy does not take.

    >>> target_variance("glorot_uniform", (300, 100))
    0.005
    """
    shape = check_shape(shape)
    if math.prod(shape) == 0:
        raise ValueError(f"shape {tuple(shape)} is empty: a zero-size weight has no variance")
    the_law = law(strategy, shape, **params)
    if the_law.kind in ("constant", "orthogonal", "identity"):
        raise ValueError(f"{canonical_name(strategy)} draws {the_law.kind} weights: they have "
                         "no per-entry variance to target; use second_moment")
    return the_law.variance


def distribution(strategy, shape, **params):
    """A frozen ``scipy.stats`` distribution of one weight entry.

    Normal laws give ``norm``, uniform ones ``uniform``, truncated ones ``truncnorm``
    cut at +-2 sigma. Raises ``ValueError`` for strategies whose entries are not
    independent draws from one distribution (constants, orthogonal, identity) and for
    zero-size shapes; ``TypeError`` for a parameter the strategy does not take.

    >>> distribution("he_normal", (200, 10)).std()
    np.float64(0.1)
    """
    from scipy import stats  # imported here: only this function needs SciPy

    shape = check_shape(shape)
    the_law = law(strategy, shape, **params)
    if math.prod(shape) == 0 and the_law.kind in ("normal", "truncated_normal", "uniform"):
        raise ValueError(f"shape {tuple(shape)} is empty: a zero-size weight has no "
                         "distribution")
    if the_law.kind == "normal":
        return stats.norm(the_law.mean, the_law.std)
    if the_law.kind == "truncated_normal":
        return stats.truncnorm(-TRUNCATION, TRUNCATION, the_law.mean, the_law.std)
    if the_law.kind == "uniform":
        return stats.uniform(the_law.low, the_law.high - the_law.low)
    raise ValueError(f"{canonical_name(strategy)} has no per-entry distribution (its "
                     "entries are constant or dependent); measure its weights directly")


def second_moment(strategy, shape, **params) -> float:
    """E[W^2] of one entry, averaged over the matrix for the structured strategies
    (orthogonal: gain^2 / max(rows, cols); identity: gain^2 min(n, m) / (n m)).
    This is the factor of the variance equation Var[z] = fan_in E[W^2] E[h^2].
    Raises ``ValueError`` for an empty structured shape, ``TypeError`` for a parameter
    the strategy does not take.

    >>> round(second_moment("nonzero_mean_normal", (10, 10)), 12)   # 0.05^2 + 0.01^2
    0.0026
    """
    shape = check_shape(shape)
    return law(strategy, shape, **params).second_moment(shape)


__all__ = ["Law", "distribution", "second_moment", "target_variance"]
