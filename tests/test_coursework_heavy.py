"""Heavy cells (tagged ``heavy``) are not run under nbgrader: autograde skips them and
still grades the hidden tests (full marks for the instructor's answers, none for a blank
submission), a cell that reads a skipped cell's results without the tag is caught (by
reading the notebook, and by the NameError it meets at autograde), and every notebook
that has heavy cells autogrades without an error and with full marks
(``coursework/heavy.py``)."""

import copy
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "coursework"))
pytest.importorskip("nbgrader")
heavy = importlib.import_module("heavy")
msv = importlib.import_module("make_student_versions")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TAGGED = [p for p in NOTEBOOKS
          if any(heavy.is_heavy(c) for c in json.loads(p.read_text(encoding="utf-8"))["cells"])]


def code(source, tags=(), **nbgrader):
    meta = {}
    if tags:
        meta["tags"] = list(tags)
    if nbgrader:
        meta["nbgrader"] = {"schema_version": 3, "solution": False, "grade": False,
                            "locked": False, **nbgrader}
    return {"cell_type": "code", "execution_count": None, "metadata": meta, "outputs": [],
            "source": source}


def markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


ANSWER = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
TEST = ("assert callable(double)\n### BEGIN HIDDEN TESTS\nfor x in (3, 7.5, -2):\n"
        "    assert abs(double(x) - 2 * x) < 1e-9, f'wrong at x = {x}'\n"
        "### END HIDDEN TESTS")


def notebook(tag_dependent=True):
    """A notebook with a heavy cell (it leaves a file behind and binds ``result``), a
    cell that reads ``result`` (tagged or not), and one template exercise."""
    cells = [
        code("import math"),
        code("open('heavy-cell-ran', 'w').close()\nresult = math.sqrt(1764)", tags=["heavy"]),
        code("assert result == 42\nprint(result)", tags=["heavy"] if tag_dependent else []),
        markdown("**1. Double (2 points).** Write `double(x)`."),
        code(ANSWER, solution=True, grade_id="nb01_ex1_answer"),
        code(TEST, grade=True, locked=True, points=2, grade_id="nb01_ex1_test"),
    ]
    meta = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))["metadata"]
    return {"cells": cells, "metadata": {k: meta[k] for k in ("kernelspec", "language_info")
                                         if k in meta},
            "nbformat": 4, "nbformat_minor": 5}


# --------------------------------------------------------------------------- reading

def test_tagging_finds_cells_by_first_line_and_refuses_what_it_must_not_tag():
    nb = notebook()
    for cell in nb["cells"]:
        cell["metadata"].pop("tags", None)
    nb["cells"].insert(1, code("# NBVAL_IGNORE_OUTPUT\nprint(math.pi)"))
    nb["cells"].insert(2, code("# NBVAL_IGNORE_OUTPUT\nprint(math.e)"))
    before = copy.deepcopy(nb)
    assert heavy.tag_cells(nb, ["open('heavy-cell-ran', 'w').close()",
                                "  print(math.e)  "]) == [3, 2]
    assert [heavy.is_heavy(c) for c in nb["cells"]] == [False, False, True, True, False,
                                                       False, False, False]
    for cell in nb["cells"]:  # nothing changes but the tags
        cell["metadata"].pop("tags", None)
    assert nb == before
    for lines, message in [(["# NBVAL_IGNORE_OUTPUT"], "2 code cells"),
                           (["print(math.tau)"], "0 code cells"),
                           (["def double(x):"], "nbgrader cell"),
                           (["assert callable(double)"], "nbgrader cell")]:
        with pytest.raises(ValueError, match=message):
            heavy.tag_cells(copy.deepcopy(before), lines)


def test_tagging_a_file_changes_only_the_tags(tmp_path):
    source = ROOT / "notebooks" / "10_beyond.ipynb"
    text = source.read_text(encoding="utf-8")
    nb = json.loads(text)
    # written as nbformat writes it: a file with no new tag comes back byte for byte
    assert json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n" == text
    index, line = next((i, heavy.first_line(c)) for i, c in enumerate(nb["cells"])
                       if c["cell_type"] == "code" and not heavy._graded(c)
                       and not heavy.is_heavy(c) and heavy.first_line(c) and
                       sum(heavy.first_line(d) == heavy.first_line(c) for d in nb["cells"]) == 1)
    out = tmp_path / source.name
    assert heavy.tag_file(source, [line], out) == [index]
    changed = json.loads(out.read_text(encoding="utf-8"))
    assert changed["cells"][index]["metadata"]["tags"][-1] == heavy.TAG
    changed["cells"][index]["metadata"]["tags"].pop()
    if not changed["cells"][index]["metadata"]["tags"]:
        del changed["cells"][index]["metadata"]["tags"]
    assert changed == nb


def test_an_untagged_cell_that_reads_a_heavy_result_is_found():
    assert heavy.untagged_dependents(notebook(tag_dependent=True)) == []
    found = heavy.untagged_dependents(notebook(tag_dependent=False))
    assert len(found) == 1 and found[0].startswith("cell 2 (assert result == 42)") \
        and found[0].endswith(": result")
    # rebound before it is read, or bound by an untagged cell too: nothing to find
    nb = notebook(tag_dependent=False)
    nb["cells"][2]["source"] = "result = 1\nassert result == 1"
    assert heavy.untagged_dependents(nb) == []
    nb["cells"].insert(1, code("result = 0"))
    nb["cells"][3]["source"] = "print(result)"
    assert heavy.untagged_dependents(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_heavy_cells_of_the_notebooks(path):
    """No cell reads what a skipped cell computed without being skipped too, and no
    graded, answer or locked cell is tagged (nbgrader must run those)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert heavy.untagged_dependents(nb) == []
    assert [heavy.first_line(c) for c in nb["cells"] if heavy.is_heavy(c) and heavy._graded(c)] \
        == []


def test_nbgrader_is_configured_to_skip_them():
    """Autograde's IsolatedExecute and validate's Execute, with the course's settings and
    with the student edition's, leave out cells tagged ``heavy``."""
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader

    edition = importlib.import_module("student_edition")
    isolation = importlib.import_module("isolation")
    course = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "coursework")).load_config()
    assert isolation.IsolatedExecute(config=course).skip_cells_with_tag == heavy.TAG
    assert Execute(config=course).skip_cells_with_tag == heavy.TAG

    steps = course.Autograde.autograde_preprocessors
    assert steps.index(heavy.KeepGradedCells) == steps.index(isolation.IsolatedExecute) - 1

    namespace = {"get_config": lambda: config}
    from traitlets.config import Config

    config = Config()
    exec(edition.NBGRADER_CONFIG, namespace)  # noqa: S102  (the file the edition ships)
    assert Execute(config=config).skip_cells_with_tag == heavy.TAG


def test_a_graded_cell_tagged_in_a_submission_runs_all_the_same():
    """nbgrader restores a graded cell's source but not its tags; a skipped test cell
    graded in the kernel would show no error, which scores full points."""
    from nbformat import from_dict

    nb = from_dict(notebook())
    for cell in nb.cells[4:]:
        cell.metadata["tags"] = ["heavy", "other"]
    nb, _ = heavy.KeepGradedCells().preprocess(nb, {})
    assert [c.metadata.get("tags") for c in nb.cells if c.cell_type == "code"] == \
        [None, ["heavy"], ["heavy"], ["other"], ["other"]]


# --------------------------------------------------------------------------- autograde

def _course(root):
    for name, tagged in (("mini", True), ("broken", False)):
        folder = root / "source" / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook(tagged)), encoding="utf-8")
    msv.nbgrader("generate_assignment", "*", "--force", root=root, quiet=True)


def _submit(root, student, name, answer=None):
    nb = json.loads((root / "release" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    if answer:
        cell = next(c for c in nb["cells"]
                    if c["metadata"].get("nbgrader", {}).get("grade_id") == "nb01_ex1_answer")
        cell["source"] = answer
    dest = root / "submitted" / student / name
    dest.mkdir(parents=True)
    (dest / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


def test_autograde_skips_heavy_cells_and_grades_the_hidden_tests(tmp_path):
    root = tmp_path / "course"
    _course(root)
    release = json.loads((root / "release" / "mini" / "mini.ipynb").read_text())
    # the student version keeps the tags (a student's validate skips the same cells)
    assert [heavy.is_heavy(c) for c in release["cells"]][1:3] == [True, True]
    right = "def double(x):\n    return x + x"
    _submit(root, "instructor", "mini", right)
    _submit(root, "blank", "mini")
    _submit(root, "instructor", "broken", right)
    msv.nbgrader("autograde", "*", "--create", root=root, quiet=True)

    for student, points in (("instructor", 2.0), ("blank", 0.0)):
        assert heavy.scores(root, student, "mini") == (points, 2.0), student
        done = root / "autograded" / student / "mini"
        assert not (done / "heavy-cell-ran").exists()
        cells = json.loads((done / "mini.ipynb").read_text())["cells"]
        assert cells[1]["outputs"] == [] and cells[2]["outputs"] == []  # not run
    assert heavy.errors(root / "autograded" / "instructor" / "mini" / "mini.ipynb") == []
    # the untagged cell that reads the skipped cell's result meets a NameError, which
    # changes no grade (the exercise is graded on its own)
    found = heavy.errors(root / "autograded" / "instructor" / "broken" / "broken.ipynb")
    assert len(found) == 1 and "NameError" in found[0] and "result" in found[0], found
    assert heavy.scores(root, "instructor", "broken") == (2.0, 2.0)

    # a student validates in the student edition, with the settings it ships
    edition = importlib.import_module("student_edition")
    student = tmp_path / "edition"
    (student / "notebooks").mkdir(parents=True)
    (student / "nbgrader_config.py").write_text(edition.NBGRADER_CONFIG, encoding="utf-8")
    shutil.copy2(root / "submitted" / "instructor" / "mini" / "mini.ipynb",
                 student / "notebooks" / "mini.ipynb")
    out = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "notebooks/mini.ipynb"],
                         cwd=student, env=msv.environment(), capture_output=True, text=True)
    assert out.returncode == 0 and "Success" in out.stdout, out.stdout + out.stderr
    assert not (student / "notebooks" / "heavy-cell-ran").exists()


@pytest.mark.parametrize("path", TAGGED or [pytest.param(None, marks=pytest.mark.skip(
    reason="no notebook has heavy cells yet"))], ids=lambda p: p.name if p else "none")
def test_a_tagged_notebook_autogrades_without_errors(path, tmp_path):
    """The instructor's whole notebook as a submission: no cell fails (a NameError here is
    an untagged cell that needs a skipped one) and every graded point is scored."""
    run = heavy.time_autograde(path, tmp_path)
    assert run["status"] == 0, run["log"][-3000:]
    assert heavy.errors(run["autograded"]) == []
    got, most = heavy.scores(run["root"], "instructor", path.stem)
    assert got == most > 0
