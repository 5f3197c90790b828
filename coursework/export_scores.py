"""Export the gradebook with a score per notebook and per exercise: one row per student
and assignment, one column per notebook and per exercise (the sum of its parts), for a
spreadsheet. nbgrader's own ``nbgrader export`` gives one total per assignment only.

As an nbgrader export plugin, from the course directory:

    nbgrader export --exporter=export_scores.ExerciseScores --to=scores.csv

or as a script on any gradebook:

    python coursework/export_scores.py --db coursework/gradebook.db --to scores.csv

Columns: ``student_id``, ``assignment``, ``timestamp``, ``late_seconds``, then for each
notebook ``<notebook>`` (its score) and ``<notebook>:max``, then for each exercise
``<exercise>`` and ``<exercise>:max``, where the exercise of a grade cell is its
``grade_id`` without the part (``nb07_ex1_test_keras`` and ``nb07_ex1_test_torch`` are
exercise ``nb07_ex1``; an open question ``nb07_ex3_open`` is ``nb07_ex3``), then
``score``, ``max_score``, and ``needs_manual_grade`` (open questions not graded yet).
A score is empty where nothing was submitted.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

PART = re.compile(r"_(answer|test(_\w+)?|open|check|feedback)$")


def exercise_of(grade_id: str) -> str:
    """The exercise a grade cell belongs to.

    >>> exercise_of("nb07_ex1_test_keras"), exercise_of("nb09_ex3_open")
    ('nb07_ex1', 'nb09_ex3')
    >>> exercise_of("ex07_1_check")
    'ex07_1'
    """
    return PART.sub("", grade_id)


def rows(gradebook: Gradebook, students: list[str] | None = None,
         assignments: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """(the columns, one dict per student and assignment)."""
    columns = ["student_id", "assignment", "timestamp", "late_seconds"]
    exercise_columns: list[str] = []
    table = []
    for assignment in gradebook.assignments:
        if assignments and assignment.name not in assignments:
            continue
        layout = []  # (notebook, {exercise: [grade cell names]})
        for notebook in assignment.notebooks:
            parts: dict[str, list] = {}
            for cell in notebook.grade_cells:
                parts.setdefault(exercise_of(cell.name), []).append(cell)
            layout.append((notebook.name, parts))
            for name in (notebook.name, *parts):
                for col in (name, f"{name}:max"):
                    if col not in exercise_columns:
                        exercise_columns.append(col)
        for student in gradebook.students:
            if students and student.id not in students:
                continue
            row = {"student_id": student.id, "assignment": assignment.name}
            try:
                submission = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                submission = None
            if submission is not None:
                row["timestamp"] = submission.timestamp or ""
                row["late_seconds"] = submission.total_seconds_late
            manual, score, most = 0, 0.0, 0.0
            for notebook_name, parts in layout:
                nb_score, nb_max = 0.0, 0.0
                for exercise, cells in parts.items():
                    ex_score, ex_max = 0.0, 0.0
                    for cell in cells:
                        ex_max += cell.max_score
                        if submission is None:
                            continue
                        grade = gradebook.find_grade(cell.name, notebook_name,
                                                     assignment.name, student.id)
                        ex_score += grade.score or 0.0
                        manual += bool(grade.needs_manual_grade)
                    row[exercise] = ex_score if submission is not None else ""
                    row[f"{exercise}:max"] = ex_max
                    nb_score, nb_max = nb_score + ex_score, nb_max + ex_max
                row[notebook_name] = nb_score if submission is not None else ""
                row[f"{notebook_name}:max"] = nb_max
                score, most = score + nb_score, most + nb_max
            row.update(score=score if submission is not None else "", max_score=most,
                       needs_manual_grade=manual)
            table.append(row)
    return columns + exercise_columns + ["score", "max_score", "needs_manual_grade"], table


def write(gradebook: Gradebook, dest: Path, students=None, assignments=None) -> int:
    """Write the CSV; returns the number of rows."""
    columns, table = rows(gradebook, students, assignments)
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(table)
    return len(table)


class ExerciseScores(ExportPlugin):
    """nbgrader export plugin: a score per notebook and per exercise (see the module)."""

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "scores.csv"
        n = write(gradebook, Path(dest), [str(s) for s in self.student] or None,
                  [str(a) for a in self.assignment] or None)
        self.log.info("Exported %d rows to %s", n, dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path(__file__).resolve().parent /
                        "gradebook.db", help="the gradebook (default: coursework/gradebook.db)")
    parser.add_argument("--to", type=Path, default=Path("scores.csv"),
                        help="the CSV file to write (default: scores.csv)")
    parser.add_argument("--course", default="initlib", help="the course id (default: initlib)")
    args = parser.parse_args(argv)
    if not args.db.is_file():
        parser.error(f"no gradebook at {args.db}")
    with Gradebook(f"sqlite:///{args.db.resolve()}", course_id=args.course) as gb:
        n = write(gb, args.to)
    print(f"{n} rows -> {args.to}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
