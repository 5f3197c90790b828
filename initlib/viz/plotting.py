"""Matplotlib figures shared by the notebooks. Each function draws on axes it is given
(or makes its own figure) and returns what it drew, so notebooks stay short."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np

from .. import diagnostics as D
from ..registry import canonical_name, initialize
from ..stats import distribution

#: Okabe and Ito's palette ("Color Universal Design", 2008): its eight colours stay
#: distinct for readers with any common colour-vision deficiency. Ordered for curves: the
#: n-th curve of a figure gets ``PALETTE[n]`` (yellow, last, is too light for text).
PALETTE = ("#0072B2",  # blue
           "#D55E00",  # vermillion
           "#009E73",  # bluish green
           "#CC79A7",  # reddish purple
           "#E69F00",  # orange
           "#56B4E9",  # sky blue
           "#000000",  # black
           "#F0E442")  # yellow
#: The second cue, so that no curve is told apart by its colour alone: a marker, or a line
#: style where a curve has no markers (:func:`cue` pairs them with the colours).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)),
              (0, (3, 1, 1, 1)))

#: One colour and one marker per activation, the same in every figure.
STYLES = {"linear": ("#000000", "s"), "sigmoid": ("#CC79A7", "v"),
          "tanh": ("#0072B2", "^"), "relu": ("#D55E00", "o"),
          "leaky_relu": ("#E69F00", "D"), "selu": ("#009E73", "P")}
COLORS = {activation: color for activation, (color, _) in STYLES.items()}


def cue(i: int) -> tuple[str, str, object]:
    """Colour, marker and line style of the ``i``-th curve of a figure.

    The colour cycles through :data:`PALETTE`; the marker and line style cycle with it and
    shift by one after each full round, so no two of the first 64 curves share both their
    colour and their second cue.

    Parameters
    ----------
    i : int
        Index of the curve in its figure, from 0.

    Returns
    -------
    tuple
        ``(colour, marker, line style)``, as Matplotlib takes them.

    Raises
    ------
    TypeError, ValueError
        If ``i`` is not an int, or is negative.

    Examples
    --------
    >>> cue(0), cue(8)
    (('#0072B2', 'o', '-'), ('#0072B2', 's', '--'))
    """
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
        raise TypeError(f"i must be an int (the curve's index), got {type(i).__name__}")
    if i < 0:
        raise ValueError(f"i must be >= 0 (the curve's index), got {i}")
    n = len(PALETTE)
    second = (i + i // n) % n
    return PALETTE[i % n], MARKERS[second], LINESTYLES[second]


def weight_histogram(ax, strategy, shape=(256, 256), *, seed=0, bins=80, **params):
    """Histogram (as a density) of one draw of ``strategy`` with the theoretical density
    on top. x axis: weight value (dimensionless); y axis: probability density.
    Returns the drawn weights.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> w = weight_histogram(ax, "he_uniform", (100, 50), seed=0)
    >>> w.shape, ax.get_xlabel()
    ((100, 50), 'weight value')
    >>> plt.close(fig)
    """
    w = initialize(strategy, shape, seed=seed, dtype="float64", **params)
    ax.hist(w.ravel(), bins=bins, density=True, color=PALETTE[0], alpha=0.6,
            label=f"{w.size:,} drawn weights")
    try:
        dist = distribution(strategy, shape, **params)
    except ValueError:
        dist = None
    if dist is not None:
        lo, hi = dist.support()
        spread = 4.5 * dist.std()
        x = np.linspace(max(lo, dist.mean() - spread), min(hi, dist.mean() + spread), 400)
        ax.plot(x, dist.pdf(x), color="black", lw=1.5, label="theoretical density")
        if np.isfinite(lo):
            ax.vlines([lo, hi], 0, dist.pdf(dist.mean()), colors="black", lw=1.5)
    ax.set_xlabel("weight value")
    ax.set_ylabel("probability density")
    ax.set_title(f"{canonical_name(strategy)} on a {shape[0]}×{shape[1]} layer")
    ax.legend(loc="upper right", fontsize=8)
    return w


def depth_profile(ax, props, quantity="act_std", *, labels=None, theory=None, colors=None,
                  markers=None):
    """Plot ``quantity`` (a :class:`~initlib.diagnostics.Propagation` attribute) against
    the layer number on a log y axis, one line per propagation; ``theory`` is an optional
    list of arrays (same length) drawn dashed. Non-finite values are left out. Line ``i``
    gets ``colors[i]`` and ``markers[i]`` (default: :func:`cue`), so that curves differ in
    colour and in marker.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> props = [D.propagate(s, "relu", depth=10, width=64, seed=0) for s in ("he", "xavier")]
    >>> fig, ax = plt.subplots()
    >>> _ = depth_profile(ax, props, "preact_std", labels=["He", "Glorot"])
    >>> len(ax.get_lines()), ax.get_yscale()
    (2, 'log')
    >>> plt.close(fig)
    """
    labels = labels or [f"{p.strategy}, {p.activation}" for p in props]
    for i, p in enumerate(props):
        y = np.asarray(getattr(p, quantity), dtype=float)
        color = colors[i] if colors else cue(i)[0]
        marker = markers[i] if markers else cue(i)[1]
        line, = ax.semilogy(p.layers, np.where(np.isfinite(y) & (y > 0), y, np.nan),
                            marker=marker, ms=3, lw=1.2, color=color, label=labels[i])
        if theory is not None and theory[i] is not None:
            ax.semilogy(p.layers, theory[i], ls="--", lw=1.2, color=line.get_color(),
                        alpha=0.8)
    ax.set_xlabel("layer")
    ax.set_ylabel(_QUANTITY_LABELS.get(quantity, quantity))
    ax.grid(True, which="major", alpha=0.3)
    return ax


_QUANTITY_LABELS = {
    "act_std": "activation std",
    "preact_std": "pre-activation std",
    "grad_std": "gradient std (w.r.t. activations)",
    "weight_grad_norm": "‖∂L/∂W‖ (Frobenius)",
    "saturated": "fraction saturated / dead",
}


def strategy_profiles(strategy, activations=("linear", "tanh", "relu"), *, depth=50,
                      width=256, batch=256, seed=0, axes=None, **params):
    """Forward (activation std) and backward (gradient std) profiles of ``strategy`` for
    several activations, with mean-field predictions dashed. Returns
    ``(fig, {activation: Propagation})``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, props = strategy_profiles("xavier", ("tanh", "relu"), depth=5, width=32)
    >>> sorted(props), props["tanh"].depth
    (['relu', 'tanh'], 5)
    >>> plt.close(fig)
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    fig = axes[0].figure
    props = {a: D.propagate(strategy, a, depth=depth, width=width, batch=batch, seed=seed,
                            **params) for a in activations}
    theory_act, theory_grad = [], []
    for a in activations:
        mf = D.predict(strategy, a, depth=depth, width=width, **params)
        theory_act.append(np.sqrt(mf.q))
        theory_grad.append(np.sqrt(mf.grad_var))
    colors = [STYLES[a][0] for a in activations]
    markers = [STYLES[a][1] for a in activations]
    depth_profile(axes[0], list(props.values()), "preact_std", labels=list(activations),
                  theory=theory_act, colors=colors, markers=markers)
    depth_profile(axes[1], list(props.values()), "grad_std", labels=list(activations),
                  theory=theory_grad, colors=colors, markers=markers)
    axes[0].set_title("forward: pre-activation std (dashed: mean-field theory)")
    axes[1].set_title("backward: gradient std (dashed: theory)")
    axes[0].legend(title="activation", fontsize=8)
    fig.suptitle(f"{canonical_name(strategy)}, width {width}", y=1.02)
    return fig, props


def histogram_strips(axes, prop, which="activations", *, bins=60):
    """One histogram per kept layer of ``prop`` (``which`` = "activations" or
    "gradients"), as in Glorot & Bengio (2010), figures 6-7. x: value; y: count.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> p = D.propagate("xavier", "tanh", depth=5, width=64, seed=0, keep=[1, 5])
    >>> fig, axes = plt.subplots(1, 2)
    >>> histogram_strips(axes, p, "gradients")
    >>> [ax.get_title() for ax in axes]
    ['layer 1', 'layer 5']
    >>> plt.close(fig)
    """
    index = 0 if which == "activations" else 1
    for ax, (layer, pair) in zip(np.ravel(axes), prop.samples.items(), strict=False):
        v = pair[index][np.isfinite(pair[index])]
        ax.hist(v, bins=bins, color=PALETTE[0] if index == 0 else PALETTE[2], alpha=0.8)
        ax.set_title(f"layer {layer}", fontsize=9)
        ax.set_xlabel("activation value" if index == 0 else "gradient value")
    np.ravel(axes)[0].set_ylabel("count")


def learning_curves(ax, runs, metric="val_accuracy", *, colors=None):
    """Mean over seeds (line) and min-max band of ``metric`` per epoch, one colour and one
    line style per strategy. x: epoch; y: the metric (accuracy as a fraction, loss in nats).
    Runs stopped early (shorter histories) count only for the epochs they trained; a
    strategy's line ends where its last run stopped.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from types import SimpleNamespace
    >>> runs = [SimpleNamespace(strategy="he_normal", history={"val_accuracy": [0.5, 0.8]}),
    ...         SimpleNamespace(strategy="he_normal", history={"val_accuracy": [0.4, 0.9]})]
    >>> fig, ax = plt.subplots()
    >>> _ = learning_curves(ax, runs)
    >>> ax.get_lines()[0].get_ydata().tolist()    # the mean over the two seeds
    [0.45, 0.8500000000000001]
    >>> plt.close(fig)
    """
    by = {}
    for r in runs:
        by.setdefault(r.strategy, []).append(r.history[metric])
    for i, (name, curves) in enumerate(by.items()):
        c = np.full((len(curves), max(map(len, curves))), np.nan)
        for row, curve in zip(c, curves, strict=True):
            row[:len(curve)] = curve
        epochs = np.arange(1, c.shape[1] + 1)
        color = (colors or {}).get(name, cue(i)[0])
        with warnings.catch_warnings():  # all-nan epochs (diverged runs) leave gaps
            warnings.simplefilter("ignore", RuntimeWarning)
            ax.plot(epochs, np.nanmean(c, axis=0), color=color, label=name,
                    ls=cue(i)[2])
            ax.fill_between(epochs, np.nanmin(c, axis=0), np.nanmax(c, axis=0), color=color,
                            alpha=0.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " ") + (" (nats)" if "loss" in metric else ""))
    ax.grid(True, alpha=0.3)
    return ax


def phase_diagram(ax, activation="tanh", *, sigma_w=None, sigma_b=None, depth=None):
    """Order-to-chaos diagram over (sigma_w, sigma_b): colour = depth scale
    ``1/|ln chi|`` in layers (log colour scale, capped at 1000), the chi = 1 edge of chaos
    as a white line. ``depth``, if given, marks where the depth scale equals it (deeper
    networks than that train only inside the dashed band). Returns the
    :class:`~initlib.diagnostics.PhaseDiagram`. Axes: sigma_w = weight std x sqrt(fan_in),
    sigma_b = bias std (both dimensionless).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> pd_ = phase_diagram(ax, "tanh", sigma_w=np.linspace(0.5, 2, 16), sigma_b=[0, 0.1, 0.2])
    >>> pd_.chi.shape
    (3, 16)
    >>> plt.close(fig)
    """
    from matplotlib.colors import LogNorm

    pd_ = D.phase_diagram(activation, sigma_w, sigma_b)
    xi = np.clip(pd_.depth_scale, 1, 1000)
    mesh = ax.pcolormesh(pd_.sigma_w, pd_.sigma_b, xi, norm=LogNorm(1, 1000), cmap="magma",
                         shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="depth scale 1/|ln χ| (layers)")
    ax.contour(pd_.sigma_w, pd_.sigma_b, pd_.chi, levels=[1.0], colors="white", linewidths=2)
    if depth is not None:
        ax.contour(pd_.sigma_w, pd_.sigma_b, pd_.depth_scale, levels=[depth], colors="white",
                   linewidths=1, linestyles="--")
    ax.set_xlabel("σ_w  (weight std × √fan_in)")
    ax.set_ylabel("σ_b  (bias std)")
    ax.set_title(f"{activation}: ordered (left) and chaotic (right) phases; white: χ = 1",
                 fontsize=10)
    return pd_


def accuracy_heatmap(ax, grid, *, title=None):
    """Heat map of a strategy x depth DataFrame of accuracies (from
    :func:`initlib.training.experiment.accuracy_grid`): rows are strategies, columns depths, each
    cell annotated with its value; colour scale fixed to [0, 1] so panels compare.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> grid = pd.DataFrame({3: [0.9, 0.1], 30: [0.85, 0.1]}, index=["he_normal", "zeros"])
    >>> fig, ax = plt.subplots()
    >>> _ = accuracy_heatmap(ax, grid, title="relu")
    >>> [t.get_text() for t in ax.texts]
    ['0.90', '0.85', '0.10', '0.10']
    >>> plt.close(fig)
    """
    values = grid.to_numpy(dtype=float)
    im = ax.imshow(values, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(values.shape[1]), [str(d) for d in grid.columns])
    ax.set_yticks(range(values.shape[0]), list(grid.index))
    ax.set_xlabel("depth (hidden layers)")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center",
                color="black" if v > 0.6 else "white", fontsize=8)
    if title:
        ax.set_title(title)
    return im


def gradient_norms(ax, runs, *, record=0, colors=None):
    """Per-layer gradient norm (:class:`initlib.training.experiment.GradientNorms`), median over
    the seeds of each strategy, at ``record`` (0: before the first step; ``e``: after
    epoch ``e``). x: Dense layer (1 = input side); y: Frobenius norm of dL/dW, log scale.
    Zero norms (vanished below float32's range) are drawn at the bottom of the axis.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from types import SimpleNamespace
    >>> runs = [SimpleNamespace(strategy="he_normal", grad_norms=np.array([[1.0, 2.0, 4.0]]))]
    >>> fig, ax = plt.subplots()
    >>> _ = gradient_norms(ax, runs)
    >>> ax.get_lines()[0].get_ydata().tolist()
    [1.0, 2.0, 4.0]
    >>> plt.close(fig)
    """
    by = {}
    for r in runs:
        by.setdefault(r.strategy, []).append(r.grad_norms[record])
    for i, (name, rows) in enumerate(by.items()):
        g = np.median(np.array(rows, dtype=float), axis=0)
        ax.semilogy(np.arange(1, g.size + 1), np.where(g > 0, g, np.nan),
                    color=(colors or {}).get(name, cue(i)[0]), label=name, marker=cue(i)[1],
                    ms=4)
    ax.set_xlabel("Dense layer (1 = input side)")
    ax.set_ylabel("gradient norm ‖∂L/∂W‖")
    ax.grid(True, alpha=0.3, which="both")
    return ax
