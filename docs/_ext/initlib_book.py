"""How the book reads the stored notebooks (nothing is re-executed, no file is changed).

myst-nb calls :func:`read_notebook` for every ``.ipynb`` (``nb_custom_formats`` in
``conf.py``). It adapts the notebook, in memory, to a static web page:

- citation links ``[Glorot & Bengio (2010)](cite:glorot2010)`` become sphinxcontrib-bibtex
  roles (``{cite:t}``; ``citep:`` gives ``{cite:p}``), so the book links them to the one
  bibliography; JupyterLab shows the same link text as plain text;
- badge-only lines (``[![Open In Colab](...)](...)``) are dropped: every page has launch
  buttons, and the badges are pictures from other hosts;
- relative links that leave the book (``../README.md``) point to the repository;
- cells whose source is collapsed in JupyterLab (``jupyter.source_hidden``) get the
  ``hide-input`` tag, so the book collapses them too;
- a widget output (``application/vnd.jupyter.widget-view+json``) shows the static picture
  stored with it, followed by a line saying how to run it live; the widget's JavaScript
  would need a kernel and a CDN.

A picture carries alt text when the notebook stored it as an HTML ``<img alt="...">``
(``initlib.viz.show(fig, alt=...)``), or as ``metadata["image/png"]["alt"]`` of its
output; :func:`image_html` turns the latter into the former.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import nbformat
import sphinxcontrib.bibtex.plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

#: The line added under the static picture of a widget.
WIDGET_NOTE = (
    "*This is a picture of an interactive widget at the settings in the cell above. "
    "To move its controls, run the notebook: the launch button (rocket icon) at the top "
    "of this page opens it on Binder, Colab or a JupyterHub; or open it in JupyterLab "
    "on your computer.*"
)

CITE_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<kind>cite|citep):(?P<keys>[^)\s]+)\)")
BADGE = r"\[!\[[^\]]*\]\([^)\s]*\)\]\([^)\s]*\)"
BADGE_LINE = re.compile(rf"^[ \t]*{BADGE}(?:[ \t]*{BADGE})*[ \t]*\n?", re.MULTILINE)
OUTSIDE_LINK = re.compile(r"\]\(\.\./(?P<path>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")


def cite_roles(source: str) -> str:
    """``[text](cite:key)`` -> ``{cite:t}`key```; ``[text](citep:a,b)`` ->
    ``{cite:p}`a,b```."""
    def role(m: re.Match) -> str:
        kind = "t" if m["kind"] == "cite" else "p"
        return f"{{cite:{kind}}}`{m['keys']}`"
    return CITE_LINK.sub(role, source)


def outside_links(source: str, repo_url: str, branch: str) -> str:
    """Relative links out of the notebooks' folder point to the repository instead."""
    def link(m: re.Match) -> str:
        return f"]({repo_url}/blob/{branch}/{m['path']}{m['anchor'] or ''})"
    return OUTSIDE_LINK.sub(link, source)


def image_html(png_b64: str, alt: str) -> str:
    """An ``<img>`` with the PNG inline and its alt text (what JupyterLab renders too)."""
    data = "".join(png_b64.split())
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}">'


def _alt_from_metadata(output: dict[str, Any]) -> str | None:
    meta = output.get("metadata", {}).get("image/png", {})
    alt = meta.get("alt") if isinstance(meta, dict) else None
    return alt if isinstance(alt, str) and alt.strip() else None


def _static_output(output: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    data = output.get("data", {})
    if WIDGET_MIME in data:
        data.pop(WIDGET_MIME)
        out = [output]
        if "image/png" in data or "text/html" in data:
            out.append(nbformat.v4.new_output(
                "display_data", data={"text/markdown": WIDGET_NOTE}))
    else:
        out = [output]
    alt = _alt_from_metadata(output)
    if alt and "image/png" in data and "text/html" not in data:
        data["text/html"] = image_html(data.pop("image/png"), alt)
    return out


def adapt(nb: nbformat.NotebookNode, *, repo_url: str,
          branch: str = "main") -> nbformat.NotebookNode:
    """The notebook as the book shows it (see the module docstring)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            src = BADGE_LINE.sub("", cell.source)
            src = cite_roles(src)
            cell.source = outside_links(src, repo_url, branch)
        elif cell.cell_type == "code":
            tags = cell.metadata.setdefault("tags", [])
            jupyter = cell.metadata.get("jupyter", {})
            if jupyter.get("source_hidden") and "hide-input" not in tags:
                tags.append("hide-input")
            if jupyter.get("outputs_hidden") and "hide-output" not in tags:
                tags.append("hide-output")
            outputs = []
            for output in cell.get("outputs", []):
                outputs.extend(_static_output(output)
                               if output.output_type in ("display_data", "execute_result")
                               else [output])
            cell.outputs = outputs
    return nb


def read_notebook(text: str, **options: str) -> nbformat.NotebookNode:
    """myst-nb reader: the stored notebook, adapted by :func:`adapt`."""
    return adapt(nbformat.reads(text, as_version=4), **options)


def _round_brackets() -> BracketStyle:
    return BracketStyle(left="(", right=")", sep="; ")


@dataclass
class RoundAuthorYear(AuthorYearReferenceStyle):
    """Author-year citations in round brackets: "Glorot and Bengio (2010)",
    "(Glorot and Bengio, 2010; He et al., 2015)"."""

    bracket_parenthetical: BracketStyle = field(default_factory=_round_brackets)
    bracket_textual: BracketStyle = field(default_factory=_round_brackets)
    bracket_author: BracketStyle = field(default_factory=_round_brackets)
    bracket_label: BracketStyle = field(default_factory=_round_brackets)
    bracket_year: BracketStyle = field(default_factory=_round_brackets)


sphinxcontrib.bibtex.plugin.register_plugin(
    "sphinxcontrib.bibtex.style.referencing", "author_year_round", RoundAuthorYear)


def setup(app):
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
