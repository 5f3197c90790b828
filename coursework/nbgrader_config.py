"""nbgrader's settings for the collection as coursework; this folder is nbgrader's course
directory. Run nbgrader from here:

    python make_student_versions.py        # student versions in release/<assignment>/
    nbgrader autograde 07_he_kaiming       # grades submitted/<student>/07_he_kaiming/

What changes from nbgrader's defaults:

* ``nbgrader autograde`` grades the graded-function exercises outside the student's
  kernel (``isolation.IsolatedExecute`` in place of ``Execute``; see isolation.py);
* cells tagged ``heavy`` (a training sweep and what reads its results; no grade needs
  them) are not run by autograde or validate (``heavy.py``);
* the feedback HTML leaves the hidden tests out (nbgrader's ``ClearHiddenTests``);
* student versions show the answer cells expanded (``student_version.OpenAnswerCells``).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from heavy import TAG as HEAVY  # noqa: E402
from heavy import KeepGradedCells  # noqa: E402
from isolation import IsolatedExecute  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.converters import Autograde, GenerateAssignment  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    ClearHiddenTests,
    ClearSolutions,
    Execute,
    GetGrades,
)
from student_version import OpenAnswerCells  # noqa: E402

c = get_config()  # noqa: F821  (defined by the loader of this file)

c.CourseDirectory.course_id = "initlib"

# Every cell must finish within nbgrader's default 30 s under nbgrader (heavy cells take a
# lighter path there), so that a student's `nbgrader validate` needs no configuration;
# this margin is for slow grading machines only.
c.Execute.timeout = 120
# Heavy cells are skipped under nbgrader (nbclient's skip_cells_with_tag, which nbgrader's
# Execute inherits; IsolatedExecute too, and validate's Execute): see heavy.py.
c.Execute.skip_cells_with_tag = HEAVY

# Autograde: the graded functions are graded away from the student's kernel. A sandbox
# (a fresh Python process) can take more than 10 s to start on a busy grading machine.
c.IsolatedExecute.sandbox_timeout = 30
# Autograde steps: IsolatedExecute in place of Execute.
steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
steps = [IsolatedExecute if s is Execute else s for s in steps]
# ... and a graded cell tagged heavy in a submission runs all the same (heavy.py).
steps.insert(steps.index(IsolatedExecute), KeepGradedCells)
c.Autograde.autograde_preprocessors = steps

# Feedback: the hidden tests stay hidden.
c.GenerateFeedback.preprocessors = [ClearHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]

# Student versions: after the solutions are cleared, show the answer cells expanded.
steps = list(GenerateAssignment.class_traits()["preprocessors"].default())
steps.insert(steps.index(ClearSolutions) + 1, OpenAnswerCells)
c.GenerateAssignment.preprocessors = steps
