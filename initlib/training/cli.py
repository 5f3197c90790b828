"""The command line of the training experiments: ``python -m initlib.training.experiment``.

It trains a grid of runs (:func:`~initlib.training.sweeps.grid`) serially or on Dask,
appends every finished run to a results file (rerunning the same command skips them),
and prints the summary table. ``python -m initlib.training.experiment --help`` lists
every option with its default and allowed values.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from .data import DATASETS
from .models import KERAS_ACTIVATIONS, check_strategy
from .runs import DEFAULTS, SCHEDULES, check_target

PROG = "python -m initlib.training.experiment"

EPILOG = f"""\
examples:
  # notebook 08's grid with 10 seeds and depths 3, 10 and 30, on 2 local worker processes
  {PROG} --depths 3 10 30 --seeds 10 --workers 2 --results grid.csv

  # rerun the same command after an interruption: the runs in grid.csv are skipped

  # a few runs in this process, printed as a table only
  {PROG} --strategies he_normal glorot_normal --depths 30 --activations relu --seeds 5

clusters (any Dask cluster; each worker needs this package installed):
  Slurm (dask-jobqueue), from a login node, in Python:
      from dask_jobqueue import SLURMCluster
      cluster = SLURMCluster(cores=4, processes=4, memory="16GB", walltime="04:00:00")
      cluster.scale(jobs=8); print(cluster.scheduler_address)
    then: {PROG} --scheduler tcp://HOST:PORT --threads 1 ...
  Kubernetes (dask-kubernetes): create a KubeCluster with an image that has initlib,
    scale it, and pass its scheduler address with --scheduler.
  Coiled or Dask Gateway: create the cluster from Python (coiled.Cluster(...) or
    dask_gateway.Gateway().new_cluster()), then pass cluster.scheduler_address.
  Or by hand: `dask scheduler` on one machine and
    `dask worker tcp://HOST:8786 --nworkers N --nthreads 1` on each of the others.

Runs are seeded from their own coordinates (the seed draws the weights and the batch
order), so a run gives the same result serially, on local workers or on a cluster,
up to floating-point differences between machines.
"""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def _type(check, what):
    """An argparse type from a checker: its ``ValueError``/``TypeError`` becomes a usage
    error naming the option's value."""
    def convert(text):
        try:
            return check(text)
        except (TypeError, ValueError) as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    convert.__name__ = what
    return convert


def _int_at_least(low):
    def check(text):
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an integer") from None
        if value < low:
            raise ValueError(f"{value} is below {low}")
        return value
    return check


def _positive_float(text):
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{text!r} is not a positive finite number")
    return value


def _momentum(text):
    value = float(text)
    if not 0 <= value < 1:
        raise ValueError(f"{text!r} is not in [0, 1)")
    return value


def _clip(text):
    return None if text.lower() == "none" else _positive_float(text)


def _output(text):
    return "same" if text == "same" else check_strategy(text)


def _target(text):
    return check_target(float(text))


def parser() -> argparse.ArgumentParser:
    """The argument parser (every option with its help, default and allowed values)."""
    from .sweeps import GRID_STRATEGIES

    p = argparse.ArgumentParser(
        prog=PROG, formatter_class=_Formatter, epilog=EPILOG,
        description="Train notebook 08's dense network over a grid of initializations "
                    "(strategies x depths x activations x seeds), serially or on Dask. "
                    "Every finished run is appended to the results file; rerunning the "
                    "same command skips the runs it holds. Prints the summary table.")
    grid = p.add_argument_group("grid")
    grid.add_argument("--strategies", nargs="+", default=list(GRID_STRATEGIES),
                      type=_type(check_strategy, "strategy"), metavar="NAME",
                      help="initializations: any initlib strategy name or alias "
                           "(he_normal, glorot_normal, xavier, orthogonal, small_uniform, "
                           "...; `python -c \"import initlib; print(initlib.names())\"` "
                           "lists them) or lsuv")
    grid.add_argument("--depths", nargs="+", type=_type(_int_at_least(1), "depth"),
                      default=[3, 30], metavar="N", help="numbers of hidden layers (>= 1)")
    grid.add_argument("--activations", nargs="+", choices=KERAS_ACTIVATIONS,
                      default=["relu", "tanh"], metavar="NAME",
                      help=f"hidden activations, from: {', '.join(KERAS_ACTIVATIONS)}")
    grid.add_argument("--seeds", type=_type(_int_at_least(1), "count"), default=5,
                      metavar="N", help="seeds per setting: FIRST_SEED .. FIRST_SEED+N-1")
    grid.add_argument("--first-seed", type=_type(_int_at_least(0), "seed"), default=0,
                      metavar="S", help="the first seed (>= 0)")
    grid.add_argument("--data", choices=DATASETS, default="digits",
                      help="data set: digits (bundled) or fashion_mnist (a 30 MB download "
                           "on first use)")
    train = p.add_argument_group("training (the defaults are notebook 08's recipe)")
    train.add_argument("--width", type=_type(_int_at_least(1), "width"),
                       default=DEFAULTS.width, metavar="N", help="units per hidden layer")
    train.add_argument("--epochs", type=_type(_int_at_least(1), "epochs"),
                       default=DEFAULTS.epochs, metavar="N", help="passes over the data")
    train.add_argument("--batch-size", type=_type(_int_at_least(1), "batch size"),
                       default=DEFAULTS.batch_size, metavar="N", help="examples per SGD step")
    train.add_argument("--learning-rate", type=_type(_positive_float, "learning rate"),
                       default=DEFAULTS.learning_rate, metavar="LR", help="SGD step size (> 0)")
    train.add_argument("--momentum", type=_type(_momentum, "momentum"),
                       default=DEFAULTS.momentum, metavar="M", help="SGD momentum, in [0, 1)")
    train.add_argument("--clip", type=_type(_clip, "clip"), default=DEFAULTS.global_clipnorm,
                       metavar="NORM", help="gradient clipping: the largest norm of one step's "
                                            "whole gradient (> 0), or 'none'")
    train.add_argument("--schedule", choices=SCHEDULES, default=DEFAULTS.schedule,
                       help="learning rate over the run: cosine (decays to 0) or constant")
    train.add_argument("--output", type=_type(_output, "strategy"),
                       default=DEFAULTS.output_strategy, metavar="NAME",
                       help="initialization of the output layer's kernel: a strategy name "
                            "(zeros: every logit starts at 0) or 'same' (the strategy under "
                            "test)")
    run = p.add_argument_group("where to run")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_type(_int_at_least(0), "workers"), default=0,
                       metavar="N", help="local Dask worker processes (0: serially in this "
                                         "process)")
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(see 'clusters' below)")
    run.add_argument("--threads", type=_type(_int_at_least(1), "threads"), default=None,
                     metavar="N", help="TensorFlow threads per worker (default: the cores "
                                       "divided among local workers; a cluster's workers "
                                       "keep their own)")
    out = p.add_argument_group("output")
    out.add_argument("--results", default="runs.csv", metavar="FILE",
                     help="CSV file of per-run results, appended as runs finish; runs it "
                          "holds are skipped")
    out.add_argument("--summary", "--out", dest="summary", default=None, metavar="FILE",
                     help="also write the summary table (one row per strategy, depth and "
                          "activation) to this CSV file (--out: its earlier name)")
    out.add_argument("--table", default=None, metavar="FILE",
                     help="also write one row per run of the results file (every run it "
                          "holds, this grid's and earlier ones, sorted; final metrics, no "
                          "curves) to this CSV file")
    out.add_argument("--target", type=_type(_target, "target"), default=0.8, metavar="ACC",
                     help="validation accuracy (fraction in (0, 1]) for the table's "
                          "'seeds reaching' and 'epochs to' columns")
    out.add_argument("--no-progress", action="store_true",
                     help="no progress bar (default: one bar over all runs, on stderr)")
    return p


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit
    status (0: every run finished; 1: some runs failed; 130: interrupted)."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, where a closed pipe can still be caught
    except BrokenPipeError:  # `... | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv):
    from pathlib import Path

    p = parser()
    a = p.parse_args(argv)
    results_path = Path(a.results)
    if not results_path.parent.is_dir():
        p.error(f"argument --results: folder {str(results_path.parent)!r} does not exist")
    for option in ("summary", "table"):
        path = getattr(a, option)
        if path and not Path(path).parent.is_dir():
            p.error(f"argument --{option}: folder {str(Path(path).parent)!r} does not exist")

    from .results import (
        ResultsFile,
        from_record,
        record_key,
        results_table,
        runs_table,
        summarize,
    )
    from .runs import device_name
    from .sweeps import grid, local_client, run_grid

    settings = DEFAULTS.replace(width=a.width, epochs=a.epochs, batch_size=a.batch_size,
                                learning_rate=a.learning_rate, momentum=a.momentum,
                                global_clipnorm=a.clip, schedule=a.schedule,
                                output_strategy=None if a.output == "same" else a.output)
    specs = grid(list(dict.fromkeys(a.strategies)), depths=list(dict.fromkeys(a.depths)),
                 activations=list(dict.fromkeys(a.activations)),
                 seeds=range(a.first_seed, a.first_seed + a.seeds), settings=settings,
                 data=a.data)
    try:
        results = ResultsFile(results_path)
    except ValueError as err:
        p.error(f"argument --results: {err}")
    client = None
    start = time.perf_counter()
    try:
        if a.scheduler:
            from distributed import Client

            try:
                client = Client(a.scheduler, timeout="20s")
            except OSError as err:
                p.error(f"argument --scheduler: cannot reach {a.scheduler}: {err}")
            where = f"the Dask cluster at {a.scheduler}"
        elif a.workers:
            client = local_client(a.workers, threads=a.threads)
            where = f"{a.workers} local worker processes"
        else:
            where = f"this process ({device_name()})"
        status = run_grid(specs, results, client=client, threads=a.threads,
                          progress=not a.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the finished runs are in {results_path}; rerun the same "
              "command to train the others", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            cluster = client.cluster if a.workers else None
            client.close()
            if cluster is not None:
                cluster.close()
    stored = {record_key(r): r for r in results.records()}
    runs = [from_record(stored[s.key]) for s in specs if s.key in stored]  # grid order
    if runs:
        table = runs_table(runs, target=a.target)
        summary = summarize(table)
        print(results_table(summary).to_string())
        if a.summary:
            summary.to_csv(a.summary, index=False)
    if a.table and stored:
        every = runs_table([from_record(r) for r in stored.values()], target=a.target)
        every.sort_values(["data", "output_strategy", "strategy", "depth", "activation",
                           "seed"], kind="stable", na_position="first").to_csv(a.table,
                                                                              index=False)
    print(f"{status['total']} runs: {status['skipped']} already in {results_path}, "
          f"{status['finished']} trained on {where} in {time.perf_counter() - start:.0f} s"
          + (f", {len(status['failed'])} failed (rerun to retry)" if status["failed"] else ""))
    return 1 if status["failed"] else 0
