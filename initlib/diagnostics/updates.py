"""How far training moves each layer's weights, relative to their size.

:func:`relative_change` compares two lists of weight matrices (before and after some
training) layer by layer: ``‖W_after - W_before‖ / ‖W_before‖`` (Frobenius norms). One
step apart it is the *update-to-data ratio*, ``lr · ‖∂L/∂W‖ / ‖W‖`` for plain gradient
descent, which the CS231n notes suggest watching during training (a rough heuristic there:
about 1e-3); many steps apart it says how far each layer has travelled from its
initialization.

>>> import numpy as np
>>> before = [np.ones((2, 2)), np.full((2, 3), 2.0)]
>>> after = [np.ones((2, 2)) * 1.1, np.full((2, 3), 2.0)]
>>> relative_change(before, after).round(3)
array([0.1, 0. ])
"""

from __future__ import annotations

import numpy as np

__all__ = ["relative_change"]


def relative_change(before, after) -> np.ndarray:
    """Per-layer ``‖after[l] - before[l]‖ / ‖before[l]‖`` (Frobenius norms).

    Parameters
    ----------
    before, after : sequence of array_like
        The weights of each layer at two moments of training (for example
        ``train_mlp(..., steps=0).weights`` and ``train_mlp(..., steps=1).weights`` with
        the same seed), any shapes, the same shape layer by layer.

    Returns
    -------
    numpy.ndarray of float64, one value per layer (dimensionless). A layer whose weights
    were all zero before gets ``inf`` if they moved and ``nan`` if they did not.

    Raises
    ------
    ValueError
        Different numbers of layers, or a layer whose shape changed.
    TypeError
        A layer that is not an array of real numbers.

    Examples
    --------
    >>> relative_change([np.array([3.0, 4.0])], [np.array([3.0, 4.5])])
    array([0.1])
    """
    before, after = list(before), list(after)
    if len(before) != len(after):
        raise ValueError(f"before and after must hold the same number of layers, got "
                         f"{len(before)} and {len(after)}")
    out = np.empty(len(before))
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        b, a = np.asarray(b), np.asarray(a)
        for name, x in (("before", b), ("after", a)):
            if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
                raise TypeError(f"{name}[{i}] must hold real numbers, got dtype {x.dtype}")
        if a.shape != b.shape:
            raise ValueError(f"layer {i} changed shape: before {b.shape}, after {a.shape}")
        b64, a64 = b.astype(np.float64), a.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[i] = np.linalg.norm(a64 - b64) / np.linalg.norm(b64)
    return out
