"""The book's figure style and the decision-boundary plot."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import font_manager

import helpers
from helpers.plotting import overlapping_texts, plot_decision_boundary, warn_if_texts_overlap

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


# ------------------------------------------------------------------ overlapping text


def test_a_clean_figure_has_no_overlapping_text():
    helpers.set_style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    for ax, title in [(left, "without dropout"), (right, "with dropout")]:
        ax.plot([0, 1], [0, 1], label="training")
        ax.set(title=title, xlabel="epoch", ylabel="accuracy (%)")
        ax.legend(loc="lower right")
    assert overlapping_texts(fig) == []
    plt.close(fig)


def test_overlaps_are_found_and_named():
    helpers.set_style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(4, 2))
    left.set_title("77.8 % without dropout")
    right.set_title("with dropout")  # too long for the narrow panels: the titles meet
    left.plot([0, 1], [0, 1], label="training")
    left.legend(loc="upper left")
    left.annotate("best epoch", (0.05, 0.95), xycoords="axes fraction", va="top")
    pairs = overlapping_texts(fig)
    assert ("77.8 % without dropout", "with dropout") in pairs
    assert ("best epoch", "training") in pairs  # an annotation over the legend
    fig.canvas.draw()
    with pytest.warns(UserWarning, match="overlapping text in a figure: .*'best epoch'"):
        warn_if_texts_overlap(fig)
    plt.close(fig)


def test_hidden_texts_and_ticks_outside_the_view_do_not_count():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "shown")
    ax.text(0.5, 0.5, "hidden", visible=False)
    ax.set_xticks(range(20), [f"tick {i}" for i in range(20)])
    ax.set_xlim(-0.5, 0.5)  # only tick 0 is drawn
    assert overlapping_texts(fig) == []
    ax.axis("off")
    ax.text(0.5, 0.5, "on top")
    assert overlapping_texts(fig) == [("shown", "on top")]
    plt.close(fig)


def test_overlap_check_rejects_what_is_not_a_figure():
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure, got Axes"):
        overlapping_texts(plt.subplots()[1])
    plt.close("all")


def test_figures_shown_in_ipython_are_checked():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    png = shell.display_formatter.formatters["image/png"]
    png.for_type(matplotlib.figure.Figure, lambda fig: b"png")  # as the inline backend does
    helpers.set_style()
    helpers.set_style()  # a second call does not check twice
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "one")
    ax.text(0.5, 0.5, "two")
    fig.canvas.draw()  # the inline backend's formatter draws it
    with pytest.warns(UserWarning, match="'one' and 'two'") as caught:
        assert png(fig) == b"png"
    assert len(caught) == 1
    plt.close(fig)
    InteractiveShell.clear_instance()


# ------------------------------------------------------------------ plot_decision_boundary


def _points():
    x = np.array([[-1.0, -1.0], [-0.5, 0.5], [0.8, -0.2], [1.0, 1.0]], np.float32)
    y = np.array([0, 0, 1, 1], np.int32)
    return x, y


def _boundary_vertices(ax):
    found = [a for a in ax.get_children() if a.get_gid() == "decision-boundary"]
    assert len(found) == 1, "exactly one decision-boundary contour"
    return np.concatenate([p.vertices for p in found[0].get_paths()])


def test_the_boundary_is_drawn_where_predict_crosses_one_half():
    x, y = _points()
    fig, ax = plt.subplots()
    out = plot_decision_boundary(
        ax, lambda g: 1 / (1 + np.exp(-10 * (g[:, 0] - 0.3))), x, y,
        extent=(-1.5, 1.5, -1.5, 1.5), resolution=101,
    )
    assert out is ax
    v = _boundary_vertices(ax)
    np.testing.assert_allclose(v[:, 0], 0.3, atol=0.01)  # the vertical line x1 = 0.3
    assert v[:, 1].min() < -1.4 and v[:, 1].max() > 1.4  # across the whole plot
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert ax.get_xlim() == (-1.5, 1.5)
    plt.close(fig)


def test_a_curved_boundary_follows_the_circle():
    x, y = _points()
    fig, ax = plt.subplots()
    plot_decision_boundary(ax, lambda g: (np.hypot(g[:, 0], g[:, 1]) < 0.7).astype(float) * 0.8
                           + 0.1, x, y, extent=(-1, 1, -1, 1))
    radius = np.hypot(*_boundary_vertices(ax).T)
    np.testing.assert_allclose(radius, 0.7, atol=0.02)
    plt.close(fig)


def test_points_are_drawn_by_class_with_the_palette():
    x, y = _points()
    fig, ax = plt.subplots()
    plot_decision_boundary(ax, lambda g: np.full(len(g), 0.2), x, y, resolution=10)
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    assert [c.get_label() for c in scatters] == ["class 0", "class 1"]
    assert [len(c.get_offsets()) for c in scatters] == [2, 2]
    colors = [matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in scatters]
    assert colors == [helpers.PALETTE["vermillion"].lower(), helpers.PALETTE["blue"].lower()]
    # predict never crosses 0.5: no boundary line, and the default extent holds the points.
    assert not [a for a in ax.get_children() if a.get_gid() == "decision-boundary"]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < -1 and x1 > 1 and y0 < -1 and y1 > 1
    plt.close(fig)


def test_predict_is_called_once_on_the_grid():
    x, y = _points()
    calls = []

    def predict(g):
        calls.append(g.shape)
        assert g.dtype == np.float32
        return np.full(len(g), 0.7)

    fig, ax = plt.subplots()
    plot_decision_boundary(ax, predict, x, y, resolution=30)
    assert calls == [(900, 2)]
    plt.close(fig)


@pytest.mark.parametrize(
    ("predict", "x", "y", "kwargs", "error", "match"),
    [
        (lambda g: np.zeros((len(g), 2)), None, None, {}, ValueError,
         r"shape \(m,\).*take the class-1 column"),
        (lambda g: g[:, 0] * 5, None, None, {}, ValueError, "probabilities in \\[0, 1\\]"),
        (lambda g: np.full(len(g), np.nan), None, None, {}, ValueError, "probabilities"),
        (None, np.zeros((4, 3), np.float32), None, {}, ValueError, r"x must be points of shape"),
        (None, np.zeros((4, 2), np.int32), None, {}, TypeError, "x must hold finite floats"),
        (None, None, np.array([0, 1, 1]), {}, ValueError, r"y must be labels of shape \(4,\)"),
        (None, None, np.array([0, 1, 2, 1]), {}, ValueError, "class labels 0 and 1"),
        (None, None, None, {"extent": (1, 0, 0, 1)}, ValueError, "min < max"),
        (None, None, None, {"extent": (0, 1, 0)}, ValueError, "extent must be"),
        (None, None, None, {"extent": "abcd"}, TypeError, "extent must be"),
        (None, None, None, {"resolution": 1}, ValueError, "resolution must be at least 2"),
        (None, None, None, {"resolution": 2.5}, TypeError, "resolution must be an int"),
    ],
)
def test_bad_input_is_named(predict, x, y, kwargs, error, match):
    px, py = _points()
    predict = predict or (lambda g: np.full(len(g), 0.5))
    fig, ax = plt.subplots()
    with pytest.raises(error, match=match):
        plot_decision_boundary(ax, predict, px if x is None else x, py if y is None else y,
                               **kwargs)
    plt.close(fig)


def test_a_second_boundary_can_be_added_without_repeating_the_points():
    x, y = _points()
    fig, ax = plt.subplots()
    plot_decision_boundary(ax, lambda g: 1 / (1 + np.exp(-5 * g[:, 0])), x, y)
    plot_decision_boundary(ax, lambda g: 1 / (1 + np.exp(-5 * g[:, 1])), x, y, shade=False,
                           show_points=False, boundary_color="green", boundary_label="second")
    assert len([a for a in ax.get_children() if a.get_gid() == "decision-boundary"]) == 2
    assert len([c for c in ax.collections if c.get_label().startswith("class")]) == 2
    assert len(ax.images) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "second"
    plt.close(fig)
