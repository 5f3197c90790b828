"""How alike are a layer's units? The mean correlation between units over a batch.

Two units are *alike* when they rise and fall together from one input to the next: the
Pearson correlation of their values across the examples of a batch is then close to 1,
whatever their scales or offsets. :func:`unit_correlation` averages that correlation over
every pair of units of a layer: about 0 for units that respond independently (zero-mean
random weights), 1 when the layer computes one function of the input, copied with
different scales into every unit (a rank-one representation).

This is not the same as a large common offset. In a layer whose pre-activations are
``z_j(x) = c(x) + e_j(x)``, a shared term ``c`` makes the units alike only through its
*variation* across inputs; a constant shared term moves the mean and leaves the
correlation alone, and a shared term whose sign varies with the input can leave the mean
at zero while every pair of units is perfectly correlated. The weights ``W = mu 11^T +
sigma G`` of a non-zero-mean initialization produce exactly such a shared term.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> independent = rng.standard_normal((500, 64))
>>> bool(abs(unit_correlation(independent)) < 0.01)
True
>>> shared = rng.standard_normal((500, 1))          # one input-dependent number...
>>> alike = shared * rng.uniform(1, 3, size=64)     # ...scaled differently in each unit
>>> float(round(unit_correlation(alike), 6))
1.0
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["unit_correlation"]


def unit_correlation(z) -> float:
    """Mean Pearson correlation between the units (columns) of ``z`` across its examples
    (rows), over all pairs of distinct units.

    Parameters
    ----------
    z : array of shape (batch, units)
        One layer's values (pre-activations, say) for a batch of inputs, in the row-batch
        layout of :func:`~initlib.diagnostics.propagate`. Computed in the array's own
        floating-point type (float64 for integers).

    Returns
    -------
    float
        The mean of the off-diagonal entries of the units' correlation matrix, between
        -1/(m - 1) and 1 for ``m`` units: 0 for independent units, 1 for units that are
        all increasing functions of one shared linear signal. Units that are constant
        over the batch (a ReLU unit dead for every example, say) have no correlation and
        are left out; ``nan`` if fewer than two units vary, or if ``z`` holds inf or nan
        (an overflowed network).

    Raises
    ------
    ValueError
        ``z`` is not a 2-D array with at least 2 rows and 2 columns.
    TypeError
        ``z`` does not hold real numbers.

    Notes
    -----
    With each column standardized (zero mean, unit variance over the batch), the sum of
    all entries of the correlation matrix is ``|sum_j s_j|^2 / batch``, where ``s_j`` is
    column ``j``; the diagonal adds ``m``. So the mean over pairs costs one pass over
    ``z`` instead of the ``m x m`` matrix.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[1.0, 2.0, -1.0], [2.0, 4.0, -2.0], [3.0, 6.0, -3.0]])
    >>> float(round(unit_correlation(z), 6))   # pairs: +1, -1, -1
    -0.333333
    """
    x = np.asarray(z)
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"z must hold real numbers, got dtype {x.dtype}")
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"z must be a 2-D array (batch, units) with at least 2 examples and "
                         f"2 units, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    mean = x.mean(axis=0)
    if not np.all(np.isfinite(mean)):  # inf or nan inside, or sums beyond the type's range
        if x.dtype == np.float64 or not np.all(np.isfinite(x)):
            return math.nan
        return unit_correlation(x.astype(np.float64))
    centred = x - mean
    # sums of squares in float64: float32 squares overflow beyond about 1e19
    std = np.sqrt(np.einsum("ij,ij->j", centred, centred, dtype=np.float64) / x.shape[0])
    # a constant column's std is zero up to round-off: leave such units out
    varying = std > 16 * np.finfo(x.dtype).eps * np.abs(mean)
    m = int(np.count_nonzero(varying))
    if m < 2:
        return math.nan
    inverse = np.where(varying, 1 / np.where(varying, std, 1), 0).astype(x.dtype)
    if not np.all(np.isfinite(inverse)):  # stds below float32's range: redo in float64
        return unit_correlation(x.astype(np.float64))
    rows = (centred @ inverse).astype(np.float64)  # each example's sum of standardized units
    total = float(rows @ rows) / x.shape[0]  # sum of every entry of the correlation matrix
    return (total - m) / (m * (m - 1))
