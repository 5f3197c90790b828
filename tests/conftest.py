import os

import matplotlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
matplotlib.use("Agg")  # this process only; nbval's kernels keep the inline backend
