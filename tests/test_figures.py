"""initlib.viz.figures: figures shown with alt text, as an HTML <img> that JupyterLab and
the book render with its alt attribute (checked in JupyterLab itself, in Chromium)."""

import base64
import doctest
import html
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import matplotlib.pyplot as plt
import PIL.Image
import pytest

from initlib.viz import figures

IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">')


@pytest.fixture
def fig():
    f, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([0, 1], [0, 1])
    yield f
    plt.close(f)


def decode(element: str):
    m = IMG.fullmatch(element)
    assert m, element[:80]
    return PIL.Image.open(io.BytesIO(base64.b64decode(m[1]))), html.unescape(m[2])


def test_figure_html_is_an_img_with_the_png_and_the_alt_text(fig):
    image, alt = decode(figures.figure_html(fig, alt='  "x" & <y>\n   rises  '))
    assert alt == '"x" & <y> rises'
    assert image.format == "PNG"
    assert 100 < image.width <= 200 and 75 < image.height <= 150  # 4 x 3 in at 50 dpi


def test_dpi_scales_the_picture(fig):
    small, _ = decode(figures.figure_html(fig, "a line"))
    large, _ = decode(figures.figure_html(fig, "a line", dpi=100))
    assert large.width / small.width == pytest.approx(2, rel=0.05)


def test_png_depends_on_the_drawing_only(fig):
    png = figures.png_bytes(fig)
    assert png == figures.png_bytes(fig)
    assert b"Matplotlib" not in png  # no software version in the file


@pytest.mark.parametrize("alt, error", [(None, TypeError), (3, TypeError),
                                        ("", ValueError), (" \n ", ValueError)])
def test_alt_text_is_required(fig, alt, error):
    with pytest.raises(error, match="alt must"):
        figures.figure_html(fig, alt)
    with pytest.raises(error, match="alt must"):
        figures.show(fig, alt)
    assert plt.fignum_exists(fig.number)


def test_bad_figure_and_dpi(fig):
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure, got list"):
        figures.figure_html([], "a line")
    with pytest.raises(ValueError, match="dpi must be a positive number"):
        figures.figure_html(fig, "a line", dpi=0)


def test_show_displays_html_and_text_then_closes_the_figure(fig, monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw: shown.append((obj, raw)))
    figures.show(fig, alt="a line")
    [(bundle, raw)] = shown
    assert raw is True and set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == "<Figure: a line>"
    assert decode(bundle["text/html"])[1] == "a line"
    assert not plt.fignum_exists(fig.number)


def test_show_outside_ipython_prints_the_description(fig, capsys):
    figures.show(fig, alt="a line", close=False)
    assert capsys.readouterr().out == "<Figure: a line>\n"
    assert plt.fignum_exists(fig.number)


def test_docstring_examples():
    assert doctest.testmod(figures).failed == 0


# ---------------------------------------------------------------- what JupyterLab renders

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
def test_jupyterlab_renders_the_alt_text_of_show_but_not_of_png_metadata(fig, tmp_path):
    """The convention's premise: JupyterLab 4 gives the stored HTML <img> its alt text,
    and ignores an alt in the metadata of an image/png output."""
    sync_api = pytest.importorskip("playwright.sync_api")
    png = base64.b64encode(figures.png_bytes(fig)).decode()
    outputs = [
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": figures.figure_html(fig, "alt from show"),
                  "text/plain": "<Figure: alt from show>"}},
        {"output_type": "display_data", "metadata": {"image/png": {"alt": "alt in metadata"}},
         "data": {"image/png": png, "text/plain": "<Figure>"}},
    ]
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {},
                     "outputs": outputs, "source": "show(fig, alt='alt from show')"}],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                      "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "alt.ipynb").write_text(json.dumps(nb))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=t", "--allow-root",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=t", timeout=2)
                break
            except OSError:
                assert time.time() < deadline and lab.poll() is None, "JupyterLab did not start"
                time.sleep(0.5)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/lab/tree/alt.ipynb?token=t")
            images = page.locator(".jp-OutputArea-output img")
            images.nth(1).wait_for(timeout=90_000)
            alts = [images.nth(i).get_attribute("alt") for i in range(images.count())]
            browser.close()
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
    assert alts == ["alt from show", None]
