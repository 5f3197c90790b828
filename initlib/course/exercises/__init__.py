"""Feedback on the notebooks' exercises: one module per notebook, one engine.

:mod:`~initlib.course.exercises.feedback` holds the engine (:func:`check_function`,
:func:`check_value`, :class:`Feedback`); each notebook's checkers live in
``initlib.course.exercises.nbNN`` (``nb01`` ... ``nb10``), so a new exercise goes next
to the others of its notebook. The checkers are formative (instant feedback that names
the mistake and never shows the answer); grades come from the coursework's hidden tests,
which call the learner's function at other parameters, away from this package.

The older value checkers (``check_he_std`` and the like) are re-exported here while the
notebooks move to function answers, so that they too fail quietly: whatever they raise
is shown in Jupyter as its message alone, never with the checker's source lines, and
their help says how to use them, not what the answer is.

>>> from initlib.course.exercises import check_glorot_variance
>>> check_glorot_variance(0.1, fan_in=30, fan_out=10)
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: ...
"""

from __future__ import annotations

import functools

from . import _legacy
from .feedback import Feedback, Mistake, check_function, check_value, quiet, under_nbgrader

__all__ = [*_legacy.__all__, "Feedback", "Mistake", "check_function", "check_value",
           "under_nbgrader"]


def _quietly(checker):
    """``checker`` raising only exceptions that Jupyter shows without its source, with a
    help text that does not give the answer (the original docstrings do)."""

    @functools.wraps(checker, assigned=("__module__", "__name__", "__qualname__"))
    def wrapper(*args, **kwargs):
        try:
            return checker(*args, **kwargs)
        except (AssertionError, TypeError, ValueError) as err:
            raise quiet(err) from None

    wrapper.__doc__ = ("Check the answer to one of the notebooks' exercises (the exercise's "
                       "statement says what to compute).\n\nPrints a line starting with "
                       "``Correct:`` and returns True for a right answer; otherwise raises an "
                       "exception whose message names the mistake (a ``Feedback``, which is an "
                       "``AssertionError``, or a ``TypeError``/``ValueError`` for an answer of "
                       "the wrong kind).")
    return wrapper


for _name in _legacy.__all__:
    globals()[_name] = _quietly(getattr(_legacy, _name))
del _name
