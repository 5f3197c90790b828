"""Data sets that need no download.

The default is scikit-learn's bundled handwritten digits (1,797 images of 8 x 8 pixels,
10 classes; Alpaydin & Kaynak 1998, UCI), which ships inside the package and so works
offline, on Binder and in CI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import _is_int, check_real


@dataclass
class Split:
    """A fixed train/validation split: ``x_*`` are float32 ``(n, n_features)``,
    ``y_*`` int64 class labels ``(n,)``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    name: str
    n_classes: int

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]


def load_digits_split(val_fraction=0.25, split_seed=0) -> Split:
    """scikit-learn's digits, split (stratified) with ``split_seed`` and standardized
    with the training set's per-pixel mean and std (constant pixels are left at 0).

    Returns a :class:`Split` with 1,347 training and 450 validation images of 64
    features for the default ``val_fraction=0.25``. Raises ``ValueError`` unless
    0.01 <= ``val_fraction`` <= 0.99 and ``split_seed`` is a non-negative int (never
    None: the split must not depend on global random state).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    val_fraction = check_real(val_fraction, "val_fraction", positive=True)
    if not 0.01 <= val_fraction <= 0.99:
        raise ValueError(f"val_fraction must be between 0.01 and 0.99 (each part needs "
                         f"examples of all 10 classes), got {val_fraction}")
    if not _is_int(split_seed) or split_seed < 0:
        raise ValueError(f"split_seed must be a non-negative integer, got {split_seed!r}")
    x, y = load_digits(return_X_y=True)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=val_fraction, stratify=y,
                                              random_state=int(split_seed))
    scaler = StandardScaler().fit(x_tr)
    return Split(scaler.transform(x_tr).astype(np.float32), y_tr.astype(np.int64),
                 scaler.transform(x_va).astype(np.float32), y_va.astype(np.int64),
                 "digits", 10)
