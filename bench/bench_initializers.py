"""Speed of initlib's he_normal against the raw NumPy draw and Keras's HeNormal.

Measured side by side in one run on a 4096 x 4096 float32 kernel; prints the median of
several repetitions and the ratios. Target: initlib within 1.1x of the bare
``Generator.standard_normal`` call that it wraps.

    python bench/bench_initializers.py
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import initlib

SHAPE = (4096, 4096)
REPEATS = 21


def main():
    rng = np.random.default_rng(0)
    he_keras = keras.initializers.HeNormal(seed=0)
    cases = {
        "numpy Generator.standard_normal (float32)":
            lambda: rng.standard_normal(SHAPE, dtype=np.float32),
        "initlib.he_normal (float32)":
            lambda: initlib.he_normal(SHAPE, seed=rng),
        "keras.initializers.HeNormal (float32)":
            lambda: keras.ops.convert_to_numpy(he_keras(SHAPE, dtype="float32")),
    }
    # Interleaved rounds (each round times every case), so that all cases see the same
    # machine load; ratios are medians of the per-round ratios.
    for fn in cases.values():
        fn()  # warm up: allocations, Keras's first-call tracing
    times = {name: [] for name in cases}
    for _ in range(REPEATS):
        for name, fn in cases.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    base_name = "numpy Generator.standard_normal (float32)"
    print(f"shape {SHAPE}, {REPEATS} interleaved rounds (medians)")
    ratios = {}
    for name, ts in times.items():
        ratios[name] = statistics.median(t / b for t, b in zip(ts, times[base_name], strict=True))
        print(f"  {name:45s} {statistics.median(ts) * 1e3:8.1f} ms   {ratios[name]:5.2f}x numpy")
    ratio = ratios["initlib.he_normal (float32)"]
    print(f"initlib / numpy = {ratio:.2f} (target <= 1.10): {'met' if ratio <= 1.1 else 'MISSED'}")


if __name__ == "__main__":
    main()
