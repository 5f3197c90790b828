"""Figures: the notebooks' Matplotlib plots and the interactive explorer.

* :mod:`~initlib.viz.plotting`: weight histograms with their exact density, depth
  profiles with mean-field overlays, learning curves, heat maps, the phase diagram;
* :mod:`~initlib.viz.explorer`: :class:`Explorer`, the ipywidgets explorer of
  activations and gradients through a deep network;
* :mod:`~initlib.viz.figures`: :func:`show`, a figure displayed with its alt text (in
  place of ``plt.show()``), so that every reader gets a description of it.
"""

from .explorer import Explorer
from .figures import show

__all__ = ["Explorer", "show"]
