"""The strategy table: every strategy by name, its aliases, and its law.

:data:`STRATEGIES` maps each canonical name to its initializer in
:mod:`initlib.initializers`; each initializer carries its law (``f.law``), the one
definition of what it draws. :data:`ALIASES` maps the other spellings (PyTorch's names,
Keras's short names, the seed article's "xavier" and "he") to canonical names, and
:func:`canonical_name` resolves any of them, so every consumer (``initialize``,
``initlib.stats``, the mean-field predictions, the explorer, the Keras adapter) accepts
exactly the same names.

>>> canonical_name("kaiming")
'he_normal'
>>> law("xavier", (300, 100)).variance
0.005
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re

from . import initializers
from ._checks import check_shape
from .initializers import Law

#: Canonical name -> initializer. Keys are the names used throughout the collection:
#: Keras's and PyTorch's strategies, then the seed article's four fixed-scale presets.
STRATEGIES = {
    name: getattr(initializers, name)
    for name in ("zeros", "ones", "constant", "random_normal", "random_uniform",
                 "truncated_normal", "variance_scaling", "glorot_normal", "glorot_uniform",
                 "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal",
                 "identity", "zero_mean_normal", "small_uniform", "large_uniform",
                 "nonzero_mean_normal")
}

#: Other spellings -> canonical names: PyTorch's names, Keras's short aliases, and the
#: seed article's names for its strategies 5 and 6 (normal variants, as in its
#: reference code). Keras class names (``"HeNormal"``) are handled by turning CamelCase
#: into snake_case first.
ALIASES = {
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
    "xavier": "glorot_normal",
    "glorot": "glorot_normal",
    "he": "he_normal",
    "kaiming": "he_normal",
    "normal": "random_normal",
    "uniform": "random_uniform",
    "zero": "zeros",
    "one": "ones",
    "eye": "identity",
}

def names() -> list[str]:
    """Every name :func:`canonical_name` accepts (canonical names and aliases), sorted.

    Examples
    --------
    >>> "kaiming_uniform" in names() and "he_normal" in names()
    True
    """
    return sorted(set(STRATEGIES) | set(ALIASES))


def canonical_name(name: str) -> str:
    """Return the canonical strategy name for ``name``.

    Accepts canonical names, the aliases in :data:`ALIASES` and Keras class names
    (``"HeNormal"``); case and hyphens do not matter.

    Raises
    ------
    TypeError
        ``name`` is not a string.
    ValueError
        Unknown name; the message lists the closest known names and all of them.

    >>> canonical_name("XavierUniform")
    'glorot_uniform'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'he_normal', got {type(name).__name__}")
    key = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip()).lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key in STRATEGIES:
        return key
    close = difflib.get_close_matches(key, names(), n=4, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"unknown initializer {name!r}{hint} Known names: {', '.join(names())}")


@functools.cache
def parameters(name: str) -> dict:
    """The parameters of strategy ``name`` (any accepted spelling) with their defaults,
    in signature order; ``shape``, ``seed`` and ``dtype`` are not parameters.

    >>> parameters("small_uniform")
    {'limit': 0.05}
    """
    law_fn = STRATEGIES[canonical_name(name)].law
    return {p.name: p.default for p in inspect.signature(law_fn).parameters.values()
            if p.name != "shape"}


def _unknown_parameters(name, params):
    unknown = sorted(set(params) - set(parameters(name)))
    if {"seed", "dtype"} & set(params):
        return f"{name}: seed and dtype are not parameters of the distribution"
    if unknown:
        takes = ", ".join(parameters(name)) or "no parameters"
        return f"{name} does not take {', '.join(unknown)}; it takes {takes}"
    return None


def law(name, shape, **params) -> Law:
    """The :class:`~initlib.initializers.Law` that strategy ``name`` draws from for a
    weight of ``shape`` with ``params``: its distribution, without drawing. Raises what
    drawing would raise for a bad name, shape or parameter (``ValueError``/``TypeError``).

    >>> law("he", (512, 128)).variance == 2 / 512
    True
    """
    canonical = canonical_name(name)
    problem = _unknown_parameters(canonical, params)
    if problem:
        raise TypeError(problem)
    return STRATEGIES[canonical].law(check_shape(shape), **params)


def check_parameters(name, shape=(2, 2), **params) -> None:
    """Raise what strategy ``name`` would raise for ``params`` on a weight of ``shape``,
    without drawing (for code that describes a strategy now and draws later, such as a
    Keras initializer).

    Examples
    --------
    >>> check_parameters("he_normal", mode="fan_out")      # fine: returns None
    >>> check_parameters("he_normal", std=1.0)
    Traceback (most recent call last):
    ...
    TypeError: he_normal does not take std; it takes negative_slope, mode, ...
    """
    law(name, shape, **params)


def initialize(name, shape, *, seed=None, dtype="float32", **params):
    """Draw weights of ``shape`` with the strategy called ``name``.

    Parameters
    ----------
    name : str
        A canonical name (``"he_normal"``, ``"small_uniform"``...), a PyTorch name
        (``"kaiming_uniform"``, ``"xavier_normal"``), the article's (``"xavier"``,
        ``"he"``) or a Keras identifier (``"glorot_uniform"``, ``"HeNormal"``,
        ``"normal"``).
    shape : sequence of int
        Weight shape, dense ``(n_in, n_out)`` unless ``layout="torch"`` is passed.
    seed, dtype
        As for every initializer (see :mod:`initlib.initializers`).
    **params
        The strategy's own keyword arguments (``std``, ``gain``, ``mode``...).

    Returns
    -------
    numpy.ndarray of ``shape`` and ``dtype``.

    Raises
    ------
    ValueError
        Unknown name (the message lists close matches), bad parameter values.
    TypeError
        A parameter the strategy does not take (the message lists those it takes).

    Examples
    --------
    >>> initialize("kaiming_normal", (784, 128), seed=0).shape
    (784, 128)
    """
    canonical = canonical_name(name)
    problem = _unknown_parameters(canonical, params)
    if problem:
        raise TypeError(problem)
    return STRATEGIES[canonical](shape, seed=seed, dtype=dtype, **params)
