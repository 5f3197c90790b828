"""The explorer driven headless: set controls, check that the data and figure change."""

import itertools

import numpy as np
import pytest

from initlib import diagnostics as D
from initlib.viz.explorer import MENU, Explorer


@pytest.fixture(scope="module")
def explorer():
    return Explorer(strategy="he_normal", activation="relu", depth=30, width=256, batch=128)


def test_default_shows_measurement_and_theory(explorer):
    p, mf = explorer.result, explorer.theory
    assert p.depth == 30 and p.width == 256
    x, y = explorer.lines["act"].get_data()
    assert np.array_equal(x, np.arange(1, 31)) and np.allclose(y, p.act_std)
    _, t = explorer.lines["act_theory"].get_data()
    assert np.allclose(t, mf.act_std)
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_moving_depth_changes_data_and_picture(explorer):
    before = explorer.image.value
    explorer.controls["depth"].value = 60
    assert explorer.result.depth == 60
    assert len(explorer.lines["grad"].get_data()[0]) == 60
    assert explorer.image.value != before


def test_scale_moves_the_signal_as_predicted():
    e = Explorer(strategy="he_normal", activation="linear", depth=10, width=128, batch=64)
    base = e.result.act_std[-1]
    e.controls["scale"].value = 2.0
    # each linear layer multiplies the std by 2 more: 2**10 over 10 layers
    assert e.result.act_std[-1] / base == pytest.approx(2**10, rel=1e-3)
    assert e.theory.act_std[-1] / D.predict("he_normal", "linear", depth=10,
                                            width=128).act_std[-1] == pytest.approx(2**10)


def test_mean_control_applies_to_nonzero_mean_strategy_only():
    e = Explorer(strategy="nonzero_mean_normal", activation="relu", depth=10, width=64, batch=32)
    e.set(mean=0.0)
    flat = abs(e.result.preact_mean[-1]) / e.result.preact_std[-1]
    e.set(mean=0.05)
    assert abs(e.result.preact_mean[-1]) / e.result.preact_std[-1] > 2 * flat
    e.set(strategy="he_normal")
    same = e.result.act_std.copy()
    e.set(mean=-0.05)
    assert np.array_equal(e.result.act_std, same)


def test_set_is_one_update_and_rejects_unknown_controls(explorer):
    explorer.set(strategy="small_uniform", activation="tanh", depth=12)
    assert (explorer.result.strategy, explorer.result.activation, explorer.result.depth) == \
        ("small_uniform", "tanh", 12)
    with pytest.raises(ValueError, match="unknown control"):
        explorer.set(lr=0.1)


def test_real_data_inputs():
    from initlib.training.data import load_digits_split

    x = load_digits_split().x_train
    e = Explorer(inputs=x, batch=64, depth=5)
    assert e.result.batch == 64 and e.result.input_std == pytest.approx(x[:64].std(), rel=1e-5)


@pytest.mark.parametrize("kwargs", [dict(depth=0), dict(width=4000), dict(scale=0),
                                    dict(activation="gelu"), dict(strategy="nope"),
                                    dict(batch=True)])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        Explorer(**kwargs)


def test_static_fallback_for_readers_without_a_kernel(explorer):
    bundle, metadata = explorer._repr_mimebundle_()
    assert bundle["image/png"][:4] == b"\x89PNG"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Explorer(strategy=")
    alt = metadata["image/png"]["alt"]
    s = explorer.settings
    assert s["strategy"] in alt and f"depth {s['depth']}," in alt and "dashed" in alt


def test_figure_is_drawn_at_display_size_with_readable_text(explorer):
    """960 px wide at 100 dpi (shown without scaling up); no text below 8 pt; the
    histograms' legends name each shown layer with its std."""
    import PIL.Image

    png = PIL.Image.open(__import__("io").BytesIO(explorer.png()))
    assert png.size == (960, 640)
    fig = explorer.figure
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize"))
             if getattr(t, "get_text", lambda: "")()]
    assert min(sizes) >= 8
    labels = [t.get_text() for t in explorer.legends["act"].get_texts() if t.get_text()]
    assert labels[0].startswith("layer 1: std ") and len(labels) == 4


def test_legends_lie_outside_every_axes(explorer):
    """No legend can cover a curve: each lies wholly outside all four axes."""
    explorer.png()
    renderer = explorer.figure.canvas.get_renderer()
    axes = [ax.get_window_extent(renderer) for ax in explorer.figure.axes]
    legends = [*explorer.figure.legends, *explorer.legends.values()]
    assert len(legends) == 3
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert not any(box.overlaps(ax) for ax in axes)
        assert 0 <= box.y0 and box.y1 <= explorer.figure.bbox.y1   # and inside the figure


def test_histograms_are_normalized_per_layer():
    """Layers whose scales differ by decades share one axis: each histogram is of the
    values divided by their own std, so each has unit variance over the shown range."""
    e = Explorer(strategy="small_uniform", activation="linear", depth=10, width=256)
    for stair in e.stairs["act"]:
        data = stair.get_data()
        counts, edges = data.values, data.edges
        centers = (edges[:-1] + edges[1:]) / 2
        mass = np.nansum(counts) * (edges[1] - edges[0])
        var = np.nansum(counts * centers**2) * (edges[1] - edges[0]) / mass
        assert mass > 0.99 and abs(var - 1) < 0.1


CORNERS = [dict(depth=100, width=8, scale=10.0, mean=0.05, batch=16, seed=1),
           dict(depth=1, width=1024, scale=0.1, mean=-0.05, batch=512, seed=0),
           dict(depth=50, width=512, scale=3.0, mean=0.0, batch=16, seed=2)]


@pytest.mark.parametrize("strategy", MENU)
def test_every_control_combination_on_a_coarse_grid_draws(strategy):
    """Exploding and vanishing settings included: a figure, never an exception."""
    e = Explorer(strategy=strategy, depth=2, width=8, batch=16)
    for activation, corner in itertools.product(D.ACTIVATIONS, CORNERS):
        e.set(activation=activation, **corner)
        assert e.image.value[:4] == b"\x89PNG"
        assert e.result.depth == corner["depth"]
