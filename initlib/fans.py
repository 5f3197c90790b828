"""Fan computation and activation gains.

Conventions
-----------
``layout="keras"`` (Keras, JAX/Flax, this library's default):
    dense kernel ``(fan_in, fan_out)``, convolution kernel ``(*kernel_size, in, out)``.
``layout="torch"`` (PyTorch ``weight`` tensors):
    dense weight ``(fan_out, fan_in)``, convolution weight ``(out, in, *kernel_size)``.

For a convolution both fans are multiplied by the receptive-field size (the product of
the kernel's spatial dimensions), as in Keras and PyTorch.
"""

from __future__ import annotations

import math

from ._checks import _is_int, check_choice, check_real, check_shape

LAYOUTS = ("keras", "torch")


def compute_fans(shape, layout: str = "keras", *, fan_in=None, fan_out=None) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight tensor of the given shape.

    Parameters
    ----------
    shape : sequence of int
        Weight shape in ``layout`` (see the module docstring).
    layout : {"keras", "torch"}
        Axis convention. A 1-D shape gives ``(n, n)`` in Keras layout (as Keras does)
        and raises in torch layout (as PyTorch does); a 0-D shape gives ``(1, 1)`` in
        Keras layout.
    fan_in, fan_out : int, optional
        Explicit values that override the computed ones, for kernels whose fans are not
        read off the shape (transposed or depthwise convolutions, attention kernels).

    Returns
    -------
    (int, int)
        Python ints, never NumPy scalars (no int32 overflow on large shapes).

    Raises
    ------
    TypeError, ValueError
        Bad ``shape``, unknown ``layout``, a torch-layout shape of rank < 2, or an
        override that is not a positive integer.

    Source: Keras ``_compute_fans``; PyTorch ``_calculate_fan_in_and_fan_out``.
    """
    shape = check_shape(shape)
    check_choice(layout, "layout", LAYOUTS)
    if layout == "keras":
        if len(shape) == 0:
            fans = (1, 1)
        elif len(shape) == 1:
            fans = (shape[0], shape[0])
        else:
            receptive = math.prod(shape[:-2])
            fans = (shape[-2] * receptive, shape[-1] * receptive)
    else:
        if len(shape) < 2:
            raise ValueError("layout='torch' needs a weight of rank >= 2 (out, in, *kernel); "
                             f"got shape {shape}")
        receptive = math.prod(shape[2:])
        fans = (shape[1] * receptive, shape[0] * receptive)
    return (_override(fan_in, "fan_in", fans[0]), _override(fan_out, "fan_out", fans[1]))


def _override(value, name, computed):
    if value is None:
        return computed
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    return int(value)


NONLINEARITIES = ("linear", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """Recommended gain (a multiplier on the weight std) for a nonlinearity.

    ============  =======================
    nonlinearity  gain
    ============  =======================
    linear        1
    sigmoid       1
    tanh          5/3
    relu          sqrt(2)
    leaky_relu    sqrt(2 / (1 + slope^2)), ``param`` = slope, default 0.01
    selu          3/4
    ============  =======================

    ``param`` is only meaningful for ``leaky_relu``; a bool is rejected (it would read
    as slope 1 or 0). Raises ``ValueError`` for unknown names or a bad ``param``.

    Source: PyTorch ``torch.nn.init.calculate_gain``; the ReLU value follows He et al.
    (2015), the tanh and SELU values are empirical choices of that library.
    """
    check_choice(nonlinearity, "nonlinearity", NONLINEARITIES)
    if param is not None and isinstance(param, bool):
        raise ValueError(f"param must be a number (the leaky_relu slope), got {param!r}")
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 0.75
    slope = 0.01 if param is None else _slope(param)
    return math.sqrt(2.0 / (1.0 + slope**2))


def _slope(param):
    try:
        return check_real(param, "param")
    except TypeError as err:
        raise ValueError(str(err)) from err
