"""The gradient-behaviour explorer: move a control, watch activations and gradients
vanish, explode or stay healthy through a deep dense network, with the mean-field
prediction drawn over the measurement.

>>> from initlib.viz import Explorer
>>> explorer = Explorer(strategy="he_normal", activation="relu")
>>> explorer.set(depth=50, scale=1.2)      # what moving two controls does
>>> explorer.result.depth                  # the last Propagation it measured
50

In a notebook, make ``explorer`` (or ``Explorer(...)``) the last line of a cell to show
the controls and the figure.

The figure is a Matplotlib ``Figure`` that is never rebuilt: an update recomputes the
statistics (:func:`initlib.diagnostics.propagate` and :func:`~initlib.diagnostics.predict`),
moves the existing lines and histogram steps, and re-renders the figure to PNG for an
``ipywidgets.Image`` (blitting over a cached background while the axis ranges stay).
Outside a live kernel (GitHub, nbviewer without widget state) the explorer shows that
PNG of its current settings instead.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .. import diagnostics as D
from .._checks import _is_int, check_choice, check_int
from ..registry import canonical_name, initialize, parameters

#: Strategies offered in the explorer's menu (any other name can be passed in code).
MENU = ("zero_mean_normal", "small_uniform", "large_uniform", "nonzero_mean_normal",
        "glorot_normal", "he_normal", "glorot_uniform", "he_uniform", "lecun_normal",
        "orthogonal")

HIST_BINS = 64
#: Histograms show values divided by their layer's std, over +-HIST_RANGE std.
HIST_RANGE = 4.0
#: Okabe-Ito colours (colour-blind-safe) for measurement and theory, and for the layers
#: of the histograms, each layer also with its own line style.
MEASURED, THEORY = "#0072B2", "#D55E00"
LAYER_COLORS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2",
                "#D55E00", "#999999")
LAYER_STYLES = ("-", "--", "-.", ":")


def strategy_mean(strategy) -> float | None:
    """The default ``mean`` parameter of ``strategy`` (any name or alias), or None for
    a strategy without one (the mean control then does not apply).

    Examples
    --------
    >>> strategy_mean("nonzero_mean_normal"), strategy_mean("he") is None
    (0.01, True)
    """
    return parameters(strategy).get("mean")


class Explorer:
    """Interactive per-layer diagnostics for a deep fully connected network.

    Every parameter is also a control of the widget.

    Parameters
    ----------
    strategy : str
        Any name :func:`initlib.initialize` accepts (the menu lists :data:`MENU`).
    activation : str
        One of :data:`initlib.diagnostics.ACTIVATIONS`.
    depth, width, batch : int
        1-100 layers, 8-1024 units, 16-512 examples.
    scale : float
        Multiplies every weight (0.1-10; 1 is the strategy as defined).
    mean : float or None
        Weight mean, for the strategies with a ``mean`` parameter (see
        :func:`strategy_mean`; ignored by the others). ``None`` (default) starts from the
        strategy's own mean (0.01 for ``nonzero_mean_normal``), and picking another
        strategy in the menu resets the control to that strategy's mean.
    seed : int
        Seed of everything, as in :func:`~initlib.diagnostics.propagate`: layer ``l``'s
        weights come from stream ``l`` of :func:`~initlib._checks.spawn_seeds`, so a
        deeper network keeps the layers of a shallower one.
    inputs : array (n, features), optional
        A real data batch instead of standard-normal inputs (``batch`` then selects its
        first rows).
    histogram_layers : int
        Number of layers whose activation and gradient histograms are overlaid (evenly
        spaced, first and last included).

    Attributes
    ----------
    controls : dict
        The ipywidgets, by setting name.
    image : ipywidgets.Image
        The figure as a PNG, updated at every change.
    figure : matplotlib.figure.Figure
        The figure itself.
    result, theory : Propagation, MeanField
        The last measurement (:func:`~initlib.diagnostics.propagate`) and mean-field
        prediction (:func:`~initlib.diagnostics.predict`).

    Raises
    ------
    ValueError
        Settings outside the controls' ranges (named in the message).
    """

    def __init__(self, strategy="he_normal", activation="relu", *, depth=30, width=256,
                 batch=128, scale=1.0, mean=None, seed=0, inputs=None, histogram_layers=4):
        self.inputs = None if inputs is None else np.asarray(inputs, dtype=np.float32)
        if self.inputs is not None and (self.inputs.ndim != 2 or len(self.inputs) < 16):
            raise ValueError(f"inputs must be a 2-D array with at least 16 rows, got shape "
                             f"{self.inputs.shape}")
        checked = _check_settings(self.inputs, strategy=strategy, activation=activation,
                                  depth=depth, width=width, batch=batch, scale=scale,
                                  mean=mean, seed=seed)
        strategy = checked["strategy"]
        if mean is None:
            mean = strategy_mean(strategy) or 0.0
        check_int(histogram_layers, "histogram_layers", 1, 8)
        menu = list(MENU) + ([strategy] if strategy not in MENU else [])
        style = {"description_width": "70px"}
        layout = widgets.Layout(width="300px")
        self.controls = {
            "strategy": widgets.Dropdown(options=menu, value=strategy, description="strategy"),
            "activation": widgets.Dropdown(options=list(D.ACTIVATIONS), value=activation,
                                           description="activation"),
            "depth": widgets.IntSlider(value=depth, min=1, max=100, description="depth"),
            "width": widgets.IntSlider(value=width, min=8, max=1024, step=8,
                                       description="width", continuous_update=False),
            "scale": widgets.FloatLogSlider(value=scale, base=10, min=-1, max=1, step=0.02,
                                            description="scale", readout_format=".3g"),
            "mean": widgets.FloatSlider(value=mean, min=-0.05, max=0.05, step=0.001,
                                        description="mean", readout_format=".3f"),
            "batch": widgets.IntSlider(value=batch, min=16, step=16,
                                       max=512 if inputs is None else min(512, len(inputs)),
                                       description="batch", continuous_update=False),
            "seed": widgets.BoundedIntText(value=seed, min=0, max=10_000, description="seed"),
        }
        for w in self.controls.values():
            w.style = style
            w.layout = layout
        self._cache_key, self._cache = None, []
        self.histogram_layers = histogram_layers
        self.image = widgets.Image(format="png")
        self.status = widgets.HTML()
        self._build_figure()
        self.update()
        self._sync_mean_control(strategy)
        self.controls["strategy"].observe(self._on_strategy, names="value")
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        c = self.controls
        self.widget = widgets.VBox([
            widgets.HBox([widgets.VBox([c["strategy"], c["activation"], c["seed"]]),
                          widgets.VBox([c["depth"], c["width"], c["batch"]]),
                          widgets.VBox([c["scale"], c["mean"], self.status])]),
            self.image,
        ])

    # ------------------------------------------------------------------ state

    @property
    def settings(self) -> dict:
        """The current control values."""
        return {name: w.value for name, w in self.controls.items()}

    def set(self, **values):
        """Set several controls at once (one update), e.g. ``set(depth=50, scale=2)``."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; controls are "
                             f"{list(self.controls)}")
        values = _check_settings(self.inputs, **values)
        if values.get("mean", 0.0) is None:  # back to the strategy's own mean
            values["mean"] = strategy_mean(values.get("strategy", self.settings["strategy"])) or 0.0
        if "strategy" in values:
            name = values["strategy"]
            menu = self.controls["strategy"]
            if name not in menu.options:
                menu.options = (*menu.options, name)
            if "mean" not in values and name != menu.value:
                values["mean"] = strategy_mean(name) or 0.0
            self._sync_mean_control(name)
        self._hold = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._hold = False
        self.update()

    def _on_change(self, change):
        if not getattr(self, "_hold", False):
            self.update()

    def _on_strategy(self, change):
        """A strategy picked in the menu brings its own mean (runs before the update)."""
        if getattr(self, "_hold", False):
            return
        self._hold = True
        try:
            self.controls["mean"].value = strategy_mean(change["new"]) or 0.0
        finally:
            self._hold = False
        self._sync_mean_control(change["new"])

    def _sync_mean_control(self, strategy):
        self.controls["mean"].disabled = strategy_mean(strategy) is None

    # ------------------------------------------------------------------ figure

    def _build_figure(self):
        # Drawn at the size it is shown (960 px wide, 640 px high with the default four
        # histogram layers; the image is never scaled up) with text of 9 pt and more.
        # Colour-blind-safe: Okabe-Ito colours, and a second cue (markers against a dashed
        # line; line styles for the histogram layers). Every legend sits outside the axes,
        # below them, so none can cover a curve whatever the settings.
        rows = -(-self.histogram_layers // 2)          # histogram legend rows (2 columns)
        height = 6.4 + 0.2 * (rows - 2)                # inches; room for more legend rows
        self.figure = fig = Figure(figsize=(9.6, height), dpi=100)
        FigureCanvasAgg(fig)
        # In inches from the bottom: the lower axes start above the tick labels, the x
        # label and the histogram legend; between the rows sit the upper axes' tick labels
        # and x label, their shared key, and the lower axes' titles.
        axes_h, top = 1.71, height - 0.9
        bottom = top - 2 * axes_h - 1.13
        grid = fig.add_gridspec(2, 2, left=0.08, right=0.98, top=top / height,
                                bottom=bottom / height, wspace=0.22, hspace=1.13 / axes_h)
        self.ax_act, self.ax_grad = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        self.ax_hist_act = fig.add_subplot(grid[1, 0])
        self.ax_hist_grad = fig.add_subplot(grid[1, 1])
        lines = {}
        for ax, key, title in ((self.ax_act, "act", "forward: activation std per layer"),
                               (self.ax_grad, "grad", "backward: gradient std per layer")):
            # Few ticks, no minor ticks, fixed title position: on a figure redrawn at
            # every control change, tick labels are most of the cost.
            ax.set_ylim(0.1, 10)
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(numticks=6))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
            ax.set_xlabel("layer", fontsize=10)
            ax.set_ylabel("std (log scale)", fontsize=10)
            ax.set_title(title, fontsize=10, y=1.0)
            lines[key], = ax.plot([], [], "o-", ms=3.5, lw=1.2, color=MEASURED,
                                  label="measured (dots)")
            lines[key + "_theory"], = ax.plot([], [], "--", lw=1.8, color=THEORY,
                                              label="mean-field theory (dashed)")
        self.lines = lines
        # One key for both depth profiles, centred between the rows, under the x labels.
        fig.legend(handles=[lines["act"], lines["act_theory"]], loc="center",
                   bbox_to_anchor=(0.5, (top - axes_h - 0.59) / height), ncol=2,
                   fontsize=9, frameon=False)
        # Histograms as in Glorot & Bengio (2010), figs. 6-7, one step curve per shown
        # layer, overlaid. Each layer's values are divided by that layer's std, so layers
        # whose scales differ by decades stay visible on one axis; the std is in the
        # legend. The x axis is fixed (+-4 std), so it has tick labels and never forces
        # the background to be redrawn.
        self.stairs, self.legends = {}, {}
        for ax, key, what in ((self.ax_hist_act, "act", "activations"),
                              (self.ax_hist_grad, "grad", "gradients")):
            self.stairs[key] = [
                ax.stairs(np.zeros(HIST_BINS), np.linspace(-HIST_RANGE, HIST_RANGE,
                                                           HIST_BINS + 1),
                          color=LAYER_COLORS[i % len(LAYER_COLORS)],
                          ls=LAYER_STYLES[i % len(LAYER_STYLES)], lw=1.5,
                          label=f"layer {i}")
                for i in range(self.histogram_layers)]
            ax.set_xlim(-HIST_RANGE, HIST_RANGE)
            ax.set_xlabel(f"{what[:-1]} / its layer's std", fontsize=10)
            ax.set_ylabel("density (log scale)", fontsize=10)
            ax.set_ylim(1e-3, 10)
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(numticks=5))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_title(f"{what} at a few layers, each divided by its std", fontsize=10,
                         y=1.0)
            # below the axes, under the x label (0.42 in): never over a histogram
            self.legends[key] = ax.legend(loc="upper center", ncol=2, fontsize=9,
                                          bbox_to_anchor=(0.5, -0.42 / axes_h),
                                          frameon=False, handlelength=2.2,
                                          columnspacing=1.5)
        # Blitting: the artists that change at every update are "animated" (left out of
        # a full draw) and drawn over a saved background. The background (axes, ticks,
        # labels: most of the drawing time) is redrawn only when a depth-profile axis
        # range changes, and those ranges move in coarse steps (see _set_line).
        fig.suptitle(" ", fontsize=11, y=0.985)
        self._dynamic = [*lines.values(), *self.stairs["act"], *self.stairs["grad"],
                         fig._suptitle, *self.legends.values()]
        for artist in self._dynamic:
            artist.set_animated(True)
        self._background = None

    def _weights(self, shape, *, seed, dtype):
        """Layer weights for :func:`~initlib.diagnostics.propagate`, drawn once per
        setting and kept. ``propagate`` passes layer ``k``'s own seed (stream ``k + 1``
        of ``spawn_seeds``), the same for every depth, so moving the depth slider reuses
        the layers already drawn. Only the current setting's layers are kept."""
        k = self._layer
        self._layer += 1
        if k == len(self._cache):
            strategy, params = self._draw
            self._cache.append(initialize(strategy, shape, seed=seed, dtype=dtype, **params))
        return self._cache[k]

    def _hist_layers(self, depth):
        k = min(self.histogram_layers, depth)
        return sorted(set(np.linspace(1, depth, k).round().astype(int).tolist()))

    def update(self):
        """Recompute for the current settings and redraw (moves the existing artists)."""
        s = self.settings
        params = {"mean": s["mean"]} if strategy_mean(s["strategy"]) is not None else {}
        kw = dict(weight_scale=s["scale"], **params)
        inputs = None if self.inputs is None else self.inputs[: s["batch"]]
        layers = self._hist_layers(s["depth"])
        self._draw = (s["strategy"], params)
        key = (s["strategy"], tuple(sorted(params.items())), s["width"], s["seed"],
               None if self.inputs is None else self.inputs.shape[1])
        if self._cache_key != key:  # another weight distribution: forget the drawn layers
            self._cache_key, self._cache = key, []
        self._layer = 0
        self.result = p = D.propagate(self._weights, s["activation"], depth=s["depth"],
                                      width=s["width"], batch=s["batch"], inputs=inputs,
                                      seed=s["seed"], keep=layers, max_samples=4096,
                                      weight_scale=s["scale"])
        p.strategy = s["strategy"]  # recorded as the drawing function's name otherwise
        n_features = s["width"] if inputs is None else inputs.shape[1]
        q0 = 1.0 if inputs is None else float(np.mean(inputs.astype(np.float64) ** 2))
        self.theory = mf = D.predict(s["strategy"], s["activation"], depth=s["depth"],
                                     width=s["width"], n_features=n_features, q0=q0, **kw)
        x = p.layers
        self._set_line("act", x, p.act_std, mf.act_std)
        self._set_line("grad", x, p.grad_std, np.sqrt(mf.grad_var))
        for key, index in (("act", 0), ("grad", 1)):
            stds = _set_histograms(self.stairs[key], [p.samples[k][index] for k in layers])
            for text, layer, std in zip(self.legends[key].get_texts(), layers + [None] * 8,
                                        stds, strict=False):
                text.set_text(f"layer {layer}: std {std:.2g}" if layer else "")
        overflow = int(p.nonfinite.sum() + p.grad_nonfinite.sum())
        sat = {"tanh": "saturated (|h| > 0.97)", "sigmoid": "saturated",
               "relu": f"dead (zero for all {p.batch} inputs)"}.get(s["activation"])
        note = f"{s['strategy']}, {s['activation']}, depth {s['depth']}, width {s['width']}"
        if sat:
            note += f"\nlast layer: {p.saturated[-1]:.0%} of units {sat}"
        if overflow:
            note += f"; overflow (inf/nan) in {overflow:,} values"
        self.figure.suptitle(note, fontsize=11, y=0.985)
        self.status.value = ("<span style='color:#b00'>overflow: inf/nan values</span>"
                             if overflow else "")
        self.image.value = self.png()

    def _set_line(self, key, x, measured, theory):
        ax = self.ax_act if key == "act" else self.ax_grad
        y = np.where(np.isfinite(measured) & (measured > 0), measured, np.nan)
        t = np.where(np.isfinite(theory) & (theory > 0), theory, np.nan)
        self.lines[key].set_data(x, y)
        self.lines[key + "_theory"].set_data(x, t)
        finite = np.concatenate([y[np.isfinite(y)], t[np.isfinite(t)]])
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.1, 10.0)
        # whole decades with one to spare either side (so the log axis always has
        # labels), kept while the data stay half a decade inside them and the axis is at
        # most three decades wider than that on either side: few background redraws,
        # and the curves never end up squeezed into a corner
        lo, hi = np.log10(max(lo, 1e-300)), np.log10(min(hi, 1e300))
        c_lo, c_hi = np.log10(ax.get_ylim())
        if not (lo - 3 <= c_lo <= lo - 0.5 and hi + 0.5 <= c_hi <= hi + 3):
            ax.set_ylim(10.0 ** (np.floor(lo) - 1), 10.0 ** (np.ceil(hi) + 1))
        right = next(n for n in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100, np.inf)
                     if n >= len(x))
        right = len(x) if right == np.inf else right
        if ax.get_xlim() != (0.5, right + 0.5):
            ax.set_xlim(0.5, right + 0.5)

    def png(self) -> bytes:
        """The figure of the current settings, rendered to PNG bytes: the saved
        background (redrawn only when an axis range changed) with the changing artists
        drawn over it, encoded by Pillow with light compression. Several times faster
        than ``savefig``, which matters on the widget's update path."""
        canvas = self.figure.canvas
        # (the histogram axes have no ticks: their ranges change without a redraw)
        limits = [self.ax_act.get_xlim() + self.ax_act.get_ylim(),
                  self.ax_grad.get_xlim() + self.ax_grad.get_ylim()]
        if self._background is None or limits != self._limits:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._limits = limits
        else:
            canvas.restore_region(self._background)
        for artist in self._dynamic:
            (artist.axes or self.figure).draw_artist(artist)
        buf = io.BytesIO()
        PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(
            buf, format="png", compress_level=1)
        return buf.getvalue()

    # ------------------------------------------------------------------ display

    def alt_text(self) -> str:
        """A description of the figure at the current settings, for readers who cannot
        see it (the image's alt text where the notebook is shown without a kernel)."""
        s, p = self.settings, self.result
        finite = np.isfinite(p.act_std) & np.isfinite(p.grad_std)
        parts = [f"Explorer figure for {s['strategy']} weights, {s['activation']}, depth "
                 f"{s['depth']}, width {s['width']}. Top: activation std and gradient std "
                 "per layer, measured (dots) and predicted by mean-field theory (dashed)"]
        if finite.all():
            parts.append(f"the activation std goes from {p.act_std[0]:.2g} at layer 1 to "
                         f"{p.act_std[-1]:.2g} at layer {s['depth']}, the gradient std from "
                         f"{p.grad_std[0]:.2g} to {p.grad_std[-1]:.2g}")
        else:
            parts.append("values overflow to inf or nan in the deeper layers")
        parts.append("Bottom: histograms of activations and gradients at a few layers, each "
                     "divided by its layer's std.")
        return "; ".join(parts[:2]) + ". " + parts[2]

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["image/png"] = self.png()
        bundle["text/plain"] = repr(self)
        # Where no kernel runs (a static page, the book) the PNG is shown instead of the
        # widget; its alt text travels in the output's metadata.
        return bundle, {"image/png": {"alt": self.alt_text()}}

    def __repr__(self):
        s = self.settings
        return ("Explorer(" + ", ".join(f"{k}={v!r}" for k, v in s.items()) + ")")


#: The controls' ranges: (low, high, integer?).
RANGES = {"depth": (1, 100, True), "width": (8, 1024, True), "batch": (16, 512, True),
          "scale": (0.1, 10.0, False), "mean": (-0.05, 0.05, False), "seed": (0, 10_000, True)}


def _check_settings(inputs, **values):
    """Check control values before they reach the widgets (which would silently clamp
    or truncate them); returns them with the strategy name made canonical."""
    out = dict(values)
    if "strategy" in values:
        out["strategy"] = canonical_name(values["strategy"])
    if "activation" in values:
        check_choice(values["activation"], "activation", D.ACTIVATIONS)
    for name, (lo, hi, integer) in RANGES.items():
        if name not in values or (name == "mean" and values[name] is None):
            continue
        v = values[name]
        ok = _is_int(v) if integer else (isinstance(v, (int, float, np.integer, np.floating))
                                         and not isinstance(v, bool))
        if not ok or not lo <= v <= hi:
            kind = "an integer" if integer else "a number"
            raise ValueError(f"{name} must be {kind} from {lo} to {hi}, got {v!r}")
    if inputs is not None and values.get("batch", 0) > len(inputs):
        raise ValueError(f"batch must be at most the number of input rows, {len(inputs)}, "
                         f"got {values['batch']}")
    return out


def _set_histograms(stairs, samples):
    """Density histograms of each sample divided by its own std, on the fixed bins of
    ``stairs`` (+-HIST_RANGE), moved into ``stairs`` (curves beyond ``len(samples)``
    are emptied); non-finite values are left out. Returns each sample's std (nan where
    nothing is finite, 0 for a constant sample)."""
    edges = np.linspace(-HIST_RANGE, HIST_RANGE, HIST_BINS + 1)
    width = edges[1] - edges[0]
    stds = []
    for i, st in enumerate(stairs):
        if i >= len(samples):
            st.set_data(np.full(HIST_BINS, np.nan), edges)
            continue
        v = samples[i][np.isfinite(samples[i])].astype(np.float64)
        std = float(v.std()) if v.size else float("nan")
        stds.append(std)
        scaled = v / std if std > 0 else np.zeros_like(v)
        counts = np.histogram(scaled, bins=edges)[0] / (max(v.size, 1) * width)
        st.set_data(np.where(counts > 0, counts, np.nan), edges)  # log axis: empty bins blank
    return stds
