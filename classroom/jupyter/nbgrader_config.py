"""nbgrader's settings shared by everyone on the class hub: the course, the exchange, and
where a student's fetched assignments go.

The classroom's hub puts this folder on every server's ``JUPYTER_CONFIG_PATH`` (and the
instructor's nbgrader commands run with it too); on a real hub, copy it to
``/etc/jupyter/``. The instructor's course directory has its own ``nbgrader_config.py``
(``coursework/``), which nbgrader reads after this one.
"""

import os

c = get_config()  # noqa: F821  (defined by the loader of this file)

c.CourseDirectory.course_id = os.environ.get("INITLIB_COURSE_ID", "initlib")

# The exchange: a folder every account can write to (``chmod 1777``), on the hub's machine
# (or a shared volume mounted in every student's container).
c.Exchange.root = os.environ.get("INITLIB_EXCHANGE_ROOT", "/srv/nbgrader/exchange")

# nbgitpuller clones the repository into ~/initlib, and nbgrader would fetch an assignment
# called "initlib" into the same ~/initlib: fetched assignments go to ~/coursework instead.
# The folder must exist (the Assignments tab's server extension changes into it).
assignments = os.path.join(os.path.expanduser("~"), "coursework")
try:
    os.makedirs(assignments, exist_ok=True)
except OSError:  # a home folder this account cannot write: leave nbgrader's default
    pass
else:
    c.Exchange.assignment_dir = assignments
