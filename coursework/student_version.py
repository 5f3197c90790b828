"""What changes between the instructor's notebooks and the students' besides what nbgrader
itself removes.

In ``notebooks/`` each checked exercise's answer cell holds the worked solution, collapsed
in JupyterLab (``"jupyter": {"source_hidden": true}``), under a statement that ends with
:data:`REVEAL_NOTE`. In a student version the cell holds nbgrader's stub instead, so
:class:`OpenAnswerCells` shows it expanded and replaces the note with
:data:`STUDENT_NOTE`. ``nbgrader_config.py`` runs it in ``nbgrader generate_assignment``
right after nbgrader's ``ClearSolutions``.
"""

from nbgrader.preprocessors import NbGraderPreprocessor

REVEAL_NOTE = ("*The worked solution is in the collapsed cell below (click to expand); the "
               "cell after it checks the answer.*")
STUDENT_NOTE = ("*Write your answer in the cell below, in place of "
                "`raise NotImplementedError()`; the cell after it checks the answer.*")


class OpenAnswerCells(NbGraderPreprocessor):
    """Expand the answer (solution) cells and tell students where to write."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and REVEAL_NOTE in cell.source:
            cell.source = cell.source.replace(REVEAL_NOTE, STUDENT_NOTE)
        if cell.metadata.get("nbgrader", {}).get("solution"):
            view = cell.metadata.get("jupyter", {})
            view.pop("source_hidden", None)
            if not view:
                cell.metadata.pop("jupyter", None)
        return cell, resources
