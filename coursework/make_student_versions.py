"""Make the students' versions of the notebooks with nbgrader: the worked solutions of the
checked exercises replaced by ``raise NotImplementedError()``, the checks kept (locked),
the outputs cleared.

    python coursework/make_student_versions.py             # into coursework/release/initlib/
    python coursework/make_student_versions.py --root DIR  # another course directory

The notebooks in ``notebooks/`` are the instructor's versions. This copies them into
nbgrader's course layout, ``<root>/source/initlib/``, and runs
``nbgrader generate_assignment initlib``, which writes ``<root>/release/initlib/*.ipynb``
and records the graded cells in ``<root>/gradebook.db`` for ``nbgrader autograde``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"
ASSIGNMENT = "initlib"


def notebooks() -> list[Path]:
    """The collection's numbered notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def environment() -> dict:
    """This environment, with this Python's scripts first on PATH: nbgrader runs the
    ``alembic`` command when it creates a gradebook, also from a virtual environment
    that is not activated."""
    scripts = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")])}


def nbgrader(*args: str, root: Path, quiet: bool = False) -> None:
    """Run an nbgrader command on the course directory ``root``, with this folder's
    nbgrader_config.py; raise ``CalledProcessError`` if it fails."""
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"]
    out = subprocess.run(cmd, cwd=HERE, env=environment(), capture_output=quiet, text=True)
    if out.returncode:
        if quiet:
            print(out.stdout, out.stderr, sep="\n", file=sys.stderr)
        raise subprocess.CalledProcessError(out.returncode, cmd)


def make(root: Path = HERE, names: list[str] | None = None, quiet: bool = False) -> list[Path]:
    """Copy the notebooks (all, or those named) into ``root/source/initlib`` and generate
    the student versions; returns their paths in ``root/release/initlib``."""
    chosen = notebooks()
    if names:
        unknown = set(names) - {p.name for p in chosen}
        if unknown:
            raise ValueError(f"no such notebook in {NOTEBOOKS}: {sorted(unknown)}")
        chosen = [p for p in chosen if p.name in names]
    root = Path(root).resolve()
    source = root / "source" / ASSIGNMENT
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for path in chosen:
        shutil.copy2(path, source / path.name)
    shutil.copy2(NOTEBOOKS / "glossary.md", source / "glossary.md")
    nbgrader("generate_assignment", ASSIGNMENT, "--force", root=root, quiet=quiet)
    return [root / "release" / ASSIGNMENT / p.name for p in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE,
                        help="nbgrader's course directory (default: coursework/)")
    parser.add_argument("notebooks", nargs="*",
                        help="notebook file names (default: every notebook)")
    args = parser.parse_args(argv)
    released = make(args.root, args.notebooks)
    print(f"{len(released)} student notebooks in {released[0].parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
