"""A bounded load test of the class hub: simulated students, at the same time, on localhost.

Each simulated student, in phases that all students go through together:

1. logs in (the login form) and starts a server (the hub's progress stream until ready);
2. clicks the nbgitpuller link (clone of the served repository into their home);
3. opens a kernel on ``initlib/notebooks/01_theory.ipynb`` and runs its code cells in order;
4. moves the explorer's controls 30 times (``depth`` and ``scale`` in turn), each move a
   widget ``comm_msg`` as the browser sends it, timed until the kernel is idle again with
   the figure's new PNG sent;
5. closes the kernel and stops the server.

One student alone goes through the same phases first: the baseline. A sampler reads every
student's processes (server and kernel, by uid) twice a second: peak resident memory and
CPU time per student. Every phase has a deadline, the whole run a time limit; the run stops
by itself, and the classroom removes its accounts afterwards.

    python classroom/load_test.py                       # 10 students, 30 updates
    python classroom/load_test.py --students 5 10 20    # several class sizes, one hub
    python classroom/load_test.py --students 10 --write # also write classroom/load_results.md

Needs what ``classroom/hub.py`` needs (root, Node.js, ``npm ci --prefix classroom``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import hub  # noqa: E402
from hub import percentile  # noqa: E402
from kernel import Kernel  # noqa: E402

NOTEBOOK = "notebooks/01_theory.ipynb"
#: what a student runs if notebook 01 shows no explorer (either place of the class)
EXPLORER_CODE = """\
try:
    from initlib.viz import Explorer
except ImportError:
    from initlib.widgets import Explorer
Explorer(strategy="he_normal", activation="relu", depth=30, width=256)
"""
MB = 2**20


@dataclass
class StudentRun:
    """What one simulated student measured (seconds, MB)."""

    name: str
    login: float = float("nan")
    start: float = float("nan")
    pull: float = float("nan")
    kernel: float = float("nan")
    cells: float = float("nan")
    n_cells: int = 0
    updates: list[float] = field(default_factory=list)
    update_cpu_s: float = float("nan")  # the kernel's CPU time per update
    peak_mb: float = float("nan")
    cpu_s: float = float("nan")
    errors: list[str] = field(default_factory=list)


class Sampler(threading.Thread):
    """Peak resident memory (sum over an account's processes) and CPU seconds per account,
    sampled every ``interval`` s; also the hub's and proxy's peak and the machine's lowest
    available memory."""

    def __init__(self, accounts, hub_pid: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.uids = {a.uid: a.name for a in accounts}
        self.hub_pid, self.interval = hub_pid, interval
        self.peak = dict.fromkeys(self.uids.values(), 0)
        self.cpu: dict[str, dict[int, float]] = {n: {} for n in self.uids.values()}
        self.hub_peak = 0
        self.min_available = psutil.virtual_memory().available
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(self.interval)
        self.sample()

    def sample(self):
        rss = dict.fromkeys(self.uids.values(), 0)
        for p in psutil.process_iter(["uids", "memory_info", "cpu_times"]):
            info = p.info
            if not info["uids"] or info["uids"].real not in self.uids:
                continue
            name = self.uids[info["uids"].real]
            if info["memory_info"]:
                rss[name] += info["memory_info"].rss
            if info["cpu_times"]:
                self.cpu[name][p.pid] = info["cpu_times"].user + info["cpu_times"].system
        for name, value in rss.items():
            self.peak[name] = max(self.peak[name], value)
        try:
            root = psutil.Process(self.hub_pid)
            tree = [root, *root.children(recursive=True)]
            own = sum(p.memory_info().rss for p in tree if p.uids().real == 0)
            self.hub_peak = max(self.hub_peak, own)
        except psutil.Error:
            pass
        self.min_available = min(self.min_available, psutil.virtual_memory().available)

    def stop(self):
        self.halt.set()
        self.join()


def _explorer_values(n: int) -> list[tuple[str, object]]:
    """``n`` control moves: the depth slider and the scale slider in turn."""
    depths = [40, 60, 80, 100, 70, 50, 30, 20, 10, 30]
    scales = [0.8, 0.9, 1.1, 1.3, 1.6, 2.0, 1.2, 1.0, 0.7, 0.5]
    return [("depth", depths[(i // 2) % 10]) if i % 2 == 0 else ("scale", scales[(i // 2) % 10])
            for i in range(n)]


def run_notebook(student, run: StudentRun, kernels: dict) -> None:
    """Phase 3: open a kernel on notebook 01 and run its code cells."""
    path = f"{hub.REPO_NAME}/{NOTEBOOK}"
    nb = student.notebook(path)
    k = Kernel(student, path)
    kernels[run.name] = k
    run.kernel = k.start_seconds
    start = time.perf_counter()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        reply = k.execute(source, timeout=600)
        run.n_cells += 1
        if reply.errors or reply.status != "ok":
            raise RuntimeError(f"{run.name}: cell {run.n_cells} of {path}: "
                               f"{reply.errors or reply.status}")
    run.cells = time.perf_counter() - start


def move_explorer(run: StudentRun, updates: int, kernels: dict) -> None:
    """Phase 4: move the explorer's controls ``updates`` times, timing each move."""
    k = kernels[run.name]
    if not k.widgets("IntSliderModel", "depth"):
        reply = k.execute(EXPLORER_CODE, timeout=600)
        if reply.errors:
            raise RuntimeError(f"{run.name}: explorer: {reply.errors}")
    sliders = {"depth": k.widgets("IntSliderModel", "depth")[0],
               "scale": k.widgets("FloatLogSliderModel", "scale")[0]}
    images = set(k.widgets("ImageModel"))
    cpu_before = _kernel_cpu(k)
    for control, value in _explorer_values(updates):
        reply = k.move(sliders[control], value, timeout=600)
        if reply.errors:
            raise RuntimeError(f"{run.name}: moving {control} to {value}: {reply.errors}")
        if not any(u["comm_id"] in images and "value" in u["keys"] and u["buffers"]
                   for u in reply.comm_updates):
            raise RuntimeError(f"{run.name}: moving {control} to {value} sent no new figure")
        run.updates.append(reply.seconds)
    run.update_cpu_s = (_kernel_cpu(k) - cpu_before) / updates


def _kernel_cpu(k: Kernel) -> float:
    """CPU seconds the kernel process has used so far (all its threads)."""
    reply = k.execute("import resource as _r\n_u = _r.getrusage(_r.RUSAGE_SELF)\n"
                      "print(_u.ru_utime + _u.ru_stime)\ndel _r, _u")
    return float(reply.stdout)


def simulate(room, accounts, *, updates: int = 30, time_limit: float = 1800,
             log=print) -> dict:
    """Run the phases for ``accounts`` at the same time; returns the measurements."""
    deadline = time.monotonic() + time_limit
    students = [room.student(a) for a in accounts]
    runs = {s.name: StudentRun(s.name) for s in students}
    kernels: dict[str, Kernel] = {}
    link = room.link()
    sampler = Sampler(accounts, room.hub.pid)
    load_before = os.getloadavg()
    started = time.perf_counter()
    sampler.start()

    def login_and_start(s):
        runs[s.name].login = s.log_in()
        runs[s.name].start = s.start_server()

    def pull(s):
        runs[s.name].pull = s.click(link)["seconds"]

    def close(s):
        try:
            if s.name in kernels:
                kernels.pop(s.name).close()
        finally:
            if s.token:
                s.stop_server()

    phases = [("log in, start server", login_and_start), ("pull", pull),
              ("notebook 01", lambda s: run_notebook(s, runs[s.name], kernels)),
              ("explorer", lambda s: move_explorer(runs[s.name], updates, kernels))]
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        for title, step in phases:
            active = [s for s in students if not runs[s.name].errors]
            t0 = time.perf_counter()
            futures = {pool.submit(step, s): s for s in active}
            done, pending = wait_all(futures, timeout=max(1.0, deadline - time.monotonic()))
            for f in done:
                if f.exception() is not None:
                    runs[futures[f].name].errors.append(f"{title}: {f.exception()}")
            for f in pending:
                runs[futures[f].name].errors.append(f"{title}: over the time limit")
            log(f"  {len(active)} student(s): {title} in {time.perf_counter() - t0:.1f} s")
            if pending:
                break
        # stop the servers whatever happened; not timed
        stopping = {pool.submit(close, s): s for s in students}
        done, _ = wait_all(stopping, timeout=300)
        for f in done:
            if f.exception() is not None:
                runs[stopping[f].name].errors.append(f"closing: {f.exception()}")
    sampler.stop()
    for name, run in runs.items():
        run.peak_mb = sampler.peak[name] / MB
        run.cpu_s = sum(sampler.cpu[name].values())
    return {"students": len(accounts), "updates": updates,
            "wall_s": time.perf_counter() - started,
            "load_before": load_before, "load_after": os.getloadavg(),
            "hub_proxy_peak_mb": sampler.hub_peak / MB,
            "min_available_mb": sampler.min_available / MB,
            "runs": [asdict(r) for r in runs.values()]}


def summary(result: dict) -> dict:
    """p50/p95 of each timing over the students (the updates: over every update)."""
    runs = result["runs"]

    def col(key):
        return [r[key] for r in runs if r[key] == r[key]]  # NaN: phase not reached

    updates = [u for r in runs for u in r["updates"]]
    out = {"students": result["students"],
           "errors": sum(len(r["errors"]) for r in runs),
           "n_updates": len(updates)}
    for key in ("start", "pull", "kernel", "cells"):
        out[f"{key}_p50"], out[f"{key}_p95"] = percentile(col(key), 50), percentile(col(key), 95)
    out["update_p50"], out["update_p95"] = percentile(updates, 50), percentile(updates, 95)
    out["update_max"] = max(updates, default=float("nan"))
    out["peak_mb_p50"], out["peak_mb_max"] = percentile(col("peak_mb"), 50), max(col("peak_mb"),
                                                                               default=0)
    out["cpu_s_p50"] = percentile(col("cpu_s"), 50)
    out["update_cpu_p50"] = percentile(col("update_cpu_s"), 50)
    return out


def table(rows: list[dict]) -> str:
    """Markdown table of :func:`summary` rows."""
    head = ("| students at once | server start p50 / p95 s | pull p50 / p95 s | "
            "notebook 01 p50 / p95 s | explorer update p50 / p95 s | kernel CPU per update s "
            "| peak memory per student MB (p50 / max) | CPU s per student | errors |")
    lines = [head, "|" + "---:|" * 9]
    for s in rows:
        lines.append(
            f"| {s['students']} | {s['start_p50']:.1f} / {s['start_p95']:.1f} | "
            f"{s['pull_p50']:.1f} / {s['pull_p95']:.1f} | {s['cells_p50']:.0f} / "
            f"{s['cells_p95']:.0f} | {s['update_p50']:.2f} / {s['update_p95']:.2f} | "
            f"{s['update_cpu_p50']:.2f} | {s['peak_mb_p50']:.0f} / {s['peak_mb_max']:.0f} | "
            f"{s['cpu_s_p50']:.0f} | {s['errors']} |")
    return "\n".join(lines)


def sizing(rows: list[dict], cores: int, acceptable: float) -> str:
    """Students per core and per GB, from the measured class sizes (see the README).

    Measured: the largest class size whose p95 update stayed within ``acceptable`` s.
    From CPU time: when every student moves a control at once, the cores share out
    ``students x CPU per update`` seconds of work, so an update takes about that divided
    by the cores; ``acceptable / CPU per update`` students per core keep it within
    ``acceptable``, on a machine with nothing else running."""
    ok = [r for r in rows if r["errors"] == 0]
    solo = next((r for r in ok if r["students"] == 1), None)
    crowd = [r for r in ok if r["students"] > 1]
    lines = ["| measure | value |", "|---|---:|"]
    if solo:
        lines.append(f"| explorer update, one student alone (p50 / p95) | "
                     f"{solo['update_p50']:.2f} / {solo['update_p95']:.2f} s |")
    fits = [r for r in crowd if r["update_p95"] <= acceptable]
    best = max(fits, key=lambda r: r["students"]) if fits else None
    lines.append(f"| measured: most students moving the explorer at once with p95 update "
                 f"≤ {acceptable:g} s | " + (f"{best['students']} on {cores} cores = "
                                             f"{best['students'] / cores:.1f} per core |"
                                             if best else "none of the sizes measured |"))
    if crowd:
        cpu = percentile([r["update_cpu_p50"] for r in crowd], 50)
        biggest = max(crowd, key=lambda r: r["students"])
        lines.append(f"| kernel CPU time per explorer update (median) | {cpu:.2f} s |")
        lines.append(f"| from CPU time: students per core moving the explorer at once with "
                     f"updates of {acceptable:g} s | {acceptable / cpu:.1f} |")
        lines.append(f"| check: {biggest['students']} students on {cores} cores, update "
                     f"predicted / measured p50 | {biggest['students'] * cpu / cores:.2f} / "
                     f"{biggest['update_p50']:.2f} s |")
        peak = max(r["peak_mb_max"] for r in crowd)
        lines.append(f"| peak memory per student, notebook 01 + explorer | {peak:.0f} MB = "
                     f"{1024 / peak:.1f} students per GB |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (f"{os.cpu_count()} CPU cores ({cpu}), "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}")


def measure(sizes: list[int], updates: int, time_limit: float, threads: str = "1",
            log=print) -> list[dict]:
    """One hub; one student alone, then each class size in turn, each with new accounts."""
    results = []
    with hub.Classroom(students=1 + sum(sizes), log=log, threads=threads) as room:
        pool = list(room.students)
        for n in [1, *sizes]:
            accounts, pool = pool[:n], pool[n:]
            log(f"{n} student(s) at once (load average before: "
                f"{os.getloadavg()[0]:.1f})")
            result = simulate(room, accounts, updates=updates, time_limit=time_limit, log=log)
            results.append(result)
            for r in result["runs"]:
                for e in r["errors"]:
                    log(f"  ERROR {r['name']}: {e}")
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python classroom/load_test.py "
                                            "--students 5 10 --write")
    parser.add_argument("--students", type=int, nargs="+", default=[10], metavar="N",
                        help="class sizes to measure, each after one student alone "
                             "(default: 10)")
    parser.add_argument("--updates", type=int, default=30,
                        help="explorer updates per student (default: 30)")
    parser.add_argument("--time-limit", type=float, default=1800,
                        help="seconds allowed per class size before the run stops "
                             "(default: 1800)")
    parser.add_argument("--acceptable", type=float, default=1.0,
                        help="acceptable p95 explorer update time in s, for the sizing "
                             "(default: 1.0)")
    parser.add_argument("--threads", default="1",
                        help='BLAS/OpenMP threads per student, or "auto" for the '
                             "libraries' default of one per core (default: 1)")
    parser.add_argument("--write", action="store_true",
                        help="write classroom/load_results.md and load_results.json")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.students) or args.updates < 1:
        parser.error("--students and --updates must be positive")
    reason = hub.unavailable()
    if reason:
        parser.error(f"cannot run here: {reason}")
    start = time.perf_counter()
    results = measure(sorted(set(args.students)), args.updates, args.time_limit,
                      args.threads)
    rows = [summary(r) for r in results]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    loads = ", ".join(f"{r['load_before'][0]:.1f}" for r in results)
    text = (f"Measured {when} on {machine()}, {args.updates} explorer updates per student, "
            f"BLAS/OpenMP threads per student: {args.threads}, niceness {os.nice(0)}; "
            f"load average (1 min) before each row: {loads}.\n\n"
            + table(rows) + "\n\n"
            + sizing(rows, os.cpu_count(), args.acceptable)
            + f"\n\nHub and proxy together, peak: "
              f"{max(r['hub_proxy_peak_mb'] for r in results):.0f} MB. Lowest memory "
              f"available on the machine during the run: "
              f"{min(r['min_available_mb'] for r in results) / 1024:.1f} GiB.\n")
    print(text)
    print(f"load test done in {time.perf_counter() - start:.0f} s")
    if args.write:
        (HERE / "load_results.json").write_text(json.dumps(results, indent=1) + "\n")
        (HERE / "load_results.md").write_text(text)
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
