"""Import Keras (TensorFlow backend) without TensorFlow's C++ start-up log lines.

``TF_CPP_MIN_LOG_LEVEL`` silences TensorFlow's own logging, but a few lines (the CUDA
stub's "Could not find cuda drivers", absl's pre-initialisation warning) are written to
file descriptor 2 before that setting is read. They are harmless and would clutter
every notebook, so the import runs with descriptor 2 pointed at ``/dev/null``.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _stderr_fd_silenced():
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (some embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_keras():
    """Return the ``keras`` module, imported quietly on the TensorFlow backend (unless
    ``KERAS_BACKEND`` names another)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "keras" not in sys.modules:
        with _stderr_fd_silenced():
            import keras  # noqa: F401
            if os.environ["KERAS_BACKEND"] == "tensorflow":
                import tensorflow as tf

                tf.config.list_physical_devices()  # the GPU probe logs here, once
    return sys.modules["keras"]
