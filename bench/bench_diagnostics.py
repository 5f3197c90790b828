"""Cost of the diagnostics and of one explorer update, measured side by side.

1. ``diagnostics.propagate`` at depth 50, width 256, batch 256 (float32, ReLU) against
   the bare forward and backward matrix products of the same shapes (forward ``h @ W``,
   backward ``delta @ W.T`` and ``h.T @ delta``, and the ReLU masks). Both get the same
   pre-drawn weights, so the ratio is the price of the statistics. Target: <= 1.3.
2. The explorer's whole update at its default settings (depth 30, width 256, batch 128):
   from a control change to a re-rendered figure. Target: median < 150 ms.

    python bench/bench_diagnostics.py
"""

import statistics
import time

import numpy as np

import initlib
from initlib import diagnostics as D

DEPTH, WIDTH, BATCH = 50, 256, 256


def bare_pass(x, weights, g_out):
    acts = [x]
    h = x
    for w in weights:
        h = np.maximum(h @ w, 0)
        acts.append(h)
    g = g_out
    for k in range(len(weights) - 1, -1, -1):
        delta = g * (acts[k + 1] > 0)
        acts[k].T @ delta
        if k:
            g = delta @ weights[k].T


def median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def statistics_ratio(repeats=15):
    rng = np.random.default_rng(0)
    weights = [initlib.he_normal((WIDTH, WIDTH), seed=rng) for _ in range(DEPTH)]
    x = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)
    g = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)

    def predrawn(shape, *, seed, dtype):
        return next(predrawn.it)

    def measured():
        predrawn.it = iter(weights)
        D.propagate(predrawn, "relu", depth=DEPTH, width=WIDTH, inputs=x, seed=0)

    bare = median_time(lambda: bare_pass(x, weights, g), repeats)
    stats = median_time(measured, repeats)
    with_draws = median_time(
        lambda: D.propagate("he_normal", "relu", depth=DEPTH, width=WIDTH, batch=BATCH,
                            seed=0), repeats)
    return bare, stats, with_draws


def explorer_update(repeats=30):
    from initlib.widgets import Explorer

    explorer = Explorer()  # defaults: he_normal, relu, depth 30, width 256, batch 128
    depth = explorer.controls["depth"]
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        depth.value = 29 + i % 3  # a control change: recompute, move artists, render PNG
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def main():
    bare, stats, with_draws = statistics_ratio()
    print(f"depth {DEPTH}, width {WIDTH}, batch {BATCH}, float32, ReLU (medians)")
    print(f"  bare forward + backward matrix products  {bare * 1e3:7.1f} ms")
    print(f"  propagate, same weights (statistics)     {stats * 1e3:7.1f} ms   "
          f"ratio {stats / bare:.2f} (target <= 1.3)")
    print(f"  propagate, drawing its own weights       {with_draws * 1e3:7.1f} ms")
    median, worst = explorer_update()
    print("explorer update at default settings (depth 30, width 256, batch 128)")
    print(f"  median {median * 1e3:.0f} ms, slowest {worst * 1e3:.0f} ms (target: median < 150 ms)")


if __name__ == "__main__":
    main()
