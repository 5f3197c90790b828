"""Write the launch points of the collection from the one repository address in
pyproject.toml (``[project.urls] Repository``).

In each notebook (default: every notebook in notebooks/):

* an "Open in Colab" badge on the first line of the first markdown cell;
* as the first code cell, a cell that installs initlib from the repository when the
  notebook runs on Google Colab, and does nothing (and prints nothing) anywhere else.
  Colab already has TensorFlow and ipywidgets, so no extras are installed.

In README.md: the Binder and Colab badges (between ``<!-- badges -->`` and
``<!-- /badges -->``) and the nbgitpuller link (between ``<!-- nbgitpuller -->`` and
``<!-- /nbgitpuller -->``).

The badge and the cell are recognised by their markers, so a rerun changes nothing, and a
changed address is written everywhere. A rewritten install cell keeps its execution count
and (empty) outputs; a newly inserted one needs the notebook re-executed.

    python .ci/colab.py                    # update every notebook and the README
    python .ci/colab.py notebooks/01_theory.ipynb notebooks/02_zero_mean_normal.ipynb
    python .ci/colab.py --check            # report only; exit 1 if anything is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from initlib.course.catalogue import (  # noqa: E402
    BINDER_BADGE,
    COLAB_BADGE,
    binder_url,
    colab_url,
    nbgitpuller_url,
    repository_url,
)

CELL_MARKER = "# Colab: install initlib (does nothing elsewhere)"
CELL_ID = "colab-install"
BADGE_PREFIX = "[![Open In Colab]("
HUB_PLACEHOLDER = "https://<hub>"


def install_cell_source(repo_url: str) -> str:
    return (
        f"{CELL_MARKER}\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        "    subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "-q", "initlib @ git+{repo_url}"],\n'
        "        check=True,\n"
        "    )"
    )


def colab_badge(repo_url: str, name: str) -> str:
    return f"[![Open In Colab]({COLAB_BADGE})]({colab_url(repo_url, name)})"


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _is_install_cell(cell: dict) -> bool:
    return cell["cell_type"] == "code" and _source(cell).lstrip().startswith(CELL_MARKER)


def update_notebook(nb: dict, repo_url: str, name: str) -> bool:
    """Put the badge and the install cell into ``nb`` (in place); True if it changed."""
    before = json.dumps(nb, sort_keys=True)
    cells = nb["cells"]

    first_md = next((c for c in cells if c["cell_type"] == "markdown"), None)
    if first_md is None:
        raise ValueError(f"{name}: no markdown cell to carry the Colab badge")
    lines = _source(first_md).splitlines(keepends=True)
    body = "".join(ln for ln in lines if not ln.startswith(BADGE_PREFIX)).lstrip("\n")
    first_md["source"] = _lines(f"{colab_badge(repo_url, name)}\n\n{body}")

    existing = [c for c in cells if _is_install_cell(c)]
    rest = [c for c in cells if not _is_install_cell(c)]
    if existing:
        cell = existing[0]
    else:
        cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                "source": []}
        if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):
            ids = {c.get("id") for c in rest}
            cell["id"] = next(i for i in (CELL_ID, *(f"{CELL_ID}-{k}" for k in range(1, 99)))
                              if i not in ids)
    cell["source"] = _lines(install_cell_source(repo_url))
    first_code = next((i for i, c in enumerate(rest) if c["cell_type"] == "code"), len(rest))
    nb["cells"] = rest[:first_code] + [cell] + rest[first_code:]
    return json.dumps(nb, sort_keys=True) != before


def _replace_block(text: str, tag: str, content: str) -> str | None:
    """Replace what lies between ``<!-- tag -->`` and ``<!-- /tag -->``; None if absent."""
    pattern = re.compile(rf"<!-- {tag} -->\n.*?<!-- /{tag} -->", flags=re.S)
    if not pattern.search(text):
        return None
    return pattern.sub(lambda _: f"<!-- {tag} -->\n{content}\n<!-- /{tag} -->", text, count=1)


def update_readme(text: str, repo_url: str, first: str = "01_theory.ipynb") -> str:
    """README.md with the badges (inserted under the title if missing) and the
    nbgitpuller link (where its markers are)."""
    badges = (f"[![Launch Binder]({BINDER_BADGE})]({binder_url(repo_url, first)})\n"
              f"{colab_badge(repo_url, first)}")
    new = _replace_block(text, "badges", badges)
    if new is None:
        title, _, rest = text.partition("\n")
        new = f"{title}\n\n<!-- badges -->\n{badges}\n<!-- /badges -->\n{rest}"
    puller = f"```text\n{nbgitpuller_url(repo_url, HUB_PLACEHOLDER, first)}\n```"
    return _replace_block(new, "nbgitpuller", puller) or new


def dump_notebook(nb: dict) -> str:
    """The notebook as Jupyter writes it (so unchanged notebooks stay byte-identical)."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def run(notebooks: list[Path], root: Path, check: bool) -> list[Path]:
    """Update (or with ``check``, only inspect) the notebooks and root/README.md; returns
    the files that changed (or are stale)."""
    repo_url = repository_url(root / "pyproject.toml")
    stale = []
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if update_notebook(nb, repo_url, path.name):
            stale.append(path)
            if not check:
                path.write_text(dump_notebook(nb), encoding="utf-8")
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = update_readme(text, repo_url)
    if new != text:
        stale.append(readme)
        if not check:
            readme.write_text(new, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the Colab badge and install cell into the notebooks, and the "
                    "Binder/Colab badges and nbgitpuller link into README.md, from the "
                    "repository address in pyproject.toml.")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to update (default: every notebook in notebooks/)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; list what is stale and exit 1 if anything is")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="repository root holding pyproject.toml, README.md and "
                             "notebooks/ (default: this checkout)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((args.root / "notebooks").glob("*.ipynb"))
    stale = run(notebooks, args.root, args.check)
    for path in stale:
        shown = path.resolve().relative_to(args.root.resolve()) if path.resolve().is_relative_to(
            args.root.resolve()) else path
        print(f"{'stale' if args.check else 'updated'}: {shown}")
    total = len(notebooks) + 1
    print(f"{len(stale)} of {total} files {'stale' if args.check else 'changed'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
