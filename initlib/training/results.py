"""Results of training runs: records for a results file, summaries and tables.

* :func:`to_record` / :func:`from_record`: a :class:`~initlib.training.runs.Run` as one
  flat row (coordinates, settings, final metrics, and the per-epoch curves as JSON) and
  back;
* :class:`ResultsFile`: a CSV file that grows by one complete line per finished run
  (appended in one write, then flushed to disk), so an interrupted sweep loses nothing it
  finished and can resume;
* :func:`runs_table`: one row per run (final metrics, no curves), small enough to keep;
* :func:`summarize`, :func:`results_table`, :func:`accuracy_grid`: one row per
  (strategy, depth, activation) over seeds, as numbers and as a reader's table.

>>> from initlib.training.runs import Run
>>> run = Run("he_normal", 3, "relu", 0, {"loss": [1.0], "accuracy": [0.6],
...           "val_loss": [0.9], "val_accuracy": [0.7]}, [0.01])
>>> from_record(to_record(run)).history == run.history
True
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

import numpy as np

from .runs import Run, Settings, check_target

SETTING_FIELDS = ("width", "epochs", "batch_size", "learning_rate", "momentum",
                  "global_clipnorm", "schedule", "output_strategy")
KEY_FIELDS = ("data", "strategy", "depth", "activation", "seed") + SETTING_FIELDS
"""The columns that identify a run: two rows with equal values are the same run."""

FIELDS = KEY_FIELDS + (
    "val_accuracy", "val_loss", "loss", "initial_loss", "initial_accuracy", "diverged",
    "history", "epoch_seconds", "grad_norms", "run_seconds", "worker")
"""The columns of a results file, in order (``history``, ``epoch_seconds`` and
``grad_norms`` hold JSON; ``grad_norms`` keeps the first two records, before training
and after epoch 1, so that a row stays small at any depth)."""


def _json(value):
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, allow_nan=True, separators=(",", ":"))


def to_record(run: Run, *, run_seconds=float("nan"), worker="") -> dict:
    """``run`` as one flat row with the columns :data:`FIELDS` (losses in nats,
    accuracies as fractions, times in s; of the gradient norms, the records before
    training and after epoch 1); ``worker`` names where it ran.

    >>> from initlib.training.runs import Run
    >>> r = Run("lsuv", 3, "tanh", 2, {"loss": [2.0], "accuracy": [0.2], "val_loss": [2.1],
    ...         "val_accuracy": [0.25]}, [0.5])
    >>> rec = to_record(r); rec["strategy"], rec["val_accuracy"], rec["epochs"]
    ('lsuv', 0.25, 30)
    """
    h = run.history
    return {"data": run.data, "strategy": run.strategy, "depth": int(run.depth),
            "activation": run.activation, "seed": int(run.seed), **run.settings.as_dict(),
            "val_accuracy": h["val_accuracy"][-1], "val_loss": h["val_loss"][-1],
            "loss": h["loss"][-1], "initial_loss": run.initial.get("loss", float("nan")),
            "initial_accuracy": run.initial.get("accuracy", float("nan")),
            "diverged": bool(run.diverged), "history": _json(h),
            "epoch_seconds": _json(list(run.epoch_seconds)),
            "grad_norms": _json(None if run.grad_norms is None else run.grad_norms[:2]),
            "run_seconds": float(run_seconds), "worker": str(worker)}


def from_record(record) -> Run:
    """The :class:`Run` of a row written by :func:`to_record` (values may be strings,
    as read back from CSV).

    >>> from initlib.training.runs import Run
    >>> r = Run("he_normal", 3, "relu", 1, {"loss": [1.0], "accuracy": [0.5],
    ...         "val_loss": [1.1], "val_accuracy": [0.4]}, [0.1])
    >>> from_record({k: str(v) for k, v in to_record(r).items()}).seed
    1
    """
    r = dict(record)
    output = r.get("output_strategy")
    settings = Settings(width=int(r["width"]), epochs=int(r["epochs"]),
                        batch_size=int(r["batch_size"]),
                        learning_rate=float(r["learning_rate"]), momentum=float(r["momentum"]),
                        global_clipnorm=(None if r["global_clipnorm"] in (None, "", "None")
                                         else float(r["global_clipnorm"])),
                        schedule=r["schedule"],
                        output_strategy=None if output in (None, "", "None") else output)
    grads = json.loads(r["grad_norms"]) if isinstance(r["grad_norms"], str) else r["grad_norms"]
    history = json.loads(r["history"]) if isinstance(r["history"], str) else r["history"]
    seconds = (json.loads(r["epoch_seconds"]) if isinstance(r["epoch_seconds"], str)
               else r["epoch_seconds"])
    return Run(r["strategy"], int(r["depth"]), r["activation"], int(r["seed"]), history,
               seconds, {"loss": float(r["initial_loss"]),
                         "accuracy": float(r["initial_accuracy"])},
               None if grads is None else np.array(grads, dtype=float), settings,
               None, r["data"])


def record_key(record) -> tuple:
    """The identity of a run's row: its :data:`KEY_FIELDS` as strings (so a row read
    back from CSV and one just made compare equal)."""
    return tuple("None" if record[k] in (None, "") else str(record[k]) for k in KEY_FIELDS)


class ResultsFile:
    """A CSV results file that grows one finished run at a time.

    The header (:data:`FIELDS`) is written when the file is created (atomically: a
    temporary file renamed into place). :meth:`append` adds one complete line with a
    single ``write`` on a file opened for appending, then ``fsync``: the line is on disk
    before the next run is reported, and a crash can at most leave a last line without
    its newline, which :meth:`records` ignores and :meth:`append` cuts off first.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.csv`` file (its folder must exist).

    Raises
    ------
    ValueError
        If an existing file has other columns than :data:`FIELDS`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from initlib.training.runs import Run
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.csv"
    >>> f = ResultsFile(path)
    >>> f.append(to_record(Run("he_normal", 3, "relu", 0, {"loss": [1.0],
    ...          "accuracy": [0.5], "val_loss": [1.0], "val_accuracy": [0.5]}, [0.1])))
    >>> [r["strategy"] for r in f.records()]
    ['he_normal']
    """

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise ValueError(f"path must be in an existing folder, got {str(path)!r}")
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f), [])
            if tuple(header) != FIELDS:
                missing = [f for f in FIELDS if f not in header]
                extra = [f for f in header if f not in FIELDS]
                raise ValueError(f"{self.path} is not a results file of this version (columns "
                                 f"missing: {missing or 'none'}; unexpected: {extra or 'none'};"
                                 " write to a new file)")
        else:
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(_line(FIELDS), encoding="utf-8")
            os.replace(tmp, self.path)

    def _complete_text(self) -> str:
        text = self.path.read_text(encoding="utf-8")
        return text if text.endswith("\n") else text[:text.rfind("\n") + 1]

    def records(self) -> list[dict]:
        """Every complete row, as dicts of strings, in file order."""
        return list(csv.DictReader(io.StringIO(self._complete_text())))

    def done(self) -> set:
        """The :func:`record_key` of every finished run in the file."""
        return {record_key(r) for r in self.records()}

    def append(self, record: dict) -> None:
        """Append ``record`` (a :func:`to_record` row) as one line, on disk on return."""
        text = self.path.read_bytes()
        if text and not text.endswith(b"\n"):  # a line cut off by a crash: drop it
            with open(self.path, "r+b") as f:
                f.truncate(text.rfind(b"\n") + 1)
        data = _line([record[k] for k in FIELDS]).encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"short write to {self.path}: {written} of {len(data)} bytes")
            os.fsync(fd)
        finally:
            os.close(fd)


def _line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def load_runs(path) -> list[Run]:
    """The runs stored in a results file (:class:`ResultsFile`), in file order."""
    return [from_record(r) for r in ResultsFile(path).records()]


# ------------------------------------------------------------------------------ tables

def runs_table(runs, *, target=0.8):
    """One row per run: its coordinates and what the tables need.

    Parameters
    ----------
    runs : list of Run
        From :func:`~initlib.training.sweeps.sweep` or :func:`load_runs`.
    target : float
        The validation accuracy (a fraction in (0, 1]) for ``reached`` and
        ``epochs_to_target``.

    Returns
    -------
    pandas.DataFrame
        The run's coordinates and settings (:data:`KEY_FIELDS`); ``val_accuracy``
        (final), ``val_loss`` and ``loss`` (final, nats), ``initial_loss`` (nats, before
        the first step), ``diverged``, ``target``, ``reached`` (the validation accuracy
        reached ``target`` at some epoch) and ``epochs_to_target`` (the first such epoch,
        NaN if none), ``grad_first`` (the first layer's ``||dL/dW||`` after epoch 1,
        :class:`~initlib.training.callbacks.GradientNorms`), ``epoch_seconds`` (median
        wall time of an epoch, s). :func:`summarize` accepts it in place of the runs, so a
        small CSV of it is enough to rebuild every table.

    Raises
    ------
    ValueError
        If ``runs`` is empty or ``target`` is not in (0, 1].

    Examples
    --------
    >>> from initlib.training.runs import Run
    >>> h = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": [1.0, 0.6],
    ...      "val_accuracy": [0.7, 0.9]}
    >>> runs_table([Run("he_normal", 3, "relu", 0, h, [0.1, 0.1])])[
    ...     ["val_accuracy", "epochs_to_target"]].values.tolist()
    [[0.9, 2.0]]
    """
    import pandas as pd

    target = check_target(target)
    if not runs:
        raise ValueError("runs is empty: nothing to tabulate")
    rows = []
    for r in runs:
        to_target = r.epochs_to(target)
        first = (r.grad_norms[min(1, len(r.grad_norms) - 1), 0]
                 if r.grad_norms is not None and len(r.grad_norms) else np.nan)
        seconds = np.asarray(r.epoch_seconds, dtype=float)
        seconds = seconds[np.isfinite(seconds)]
        rows.append({"data": r.data, "strategy": r.strategy, "depth": r.depth,
                     "activation": r.activation, "seed": r.seed, **r.settings.as_dict(),
                     "val_accuracy": r.final_val_accuracy,
                     "val_loss": r.history["val_loss"][-1], "loss": r.history["loss"][-1],
                     "initial_loss": r.initial.get("loss", np.nan), "diverged": r.diverged,
                     "target": target, "reached": to_target is not None,
                     "epochs_to_target": np.nan if to_target is None else float(to_target),
                     "grad_first": float(first),
                     "epoch_seconds": float(np.median(seconds)) if seconds.size else np.nan})
    return pd.DataFrame(rows)


def summarize(runs, *, target=0.8):
    """A pandas DataFrame with one row per (strategy, depth, activation), in run order.

    Parameters
    ----------
    runs : list of Run, or pandas.DataFrame
        Runs, or their :func:`runs_table` (whose own ``target`` is then used). Rows are
        grouped by strategy, depth and activation only: pass runs of one data set and
        one set of settings.
    target : float
        The validation accuracy (a fraction in (0, 1]) for ``reached`` and
        ``epochs_to_target``, when ``runs`` are runs.

    Returns
    -------
    pandas.DataFrame
        Columns: ``val_accuracy_mean``, ``val_accuracy_std``, ``val_accuracy_min``,
        ``val_accuracy_max`` and the 95 % Student-t interval of the mean
        ``val_accuracy_low``/``val_accuracy_high`` (NaN with fewer than 2 seeds) of the
        final validation accuracy; ``val_loss_mean``/``val_loss_std`` (nats);
        ``initial_loss_mean`` (nats, before the first step); ``diverged`` (runs whose
        loss became inf or nan); ``target``; ``reached`` (runs whose validation accuracy
        reached ``target`` at some epoch) and ``epochs_to_target`` (their mean first
        epoch; NaN if none did); ``grad_first`` (median over seeds of the first layer's
        ``||dL/dW||`` after epoch 1); ``epoch_seconds`` (mean over seeds of each run's
        median wall time per epoch, s); ``seeds`` (number of runs).

    Raises
    ------
    ValueError
        As :func:`runs_table`.

    Examples
    --------
    >>> from initlib.training.runs import Run
    >>> h = {"loss": [1.0], "accuracy": [0.5], "val_loss": [1.0], "val_accuracy": [0.9]}
    >>> s = summarize([Run("he_normal", 3, "relu", k, h, [0.1]) for k in range(3)])
    >>> s[["strategy", "val_accuracy_mean", "reached", "seeds"]].values.tolist()
    [['he_normal', 0.9, 3, 3]]
    """
    import pandas as pd
    from scipy import stats

    if isinstance(runs, pd.DataFrame):
        if runs.empty:
            raise ValueError("runs is empty: nothing to summarize")
        df = runs
        target = check_target(float(df.target.iloc[0]))
    else:
        df = runs_table(runs, target=target)
        target = float(df.target.iloc[0])
    g = df.groupby(["strategy", "depth", "activation"], sort=False)
    out = g.agg(val_accuracy_mean=("val_accuracy", "mean"),
                val_accuracy_std=("val_accuracy", "std"),
                val_accuracy_min=("val_accuracy", "min"),
                val_accuracy_max=("val_accuracy", "max"),
                val_loss_mean=("val_loss", "mean"), val_loss_std=("val_loss", "std"),
                initial_loss_mean=("initial_loss", "mean"),
                diverged=("diverged", "sum"), reached=("reached", "sum"),
                epochs_to_target=("epochs_to_target", "mean"),
                grad_first=("grad_first", "median"),
                epoch_seconds=("epoch_seconds", "mean"), seeds=("seed", "count")).reset_index()
    n = out.seeds.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1))
                        * out.val_accuracy_std.to_numpy() / np.sqrt(n), np.nan)
    out["val_accuracy_low"] = out.val_accuracy_mean - half
    out["val_accuracy_high"] = out.val_accuracy_mean + half
    out.insert(out.columns.get_loc("reached"), "target", target)
    return out


def results_table(summary, *, digits=2):
    """:func:`summarize`'s output as a reader's table, one row per (activation, depth,
    strategy).

    Columns: the final validation accuracy's mean, its 95 % interval (``"—"`` with
    fewer than 5 seeds: too few for an interval worth printing) and its range over seeds;
    how many runs reached the target accuracy and their mean first epoch (the headers
    name the target); diverged runs; the initial loss (nats); the first layer's gradient
    norm after epoch 1; the wall time per epoch (s).

    >>> from initlib.training.runs import Run
    >>> h = {"loss": [1.0], "accuracy": [0.5], "val_loss": [1.0], "val_accuracy": [0.9]}
    >>> t = results_table(summarize([Run("he_normal", 3, "relu", 0, h, [0.1])]))
    >>> list(t.columns)[3:5]
    ['seeds reaching 0.80', 'epochs to 0.80']
    """
    t = summary.sort_values(["activation", "depth"], kind="stable").copy()
    f = f"{{:.{digits}f}}"
    target = float(t.target.iloc[0])
    reached = f"seeds reaching {target:.2f}"
    epochs = f"epochs to {target:.2f}"
    t["val accuracy"] = t.val_accuracy_mean.map(f.format)
    t["95 % CI"] = [f"{f.format(lo)}–{f.format(hi)}" if n >= 5 else "—"
                    for lo, hi, n in zip(t.val_accuracy_low, t.val_accuracy_high, t.seeds,
                                         strict=True)]
    t["range"] = [f"{f.format(lo)}–{f.format(hi)}"
                  for lo, hi in zip(t.val_accuracy_min, t.val_accuracy_max, strict=True)]
    t[reached] = [f"{k}/{n}" for k, n in zip(t.reached, t.seeds, strict=True)]
    t[epochs] = t.epochs_to_target.map(lambda v: "—" if math.isnan(v) else f"{v:.1f}")
    t["diverged"] = [f"{k}/{n}" for k, n in zip(t.diverged, t.seeds, strict=True)]
    t["initial loss"] = t.initial_loss_mean.map(lambda v: f"{v:.3g}")
    t["layer-1 gradient after epoch 1"] = t.grad_first.map(lambda v: f"{v:.1e}")
    t["s / epoch"] = t.epoch_seconds.map(lambda v: f"{v:.3f}")
    cols = ["activation", "depth", "strategy", "val accuracy", "95 % CI", "range", reached,
            epochs, "diverged", "initial loss", "layer-1 gradient after epoch 1", "s / epoch"]
    return t[cols].set_index(["activation", "depth", "strategy"])


def accuracy_grid(summary, activation):
    """Mean final validation accuracy as a strategy x depth DataFrame for one
    activation (rows in run order).

    Raises ``ValueError`` if the activation is absent from ``summary``.

    >>> from initlib.training.runs import Run
    >>> h = {"loss": [1.0], "accuracy": [0.5], "val_loss": [1.0], "val_accuracy": [0.9]}
    >>> accuracy_grid(summarize([Run("he_normal", 3, "relu", 0, h, [0.1])]), "relu").shape
    (1, 1)
    """
    part = summary[summary.activation == activation]
    if part.empty:
        raise ValueError(f"activation {activation!r} is not in the summary; it has "
                         f"{sorted(set(summary.activation))}")
    grid = part.pivot(index="strategy", columns="depth", values="val_accuracy_mean")
    return grid.loc[list(dict.fromkeys(part.strategy))]
