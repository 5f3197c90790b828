"""A training grid serially and on 2 local Dask workers, side by side.

The same grid (default: 4 strategies x depths 3 and 30 x ReLU x 2 seeds, 10 epochs of
notebook 08's settings: 16 runs) is trained twice from a cold start:

1. serially, in a fresh Python process (``run_grid`` without a client): TensorFlow with
   its default thread pool, one thread per core for each op;
2. on a ``LocalCluster`` of 2 worker processes with 1 TensorFlow thread each
   (``local_client(2, threads=1)``): two runs at a time.

Both times run from the first run submitted to the last result written, and include
importing TensorFlow and tracing each architecture's training step (every worker traces
its own); starting the cluster is timed apart. The speedup is serial / 2 workers. On
2 cores expect well under 2x: one run of this small network is dominated by per-op
overhead that a second thread barely shortens, so serial already keeps one core busy
and part of the other; two workers fill both cores but each traces every architecture
again, and they share the memory bandwidth and caches. The load average is printed
because other processes on the machine change the numbers. Both grids' results are
compared run by run (equal to the last bit on one machine).

    python bench/bench_sweep.py            # about 2-4 minutes on 2 idle cores
    python bench/bench_sweep.py --epochs 3 --seeds 1    # a quick look
"""

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--strategies", nargs="+",
                   default=["he_normal", "glorot_normal", "orthogonal", "lsuv"])
    p.add_argument("--depths", nargs="+", type=int, default=[3, 30])
    p.add_argument("--seeds", type=int, default=2, help="seeds 0 .. N-1")
    p.add_argument("--epochs", type=int, default=10)
    a = p.parse_args()

    from initlib.training import results as R
    from initlib.training import sweeps as S

    settings = S.DEFAULTS.replace(epochs=a.epochs)
    specs = S.grid(a.strategies, depths=a.depths, activations=("relu",),
                   seeds=range(a.seeds), settings=settings)
    folder = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    serial_csv, dask_csv = folder / "serial.csv", folder / "dask.csv"
    print(f"{len(specs)} runs: {', '.join(a.strategies)} x depths {a.depths} x relu x "
          f"{a.seeds} seeds, {a.epochs} epochs; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the start")

    code = textwrap.dedent(f"""
        import time
        from initlib.training import sweeps as S
        specs = S.grid({a.strategies!r}, depths={a.depths!r}, activations=("relu",),
                       seeds=range({a.seeds}),
                       settings=S.DEFAULTS.replace(epochs={a.epochs}))
        t = time.perf_counter()
        S.run_grid(specs, {str(serial_csv)!r}, progress=False)
        print(time.perf_counter() - t)
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    serial = float(out.stdout.strip().splitlines()[-1])

    t = time.perf_counter()
    client = S.local_client(2, threads=1)
    start = time.perf_counter() - t
    try:
        t = time.perf_counter()
        S.run_grid(specs, dask_csv, client=client, progress=False)
        parallel = time.perf_counter() - t
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()

    rows = {name: {R.record_key(r): R.from_record(r) for r in R.ResultsFile(path).records()}
            for name, path in (("serial", serial_csv), ("dask", dask_csv))}
    same = rows["serial"].keys() == rows["dask"].keys() and all(
        run.history == rows["dask"][k].history for k, run in rows["serial"].items())
    print(f"{'serial, 1 process (TF threads: default)':<44}{serial:8.1f} s")
    print(f"{'2 Dask workers, 1 TF thread each':<44}{parallel:8.1f} s"
          f"   (+ {start:.1f} s to start the cluster)")
    print(f"speedup serial / 2 workers: {serial / parallel:.2f}x "
          f"({serial / (parallel + start):.2f}x counting the cluster start)")
    print(f"results equal run by run: {same}; load average at the end "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
