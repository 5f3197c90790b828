"""``python -m initlib``: the notebook list, links, and a command line that explains
itself (help with defaults and examples, usage errors, commands that work as printed,
quiet when piped into ``head``)."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

from initlib.course import catalogue

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REPO = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def run_main(*args, check=True):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "initlib", *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, cwd=ROOT / "tests",
                          check=check, timeout=120)


def test_lists_every_notebook_in_order_with_its_path():
    out = run_main().stdout
    positions = [out.index(f"{nb.number}  {nb.title}\n") for nb in catalogue.NOTEBOOKS]
    assert positions == sorted(positions)
    for path in NOTEBOOKS:
        assert f"    {path}\n" in out
    assert "colab.research.google.com" not in out


def test_the_printed_open_command_works_as_printed():
    """It names this interpreter (no activated environment needed) and JupyterLab's
    module, with the repository as the server's root and notebook 01 to open."""
    line = next(ln for ln in run_main().stdout.splitlines()
                if ln.startswith("Open the collection: "))
    command = shlex.split(line.removeprefix("Open the collection: "))
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert command[-1] == str(ROOT / "notebooks" / NOTEBOOKS[0].name)
    version = subprocess.run([*command[:3], "--version"], capture_output=True, text=True,
                             timeout=600)
    assert version.returncode == 0 and version.stdout.strip()[0].isdigit()


def test_online_gives_github_and_colab_links():
    out = run_main("--online", "--hub", "https://hub.example.edu").stdout
    for path in NOTEBOOKS:
        assert f"GitHub: {REPO}/blob/main/notebooks/{path.name}\n" in out
        assert f"Colab:  {catalogue.colab_url(REPO, path.name)}\n" in out
    assert catalogue.binder_url(REPO) in out
    assert catalogue.nbgitpuller_url(REPO, "https://hub.example.edu") in out
    assert str(ROOT / "notebooks") not in out


def test_help_gives_defaults_and_examples():
    out = run_main("--help").stdout
    assert "usage: python -m initlib" in out and "--online" in out and "--hub" in out
    assert out.count("(default") >= 2 and "examples:" in out


def test_bad_option_is_a_usage_error_not_a_traceback():
    result = run_main("--bogus", check=False)
    assert result.returncode == 2
    assert "usage: python -m initlib" in result.stderr and "Traceback" not in result.stderr


def test_a_closed_pipe_is_not_an_error():
    """``python -m initlib | head``: the reader has gone; no BrokenPipeError traceback."""
    read, write = os.pipe()
    os.close(read)  # every write now fails with EPIPE, as after `head` has exited
    try:
        result = subprocess.run([sys.executable, "-m", "initlib"], stdout=write,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_the_version_is_written_once():
    from importlib.metadata import version

    import initlib

    assert version("initlib") == initlib.__version__
    assert "version =" not in (Path(__file__).parent.parent / "pyproject.toml").read_text(
        ).split("[project]", 1)[1].split("\n[", 1)[0]
