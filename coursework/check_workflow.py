"""Check the coursework workflow end to end, in a temporary course directory, offline:

1. the student versions are generated (``make_student_versions.make``) and contain no
   worked solution: every answer cell holds nbgrader's stub, every check cell is kept,
   locked and unchanged;
2. ``nbgrader autograde`` grades two submissions of every notebook, the instructor's
   version (every graded cell must get full marks, and no cell may fail) and the
   untouched student version (every graded cell must get 0);
3. the untouched student versions, executed by autograde with errors allowed, fail only
   where they should: every error is the ``NotImplementedError`` of an answer cell or the
   "Not answered yet" ``AssertionError`` of its check cell.

Prints a score table per notebook and exits with status 1 if anything is off.

    python coursework/check_workflow.py                      # every notebook
    python coursework/check_workflow.py 07_he_kaiming.ipynb  # some of them

The two submissions are graded in parallel, each in its own copy of the course directory.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_student_versions import ASSIGNMENT, environment, make  # noqa: E402
from student_version import REVEAL_NOTE, STUDENT_NOTE  # noqa: E402

STUDENTS = {"instructor": "source", "blank": "release"}  # who submits which version


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _nbgrader_role(cell: dict) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return "answer" if meta.get("solution") else "check" if meta.get("grade") else None


def check_release(source: Path, release: Path) -> list[str]:
    """Problems with one student version against its instructor version (none: [])."""
    problems = []
    src, rel = _cells(source), _cells(release)
    if [c.get("id") for c in src] != [c.get("id") for c in rel]:
        return [f"{release.name}: the cells differ from the instructor version's"]
    for s, r in zip(src, rel, strict=True):
        text, role = "".join(r["source"]), _nbgrader_role(s)
        where = f"{release.name} cell {r.get('id')}"
        if "BEGIN SOLUTION" in text or "END SOLUTION" in text:
            problems.append(f"{where}: solution markers left in")
        if r.get("outputs"):
            problems.append(f"{where}: outputs not cleared")
        if role == "answer":
            if "raise NotImplementedError()" not in text:
                problems.append(f"{where}: the answer cell has no stub")
            if r["metadata"].get("jupyter", {}).get("source_hidden"):
                problems.append(f"{where}: the answer cell is still collapsed")
        if role == "check" and (text != "".join(s["source"])
                                or r["metadata"].get("editable", True)):
            problems.append(f"{where}: the check cell is changed or not locked")
        if r["cell_type"] == "markdown" and REVEAL_NOTE in text:
            problems.append(f"{where}: still points to a worked solution")
        if r["cell_type"] == "markdown" and REVEAL_NOTE in "".join(s["source"]) \
                and STUDENT_NOTE not in text:
            problems.append(f"{where}: no note where to write the answer")
    return problems


def check_errors(executed: Path, student: str) -> list[str]:
    """Problems with the errors of one autograded notebook: none at all for the
    instructor; for the blank submission, exactly the unanswered exercises' errors."""
    problems = []
    for cell in _cells(executed):
        if cell["cell_type"] != "code":
            continue
        role = _nbgrader_role(cell)
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        where = f"{executed.name} cell {cell.get('id')}"
        if student == "instructor" or role is None:
            problems += [f"{where}: {e['ename']}: {e['evalue']}"[:300] for e in errors]
        elif role == "answer" and [e["ename"] for e in errors] != ["NotImplementedError"]:
            problems.append(f"{where}: expected the stub's NotImplementedError, got "
                            f"{[e['ename'] for e in errors]}")
        elif role == "check" and not (
                len(errors) == 1 and errors[0]["ename"] == "AssertionError"
                and errors[0]["evalue"].startswith("Not answered yet")):
            problems.append(f"{where}: expected 'Not answered yet', got "
                            + "; ".join(f"{e['ename']}: {e['evalue']}" for e in errors))
    return problems


def run_seconds(executed: Path) -> float:
    """Wall time of one executed notebook, from its cells' execution timestamps."""
    stamps = [c["metadata"]["execution"] for c in _cells(executed)
              if c["cell_type"] == "code" and "execution" in c.get("metadata", {})]
    if not stamps:
        return float("nan")
    begin = datetime.fromisoformat(stamps[0]["iopub.execute_input"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(stamps[-1]["iopub.status.idle"].replace("Z", "+00:00"))
    return (end - begin).total_seconds()


def scores(root: Path, student: str, notebook: str) -> tuple[float, float, list]:
    """(score, max score, [(score, max score) of each graded cell]) of one autograded
    notebook, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=ASSIGNMENT) as gb:
        sub = gb.find_submission_notebook(notebook, ASSIGNMENT, student)
        return sub.score, sub.max_score, [(g.score, g.max_score) for g in sub.grades]


def check(names: list[str] | None = None, workdir: Path | None = None) -> int:
    """Run the whole check; returns the number of problems found (0: all good)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coursework-", dir=workdir) as tmp:
        base = Path(tmp) / "course"
        released = make(base, names, quiet=True)
        problems = []
        for path in released:
            problems += check_release(base / "source" / ASSIGNMENT / path.name, path)
        print(f"student versions: {len(released)} notebooks generated in "
              f"{time.perf_counter() - start:.0f} s")

        # one course directory per submission, so that both can be graded at once
        roots, jobs = {}, []
        for student, version in STUDENTS.items():
            root = Path(tmp) / student
            shutil.copytree(base, root)
            dest = root / "submitted" / student / ASSIGNMENT
            shutil.copytree(root / version / ASSIGNMENT, dest)
            roots[student] = root
            cmd = [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--create",
                   f"--CourseDirectory.root={root}"]
            jobs.append(subprocess.Popen(cmd, cwd=HERE, env=environment(), stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True))
        for student, job in zip(STUDENTS, jobs, strict=True):
            log = job.communicate()[0]
            if job.returncode:
                print(log[-5000:], file=sys.stderr)
                problems.append(f"nbgrader autograde of {student!r} failed "
                                f"(exit status {job.returncode})")

        header = (f"{'notebook':24s} {'graded':>6s} {'instructor':>10s} {'blank':>7s} "
                  f"{'instructor s':>12s} {'blank s':>7s}")
        print(header + "\n" + "-" * len(header))
        totals = [0.0, 0.0, 0.0]
        for path in released:
            row, times = {}, {}
            for student, root in roots.items():
                executed = root / "autograded" / student / ASSIGNMENT / path.name
                if not executed.exists():
                    problems.append(f"{path.name}: not autograded for {student}")
                    continue
                problems += [f"{student}: {p}" for p in check_errors(executed, student)]
                row[student] = scores(root, student, path.stem)
                times[student] = run_seconds(executed)
            if len(row) < 2:
                continue
            (got, most, cells), (blank, _, blank_cells) = row["instructor"], row["blank"]
            if got != most or any(s != m for s, m in cells):
                problems.append(f"{path.name}: the instructor version scores {got:g} of "
                                f"{most:g}")
            if blank != 0 or any(s for s, _ in blank_cells):
                problems.append(f"{path.name}: the blank student version scores {blank:g}")
            totals = [totals[0] + most, totals[1] + got, totals[2] + blank]
            n = len(cells)
            mine, theirs = (f"{got:g}/{most:g}", f"{blank:g}/{most:g}") if n else ("-", "-")
            print(f"{path.stem:24s} {n:6d} {mine:>10s} {theirs:>7s} "
                  f"{times['instructor']:12.0f} {times['blank']:7.0f}")
        print("-" * len(header))
        print(f"{'total':24s} {'':6s} {f'{totals[1]:g}/{totals[0]:g}':>10s} "
              f"{f'{totals[2]:g}/{totals[0]:g}':>7s}")
    for p in problems:
        print("PROBLEM:", p)
    print(f"{'OK' if not problems else f'{len(problems)} problem(s)'}: coursework workflow "
          f"checked in {time.perf_counter() - start:.0f} s")
    return len(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*",
                        help="notebook file names (default: every notebook)")
    args = parser.parse_args(argv)
    return 1 if check(args.notebooks or None) else 0


if __name__ == "__main__":
    sys.exit(main())
