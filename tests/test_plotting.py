"""The book's figure style."""

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager

import helpers

matplotlib.use("Agg")


def test_style_is_opaque_white_with_the_colour_blind_safe_cycle():
    helpers.set_style()
    assert matplotlib.rcParams["figure.facecolor"] == "white"
    assert matplotlib.rcParams["savefig.transparent"] is False
    cycle = [c.lower() for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle[:3] == [helpers.PALETTE[k].lower() for k in ("blue", "orange", "green")]


def test_korean_text_has_a_font(recwarn):
    helpers.set_style()
    assert "NanumGothic" in matplotlib.rcParams["font.family"]
    fig, ax = plt.subplots()
    ax.set_title("지역 영향 (local gradient)")
    fig.canvas.draw()
    plt.close(fig)
    missing = [w for w in recwarn if "missing from font" in str(w.message)]
    assert not missing, [str(w.message) for w in missing]
    assert any("Nanum" in f.name for f in font_manager.fontManager.ttflist)
