"""Heavy cells (tagged ``heavy``; nbgrader skips them, ``coursework/heavy.py``), read
without running anything: cells are tagged by their first lines and nothing else
changes, and no notebook has a cell that reads a skipped cell's results without being
skipped too (it would stop with a NameError under nbgrader), or a graded cell tagged.
Autograde and validate with the tags: tests/test_coursework_heavy.py."""

import copy
import importlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "coursework"))
heavy = importlib.import_module("heavy")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


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
