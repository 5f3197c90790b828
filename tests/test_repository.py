"""The README's promises about the repository itself."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick, flags=re.S)


def test_readme_has_exactly_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2
    lab, test = commands
    # JupyterLab serves the repository's root (README and library in the file browser)
    # and opens notebook 01 at /lab/tree/notebooks/01_theory.ipynb, as the Binder badge does
    assert lab.endswith(" && .venv/bin/jupyter lab --ServerApp.root_dir=. "
                        "notebooks/01_theory.ipynb")
    assert test.endswith(" && .venv/bin/python -m pytest")
    assert lab.startswith("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt ")
    assert test.startswith("python3 -m venv .venv && .venv/bin/pip install -r "
                           "requirements-dev.txt ")


def requirement_names(path):
    names = []
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith(("-", ".")):
            names.append(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0].lower())
    return names


def test_the_student_set_holds_no_instructor_or_developer_tool():
    student = set(requirement_names("requirements.txt"))
    dev_only = set(requirement_names("requirements-dev.txt"))
    assert (ROOT / "requirements-dev.txt").read_text().count("-r requirements.txt\n") == 1
    assert {"pytest", "nbval", "playwright", "nbgrader"} <= dev_only
    assert not student & dev_only, student & dev_only
    assert {"jupyterlab", "ipywidgets", "numpy", "keras"} <= student
    assert "./jupyter-config" in (ROOT / "requirements.txt").read_text().splitlines()


def test_ci_runs_the_readme_test_command_beside_the_perturbed_run_and_waits_for_both():
    ci = (ROOT / ".ci/run").read_text()
    test_command = readme_commands()[1]
    assert test_command in ci
    # the perturbed pass starts in the background before the tests and is waited for
    # after them; the script fails when either fails
    assert ci.index(".ci/binder_check.py --perturbed") < ci.index(test_command)
    assert ci.index(test_command) < ci.index('wait "$binder_pid"')
    assert ci.rstrip().endswith('[ "$tests" -eq 0 ] && [ "$binder" -eq 0 ]')


def test_every_notebook_is_listed_in_order_in_the_readme():
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    text = (ROOT / "README.md").read_text()
    positions = [text.index(f"notebooks/{name}") for name in notebooks]
    assert positions == sorted(positions) and len(notebooks) >= 9
