"""Name-based access to every initializer: ``initialize(name, shape, **params)``."""

from __future__ import annotations

import difflib
import functools
import inspect
import re

from . import article, initializers

#: Canonical name -> function. Keys are the names used throughout the collection.
STRATEGIES = {
    name: getattr(initializers, name)
    for name in ("zeros", "ones", "constant", "random_normal", "random_uniform",
                 "truncated_normal", "variance_scaling", "glorot_normal", "glorot_uniform",
                 "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal",
                 "identity")
}
STRATEGIES.update({name: getattr(article, name) for name, _, _ in article.STRATEGIES})

#: Other spellings: PyTorch's names, Keras's short aliases and class names (the class
#: names are handled by turning CamelCase into snake_case first).
ALIASES = {
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
    "normal": "random_normal",
    "uniform": "random_uniform",
    "zero": "zeros",
    "one": "ones",
    "eye": "identity",
    "glorot": "xavier",
    "kaiming": "he",
}

CONVENTIONS = ("initlib", "article")


def canonical_name(name: str) -> str:
    """Return the canonical strategy name for ``name`` or raise ``ValueError`` listing
    the closest known names. Accepts snake_case, Keras class names (``"HeNormal"``)
    and the aliases in :data:`ALIASES`."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'he_normal', got {type(name).__name__}")
    key = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip()).lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key in STRATEGIES:
        return key
    known = sorted(set(STRATEGIES) | set(ALIASES))
    close = difflib.get_close_matches(key, known, n=4, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"unknown initializer {name!r}{hint} Known names: {', '.join(known)}")


def initialize(name, shape, *, seed=None, dtype="float32", convention="initlib", **params):
    """Draw weights of ``shape`` with the strategy called ``name``.

    Parameters
    ----------
    name : str
        A canonical name (``"he_normal"``, ``"small_uniform"``...), a PyTorch name
        (``"kaiming_uniform"``, ``"xavier_normal"``), or a Keras identifier
        (``"glorot_uniform"``, ``"HeNormal"``, ``"normal"``).
    shape : sequence of int
        Weight shape, dense ``(n_in, n_out)`` unless ``layout="torch"`` is passed.
    seed, dtype
        As for every initializer (see :mod:`initlib.initializers`).
    convention : {"initlib", "article"}
        ``"article"`` reproduces the seed article's ``initialize_weights(method, shape)``
        (methods zeros, ones, uniform, normal, xavier, he; float64 output; its
        ``normal`` has half Glorot's variance). ``dtype`` and ``params`` are then not
        accepted.
    **params
        The strategy's own keyword arguments (``std``, ``gain``, ``mode``...).

    Raises
    ------
    ValueError
        Unknown name (the message lists close matches) or convention.
    TypeError
        A parameter the strategy does not take (the message lists those it takes).
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    if convention == "article":
        if params or dtype != "float32":
            raise TypeError("convention='article' takes no dtype or parameters: the article's "
                            "initialize_weights(method, shape) has none")
        return article.initialize_weights(name, shape, seed=seed)
    fn = STRATEGIES[canonical_name(name)]
    accepted = _parameters(fn)
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise TypeError(f"{fn.__name__} does not take {', '.join(unknown)}; it takes "
                        f"{', '.join(sorted(accepted)) or 'no parameters'}")
    return fn(shape, seed=seed, dtype=dtype, **params)


@functools.cache
def _parameters(fn) -> frozenset[str]:
    sig = inspect.signature(fn)
    return frozenset(p.name for p in sig.parameters.values()
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)) - {"shape", "seed",
                                                                                 "dtype"}


def check_parameters(name, shape=(2, 2), **params) -> None:
    """Raise what the strategy ``name`` would raise for ``params`` on a weight of
    ``shape``, by drawing a tiny array of the same rank (each dimension capped at 2).
    Lets code that only *describes* a strategy (its distribution, a Keras initializer
    built now and called later) reject bad parameters exactly as drawing would."""
    if {"seed", "dtype"} & set(params):
        raise TypeError(f"{name}: seed and dtype are not parameters of the distribution")
    initialize(name, tuple(min(int(d), 2) for d in shape), seed=0, dtype="float64", **params)
