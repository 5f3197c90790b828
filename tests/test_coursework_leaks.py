"""What a student can read while working shows no answer: the formative checkers' failures
are shown in Jupyter (and in nbgrader's feedback HTML) as their message alone, without
the checker's source; their messages never contain an expected value; no docstring
example of the exercises package passes a checker; and each instructor notebook's worked
solution passes its own checker."""

import doctest
import importlib
import importlib.util
import io
import json
import math
import pkgutil
import re
import sys
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest

import initlib.course.exercises as E

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "coursework"))
students = importlib.import_module("students")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = [(path, ex) for path in NOTEBOOKS
             for ex in students.exercises(json.loads(path.read_text(encoding="utf-8")))
             if ex.module and ex.checker]
MODULES = ["initlib.course.exercises",
           *(f"initlib.course.exercises.{m.name}" for m in pkgutil.iter_modules(E.__path__)
             if not m.name.startswith("feedback"))]


def test_failures_show_their_message_alone_in_jupyter_and_in_the_feedback_html():
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "from initlib.course.exercises.feedback import check_function\n"
        "check_function(lambda x: 1.0, lambda x: 2.0 * x, [dict(x=1.5)], name='f')",
        "from initlib.course.exercises import check_he_std\n"
        "check_he_std(0.1, shape=(10, 256), layout='torch')",
        "check_he_std('0.1', shape=(10, 256), layout='torch')",
        "def f(x):\n    raise NotImplementedError()\n\n\n"
        "check_function(f, lambda x: x, [dict(x=1)])",
    )]
    NotebookClient(nb, timeout=120, allow_errors=True).execute()
    for cell in nb.cells:
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        assert len(error.traceback) == 1, error.traceback
        line = error.traceback[0]
        assert line.startswith(("Feedback: ", "QuietTypeError: ")), line
        assert "File " not in line and "---->" not in line and "expected" not in line
    assert "Not answered yet" in nb.cells[3].outputs[0].evalue
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert "Feedback: Not correct" in html
    assert "return check_function" not in html and "_judge(" not in html
    assert "expected = " not in html


@pytest.mark.parametrize("name", MODULES)
def test_no_docstring_example_passes_a_checker(name):
    """A doctest that gives a checker the right function is an answer key."""
    module = importlib.import_module(name)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(verbose=False)
    for test in finder.find(module, name):
        out = io.StringIO()
        with redirect_stdout(out):
            runner.run(test, out=lambda text: None)
        globs = test.globs
        for example in test.examples:
            calls_checker = re.search(r"\bcheck_(?!function\b|value\b)\w+\(", example.source)
            assert not (calls_checker and example.want.startswith("Correct:")), \
                f"{test.name}: the example {example.source.strip()!r} passes a checker"
        globs.clear()


def _formats(value):
    if isinstance(value, (tuple, list)):
        return {s for v in value for s in _formats(v)}
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return set()
    formats = {f"{value:.{d}g}" for d in range(3, 8)} | {repr(value)}
    # a number with fewer than 3 significant digits (2, 0.5) may be in any message
    return {f for f in formats if len(re.sub(r"e.*|\D", "", f).strip("0")) >= 3}


@pytest.mark.parametrize("path, ex", EXERCISES,
                         ids=[f"{p.name[:2]}-{e.function}" for p, e in EXERCISES])
def test_the_worked_solution_passes_and_no_message_shows_an_expected_value(path, ex):
    nb = json.loads(path.read_text(encoding="utf-8"))
    check = getattr(importlib.import_module(ex.module), ex.checker)
    right = ex.right(nb)
    with redirect_stdout(io.StringIO()) as out:
        assert check(right) is True
    assert out.getvalue().startswith("Correct:")
    calls = ex.visible_cases(nb)
    assert calls
    shown = set().union(*(_formats(value) for _, _, value in calls))
    # numbers a message may name: the cases' own parameters
    allowed = {s for args, kwargs, _ in calls for v in [*args, *kwargs.values()]
               if isinstance(v, (int, float)) for s in _formats(v)}

    def scaled(factor):
        def answer(*args, **kwargs):
            value = right(*args, **kwargs)
            if isinstance(value, (tuple, list)):
                return type(value)(v * factor for v in value)
            return value * factor
        return answer

    wrong = [scaled(1.37), scaled(0.5), scaled(2.0), scaled(-1.0),
             lambda *a, **k: 0.123, lambda *a, **k: "x"]
    for answer in wrong:
        try:
            with redirect_stdout(io.StringIO()):
                check(answer)
        except AssertionError as err:
            message = str(err)
            leaked = [s for s in shown - allowed
                      if re.search(rf"(?<![\d.]){re.escape(s)}(?!\d)", message)]
            assert not leaked, f"{ex.checker}: {message!r} shows {leaked}"
