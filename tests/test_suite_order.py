"""How tests/conftest.py arranges the suite: tiers, the order files are handed to
pytest-xdist's workers, and how many workers ``-n auto`` starts."""

from pathlib import Path
from types import SimpleNamespace

import conftest
import pytest


class Item:
    """As much of a pytest item as the collection hook reads."""

    def __init__(self, nodeid, *marks):
        self.nodeid = nodeid
        self.path = Path("/repo") / nodeid.split("::")[0]
        self.marks = [getattr(pytest.mark, m).mark for m in marks]

    def iter_markers(self):
        return iter(self.marks)

    def add_marker(self, marker):
        self.marks.append(marker.mark)


def test_long_files_first_and_order_within_a_file_kept():
    items = [Item("tests/test_fans.py::test_a"),
             Item("notebooks/02_zero_mean_normal.ipynb::Cell 0"),
             Item("tests/test_classroom.py::test_the_check_passes"),
             Item("notebooks/02_zero_mean_normal.ipynb::Cell 1"),
             Item("tests/test_book.py::test_links"),          # not a browser test itself,
             Item("tests/test_book.py::test_visits", "browser"),  # but its file has one
             Item("tests/test_coursework.py::test_round_trip"),
             Item("notebooks/01_theory.ipynb::Cell 0"),
             Item("tests/test_fans.py::test_b")]
    conftest.pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == [
        "tests/test_classroom.py::test_the_check_passes",
        "tests/test_book.py::test_links", "tests/test_book.py::test_visits",
        "tests/test_coursework.py::test_round_trip",
        "notebooks/02_zero_mean_normal.ipynb::Cell 0",
        "notebooks/02_zero_mean_normal.ipynb::Cell 1",
        "notebooks/01_theory.ipynb::Cell 0",
        "tests/test_fans.py::test_a", "tests/test_fans.py::test_b"]
    tiers = {i.nodeid: {m.name for m in i.marks} for i in items}
    assert tiers["tests/test_classroom.py::test_the_check_passes"] == {"classroom", "slow"}
    assert tiers["notebooks/01_theory.ipynb::Cell 0"] == {"notebooks", "slow"}
    assert tiers["tests/test_book.py::test_links"] == set()
    assert tiers["tests/test_fans.py::test_a"] == set()


def test_the_session_runs_each_file_in_one_piece(request):
    """This run's own order: once a file's tests stop, the file does not come back."""
    done, last = set(), None
    for item in request.session.items:
        path = str(item.path)
        if path != last:
            assert path not in done, f"{path} is split in two"
            done.add(path)
            last = path


@pytest.mark.parametrize(("markexpr", "expected"), [
    ("not slow", 0), ("notebooks and not slow", 0), ("", None), ("notebooks", None)])
def test_workers_for_n_auto(markexpr, expected):
    config = SimpleNamespace(option=SimpleNamespace(markexpr=markexpr))
    workers = conftest.pytest_xdist_auto_num_workers(config)
    cpus = conftest.usable_cpus()
    assert workers == (min(cpus, conftest.MAX_WORKERS) if expected is None else expected)
