"""Heavy cells: the lighter path of a notebook under nbgrader.

A code cell tagged ``heavy`` (its ``metadata.tags``) holds computation that no grade needs
(a training sweep, or a figure or assert that only reads a sweep's results). nbgrader
skips it when it runs a notebook: ``nbgrader autograde`` and ``nbgrader validate`` execute
notebooks with nbgrader's ``Execute``, which is nbclient's ``NotebookClient``, and that
leaves out every cell tagged with its ``skip_cells_with_tag`` setting. The course's
``nbgrader_config.py`` sets it to :data:`TAG` (for autograde and for an instructor's
validate), and so does the ``nbgrader_config.py`` of the student edition (for a student's
validate). A skipped cell keeps its source (autograde has cleared its outputs); the
kernel never runs it. A tag on a test, answer or locked cell is taken off before
autograde runs the notebook (:class:`KeepGradedCells`): those always run. Everywhere else
(JupyterLab, ``jupyter nbconvert --execute``, nbval, the book) the tag means nothing and
every cell runs.

A cell after a heavy cell that reads what the heavy cell computed must be tagged as well,
or it stops with a ``NameError`` under nbgrader: :func:`untagged_dependents` finds such
cells without running anything (``check`` below); tests/test_coursework_heavy.py also
autogrades every tagged notebook and looks for errors.

    python coursework/heavy.py tag NB.ipynb "first line" ... [--out COPY.ipynb]
    python coursework/heavy.py check NB.ipynb ...     # the tagged cells, and dependents
    python coursework/heavy.py time NB.ipynb ...      # autograde of the instructor's
                                                      # whole notebook: wall and CPU s

``tag`` finds each cell by its first source line (the whole line, stripped) or, where
several cells start alike (``# NBVAL_IGNORE_OUTPUT``), by a whole line only that cell
holds; a line that matches no code cell, or more than one, is an error, and so is a graded,
answer or locked cell (nbgrader must run those).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

HERE = Path(__file__).resolve().parent
TAG = "heavy"


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def first_line(cell: dict) -> str:
    """A cell's first non-empty source line, stripped."""
    return next((line.strip() for line in _text(cell).splitlines() if line.strip()), "")


def is_heavy(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and TAG in cell.get("metadata", {}).get("tags", [])


def _graded(cell: dict) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade") or meta.get("solution") or meta.get("locked"))


class KeepGradedCells(Preprocessor):
    """Autograde step before execution: takes the tag off any nbgrader cell of a
    submission (a test, answer or locked cell), which nbgrader must run. nbgrader restores
    those cells' sources from the gradebook but not their tags, and a test cell graded in
    the kernel that is skipped shows no error: full points."""

    def preprocess_cell(self, cell, resources, index):
        tags = cell.get("metadata", {}).get("tags", [])
        if _graded(cell) and TAG in tags:
            cell.metadata.tags = [t for t in tags if t != TAG]
            self.log.warning("cell %s: a graded cell, run although tagged %r",
                             cell.metadata.get("nbgrader", {}).get("grade_id"), TAG)
        return cell, resources


def tag_cells(nb: dict, lines: list[str]) -> list[int]:
    """Tag the code cells of ``nb`` whose first lines are ``lines`` (in place; a line no
    other cell holds will do too); returns their indices. Raises ValueError for a line
    that matches no code cell or several, or a cell nbgrader grades or locks."""
    found = []
    code = [i for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "code"]
    for line in lines:
        want = line.strip()
        hits = [i for i in code if first_line(nb["cells"][i]) == want]
        if len(hits) != 1:  # a common first line (a comment): a line of the cell's own
            hits = [i for i in code
                    if want in (x.strip() for x in _text(nb["cells"][i]).splitlines())]
        if len(hits) != 1:
            raise ValueError(f"{len(hits)} code cells start with or hold the line {want!r} "
                             "(want one)")
        cell = nb["cells"][hits[0]]
        if _graded(cell):
            raise ValueError(f"the cell starting with {want!r} is an nbgrader cell; "
                             "nbgrader must run it")
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if TAG not in tags:
            tags.append(TAG)
        found.append(hits[0])
    return found


def tag_file(path: Path, lines: list[str], out: Path | None = None) -> list[int]:
    """Tag cells of the notebook file ``path`` (see :func:`tag_cells`); writes ``out``
    (default: ``path`` itself), changing nothing but the cells' tags."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    found = tag_cells(nb, lines)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"  # as nbformat
    Path(out or path).write_text(text, encoding="utf-8")
    return found


# --------------------------------------------------------------------------- dependents

def _python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001  (no IPython, or not IPython syntax: as it is)
        return source


def names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds at top level, names it reads anywhere) — an over-estimate of
    what it reads: a name read inside a function counts, even if the function binds it."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set(), set()
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, read


def untagged_dependents(nb: dict) -> list[str]:
    """Untagged code cells that read a name only a heavy cell before them binds
    (``"cell N (first line): name, ..."``; none: [])."""
    available: set[str] = set(dir(builtins))
    heavy_only: set[str] = set()
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        bound, read = names(_text(cell))
        if is_heavy(cell):
            heavy_only |= bound - available
            continue
        missing = sorted((read & heavy_only) - bound)
        if missing:
            problems.append(f"cell {i} ({first_line(cell)[:60]}): {', '.join(missing)}")
        available |= bound
        heavy_only -= bound
    return problems


# --------------------------------------------------------------------------- timing

def time_autograde(path: Path, workdir: Path, student: str = "instructor",
                   extra: tuple[str, ...] = ()) -> dict:
    """``nbgrader autograde`` of one student's whole submission of the notebook ``path``
    (a copy, tagged or not) with this folder's configuration, in a course directory
    made under ``workdir``. Returns the exit status, wall and CPU seconds (nbgrader, its
    kernel and sandboxes), the autograded notebook's path and the log."""
    import students as S
    from make_student_versions import environment

    path = Path(path)
    root = Path(tempfile.mkdtemp(prefix="course-", dir=workdir))
    stem = path.stem
    (root / "source" / stem).mkdir(parents=True)
    shutil.copy2(path, root / "source" / stem / path.name)
    glossary = HERE.parent / "notebooks" / "glossary.md"
    if glossary.exists():
        shutil.copy2(glossary, root / "source" / stem / "glossary.md")
    base = [sys.executable, "-m", "nbgrader"]
    where = f"--CourseDirectory.root={root}"
    out = subprocess.run([*base, "generate_assignment", stem, "--force", where], cwd=HERE,
                         env=environment(), capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"generate_assignment failed: {out.stderr[-2000:]}")
    nb = S.submission(student, S.read(root / "source" / stem / path.name),
                      S.read(root / "release" / stem / path.name))
    dest = root / "submitted" / student / stem
    dest.mkdir(parents=True)
    (dest / path.name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        job = subprocess.Popen([*base, "autograde", stem, "--create", where, *extra],
                               cwd=HERE, env=environment(), stdout=log,
                               stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(job.pid, 0)
        wall = time.perf_counter() - start
        log.seek(0)
        text = log.read().decode(errors="replace")
    return {"status": os.waitstatus_to_exitcode(status), "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime, "log": text, "root": root,
            "autograded": root / "autograded" / student / stem / path.name}


def errors(path: Path) -> list[str]:
    """The error outputs of an executed notebook (``"cell N: Name: message"``)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return [f"cell {i} ({first_line(c)[:50]}): {o.get('ename')}: {o.get('evalue')}"[:300]
            for i, c in enumerate(nb["cells"]) for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


def scores(root: Path, student: str, notebook: str) -> tuple[float, float]:
    """(autograded points, points possible) of ``student`` on ``notebook`` (a stem)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}", course_id="initlib") as gb:
        sub = gb.find_submission_notebook(notebook, notebook, student)
        code = [g for g in sub.grades if g.cell_type == "code"]
        return sum(g.score or 0.0 for g in code), sum(g.max_score for g in code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tag", help="tag cells by their first lines")
    p.add_argument("notebook", type=Path)
    p.add_argument("lines", nargs="+")
    p.add_argument("--out", type=Path, help="write a tagged copy here")
    p = sub.add_parser("check", help="list tagged cells and untagged dependents")
    p.add_argument("notebooks", type=Path, nargs="+")
    p = sub.add_parser("time", help="autograde the instructor's whole notebook")
    p.add_argument("notebooks", type=Path, nargs="+")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    if args.command == "tag":
        try:
            found = tag_file(args.notebook, args.lines, args.out)
        except ValueError as err:
            parser.error(str(err))
        print(f"tagged cells {found} of {args.out or args.notebook}")
        return 0
    if args.command == "check":
        bad = 0
        for path in args.notebooks:
            nb = json.loads(path.read_text(encoding="utf-8"))
            print(f"{path.name}: {TAG} cells:")
            for i, c in enumerate(nb["cells"]):
                if is_heavy(c):
                    print(f"  {i}: {first_line(c)}")
            for problem in untagged_dependents(nb):
                bad += 1
                print(f"  PROBLEM: untagged, reads a heavy cell's result: {problem}")
        return 1 if bad else 0
    status = 0
    with tempfile.TemporaryDirectory(prefix="heavy-") as tmp:
        for path in args.notebooks:
            r = time_autograde(path, Path(tmp))
            got, most = scores(r["root"], "instructor", path.stem)
            found = errors(r["autograded"]) if r["autograded"].exists() else ["not autograded"]
            print(f"{path.name}: exit {r['status']}, wall {r['wall']:.1f} s, CPU "
                  f"{r['cpu']:.1f} s, {got:g}/{most:g} points, {len(found)} error(s); "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
            for e in found:
                print("  ", e)
            if r["status"]:
                print("\n".join("   " + line for line in r["log"].splitlines()[-25:]))
            status |= bool(r["status"] or found or got != most)
    return status


if __name__ == "__main__":
    sys.exit(main())
