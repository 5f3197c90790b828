"""Make the students' versions of the notebooks with nbgrader: the worked solutions of the
exercises replaced by stubs, the hidden tests, model answers and rubrics removed, the
checks kept (locked), the outputs cleared.

    python coursework/make_student_versions.py             # into coursework/release/
    python coursework/make_student_versions.py --root DIR  # another course directory
    python coursework/make_student_versions.py 07_he_kaiming.ipynb   # some notebooks
    python coursework/make_student_versions.py --single    # one assignment for all

The notebooks in ``notebooks/`` are the instructor's versions. This copies them into
nbgrader's course layout, one assignment per notebook (named like the notebook,
``<root>/source/07_he_kaiming/07_he_kaiming.ipynb``, so each can have its own deadline),
or with ``--single`` all in one assignment ``initlib``; then runs ``nbgrader
generate_assignment``, which writes ``<root>/release/<assignment>/*.ipynb`` and records
the graded cells in ``<root>/gradebook.db`` for ``nbgrader autograde``. It also writes
``<root>/rubrics.md``, every open question's model answer and rubric, for the graders.
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
SINGLE = "initlib"  # the assignment that holds every notebook with --single


def notebooks() -> list[Path]:
    """The collection's numbered notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def assignment_of(notebook: Path | str, single: bool = False) -> str:
    """The assignment a notebook belongs to: its own (its name without ``.ipynb``), or
    ``initlib`` when every notebook is in one.

    >>> assignment_of("07_he_kaiming.ipynb"), assignment_of("07_he_kaiming.ipynb", True)
    ('07_he_kaiming', 'initlib')
    """
    return SINGLE if single else Path(notebook).stem


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


def choose(names: list[str] | None = None) -> list[Path]:
    """The notebooks named (file names), or all of them, in order."""
    chosen = notebooks()
    if names:
        unknown = set(names) - {p.name for p in chosen}
        if unknown:
            raise ValueError(f"no such notebook in {NOTEBOOKS}: {sorted(unknown)}")
        chosen = [p for p in chosen if p.name in names]
    return chosen


def make(root: Path = HERE, names: list[str] | None = None, quiet: bool = False,
         single: bool = False) -> list[Path]:
    """Lay out the source versions of the notebooks (all, or those named) in
    ``root/source/`` and generate the student versions; returns their paths in
    ``root/release/``."""
    chosen = choose(names)
    root = Path(root).resolve()
    shutil.rmtree(root / "source", ignore_errors=True)
    for path in chosen:
        folder = root / "source" / assignment_of(path, single)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, folder / path.name)
        shutil.copy2(NOTEBOOKS / "glossary.md", folder / "glossary.md")
    # one nbgrader run for every assignment ("*" matches each folder of source/)
    nbgrader("generate_assignment", "*", "--force", root=root, quiet=quiet)
    sys.path.insert(0, str(HERE))
    from rubrics import collect, write_markdown

    write_markdown(collect(chosen), root / "rubrics.md")
    return [root / "release" / assignment_of(p, single) / p.name for p in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE,
                        help="nbgrader's course directory (default: coursework/)")
    parser.add_argument("--single", action="store_true",
                        help="one assignment, 'initlib', for every notebook (default: one "
                             "assignment per notebook)")
    parser.add_argument("notebooks", nargs="*",
                        help="notebook file names (default: every notebook)")
    args = parser.parse_args(argv)
    try:
        released = make(args.root, args.notebooks, single=args.single)
    except ValueError as err:
        parser.error(str(err))
    print(f"{len(released)} student notebooks in {args.root / 'release'}; "
          f"rubrics in {args.root / 'rubrics.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
