"""Build the book: the stored, executed notebooks as a static web site (nothing re-runs).

    python docs/build.py                 # -> build/book/html/index.html
    python docs/build.py --out DIR --hub https://hub.example.org

Steps: install the book's npm packages (MathJax, axe-core) from ``docs/package-lock.json``
if ``docs/node_modules`` lacks them (the only network access; ``--offline`` forbids it);
lay out the sources in ``OUT/src`` (this folder's pages, ``notebooks/*.ipynb`` and the
glossary); run Sphinx with ``docs/conf.py`` into ``OUT/html``; copy MathJax into the
site's ``_static/mathjax``, so that math renders with no network. Rebuilding after a change
re-reads only the changed pages, and does nothing when no source changed. Sphinx's
warnings go to ``OUT/warnings.txt``.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
PAGES = ("index.md", "api.md", "bibliography.md")
NODE_MODULES = DOCS / "node_modules"
MATHJAX = NODE_MODULES / "mathjax" / "es5"
#: What the site needs of MathJax 3: the TeX/MathML-to-HTML component, the extensions and
#: fonts it loads on demand, its menu and the accessibility tools (speech, explorer).
MATHJAX_PARTS = ("tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "sre",
                 "adaptors")
#: Lines TensorFlow's C++ runtime prints when the API reference imports the Keras adapter.
TF_NOISE = ("absl::InitializeLog", "cudart_stub.cc", "cuda_", "TF-TRT", "oneDNN",
            "computation placer", "rebuild TensorFlow")


def npm_packages(offline: bool) -> None:
    """MathJax and axe-core in docs/node_modules, at the versions of package-lock.json."""
    wanted = json.loads((DOCS / "package.json").read_text())["dependencies"]
    missing = [name for name, version in wanted.items()
               if _installed_version(name) != version]
    if not missing:
        return
    if offline:
        sys.exit(f"build.py: npm packages missing or outdated in {NODE_MODULES}: "
                 f"{', '.join(missing)}; run `npm ci --prefix docs` (needs the npm registry)")
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("build.py: npm is needed once to install MathJax for the book "
                 "(Debian: apt-get install npm)")
    subprocess.run([npm, "ci", "--prefix", str(DOCS), "--no-audit", "--no-fund",
                    "--loglevel=error"], check=True)


def _installed_version(name: str) -> str | None:
    try:
        return json.loads((NODE_MODULES / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _sync_file(src: Path, dst: Path) -> None:
    """Copy keeping the modification time, and only when the content changed, so that
    Sphinx re-reads only what changed."""
    if dst.exists() and filecmp.cmp(src, dst, shallow=False):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def stage(src: Path) -> list[str]:
    """Lay out the book's sources in ``src``; returns the notebooks, in reading order."""
    for page in PAGES:
        _sync_file(DOCS / page, src / page)
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    if not notebooks:
        sys.exit("build.py: no notebooks in notebooks/")
    keep = set(notebooks) | {p.name for p in (ROOT / "notebooks").glob("*.md")}
    for name in keep:
        _sync_file(ROOT / "notebooks" / name, src / "notebooks" / name)
    for stale in (src / "notebooks").iterdir():
        if stale.name not in keep:
            stale.unlink()
    return notebooks


def copy_mathjax(html: Path) -> None:
    target = html / "_static" / "mathjax"
    stamp = target / "VERSION"
    version = _installed_version("mathjax")
    if stamp.exists() and stamp.read_text() == version:
        return
    shutil.rmtree(target, ignore_errors=True)
    for part in MATHJAX_PARTS:
        source = MATHJAX / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)
    shutil.copy2(MATHJAX.parent / "LICENSE", target / "LICENSE")
    stamp.write_text(version)


def inputs_digest(hub: str | None) -> str:
    """A hash of everything the site is made from: notebooks, this folder, the library's
    sources (the API reference), pyproject.toml, the hub and the tools' versions."""
    files = [*(ROOT / "notebooks").glob("*"), ROOT / "pyproject.toml",
             *(p for p in DOCS.rglob("*") if "node_modules" not in p.parts),
             *(ROOT / "initlib").rglob("*.py")]
    digest = hashlib.sha256()
    for path in sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    tools = [importlib.metadata.version(d) for d in
             ("sphinx", "myst-nb", "sphinx-book-theme", "sphinxcontrib-bibtex")]
    digest.update(repr((hub, os.environ.get("INITLIB_BOOK_HUB"), tools)).encode())
    return digest.hexdigest()


def site_summary(html: Path) -> tuple[int, float]:
    pages = [p for p in html.rglob("*.html") if "_static" not in p.parts
             and "_sources" not in p.parts]
    size = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    return len(pages), size / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "book",
                        help="output folder (default: build/book); the site is OUT/html")
    parser.add_argument("--hub", metavar="URL",
                        help="JupyterHub that the launch button opens notebooks on "
                             "(default: $INITLIB_BOOK_HUB, else the placeholder in conf.py)")
    parser.add_argument("--offline", action="store_true",
                        help="never use the network: fail if the npm packages are missing")
    parser.add_argument("--clean", action="store_true", help="rebuild every page")
    args = parser.parse_args(argv)
    if args.hub is not None and not args.hub.startswith(("https://", "http://")):
        parser.error(f"--hub must be an http(s) address, got {args.hub!r}")

    start = time.perf_counter()
    out = args.out.resolve()
    if args.clean:
        shutil.rmtree(out, ignore_errors=True)
    npm_packages(args.offline)
    stamp, digest = out / "inputs.sha256", inputs_digest(args.hub)
    if stamp.exists() and stamp.read_text() == digest and (out / "html" / "index.html").exists():
        print(f"book: {out / 'html' / 'index.html'} is up to date")
        return 0
    stamp.unlink(missing_ok=True)
    notebooks = stage(out / "src")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    if args.hub:
        env["INITLIB_BOOK_HUB"] = args.hub
    warnings = out / "warnings.txt"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "auto",
           "-c", str(DOCS), "-d", str(out / "doctrees"), "-w", str(warnings),
           str(out / "src"), str(out / "html")]
    result = subprocess.run(cmd, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    for line in result.stderr.splitlines():  # Sphinx's messages, without TensorFlow's
        if not any(noise in line for noise in TF_NOISE):
            print(line, file=sys.stderr)
    if result.returncode != 0:
        print(f"build.py: Sphinx failed (exit {result.returncode}); see {warnings}",
              file=sys.stderr)
        return result.returncode
    copy_mathjax(out / "html")
    stamp.write_text(digest)
    pages, size = site_summary(out / "html")
    n_warnings = sum(1 for line in warnings.read_text().splitlines()
                     if "WARNING:" in line or "ERROR:" in line)
    print(f"book: {out / 'html' / 'index.html'} ({len(notebooks)} notebooks, {pages} pages, "
          f"{size:.1f} MiB, {n_warnings} Sphinx warnings in {warnings}) "
          f"in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
