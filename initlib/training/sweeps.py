"""Sweeps: every combination of strategies x depths x activations x seeds, trained
serially in this process or on a Dask cluster.

* :func:`sweep` trains a grid here and returns its :class:`~initlib.training.runs.Run`
  objects (what a notebook uses);
* :func:`run_grid` trains the runs of a grid that a results file does not hold yet,
  serially or on Dask (:func:`local_client` for worker processes on this machine, or
  any ``distributed.Client``), appending each finished run to the file as it arrives.

Every run is independent and fixed by its coordinates and settings (:class:`RunSpec`):
a worker trains it in a fresh state (its weights and batch order come from the run's
seed alone), so it gives the same result serially, on 2 local workers or on a cluster,
up to the floating-point differences between machines and thread counts. A worker
killed mid-run loses that run only: Dask gives it to another worker, and what is in
the results file stays there.

>>> specs = grid(["he_normal", "xavier"], depths=(3,), activations=("relu",), seeds=(0, 1))
>>> [s.label for s in specs][:2]
['he_normal/depth3/relu/seed0', 'he_normal/depth3/relu/seed1']
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass

from .._checks import _is_int, check_choice, check_int
from .data import DATASETS
from .models import KERAS_ACTIVATIONS, LSUV, check_strategy
from .results import ResultsFile, record_key, to_record
from .runs import DEFAULTS, Run, Settings, train

GRID_STRATEGIES = ("zero_mean_normal", "small_uniform", "large_uniform",
                   "nonzero_mean_normal", "glorot_normal", "he_normal", "lecun_normal",
                   "orthogonal", LSUV)
"""The article's six strategies (its Xavier and He are the normal variants), then LeCun
normal, orthogonal and LSUV."""


@dataclass(frozen=True)
class RunSpec:
    """What fixes one run: its coordinates, its settings and the data set's name."""

    strategy: str
    depth: int
    activation: str
    seed: int
    settings: Settings = DEFAULTS
    data: str = "digits"

    @property
    def label(self) -> str:
        """A short readable name, ``"he_normal/depth30/relu/seed2"``."""
        return f"{self.strategy}/depth{self.depth}/{self.activation}/seed{self.seed}"

    @property
    def key(self) -> tuple:
        """The :func:`~initlib.training.results.record_key` of this run's row."""
        return record_key({"data": self.data, "strategy": self.strategy, "depth": self.depth,
                           "activation": self.activation, "seed": self.seed,
                           **self.settings.as_dict()})


def _axis(values, name):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name} must be a non-empty list, got {values!r}")
    values = list(values)
    if not values:
        raise ValueError(f"{name} must be a non-empty list, got []")
    return values


def grid(strategies=GRID_STRATEGIES, *, depths=(3, 30), activations=("relu", "tanh"),
         seeds=range(5), settings=DEFAULTS, data="digits") -> list[RunSpec]:
    """The runs of a grid, strategies outermost, then depths, activations, seeds.

    Every entry is checked before anything trains. Raises ``ValueError`` for an empty
    axis, an unknown strategy, activation or data set, a depth below 1 or a negative
    seed (naming the axis and the allowed values).

    >>> len(grid(depths=(3, 10, 30), seeds=range(10)))
    540
    """
    strategies = [check_strategy(s) for s in _axis(strategies, "strategies")]
    depths = _axis(depths, "depths")
    for d in depths:
        if not _is_int(d) or d < 1:
            raise ValueError(f"depths must be integers >= 1, got {d!r}")
    activations = _axis(activations, "activations")
    for a in activations:
        check_choice(a, "activation", KERAS_ACTIVATIONS)
    seeds = _axis(seeds, "seeds")
    for k in seeds:
        if not _is_int(k) or k < 0:
            raise ValueError(f"seeds must be non-negative integers, got {k!r}")
    check_choice(data, "data", DATASETS)
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    return [RunSpec(s, int(d), a, int(k), settings, data)
            for s, d, a, k in itertools.product(strategies, depths, activations, seeds)]


def sweep(strategies=GRID_STRATEGIES, *, depths=(3, 30), activations=("relu", "tanh"),
          seeds=range(5), data=None, settings=DEFAULTS, progress=False, dynamics=False,
          callbacks=(), **changes) -> list[Run]:
    """Train a :func:`grid` in this process, one run after the other.

    Parameters
    ----------
    strategies, depths, activations, seeds
        The grid's axes (see :func:`grid`).
    data : Split, optional
        Default: the digits (:func:`~initlib.training.data.load_digits_split`).
    settings : Settings
        Training settings; ``**changes`` overrides fields (``epochs=2``...).
    progress : bool
        Show a tqdm progress bar.
    dynamics : bool
        Record :class:`~initlib.training.callbacks.TrainingDynamics` in every run.
    callbacks : sequence of keras.callbacks.Callback
        Extra callbacks for every run's ``fit`` (for example
        :class:`~initlib.training.callbacks.StopAtChance`); one object serves all runs,
        Keras resets it when each run starts.

    Returns
    -------
    list of Run
        In grid order.

    Raises
    ------
    ValueError, TypeError
        For a bad axis or setting, before training starts.

    Examples
    --------
    >>> runs = sweep(["he_normal"], depths=(1,), activations=("relu",), seeds=(0,),
    ...              epochs=1, width=8)
    >>> [(r.strategy, r.depth, len(r.history["loss"])) for r in runs]
    [('he_normal', 1, 1)]
    """
    from .data import load_digits_split

    settings = settings.replace(**changes) if changes else settings
    specs = grid(strategies, depths=depths, activations=activations, seeds=seeds,
                 settings=settings)
    data = data or load_digits_split()
    if progress:
        from tqdm.auto import tqdm

        specs = tqdm(specs, desc="training runs", unit="run")
    return [train(s.strategy, depth=s.depth, activation=s.activation, seed=s.seed, data=data,
                  settings=s.settings, dynamics=dynamics, callbacks=callbacks) for s in specs]


# ------------------------------------------------------------------ runs in any process

@functools.lru_cache(maxsize=2)
def _load(name):
    from .data import load_split

    return load_split(name)


_THREADS = None


def configure_threads(threads):
    """Give TensorFlow in this process ``threads`` threads for one op (intra-op) and one
    thread between ops (inter-op), if TensorFlow has not started yet; called by
    :func:`run_spec` in each worker. Returns the intra-op thread count in force
    (0: TensorFlow's default, one per core)."""
    global _THREADS
    import tensorflow as tf

    threads = check_int(threads, "threads", 1)
    if _THREADS is None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TensorFlow already started: keep what it has
            pass
        _THREADS = tf.config.threading.get_intra_op_parallelism_threads()
    return _THREADS


_RUN_LOCK = threading.Lock()


def _digest(key) -> str:
    return hashlib.sha1(repr(key).encode()).hexdigest()[:12]


def run_spec(spec: RunSpec, threads=None) -> dict:
    """Train the run ``spec`` in this process and return its results row
    (:func:`~initlib.training.results.to_record`, with the run's wall time and this
    host and process as ``worker``). This is the function each Dask worker runs;
    ``threads`` caps TensorFlow's threads in the worker (:func:`configure_threads`).
    A worker process trains one run at a time even if it has several Dask threads."""
    if threads is not None:
        configure_threads(threads)
    with _RUN_LOCK:  # one run at a time per process: runs share its compiled models
        start = time.perf_counter()
        run = train(spec.strategy, depth=spec.depth, activation=spec.activation,
                    seed=spec.seed, data=_load(spec.data), settings=spec.settings)
    return to_record(run, run_seconds=time.perf_counter() - start,
                     worker=f"{socket.gethostname()}:{os.getpid()}")


def local_client(workers, *, threads=None):
    """A ``distributed.Client`` on a new ``LocalCluster`` of ``workers`` worker
    processes with one task at a time each.

    Each worker gets ``threads`` threads for TensorFlow and BLAS (default: this
    machine's cores divided among the workers, at least 1), set in its environment
    before it starts (``TF_NUM_INTRAOP_THREADS``, ``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``), so the workers together do not
    oversubscribe the cores; a :class:`TensorFlowThreads` plugin applies the same count
    through TensorFlow's own settings in each worker. Close the client and its cluster
    when done (``client.close(); client.cluster.close()``, or use it in a ``with``
    block).
    """
    from distributed import Client, LocalCluster

    workers = check_int(workers, "workers", 1)
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    threads = check_int(threads, "threads", 1)
    env = {"TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": "1",
           "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads),
           "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, env=env)
    client = Client(cluster)
    client.register_plugin(TensorFlowThreads(threads))
    return client


try:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # Dask is optional: only local_client and clusters need it
    _WorkerPlugin = object


class TensorFlowThreads(_WorkerPlugin):
    """A Dask worker plugin: :func:`configure_threads` with ``threads`` in every worker,
    those running now and those started later (a worker that replaces a killed one)."""

    def __init__(self, threads):
        self.threads = check_int(threads, "threads", 1)

    def setup(self, worker):
        configure_threads(self.threads)


def run_grid(specs, results, *, client=None, threads=None, progress=True, log=None) -> dict:
    """Train the runs of ``specs`` that ``results`` does not hold yet, appending each to
    it as it finishes.

    Parameters
    ----------
    specs : list of RunSpec
        From :func:`grid`.
    results : str, pathlib.Path or ResultsFile
        The results file (created if absent; :class:`~initlib.training.results.ResultsFile`).
    client : distributed.Client, optional
        Run on this Dask cluster (:func:`local_client`, or a client of any cluster);
        default: serially in this process.
    threads : int, optional
        TensorFlow's intra-op threads in each process that trains (:func:`configure_threads`,
        applied when that process starts TensorFlow); default: what the process has
        (for :func:`local_client`'s workers, the share of cores it gave them).
    progress : bool
        One tqdm bar over all runs, with the time left.
    log : file, optional
        Where failures are reported (default ``sys.stderr``).

    Returns
    -------
    dict
        ``{"total", "skipped", "finished", "failed"}``: runs in ``specs``, already in the
        file, trained now, and those whose task raised (their labels; they are not
        written, so rerunning the command retries them).

    Raises
    ------
    ValueError
        For duplicate runs in ``specs``.
    """
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError("specs holds the same run twice")
    results = results if isinstance(results, ResultsFile) else ResultsFile(results)
    log = log or sys.stderr
    done = results.done()
    todo = [s for s in specs if s.key not in done]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(specs), initial=len(specs) - len(todo), desc="training runs",
                   unit="run", smoothing=0.1)
    failed = []
    try:
        if client is None:
            for spec in todo:
                results.append(run_spec(spec, threads))
                if bar is not None:
                    bar.update()
        else:
            from distributed import as_completed

            futures = client.map(run_spec, todo, threads=threads,
                                 key=[f"run-{s.label}-{_digest(s.key)}" for s in todo],
                                 pure=False)
            labels = {f.key: s.label for f, s in zip(futures, todo, strict=True)}
            for future in as_completed(futures):
                try:
                    record = future.result()
                except Exception as err:  # the run failed (not a lost worker: Dask
                    # reschedules those); report it, keep the others
                    failed.append(labels[future.key])
                    print(f"run {labels[future.key]} failed: {type(err).__name__}: {err}",
                          file=log)
                else:
                    results.append(record)
                if bar is not None:
                    bar.update()
                future.release()
    finally:
        if bar is not None:
            bar.close()
    return {"total": len(specs), "skipped": len(specs) - len(todo),
            "finished": len(todo) - len(failed), "failed": failed}
