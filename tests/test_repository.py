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
    assert "jupyter lab notebooks/01_theory.ipynb" in lab
    assert "pytest" in test
    assert lab.startswith("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt ")
    assert test.startswith("python3 -m venv .venv && .venv/bin/pip install -r "
                           "requirements-dev.txt ")


def test_ci_runs_the_readme_test_command():
    assert readme_commands()[1] in (ROOT / ".ci/run").read_text()


def test_every_notebook_is_listed_in_order_in_the_readme():
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    text = (ROOT / "README.md").read_text()
    positions = [text.index(f"notebooks/{name}") for name in notebooks]
    assert positions == sorted(positions) and len(notebooks) >= 9
