"""Feedback on the notebooks' exercises: one module per notebook, one engine.

:mod:`~initlib.course.exercises.feedback` holds the engine (:func:`check_function`,
:func:`check_value`, :class:`Feedback`); each notebook's checkers live in
``initlib.course.exercises.nbNN`` (``nb01`` ... ``nb10``), so a new exercise goes next
to the others of its notebook. The checkers are formative (instant feedback that names
the mistake and never shows the answer); grades come from the coursework's hidden tests.

The older value checkers (``check_he_std`` and the like) are re-exported here while the
notebooks move to function answers.
"""

from ._legacy import *  # noqa: F403
from ._legacy import __all__ as _legacy_all
from .feedback import Feedback, Mistake, check_function, check_value

__all__ = [*_legacy_all, "Feedback", "Mistake", "check_function", "check_value"]
