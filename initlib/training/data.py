"""Data sets that need no download.

The default is scikit-learn's bundled handwritten digits (1,797 images of 8 x 8 pixels,
10 classes; Alpaydin & Kaynak 1998, UCI), which ships inside the package and so works
offline, on Binder and in CI.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._checks import check_choice, check_int, check_real


@dataclass
class Split:
    """A fixed train/validation split: ``x_*`` are float32 ``(n, n_features)``,
    ``y_*`` int64 class labels ``(n,)``.

    Examples
    --------
    >>> s = load_digits_split()
    >>> s.name, s.n_features, s.n_classes, s.x_train.dtype
    ('digits', 64, 10, dtype('float32'))
    """

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

    Examples
    --------
    >>> s = load_digits_split(val_fraction=0.25, split_seed=0)
    >>> s.x_train.shape, s.x_val.shape
    ((1347, 64), (450, 64))
    >>> bool(abs(s.x_train.mean()) < 1e-6)             # standardized on the training set
    True
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    val_fraction = check_real(val_fraction, "val_fraction", positive=True)
    if not 0.01 <= val_fraction <= 0.99:
        raise ValueError(f"val_fraction must be between 0.01 and 0.99 (each part needs "
                         f"examples of all 10 classes), got {val_fraction}")
    check_int(split_seed, "split_seed", 0)
    x, y = load_digits(return_X_y=True)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=val_fraction, stratify=y,
                                              random_state=int(split_seed))
    scaler = StandardScaler().fit(x_tr)
    return Split(scaler.transform(x_tr).astype(np.float32), y_tr.astype(np.int64),
                 scaler.transform(x_va).astype(np.float32), y_va.astype(np.int64),
                 "digits", 10)


class DownloadFallbackWarning(UserWarning):
    """A requested download failed and the bundled digits are used instead.

    Examples
    --------
    >>> issubclass(DownloadFallbackWarning, UserWarning)
    True
    """


DATASETS = ("digits", "fashion_mnist")


def load_fashion_mnist_split(n_train=6000, n_val=2000, split_seed=0) -> Split:
    """Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; 28 x 28 grey-scale clothing images,
    10 classes) through ``keras.datasets``, which downloads it (about 30 MB) on first use
    and caches it in ``~/.keras/datasets``.

    Keeps a stratified random ``n_train`` of the 60,000 training images and ``n_val`` of
    the 10,000 test images (chosen with ``split_seed``), flattened to 784 features and
    standardized per pixel with the training part's mean and std. Raises whatever the
    download raises (no network, for instance); :func:`load_split` turns that into a
    fall-back to the digits. ``ValueError`` for sizes outside 10..60,000 / 10..10,000.

    Examples
    --------
    >>> load_fashion_mnist_split(n_train=5)
    Traceback (most recent call last):
    ...
    ValueError: n_train must be an integer from 10 to 60000, got 5
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    _check_fashion_args(n_train, n_val, split_seed)
    import keras

    (x_tr, y_tr), (x_va, y_va) = keras.datasets.fashion_mnist.load_data()

    def part(x, y, n):
        if n < len(y):
            x, _, y, _ = train_test_split(x, y, train_size=n, stratify=y,
                                          random_state=int(split_seed))
        return x.reshape(len(x), -1).astype(np.float32), y.astype(np.int64)

    x_tr, y_tr = part(x_tr, y_tr, n_train)
    x_va, y_va = part(x_va, y_va, n_val)
    scaler = StandardScaler().fit(x_tr)
    return Split(scaler.transform(x_tr).astype(np.float32), y_tr,
                 scaler.transform(x_va).astype(np.float32), y_va, "fashion_mnist", 10)


def _check_fashion_args(n_train=6000, n_val=2000, split_seed=0):
    for name, value, top in (("n_train", n_train, 60_000), ("n_val", n_val, 10_000)):
        check_int(value, name, 10, top)
    check_int(split_seed, "split_seed", 0)


def load_split(name="digits", **kwargs) -> Split:
    """The data set ``name``: ``"digits"`` (bundled, offline; :func:`load_digits_split`)
    or ``"fashion_mnist"`` (downloaded; :func:`load_fashion_mnist_split`).

    If the Fashion-MNIST download fails (no network, a proxy, a broken cache), issues a
    :class:`DownloadFallbackWarning` that says why and returns the digits instead, so a
    notebook carries on. ``kwargs`` go to the loader. Raises ``ValueError`` for another
    name.

    Examples
    --------
    >>> load_split("digits").name
    'digits'
    """
    check_choice(name, "name", DATASETS)
    if name == "digits":
        return load_digits_split(**kwargs)
    _check_fashion_args(**kwargs)
    try:
        return load_fashion_mnist_split(**kwargs)
    except Exception as err:  # any failure to fetch or read the file
        warnings.warn(f"Fashion-MNIST could not be loaded ({type(err).__name__}: {err}); "
                      "using scikit-learn's bundled digits instead.",
                      DownloadFallbackWarning, stacklevel=2)
        return load_digits_split()
