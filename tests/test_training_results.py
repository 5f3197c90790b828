"""Results files and tables (initlib.training.results)."""

import csv
import math

import numpy as np
import pytest

from initlib.training import results as R
from initlib.training.runs import DEFAULTS, Run


def _run(strategy="he_normal", depth=3, activation="relu", seed=0, acc=(0.5, 0.9), **kw):
    n = len(acc)
    history = {"loss": [1.0] * n, "accuracy": list(acc), "val_loss": [0.5] * n,
               "val_accuracy": list(acc)}
    return Run(strategy, depth, activation, seed, history, [0.1] * n,
               {"loss": 2.3, "accuracy": 0.1}, np.arange(2.0 * (n + 1)).reshape(n + 1, 2),
               **kw)


def test_a_record_round_trips_through_csv(tmp_path):
    run = _run(acc=(0.2, float("nan")), settings=DEFAULTS.replace(output_strategy=None))
    run.history["loss"][1] = float("inf")
    f = R.ResultsFile(tmp_path / "r.csv")
    f.append(R.to_record(run, run_seconds=1.5, worker="w"))
    (row,) = f.records()
    back = R.from_record(row)
    assert back.settings == run.settings and back.settings.output_strategy is None
    assert (back.strategy, back.depth, back.activation, back.seed) == ("he_normal", 3, "relu", 0)
    assert back.history["loss"][1] == math.inf and math.isnan(back.history["val_accuracy"][1])
    assert np.array_equal(back.grad_norms, run.grad_norms[:2]) and back.diverged
    assert R.record_key(row) == R.record_key(R.to_record(run))


def test_results_file_survives_a_line_cut_off_by_a_crash(tmp_path):
    path = tmp_path / "r.csv"
    f = R.ResultsFile(path)
    f.append(R.to_record(_run(seed=0)))
    f.append(R.to_record(_run(seed=1)))
    text = path.read_text()
    path.write_text(text[:-40])                      # the last line lost its end
    assert [r["seed"] for r in R.ResultsFile(path).records()] == ["0"]
    f.append(R.to_record(_run(seed=2)))              # the cut line is dropped first
    rows = list(csv.DictReader(path.open()))
    assert [r["seed"] for r in rows] == ["0", "2"]
    assert len(R.ResultsFile(path).done()) == 2


def test_results_file_refuses_a_foreign_csv(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a results file"):
        R.ResultsFile(path)
    with pytest.raises(ValueError, match="existing folder"):
        R.ResultsFile(tmp_path / "missing" / "r.csv")


def test_summarize_and_tables():
    runs = ([_run(seed=k, acc=(0.5, 0.80 + 0.02 * k)) for k in range(5)]
            + [_run("glorot_normal", seed=k, acc=(0.1, 0.1)) for k in range(5)]
            + [_run("he_normal", depth=30, seed=k, acc=(0.1, 0.95)) for k in range(2)])
    s = R.summarize(runs, target=0.85)
    he = s.iloc[0]
    assert he.val_accuracy_mean == pytest.approx(0.84) and he.seeds == 5
    assert he.val_accuracy_min == pytest.approx(0.80) and he.val_accuracy_max == pytest.approx(0.88)
    assert he.reached == 2 and he.epochs_to_target == 2 and he.target == 0.85
    from scipy import stats

    half = stats.t.ppf(0.975, 4) * np.std([0.80, 0.82, 0.84, 0.86, 0.88], ddof=1) / np.sqrt(5)
    assert he.val_accuracy_high - he.val_accuracy_mean == pytest.approx(half)
    t = R.results_table(s)
    assert t.loc[("relu", 3, "he_normal"), "95 % CI"] == f"{0.84 - half:.2f}–{0.84 + half:.2f}"
    assert t.loc[("relu", 30, "he_normal"), "95 % CI"] == "—"          # 2 seeds: no interval
    assert t.loc[("relu", 3, "he_normal"), "seeds reaching 0.85"] == "2/5"
    assert t.loc[("relu", 3, "glorot_normal"), "epochs to 0.85"] == "—"
    g = R.accuracy_grid(s, "relu")
    assert list(g.index) == ["he_normal", "glorot_normal"] and list(g.columns) == [3, 30]
    with pytest.raises(ValueError, match="tanh"):
        R.accuracy_grid(s, "tanh")
    with pytest.raises(ValueError, match="empty"):
        R.summarize([])
    with pytest.raises(ValueError, match="target"):
        R.summarize(runs, target=85)
