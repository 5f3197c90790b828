"""The book (``python docs/build.py``) in a real browser.

The site is built (incrementally, into ``build/book``, never touching the network:
``--offline``), served on localhost and read by headless Chromium with every request that
leaves localhost blocked. Every page: loads with no console error and no outside request,
every image loaded and described by alt text, headings in order, no serious or critical
axe-core violation. Every internal link and anchor resolves; the notebooks come in order
with previous/next links; on 01 the math is typeset; search finds "Glorot"; the launch
buttons open the right notebook of the repository named in pyproject.toml. Screenshots of
three pages land in the test's temporary folder. The workflow files pass actionlint.

Skips where Chromium, Playwright or the book's npm packages are absent (``.ci/run``
installs all three; ``python docs/build.py`` installs the npm packages).
"""

from __future__ import annotations

import functools
import http.server
import itertools
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BOOK = ROOT / "build" / "book"
AXE = DOCS / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

needs_browser = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(not AXE.exists(),
                       reason="the book's npm packages are not installed (npm ci --prefix docs)"),
]


# --------------------------------------------------------------------------- the site


def repository() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r'^\[project\.urls\][^\[]*?^Repository\s*=\s*"([^"]+)"', text, re.M | re.S)
    assert m, "pyproject.toml has no [project.urls] Repository"
    return m[1].rstrip("/").removesuffix(".git")


@pytest.fixture(scope="module")
def site() -> Path:
    if not AXE.exists():
        pytest.skip("the book's npm packages are not installed (npm ci --prefix docs)")
    result = subprocess.run([sys.executable, str(DOCS / "build.py"), "--offline",
                             "--out", str(BOOK)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return BOOK / "html"


def pages(site: Path) -> list[str]:
    """Every HTML page of the site, as paths relative to its root."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not {"_static", "_sources"} & set(p.relative_to(site).parts))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self._open: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href") is not None:
            self.hrefs.append(attrs["href"])
            self._open.append([attrs["href"], ""])

    def handle_data(self, data):
        for entry in self._open:
            entry[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            href, text = self._open.pop()
            self.anchors.append((href, " ".join(text.split())))


@functools.cache
def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# --------------------------------------------------------------------------- static checks


@pytest.mark.slow
def test_every_internal_link_and_anchor_resolves(site):
    broken = []
    for page in pages(site):
        for href in parse(site / page).hrefs:
            url = urllib.parse.urlsplit(href)
            if url.scheme or href.startswith("//") or not (url.path or url.fragment):
                continue
            target = (site / page).parent / urllib.parse.unquote(url.path) if url.path \
                else site / page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page}: {href} (no such file)")
            elif url.fragment and target.suffix == ".html" \
                    and urllib.parse.unquote(url.fragment) not in parse(target.resolve()).ids:
                broken.append(f"{page}: {href} (no such anchor)")
    assert not broken, "\n".join(broken)


@pytest.mark.slow
def test_notebooks_in_order_with_previous_and_next(site):
    index = [href for href in parse(site / "index.html").hrefs
             if re.fullmatch(r"notebooks/\d\w*\.html", href)]
    expected = [f"notebooks/{Path(n).stem}.html" for n in NOTEBOOKS]
    assert list(dict.fromkeys(index)) == expected  # the table of contents, in order
    for before, after in itertools.pairwise(expected):
        nxt = [h for h in parse(site / before).hrefs if h == Path(after).name]
        prev = [h for h in parse(site / after).hrefs if h == Path(before).name]
        assert nxt, f"{before} has no link to the next notebook, {after}"
        assert prev, f"{after} has no link to the previous notebook, {before}"
    for page in ("notebooks/glossary.html", "bibliography.html", "api.html"):
        assert (site / page).exists(), page


@pytest.mark.slow
def test_launch_buttons_open_the_notebook_from_the_repository(site):
    repo = repository()
    slug = urllib.parse.urlsplit(repo).path.strip("/")
    for name in NOTEBOOKS:
        page = f"notebooks/{Path(name).stem}.html"
        links = {text: href for href, text in parse(site / page).anchors}
        assert links.get("Binder") == (
            f"https://mybinder.org/v2/gh/{slug}/main?urlpath=lab/tree/notebooks/{name}"), page
        assert links.get("Colab") == (
            f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{name}"), page
        hub = urllib.parse.urlsplit(links.get("JupyterHub", ""))
        assert hub.scheme == "https" and hub.path.endswith("/hub/user-redirect/git-pull"), page
        assert urllib.parse.parse_qs(hub.query) == {
            "repo": [repo], "branch": ["main"],
            "urlpath": [f"lab/tree/{slug.split('/')[1]}/notebooks/{name}"]}, page


@pytest.mark.slow
def test_widgets_are_shown_as_pictures_with_a_line_on_running_them(site):
    for name in NOTEBOOKS:
        text = (site / "notebooks" / f"{Path(name).stem}.html").read_text(encoding="utf-8")
        assert "widget-view+json" not in text and "require.min.js" not in text, name
        for m in re.finditer("picture of an interactive widget", text):
            # the picture is the output just before the line, in the same cell
            output = text.rfind('<div class="cell_output', 0, m.start())
            assert output > text.rfind('<div class="cell ', 0, m.start()), name
            assert "<img" in text[output:m.start()], name


# --------------------------------------------------------------------------- in Chromium


@dataclass
class Visit:
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def offline_context(browser, outside: list[str]):
    """A browser context in which every request that leaves localhost is blocked (and
    recorded in ``outside``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r):
        url = r.request.url
        if urllib.parse.urlsplit(url).hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    return context


def open_page(context, url: str, visit: Visit):
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
    page.goto(url, wait_until="load")
    page.wait_for_function("() => window.MathJax === undefined || "
                           "(window.MathJax.startup && window.MathJax.startup.promise)")
    page.evaluate("() => window.MathJax ? MathJax.startup.promise.then(() => true) : true")
    return page


IMAGES_JS = """() => Array.from(document.images).map(img => ({
    src: img.getAttribute('src').slice(0, 80), alt: img.getAttribute('alt'),
    width: img.naturalWidth,
    section: img.closest('section')?.querySelector('h1, h2, h3')?.textContent
        .replace(/#$/, '').trim()}))"""
HEADINGS_JS = """() => Array.from(document.querySelectorAll(
    'article h1, article h2, article h3, article h4, article h5, article h6'))
    .map(h => Number(h.tagName[1]))"""
AXE_JS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""


@pytest.fixture(scope="module")
def visits(site, server, browser) -> dict[str, Visit]:
    """Every page of the site, visited once."""
    results: dict[str, Visit] = {}
    outside: list[str] = []
    context = offline_context(browser, outside)
    for path in pages(site):
        visit = results[path] = Visit()
        page = open_page(context, f"{server}/{path}", visit)
        visit.images = page.evaluate(IMAGES_JS)
        visit.headings = page.evaluate(HEADINGS_JS)
        page.add_script_tag(path=str(AXE))
        visit.violations = page.evaluate(AXE_JS)
        visit.outside_requests, outside[:] = list(outside), []
        page.close()
    context.close()
    return results


def _described(image: dict) -> bool:
    alt = (image["alt"] or "").strip()
    return bool(alt) and not re.search(r"\.(png|jpe?g|svg|gif)$", alt) \
        and alt not in image["src"]


@pytest.mark.browser
@pytest.mark.parametrize("check", ["console errors", "outside requests"])
def test_every_page_loads_cleanly_offline(visits, check):
    attribute = check.replace(" ", "_")
    failures = {p: getattr(v, attribute) for p, v in visits.items() if getattr(v, attribute)}
    assert not failures, "\n".join(f"{p}: {f}" for p, f in failures.items())


@pytest.mark.browser
def test_every_image_has_loaded(visits):
    assert len(visits) >= len(NOTEBOOKS) + 4
    failures = [f"{p}: {i['src']}" for p, v in visits.items() for i in v.images
                if i["width"] == 0]
    assert not failures, "\n".join(failures)


@pytest.mark.browser
def test_every_image_has_alt_text(visits):
    missing = [f"{path}: {image['src'][:40]}... in section {image['section']!r}"
               for path, visit in visits.items() for image in visit.images
               if not _described(image)]
    assert not missing, f"{len(missing)} images without alt text:\n" + "\n".join(missing)


@pytest.mark.browser
def test_headings_in_order(visits):
    failures = {}
    for path, visit in visits.items():
        levels = visit.headings
        if levels and levels[0] != 1 or any(b > a + 1 for a, b in itertools.pairwise(levels)):
            failures[path] = levels
    assert not failures, "\n".join(f"{p}: {levels}" for p, levels in failures.items())


@pytest.mark.browser
def test_axe_finds_no_serious_or_critical_violation(visits):
    failures = {p: v.violations for p, v in visits.items() if v.violations}
    assert not failures, "\n".join(
        f"{p}: {x['impact']} {x['id']} ({x['help']}) at {x['nodes']}"
        for p, found in failures.items() for x in found)


@pytest.mark.browser
def test_math_is_typeset_on_the_first_notebook(site, server, browser):
    outside, visit = [], Visit()
    context = offline_context(browser, outside)
    page = open_page(context, f"{server}/notebooks/{Path(NOTEBOOKS[0]).stem}.html", visit)
    assert page.locator("mjx-container").count() > 10
    assert page.locator("mjx-merror").count() == 0
    text = page.locator("article").inner_text()
    assert "$$" not in text and "\\begin{" not in text
    assert page.evaluate("() => MathJax.version").startswith("3.")
    context.close()
    assert not outside and not visit.console_errors


@pytest.mark.browser
def test_search_finds_glorot(site, server, browser):
    outside, visit = [], Visit()
    context = offline_context(browser, outside)
    page = open_page(context, f"{server}/search.html?q=Glorot", visit)
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=60_000)
    titles = results.all_inner_texts()
    assert any("Glorot" in t for t in titles), titles
    context.close()
    assert not outside and not visit.console_errors


@pytest.mark.browser
def test_screenshots(site, server, browser, tmp_path):
    outside, visit = [], Visit()
    context = offline_context(browser, outside)
    shots = {"introduction": "index.html",
             "first_notebook": f"notebooks/{Path(NOTEBOOKS[0]).stem}.html",
             "api": "api/initlib.html"}
    for name, path in shots.items():
        page = open_page(context, f"{server}/{path}", visit)
        page.screenshot(path=tmp_path / f"{name}.png")
        page.close()
    context.close()
    for name in shots:
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name


# --------------------------------------------------------------------------- the workflows


def actionlint() -> str | None:
    here = Path(sys.executable).parent / "actionlint"
    return str(here) if here.exists() else shutil.which("actionlint")


@pytest.mark.skipif(actionlint() is None, reason="actionlint is not installed")
def test_workflows_pass_actionlint():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, "no workflow in .github/workflows"
    result = subprocess.run([actionlint(), "-no-color", *map(str, workflows)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
