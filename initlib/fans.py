"""Fans: how many inputs and outputs a weight tensor connects.

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

from ._checks import check_choice, check_int, check_shape

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

    Examples
    --------
    >>> compute_fans((784, 128))                    # dense, Keras layout (in, out)
    (784, 128)
    >>> compute_fans((128, 784), "torch")           # PyTorch's (out, in)
    (784, 128)
    >>> compute_fans((3, 3, 64, 32))                # a 3x3 convolution: x 9 each
    (576, 288)
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
    try:
        return check_int(value, name, 1)
    except TypeError as err:  # a float fan is a wrong value, not a wrong kind of argument
        raise ValueError(f"{err}; or None to read it off the shape") from err
