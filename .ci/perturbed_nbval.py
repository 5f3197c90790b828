"""Run every notebook through nbval a second time, with the numerics perturbed.

A stored output whose printed digits depend on the CPU (SIMD width, FMA, the BLAS kernel,
the number of threads) passes where it was executed and fails on a teacher's laptop. This
run changes all of these on the machine at hand, so such outputs fail here too:

- one BLAS/OpenMP thread (``OPENBLAS_NUM_THREADS=1``, ``OMP_NUM_THREADS=1``), so sums are
  no longer split between threads;
- NumPy's SIMD dispatch limited to its baseline: ``NPY_DISABLE_CPU_FEATURES`` lists every
  dispatch target this CPU supports (read from NumPy at run time);
- an older OpenBLAS kernel (``OPENBLAS_CORETYPE``): ``Haswell``, or ``Prescott`` where
  OpenBLAS already runs its Haswell kernel or the CPU lacks AVX2; ``ARMV8`` on arm64;
- TensorFlow on one intra-op thread (``TF_NUM_INTRAOP_THREADS=1``) and, on x86-64, oneDNN's
  kernels limited to SSE4.1 (``ONEDNN_MAX_CPU_ISA=SSE41``).

Before the run, a child process with these settings reports what NumPy, OpenBLAS and
TensorFlow actually use, and the run stops if a setting did not take effect. The
arguments go to pytest (default: the notebooks folder; ``--nbval`` and the other options
come from pyproject.toml)::

    python .ci/perturbed_nbval.py                           # every notebook
    python .ci/perturbed_nbval.py notebooks/04_large_uniform.ipynb -x
    python .ci/perturbed_nbval.py --show                    # the settings only
    python .ci/perturbed_nbval.py --kernel-python ENV/bin/python   # kernels run there

With ``--kernel-python`` the notebooks' kernels run in another environment (pytest and
nbval stay in this one); ``.ci/binder_check.py --perturbed`` uses it to check the stored
outputs in an environment built as mybinder.org builds it. ``--report FILE`` writes, per
notebook, the kernel's wall time, CPU time and peak memory (JSON lines).

Exit status: pytest's, or 2 when a setting did not take effect.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL_NAME = "initlib-perturbed"
REPORT_ENV = "INITLIB_NBVAL_REPORT"

PROBE = r"""
import json, os, sys
import numpy as np
try:
    from numpy._core import _multiarray_umath as umath
except ImportError:  # NumPy < 2
    from numpy.core import _multiarray_umath as umath
from threadpoolctl import threadpool_info
report = {
    "dispatch": [f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f)],
    "blas": [{k: i.get(k) for k in ("internal_api", "architecture", "num_threads")}
             for i in threadpool_info() if i.get("user_api") == "blas"],
}
if "--tf" in sys.argv:
    import subprocess
    code = ("import os; os.environ['ONEDNN_VERBOSE'] = '1';"
            "import tensorflow as tf; tf.linalg.matmul(tf.ones((64, 64)), tf.ones((64, 64)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}).stdout
    report["onednn"] = [ln.split(",", 4)[-1] for ln in out.splitlines()
                        if ",info,cpu,isa:" in ln]
    # TensorFlow's intra-op threads: the threads that worked through large matmuls
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf
    tasks = "/proc/self/task"
    def cpu_ticks():
        if not os.path.isdir(tasks):
            return {}
        ticks = {}
        for tid in os.listdir(tasks):
            try:
                fields = open(f"{tasks}/{tid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[tid] = int(fields[11]) + int(fields[12])
        return ticks
    a = tf.random.stateless_normal((1024, 1024), seed=(1, 2))
    tf.linalg.matmul(a, a).numpy()
    before = cpu_ticks()
    for _ in range(8):
        b = tf.linalg.matmul(a, a)
    b.numpy()
    after = cpu_ticks()
    worked = [t for t in after if after[t] - before.get(t, 0) >= 10]  # 0.1 s and more
    report["tf_threads"] = len(worked) if after else None
print(json.dumps(report))
"""


def probe(env: dict, tensorflow: bool, python: str = sys.executable) -> dict:
    """What NumPy, OpenBLAS (and TensorFlow) use in a ``python`` started with ``env``."""
    out = subprocess.run([python, "-c", PROBE, *(["--tf"] if tensorflow else [])],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def older_coretype(current: list[dict], dispatch: list[str]) -> str | None:
    """An OpenBLAS kernel older than the one in use (None: leave OpenBLAS alone)."""
    machine = platform.machine().lower()
    archs = {str(b.get("architecture") or "").lower() for b in current}
    if machine in ("x86_64", "amd64"):
        # Haswell's kernel needs AVX2 and FMA (NumPy < 2.4 names them, 2.4 groups them)
        has_avx2 = bool({"AVX2", "X86_V3"} & set(dispatch))
        return "Prescott" if "haswell" in archs or not has_avx2 else "Haswell"
    if machine in ("aarch64", "arm64"):
        return "ARMV8"
    return None


def perturbed_env(base: dict | None = None, python: str = sys.executable) -> dict:
    """``base`` (default: this process's environment) with the numerics perturbed, for
    processes of the interpreter ``python``."""
    base = dict(os.environ if base is None else base)
    for name in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "ONEDNN_MAX_CPU_ISA"):
        base.pop(name, None)  # read the machine's own choice, not an earlier override
    native = probe(base, tensorflow=False, python=python)
    env = {**base, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "TF_NUM_INTRAOP_THREADS": "1"}
    if native["dispatch"]:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(native["dispatch"])
    coretype = older_coretype(native["blas"], native["dispatch"])
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    if platform.machine().lower() in ("x86_64", "amd64"):
        env["ONEDNN_MAX_CPU_ISA"] = "SSE41"
    return env


def has_tensorflow(python: str) -> bool:
    code = "import importlib.util as u; print(u.find_spec('tensorflow') is not None)"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def check(env: dict, python: str = sys.executable) -> list[str]:
    """Settings that did not take effect in a child ``python`` (none: [])."""
    tf = has_tensorflow(python)
    seen = probe(env, tensorflow=tf, python=python)
    print("perturbed run: NumPy dispatch " + (", ".join(seen["dispatch"]) or "baseline only")
          + "; BLAS " + ", ".join(f"{b['internal_api']} {b['architecture']} x"
                                   f"{b['num_threads']}" for b in seen["blas"])
          + (f"; TensorFlow {seen['tf_threads']} thread(s) busy in a matmul, oneDNN "
             + ", ".join(seen["onednn"]) if tf else ""), flush=True)
    problems = []
    if seen["dispatch"]:
        problems.append(f"NumPy still dispatches to {seen['dispatch']}")
    for b in seen["blas"]:
        if b["num_threads"] != 1:
            problems.append(f"{b['internal_api']} runs {b['num_threads']} threads")
        want = env.get("OPENBLAS_CORETYPE")
        if b["internal_api"] == "openblas" and want == "Haswell" \
                and str(b["architecture"]).lower() != "haswell":
            problems.append(f"OpenBLAS runs {b['architecture']}, not {want}")
    if tf and seen["tf_threads"] not in (None, 1):
        problems.append(f"TensorFlow ran a matmul on {seen['tf_threads']} threads, not 1")
    if tf and "ONEDNN_MAX_CPU_ISA" in env and not any(
            "SSE4.1" in line for line in seen["onednn"]):
        problems.append(f"oneDNN: {seen['onednn']}, not limited to SSE4.1")
    return problems


def addopts_with_kernel(kernel: bool) -> str:
    """pyproject.toml's pytest options, with nbval's kernel switched to ours."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    options = shlex.split(ini["ini_options"].get("addopts", ""))
    if kernel:
        options = [o for o in options if o != "--nbval-current-env"]
        options.append(f"--nbval-kernel-name={KERNEL_NAME}")
    return shlex.join(options)


def kernel_spec(folder: Path, python: str) -> Path:
    """A kernel spec for ``python`` under ``folder`` (a JUPYTER_PATH entry)."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (perturbed numerics)", "language": "python"}))
    return folder


# --- a pytest plugin (-p perturbed_nbval): each notebook kernel's time and memory -------


_started: dict[str, float] = {}
_failed: dict[str, list[str]] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.path.suffix == ".ipynb":  # before nbval starts the kernel
        _started.setdefault(str(item.path), time.perf_counter())


def pytest_runtest_logreport(report):
    if report.failed and report.nodeid.split("::")[0].endswith(".ipynb"):
        _failed.setdefault(report.nodeid.split("::")[0], []).append(report.nodeid)


def _kernel_pid(item) -> int | None:
    try:
        return item.parent.kernel.km.provisioner.process.pid
    except AttributeError:
        return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell, before nbval stops its kernel."""
    path = os.environ.get(REPORT_ENV)
    if not path or item.path.suffix != ".ipynb":
        return
    if nextitem is not None and nextitem.path == item.path:
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from binder_check import kernel_usage

    failed = [n for path, ids in _failed.items() if item.nodeid.startswith(path) for n in ids]
    result = {"notebook": item.path.stem,
              "error": f"{len(failed)} cell(s) differ or fail" if failed else None,
              "wall_s": time.perf_counter() - _started.get(str(item.path), time.perf_counter())}
    pid = _kernel_pid(item)
    try:
        result.update(kernel_usage(pid) if pid else {})
    except OSError as e:
        result["error"] = f"kernel process gone: {e}"
    with open(path, "a") as f:
        f.write(json.dumps(result) + "\n")



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Other arguments go to pytest (default: the notebooks folder).")
    parser.add_argument("--show", action="store_true",
                        help="print the settings and check them; run nothing")
    parser.add_argument("--kernel-python", metavar="PYTHON",
                        help="run the notebooks' kernels with this interpreter (default: "
                             "this one, as nbval's --nbval-current-env does)")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="write each notebook kernel's wall time, CPU time and peak "
                             "memory to FILE (JSON lines; Linux)")
    args, pytest_args = parser.parse_known_args(argv)
    python = os.path.abspath(args.kernel_python) if args.kernel_python else sys.executable

    env = perturbed_env(python=python)
    changed = {k: v for k, v in env.items() if os.environ.get(k) != v}
    print("perturbed run: " + " ".join(f"{k}={v}" for k, v in sorted(changed.items())),
          flush=True)
    problems = check(env, python)
    for problem in problems:
        print(f"perturbed run: not in effect: {problem}", file=sys.stderr)
    if problems:
        return 2
    if args.show:
        return 0

    with tempfile.TemporaryDirectory(prefix="perturbed-nbval-") as tmp:
        # -n 0: one process, whatever addopts say (it runs beside the suite, on one core)
        command = [sys.executable, "-m", "pytest", "-p", "perturbed_nbval", "-n", "0"]
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).parent), *filter(None, [env.get("PYTHONPATH")])])
        if args.kernel_python:
            env["JUPYTER_PATH"] = os.pathsep.join(
                [str(kernel_spec(Path(tmp), python)), *filter(None, [env.get("JUPYTER_PATH")])])
            command += ["-o", f"addopts={addopts_with_kernel(kernel=True)}"]
        if args.report:
            args.report.write_text("")
            env[REPORT_ENV] = str(args.report.resolve())
        command += pytest_args or [str(ROOT / "notebooks")]
        return subprocess.run(command, env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
