"""Speed of initlib's he_normal against the raw NumPy draw and Keras's HeNormal.

Measured side by side in one run on a 4096 x 4096 float32 kernel; prints the median of
several repetitions and the ratios. Target: initlib within 1.1x of the bare
``Generator.standard_normal`` call that it wraps.

    python bench/bench_initializers.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from timing import median_seconds

import initlib
from initlib._quiet import import_keras

SHAPE = (4096, 4096)
REPEATS = 15


def main():
    keras = import_keras()
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
    results = {name: median_seconds(fn, REPEATS) for name, fn in cases.items()}
    base = results["numpy Generator.standard_normal (float32)"]
    print(f"shape {SHAPE}, median of {REPEATS} runs")
    for name, seconds in results.items():
        print(f"  {name:45s} {seconds * 1e3:8.1f} ms   {seconds / base:5.2f}x numpy")
    ratio = results["initlib.he_normal (float32)"] / base
    print(f"initlib / numpy = {ratio:.2f} (target <= 1.10): {'met' if ratio <= 1.1 else 'MISSED'}")


if __name__ == "__main__":
    main()
