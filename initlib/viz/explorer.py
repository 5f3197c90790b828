"""The gradient-behaviour explorer: move a control, watch activations and gradients
vanish, explode or stay healthy through a deep dense network, with the mean-field
prediction drawn over the measurement.

>>> from initlib.viz import Explorer
>>> Explorer(strategy="he_normal", activation="relu")     # in a notebook cell

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
import matplotlib
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

HIST_BINS = 60


def strategy_mean(strategy) -> float | None:
    """The default ``mean`` parameter of ``strategy`` (any name or alias), or None for
    a strategy without one (the mean control then does not apply)."""
    return parameters(strategy).get("mean")


class Explorer:
    """Interactive per-layer diagnostics for a deep fully connected network.

    Parameters (each is also a control)
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
    controls : dict of ipywidgets; ``image`` : the ``ipywidgets.Image`` showing the
    figure; ``figure`` : the Matplotlib figure; ``result``/``theory`` : the last
    :class:`~initlib.diagnostics.Propagation` and :class:`~initlib.diagnostics.MeanField`.

    Raises ``ValueError`` for settings outside the controls' ranges.
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
        self.figure = fig = Figure(figsize=(10, 6.6), dpi=72)
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(2, 2, left=0.08, right=0.98, top=0.9, bottom=0.08,
                                wspace=0.25, hspace=0.45)
        self.ax_act, self.ax_grad = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        self.ax_hist_act = fig.add_subplot(grid[1, 0])
        self.ax_hist_grad = fig.add_subplot(grid[1, 1])
        lines = {}
        for ax, key, title in ((self.ax_act, "act", "activation std per layer"),
                               (self.ax_grad, "grad", "gradient std per layer")):
            # Few ticks, no minor ticks, no legend box, fixed title position: on a
            # figure redrawn at every control change, tick labels are most of the cost.
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(numticks=6))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
            ax.set_xlabel("layer")
            ax.set_ylabel("std (log scale)")
            ax.set_title(title + " (dots: measured, dashed: mean-field theory)",
                         fontsize=9, y=1.0)
            lines[key], = ax.plot([], [], "o-", ms=3, lw=1.2, color="tab:blue",
                                  label="measured")
            lines[key + "_theory"], = ax.plot([], [], "--", lw=1.5, color="tab:orange",
                                              label="mean-field theory")
        self.lines = lines
        # Histogram strips as in Glorot & Bengio (2010), figs. 6-7: one step curve per
        # shown layer, overlaid, so a layer that collapses shows as a spike at 0.
        colors = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, self.histogram_layers))
        self.stairs = {}
        for ax, key, what in ((self.ax_hist_act, "act", "activation"),
                              (self.ax_hist_grad, "grad", "gradient")):
            self.stairs[key] = [ax.stairs(np.zeros(HIST_BINS), np.arange(HIST_BINS + 1.0),
                                          color=c, lw=1.3) for c in colors]
            ax.set_xlabel(f"{what} value (range in the title)")
            ax.set_ylabel("density")
            ax.set_title(f"{what} histograms", fontsize=9, y=1.0)
            # no ticks: the ranges change at almost every update, and axes without
            # ticks can change range without redrawing the background
            ax.set_xticks([])
            ax.set_yticks([])
        # Blitting: the artists that change at every update are "animated" (left out of
        # a full draw) and drawn over a saved background. The background (axes, ticks,
        # labels: most of the drawing time) is redrawn only when an axis range changes,
        # and the ranges move in coarse steps (see _sticky), so most updates skip it.
        fig.suptitle(" ", fontsize=11, y=0.985)
        self._dynamic = [*lines.values(), *self.stairs["act"], *self.stairs["grad"],
                         fig._suptitle, self.ax_hist_act.title, self.ax_hist_grad.title]
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
        shown = ", ".join(map(str, layers))
        for key, ax, index in (("act", self.ax_hist_act, 0), ("grad", self.ax_hist_grad, 1)):
            lo, hi = _set_histograms(ax, self.stairs[key], [p.samples[k][index] for k in layers])
            what = "activation" if key == "act" else "gradient"
            ax.set_title(f"{what}s at layers {shown} (dark to light)\nvalues from {lo:.3g} "
                         f"to {hi:.3g}", fontsize=9, y=1.0)
        overflow = int(p.nonfinite.sum() + p.grad_nonfinite.sum())
        sat = {"tanh": "saturated", "sigmoid": "saturated", "relu": "dead"}.get(s["activation"])
        note = f"{s['strategy']}, {s['activation']}, depth {s['depth']}, width {s['width']}"
        if sat:
            note += f"; {p.saturated[-1]:.0%} of units {sat} at the last layer"
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
        # whole decades with two to spare either side (the log axis always has labels),
        # kept while the data stay inside and fill at least a fifth of them
        lo, hi = np.floor(np.log10(max(lo, 1e-300))), np.ceil(np.log10(min(hi, 1e300)))
        c_lo, c_hi = np.log10(ax.get_ylim())
        if not (c_lo < lo and hi < c_hi and (hi - lo + 2) * 5 >= c_hi - c_lo):
            ax.set_ylim(10.0 ** (lo - 2), 10.0 ** (hi + 2))
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

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["image/png"] = self.png()
        bundle["text/plain"] = repr(self)
        return bundle

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


def _set_histograms(ax, stairs, samples):
    """Density histograms of each sample on common bins over the samples' joint range,
    moved into ``stairs`` (curves beyond ``len(samples)`` are emptied); non-finite
    values are left out. Returns the range."""
    finite = [v[np.isfinite(v)].astype(np.float64) for v in samples]  # float64: hi - lo
    values = np.concatenate(finite) if finite else np.zeros(0)
    lo, hi = (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 1e-12 - abs(lo) * 1e-3, hi + 1e-12 + abs(hi) * 1e-3
    edges = np.linspace(lo, hi, HIST_BINS + 1)
    top = 0.0
    for i, st in enumerate(stairs):
        v = finite[i] if i < len(finite) else np.zeros(0)
        counts = np.histogram(v, bins=edges)[0] / (max(v.size, 1) * (edges[1] - edges[0]))
        st.set_data(counts, edges)
        top = max(top, counts.max())
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, top * 1.05 if top > 0 else 1)
    return lo, hi
