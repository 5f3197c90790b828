"""Figures: the notebooks' Matplotlib plots and the interactive explorer.

* :mod:`~initlib.viz.plotting`: weight histograms with their exact density, depth
  profiles with mean-field overlays, learning curves, heat maps, the phase diagram;
* :mod:`~initlib.viz.explorer`: :class:`Explorer`, the ipywidgets explorer of
  activations and gradients through a deep network.
"""

from .explorer import Explorer

__all__ = ["Explorer"]
