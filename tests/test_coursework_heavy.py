"""Heavy cells (tagged ``heavy``) are not run under nbgrader: autograde skips them and
still grades the hidden tests (full marks for the instructor's answers, none for a blank
submission), a cell that reads a skipped cell's results without the tag meets a NameError
at autograde (tests/test_heavy_cells.py finds it by reading the notebook), a student's
validate with the student edition's settings skips them too, and every notebook
that has heavy cells autogrades without an error and with full marks
(``coursework/heavy.py``)."""

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "coursework"))
sys.path.insert(0, str(ROOT / "tests"))
pytest.importorskip("nbgrader")
heavy = importlib.import_module("heavy")
msv = importlib.import_module("make_student_versions")
notebook = importlib.import_module("test_heavy_cells").notebook  # a notebook with heavy cells

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TAGGED = [p for p in NOTEBOOKS
          if any(heavy.is_heavy(c) for c in json.loads(p.read_text(encoding="utf-8"))["cells"])]


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
