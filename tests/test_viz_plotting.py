"""initlib.viz.plotting: the figures use a colour-blind-safe palette, and no two curves
of a figure are told apart by colour alone."""

from types import SimpleNamespace

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest

from initlib import diagnostics as D
from initlib.viz import plotting as P

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
             "#CC79A7"}


def hex_of(color) -> str:
    return mcolors.to_hex(color).upper()


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_the_palette_is_okabe_ito_and_every_activation_has_its_own_colour_and_marker():
    assert {c.upper() for c in P.PALETTE} == OKABE_ITO and len(P.PALETTE) == 8
    colors = [c for c, _ in P.STYLES.values()]
    markers = [m for _, m in P.STYLES.values()]
    assert len(set(colors)) == len(colors) and len(set(markers)) == len(markers)
    assert {c.upper() for c in colors} <= OKABE_ITO
    assert P.COLORS == {a: c for a, (c, _) in P.STYLES.items()}
    assert len(set(P.MARKERS)) == len(P.MARKERS) == len(P.PALETTE)
    assert len(set(map(str, P.LINESTYLES))) == len(P.LINESTYLES) == len(P.PALETTE)


def test_histograms_use_the_palette(ax):
    P.weight_histogram(ax, "he_normal", (64, 32), seed=0)
    assert {hex_of(p.get_facecolor()) for p in ax.patches} <= OKABE_ITO


def test_no_two_curves_share_colour_and_second_cue():
    cues = [P.cue(i) for i in range(64)]
    assert len({(c, m) for c, m, _ in cues}) == 64
    assert len({(c, str(ls)) for c, _, ls in cues}) == 64
    assert P.cue(np.int64(3)) == P.cue(3)
    with pytest.raises(TypeError, match="i must be an int"):
        P.cue(1.0)
    with pytest.raises(ValueError, match="i must be >= 0"):
        P.cue(-1)


def test_depth_profiles_differ_in_colour_and_marker(ax):
    props = [D.propagate("random_normal", "relu", depth=4, width=8, batch=8, seed=0, std=s)
             for s in (0.3, 0.5, 0.7, 0.9)]
    P.depth_profile(ax, props, "preact_std", theory=[None] * 4)
    styles = [(hex_of(line.get_color()), line.get_marker()) for line in ax.get_lines()]
    assert len(set(styles)) == 4 and {c for c, _ in styles} <= OKABE_ITO


def test_strategy_profiles_give_each_activation_its_style():
    fig, _ = P.strategy_profiles("he_normal", ("linear", "tanh", "relu"), depth=3, width=8,
                                 batch=4)
    measured = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "-"]
    assert [(hex_of(line.get_color()), line.get_marker()) for line in measured] == [
        (P.STYLES[a][0], P.STYLES[a][1]) for a in ("linear", "tanh", "relu")]
    plt.close(fig)


def runs(n):
    return [SimpleNamespace(strategy=f"s{i}", history={"val_accuracy": [0.1, 0.2 + i / 100]},
                            grad_norms=[np.array([1.0, 2.0 + i])]) for i in range(n)]


def test_learning_curves_and_gradient_norms_differ_in_more_than_colour(ax):
    P.learning_curves(ax, runs(9))
    styles = [(hex_of(line.get_color()), str(line.get_linestyle())) for line in ax.get_lines()]
    assert len(set(styles)) == 9
    ax.clear()
    P.gradient_norms(ax, runs(9))
    styles = [(hex_of(line.get_color()), line.get_marker()) for line in ax.get_lines()]
    assert len(set(styles)) == 9 and {c for c, _ in styles} <= OKABE_ITO


def test_learning_curves_take_runs_stopped_early(ax):
    runs = [SimpleNamespace(strategy="glorot_normal", history={"val_accuracy": [0.1, 0.1]}),
            SimpleNamespace(strategy="glorot_normal", history={"val_accuracy": [0.1, 0.2, 0.3]}),
            SimpleNamespace(strategy="he_normal", history={"val_accuracy": [0.5, 0.7, 0.9]})]
    P.learning_curves(ax, runs)
    glorot, he = ax.get_lines()
    np.testing.assert_allclose(glorot.get_ydata(), [0.1, 0.15, 0.3])   # epoch 3: one run
    np.testing.assert_allclose(he.get_ydata(), [0.5, 0.7, 0.9])
