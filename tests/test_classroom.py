"""A class on one hub (``classroom/``): a real JupyterHub with real Linux accounts,
nbgitpuller from a locally served copy of the repository, nbgrader's exchange end to end,
and a small load test, all run once by ``classroom/check_classroom.py`` (marked ``slow``
and ``classroom``); then the helpers that need no hub.

The hub needs root (it creates and removes accounts), Node.js and npm, and
configurable-http-proxy installed by ``npm ci --prefix classroom``; elsewhere these tests
are skipped with the reason, or fail where ``INITLIB_REQUIRE_CLASSROOM=1`` (CI) says the
machine must run them.
"""

import json
import os
import pwd
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "classroom"))

hub = pytest.importorskip("hub", reason="classroom/hub.py needs psutil and requests")
check_classroom = pytest.importorskip("check_classroom")
load_test = pytest.importorskip("load_test")

@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The whole check, once: its exit status, output and results (JSON)."""
    reason = hub.unavailable()
    if reason:
        if os.environ.get("INITLIB_REQUIRE_CLASSROOM") == "1":
            pytest.fail(f"the classroom must run here (INITLIB_REQUIRE_CLASSROOM=1): {reason}")
        pytest.skip(f"the class hub cannot run here: {reason}")
    out = tmp_path_factory.mktemp("classroom") / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "classroom" / "check_classroom.py"), "--pick", "06",
         "--load", "2", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800)
    print(proc.stdout[-6000:], proc.stderr[-6000:], sep="\n")
    results = json.loads(out.read_text()) if out.exists() else None
    return proc, results


@pytest.mark.slow
@pytest.mark.classroom
def test_the_check_passes(run):
    proc, results = run
    assert results is not None, proc.stderr[-3000:]
    assert results["problems"] == []
    assert proc.returncode == 0 and "OK: classroom checked" in proc.stdout


@pytest.mark.slow
@pytest.mark.classroom
def test_nbgitpuller_opens_01_and_merges_without_overwriting(run):
    _, results = run
    pull = results["pull"]
    assert pull["landed"].endswith("/lab/tree/initlib/notebooks/01_theory.ipynb")
    assert pull["student_edit_kept"] and pull["update_merged"]


@pytest.mark.slow
@pytest.mark.classroom
def test_exchange_scores(run):
    _, results = run
    rows = results["exchange"]["rows"]
    assert {r["answers"] for r in rows} == {"right", "blank", "partial", "late"}
    assert len({r["student"] for r in rows}) >= 3
    for r in rows:
        assert r["auto_max"] > 0
        expected = {"right": r["auto_max"], "late": r["auto_max"], "blank": 0}
        if r["answers"] in expected:
            assert r["auto_score"] == expected[r["answers"]], r
        else:
            assert 0 < r["auto_score"] < r["auto_max"], r
        assert (r["seconds_late"] > 0) == (r["answers"] == "late"), r
        assert r["csv_late"] == (r["answers"] == "late"), r
        assert r["feedback"] == [r["score"], r["max_score"]], r
    for student, assignment in {(r["student"], r["assignment"]) for r in rows}:
        mine = [r for r in rows if (r["student"], r["assignment"]) == (student, assignment)]
        assert mine[0]["csv_score"] == sum(r["score"] for r in mine)
    header = results["exchange"]["grades_csv"].splitlines()[0].split(",")
    assert {"student_id", "score", "max_score", "timestamp", "duedate"} <= set(header)


@pytest.mark.slow
@pytest.mark.classroom
def test_load_without_errors(run):
    _, results = run
    sizes = [r["students"] for r in results["load"]]
    assert sizes == [1, 2]
    for result in results["load"]:
        for r in result["runs"]:
            assert r["errors"] == [], r["errors"]
            assert len(r["updates"]) == 30 and r["n_cells"] > 10
            assert r["peak_mb"] > 50  # a server and a kernel were measured
            assert 0 < r["start"] < 600 and 0 < min(r["updates"])


@pytest.mark.slow
@pytest.mark.classroom
def test_accounts_and_homes_are_removed(run):
    _, results = run
    names = {r["student"] for r in results["exchange"]["rows"]}
    names |= {r["name"] for result in results["load"] for r in result["runs"]}
    for name in names:
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
        assert not Path("/home", name).exists()


# --------------------------------------------------------------------------- no hub needed

def test_the_hub_link_is_the_collections_link():
    link = hub.hub_link("git://127.0.0.1:9418/initlib", "http://127.0.0.1:8000")
    url = urllib.parse.urlsplit(link)
    assert url.path == "/hub/user-redirect/git-pull"
    query = urllib.parse.parse_qs(url.query)
    assert query == {"repo": ["git://127.0.0.1:9418/initlib"], "branch": ["main"],
                     "urlpath": ["lab/tree/initlib/notebooks/01_theory.ipynb"]}


def test_solution_text_removes_the_markers_only():
    source = "limit = None  # your answer\n### BEGIN SOLUTION\nlimit = 3 ** 0.5\n### END SOLUTION"
    assert check_classroom.solution_text(source) == "limit = None  # your answer\nlimit = 3 ** 0.5"
    marked = "Because ...\n=== BEGIN MARK SCHEME ===\n2 points\n=== END MARK SCHEME ==="
    assert check_classroom.solution_text(marked) == "Because ..."


def test_answer_policies():
    def nb():
        return {"cells": [
            {"cell_type": "code", "source": f"x{i} = None",
             "metadata": {"nbgrader": {"solution": True, "grade_id": f"a{i}"}}}
            for i in range(3)] + [{"cell_type": "code", "source": "check()",
                                   "metadata": {"nbgrader": {"grade": True}}}]}

    solutions = {f"a{i}": {"source": f"x{i} = None\n### BEGIN SOLUTION\nx{i} = {i}\n"
                           "### END SOLUTION"} for i in range(3)}
    for policy, answered in (("right", 3), ("blank", 0), ("partial", 1)):
        book = nb()
        assert check_classroom.answer(book, solutions, policy, 0) == answered
        texts = [c["source"] for c in book["cells"][:3]]
        assert texts == [f"x{i} = None" + (f"\nx{i} = {i}" if i < answered else "")
                         for i in range(3)]
        assert book["cells"][3]["source"] == "check()"
    book = nb()  # a second notebook of a partial student: the first answer was given
    assert check_classroom.answer(book, solutions, "partial", 1) == 1
    assert all(c["source"].endswith("= None") for c in book["cells"][:3])
    book = nb()  # a written (manually graded) answer first: partial answers the code one
    book["cells"][0]["cell_type"] = "markdown"
    assert check_classroom.answer(book, solutions, "partial", 0) == 1
    assert [c["source"].endswith("= None") for c in book["cells"][:3]] == [True, False, True]


def test_percentile():
    assert hub.percentile([3, 1, 2, 4], 50) == 2.5
    assert hub.percentile([5], 95) == 5
    assert hub.percentile(range(101), 95) == 95
    assert hub.percentile([], 50) != hub.percentile([], 50)  # NaN


def test_explorer_moves_alternate_and_stay_in_range():
    moves = load_test._explorer_values(30)
    assert [c for c, _ in moves[:4]] == ["depth", "scale", "depth", "scale"]
    assert all(1 <= v <= 100 for c, v in moves if c == "depth")
    assert all(0.1 <= v <= 10 for c, v in moves if c == "scale")
    assert all(a != b for a, b in zip(moves, moves[2:], strict=False))  # every move changes


def test_summary_and_sizing():
    def result(n, update, peak):
        return {"students": n, "runs": [
            {"start": 2.0, "pull": 1.0, "kernel": 1.0, "cells": 10.0, "updates": [update] * 30,
             "update_cpu_s": 0.25, "peak_mb": peak, "cpu_s": 20.0, "errors": []}
            for _ in range(n)]}

    rows = [load_test.summary(result(n, u, 400.0))
            for n, u in ((1, 0.2), (4, 0.6), (8, 1.5))]
    assert [r["update_p95"] for r in rows] == pytest.approx([0.2, 0.6, 1.5])
    text = load_test.sizing(rows, cores=2, acceptable=1.0)
    assert "4 on 2 cores = 2.0 per core" in text
    assert "updates of 1 s | 4.0 |" in text  # 1 s / 0.25 s of CPU per update
    assert "predicted / measured p50 | 1.00 / 1.50 s" in text
    assert "400 MB = 2.6 students per GB" in text
    assert "| 8 |" in load_test.table(rows)


def test_zero_to_jupyterhub_config_matches_the_hub():
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "classroom" / "config.yaml").read_text())
    user = config["singleuser"]
    files = {f["mountPath"]: f for f in user["extraFiles"].values()}
    here = ROOT / "classroom" / "jupyter"
    for name in ("nbgrader_config.py", "jupyter_server_config.py"):
        assert files[f"/etc/jupyter/{name}"]["stringData"] == (here / name).read_text()
    page = json.loads((here / "labconfig" / "page_config.json").read_text())
    assert files["/etc/jupyter/labconfig/page_config.json"]["data"] == page

    def gigabytes(size):
        number, unit = re.fullmatch(r"([\d.]+)([MG])", size).groups()
        return float(number) / (1024 if unit == "M" else 1)

    memory, cpu = user["memory"], user["cpu"]
    assert 0 < gigabytes(memory["guarantee"]) < gigabytes(memory["limit"])
    assert gigabytes(memory["limit"]) >= 1.5  # notebook 08's kernel alone needs 0.9 GB
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    threads = {k: v for k, v in user["extraEnv"].items() if k.endswith("_NUM_THREADS")}
    assert threads and set(threads.values()) == {str(cpu["limit"])}
    exchange = user["extraEnv"]["INITLIB_EXCHANGE_ROOT"]
    assert [m["mountPath"] for m in user["storage"]["extraVolumeMounts"]] == [exchange]
