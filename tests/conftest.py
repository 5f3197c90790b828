"""Test tiers.

Every test gets its markers here, from where it lives, so that renamed or new test files
need no decorators:

- ``notebooks``: every notebook cell that nbval checks (``notebooks/*.ipynb``);
- ``browser``: tests that drive JupyterLab in headless Chromium (``test_browser*.py``, or
  any module marked ``pytest.mark.browser``);
- ``coursework``: the nbgrader round trip (``test_coursework*.py``);
- ``classroom``: the JupyterHub classroom (``test_classroom*.py``);
- ``slow``: all of the above, and the tests named in ``SLOW`` (each takes more than about
  2 s on 2 CPU cores: Keras training, subprocesses, full-size sweeps).

``python -m pytest -m "not slow"`` is the fast tier (under a minute, every module of the
library still imported and exercised); ``python -m pytest`` runs everything.
"""

import fnmatch
import os
from pathlib import Path

import matplotlib
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
matplotlib.use("Agg")  # this process only; nbval's kernels keep the inline backend

# Tests measured above ~2 s each (pytest --durations=0, 2 CPU cores). Patterns match the
# end of the node id ("file.py::test_name[param]"), so a test keeps its tier when its
# file is renamed or moved.
SLOW = [
]

FOLDER_MARKERS = {  # file-name pattern -> markers
    "test_browser*.py": ("browser",),
    "test_coursework*.py": ("coursework",),
    "test_classroom*.py": ("classroom",),
}
SLOW_MARKERS = ("notebooks", "browser", "coursework", "classroom")


def _tier_markers(item) -> set[str]:
    path = Path(str(item.path))
    marks = {m.name for m in item.iter_markers()}
    if path.suffix == ".ipynb":
        marks.add("notebooks")
    for pattern, names in FOLDER_MARKERS.items():
        if fnmatch.fnmatch(path.name, pattern):
            marks.update(names)
    if marks & set(SLOW_MARKERS):
        marks.add("slow")
    test_id = item.nodeid.rsplit("/", 1)[-1]  # "file.py::name[param]"
    if any(fnmatch.fnmatchcase(test_id, pattern) for pattern in SLOW):
        marks.add("slow")
    return marks


def pytest_collection_modifyitems(config, items):
    for item in items:
        present = {m.name for m in item.iter_markers()}
        for name in sorted(_tier_markers(item) - present):
            item.add_marker(getattr(pytest.mark, name))
