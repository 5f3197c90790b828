"""Course material around the library: the notebook catalogue and its links
(:mod:`~initlib.course.catalogue`, ``python -m initlib``), the seed article's reference
code (:mod:`~initlib.course.article`) and the exercises' feedback
(:mod:`~initlib.course.exercises`)."""
