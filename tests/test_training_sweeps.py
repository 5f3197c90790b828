"""Sweeps (initlib.training.sweeps): grids, the serial sweep, resumable results files,
and Dask: the same runs on 2 local workers as serially, and a worker killed mid-run."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from initlib.training import experiment as ex
from initlib.training import results as R
from initlib.training import sweeps as S
from initlib.training.data import load_digits_split

TINY = ex.DEFAULTS.replace(width=16, epochs=2)


def _specs(seeds=(0, 1)):
    return S.grid(["he_normal", "small_uniform"], depths=(2,), activations=("relu",),
                  seeds=seeds, settings=TINY)


def _same_runs(a, b):
    """Rows of two results files, matched by run: equal histories and gradient norms."""
    a = {R.record_key(r): R.from_record(r) for r in a}
    b = {R.record_key(r): R.from_record(r) for r in b}
    assert a.keys() == b.keys()
    for key, run in a.items():
        assert run.history == b[key].history, key
        np.testing.assert_array_equal(run.grad_norms, b[key].grad_norms)


# ------------------------------------------------------------------ no training (fast)

def test_grid_order_and_checks():
    specs = S.grid(["he", "lsuv"], depths=(3, 30), activations=("relu",), seeds=range(2))
    assert [s.label for s in specs] == [
        "he_normal/depth3/relu/seed0", "he_normal/depth3/relu/seed1",
        "he_normal/depth30/relu/seed0", "he_normal/depth30/relu/seed1",
        "lsuv/depth3/relu/seed0", "lsuv/depth3/relu/seed1",
        "lsuv/depth30/relu/seed0", "lsuv/depth30/relu/seed1"]
    assert len({s.key for s in specs}) == 8
    assert specs[0].key != S.RunSpec("he_normal", 3, "relu", 0, TINY).key  # settings count
    for kwargs, match in [({"strategies": []}, "strategies"),
                          ({"strategies": "he_normal"}, "strategies"),
                          ({"strategies": ["he_normal", "hee"]}, "unknown"),
                          ({"depths": (0,)}, "depths"), ({"seeds": (-1,)}, "seeds"),
                          ({"activations": ("swish",)}, "activation"),
                          ({"data": "mnist"}, "data")]:
        with pytest.raises(ValueError, match=match):
            S.grid(**kwargs)
    with pytest.raises(ValueError, match="twice"):
        S.run_grid(specs + specs[:1], "unused.csv")


def test_sweep_rejects_bad_axes_before_training():
    with pytest.raises(ValueError, match="strategies"):
        ex.sweep([])
    with pytest.raises(ValueError, match="unknown"):
        ex.sweep(["he_normal", "hee"])
    with pytest.raises(ValueError, match="momentum"):
        ex.sweep(["he_normal"], momentum=1.0)


# ------------------------------------------------------------------------- training

@pytest.mark.slow
def test_serial_sweep_matches_single_runs():
    data = load_digits_split()
    runs = ex.sweep(["he_normal", "small_uniform"], depths=(2,), activations=("relu",),
                    seeds=(0, 1), data=data, settings=TINY)
    assert [(r.strategy, r.seed) for r in runs] == [("he_normal", 0), ("he_normal", 1),
                                                    ("small_uniform", 0), ("small_uniform", 1)]
    again = ex.train("small_uniform", depth=2, seed=1, data=data, settings=TINY)
    assert again.history == runs[3].history


@pytest.mark.slow
def test_run_grid_appends_each_run_and_resumes(tmp_path):
    path = tmp_path / "runs.csv"
    specs = _specs()
    status = S.run_grid(specs[:3], path, progress=False)
    assert status == {"total": 3, "skipped": 0, "finished": 3, "failed": []}
    status = S.run_grid(specs, path, progress=False)          # only the 4th is new
    assert status == {"total": 4, "skipped": 3, "finished": 1, "failed": []}
    rows = R.ResultsFile(path).records()
    assert [R.record_key(r) for r in rows] == [s.key for s in specs]
    direct = ex.train("he_normal", depth=2, seed=1, settings=TINY)
    assert R.from_record(rows[1]).history == direct.history
    assert S.run_grid(specs, path, progress=False)["finished"] == 0   # nothing left


@pytest.fixture(scope="module")
def client():
    c = S.local_client(2, threads=1)
    yield c
    cluster = c.cluster
    c.close()
    cluster.close()


@pytest.mark.slow
def test_two_workers_give_the_serial_results(tmp_path, client):
    """The same grid on a LocalCluster of 2 worker processes (one TensorFlow thread
    each) and serially in this process: the same runs, equal to the last bit (one
    machine, deterministic ops)."""
    specs = _specs()
    S.run_grid(specs, tmp_path / "serial.csv", progress=False)
    status = S.run_grid(specs, tmp_path / "dask.csv", client=client, progress=False)
    assert status["finished"] == 4 and not status["failed"]
    rows = R.ResultsFile(tmp_path / "dask.csv").records()
    assert len({r["worker"] for r in rows}) == 2             # both workers trained runs
    _same_runs(R.ResultsFile(tmp_path / "serial.csv").records(), rows)
    threads = client.run(lambda: __import__("tensorflow").config.threading
                         .get_intra_op_parallelism_threads())
    assert set(threads.values()) == {1}


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_only_that_run(tmp_path, client):
    """SIGKILL one worker process while it trains: Dask reruns its run elsewhere, every
    run ends up in the file exactly once, and the results equal the serial ones."""
    specs = S.grid(["he_normal", "glorot_normal", "small_uniform"], depths=(3,),
                   activations=("relu",), seeds=(0, 1), settings=TINY.replace(epochs=6))
    killed = {}

    def kill_one_busy_worker():
        deadline = time.time() + 300
        while time.time() < deadline and not killed:
            busy = [w for w, tasks in client.processing().items() if tasks]
            started = client.run(lambda dask_worker: [
                k for k, ts in dask_worker.state.tasks.items() if ts.state == "executing"])
            busy = [w for w in busy if started.get(w)]
            if busy:
                time.sleep(0.5)                               # well inside the run
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.update(pid=pid, task=str(started[busy[0]][0]))
            time.sleep(0.2)

    killer = threading.Thread(target=kill_one_busy_worker)
    killer.start()
    status = S.run_grid(specs, tmp_path / "dask.csv", client=client, progress=False)
    killer.join()
    assert killed, "no worker was busy"
    assert status == {"total": 6, "skipped": 0, "finished": 6, "failed": []}
    rows = R.ResultsFile(tmp_path / "dask.csv").records()
    assert sorted(R.record_key(r) for r in rows) == sorted(s.key for s in specs)
    (lost,) = [r for r in rows if killed["task"].startswith(
        f"run-{r['strategy']}/depth{r['depth']}/{r['activation']}/seed{r['seed']}-")]
    assert lost["worker"].rsplit(":", 1)[1] != str(killed["pid"])   # trained again elsewhere
    S.run_grid(specs, tmp_path / "serial.csv", progress=False)
    _same_runs(R.ResultsFile(tmp_path / "serial.csv").records(), rows)
