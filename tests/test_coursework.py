"""Coursework: the exercises' nbgrader markup in the instructor's notebooks, the student
versions nbgrader makes from them, and one notebook autograded end to end
(``python coursework/check_workflow.py`` grades every notebook; CI runs it)."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

from initlib.course import exercises

nbgraderformat = pytest.importorskip("nbgrader.nbgraderformat")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
COURSE = NOTEBOOKS  # each must have checks


def load(name):
    spec = importlib.util.spec_from_file_location(f"coursework_{name}",
                                                  ROOT / "coursework" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


workflow = load("check_workflow")
REVEAL_NOTE = sys.modules["student_version"].REVEAL_NOTE


def text(cell):
    return "".join(cell["source"])


def role(cell):
    meta = cell["metadata"].get("nbgrader", {})
    return "answer" if meta.get("solution") else "check" if meta.get("grade") else None


def test_the_course_is_every_notebook():
    assert [p.name[:2] for p in COURSE] == [f"{i:02d}" for i in range(1, len(COURSE) + 1)]
    assert len(COURSE) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_markup(path):
    nbgraderformat.MetadataValidator().validate_nb(nbformat.read(path, as_version=4))
    cells = json.loads(path.read_text())["cells"]
    start = next(i for i, c in enumerate(cells) if "## Exercises" in text(c))
    end = next((i for i, c in enumerate(cells) if i > start and "## References" in text(c)),
               len(cells))
    section = cells[start:end]
    statements = "\n".join(text(c) for c in section if c["cell_type"] == "markdown")
    numbers = [int(n) for n in re.findall(r"^\*\*(\d+)\. ", statements, flags=re.M)]
    answers = [i for i, c in enumerate(cells) if role(c) == "answer"]
    checks = [i for i, c in enumerate(cells) if role(c) == "check"]
    if path in COURSE:
        assert 2 <= len(numbers) <= 4 and numbers == list(range(1, len(numbers) + 1))
        assert answers and len(answers) == len(checks)
    assert all(start < i < end for i in answers + checks)
    for i in answers:
        statement, answer, check = cells[i - 1], cells[i], cells[i + 1]
        variable = re.match(r"(\w+) = None  # your answer", text(answer))[1]
        assert f"`{variable}" in text(statement) and "(checked)" in text(statement)
        assert text(statement).endswith(REVEAL_NOTE)
        assert answer["metadata"]["jupyter"] == {"source_hidden": True}
        lines = text(answer).splitlines()
        assert lines[1] == "### BEGIN SOLUTION" and lines[-1] == "### END SOLUTION"
        assert not answer["outputs"]  # nothing that gives the answer away above the check
        meta = check["metadata"]["nbgrader"]
        assert role(check) == "check" and meta["locked"] and meta["points"] > 0
        name = re.search(r"from initlib\.exercises import (check_\w+)", text(check))[1]
        assert name in exercises.__all__
        assert re.search(rf"^assert {name}\({variable}\b", text(check), flags=re.M)
        (out,) = check["outputs"]
        assert out["name"] == "stdout" and "".join(out["text"]).startswith("Correct: ")
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in cells if role(c)]
    assert len(ids) == len(set(ids))


def test_every_checker_is_used_in_a_notebook():
    used = set()
    for path in NOTEBOOKS:
        used |= set(re.findall(r"from initlib\.exercises import (check_\w+)", path.read_text()))
    assert used == set(exercises.__all__)


def test_student_versions(tmp_path):
    released = workflow.make(tmp_path / "course", quiet=True)
    assert [p.name for p in released] == [p.name for p in NOTEBOOKS]
    for path in released:
        source = tmp_path / "course" / "source" / "initlib" / path.name
        assert workflow.check_release(source, path) == []
    # a solution, as nbgrader would have to remove it, is really gone
    answer = next(c for c in json.loads(released[0].read_text())["cells"] if role(c) == "answer")
    assert "BEGIN SOLUTION" not in text(answer) and "raise NotImplementedError()" in text(answer)


def test_autograde_one_notebook(tmp_path, capsys):
    problems = workflow.check(["07_he_kaiming.ipynb"], workdir=tmp_path)
    out = capsys.readouterr().out
    assert problems == 0, out
    assert re.search(r"^07_he_kaiming +2 +2/2 +0/2 ", out, flags=re.M), out
