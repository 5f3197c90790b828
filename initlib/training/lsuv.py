"""Layer-sequential unit-variance (LSUV) initialization, in NumPy.

Mishkin & Matas (2016), "All you need is a good init", ICLR: start from orthogonal
weights, then, layer by layer in order, run a data batch through the network and divide
the layer's weights by the standard deviation of its output until that output's
variance is within ``tol`` of 1 (or ``max_iter`` passes are spent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_int, check_real
from ..activations import activation as activation_of


@dataclass
class LSUVLayer:
    """What LSUV did to one layer: output variance before and after, passes used,
    whether it converged, and whether the layer was dead (zero output variance, left
    unscaled rather than divided by zero).

    Examples
    --------
    >>> import initlib
    >>> x = np.random.default_rng(0).standard_normal((256, 32))
    >>> report = lsuv([initlib.orthogonal((32, 32), seed=0, dtype="float64")], x)
    >>> report[0].converged, abs(report[0].variance_after - 1) < 0.1
    (True, True)
    """

    layer: str
    variance_before: float
    variance_after: float
    iterations: int
    converged: bool
    dead: bool


def check_lsuv_args(tol, max_iter):
    """Validate LSUV's ``tol`` (0 < tol < 1) and ``max_iter`` (int >= 1).

    Examples
    --------
    >>> check_lsuv_args(0.05, 5)
    (0.05, 5)
    """
    tol = check_real(tol, "tol", positive=True)
    if tol >= 1:
        raise ValueError(f"tol must be in (0, 1), got {tol}")
    return tol, check_int(max_iter, "max_iter", 1)


def rescale_to_unit_variance(name, weight, output_of, tol=0.1, max_iter=10) -> LSUVLayer:
    """Scale ``weight`` in place until ``output_of(weight)`` has variance 1 +- tol.

    ``weight`` is a float NumPy array; ``output_of`` maps it to the layer's output on
    the data batch. Shared by the NumPy and Keras versions of LSUV.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((512, 16))
    >>> w = np.full((16, 4), 3.0)
    >>> row = rescale_to_unit_variance("layer 1", w, lambda w_: x @ w_)
    >>> row.converged, round(float(np.var(x @ w)), 1)
    (True, 1.0)
    """
    tol, max_iter = check_lsuv_args(tol, max_iter)
    before = var = float(np.var(output_of(weight)))
    iterations = 0
    while iterations < max_iter and abs(var - 1) >= tol:
        if not np.isfinite(var) or var == 0:
            break
        weight /= np.sqrt(var)
        iterations += 1
        var = float(np.var(output_of(weight)))
    dead = var == 0
    return LSUVLayer(name, before, var, iterations, bool(abs(var - 1) < tol), bool(dead))


def lsuv(weights, inputs, activation="relu", *, tol=0.1, max_iter=10):
    """LSUV on a NumPy dense network given by its list of ``(fan_in, fan_out)`` weight
    matrices (modified in place; start them orthogonal, e.g. :func:`initlib.orthogonal`).

    ``inputs`` is a ``(batch, n_features)`` data batch; the statistic is the variance of
    each layer's pre-activation ``h @ W``. Returns a list of :class:`LSUVLayer`.
    Raises ``ValueError`` for bad ``tol``/``max_iter`` or mismatched shapes.

    Examples
    --------
    >>> import initlib
    >>> from initlib._checks import spawn_seeds
    >>> x = np.random.default_rng(0).standard_normal((256, 64))
    >>> weights = [initlib.orthogonal((64, 64), seed=s, dtype="float64")
    ...            for s in spawn_seeds(0, 5)]
    >>> report = lsuv(weights, x, "tanh")
    >>> all(r.converged for r in report)
    True
    """
    phi = activation_of(activation).phi
    check_lsuv_args(tol, max_iter)
    if isinstance(weights, np.ndarray):
        raise TypeError("weights must be a list of 2-D arrays, one per layer, not one array")
    for i, w in enumerate(weights):
        if not (isinstance(w, np.ndarray) and np.issubdtype(w.dtype, np.floating)
                and w.flags.writeable):
            raise TypeError(f"weights[{i}] must be a writable float NumPy array (it is scaled "
                            f"in place), got {type(w).__name__}"
                            f"{'' if not isinstance(w, np.ndarray) else ' of ' + str(w.dtype)}")
    h = np.asarray(inputs, dtype=np.float64)
    if not np.all(np.isfinite(h)):
        raise ValueError("inputs must be finite (no nan or inf)")
    report = []
    for i, w in enumerate(weights):
        if h.ndim != 2 or w.ndim != 2 or h.shape[1] != w.shape[0]:
            raise ValueError(f"weights[{i}] has shape {w.shape}, which does not take inputs "
                             f"of shape {h.shape}")
        report.append(rescale_to_unit_variance(f"layer {i + 1}", w, lambda w_, h=h: h @ w_, tol,
                                               max_iter))
        h = phi(h @ w)
    return report
