"""Run every notebook in an environment built as mybinder.org builds it, and measure what
each one costs: wall time, the kernel's CPU time and the kernel's peak memory.

The environment is a fresh virtual environment with ``binder/requirements.txt`` alone and
``pip install --no-deps .`` (what ``binder/postBuild`` does), on the Python version of
``binder/runtime.txt`` when that interpreter is on PATH. Each notebook then runs top to
bottom in its own fresh kernel of that environment, with notebooks/ as working directory;
the executed copies go to a temporary folder, never over the committed notebooks. The
peak memory is the kernel process's ``VmHWM`` (from /proc), read after the last cell and
before the kernel shuts down.

The table goes to binder/resources.md and into README.md between ``<!-- resources -->``
and ``<!-- /resources -->`` (unless ``--no-write``). The exit status is 1 when a notebook
fails or its kernel's peak exceeds 1 GB (1024 MiB), the least memory mybinder.org gives.

    python .ci/binder_check.py                          # a throwaway environment
    python .ci/binder_check.py --venv .binder-venv --reuse   # keep and reuse one
    python .ci/binder_check.py --no-write notebooks/01_theory.ipynb
    python .ci/binder_check.py --perturbed                # what CI runs

With ``--perturbed`` the notebooks run once, through nbval, with the numerics perturbed
(``.ci/perturbed_nbval.py``: one thread, NumPy's baseline SIMD, an older BLAS kernel):
the stored outputs are compared in the Binder environment and the kernel's peak memory is
measured in the same pass. Timings under perturbation are not the table's, so nothing is
written then.

Linux only (it reads /proc). Building the environment needs the network (tensorflow-cpu
is the largest download); running the notebooks does not.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MIB = 1024
HEADER = ("| notebook | wall s | kernel CPU s | kernel peak memory MB |\n"
          "|---|---:|---:|---:|")


# --- in the Binder-like environment: execute and measure -------------------------------


def kernel_usage(pid: int) -> dict:
    """Peak resident memory (MiB), CPU time (s) and interpreter of process ``pid``."""
    status = Path(f"/proc/{pid}/status").read_text()
    hwm_kib = int(re.search(r"^VmHWM:\s+(\d+) kB", status, flags=re.M)[1])
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    ticks = os.sysconf("SC_CLK_TCK")
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return {"peak_mib": hwm_kib / 1024,
            "cpu_s": (int(fields[11]) + int(fields[12])) / ticks,  # utime + stime
            "python": cmdline[0].decode()}


def execute(path: Path, out_dir: Path) -> dict:
    """Run notebook ``path`` in a fresh kernel of this interpreter's environment."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    result = {"notebook": path.stem, "error": None}
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        except CellExecutionError as e:
            plain = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip().splitlines()
            result["error"] = " ".join(plain[-2:])[:300]  # "Name: message" (may be empty)
        except Exception as e:  # a timeout, a dead kernel
            result["error"] = f"{type(e).__name__}: {e}"[:300]
        result["wall_s"] = time.perf_counter() - start
        try:
            result.update(kernel_usage(pid))
        except OSError as e:  # the kernel process is gone
            result.update(peak_mib=float("nan"), cpu_s=float("nan"), python="?")
            result["error"] = result["error"] or f"kernel process gone: {e}"
    nbformat.write(nb, out_dir / path.name)
    if result["python"] != "?" and not Path(result["python"]).is_relative_to(sys.prefix):
        result["error"] = f"kernel ran {result['python']}, not this environment's Python"
    return result


def worker(out_dir: Path, notebooks: list[Path]) -> int:
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    print(json.dumps({"versions": environment_versions()}), flush=True)
    for path in notebooks:
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        print(json.dumps(execute(path, out_dir)), flush=True)
    return 0


def environment_versions() -> dict:
    from importlib.metadata import version

    return {"python": platform.python_version(),
            **{name: version(name) for name in ("tensorflow-cpu", "numpy", "jupyterlab")}}


# --- the driver: build the environment, run the worker there, report -------------------


def runtime_python() -> str:
    """An interpreter of binder/runtime.txt's version: this one, or one on PATH."""
    wanted = (ROOT / "binder/runtime.txt").read_text().strip().removeprefix("python-")
    if platform.python_version().startswith(wanted + "."):
        return sys.executable
    found = shutil.which(f"python{wanted}")
    if found:
        return found
    print(f"warning: no python{wanted} on PATH; using Python {platform.python_version()}",
          file=sys.stderr)
    return sys.executable


def pip(venv: Path, *args: str) -> None:
    subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", *args], cwd=ROOT, check=True)


def build(venv: Path, reuse: bool) -> None:
    if not (reuse and (venv / "bin/python").exists()):
        if venv.exists():
            shutil.rmtree(venv)
        print(f"creating {venv}", file=sys.stderr)
        subprocess.run([runtime_python(), "-m", "venv", str(venv)], check=True)
    print("installing binder/requirements.txt and the library", file=sys.stderr)
    pip(venv, "-r", "binder/requirements.txt")
    pip(venv, "--no-deps", "--force-reinstall", ".", "./jupyter-config")  # postBuild
    probe = subprocess.run([str(venv / "bin/python"), "-c", "import ipykernel, nbclient"],
                           capture_output=True)
    if probe.returncode:  # jupyterlab normally brings both
        print("installing ipykernel and nbclient (jupyterlab did not)", file=sys.stderr)
        pip(venv, "ipykernel", "nbclient")


def table(results: list[dict], versions: dict) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(),
                          flags=re.M)
        cpu = model[1].strip() if model else cpu
    except OSError:
        pass
    caption = (f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} CPU cores "
               f"({cpu}), Python {versions['python']}, tensorflow-cpu "
               f"{versions['tensorflow-cpu']}, NumPy {versions['numpy']}; each notebook in "
               "a fresh kernel; MB = 2²⁰ bytes.")
    rows = []
    for r in results:
        flag = " **error**" if r["error"] else (" **over 1 GB**" if r["peak_mib"] > LIMIT_MIB
                                                 else "")
        rows.append(f"| {r['notebook']}{flag} | {r['wall_s']:.0f} | {r['cpu_s']:.0f} | "
                    f"{r['peak_mib']:.0f} |")
    return f"{caption}\n\n{HEADER}\n" + "\n".join(rows)


def write(text: str) -> None:
    (ROOT / "binder/resources.md").write_text(
        "# What each notebook needs\n\n"
        "Written by `python .ci/binder_check.py`, which builds an environment as "
        "mybinder.org does (`binder/requirements.txt`, then `pip install --no-deps .`) and "
        "runs every notebook there. Peak memory is the kernel process's high-water mark "
        "(`VmHWM`); mybinder.org gives between 1 and 2 GB.\n\n" + text + "\n")
    readme = ROOT / "README.md"
    old = readme.read_text()
    new, count = re.subn(r"<!-- resources -->\n.*?<!-- /resources -->",
                         lambda _: f"<!-- resources -->\n{text}\n<!-- /resources -->", old,
                         count=1, flags=re.S)
    if not count:
        raise SystemExit("README.md has no <!-- resources --> ... <!-- /resources --> block")
    if new != old:
        readme.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: every notebook in notebooks/)")
    parser.add_argument("--venv", type=Path,
                        help="where to build the environment (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the environment at --venv if it exists")
    parser.add_argument("--no-write", action="store_true",
                        help="print the table only; leave binder/resources.md and README.md")
    parser.add_argument("--perturbed", action="store_true",
                        help="compare the stored outputs with nbval under perturbed "
                             "numerics in the same pass (implies --no-write)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or sorted(
        (ROOT / "notebooks").glob("*.ipynb"))

    if args.worker:
        return worker(args.worker, notebooks)

    with tempfile.TemporaryDirectory(prefix="binder-check-") as tmp:
        venv = (args.venv or Path(tmp) / "venv").absolute()
        build(venv, args.reuse)
        out_dir = Path(tempfile.mkdtemp(prefix="binder-check-executed-"))
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        env = {**clean, "PATH": f"{venv / 'bin'}{os.pathsep}{clean.get('PATH', '')}",
               "JUPYTER_DATA_DIR": str(Path(tmp) / "jupyter"),  # no user kernel specs
               "IPYTHONDIR": str(Path(tmp) / "ipython")}
        python = str(venv / "bin/python")
        if args.perturbed:  # nbval runs here, the kernels in the Binder environment
            report = Path(tmp) / "resources.jsonl"
            run = subprocess.run(
                [sys.executable, str(ROOT / ".ci/perturbed_nbval.py"), "--kernel-python",
                 python, "--report", str(report), *map(str, notebooks)], env=env, cwd=ROOT)
            versions = subprocess.run(
                [python, "-c", "import sys, json; sys.path.insert(0, sys.argv[1]); "
                 "import binder_check; print(json.dumps(binder_check.environment_versions()))",
                 str(Path(__file__).parent)], env=env, capture_output=True, text=True,
                check=True).stdout
            lines = [{"versions": json.loads(versions)}] + [
                json.loads(line) for line in report.read_text().splitlines() if line.strip()]
        else:
            run = subprocess.run([python, __file__, "--worker", str(out_dir),
                                  *map(str, notebooks)], env=env, stdout=subprocess.PIPE,
                                 text=True, cwd=ROOT)
            lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if not lines:
        print("the worker reported nothing", file=sys.stderr)
        return 1
    versions = lines[0]["versions"]
    results = lines[1:]

    text = table(results, versions)
    if args.perturbed:
        text = text.replace("; each notebook in a fresh kernel",
                            "; each notebook in a fresh kernel, numerics perturbed")
    print(text)
    failed = [r for r in results if r["error"]] + [
        r for r in results if not r["error"] and r["peak_mib"] > LIMIT_MIB]
    missing = {p.stem for p in notebooks} - {r["notebook"] for r in results}
    for r in failed:
        print(f"FAILED {r['notebook']}: {r['error'] or 'peak memory over 1 GB'}",
              file=sys.stderr)
    for name in sorted(missing):
        print(f"FAILED {name}: not run (the worker stopped)", file=sys.stderr)
    if failed or missing or run.returncode:
        if args.perturbed:
            shutil.rmtree(out_dir)
        else:
            print(f"executed notebooks kept in {out_dir}", file=sys.stderr)
        return 1
    shutil.rmtree(out_dir)
    if not (args.no_write or args.perturbed):
        write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
