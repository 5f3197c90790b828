"""A real browser: JupyterLab serves a notebook with the explorer, headless Chromium runs
it, moves the depth slider and sees the figure change. Screenshots land in the test's
temporary folder. Skips where Chromium or Playwright is absent (.ci/run installs both)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Chromium is not installed (apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "explorer",
               "metadata": {}, "outputs": [],
               "source": "from initlib.viz.explorer import Explorer\n"
                         "Explorer(strategy='he_normal', activation='relu', depth=30)"}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    (tmp_path / "explorer.ipynb").write_text(json.dumps(NOTEBOOK))
    port, token = free_port(), "initlib-test"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--allow-root",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180  # a busy 2-core machine takes a minute or more
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
    while True:
        try:
            with direct.open(f"{base}/lab?token={token}", timeout=5) as r:
                assert r.status == 200
                break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"JupyterLab did not start (exit status {proc.poll()})")
            time.sleep(0.5)
    yield base, token, tmp_path
    proc.terminate()
    proc.wait(timeout=20)


def test_depth_slider_changes_the_figure(lab):
    base, token, folder = lab
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{base}/lab/tree/explorer.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # the kernel is ready once the status bar says "Idle"
        page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=90_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        image = page.locator(".widget-image").first
        image.wait_for(timeout=120_000)
        page.wait_for_function(
            "() => { const i = document.querySelector('.widget-image');"
            " return i && i.naturalWidth > 0; }", timeout=60_000)
        before = image.get_attribute("src")
        page.screenshot(path=str(folder / "explorer-depth-30.png"), full_page=True)

        readout = page.locator(".widget-slider:has-text('depth') .widget-readout").first
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("80")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "(src) => { const i = document.querySelector('.widget-image');"
            " return i && i.getAttribute('src') !== src; }", arg=before, timeout=60_000)
        page.screenshot(path=str(folder / "explorer-depth-80.png"), full_page=True)
        assert image.get_attribute("src") != before
        assert page.locator(".widget-slider:has-text('depth') .widget-readout").first \
            .inner_text().strip() == "80"
        browser.close()
