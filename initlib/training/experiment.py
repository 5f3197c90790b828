"""Training experiments in Keras 3: the same deep dense network under several
initializations. This module gathers, in one namespace, what notebook 08 and the
command line use; each piece lives in the module of its concern:

* :mod:`~initlib.training.models`: the model, redrawn in place; the compiled-model cache;
* :mod:`~initlib.training.callbacks`: gradient norms, training dynamics, gradient
  profiles, validation;
* :mod:`~initlib.training.runs`: :class:`Settings` (:data:`DEFAULTS`), :func:`train`,
  :class:`Run`;
* :mod:`~initlib.training.sweeps`: grids, :func:`sweep` (serial), :func:`run_grid`
  (serial or Dask, resumable);
* :mod:`~initlib.training.results`: results files, :func:`summarize`, tables;
* :mod:`~initlib.training.cli`: the command line, run as
  ``python -m initlib.training.experiment`` (``--help`` for its options).

Importing it loads Keras and changes no process setting.

>>> from initlib.training import experiment as ex
>>> ex.DEFAULTS.learning_rate, ex.DEFAULTS.epochs
(0.01, 30)
"""

import os

if __name__ == "__main__":  # run as a program, not imported: TensorFlow's C++ log stays
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet unless the user set it

from .callbacks import GradientNorms, GradientProfile, TrainingDynamics, gradient_profile
from .models import (
    KERAS_ACTIVATIONS,
    LSUV,
    build_model,
    clear_model_cache,
    initialize_model,
)
from .results import (
    ResultsFile,
    accuracy_grid,
    load_runs,
    results_table,
    runs_table,
    summarize,
)
from .runs import (
    DEFAULTS,
    PROBE,
    Run,
    Settings,
    batch_order,
    deterministic_ops,
    device_name,
    train,
)
from .sweeps import GRID_STRATEGIES, RunSpec, grid, local_client, run_grid, sweep

__all__ = [
    "DEFAULTS", "GRID_STRATEGIES", "KERAS_ACTIVATIONS", "LSUV", "PROBE", "GradientNorms",
    "GradientProfile", "ResultsFile", "Run", "RunSpec", "Settings", "TrainingDynamics",
    "accuracy_grid", "batch_order", "build_model", "clear_model_cache", "deterministic_ops",
    "device_name", "gradient_profile", "grid", "initialize_model", "load_runs",
    "local_client", "main", "results_table", "run_grid", "runs_table", "summarize", "sweep",
    "train",
]


def main(argv=None) -> int:
    """The command line (:func:`initlib.training.cli.main`)."""
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    import sys

    sys.exit(main())
