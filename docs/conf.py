"""Sphinx configuration of the book (Jupyter Book 1 style: myst-nb + sphinx-book-theme).

Build it with ``python docs/build.py``, which lays out the sources (this folder's pages and
the notebooks) in ``build/book/src`` and runs Sphinx with this file. Nothing is executed:
the pages show the outputs stored in the notebooks.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))


def _project_urls() -> dict[str, str]:
    """``[project.urls]`` of pyproject.toml: the one place the repository address lives."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        table = re.search(r"^\[project\.urls\]\n(.*?)(?:^\[|\Z)", text, re.M | re.S)
        pairs = re.findall(r'^(\w[\w-]*)\s*=\s*"([^"]*)"', table[1] if table else "", re.M)
        return dict(pairs)
    return tomllib.loads(text)["project"].get("urls", {})


REPOSITORY = _project_urls()["Repository"].rstrip("/").removesuffix(".git")
BRANCH = "main"
#: The JupyterHub the launch button opens notebooks on (nbgitpuller); ``build.py --hub``.
JUPYTERHUB = (os.environ.get("INITLIB_BOOK_HUB") or "https://hub.example.edu").rstrip("/")

project = "initlib"
author = "the initlib authors"
copyright = "the initlib authors, MIT licence"
html_title = "Weight initialization, measured"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinxcontrib.bibtex",
    "initlib_book",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "api/.*"]
templates_path = [str(DOCS / "_templates")]
suppress_warnings = ["mystnb.unknown_mime_type"]

# Notebooks: the stored outputs, read through initlib_book.read_notebook.
nb_execution_mode = "off"
nb_custom_formats = {".ipynb": ["initlib_book.read_notebook",
                                {"repo_url": REPOSITORY, "branch": BRANCH}]}
nb_ipywidgets_js = {}  # widgets are shown as their stored picture (no CDN, no kernel)
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# Math: MathJax 3 served by the site itself (build.py copies the npm package there).
mathjax_path = "mathjax/tex-mml-chtml.js"

# Bibliography: one BibTeX file for every page.
bibtex_bibfiles = [str(DOCS / "references.bib")]
bibtex_reference_style = "author_year_round"  # initlib_book.RoundAuthorYear
bibtex_default_style = "plain"

# API reference, generated from the docstrings (numpydoc style).
autosummary_generate = True
autosummary_imported_members = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

html_theme = "sphinx_book_theme"
html_static_path = [str(DOCS / "_static")]
html_css_files = ["book.css"]
html_js_files = ["book.js"]
html_context = {"default_mode": "light"}  # the figures are drawn on white
html_last_updated_fmt = None
html_copy_source = True
html_show_sourcelink = False
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": BRANCH,
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "launch_buttons": {
        "notebook_interface": "jupyterlab",
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "jupyterhub_url": JUPYTERHUB,
    },
}
