"""Check a class on one hub, end to end, on this machine: a real JupyterHub, real Linux
accounts, nbgitpuller and nbgrader's exchange, then a small load test.

1. **nbgitpuller.** A student clicks the collection's hub link (``python -m initlib --hub``):
   the repository, served by ``git daemon`` on 127.0.0.1, is cloned into their home and
   JupyterLab opens on notebook 01. The student edits notebook 01 and saves it; the course
   repository changes notebook 02; the student clicks again: both changes are there.
2. **nbgrader's exchange.** The instructor's course directory is laid out from
   ``coursework/`` (its ``source/``, or what ``make_student_versions.py`` writes there),
   restricted to the notebooks picked (``--pick``); every assignment that holds one of
   them goes round. The instructor (an account of its own) generates the student
   versions, imports the roster and releases; four students click the link, fetch from
   the Assignments tab's API, answer (scripted: the instructor's solutions, nothing, or
   the first exercise only) and submit; the due date passes and the fourth student
   submits the right answers late. The instructor collects, autogrades, generates and
   releases feedback, exports the grades to CSV; students fetch their feedback. Right
   answers must get full marks, blank ones zero, the partial one something in between,
   the late submission must be flagged, each feedback must show the gradebook's score.
3. **Load.** :mod:`load_test` with one student alone, then ``--load`` students at once.

Prints the score table and the load figures; exit status 1 if anything is off.

    python classroom/check_classroom.py                   # as CI runs it (about 5 min)
    python classroom/check_classroom.py --pick 06 07 --load 3 --json out.json
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import hub  # noqa: E402
import load_test  # noqa: E402

ROOT = HERE.parent
COURSEWORK = ROOT / "coursework"
GENERATED = ("release", "submitted", "autograded", "feedback", "gradebook.db", "*.csv",
             "__pycache__", ".ipynb_checkpoints")
POLICIES = ("right", "blank", "partial", "late")  # the four students' answers, in order
STUDENT_NOTE = "A note the student wrote while reading notebook 01."
UPSTREAM_NOTE = "A paragraph the course added to notebook 02 after the first pull."
NB01, NB02 = "01_theory.ipynb", "02_zero_mean_normal.ipynb"


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


# --------------------------------------------------------------------------- nbgitpuller

def check_pull(room: hub.Classroom, student: hub.Student) -> dict:
    """Click, edit 01, update 02 upstream, click again; returns what was seen."""
    problems = []
    link = room.link()
    first = student.click(link)
    expected = f"/user/{student.name}/lab/tree/{hub.REPO_NAME}/notebooks/{NB01}"
    if not first["landed"].endswith(expected):
        problems.append(f"the link opened {first['landed']}, not notebook 01")
    clone = student.account.home / hub.REPO_NAME
    if clone.stat().st_uid != student.account.uid:
        problems.append(f"{clone} is not owned by {student.name}")

    path01 = f"{hub.REPO_NAME}/notebooks/{NB01}"
    nb = student.notebook(path01)
    nb["cells"].append(nbformat.v4.new_markdown_cell(STUDENT_NOTE))
    student.save_notebook(path01, nb)

    def add_to_02(work: Path):
        path = work / "notebooks" / NB02
        upstream = nbformat.read(path, as_version=4)
        upstream.cells.append(nbformat.v4.new_markdown_cell(UPSTREAM_NOTE))
        nbformat.write(upstream, path)

    commit = room.upstream.commit(add_to_02, "Notebook 02: a paragraph added during the course")
    second = student.click(link)
    has_note = any(STUDENT_NOTE in _source(c) for c in student.notebook(path01)["cells"])
    has_update = any(UPSTREAM_NOTE in _source(c)
                     for c in student.notebook(f"{hub.REPO_NAME}/notebooks/{NB02}")["cells"])
    log = subprocess.run(["git", "-c", f"safe.directory={clone}", "-C", str(clone), "log",
                          "--format=%H"], capture_output=True, text=True).stdout.split()
    if not has_note:
        problems.append("the second click lost the student's edit of notebook 01")
    if not has_update:
        problems.append("the second click did not bring the change of notebook 02")
    if commit not in log:
        problems.append("the course's new commit is not in the student's history")
    return {"first_click_s": first["seconds"], "second_click_s": second["seconds"],
            "landed": first["landed"], "student_edit_kept": has_note,
            "update_merged": has_update, "problems": problems}


# --------------------------------------------------------------------------- the course

def course_id_of(course: Path) -> str:
    """``CourseDirectory.course_id`` of the course's nbgrader_config.py ("initlib" if unset)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return config.CourseDirectory.get("course_id") or "initlib"


def prepare_course(course: Path, picks: list[str], teacher: hub.Account) -> dict:
    """Lay out the instructor's course directory at ``course``: ``coursework/``'s settings
    and source assignments, each restricted to the notebooks whose names start with one
    of ``picks``; assignments holding none are dropped. Returns ``{assignment: [notebook
    file names]}``."""
    shutil.copytree(COURSEWORK, course, ignore=shutil.ignore_patterns(*GENERATED))
    if not (course / "source").is_dir():  # the source versions are generated from notebooks/
        make = COURSEWORK / "make_student_versions.py"
        names = [p.name for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                 if p.name.startswith(tuple(picks))]
        for args in [names, []] if names else [[]]:  # those picked if it takes names, or all
            out = subprocess.run([sys.executable, str(make), "--root", str(course), *args],
                                 capture_output=True, text=True, cwd=COURSEWORK)
            if not out.returncode and (course / "source").is_dir():
                break
        else:
            raise RuntimeError(f"{make.name} --root {course} failed:\n{out.stderr[-3000:]}")
        for generated in ("release", "gradebook.db"):
            target = course / generated
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    chosen = {}
    for folder in sorted(p for p in (course / "source").iterdir() if p.is_dir()):
        notebooks = sorted(folder.glob("*.ipynb"))
        keep = [p for p in notebooks if p.name.startswith(tuple(picks))]
        if not keep:
            shutil.rmtree(folder)
            continue
        for p in set(notebooks) - set(keep):
            p.unlink()
        chosen[folder.name] = [p.name for p in keep]
    if not chosen:
        raise ValueError(f"no notebook in {course / 'source'} starts with {picks}")
    subprocess.run(["chown", "-R", f"{teacher.uid}:{teacher.gid}", str(course)], check=True)
    return chosen


_MARKERS = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")
_SCHEME = re.compile(r"=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===", re.S)


def solution_text(source: str) -> str:
    """An answer cell of the instructor's version as a student who got it right writes
    it: nbgrader's solution markers and mark scheme removed.

    >>> solution_text("x = None\\n### BEGIN SOLUTION\\nx = 2\\n### END SOLUTION")
    'x = None\\nx = 2'
    """
    source = _SCHEME.sub("", source)
    return "\n".join(line for line in source.splitlines() if not _MARKERS.match(line)).strip()


def answer(nb: dict, solutions: dict, policy: str, answered: int) -> int:
    """Fill the answer cells of the student notebook ``nb`` (in place) by ``policy``:
    ``right`` every one, ``blank`` none, ``partial`` only the first code answer (the
    first autograded exercise) of the assignment. Returns how many answers have been
    given so far, counting ``answered`` given in the assignment's earlier notebooks."""
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution") or policy == "blank":
            continue
        if policy == "partial" and (answered >= 1 or cell["cell_type"] != "code"):
            continue
        cell["source"] = solution_text(_source(solutions[meta["grade_id"]]))
        answered += 1
    return answered


def work_on(student: hub.Student, course_id: str, assignment: str, source: Path,
            policy: str) -> None:
    """Fetch, answer and submit one assignment from the student's server."""
    entry = student.fetch(course_id, assignment)
    answered = 0
    for notebook in entry["notebooks"]:  # paths relative to the student's home
        nb = student.notebook(notebook["path"])
        instructor = nbformat.read(source / assignment / f"{notebook['notebook_id']}.ipynb",
                                   as_version=4)
        solutions = {c.metadata["nbgrader"]["grade_id"]: c for c in instructor.cells
                     if c.metadata.get("nbgrader", {}).get("solution")}
        answered = answer(nb, solutions, policy, answered)
        student.save_notebook(notebook["path"], nb)
    student.submit(course_id, assignment)


def feedback_scores(student: hub.Student, course_id: str, assignment: str) -> dict:
    """Fetch the feedback; ``{notebook: (score, max score)}`` read off its HTML files."""
    entry = student.fetch_feedback(course_id, assignment)
    latest = entry["submissions"][-1] if entry and entry.get("submissions") else {}
    if not latest.get("has_local_feedback"):
        raise RuntimeError(f"{student.name}: no feedback for {assignment} after fetching it")
    scores = {}
    for notebook in latest["notebooks"]:
        path = Path(student.account.home, notebook["local_feedback_path"])  # absolute here
        html = student.read(str(path.relative_to(student.account.home)))["content"]
        m = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", html)
        scores[notebook["notebook_id"]] = (float(m[1]), float(m[2])) if m else None
    return scores


def round_trip(room: hub.Classroom, students: list[hub.Student], picks: list[str],
               log=print) -> dict:
    """nbgrader's exchange end to end; returns rows of the score table and problems."""
    teacher_home = room.teacher.home
    course = teacher_home / "course"
    assignments = prepare_course(course, picks, room.teacher)
    course_id = course_id_of(course)
    teacher = hub.Teacher(room, course)
    timings = {}
    for a in assignments:
        timings[f"generate {a}"] = teacher.nbgrader("generate_assignment", a, "--force")
    roster = course / "roster.csv"
    roster.write_text("id,first_name,last_name\n" + "".join(
        f"{s.name},Student,{s.name.rsplit('-', 1)[-1]}\n" for s in students))
    timings["roster"] = teacher.nbgrader("db", "student", "import", roster.name)
    for a in assignments:
        timings[f"release {a}"] = teacher.nbgrader("release_assignment", a)
    log(f"  released {assignments} of course {course_id!r}")

    policy = dict(zip((s.name for s in students), POLICIES, strict=True))
    source = course / "source"
    for s in students:  # on time: everyone but the late one
        if policy[s.name] != "late":
            for a in assignments:
                work_on(s, course_id, a, source, policy[s.name])
    due = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    for a in assignments:
        teacher.nbgrader("db", "assignment", "add", a, f"--duedate={due}")
    time.sleep(1.5)
    for s in students:
        if policy[s.name] == "late":
            for a in assignments:
                work_on(s, course_id, a, source, "right")
    log(f"  {len(students)} students submitted (due date {due})")

    for a in assignments:
        timings[f"collect {a}"] = teacher.nbgrader("collect", a)
        timings[f"autograde {a}"] = teacher.nbgrader("autograde", a)
        timings[f"feedback {a}"] = teacher.nbgrader("generate_feedback", a)
        timings[f"release feedback {a}"] = teacher.nbgrader("release_feedback", a)
    timings["export"] = teacher.nbgrader("export", "--to=grades.csv")
    log("  collected, autograded, feedback released, grades exported")
    feedback = {(s.name, a): feedback_scores(s, course_id, a)
                for s in students for a in assignments}
    with open(course / "grades.csv", newline="") as f:
        exported = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}

    from nbgrader.api import Gradebook

    rows, problems = [], []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=course_id) as gb:
        for s in students:
            for a, notebooks in assignments.items():
                sub = gb.find_submission(a, s.name)
                row = exported.get((s.name, a))
                for name in notebooks:
                    nb = gb.find_submission_notebook(name.removesuffix(".ipynb"), a, s.name)
                    auto = [g for g in nb.grades if g.cell_type == "code"]
                    got = sum(g.score for g in auto)
                    most = sum(g.max_score for g in auto)
                    seen = feedback[(s.name, a)].get(name.removesuffix(".ipynb"))
                    rows.append({"student": s.name, "answers": policy[s.name],
                                 "assignment": a, "notebook": name.removesuffix(".ipynb"),
                                 "auto_score": got, "auto_max": most,
                                 "score": nb.score, "max_score": nb.max_score,
                                 "seconds_late": sub.total_seconds_late,
                                 "csv_score": float(row["score"]) if row else None,
                                 "csv_late": bool(row and row["timestamp"] > row["duedate"]),
                                 "feedback": seen})
    for r in rows:
        who = f"{r['student']} ({r['answers']}) {r['notebook']}"
        full = r["auto_score"] == r["auto_max"] > 0
        if r["answers"] in ("right", "late") and not full:
            problems.append(f"{who}: {r['auto_score']:g}/{r['auto_max']:g}, not full marks")
        if r["answers"] == "blank" and r["auto_score"] != 0:
            problems.append(f"{who}: {r['auto_score']:g} for blank answers")
        if r["answers"] == "partial" and not 0 < r["auto_score"] < r["auto_max"]:
            problems.append(f"{who}: {r['auto_score']:g}/{r['auto_max']:g}, not partial")
        late = r["answers"] == "late"
        if (r["seconds_late"] > 0) != late or r["csv_late"] != late:
            problems.append(f"{who}: {r['seconds_late']:.1f} s late in the gradebook, "
                            f"late in the CSV: {r['csv_late']}")
        if r["feedback"] != (r["score"], r["max_score"]):
            problems.append(f"{who}: the feedback shows {r['feedback']}, the gradebook "
                            f"{r['score']:g}/{r['max_score']:g}")
        if r["csv_score"] is None:
            problems.append(f"{who}: missing from grades.csv")
    for s in students:
        for a in assignments:
            mine = [r for r in rows if (r["student"], r["assignment"]) == (s.name, a)]
            if mine and mine[0]["csv_score"] != sum(r["score"] for r in mine):
                problems.append(f"{s.name} {a}: {mine[0]['csv_score']} in grades.csv, "
                                f"{sum(r['score'] for r in mine):g} in the gradebook")
    return {"course_id": course_id, "assignments": assignments, "rows": rows,
            "timings": timings, "grades_csv": (course / "grades.csv").read_text(),
            "problems": problems}


def score_table(rows: list[dict]) -> str:
    lines = ["| student | answers | assignment | notebook | autograded | late (s) | "
             "score in grades.csv | feedback shows |", "|---|---|---|---|---:|---:|---:|---:|"]
    for r in rows:
        fb = f"{r['feedback'][0]:g} / {r['feedback'][1]:g}" if r["feedback"] else "none"
        lines.append(f"| {r['student'].rsplit('-', 1)[-1]} | {r['answers']} | "
                     f"{r['assignment']} | {r['notebook']} | {r['auto_score']:g} / "
                     f"{r['auto_max']:g} | {r['seconds_late']:.1f} | {r['csv_score']} | {fb} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main

def check(picks: list[str], load: int, updates: int, log=print) -> dict:
    start = time.perf_counter()
    out = {"problems": []}
    with hub.Classroom(students=len(POLICIES) + 1 + load, log=log) as room:
        class_, solo, crowd = (room.students[:len(POLICIES)], room.students[len(POLICIES)],
                               room.students[len(POLICIES) + 1:])
        students = [room.student(a) for a in class_]
        with ThreadPoolExecutor(len(students)) as pool:
            started = list(pool.map(lambda s: (s.log_in(), s.start_server())[1], students))
        log(f"{len(students)} servers started ({max(started):.0f} s)")

        log("nbgitpuller: click, edit 01, course updates 02, click again")
        out["pull"] = check_pull(room, students[0])
        out["problems"] += out["pull"]["problems"]
        for s in students[1:]:
            s.click(room.link())

        log("nbgrader exchange: release, fetch, submit, collect, autograde, feedback, export")
        out["exchange"] = round_trip(room, students, picks, log=log)
        out["problems"] += out["exchange"]["problems"]
        for s in students:
            s.stop_server()

        log("load: one student alone, then all at once")
        out["load"] = []
        for accounts in ([solo], crowd) if load else ():
            result = load_test.simulate(room, accounts, updates=updates, time_limit=900,
                                        log=log)
            out["load"].append(result)
            for r in result["runs"]:
                out["problems"] += [f"load, {r['name']}: {e}" for e in r["errors"]]
    out["seconds"] = time.perf_counter() - start
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python classroom/check_classroom.py "
                                            "--pick 06 --load 2")
    parser.add_argument("--pick", nargs="+", default=["06"], metavar="PREFIX",
                        help="grade the notebooks whose file names start with these "
                             "(default: 06, one short notebook)")
    parser.add_argument("--load", type=int, default=2, metavar="N",
                        help="students at once in the load test, after one alone; 0 skips "
                             "it (default: 2; the full test: classroom/load_test.py)")
    parser.add_argument("--updates", type=int, default=30,
                        help="explorer updates per student in the load test (default: 30)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.load < 0 or args.updates < 1:
        parser.error("--load must be 0 or more and --updates positive")
    reason = hub.unavailable()
    if reason:
        parser.error(f"cannot run here: {reason}")
    out = check(args.pick, args.load, args.updates)

    pull = out["pull"]
    print(f"\nnbgitpuller: first click {pull['first_click_s']:.1f} s, second click (merge) "
          f"{pull['second_click_s']:.1f} s; student's edit of 01 kept: "
          f"{pull['student_edit_kept']}; course's change of 02 merged: {pull['update_merged']}")
    ex = out["exchange"]
    print(f"\nnbgrader exchange, course {ex['course_id']!r}, assignments {ex['assignments']}:\n")
    print(score_table(ex["rows"]))
    print("\ngrades.csv:\n" + ex["grades_csv"])
    print("instructor's commands, s: " + ", ".join(f"{k} {v:.1f}"
                                                   for k, v in ex["timings"].items()))
    if out["load"]:
        print("\nload (notebook 01, then explorer updates):\n")
        print(load_test.table([load_test.summary(r) for r in out["load"]]))
    for p in out["problems"]:
        print("PROBLEM:", p)
    verdict = f"{len(out['problems'])} problem(s)" if out["problems"] else "OK"
    print(f"\n{verdict}: classroom checked in {out['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str) + "\n")
    return 1 if out["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
