"""The engine of every exercise checker: feedback that names the mistake, never the answer.

A checker runs the learner's answer (a number, or better a function of the exercise's
parameters), compares it with the right one, and either prints one line starting with
``Correct:`` and returns ``True``, or raises :class:`Feedback`, an ``AssertionError``
whose message says what looks wrong: a typical mistake recognised by name (the fan_out
where the fan_in belongs, a missing factor 2, a std given for a variance...), or, for any
other wrong answer, the parameters at which it is wrong and a hint. No message contains
the expected value, and Jupyter shows a :class:`Feedback` as its message alone, without
the checker's source lines.

These checkers are formative: they give instant feedback while a learner works. Grades
come from the hidden tests of the coursework (``coursework/``), which do not use them.

The expected values may be given as a function of the parameters or, better for an
installed package that learners can read, as the numbers at the visible cases:

>>> def double(x):
...     return x + x
>>> check_function(double, [2.0, 14.0], [dict(x=1), dict(x=7)], name="double")
Correct: right for every case tried.
True
>>> check_function(lambda x: x, [2.0, 14.0], [dict(x=1), dict(x=7)], name="double",
...                mistakes=[Mistake([1.0, 7.0], "that is x itself.")])
Traceback (most recent call last):
    ...
initlib.course.exercises.feedback.Feedback: Not correct: that is x itself.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..._checks import _is_real

#: Relative tolerance of every checker unless it says otherwise: an answer rounded to
#: three significant digits passes; none of the recognised mistakes does.
RTOL = 1e-2

NOT_ANSWERED = ("Not answered yet: replace `raise NotImplementedError()` in the answer cell "
                "with your code, run that cell, then run this one again.")


class _Quiet:
    """Shown in Jupyter as its message alone: IPython calls ``_render_traceback_`` instead
    of printing the frames (and the source lines around them)."""

    def _render_traceback_(self):
        return [f"{type(self).__name__}: {self}"]


class Feedback(_Quiet, AssertionError):
    """A wrong or missing answer. The message names the mistake or gives a hint; it never
    contains the expected value. In Jupyter only the message is shown (IPython calls
    ``_render_traceback_``), so the checker's source does not appear under the cell."""


class QuietTypeError(_Quiet, TypeError):
    """A ``TypeError`` of a checker, shown without the checker's source."""


class QuietValueError(_Quiet, ValueError):
    """A ``ValueError`` of a checker, shown without the checker's source."""


def quiet(error: BaseException) -> BaseException:
    """``error`` as an exception of the same kind that Jupyter shows without source lines:
    a :class:`Feedback` for an ``AssertionError``, :class:`QuietTypeError` or
    :class:`QuietValueError` for those; any other exception unchanged.

    >>> type(quiet(ValueError("answer must be finite"))).__name__
    'QuietValueError'
    """
    if isinstance(error, _Quiet):
        return error
    for kind, quiet_kind in ((AssertionError, Feedback), (TypeError, QuietTypeError),
                             (ValueError, QuietValueError)):
        if isinstance(error, kind):
            return quiet_kind(*error.args)
    return error


def under_nbgrader() -> bool:
    """True when nbgrader runs this kernel (``nbgrader autograde`` or ``validate``, which
    set ``NBGRADER_EXECUTION``): notebooks take their lighter path for heavy cells then.

    >>> isinstance(under_nbgrader(), bool)
    True
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``formula`` computes it from the same parameters as the
    right answer (or lists its values at the checker's cases, in order); ``message`` says
    what was done wrong (never the value)."""

    formula: Callable[..., float] | Sequence[float]
    message: str


def _values(rule, cases: Sequence[dict], what: str) -> list:
    """``rule`` at every case: a function of the case's parameters, or the values."""
    if callable(rule):
        return [rule(**case) for case in cases]
    values = list(rule)
    if len(values) != len(cases):
        raise ValueError(f"{what} lists {len(values)} values for {len(cases)} cases")
    return values


def _number(value, what: str) -> float:
    """``value`` as a finite float, or :class:`Feedback` saying why not."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if not _is_real(value):
        raise Feedback(f"{what} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise Feedback(f"{what} must be a finite number, got {value}")
    return value


def _close(value, target, rtol: float) -> bool:
    """``value`` within ``rtol`` of ``target``, entry by entry for tuples."""
    if isinstance(target, tuple):
        return isinstance(value, tuple) and len(value) == len(target) and all(
            _close(v, t, rtol) for v, t in zip(value, target, strict=True))
    if isinstance(value, tuple):
        return False
    if target == 0:
        return value == 0
    return abs(value - target) <= rtol * abs(target)


def _verdict(value, expected, mistakes, rtol: float, correct: str) -> bool:
    """Print ``Correct: {correct}`` and return True when ``value`` is within ``rtol`` of
    ``expected``; raise :class:`Feedback` with the message of the first of ``mistakes``
    (``(wrong value, message)`` pairs) that ``value`` matches; else return False, and the
    caller says what is wrong."""
    if _close(value, expected, rtol):
        print(f"Correct: {correct}")
        return True
    for wrong, message in mistakes:
        if _close(value, wrong, rtol):
            raise Feedback(f"Not correct: {message}")
    return False


def _negated(value):
    return tuple(-v for v in value) if isinstance(value, tuple) else -value


def _result(value, what: str, want):
    """``value`` as a float, or as a tuple of floats when the right answer is a tuple
    (a pair such as ``(fan_in, fan_out)``)."""
    if not isinstance(want, tuple):
        return _number(value, what)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) \
            or len(value) != len(want):
        raise Feedback(f"{what} must be {len(want)} numbers (a tuple), got "
                       f"{type(value).__name__}")
    return tuple(_number(v, f"{what}[{i}]") for i, v in enumerate(value))


def _call(answer, case: dict, name: str, want=None):
    shown = ", ".join(f"{k}={v!r}" for k, v in case.items())
    try:
        result = answer(**case)
    except NotImplementedError:
        raise Feedback(NOT_ANSWERED) from None
    except Exception as err:  # the learner's code failed: say where, not how we call it
        raise Feedback(f"{name}({shown}) raised {type(err).__name__}: {err}") from None
    return _result(result, f"{name}({shown})", want)


def check_function(answer, reference: Callable[..., float] | Sequence[float],
                   cases: Sequence[dict], *,
                   mistakes: Sequence[Mistake] = (), rtol: float = RTOL,
                   name: str = "your function", correct: str = "right for every case tried.",
                   hint: str = "") -> bool:
    """Check a function answer: ``answer(**case)`` against ``reference(**case)`` for
    every case.

    Parameters
    ----------
    answer : callable or None
        The learner's function; ``None`` (or a body still raising
        ``NotImplementedError``) is an unanswered exercise.
    reference : callable or sequence
        The right answer as a function of the same keyword arguments, or its values at
        ``cases`` (in order; nothing in the installed package then computes the answer
        at other parameters). A value may be a tuple of numbers (a pair such as
        ``(fan_in, fan_out)``): the answer must then return as many numbers.
    cases : sequence of dict
        Keyword arguments to try (a few, chosen so that each mistake differs from the
        right answer on at least one of them).
    mistakes : sequence of Mistake
        Typical wrong answers, tried in order: if ``answer`` agrees with one of them on
        every case, its message is the feedback. Its ``formula`` may list values too.
    rtol : float
        Relative tolerance.
    name : str
        How to call the function in messages (its name in the notebook).
    correct, hint : str
        Printed after ``Correct:``; added to the message for an unrecognised wrong
        answer. Neither may contain the expected values.

    Returns
    -------
    True, after printing ``Correct: ...``.

    Raises
    ------
    Feedback
        Unanswered, not callable, failing, returning a non-number, or wrong.
    """
    if answer is None:
        raise Feedback(NOT_ANSWERED)
    if not callable(answer):
        raise Feedback(f"{name} must be a function (def {name}(...): ...), got "
                       f"{type(answer).__name__}")
    want = [tuple(float(x) for x in w) if isinstance(w, (tuple, list)) else w
            for w in _values(reference, cases, "reference")]
    got = [_call(answer, case, name, w) for case, w in zip(cases, want, strict=True)]
    if all(_close(g, w, rtol) for g, w in zip(got, want, strict=True)):
        print(f"Correct: {correct}")
        return True
    for mistake in mistakes:
        wrong = [tuple(w) if isinstance(w, list) else w
                 for w in _values(mistake.formula, cases, "a Mistake")]
        if all(_close(g, w, rtol) for g, w in zip(got, wrong, strict=True)):
            raise Feedback(f"Not correct: {mistake.message}")
    first = next(i for i, (g, w) in enumerate(zip(got, want, strict=True))
                 if not _close(g, w, rtol))
    shown = ", ".join(f"{k}={v!r}" for k, v in cases[first].items())
    if want[first] != 0 and _close(got[first], _negated(want[first]), rtol):
        raise Feedback(f"Not correct: {name}({shown}) has the right size but the wrong sign.")
    raise Feedback(f"Not correct: {name}({shown}) is not right. {hint}".rstrip())


def _call_pair(answer, case: dict, name: str, parts: Sequence[str], returns: str):
    shown = ", ".join(f"{k}={v!r}" for k, v in case.items())
    try:
        result = answer(**case)
    except NotImplementedError:
        raise Feedback(NOT_ANSWERED) from None
    except Exception as err:  # the learner's code failed: say where
        raise Feedback(f"{name}({shown}) raised {type(err).__name__}: {err}") from None
    try:
        first, second = result
    except (TypeError, ValueError):
        raise Feedback(f"{name}({shown}) must return a pair {returns}, got "
                       f"{type(result).__name__}") from None
    return (_number(first, f"the {parts[0]} at {shown}"),
            _number(second, f"the {parts[1]} at {shown}"))


def check_pair(answer, reference: Sequence[tuple[float, float]], cases: Sequence[dict], *,
               name: str, parts: tuple[str, str], hints: tuple[str, str], correct: str,
               mistakes: Sequence[Mistake] = (), rtol: float = RTOL,
               returns: str | None = None, signature: str = "...") -> bool:
    """Check a function answer that returns a pair of numbers (a layer's forward and
    backward factors, a mean and a second moment), naming the part that is wrong.

    As :func:`check_function` with pairs for values, except for the messages:
    ``reference`` lists the right pairs at ``cases`` and each mistake's ``formula`` its
    pairs; an unrecognised wrong answer gets ``Not correct: the {parts[k]} at {case} is
    not right`` followed by ``hints[k]``, which ends that sentence (``". Use ..."``). An
    answer that does not return two values is told it ``must return a pair {returns}``
    (default ``"({parts[0]}, {parts[1]})"``); one that is not a function is shown
    ``def {name}({signature}): ...``.

    Raises
    ------
    Feedback
        Unanswered, not callable, failing, returning anything but two real numbers, or
        wrong.

    Examples
    --------
    >>> cases = [dict(x=1), dict(x=3)]
    >>> check_pair(lambda x: (x, x * x), [(1.0, 1.0), (3.0, 9.0)], cases, name="power",
    ...            parts=("first power", "square"), hints=(".", ". Multiply x by itself."),
    ...            correct="x and x².")
    Correct: x and x².
    True
    >>> check_pair(lambda x: (x, 2 * x), [(1.0, 1.0), (3.0, 9.0)], cases, name="power",
    ...            parts=("first power", "square"), hints=(".", ". Multiply x by itself."),
    ...            correct="x and x².")
    Traceback (most recent call last):
        ...
    initlib.course.exercises.feedback.Feedback: Not correct: the square at x=1 is not right. ...
    """
    if answer is None:
        raise Feedback(NOT_ANSWERED)
    if not callable(answer):
        raise Feedback(f"{name} must be a function (def {name}({signature}): ...), got "
                       f"{type(answer).__name__}")
    returns = returns or f"({parts[0]}, {parts[1]})"
    got = [_call_pair(answer, case, name, parts, returns) for case in cases]
    want = [tuple(w) for w in _values(reference, cases, "reference")]

    def matches(values):
        return all(_close(g, tuple(v), rtol) for g, v in zip(got, values, strict=True))

    if matches(want):
        print(f"Correct: {correct}")
        return True
    for mistake in mistakes:
        if matches(_values(mistake.formula, cases, "a Mistake")):
            raise Feedback(f"Not correct: {mistake.message}")
    for value, right, case in zip(got, want, cases, strict=True):
        shown = ", ".join(f"{k}={v!r}" for k, v in case.items())
        for part, v, r, hint in zip(parts, value, right, hints, strict=True):
            if not _close(v, r, rtol):
                raise Feedback(f"Not correct: the {part} at {shown} is not right{hint}")
    raise AssertionError("unreachable")  # pragma: no cover


def check_value(answer, expected: float, *, mistakes: Sequence[tuple[float, str]] = (),
                rtol: float = RTOL, correct: str = "right.", hint: str = "") -> bool:
    """Check a number (a measurement, or a value read off a figure): like
    :func:`check_function` for one value. ``mistakes`` are ``(wrong value, message)``
    pairs. Prefer function answers for graded exercises: a number can be found by trying
    candidates against a checker, a function of unseen parameters cannot.

    Raises
    ------
    Feedback
        (an ``AssertionError``) when ``answer`` is ``None`` (not answered yet) or is not
        within ``rtol`` of ``expected``; the message names the mistake when ``answer``
        matches one of ``mistakes`` or is ``-expected``; also when ``answer`` is not a
        finite real number (the message says so).

    Examples
    --------
    >>> check_value(0.5, 0.5, correct="E[relu(z)^2] = Var[z] / 2.")
    Correct: E[relu(z)^2] = Var[z] / 2.
    True
    """
    if answer is None:
        raise Feedback(NOT_ANSWERED)
    value = _number(answer, "your answer")
    if _verdict(value, expected, mistakes, rtol, correct):
        return True
    if expected != 0 and _close(value, -expected, rtol):
        raise Feedback("Not correct: the size is right but the sign is wrong.")
    raise Feedback(f"Not correct. {hint}".rstrip())
