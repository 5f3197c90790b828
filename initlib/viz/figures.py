"""Figures with alt text, for every reader: :func:`show` instead of ``plt.show()``.

JupyterLab renders a figure stored as ``image/png`` as an ``<img>`` without alt text (it
ignores the output's metadata), so screen-reader users hear nothing. :func:`show` stores
the figure as an HTML ``<img>`` with its PNG inline and the alt text the notebook gives;
JupyterLab (untrusted notebooks too), Colab, GitHub and the book render that element as
it is, so every reader gets the same description.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([1, 2, 4])
>>> html = figure_html(fig, alt="A line that doubles at each step")
>>> html.startswith('<img src="data:image/png;base64,'), html.endswith(
...     'alt="A line that doubles at each step">')
(True, True)
>>> plt.close(fig)
"""

from __future__ import annotations

import base64
import html
import io

__all__ = ["figure_html", "show"]


def _check_alt(alt) -> str:
    if not isinstance(alt, str):
        raise TypeError("alt must be a str that says what the figure shows, got "
                        f"{type(alt).__name__}")
    text = " ".join(alt.split())
    if not text:
        raise ValueError("alt must say what the figure shows (its axes, its curves, what "
                         "to see in it); got an empty string")
    return text


def _check_figure(fig):
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    return fig


def png_bytes(fig, *, dpi=None) -> bytes:
    """The figure as PNG bytes, drawn as the notebook's inline backend draws it: at the
    figure's dpi (or ``dpi``), cropped to its content (``bbox_inches="tight"``). The PNG
    carries no software version, so the bytes depend on the drawing only."""
    _check_figure(fig)
    if dpi is not None and not (isinstance(dpi, (int, float)) and dpi > 0):
        raise ValueError(f"dpi must be a positive number or None, got {dpi!r}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or "figure", bbox_inches="tight",
                facecolor=fig.get_facecolor(), metadata={"Software": None})
    return buffer.getvalue()


def figure_html(fig, alt: str, *, dpi=None) -> str:
    """An HTML ``<img>`` element holding the figure as an inline PNG, with alt text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to show.
    alt : str
        What the figure shows: the quantities on its axes, what the curves or colours
        are, and what the reader should see in it, in a sentence or two (whitespace is
        collapsed; HTML characters are escaped).
    dpi : float, optional
        Resolution of the PNG; default: the figure's own (``figure.dpi``).

    Returns
    -------
    str
        ``<img src="data:image/png;base64,..." alt="...">``.

    Raises
    ------
    TypeError
        If ``fig`` is not a Matplotlib Figure, or ``alt`` is not a string.
    ValueError
        If ``alt`` is empty or ``dpi`` is not positive.

    Examples
    --------
    >>> from matplotlib.figure import Figure   # no pyplot: nothing to close afterwards
    >>> fig = Figure()
    >>> ax = fig.subplots()
    >>> figure_html(fig, alt='Axes "empty" & <bare>').split(" alt=")[1]
    '"Axes &quot;empty&quot; &amp; &lt;bare&gt;">'
    """
    text = _check_alt(alt)
    data = base64.b64encode(png_bytes(fig, dpi=dpi)).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(text, quote=True)}">'


def show(fig, alt: str, *, dpi=None, close: bool = True) -> None:
    """Display ``fig`` in the notebook with alt text, in place of ``plt.show()``.

    The output holds ``text/html`` (:func:`figure_html`) and ``text/plain``
    (``<Figure: alt>``); outside IPython only the latter is printed. The figure is then
    closed (``close=False`` keeps it), so the
    inline backend does not show it a second time at the end of the cell.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to show.
    alt : str
        What the figure shows and what to see in it (see :func:`figure_html`).
    dpi : float, optional
        Resolution of the PNG; default: the figure's own.
    close : bool
        Close the figure after showing it (default True).

    Raises
    ------
    TypeError, ValueError
        As :func:`figure_html`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> show(fig, alt="A straight line from (0, 0) to (1, 1)")
    <Figure: A straight line from (0, 0) to (1, 1)>
    >>> plt.fignum_exists(fig.number)
    False
    """
    text = _check_alt(alt)
    bundle = {"text/html": figure_html(fig, text, dpi=dpi), "text/plain": f"<Figure: {text}>"}
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # a plain Python process
        get_ipython = display = None
    if get_ipython is not None and get_ipython() is not None:
        display(bundle, raw=True)
    else:
        print(bundle["text/plain"])
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
