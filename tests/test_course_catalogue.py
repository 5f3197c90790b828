"""Launching the collection: the package, `python -m initlib`, the Colab links and install
cells, and the Binder environment."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from initlib.course import catalogue as launch

try:
    import tomllib
except ImportError:  # Python 3.10 (pytest depends on tomli there)
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPO = PYPROJECT["project"]["urls"]["Repository"]


def load_script(name):
    spec = importlib.util.spec_from_file_location(f"ci_{name}", ROOT / ".ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


colab = load_script("colab")


def heading(path):
    first = json.loads(path.read_text())["cells"][0]
    line = next(ln for ln in "".join(first["source"]).splitlines() if ln.startswith("# "))
    return line[2:]


# --- the repository address ----------------------------------------------------------


def test_one_repository_address():
    urls = PYPROJECT["project"]["urls"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPO)
    assert all(u == REPO or u.startswith(REPO + "/") for u in urls.values())
    assert launch.repository_url() == REPO


def test_installed_metadata_gives_the_same_address(monkeypatch):
    monkeypatch.setattr(launch, "_urls_from_pyproject", lambda path: None)
    assert launch.repository_url() == REPO


def test_links():
    slug = REPO.removeprefix("https://github.com/")
    assert launch.colab_url(REPO, "01_theory.ipynb") == (
        f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/01_theory.ipynb")
    assert launch.binder_url(REPO) == (
        f"https://mybinder.org/v2/gh/{slug}/HEAD?urlpath=lab/tree/notebooks/01_theory.ipynb")
    puller = launch.nbgitpuller_url(REPO, "https://hub.example.edu/")
    assert puller.startswith("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A")
    name = slug.split("/")[1]
    assert puller.endswith(f"&urlpath=lab/tree/{name}/notebooks/01_theory.ipynb&branch=main")
    assert launch.colab_url("https://gitlab.com/a/b", "x.ipynb") is None


# --- dependencies ---------------------------------------------------------------------


def requirement_lines(path):
    lines = (ROOT / path).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "-"))]


def lower_bounds(lines):
    return {re.split(r"[<>=!~;\[ ]", ln, maxsplit=1)[0].lower(): re.search(r">=([\w.]+)", ln)[1]
            for ln in lines if ">=" in ln}


def test_package_dependencies_agree_with_requirements():
    project = PYPROJECT["project"]
    core = lower_bounds(project["dependencies"])
    extras = {k: lower_bounds(v) for k, v in project["optional-dependencies"].items()}
    pinned = lower_bounds(requirement_lines("requirements.txt"))
    assert {"numpy", "scipy", "matplotlib", "scikit-learn", "pandas", "tqdm"} <= set(core)
    assert {"tensorflow", "keras"} == set(extras["keras"]) and not {"tensorflow", "keras",
                                                                     "ipywidgets"} & set(core)
    assert set(extras["widgets"]) == {"ipywidgets"}
    for deps in (core, *extras.values()):
        for name, low in deps.items():
            assert pinned[name] == low, name


def test_binder_requirements_are_the_student_set_on_linux_x86_64():
    from packaging.requirements import Requirement

    linux = {"platform_system": "Linux", "platform_machine": "x86_64", "sys_platform": "linux"}
    student = []
    for line in requirement_lines("requirements.txt"):
        if line.startswith("./"):  # a local folder: postBuild installs it
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(linux):
            req.marker = None
            student.append(str(req))
    binder = [str(Requirement(line)) for line in requirement_lines("binder/requirements.txt")]
    assert binder == student
    assert any(name.startswith("tensorflow-cpu") for name in binder)
    locals_ = [ln for ln in requirement_lines("requirements.txt") if ln.startswith("./")]
    assert "pip install --no-deps . " + " ".join(locals_) in (
        ROOT / "binder/postBuild").read_text()


# --- python -m initlib ----------------------------------------------------------------


def test_catalogue_matches_the_notebooks_and_the_readme():
    assert [nb.name for nb in launch.NOTEBOOKS] == [p.name for p in NOTEBOOKS]
    for nb, path in zip(launch.NOTEBOOKS, NOTEBOOKS, strict=True):
        assert heading(path) == f"{nb.number} · {nb.title}"
    readme = (ROOT / "README.md").read_text()
    for nb in launch.NOTEBOOKS:
        assert f"(notebooks/{nb.name}) | {nb.summary} |" in readme


# --- Colab badge and install cell -----------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_badge_and_install_cell_are_current(path):
    nb = json.loads(path.read_text())
    assert not colab.update_notebook(nb, REPO, path.name), (
        f"stale: run .ci/colab.py {path.relative_to(ROOT)} and re-execute the notebook")
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith(f"[![Open In Colab]({launch.COLAB_BADGE})]"
                            f"({launch.colab_url(REPO, path.name)})\n\n# ")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "".join(code[0]["source"]) == colab.install_cell_source(REPO)
    assert code[0]["outputs"] == []


def test_readme_links_are_current():
    text = (ROOT / "README.md").read_text()
    assert colab.update_readme(text, REPO) == text
    assert f"]({launch.binder_url(REPO)})" in text


def run_cell(source, monkeypatch, modules):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    for name in ("google", "google.colab"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    for name in modules:
        monkeypatch.setitem(sys.modules, name, type(sys)(name))
    exec(compile(source, "<install cell>", "exec"), {})
    return calls


def test_install_cell_does_nothing_outside_colab(monkeypatch, capsys):
    assert run_cell(colab.install_cell_source(REPO), monkeypatch, []) == []
    assert capsys.readouterr() == ("", "")


def test_install_cell_installs_only_initlib_on_colab(monkeypatch):
    calls = run_cell(colab.install_cell_source(REPO), monkeypatch, ["google", "google.colab"])
    ((args, kwargs),) = calls
    assert args[0] == [sys.executable, "-m", "pip", "install", "-q", f"initlib @ git+{REPO}"]
    assert kwargs == {"check": True}


def test_colab_script_is_idempotent_and_follows_the_address(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for path in NOTEBOOKS[:2]:
        nb = json.loads(path.read_text())
        # as before the script ever ran: no badge, no install cell
        nb["cells"] = [c for c in nb["cells"] if not colab._is_install_cell(c)]
        first = nb["cells"][0]
        first["source"] = [ln for ln in first["source"] if not ln.startswith("[![Open In")]
        while first["source"][0] == "\n":
            first["source"].pop(0)
        (tmp_path / "notebooks" / path.name).write_text(colab.dump_notebook(nb))
    root = ["--root", str(tmp_path)]

    assert colab.main([*root, "--check"]) == 1
    assert colab.main(root) == 0
    assert capsys.readouterr().out.endswith("2 of 3 files changed\n")  # README is current
    assert colab.main([*root, "--check"]) == 0
    assert colab.main(root) == 0
    assert capsys.readouterr().out.endswith("0 of 3 files changed\n")
    copies = sorted((tmp_path / "notebooks").glob("*.ipynb"))
    for copy in copies:
        nb = json.loads(copy.read_text())
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "".join(first_code["source"]) == colab.install_cell_source(REPO)
        first_code["execution_count"] = 1  # as after executing the notebook
        copy.write_text(colab.dump_notebook(nb))

    fork = "https://github.com/someone/fork"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(REPO, fork))
    assert colab.main([*root, "--check"]) == 1
    capsys.readouterr()
    assert colab.main(root) == 0
    assert capsys.readouterr().out.endswith("3 of 3 files changed\n")
    assert colab.main([*root, "--check"]) == 0
    for copy in copies:
        text = copy.read_text()
        old_slug = REPO.removeprefix("https://github.com/")
        assert old_slug not in text and text.count("someone/fork") == 2
        nb = json.loads(text)
        install = [c for c in nb["cells"] if colab._is_install_cell(c)]
        assert len(install) == 1 and install[0]["execution_count"] == 1
        assert heading(copy) == heading(ROOT / "notebooks" / copy.name)
    readme = (tmp_path / "README.md").read_text()
    assert old_slug not in readme and "mybinder.org/v2/gh/someone/fork/HEAD" in readme
    assert readme.count("<!-- badges -->") == 1


# --- Binder ---------------------------------------------------------------------------


def repo2docker():
    exe = Path(sys.executable).with_name("jupyter-repo2docker")
    return str(exe) if exe.exists() else shutil.which("jupyter-repo2docker")


@pytest.mark.skipif(repo2docker() is None,
                    reason="jupyter-repo2docker is not installed (pip install -r "
                           "requirements.txt installs it)")
def test_binder_image_installs_binder_requirements_with_the_pinned_python():
    out = subprocess.run([repo2docker(), "--no-build", "--debug", "."], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=True)
    dockerfile = out.stdout
    python = (ROOT / "binder/runtime.txt").read_text().strip().removeprefix("python-")
    assert re.fullmatch(r"3\.\d+", python)
    assert f"Building conda environment for python={python}" in out.stderr
    # the conda environment's lock file, copied under an escaped name ("-2e" is ".")
    unescaped = re.sub(r"-([0-9a-f]{2})", lambda m: chr(int(m[1], 16)), dockerfile)
    assert re.search(rf"/environment\.py-{re.escape(python)}-linux-", unescaped)
    assert "src/binder/requirements.txt ${REPO_DIR}/binder/requirements.txt" in dockerfile
    assert re.search(r'/bin/pip install --no-cache-dir -r "binder/requirements\.txt"\n',
                     dockerfile)
    assert "RUN ./binder/postBuild" in dockerfile
    assert "requirements.txt" not in dockerfile.replace("binder/requirements.txt", "")


binder_check = load_script("binder_check")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_binder_check_measures_a_process():
    usage = binder_check.kernel_usage(os.getpid())
    assert 10 < usage["peak_mib"] < 100_000 and usage["cpu_s"] > 0
    assert Path(usage["python"]).name.startswith("python")


def test_resources_table_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- resources -->\n", 1)[1].split("<!-- /resources -->", 1)[0]
    assert binder_check.HEADER in block and block in (ROOT / "binder/resources.md").read_text()
    rows = re.findall(r"^\| (\d\d_\w+) \| \d+ \| \d+ \| (\d+) \|$", block, flags=re.M)
    assert [name for name, _ in rows] == [p.stem for p in NOTEBOOKS]
    assert all(int(mib) <= binder_check.LIMIT_MIB for _, mib in rows)
