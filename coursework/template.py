"""The coursework template's rules for an instructor notebook's exercises, checked without
running anything (``python coursework/check_workflow.py --lint``).

A notebook follows the template when every nbgrader cell belongs to a graded function
exercise (``nbNN_exK_answer``, ``nbNN_exK_feedback``, ``nbNN_exK_test_<part>``) or an open
question (``nbNN_exK_open``) laid out as the template says. Its graded tests then run
outside the student's kernel (``isolation.py``); any other graded cell runs in the kernel,
where a student can defeat it.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

from isolation import BEGIN, END, ISOLATED, visible_part
from rubrics import open_questions

GRADE_ID = re.compile(r"^nb(\d\d)_ex(\d+)_(answer|feedback|test(?:_\w+)?|open)$")
STATEMENT = re.compile(r"^\*\*(\d+)\. .*?\((\d+) points?[^)]*\)\.?\*\*", re.M)


def text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _statement(cells: list, index: int) -> re.Match | None:
    """The ``**K. Title (P points).**`` of the Markdown cell before ``cells[index]``."""
    for cell in reversed(cells[:index]):
        if cell["cell_type"] == "markdown" and not meta(cell):
            return STATEMENT.search(text(cell))
        if cell["cell_type"] == "markdown":
            return None
    return None


def _stub_inside_def(source: str) -> bool:
    """True if the solution markers sit inside the body of a ``def``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    lines = source.splitlines()
    marks = [i + 1 for i, line in enumerate(lines) if "BEGIN SOLUTION" in line]
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    return bool(marks) and all(any(d.lineno < m <= d.end_lineno for d in defs)
                               for m in marks)


def problems(path: Path) -> list[str]:
    """What in the notebook at ``path`` does not follow the template (nothing: [])."""
    path = Path(path)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    number = path.name[:2]
    found: list[str] = []
    ids: list[str] = []
    exercises: dict[str, dict] = {}
    for i, cell in enumerate(cells):
        m = meta(cell)
        if not m or not (m.get("solution") or m.get("grade") or m.get("locked")
                         and m.get("grade_id", "").startswith(("nb", "ex"))):
            continue
        gid = str(m.get("grade_id", ""))
        ids.append(gid)
        match = GRADE_ID.match(gid)
        if not match:
            found.append(f"{path.name}: {gid}: not a template grade_id (nbNN_exK_answer, "
                         "_feedback, _test_<part>, _open)")
            continue
        if match[1] != number:
            found.append(f"{path.name}: {gid}: the notebook is {number}")
        key, role = f"nb{match[1]}_ex{match[2]}_", match[3]
        ex = exercises.setdefault(key, {"number": int(match[2]), "tests": [], "points": 0.0})
        where = f"{path.name}: {gid}"
        if role == "answer":
            if cell["cell_type"] != "code" or not m.get("solution") or m.get("grade") \
                    or m.get("locked"):
                found.append(f"{where}: an answer cell is code, solution, not graded, "
                             "not locked")
            elif not _stub_inside_def(text(cell)):
                found.append(f"{where}: the solution markers must be inside a def")
            else:
                tree = ast.parse(text(cell))
                ex["function"] = next(n.name for n in tree.body
                                      if isinstance(n, ast.FunctionDef))
                ex["answer"] = i
                statement = _statement(cells, i)
                ex["statement"] = statement
                if statement is None:
                    found.append(f"{where}: no '**K. Title (P points).**' statement above")
        elif role == "feedback":
            if cell["cell_type"] != "code" or m.get("solution") or m.get("grade") \
                    or not m.get("locked"):
                found.append(f"{where}: a feedback cell is code, locked, not graded")
            call = re.search(r"\b(nb\d\d)\.(check_\w+)\((\w+)\)", text(cell))
            if not call:
                found.append(f"{where}: calls no nbNN.check_...(function)")
                continue
            if call[3] != ex.get("function"):
                found.append(f"{where}: checks {call[3]}, the answer defines "
                             f"{ex.get('function')}")
            try:
                module = importlib.import_module(f"initlib.course.exercises.{call[1]}")
            except ImportError:
                found.append(f"{where}: no module initlib.course.exercises.{call[1]}")
                continue
            if not callable(getattr(module, call[2], None)):
                found.append(f"{where}: initlib.course.exercises.{call[1]} has no {call[2]}")
        elif role.startswith("test"):
            if not ISOLATED.match(gid):
                found.append(f"{where}: a test cell's grade_id is nbNN_exK_test[_<part>]")
            if cell["cell_type"] != "code" or m.get("solution") or not m.get("grade") \
                    or not m.get("locked"):
                found.append(f"{where}: a test cell is code, graded, locked, not a solution")
            points = float(m.get("points") or 0)
            if not 1 <= points <= 3:
                found.append(f"{where}: {points:g} points; a part is worth 1 to 3")
            ex["points"] += points
            ex["tests"].append(gid)
            source = text(cell)
            if source.count(BEGIN) != 1 or source.count(END) != 1:
                found.append(f"{where}: no hidden tests (one BEGIN/END HIDDEN TESTS pair)")
            elif ex.get("function") and ex["function"] not in source.split(BEGIN)[1]:
                found.append(f"{where}: the hidden tests never call {ex['function']}")
            if ex.get("function") and "callable" not in visible_part(source):
                found.append(f"{where}: the visible part should assert callable(...)")
        elif role == "open":
            if cell["cell_type"] != "markdown" or not (m.get("solution") and m.get("grade")):
                found.append(f"{where}: an open answer is Markdown, solution and graded")
            statement = _statement(cells, i)
            if statement is None:
                found.append(f"{where}: no '**K. Title (P points).**' statement above")
            elif float(statement[2]) != float(m.get("points") or 0):
                found.append(f"{where}: the statement says {statement[2]} points, the cell "
                             f"gives {m.get('points')}")
            ex["open"] = True
    if len(ids) != len(set(ids)):
        found.append(f"{path.name}: grade_ids are not unique")
    for key, ex in exercises.items():
        if ex.get("open"):
            continue
        if "answer" not in ex:
            found.append(f"{path.name}: {key}: tests without an answer cell")
            continue
        if not ex["tests"]:
            found.append(f"{path.name}: {key}answer: no test cell {key}test_<part>")
        statement = ex.get("statement")
        if statement and float(statement[2]) != ex["points"]:
            found.append(f"{path.name}: {key}: the statement says {statement[2]} points, "
                         f"the tests give {ex['points']:g}")
    found += [p for q in open_questions(path) for p in q.problems()]
    numbers = sorted({ex["number"] for ex in exercises.values()})
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        found.append(f"{path.name}: exercises numbered {numbers}")
    if not exercises:
        found.append(f"{path.name}: no exercises")
    return found
