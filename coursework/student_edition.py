"""Build the student edition: what students get, as a tree of its own that can be
published as a separate repository (or a branch), with no solutions in it.

    python coursework/student_edition.py --out DIR          # build (DIR must not exist)
    python coursework/student_edition.py --out DIR --git    # ... as a git repository
    python coursework/student_edition.py --check DIR        # check a built edition

What goes in: the student versions of the notebooks (nbgrader's release versions: worked
solutions, hidden tests, model answers and rubrics removed, outputs cleared), the library
(``initlib/``, whose formative checkers show no answer), ``requirements.txt`` and what it
installs (``jupyter-config/``), ``binder/``, a ``pyproject.toml`` without the developers'
settings, a README for students, and an ``nbgrader_config.py`` with a generous cell time
limit for ``nbgrader validate`` on slow machines, skipping the cells tagged ``heavy`` as
autograde does (``heavy.py``). What stays out: the instructor's
notebooks, ``tests/`` (its exercise tests are answer keys), ``coursework/``, the
developers' and instructors' tools (``.ci/``, ``bench/``, ``docs/``, ``classroom/``,
``requirements-dev.txt``).

Every link to the instructor's repository (``[project.urls] Repository`` of
``pyproject.toml``) is rewritten to the student edition's address, ``repository`` and
``branch`` in ``coursework/edition.toml``: Colab badges, Binder and hub links, the
Colab install line, and the library's own links (``python -m initlib``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from make_student_versions import make  # noqa: E402

#: Folders and files of the repository that go into the edition as they are.
COPIED = ("initlib", "jupyter-config", "binder", "requirements.txt", "LICENSE")
#: What must never be in the edition (checked by :func:`check`).
FORBIDDEN_PATHS = ("tests", "coursework", "docs", "bench", "classroom", ".ci",
                   "requirements-dev.txt")
FORBIDDEN_TEXT = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                  "**Model answer.**", "**Rubric (", "BEGIN MARK SCHEME")
NBGRADER_CONFIG = '''"""nbgrader's settings for a student who validates a notebook in this folder
(``nbgrader validate notebooks/07_he_kaiming.ipynb``): every cell finishes within
nbgrader's default 30 s on two cores; this margin is for slower machines. Cells tagged
"heavy" (training sweeps and what reads their results; no grade needs them) are not run
by nbgrader, as when your work is graded."""

c = get_config()  # noqa: F821
c.Execute.timeout = 120
c.Execute.skip_cells_with_tag = "heavy"
'''


def settings(path: Path = HERE / "edition.toml") -> dict:
    """``repository`` and ``branch`` of the student edition."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    url = str(data.get("repository", "")).rstrip("/").removesuffix(".git")
    if not re.fullmatch(r"https?://\S+/\S+", url):
        raise ValueError(f"{path}: repository must be an https address, got {url!r}")
    return {"repository": url, "branch": str(data.get("branch", "main"))}


def instructor_repository() -> str:
    from initlib.course.catalogue import repository_url

    return repository_url(ROOT / "pyproject.toml")


def _slug(url: str) -> str:
    return "/".join(url.rstrip("/").split("/")[-2:])


def rewrite_links(text: str, instructor: str, student: str, branch: str = "main") -> str:
    """``text`` with every link to the instructor's repository (``instructor``, an
    ``https://github.com/owner/repo`` address) pointing to the student edition.

    >>> rewrite_links("[Colab](https://colab.research.google.com/github/a/b/blob/main/x.ipynb)",
    ...               "https://github.com/a/b", "https://github.com/a/b-student", "main")
    '[Colab](https://colab.research.google.com/github/a/b-student/blob/main/x.ipynb)'
    >>> rewrite_links("pip install git+https://github.com/a/b", "https://github.com/a/b",
    ...               "https://github.com/a/b-student", "main")
    'pip install git+https://github.com/a/b-student'
    """
    old, new = _slug(instructor), _slug(student)
    end = r"(?![\w.-])"
    text = re.sub(rf"(colab\.research\.google\.com/github/){re.escape(old)}/blob/[\w.-]+/",
                  rf"\g<1>{new}/blob/{branch}/", text)
    text = re.sub(rf"(mybinder\.org/v2/gh/){re.escape(old)}/[\w.-]+", rf"\g<1>{new}/{branch}",
                  text)
    text = re.sub(rf"git\+{re.escape(instructor)}{end}(@[\w.-]+)?",
                  f"git+{student}@{branch}" if branch != "main" else f"git+{student}", text)
    text = re.sub(rf"{re.escape(instructor)}/(blob|tree)/[\w.-]+/",
                  rf"{student}/\1/{branch}/", text)
    text = re.sub(rf"{re.escape(instructor)}{end}", student, text)
    quoted_old = instructor.replace(":", "%3A").replace("/", "%2F")
    quoted_new = student.replace(":", "%3A").replace("/", "%2F")
    return text.replace(quoted_old, quoted_new)


def _files(folder: str) -> list[Path]:
    """The repository's files under ``folder`` (tracked or new, not ignored), or every
    file there outside a git checkout."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                          "--", folder], cwd=ROOT, capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        return [ROOT / line for line in out.stdout.splitlines() if (ROOT / line).is_file()]
    base = ROOT / folder
    if base.is_file():
        return [base]
    return [p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and not any(part.endswith(".egg-info") or part == "build" for part in p.parts)]


def _pyproject(text: str, student: str) -> str:
    """The package's pyproject.toml for students: no test or lint settings, and the
    student edition's address."""
    kept, skip = [], False
    for line in text.splitlines():
        header = re.match(r"^\[([^\]]+)\]\s*$", line)
        if header:
            skip = header[1].startswith(("tool.pytest", "tool.ruff", "tool.coverage"))
        if not skip:
            kept.append(line)
    body = "\n".join(kept).rstrip() + "\n"
    return re.sub(r'^(Repository|Homepage|Documentation)\s*=\s*"[^"]*"',
                  lambda m: f'{m[1]} = "{student}"', body, flags=re.M)


def readme(student: str, branch: str) -> str:
    """The student edition's README."""
    from initlib.course.catalogue import NOTEBOOKS, binder_url, colab_url

    first = NOTEBOOKS[0].name
    binder = (binder_url(student, first) or "").replace("/HEAD?", f"/{branch}?")
    lines = [
        "# initlib · weight initialization for fully connected layers (student edition)", "",
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder})", "",
        "Notebooks on how to choose the initial weights of a neural network's dense "
        "layers, and the small Python library they use. Read them in order; each ends with "
        "exercises.", "",
        "| | notebook | Colab | what you learn |", "|---|---|---|---|",
    ]
    for nb in NOTEBOOKS:
        colab = (colab_url(student, nb.name) or "").replace("/blob/main/", f"/blob/{branch}/")
        badge = f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab})"
        lines.append(f"| {nb.number} | [{nb.title}](notebooks/{nb.name}) | {badge} | "
                     f"{nb.summary} |")
    lines += [
        "", "## On your own machine", "",
        "With Python 3.10–3.12, from this folder:", "", "```bash",
        "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && "
        f".venv/bin/jupyter lab --ServerApp.root_dir=. notebooks/{first}",
        "```", "",
        "Before you open the next notebook, shut the current one's kernel down "
        "(Kernel > Shut Down Kernel) to keep memory in check.", "",
        "## Exercises", "",
        "* **Graded functions.** Write the function in its answer cell, in place of "
        "`raise NotImplementedError()`, run the cell, then run the feedback cell under it: "
        "it says whether the function is right at a few cases and, if not, which mistake "
        "it looks like. Your grade comes from hidden tests that call your function at "
        "other values. Graded answers run on their own: define or import everything your "
        "function uses in its answer cell (the standard library, NumPy and SciPy are "
        "available; `initlib` is not).",
        "* **Open questions.** Answer in the Markdown cell under the question, with your "
        "measurement and two or three sentences; a teacher grades them.",
        "* If your course uses nbgrader, `nbgrader validate notebooks/<notebook>.ipynb` "
        "runs a notebook the way the grader will (this folder's `nbgrader_config.py` "
        "allows slow machines more time per cell and, like the grader, skips the cells "
        "tagged `heavy`: training sweeps no grade needs).", "",
    ]
    return "\n".join(lines)


def build(out: Path, git: bool = False, quiet: bool = True,
          released: list[Path] | None = None) -> Path:
    """Build the student edition in ``out`` (which must not exist) from the student
    versions ``released`` (default: made here, of every notebook); returns ``out``."""
    out = Path(out).resolve()
    if out.exists():
        raise FileExistsError(f"{out} exists; give a new folder")
    where = settings()
    instructor, student, branch = instructor_repository(), where["repository"], where["branch"]
    with tempfile.TemporaryDirectory(prefix="student-edition-") as tmp:
        if released is None:
            released = make(Path(tmp) / "course", quiet=quiet)
        (out / "notebooks").mkdir(parents=True)
        for path in released:
            nb = json.loads(path.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                source = "".join(cell["source"]) if isinstance(cell["source"], list) \
                    else cell["source"]
                cell["source"] = rewrite_links(source, instructor, student, branch)
            (out / "notebooks" / path.name).write_text(
                json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.copy2(ROOT / "notebooks" / "glossary.md", out / "notebooks" / "glossary.md")
    for item in COPIED:
        for path in _files(item):
            dest = out / path.relative_to(ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
    (out / "pyproject.toml").write_text(
        _pyproject((ROOT / "pyproject.toml").read_text(encoding="utf-8"), student),
        encoding="utf-8")
    (out / "README.md").write_text(readme(student, branch), encoding="utf-8")
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n"
                                    ".ipynb_checkpoints/\nbuild/\n", encoding="utf-8")
    problems = check(out, instructor)
    if problems:
        raise RuntimeError("the student edition is not clean:\n" + "\n".join(problems))
    if git:
        for cmd in (["git", "init", "-q", "-b", branch], ["git", "add", "-A"],
                    ["git", "-c", "user.name=initlib", "-c", "user.email=initlib@localhost",
                     "commit", "-q", "-m", "Student edition"]):
            subprocess.run(cmd, cwd=out, check=True)
    return out


def check(out: Path, instructor: str | None = None) -> list[str]:
    """What is wrong with a built student edition (nothing: [])."""
    out = Path(out)
    instructor = instructor or instructor_repository()
    problems = [f"{name} is in the student edition" for name in FORBIDDEN_PATHS
                if (out / name).exists()]
    for name in ("README.md", "requirements.txt", "pyproject.toml", "initlib/__init__.py",
                 "binder/requirements.txt", "notebooks/glossary.md"):
        if not (out / name).is_file():
            problems.append(f"{name} is missing")
    config = out / "nbgrader_config.py"
    if config.is_file() and 'skip_cells_with_tag = "heavy"' not in config.read_text():
        problems.append("nbgrader_config.py does not skip heavy cells as autograde does")
    notebooks = sorted((out / "notebooks").glob("*.ipynb"))
    if not notebooks:
        problems.append("no notebooks")
    pattern = re.compile(rf"{re.escape(instructor)}(?![\w.-])|"
                         rf"github/{re.escape(_slug(instructor))}/|"
                         rf"gh/{re.escape(_slug(instructor))}/")
    linked = ("notebooks", "binder", "README.md", "pyproject.toml", "requirements.txt")
    for path in sorted(p for p in out.rglob("*") if p.is_file() and ".git" not in p.parts):
        try:
            body = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        where = path.relative_to(out)
        problems += [f"{where}: contains {t!r}" for t in FORBIDDEN_TEXT if t in body]
        # what a student clicks or installs (the library's doctests may name any address)
        if where.parts[0] in linked and pattern.search(body):
            problems.append(f"{where}: links to the instructor's repository")
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("outputs"):
                problems.append(f"{path.name}: a cell has stored outputs")
                break
            if meta.get("solution") and cell["cell_type"] == "code" and \
                    "raise NotImplementedError()" not in "".join(cell["source"]):
                problems.append(f"{path.name}: answer cell {meta.get('grade_id')} holds "
                                "more than the stub")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, help="the folder to build (must not exist)")
    group.add_argument("--check", type=Path, metavar="DIR", help="check a built edition")
    parser.add_argument("--git", action="store_true",
                        help="make the edition a git repository with one commit, on the "
                             "branch of coursework/edition.toml")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.check)
        for p in problems:
            print("PROBLEM:", p)
        print("OK" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    try:
        out = build(args.out, git=args.git)
    except (FileExistsError, ValueError) as err:
        parser.error(str(err))
    files = sum(1 for p in out.rglob("*") if p.is_file() and ".git" not in p.parts)
    print(f"student edition: {out} ({files} files)")
    if args.git:
        print(f"publish it: git -C {out} push <the student repository> "
              f"HEAD:{settings()['branch']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
