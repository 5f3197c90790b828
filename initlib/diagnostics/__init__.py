"""Signals through deep dense networks: measured, predicted by mean-field theory, and
in deep linear networks.

* :mod:`~initlib.diagnostics.propagation`: :func:`propagate` measures activations and
  gradients layer by layer; :func:`failure_layer` finds where they run away.
* :mod:`~initlib.diagnostics.meanfield`: :func:`mean_field`, :func:`predict` and
  :func:`phase_diagram`, the infinite-width theory, with exact Gaussian expectations
  (:func:`gauss_expectation`).
* :mod:`~initlib.diagnostics.linear`: Jacobian singular values and training of deep
  linear networks (dynamical isometry).
* :mod:`~initlib.diagnostics.correlation`: :func:`unit_correlation`, how alike a layer's
  units are (their mean correlation across a batch; ``Propagation.unit_corr`` per layer).

>>> from initlib import diagnostics as D
>>> p = D.propagate("glorot_normal", "tanh", depth=10, width=512, seed=0)
>>> mf = D.predict("glorot_normal", "tanh", depth=10, width=512)
>>> bool(abs(p.preact_std[-1] / mf.q[-1] ** 0.5 - 1) < 0.1)
True
"""

from ..activations import ACTIVATIONS, SATURATION_THRESHOLD
from .correlation import unit_correlation
from .linear import LinearRun, jacobian_singular_values, train_deep_linear
from .meanfield import (
    MeanField,
    PhaseDiagram,
    gauss_expectation,
    mean_field,
    phase_diagram,
    predict,
)
from .propagation import PER_LAYER, Propagation, failure_layer, propagate

__all__ = [
    "ACTIVATIONS", "PER_LAYER", "SATURATION_THRESHOLD", "LinearRun", "MeanField",
    "PhaseDiagram", "Propagation", "failure_layer", "gauss_expectation",
    "jacobian_singular_values", "mean_field", "phase_diagram", "predict", "propagate",
    "train_deep_linear", "unit_correlation",
]
