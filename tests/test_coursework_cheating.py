"""The cheating students, on every graded function exercise of every notebook: their
answers are graded by the hidden tests as ``nbgrader autograde`` grades them (the
coursework's ``IsolatedExecute``: the test cell in this process, the answer cells in a
sandbox) and score 0; the instructor's answers pass every hidden test and the mistaken
student gets partial credit. The cheats are real: where the library can be reached (the
student's kernel), they pass the formative checkers.

The kernel-wide attacks (an exception handler, an input transformer, a patched checker)
act on the kernel, so they also go through nbgrader itself, in
``tests/test_coursework.py::test_one_notebook_through_autograding``."""

import contextlib
import importlib
import io
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "coursework"))
pytest.importorskip("nbgrader")
isolation = importlib.import_module("isolation")
students = importlib.import_module("students")
template = importlib.import_module("template")

# autograde allows 10 s (IsolatedExecute.sandbox_timeout); no answer here loops, and a
# busy test machine may need longer to start a sandbox
TIMEOUT = 60.0
NOTEBOOKS = [p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
             if not template.problems(p)]


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def graded(student, path):
    """{grade_id: (passed, message, points)} of every isolated test cell of the notebook
    at ``path`` for ``student``'s submission, graded as IsolatedExecute grades it."""
    source = read(path)
    cells = students.submission(student, source, source)["cells"]
    # nbgrader restores the locked cells from the instructor's version: the test cells
    # below are the instructor's, hidden tests included
    tests = [(i, prefix) for i, cell in enumerate(source["cells"])
             if (prefix := isolation.isolated_prefix(cell))]

    def one(test):
        i, prefix = test
        preamble, answers = isolation.exercise_sources(cells, i, prefix)
        passed, kind, message = isolation.grade(students.text(source["cells"][i]), preamble,
                                                answers, timeout=TIMEOUT)
        meta = students.meta(source["cells"][i])
        return meta["grade_id"], (passed, f"{kind}: {message}", float(meta["points"]))

    return dict(map(one, tests))  # one at a time: grade() redirects sys.stdout


def test_every_notebook_but_those_off_the_template_is_here():
    assert len(NOTEBOOKS) >= 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_the_instructor_gets_every_point_and_the_mistaken_student_some(path):
    right = graded("instructor", path)
    assert right and all(passed for passed, _, _ in right.values()), right
    mistaken = graded("mistaken", path)
    got = sum(points for passed, _, points in mistaken.values() if passed)
    most = sum(points for _, _, points in mistaken.values())
    if len(students.exercises(read(path))) >= 2:  # every other function is wrong
        assert 0 < got < most, mistaken
    else:
        assert got == most, mistaken


# the kernel-wide attacks answer a constant here; their attack is on the kernel (above)
ANSWER_CHEATERS = [c for c in students.CHEATERS if c not in students.KERNEL_ATTACKS]


@pytest.mark.parametrize("cheater", ANSWER_CHEATERS)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_a_cheater_scores_zero(cheater, path):
    scores = graded(cheater, path)
    assert scores
    passed = {gid: message for gid, (ok, message, _) in scores.items() if ok}
    assert not passed, f"{cheater} passes {passed}"
    for gid, (_, message, _) in scores.items():
        assert isolation.BEGIN not in message, (gid, message)


@contextlib.contextmanager
def restored_exercise_modules():
    """Put back whatever a cheating answer patched in the exercises' modules."""
    names = [n for n in sys.modules if n.startswith("initlib.course.exercises")]
    saved = {n: dict(vars(sys.modules[n])) for n in names}
    try:
        yield
    finally:
        for n, values in saved.items():
            module_vars = vars(sys.modules[n])
            module_vars.clear()
            module_vars.update(values)


def fools_the_checker(student, ex, index, nb):
    """True if ``student``'s answer, run where the library can be imported, passes the
    formative checker."""
    module = importlib.import_module(ex.module)
    importlib.import_module("initlib.course.exercises.feedback")
    with restored_exercise_modules():
        namespace = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(students.answer(student, ex, index, nb), namespace)  # noqa: S102
        function = namespace[ex.function]
    with restored_exercise_modules(), contextlib.redirect_stdout(io.StringIO()):
        try:
            return getattr(module, ex.checker)(function) is True
        except AssertionError:
            return False


@pytest.mark.parametrize("cheater", ["brute_force", "intercept", "library", "library_file"])
def test_the_cheats_pass_the_formative_checkers(cheater):
    """brute_force passes every checker (it holds the values of the visible cases);
    the others pass every checker that compares with a function of the library."""
    tried = fooled = 0
    for path in NOTEBOOKS:
        nb = read(path)
        for index, ex in enumerate(students.exercises(nb)):
            spied = ex.spy()
            if cheater != "brute_force" and not (spied and callable(spied[0])):
                continue
            tried += 1
            fooled += fools_the_checker(cheater, ex, index, nb)
    assert tried >= 5 and fooled == tried, f"{fooled} of {tried}"
