"""nbgrader's settings for the collection as coursework; this folder is nbgrader's course
directory. Run nbgrader from here:

    python make_student_versions.py        # student versions in release/initlib/
    nbgrader autograde initlib             # grades submitted/<student>/initlib/*.ipynb
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nbgrader.converters import GenerateAssignment  # noqa: E402
from nbgrader.preprocessors import ClearSolutions  # noqa: E402
from student_version import OpenAnswerCells  # noqa: E402

c = get_config()  # noqa: F821  (defined by the loader of this file)

c.CourseDirectory.course_id = "initlib"

# One assignment, "initlib", holds every notebook. Notebook 08 trains for a minute or more
# in one cell; nbgrader's default limit is 30 s per cell.
c.Execute.timeout = 600

# Student versions: after the solutions are cleared, show the answer cells expanded.
steps = list(GenerateAssignment.class_traits()["preprocessors"].default())
steps.insert(steps.index(ClearSolutions) + 1, OpenAnswerCells)
c.GenerateAssignment.preprocessors = steps
