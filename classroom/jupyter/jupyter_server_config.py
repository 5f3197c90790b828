"""The students' Jupyter server on the class hub: nbgrader's student side only.

Students fetch, validate and submit assignments (nbgrader's ``assignment_list`` and
``validate_assignment`` extensions); the instructor's tools (formgrader, course list)
stay off. The hub puts this folder on every student's ``JUPYTER_CONFIG_PATH``; on a real
hub, copy it to ``/etc/jupyter/``. An instructor who grades in the browser turns formgrader
back on in ``~/.jupyter/jupyter_server_config.py``, which takes precedence.
"""

c = get_config()  # noqa: F821  (defined by the loader of this file)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
