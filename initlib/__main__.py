"""List the notebooks of the initlib collection, in reading order, and where to open them.

Run ``python -m initlib``. From a checkout (or an editable install) it shows each
notebook's path on this machine; from an installed package, where the notebooks are not
on disk, its address on GitHub and a link that opens it in Google Colab. ``--online``
shows the links in either case; ``--hub URL`` adds the nbgitpuller link that puts the
collection on that JupyterHub.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from . import __version__
from .course.catalogue import (
    NOTEBOOKS,
    binder_url,
    colab_url,
    github_url,
    local_notebooks,
    nbgitpuller_url,
    repository_url,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m initlib",
        description="List the notebooks of the initlib collection in reading order, each "
                    "with its title, a one-line summary and where to open it: the local "
                    "path in a checkout, otherwise its GitHub and Colab links; then the "
                    "command that opens the collection.",
        epilog="examples:\n"
               "  python -m initlib                      # the notebooks on this machine\n"
               "  python -m initlib --online             # their GitHub and Colab links\n"
               "  python -m initlib --hub https://hub.example.edu\n"
               "                                         # the link for your JupyterHub",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--online", action="store_true",
                        help="show the GitHub and Colab links even where the notebooks are "
                             "on disk (default: local paths in a checkout)")
    parser.add_argument("--hub", metavar="URL",
                        help="also print the nbgitpuller link that opens the collection on "
                             "the JupyterHub at URL, for example https://hub.example.edu "
                             "(default: none)")
    args = parser.parse_args(argv)

    folder = None if args.online else local_notebooks()
    try:
        repo = repository_url()
    except LookupError:
        repo = None
        if folder is None:
            parser.error("the notebooks are not on disk and the package metadata names no "
                         "repository")

    print(f"initlib {__version__}: weight initialization for fully connected layers, "
          f"{len(NOTEBOOKS)} notebooks (read them in order)")
    if repo:
        print(f"repository: {repo}")
    print()
    for nb in NOTEBOOKS:
        print(f"{nb.number}  {nb.title}")
        print(f"    {nb.summary}")
        if folder is not None:
            print(f"    {folder / nb.name}")
        else:
            print(f"    GitHub: {github_url(repo, nb.name)}")
            colab = colab_url(repo, nb.name)
            if colab:
                print(f"    Colab:  {colab}")
    print()
    if folder is not None:
        # the interpreter running now, so the command works without activating anything
        root = folder.parent
        command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
                   str(folder / NOTEBOOKS[0].name)]
        print(f"Open the collection: {shlex.join(command)}")
    elif binder_url(repo):
        print(f"Open the collection on mybinder.org: {binder_url(repo)}")
    if args.hub:
        if repo is None:
            parser.error("--hub needs the repository address")
        print(f"On the JupyterHub {args.hub}: {nbgitpuller_url(repo, args.hub)}")
    return 0


def _run() -> int:
    """``main``, quiet when the reader closes the pipe early (``| head``)."""
    try:
        status = main()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python's documented recipe: point stdout at devnull so that the interpreter's
        # own flush at exit does not raise a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(_run())
