"""Timing helper shared by the benchmark scripts."""

import statistics
import time


def median_seconds(fn, repeats):
    """Median wall time of ``fn()`` over ``repeats`` calls, after one warm-up call
    (allocations, first-call tracing)."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
