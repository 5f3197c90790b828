"""Collect every open question's model answer and rubric into one Markdown file for the
graders, from the instructor's notebooks (the student versions hold neither).

    python coursework/rubrics.py                 # -> coursework/rubrics.md
    python coursework/rubrics.py --out FILE      # elsewhere ("-": standard output)

An open question (the coursework template, section B) is a Markdown question cell
followed by a Markdown answer cell marked ``solution`` and ``grade`` with ``points``; the
answer cell's instructor version is ``**Model answer.** ...`` then ``**Rubric (P
points).** ...``. ``make_student_versions.py`` writes the same file into the course
directory it lays out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"
MODEL = "**Model answer.**"
RUBRIC = re.compile(r"\*\*Rubric \((\d+) points?\)\.\*\*")
ITEM_POINTS = re.compile(r"(\d+) points?:")
PLACEHOLDER = re.compile(r"⟨[^⟩]*⟩|\bTODO\b|\bTBD\b")


@dataclass(frozen=True)
class OpenQuestion:
    """One manually graded question of a notebook."""

    notebook: str
    grade_id: str
    points: float
    question: str
    model_answer: str
    rubric: str

    def problems(self) -> list[str]:
        """What does not follow the template (none: [])."""
        where = f"{self.notebook} {self.grade_id}"
        found = []
        if not self.model_answer:
            found.append(f"{where}: no '{MODEL}' in the answer cell")
        match = RUBRIC.search(self.rubric)
        if not match:
            found.append(f"{where}: no '**Rubric (P points).**' in the answer cell")
        elif float(match[1]) != self.points:
            found.append(f"{where}: the rubric is for {match[1]} points, the cell gives "
                         f"{self.points:g}")
        else:
            items = [int(n) for n in ITEM_POINTS.findall(self.rubric[match.end():])]
            if items and sum(items) != self.points:
                found.append(f"{where}: the rubric's items add up to {sum(items)} points, "
                             f"not {self.points:g}")
        if PLACEHOLDER.search(self.model_answer + "\n" + self.rubric):
            found.append(f"{where}: a placeholder is left in the model answer or rubric")
        return found


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def open_questions(path: Path) -> list[OpenQuestion]:
    """The open questions of one instructor notebook, in order."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    found = []
    for i, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "markdown" or not (meta.get("solution") and meta.get("grade")):
            continue
        question = _text(cells[i - 1]).strip() if i and cells[i - 1]["cell_type"] == \
            "markdown" else ""
        text = _text(cell)
        match = RUBRIC.search(text)
        model, rubric = (text[:match.start()], text[match.start():]) if match else (text, "")
        model = model.strip()
        model = model[len(MODEL):].strip() if model.startswith(MODEL) else ""
        found.append(OpenQuestion(Path(path).name, str(meta.get("grade_id")),
                                  float(meta.get("points", 0)), question, model,
                                  rubric.strip()))
    return found


def collect(paths: list[Path]) -> list[OpenQuestion]:
    """The open questions of the notebooks at ``paths``."""
    return [q for path in paths for q in open_questions(path)]


def markdown(questions: list[OpenQuestion]) -> str:
    """The graders' file: per notebook, each question, its model answer and rubric."""
    total = sum(q.points for q in questions)
    lines = ["# Open questions: model answers and rubrics", "",
             "For the graders only: do not give this file to students. Generated from the "
             "instructor's notebooks by `coursework/rubrics.py`; grade each answer cell in "
             "nbgrader's formgrader (its `grade_id` is given).", "",
             f"{len(questions)} questions, {total:g} points.", ""]
    notebook = None
    for q in questions:
        if q.notebook != notebook:
            notebook = q.notebook
            lines += [f"## {notebook}", ""]
        lines += [f"### {q.grade_id} ({q.points:g} points)", "", q.question, "",
                  f"{MODEL} {q.model_answer}", "", q.rubric, ""]
    return "\n".join(lines)


def write_markdown(questions: list[OpenQuestion], out: Path) -> None:
    Path(out).write_text(markdown(questions), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(HERE / "rubrics.md"),
                        help="the file to write, '-' for standard output "
                             "(default: coursework/rubrics.md)")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="instructor notebooks (default: every notebook in notebooks/)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    questions = collect(paths)
    for problem in (p for q in questions for p in q.problems()):
        print(f"warning: {problem}", file=sys.stderr)
    if args.out == "-":
        sys.stdout.write(markdown(questions))
    else:
        write_markdown(questions, Path(args.out))
        print(f"{len(questions)} open questions -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
