"""Where the notebooks are and how to open them: the catalogue of the collection and the
links derived from the one repository address in ``pyproject.toml``.

``python -m initlib`` prints the catalogue (see :mod:`initlib.__main__`).

The repository address is ``[project.urls] Repository`` in ``pyproject.toml``. From a
checkout (or an editable install) it is read from that file; from an installed package,
from the package metadata (``Project-URL``), which pip writes from the same table.
"""

from __future__ import annotations

import importlib.metadata
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

BRANCH = "main"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"

#: The checkout this package was imported from, if it was (``pyproject.toml`` next to it).
CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Notebook:
    """One notebook of the collection: file name (in ``notebooks/``), title, summary.

    Examples
    --------
    >>> NOTEBOOKS[0].number, NOTEBOOKS[0].name
    ('01', '01_theory.ipynb')
    """

    name: str
    title: str
    summary: str

    @property
    def number(self) -> str:
        return self.name[:2]


#: The collection in reading order. Titles are the notebooks' own headings, summaries the
#: README's table; the test suite checks both, and that every notebook is listed.
NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook("01_theory.ipynb", "Why initialization matters",
             "symmetry breaking, variance through a layer, deriving LeCun, Glorot and He, "
             "which strategy for which activation, measured through many layers"),
    Notebook("02_zero_mean_normal.ipynb", "Zero-mean normal (均值为0的随机初始化)",
             "a fixed std is right for one width only; where it vanishes or explodes"),
    Notebook("03_small_uniform.ipynb", "Small-range uniform (均值为0的小范围随机初始化)",
             "small weights cause vanishing signals and tiny gradients; "
             "the overfitting claim tested"),
    Notebook("04_large_uniform.ipynb", "Large-range uniform (均值为0的大范围随机初始化)",
             'explosion and tanh saturation; the "better performance" and "more compute" '
             "claims tested"),
    Notebook("05_nonzero_mean_normal.ipynb", "Non-zero-mean normal (均值不等于0的随机初始化)",
             'a weight mean becomes a growing common offset; the "faster training" claim tested'),
    Notebook("06_xavier_glorot.ipynb", "Xavier/Glorot (Xavier/Glorot 初始化)",
             "the forward/backward compromise; Glorot & Bengio's figures 6–7 reproduced; "
             "why it fails for ReLU"),
    Notebook("07_he_kaiming.ipynb", "He/Kaiming (He/Kaiming 初始化)",
             "the factor 2 for ReLU, 100-layer networks, fan_in vs fan_out, "
             "the PyTorch layout trap"),
    Notebook("08_keras_training.ipynb",
             "Training comparison in Keras: does the initialization decide whether a deep "
             "network learns?",
             "nine initializations' gradients through 30 layers before training; He "
             "against Glorot trained at depth 30 over five seeds; He et al.'s figure 3 "
             "at small scale; longer grids from the command line"),
    Notebook("09_faq.ipynb",
             "FAQ: the article's questions, answered with measurements",
             "the article's four questions, then truncated normals, PyTorch's layout and "
             "defaults, biases, batch norm, the weight-scale window, zero init; which of "
             "the article's claims held"),
    Notebook("10_beyond.ipynb",
             "Beyond the article: self-normalization, dynamical isometry, LSUV and the edge "
             "of chaos",
             "LeCun normal with SELU, orthogonal layers in deep linear networks, LSUV, "
             "the order-to-chaos phase diagram measured; Fixup, MetaInit, GradInit"),
)


def _urls_from_pyproject(path: Path) -> dict[str, str] | None:
    try:
        import tomllib
    except ImportError:  # Python 3.10: tomli if present, else the installed metadata
        try:
            import tomli as tomllib
        except ImportError:
            return None
    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        return None
    if project.get("name") != "initlib":
        return None
    return dict(project.get("urls", {}))


def _urls_from_metadata() -> dict[str, str]:
    try:
        entries = importlib.metadata.metadata("initlib").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    return dict(tuple(part.strip() for part in e.split(",", 1)) for e in entries if "," in e)


def project_urls(pyproject: Path | None = None) -> dict[str, str]:
    """``[project.urls]``: from ``pyproject`` (default: the checkout's, if there is one),
    otherwise from the installed package's metadata.

    Examples
    --------
    >>> sorted(project_urls())[:2]
    ['Documentation', 'Homepage']
    """
    urls = _urls_from_pyproject(pyproject or CHECKOUT / "pyproject.toml")
    return urls if urls is not None else _urls_from_metadata()


def repository_url(pyproject: Path | None = None) -> str:
    """The repository address, ``https://github.com/<owner>/<repo>``.

    Examples
    --------
    >>> repository_url().startswith("https://")
    True
    """
    url = project_urls(pyproject).get("Repository")
    if not url:
        raise LookupError("no [project.urls] Repository in pyproject.toml or the package "
                          "metadata")
    return url.rstrip("/").removesuffix(".git")


def github_slug(repo_url: str) -> str | None:
    """``owner/repo`` for a GitHub address, else None (Colab and Binder need GitHub).

    Examples
    --------
    >>> github_slug("https://github.com/initlib/initlib"), github_slug("https://example.org/x")
    ('initlib/initlib', None)
    """
    m = re.fullmatch(r"https?://(?:www\.)?github\.com/([^/\s]+)/([^/\s]+?)(?:\.git)?/?",
                     repo_url)
    return f"{m[1]}/{m[2]}" if m else None


def github_url(repo_url: str, name: str) -> str:
    """The notebook ``name`` (in ``notebooks/``) on GitHub.

    Examples
    --------
    >>> github_url("https://github.com/initlib/initlib", "01_theory.ipynb")
    'https://github.com/initlib/initlib/blob/main/notebooks/01_theory.ipynb'
    """
    return f"{repo_url}/blob/{BRANCH}/notebooks/{name}"


def colab_url(repo_url: str, name: str) -> str | None:
    """The notebook ``name`` opened in Google Colab (None unless hosted on GitHub).

    Examples
    --------
    >>> colab_url("https://github.com/initlib/initlib", "01_theory.ipynb")
    'https://colab.research.google.com/github/initlib/initlib/blob/main/notebooks/01_theory.ipynb'
    """
    slug = github_slug(repo_url)
    if slug is None:
        return None
    return f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/notebooks/{name}"


def binder_url(repo_url: str, name: str = NOTEBOOKS[0].name) -> str | None:
    """mybinder.org building the repository and opening JupyterLab on notebook ``name``.

    Examples
    --------
    >>> binder_url("https://github.com/initlib/initlib")
    'https://mybinder.org/v2/gh/initlib/initlib/HEAD?urlpath=lab/tree/notebooks/01_theory.ipynb'
    """
    slug = github_slug(repo_url)
    if slug is None:
        return None
    return f"https://mybinder.org/v2/gh/{slug}/HEAD?urlpath=lab/tree/notebooks/{name}"


def nbgitpuller_url(repo_url: str, hub: str, name: str = NOTEBOOKS[0].name) -> str:
    """A JupyterHub link that clones (or updates) the repository into the user's home
    with nbgitpuller and opens JupyterLab on notebook ``name``.

    Examples
    --------
    >>> nbgitpuller_url("https://github.com/initlib/initlib", "https://hub.example.edu")[:47]
    'https://hub.example.edu/hub/user-redirect/git-p'
    """
    folder = repo_url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    repo = urllib.parse.quote(repo_url, safe="")
    return (f"{hub.rstrip('/')}/hub/user-redirect/git-pull?repo={repo}"
            f"&urlpath=lab/tree/{folder}/notebooks/{name}&branch={BRANCH}")


def local_notebooks() -> Path | None:
    """The ``notebooks/`` folder of the checkout this package runs from, if present.

    Examples
    --------
    >>> folder = local_notebooks()      # None where the package is installed without them
    >>> folder is None or (folder / "01_theory.ipynb").exists()
    True
    """
    folder = CHECKOUT / "notebooks"
    return folder if (folder / NOTEBOOKS[0].name).is_file() else None
