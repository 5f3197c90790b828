"""Check the coursework end to end, in a temporary course directory, offline.

1. **Template.** Every instructor notebook's exercises follow the coursework template
   (``template.py``); a notebook that does not is listed (an error with ``--strict``).
2. **Student versions.** ``nbgrader generate_assignment`` makes one assignment per
   notebook; every student version holds stubs where the solutions were, no hidden
   tests, no model answers, no outputs, and its checks locked and unchanged.
3. **Student edition.** Built from those versions (``student_edition.py``) and checked:
   no tests, answer keys, instructor notebooks or links to the instructor's repository.
4. **Students.** Scripted submissions (``students.py``: the instructor's answers, a
   student with typical mistakes, a blank one, and nine cheating ones) of the notebooks
   picked are autograded by ``nbgrader autograde`` with this folder's configuration,
   several students at once. Their submissions keep the exercise section and the
   notebook's imports only (a student may delete cells; the grades of the template's
   exercises do not depend on the rest). With ``--whole``, ``instructor (whole)`` also
   hands in whole notebooks, which times a real submission.
5. **Scores.** Read with ``export_scores.py`` (a score per notebook and per exercise).
   The instructor gets every point, the blank student none, the mistaken one some but
   not all; every cheater gets zero on every test of a template exercise. The feedback
   HTML of a failing submission shows no hidden test.

Prints the score table (autograded points per notebook; manually graded points are not
counted) and each student's autograde time; exits with status 1 if anything is off.

    python coursework/check_workflow.py                  # CI: every notebook for 1-3,
                                                         # 4-5 on a representative few
    python coursework/check_workflow.py --all --whole    # 4-5 on every notebook, and
                                                         # a whole submission timed
    python coursework/check_workflow.py 09_faq.ipynb     # 4-5 on the notebooks named
    python coursework/check_workflow.py --lint           # 1 only (a second)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import students as S  # noqa: E402
import template  # noqa: E402
from isolation import BEGIN, END, isolated_prefix, visible_part  # noqa: E402
from make_student_versions import assignment_of, environment, make, notebooks  # noqa: E402
from student_version import REVEAL_NOTE, STUDENT_NOTE  # noqa: E402

WHOLE = "instructor (whole)"
REPRESENTATIVE = 3  # notebooks autograded by default


def _cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def _role(cell: dict) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "locked" if meta.get("locked") else None


# --------------------------------------------------------------------------- 2. releases

def check_release(source: Path, release: Path) -> list[str]:
    """Problems with one student version against its instructor version (none: [])."""
    problems = []
    src, rel = _cells(source), _cells(release)
    if [c.get("id") for c in src] != [c.get("id") for c in rel]:
        return [f"{release.name}: the cells differ from the instructor version's"]
    for s, r in zip(src, rel, strict=True):
        text, role = S.text(r), _role(s)
        where = f"{release.name} cell {S.meta(s).get('grade_id') or r.get('id')}"
        for marker in ("BEGIN SOLUTION", "END SOLUTION", BEGIN, END, "**Model answer.**",
                       "**Rubric ("):
            if marker in text:
                problems.append(f"{where}: {marker!r} left in")
        if r.get("outputs"):
            problems.append(f"{where}: outputs not cleared")
        if role == "answer" and r["cell_type"] == "code":
            if "raise NotImplementedError()" not in text:
                problems.append(f"{where}: the answer cell has no stub")
            if r["metadata"].get("jupyter", {}).get("source_hidden"):
                problems.append(f"{where}: the answer cell is still collapsed")
        if role == "answer" and r["cell_type"] == "markdown" and \
                text.strip() != "YOUR ANSWER HERE":
            problems.append(f"{where}: the open answer cell is not cleared")
        if role in ("test", "locked") and r["cell_type"] == "code":
            if text != visible_part(S.text(s)) or r["metadata"].get("editable", True):
                problems.append(f"{where}: the cell is changed or not locked")
        if r["cell_type"] == "markdown" and REVEAL_NOTE in text:
            problems.append(f"{where}: still points to a worked solution")
        if r["cell_type"] == "markdown" and REVEAL_NOTE in S.text(s) and STUDENT_NOTE not in text:
            problems.append(f"{where}: no note where to write the answer")
    return problems


# --------------------------------------------------------------------------- 4. students

def trimmed(nb: dict) -> dict:
    """``nb`` with the cells before its exercise section replaced by one cell holding
    their imports (what a student who deleted the reading cells hands in)."""
    from isolation import imports

    cells = nb["cells"]
    start = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                  and S.text(c).lstrip().startswith("## Exercises")), None)
    if start is None:
        start = next(i for i, c in enumerate(cells) if S.meta(c))
    lines = []
    for cell in cells[:start]:
        if cell["cell_type"] == "code" and not S.meta(cell):
            lines += [line for line in imports(S.text(cell)) if line not in lines]
    head = {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8],
            "metadata": {}, "outputs": [], "source": "\n".join(lines)}
    out = dict(nb)
    out["cells"] = [head, *cells[start:]]
    return out


def submissions(base: Path, who: str, names: list[Path]) -> Path:
    """A course directory for student ``who``: a copy of ``base`` with their
    submissions of the notebooks ``names`` in ``submitted/``."""
    root = base.parent / f"grading-{who.replace(' ', '-').replace('(', '').replace(')', '')}"
    shutil.copytree(base, root, ignore=shutil.ignore_patterns("submitted", "autograded"))
    student = S.STUDENTS[0] if who == WHOLE else who
    for path in names:
        assignment = assignment_of(path)
        source = S.read(base / "source" / assignment / path.name)
        release = S.read(base / "release" / assignment / path.name)
        nb = S.submission(student, source, release)
        if who != WHOLE:
            nb = trimmed(nb)
        dest = root / "submitted" / _student_id(who) / assignment
        dest.mkdir(parents=True, exist_ok=True)
        (dest / path.name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return root


def _student_id(who: str) -> str:
    return "instructor_whole" if who == WHOLE else who


def autograde(root: Path) -> tuple[int, str, float, float]:
    """``nbgrader autograde`` of every submission in ``root``: (exit status, log, wall
    seconds, CPU seconds of nbgrader and everything it ran: kernels, sandboxes)."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "nbgrader", "autograde", "*", "--create",
           f"--CourseDirectory.root={root}"]
    with tempfile.TemporaryFile() as log:
        job = subprocess.Popen(cmd, cwd=HERE, env=environment(), stdout=log,
                               stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(job.pid, 0)
        job.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read().decode(errors="replace")
    return (job.returncode, text, time.perf_counter() - start,
            usage.ru_utime + usage.ru_stime)


def feedback_leaks(root: Path, who: str, sources: dict[str, Path]) -> list[str]:
    """Generate the feedback of ``who`` and look for hidden tests in its HTML."""
    cmd = [sys.executable, "-m", "nbgrader", "generate_feedback", "*",
           f"--CourseDirectory.root={root}", f"--student={_student_id(who)}", "--force"]
    out = subprocess.run(cmd, cwd=HERE, env=environment(), capture_output=True, text=True)
    if out.returncode:
        return [f"nbgrader generate_feedback failed for {who}: {out.stderr[-1500:]}"]
    problems = []
    for html in sorted((root / "feedback").rglob("*.html")):
        body = html.read_text(encoding="utf-8")
        hidden = [line.strip() for cell in _cells(sources[html.stem]) if BEGIN in S.text(cell)
                  for line in S.text(cell).split(BEGIN, 1)[1].split(END, 1)[0].splitlines()
                  if len(line.strip()) > 25]
        if BEGIN in body or any(line in body for line in hidden):
            problems.append(f"{html.name}: the feedback shows hidden tests")
    if not list((root / "feedback").rglob("*.html")):
        problems.append(f"no feedback generated for {who}")
    return problems


def check_errors(root: Path, who: str, names: list[Path]) -> list[str]:
    """The instructor's whole notebooks must run without any error."""
    problems = []
    for path in names:
        executed = root / "autograded" / _student_id(who) / assignment_of(path) / path.name
        if not executed.exists():
            problems.append(f"{path.name}: not autograded for {who}")
            continue
        for cell in _cells(executed):
            for out in cell.get("outputs", []):
                if out["output_type"] == "error":
                    problems.append(f"{who}: {path.name} cell {cell.get('id')}: "
                                    f"{out['ename']}: {out['evalue']}"[:300])
    return problems


# --------------------------------------------------------------------------- 5. scores

def read_scores(root: Path) -> dict:
    """{(student, notebook): {grade_id: (score, max score, cell type)}} of a gradebook."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="initlib") as gb:
        for assignment in gb.assignments:
            for student in gb.students:
                for notebook in assignment.notebooks:
                    try:
                        sub = gb.find_submission_notebook(notebook.name, assignment.name,
                                                          student.id)
                    except Exception:  # noqa: BLE001  (not submitted)
                        continue
                    found[(student.id, notebook.name)] = {
                        g.name: (g.score or 0.0, g.max_score, g.cell_type) for g in sub.grades}
    return found


def judge(who: str, path: Path, grades: dict, follows: bool) -> tuple[list[str], list[str]]:
    """(problems, warnings) about one student's grades on one notebook."""
    problems, warnings = [], []
    code = {k: v for k, v in grades.items() if v[2] == "code"}
    isolated = {k: v for k, v in code.items()
                if isolated_prefix({"cell_type": "code", "metadata": {"nbgrader": {
                    "grade": True, "grade_id": k}}})}
    got, most = sum(v[0] for v in code.values()), sum(v[1] for v in code.values())
    name = path.stem
    if who in ("instructor", WHOLE):
        if got != most:
            problems.append(f"{name}: {who} scores {got:g} of {most:g}")
    elif who == "blank":
        if got:
            problems.append(f"{name}: the blank submission scores {got:g}")
    elif who == "mistaken":
        if follows and len({S.TEMPLATE_ID.match(k)[2] for k in isolated}) >= 2 and \
                not 0 < got < most:
            problems.append(f"{name}: the mistaken student scores {got:g} of {most:g}, "
                            "not partial credit")
    else:
        cheated = sum(v[0] for v in isolated.values())
        if cheated:
            problems.append(f"{name}: {who} scores {cheated:g} on isolated tests")
        others = got - cheated
        if others:
            warnings.append(f"{name}: {who} scores {others:g} on tests graded in the "
                            "kernel (not the template's)")
    return problems, warnings


def check(names: list[str] | None = None, *, every: bool = False, strict: bool = False,
          jobs: int = 2, who: tuple[str, ...] = S.STUDENTS,
          workdir: Path | None = None, csv: Path | None = None) -> int:
    """Run the whole check; returns the number of problems found (0: all good)."""
    start = time.perf_counter()
    problems: list[str] = []
    warnings: list[str] = []
    # 1. the template
    lint = {p.name: template.problems(p) for p in notebooks()}
    follows = {n for n, found in lint.items() if not found}
    for found in lint.values():
        (problems if strict else warnings).extend(found)
    print(f"template: {len(follows)} of {len(lint)} notebooks follow it "
          f"({', '.join(sorted(n[:2] for n in follows)) or 'none'})")
    with tempfile.TemporaryDirectory(prefix="coursework-", dir=workdir) as tmp:
        base = Path(tmp) / "course"
        t = time.perf_counter()
        released = make(base, quiet=True)
        for path in released:
            problems += check_release(base / "source" / path.parent.name / path.name, path)
        print(f"student versions: {len(released)} assignments in "
              f"{time.perf_counter() - t:.0f} s")
        # 3. the student edition, from the same student versions
        from student_edition import build

        t = time.perf_counter()
        try:
            build(Path(tmp) / "student-edition", released=released)
        except RuntimeError as err:
            problems.append(str(err))
        print(f"student edition: built and checked in {time.perf_counter() - t:.0f} s")

        # 4. the students
        if names:
            picked = [p for p in notebooks() if p.name in names]
        elif every:
            picked = notebooks()
        else:
            chosen = sorted(follows)
            if len(chosen) > REPRESENTATIVE:
                step = (len(chosen) - 1) / (REPRESENTATIVE - 1)
                chosen = [chosen[round(i * step)] for i in range(REPRESENTATIVE)]
            picked = [p for p in notebooks() if p.name in chosen]
        if not picked:
            print("no notebook to autograde")
        sources = {p.stem: base / "source" / assignment_of(p) / p.name for p in picked}
        roots = {w: submissions(base, w, picked) for w in who} if picked else {}
        order = sorted(roots, key=lambda w: w != WHOLE)  # the longest first
        seconds: dict[str, tuple[float, float]] = {}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            runs = dict(zip(order, pool.map(lambda w: autograde(roots[w]), order),
                            strict=True))
        for w, (status, log, took, cpu) in runs.items():
            seconds[w] = (took, cpu)
            if status:
                print(log[-4000:], file=sys.stderr)
                problems.append(f"nbgrader autograde of {w!r} failed (exit status {status})")
        if WHOLE in roots:
            problems += check_errors(roots[WHOLE], WHOLE, picked)
        if "mistaken" in roots:
            problems += feedback_leaks(roots["mistaken"], "mistaken", sources)

        # 5. scores, through the export
        from export_scores import write
        from nbgrader.api import Gradebook

        table: dict[str, dict[str, tuple[float, float]]] = {}
        rows = []
        for w, root in roots.items():
            grades = read_scores(root)
            for path in picked:
                g = grades.get((_student_id(w), path.stem))
                if g is None:
                    problems.append(f"{path.name}: no grades for {w}")
                    continue
                p, warn = judge(w, path, g, path.name in follows)
                if path.name in follows or strict:
                    problems += p
                else:  # not the template's: in the kernel, and maybe on earlier cells
                    warnings += p
                warnings += warn
                code = [v for v in g.values() if v[2] == "code"]
                table.setdefault(w, {})[path.stem] = (sum(v[0] for v in code),
                                                      sum(v[1] for v in code))
            export = Path(tmp) / f"{_student_id(w)}.csv"
            with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="initlib") as gb:
                write(gb, export, students=[_student_id(w)],
                      assignments=sorted({assignment_of(p) for p in picked}))
            rows.append(export.read_text(encoding="utf-8"))
        if csv and rows:
            header = rows[0].splitlines()[0]
            body = [line for r in rows for line in r.splitlines()[1:]]
            Path(csv).write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
        print_table(table, picked, seconds)
    for w in warnings:
        print("warning:", w)
    for p in problems:
        print("PROBLEM:", p)
    print(f"{'OK' if not problems else f'{len(problems)} problem(s)'}: coursework checked "
          f"in {time.perf_counter() - start:.0f} s (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return len(problems)


def print_table(table: dict, picked: list[Path], seconds: dict) -> None:
    """The score table: autograded points per notebook, and each autograde's time."""
    if not table:
        return
    cols = [p.stem[:2] for p in picked]
    header = f"{'student':20s} " + " ".join(f"{c:>7s}" for c in cols) + \
        f" {'total':>9s} {'wall s':>7s} {'CPU s':>6s}"
    print("\nautograded points per notebook (open questions are graded by hand)")
    print(header + "\n" + "-" * len(header))
    for w, scores in table.items():
        cells = [scores.get(p.stem) for p in picked]
        got = sum(c[0] for c in cells if c)
        most = sum(c[1] for c in cells if c)
        line = " ".join(f"{f'{c[0]:g}/{c[1]:g}' if c else '-':>7s}" for c in cells)
        wall, cpu = seconds.get(w, (float("nan"), float("nan")))
        print(f"{w:20s} {line} {f'{got:g}/{most:g}':>9s} {wall:7.0f} {cpu:6.1f}")
    print("(autograde of each student's notebooks: wall time, and CPU time of nbgrader, its "
          "kernels and sandboxes;\n the students hand in the exercise section and the "
          f"imports, '{WHOLE}' the whole notebooks)\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*",
                        help="autograde these notebooks (file names; default: a "
                             "representative few that follow the template)")
    parser.add_argument("--all", action="store_true", help="autograde every notebook")
    parser.add_argument("--lint", action="store_true",
                        help="only check the notebooks against the template")
    parser.add_argument("--strict", action="store_true",
                        help="a notebook that does not follow the template is an error")
    parser.add_argument("--jobs", type=int, default=2,
                        help="autograde this many students at once (default: 2)")
    parser.add_argument("--whole", action="store_true",
                        help=f"also autograde whole notebooks with the instructor's answers "
                             f"('{WHOLE}': the time of a real submission; with --all, of "
                             "the whole collection)")
    parser.add_argument("--csv", type=Path, help="write the exported scores to this file")
    args = parser.parse_args(argv)
    known = {p.name for p in notebooks()}
    unknown = sorted(set(args.notebooks) - known)
    if unknown:
        parser.error(f"no such notebook: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    if args.lint:
        found = [p for path in notebooks() for p in template.problems(path)]
        for p in found:
            print(p)
        print(f"{len(found)} problem(s)")
        return 1 if found and args.strict else 0
    who = (*S.STUDENTS, WHOLE) if args.whole else S.STUDENTS
    return 1 if check(args.notebooks or None, every=args.all, strict=args.strict,
                      jobs=args.jobs, who=who, csv=args.csv) else 0


if __name__ == "__main__":
    sys.exit(main())
