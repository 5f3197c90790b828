"""Training: data sets, the Keras 3 adapter, LSUV, a NumPy MLP and the Keras experiments.

* :mod:`~initlib.training.data`: scikit-learn's digits (offline) and Fashion-MNIST;
* :mod:`~initlib.training.keras`: any strategy as a Keras initializer; LSUV for Keras;
* :mod:`~initlib.training.lsuv`: LSUV in NumPy;
* :mod:`~initlib.training.mlp`: a minimal NumPy MLP trained by gradient descent;
* :mod:`~initlib.training.experiment`: reproducible Keras training sweeps.

Importing this package imports nothing heavy: Keras and TensorFlow load only with the
modules that need them.
"""
