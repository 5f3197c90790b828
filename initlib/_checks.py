"""Argument checking shared by every public function.

Each helper raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong value) with a message that names the argument and the values it allows, so that
bad input never surfaces as a traceback from deep inside NumPy.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

try:  # bfloat16 ships with ml_dtypes (a TensorFlow/JAX dependency); optional here.
    import ml_dtypes as _ml_dtypes
except ImportError:  # pragma: no cover - exercised only where ml_dtypes is absent
    _ml_dtypes = None

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def check_shape(shape, name: str = "shape") -> tuple[int, ...]:
    """Return ``shape`` as a tuple of Python ints, or raise.

    Accepts any sequence (tuple, list, 1-D integer array) of non-negative integers,
    NumPy integers included. Rejects bare scalars, floats, bools, strings and None.
    """
    if isinstance(shape, np.ndarray):
        if shape.ndim != 1:
            raise TypeError(f"{name} must be a 1-D sequence of integers, got an array of "
                            f"ndim {shape.ndim}")
        shape = shape.tolist()
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
        hint = f" (for a vector write ({shape},))" if _is_int(shape) else ""
        raise TypeError(f"{name} must be a sequence of non-negative integers such as "
                        f"(784, 128), got {shape!r}{hint}")
    dims = []
    for i, d in enumerate(shape):
        if not _is_int(d):
            raise TypeError(f"{name}[{i}] must be a non-negative integer, got {d!r} "
                            f"of type {type(d).__name__}")
        if d < 0:
            raise ValueError(f"{name}[{i}] must be a non-negative integer, got {d}")
        dims.append(int(d))
    return tuple(dims)


def _is_int(x) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x) -> bool:
    """A real number, Python's or NumPy's, and not a bool: what every check of a number
    (here, and in the exercise checkers) accepts."""
    return isinstance(x, (numbers.Real, np.floating, np.integer)) and not isinstance(
        x, (bool, np.bool_))


def check_seed(seed, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` into a ``numpy.random.Generator``.

    ``None`` draws fresh OS entropy; a non-negative int gives the same stream in every
    call and process; a ``Generator`` is used as is (and advances). The global
    ``np.random`` state is never touched.
    """
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if _is_int(seed):
        if seed < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(f"{name} must be None, a non-negative int or a numpy.random.Generator, "
                    f"got {type(seed).__name__}")


def spawn_seeds(seed, n: int) -> list[int]:
    """``n`` independent integer seeds derived from ``seed``: stream ``i`` is child ``i``
    of ``numpy.random.SeedSequence(seed).spawn``, so the first ``k`` of them do not depend
    on ``n`` (a deeper network keeps the layers of a shallower one). This is the one way
    the library derives per-layer and per-run seeds.

    ``seed`` is a non-negative int (the same seeds in every process), ``None`` (fresh
    entropy) or a ``numpy.random.Generator`` (its seed sequence spawns, so repeated calls
    give new seeds). Each result seeds ``numpy.random.default_rng`` or a Keras
    initializer.

    >>> spawn_seeds(0, 3) == spawn_seeds(0, 5)[:3]
    True
    """
    n = check_int(n, "n", 0)
    if isinstance(seed, np.random.Generator):
        sequence = seed.bit_generator.seed_seq
        if not isinstance(sequence, np.random.SeedSequence):
            raise TypeError("seed is a Generator without a SeedSequence; pass an int seed")
    elif seed is None:
        sequence = np.random.SeedSequence()
    elif _is_int(seed):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        sequence = np.random.SeedSequence(int(seed))
    else:
        raise TypeError(f"seed must be None, a non-negative int or a numpy.random.Generator, "
                        f"got {type(seed).__name__}")
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
            for child in sequence.spawn(n)]


def check_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Return the NumPy dtype for ``dtype``; only floating types are allowed.

    Allowed: float16, bfloat16 (needs the ``ml_dtypes`` package), float32, float64,
    given as strings, NumPy dtypes or scalar types.
    """
    if dtype is None:
        raise TypeError(f"{name} must be one of {FLOAT_DTYPES}, got None")
    if isinstance(dtype, str) and dtype == "bfloat16":
        if _ml_dtypes is None:
            raise TypeError(f"{name}='bfloat16' needs the ml_dtypes package "
                            "(pip install ml_dtypes)")
        return np.dtype(_ml_dtypes.bfloat16)
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name} must be one of {FLOAT_DTYPES}, got {dtype!r}") from err
    if dt.name not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be a floating dtype, one of {FLOAT_DTYPES}; got {dt.name}")
    return dt.newbyteorder("=")  # native byte order, whatever was asked


def check_representable(bound: float, dtype, what: str) -> None:
    """Raise ``ValueError`` if values as large as ``bound`` overflow ``dtype``."""
    limit = float(np.finfo(np.float32 if dtype.name == "bfloat16" else dtype).max)
    if not bound <= limit:
        raise ValueError(f"{what} gives values up to {bound:.3g}, beyond the largest "
                         f"{dtype.name} ({limit:.3g}); use smaller parameters or float64")


def check_int(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as a Python int within ``[low, high]`` (either bound optional),
    or raise ``TypeError`` (not an integer; bools are not integers here) or
    ``ValueError`` (out of range), naming ``name`` and the allowed range."""
    if low is not None and high is not None:
        allowed = f"an integer from {low} to {high}"
    elif low is not None:
        allowed = f"an integer >= {low}"
    elif high is not None:
        allowed = f"an integer <= {high}"
    else:
        allowed = "an integer"
    if not _is_int(value):
        raise TypeError(f"{name} must be {allowed}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return int(value)


def check_widths(widths, name: str = "hidden") -> list[int]:
    """``widths``, a sequence of layer widths >= 1, as a list of ints; a clear error
    naming ``name`` otherwise (a bare int or a string is not a sequence of widths)."""
    if isinstance(widths, (int, np.integer, str)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"{name} must be a sequence of layer widths >= 1, such as (16,), "
                        f"got {widths!r}")
    return [check_int(w, f"{name}[{i}]", 1) for i, w in enumerate(widths)]


def check_real(value, name: str, *, positive: bool = False, non_negative: bool = False) -> float:
    """Return ``value`` as a finite float, or raise naming ``name``."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if non_negative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_choice(value, name: str, allowed) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming them."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")
    return value
