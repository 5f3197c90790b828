"""The student's JupyterLab, as the README's first command opens it.

The settings for a class live in ``jupyter-config/`` and are installed into the
environment by ``requirements.txt`` (and by ``binder/postBuild`` on Binder). The tests
check that the environment holds them, that Jupyter Server and JupyterLab take them, and,
in headless Chromium, what a student sees: notebook 01 at
``/lab/tree/notebooks/01_theory.ipynb`` with the README and the library in the file
browser, Markdown (the README, the glossary) rendered, no news pop-up, no "Unsatisfied
version" warning in the browser console, nbgrader's menu only where nbgrader is installed
(the instructor's setup), and a notebook's kernel shut down when its tab closes.
"""

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "jupyter-config"
PREFIX = Path(sys.prefix)
INSTALLED = {  # repository file -> where the install puts it
    CONFIG / "overrides.d/initlib.json":
        PREFIX / "share/jupyter/lab/settings/overrides.d/initlib.json",
    CONFIG / "jupyter_server_config.json": PREFIX / "etc/jupyter/jupyter_server_config.json",
}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def readme_lab_arguments():
    """The arguments of ``jupyter lab`` in the README's first command."""
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first = re.findall(r"```bash\n(.+?)\n```", quick, flags=re.S)[0]
    return shlex.split(first.split("jupyter lab", 1)[1])


def isolated_env(folder):
    """This environment's Jupyter, without the user's own configuration and data."""
    return dict(os.environ, JUPYTER_CONFIG_DIR=str(folder / "config"),
                JUPYTER_DATA_DIR=str(folder / "data"),
                JUPYTER_RUNTIME_DIR=str(folder / "runtime"), TF_CPP_MIN_LOG_LEVEL="3")


def test_the_environment_holds_the_settings():
    for source, target in INSTALLED.items():
        assert target.exists(), f"{target} is missing: pip install ./jupyter-config"
        assert json.loads(target.read_text()) == json.loads(source.read_text()), (
            f"{target} is not {source.relative_to(ROOT)}: pip install ./jupyter-config")


SERVER_PROBE = """
import json, os
from jupyter_server.serverapp import ServerApp
app = ServerApp.instance()
app.initialize(argv=["--no-browser", "--port=0", "--ServerApp.open_browser=False"])
km = app.kernel_manager
lab = app.extension_manager.extension_apps["jupyterlab"]
lab = next(iter(lab)) if isinstance(lab, set) else lab
print(json.dumps({"cull": [km.cull_idle_timeout, km.cull_interval, km.cull_connected,
                           km.cull_busy],
                  "news_url": lab.news_url,
                  "updates": lab.check_for_updates_class.__name__}), flush=True)
os._exit(0)  # without stopping the extensions' threads
"""


@pytest.mark.slow  # starts Jupyter Server with its extensions: 5 s of CPU
def test_the_server_takes_the_settings(tmp_path):
    wanted = json.loads((CONFIG / "jupyter_server_config.json").read_text())
    out = subprocess.run([sys.executable, "-c", SERVER_PROBE], capture_output=True,
                         text=True, env=isolated_env(tmp_path), cwd=tmp_path, timeout=600,
                         check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    cull = wanted["MappingKernelManager"]
    assert seen["cull"] == [cull["cull_idle_timeout"], cull["cull_interval"],
                            cull["cull_connected"], cull["cull_busy"]]
    assert 0 < cull["cull_idle_timeout"] <= 1800 and cull["cull_connected"]
    assert seen["news_url"] is None
    assert seen["updates"] == "NeverCheckForUpdate"


# --- in a browser ---------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with NO_PROXY.open(url, timeout=10) as r:
        return json.load(r)


@pytest.fixture
def student_lab(tmp_path):
    """JupyterLab started as the README's first command starts it (from the repository's
    root, with its arguments), in this environment, with a private user configuration."""
    port, token = free_port(), "initlib-test"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", *readme_lab_arguments(), "--no-browser",
         f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         "--allow-root"],
        cwd=ROOT, env=isolated_env(tmp_path), stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server.log", "w"))  # noqa: SIM115
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            get_json(f"{base}/api/status?token={token}")
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "server.log").read_text())
            time.sleep(0.5)
    yield base, token, tmp_path
    proc.terminate()
    proc.wait(timeout=30)


def local_only(route):
    """Let the browser reach the local server and nothing else (the page stays offline)."""
    url = urlparse(route.request.url)
    if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in (
            "127.0.0.1", "localhost"):
        route.abort()
    else:
        route.continue_()


def unsatisfied(console):
    """Console messages of lab extensions built against another JupyterLab."""
    return [m for m in console if re.search(r"unsatisfied version|shared singleton", m,
                                            flags=re.I)]


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason="Chromium is not installed (apt-get install chromium)")
def test_what_a_student_sees(student_lab):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    base, token, folder = student_lab
    console = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.route("**/*", local_only)

        # notebook 01 at the Binder badge's path, its kernel started
        page.goto(f"{base}/lab/tree/notebooks/01_theory.ipynb?token={token}")
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=90_000)
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        assert tab.locator(".lm-TabBar-tabLabel").inner_text() == "01_theory.ipynb"
        page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=90_000)
        assert len(get_json(f"{base}/api/kernels?token={token}")) == 1
        assert not unsatisfied(console), "\n".join(unsatisfied(console))

        # the repository's root in the file browser: the README and the library
        page.locator(".jp-BreadCrumbs-home").first.click()
        for name in ("README.md", "initlib", "notebooks"):
            page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$")) \
                .first.wait_for(timeout=30_000)

        # nbgrader's menu: the instructor's setup only
        menus = [t.strip() for t in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
        instructor = find_spec("nbgrader") is not None
        assert ("Nbgrader" in menus) == instructor, (menus, instructor)

        # closing the notebook shuts its kernel down
        tab.locator(".lm-TabBar-tabCloseIcon").click()
        deadline = time.time() + 30
        while get_json(f"{base}/api/kernels?token={token}") and time.time() < deadline:
            time.sleep(0.5)
        assert get_json(f"{base}/api/kernels?token={token}") == []

        # Markdown opens rendered: the README, and the glossary from its link
        page.goto(f"{base}/lab/tree/README.md?token={token}")
        readme = page.locator(".jp-MarkdownViewer:visible").first
        readme.locator("h1").first.wait_for(timeout=60_000)
        readme.locator('a[href*="glossary.md"]').first.click()
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel",
                     has_text="glossary.md").wait_for(timeout=30_000)
        glossary = page.locator(".jp-MarkdownViewer:visible").first
        glossary.locator("h1").first.wait_for(timeout=30_000)
        heading = next(ln for ln in (ROOT / "notebooks/glossary.md").read_text().splitlines()
                       if ln.startswith("# "))[2:].strip()
        assert heading in glossary.locator("h1").first.inner_text()
        assert page.locator(".jp-FileEditor:visible").count() == 0

        page.wait_for_timeout(2_000)  # late notifications
        toasts = " ".join(page.locator(".Toastify__toast").all_inner_texts())
        page.screenshot(path=str(folder / "glossary.png"))
        browser.close()

    assert "news" not in toasts.lower(), toasts
    assert not unsatisfied(console), "\n".join(unsatisfied(console))
