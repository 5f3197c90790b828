"""initlib.viz.plotting: the figures use a colour-blind-safe palette, and no two curves
of a figure are told apart by colour alone."""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pytest

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
