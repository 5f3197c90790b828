"""How strong is the evidence? Seed-based comparisons with confidence intervals.

A claim such as "small weights generalize better" varies with the seed, so a verdict
needs several seeds and an interval, not one run. :func:`compare` takes one value per
seed for two settings and returns the difference of their means with a 95 % confidence
interval (Student's t: paired when the same seeds drive both settings, Welch's
otherwise) and a verdict that follows one rule: if the interval covers 0 there is
*no detectable difference at this sample size*; otherwise the sign of the interval
decides. :func:`mean_interval` gives the same interval for one setting.

>>> a = [0.91, 0.93, 0.92, 0.94, 0.90]
>>> b = [0.88, 0.90, 0.89, 0.93, 0.86]
>>> c = compare(a, b, labels=("He", "Glorot"), paired=True)
>>> print(c.format(digits=2))
He − Glorot = +0.028 (95 % CI +0.014 to +0.042; paired over 5 seeds): He is higher
>>> c.verdict
'He is higher'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_int, check_real

#: Fewest values per setting a verdict may rest on (the collection's rule: 5 seeds).
MIN_SAMPLES = 5

NO_DIFFERENCE = "no detectable difference at this sample size"


def _values(x, name, min_samples):
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of numbers, one per seed; got shape "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold finite numbers (a diverged run has no accuracy; "
                         "report it separately)")
    if arr.size < min_samples:
        raise ValueError(f"{name} has {arr.size} values; a verdict needs at least "
                         f"{min_samples} seeds (min_samples)")
    return arr


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval: ``mean``, ``low``, ``high`` (same units as
    the data), ``n`` values, confidence ``level``.

    Examples
    --------
    >>> mean_interval([0.8, 0.9, 0.85, 0.95, 0.9]).format(2)
    '0.88 (95 % CI 0.81 to 0.95, 5 seeds)'
    """

    mean: float
    low: float
    high: float
    n: int
    level: float = 0.95

    def format(self, digits: int = 2) -> str:
        """``"0.91 (95 % CI 0.89 to 0.93, 5 seeds)"`` with ``digits`` decimals."""
        return (f"{self.mean:.{digits}f} ({self.level:.0%} CI {self.low:.{digits}f} to "
                f"{self.high:.{digits}f}, {self.n} seeds)").replace("%", " %", 1)


def mean_interval(x, *, level=0.95, min_samples=MIN_SAMPLES) -> Interval:
    """Mean of ``x`` (one value per seed) with its Student-t confidence interval.

    Raises ``ValueError`` for fewer than ``min_samples`` values, non-finite values or a
    ``level`` outside (0, 1).

    >>> mean_interval([1.0, 2.0, 3.0, 4.0, 5.0]).format(1)
    '3.0 (95 % CI 1.0 to 5.0, 5 seeds)'
    """
    from scipy import stats

    level = _level(level)
    arr = _values(x, "x", check_int(min_samples, "min_samples", 2))
    mean = float(arr.mean())
    half = float(stats.t.ppf((1 + level) / 2, arr.size - 1) * arr.std(ddof=1)
                 / math.sqrt(arr.size))
    return Interval(mean, mean - half, mean + half, int(arr.size), level)


def _level(level):
    level = check_real(level, "level", positive=True)
    if not level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return level


@dataclass(frozen=True)
class Comparison:
    """The difference ``mean(a) - mean(b)`` with its confidence interval.

    Attributes: ``labels`` (names of a and b), ``n`` (values per setting), ``paired``,
    ``mean_a``, ``mean_b``, ``difference``, ``low``, ``high``, ``p_value`` (two-sided
    t-test of no difference), ``level``.

    Examples
    --------
    >>> c = compare([5, 6, 7, 6, 5], [1, 2, 1, 2, 1], labels=("big", "small"))
    >>> c.detectable, c.verdict
    (True, 'big is higher')
    """

    labels: tuple
    n: tuple
    paired: bool
    mean_a: float
    mean_b: float
    difference: float
    low: float
    high: float
    p_value: float
    level: float = 0.95

    @property
    def detectable(self) -> bool:
        """True when the interval excludes 0 (the decision rule of every verdict)."""
        return self.low > 0 or self.high < 0

    @property
    def verdict(self) -> str:
        a, b = self.labels
        if not self.detectable:
            return NO_DIFFERENCE
        return f"{a} is higher" if self.low > 0 else f"{a} is lower"

    def format(self, digits: int = 2) -> str:
        """One line: difference, interval, design and verdict, numbers with ``digits``
        significant digits of the interval's half-width (at least one decimal)."""
        a, b = self.labels
        half = max((self.high - self.low) / 2, 1e-300)
        decimals = max(1, digits - 1 - math.floor(math.log10(half)))
        design = (f"paired over {self.n[0]} seeds" if self.paired
                  else f"{self.n[0]} and {self.n[1]} seeds")
        level = f"{self.level:.0%}".replace("%", " %")
        return (f"{a} − {b} = {self.difference:+.{decimals}f} ({level} CI "
                f"{self.low:+.{decimals}f} to {self.high:+.{decimals}f}; {design}): "
                f"{self.verdict}")

    def __str__(self):
        return self.format()


def compare(a, b, *, paired=False, labels=("A", "B"), level=0.95,
            min_samples=MIN_SAMPLES) -> Comparison:
    """Compare two settings from one value per seed each.

    Parameters
    ----------
    a, b : sequence of float
        One measurement per seed (an accuracy, a loss, a log-ratio...), 1-D.
    paired : bool
        True when value ``i`` of ``a`` and of ``b`` share seed ``i`` (same data order,
        same draw of everything else): the interval is then built from the per-seed
        differences (Student's paired t), which removes the seed-to-seed variation the
        two settings share. False: Welch's t (unequal variances).
    labels : (str, str)
        Names used in :attr:`Comparison.verdict` and :meth:`Comparison.format`.
    level : float
        Confidence level of the interval, in (0, 1).
    min_samples : int
        Fewest values per setting accepted (default 5, the collection's rule).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        Fewer than ``min_samples`` values, non-finite values, different lengths when
        ``paired``, a bad ``level``.

    References
    ----------
    Student's and Welch's t-tests and intervals as implemented by
    ``scipy.stats.ttest_rel`` and ``scipy.stats.ttest_ind(equal_var=False)``.

    Examples
    --------
    >>> compare([1, 2, 3, 4, 5], [1.5, 2.5, 2.0, 4.5, 4.0]).verdict
    'no detectable difference at this sample size'
    """
    from scipy import stats

    level = _level(level)
    min_samples = check_int(min_samples, "min_samples", 2)
    x, y = _values(a, "a", min_samples), _values(b, "b", min_samples)
    if not (isinstance(labels, (tuple, list)) and len(labels) == 2
            and all(isinstance(s, str) for s in labels)):
        raise TypeError(f"labels must be two strings, got {labels!r}")
    if paired:
        if x.size != y.size:
            raise ValueError(f"paired comparison needs one value of each per seed; got "
                             f"{x.size} and {y.size}")
        d = x - y
        if np.all(d == d[0]):  # no spread: the t-test is undefined, the interval a point
            low = high = float(d[0])
            p = 1.0 if d[0] == 0 else 0.0
        else:
            test = stats.ttest_rel(x, y)
            ci = test.confidence_interval(level)
            low, high, p = float(ci.low), float(ci.high), float(test.pvalue)
    else:
        if x.std() == 0 and y.std() == 0:
            low = high = float(x.mean() - y.mean())
            p = 1.0 if low == 0 else 0.0
        else:
            test = stats.ttest_ind(x, y, equal_var=False)
            ci = test.confidence_interval(level)
            low, high, p = float(ci.low), float(ci.high), float(test.pvalue)
    return Comparison(tuple(labels), (int(x.size), int(y.size)), bool(paired),
                      float(x.mean()), float(y.mean()), float(x.mean() - y.mean()),
                      low, high, p, level)
