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
from timing import median_seconds

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


def statistics_ratio(repeats=25):
    rng = np.random.default_rng(0)
    weights = [initlib.he_normal((WIDTH, WIDTH), seed=rng) for _ in range(DEPTH)]
    x = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)
    g = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)

    def predrawn(shape, *, seed, dtype):
        return next(predrawn.it)

    def measured():
        predrawn.it = iter(weights)
        D.propagate(predrawn, "relu", depth=DEPTH, width=WIDTH, inputs=x, seed=0)

    # Interleaved, so that both see the same machine load; the ratio is the median of the
    # per-round ratios.
    measured()
    bare_pass(x, weights, g)
    bare_times, stats_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        bare_pass(x, weights, g)
        t1 = time.perf_counter()
        measured()
        t2 = time.perf_counter()
        bare_times.append(t1 - t0)
        stats_times.append(t2 - t1)
    ratio = statistics.median(s / b for s, b in zip(stats_times, bare_times, strict=True))
    bare, stats = statistics.median(bare_times), statistics.median(stats_times)
    with_draws = median_seconds(
        lambda: D.propagate("he_normal", "relu", depth=DEPTH, width=WIDTH, batch=BATCH,
                            seed=0), repeats)
    return bare, stats, ratio, with_draws


def explorer_update():
    """Drag the depth slider from 30 to 50 and back, then the scale slider from 1 to 2
    and back, one step per update, as a learner would: every step recomputes, moves the
    artists and renders the PNG (redrawing the axes when a range changes)."""
    from initlib.viz.explorer import Explorer

    explorer = Explorer()  # defaults: he_normal, relu, depth 30, width 256, batch 128
    moves = [("depth", d) for d in [*range(31, 51), *range(49, 29, -1)]]
    moves += [("scale", float(v)) for v in [*np.linspace(1.05, 2, 20), *np.linspace(1.95, 1, 20)]]
    times = []
    for name, value in moves:
        t = time.perf_counter()
        explorer.controls[name].value = value
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def main():
    bare, stats, ratio, with_draws = statistics_ratio()
    print(f"depth {DEPTH}, width {WIDTH}, batch {BATCH}, float32, ReLU (medians)")
    print(f"  bare forward + backward matrix products  {bare * 1e3:7.1f} ms")
    print(f"  propagate, same weights (statistics)     {stats * 1e3:7.1f} ms   "
          f"ratio {ratio:.2f} (target <= 1.3)")
    print(f"  propagate, drawing its own weights       {with_draws * 1e3:7.1f} ms")
    median, worst = explorer_update()
    print("explorer update from default settings (depth 30, width 256, batch 128), "
          "80 slider steps")
    print(f"  median {median * 1e3:.0f} ms, slowest {worst * 1e3:.0f} ms (target: median < 150 ms)")


if __name__ == "__main__":
    main()
