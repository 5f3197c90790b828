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

# Tests that take more than about 1 s of CPU each (measured one by one on 2 cores), so
# that the fast tier stays under a minute. Patterns match the end of the node id
# ("file.py::test_name[param]"; "[[]" is a literal "["), so a test keeps its tier when its
# file is renamed or moved.
SLOW = [
    "*::test_every_control_combination_on_a_coarse_grid_draws[[]*",
    "*::test_theory_matches_measurement_averaged_over_seeds[[]*",
    "*::test_tanh_gradient_prediction_within_15_percent_at_every_layer[[]*",
    "*::test_every_name_works_in_the_figures_and_the_explorer[[]*",
    "*::test_piping_the_help_into_head_prints_no_traceback[[]*",
    "*::test_importing_changes_no_process_setting",
    "*::test_the_printed_open_command_works_as_printed",
    "*::test_binder_image_installs_binder_requirements_with_the_pinned_python",
    "*::test_he_stays_healthy_small_normal_collapses",
    "*::test_docstring_examples_run[[]initlib.viz.explorer]",
    "*::test_docstring_examples_run[[]initlib.diagnostics.propagation]",
    "*::test_docstring_examples_run[[]initlib.training.*]",
    "*::test_scale_moves_the_signal_as_predicted",
    "*::test_moving_depth_changes_data_and_picture",
    "*::test_default_shows_measurement_and_theory",
    "*::test_symmetry_constant_init_keeps_hidden_units_identical",
    "*::test_zero_init_stays_at_chance",
    "*::test_train_is_reproducible_and_shaped",
    "*::test_dynamics_are_recorded_when_asked",
    "*::test_run_order_does_not_change_results",
    "*::test_gradient_profile_of_a_deep_glorot_relu_stack",
    "*::test_orthogonal_learns_faster_than_gaussian_when_deep",
    "*::test_fixed_point_and_slope_match_adaptive_quadrature[[]*",
    "*::test_stop_at_chance_ends_a_deep_glorot_relu_run_and_not_a_learning_one",
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


#: The suite runs on pytest-xdist workers, a test file at a time (pyproject.toml's addopts:
#: ``-n auto --dist loadfile --no-loadscope-reorder``). Files are handed out in collection
#: order, so the long ones go first (the classroom's one check, the book and the browser,
#: the nbgrader round trips, the notebooks), and no worker is left with a long file while
#: the others are idle. Within a file the order is kept: a notebook's cells run in order.
LONG_FIRST = ("classroom", "browser", "coursework", "notebooks")
#: Workers for ``-n auto``: one per CPU this process may use, at most this many (a
#: notebook's kernel holds up to about 1 GB, a JupyterLab and Chromium as much again); none
#: for the fast tier (``-m "not slow"``), which is quicker in one process than in workers
#: that each import TensorFlow again.
MAX_WORKERS = 4


def pytest_collection_modifyitems(config, items):
    rank: dict[str, int] = {}  # file -> its earliest place in LONG_FIRST
    for item in items:
        tiers = _tier_markers(item)
        present = {m.name for m in item.iter_markers()}
        for name in sorted(tiers - present):
            item.add_marker(getattr(pytest.mark, name))
        first = min((i for i, m in enumerate(LONG_FIRST) if m in tiers), default=len(LONG_FIRST))
        rank[str(item.path)] = min(rank.get(str(item.path), first), first)
    items.sort(key=lambda item: rank[str(item.path)])  # stable: order within a file kept


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    if "not slow" in (config.option.markexpr or ""):
        return 0
    return max(1, min(usable_cpus(), MAX_WORKERS))
