"""One figure style for the whole book, a check that a figure's texts do not overlap, and
the decision-boundary plot of a 2-D classifier.

Figures are drawn on an opaque white background, so that they stay legible in
both the light and the dark mode of the book's theme (black text on a
transparent background would vanish in dark mode). Colours come from the
Okabe-Ito palette, which stays distinguishable for colour-blind readers.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib import font_manager
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.text import Text

#: Okabe & Ito (2008), "Color Universal Design": safe for common colour blindness.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: The lecture's colour code, kept across the book: w orange, h green, E red.
ROLE_COLORS = {
    "w": PALETTE["orange"],
    "h": PALETTE["green"],
    "E": PALETTE["vermillion"],
    "forward": PALETTE["blue"],
    "gradient": PALETTE["green"],
}

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "text.color": "black",
    "axes.labelcolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "axes.prop_cycle": cycler(
        color=[PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky")]
    ),
}


def _korean_font() -> str:
    """Register NanumGothic (shipped by koreanize-matplotlib) and return its family name.

    The package is located without importing it, since importing it would
    change matplotlib's settings by itself.
    """
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "koreanize-matplotlib is missing: it provides the Korean font for the lecture's "
            "terms in figures (pip install koreanize-matplotlib)"
        )
    fonts = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    for name in ("NanumGothic.ttf", "NanumGothicBold.ttf"):  # titles are bold
        font_manager.fontManager.addfont(str(fonts / name))
    return font_manager.FontProperties(fname=str(fonts / "NanumGothic.ttf")).get_name()


def set_style() -> None:
    """Apply the book's figure style to matplotlib (call once per notebook).

    Latin text and math use DejaVu Sans; Hangul falls back to NanumGothic. In Jupyter,
    every figure shown is also checked for overlapping text (:func:`warn_if_texts_overlap`).
    """
    mpl.rcParams.update(STYLE)
    mpl.rcParams["font.family"] = ["DejaVu Sans", _korean_font()]
    # The fallback fonts' bold weights differ slightly (DejaVu 700, NanumGothic 600), and
    # matplotlib logs each substitution. Missing glyphs still warn (through `warnings`).
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    _check_figures_as_they_are_shown()


# ------------------------------------------------------------------ overlapping text

def _drawn_texts(fig: Figure) -> list[Text]:
    """The figure's visible, non-empty texts; a tick label only where its tick is drawn."""
    hidden: set[int] = set()
    drawn: list[Text] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            hidden.update(id(label) for tick in ticks for label in (tick.label1, tick.label2))
            if not (ax.get_visible() and ax.axison and axis.get_visible()):
                continue
            lo, hi = sorted(axis.get_view_interval())
            pad = 1e-9 * max(1.0, abs(lo), abs(hi))
            drawn += [label for tick in ticks if lo - pad <= tick.get_loc() <= hi + pad
                      for label in (tick.label1, tick.label2)]
        if not ax.get_visible():
            hidden.update(id(t) for t in ax.findobj(Text))
    drawn += [t for t in fig.findobj(Text) if id(t) not in hidden]
    return [t for t in drawn if t.get_visible() and t.get_text().strip()]


def overlapping_texts(fig: Figure, min_overlap: float = 1.0, *,
                      draw: bool = True) -> list[tuple[str, str]]:
    """Pairs of texts of ``fig`` that are drawn over each other, as ``(text, text)``.

    Texts are titles, axis and tick labels, annotations, legend entries and
    ``fig.text``; a text drawn over a legend counts as overlapping its first entry.
    Two boxes overlap when they share more than ``min_overlap`` pixels in both
    directions (touching boxes do not). The figure is drawn first, which applies its
    layout engine; ``draw=False`` skips that for a figure just saved or shown.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if draw:
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _drawn_texts(fig)
    boxes = [t.get_window_extent(renderer) for t in texts]
    legends = [lg for lg in [ax.get_legend() for ax in fig.axes] + fig.legends
               if lg is not None and lg.get_visible()]
    legend_texts = {id(t) for lg in legends for t in lg.get_texts()}

    def overlap(a, b) -> bool:
        return (min(a.x1, b.x1) - max(a.x0, b.x0) > min_overlap
                and min(a.y1, b.y1) - max(a.y0, b.y0) > min_overlap)

    pairs = {}  # ordered and without repeats
    for i, (t, a) in enumerate(zip(texts, boxes, strict=True)):
        for u, b in zip(texts[i + 1:], boxes[i + 1:], strict=True):
            if overlap(a, b):
                pairs[t.get_text(), u.get_text()] = None
        for lg in legends:
            if id(t) not in legend_texts and lg.get_texts() and overlap(
                    a, lg.get_window_extent(renderer)):
                pairs[t.get_text(), lg.get_texts()[0].get_text()] = None
    return list(pairs)


def warn_if_texts_overlap(fig: Figure) -> None:
    """Warn (a ``UserWarning`` naming the texts) when texts of ``fig``, just drawn, overlap."""
    pairs = overlapping_texts(fig, draw=False)
    if pairs:
        listed = "; ".join(f"{a!r} and {b!r}" for a, b in pairs[:5])
        warnings.warn(f"overlapping text in a figure: {listed}", UserWarning, stacklevel=2)


def _check_figures_as_they_are_shown() -> None:
    """In IPython, check every figure that is displayed as a PNG (once per session)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    png = shell.display_formatter.formatters["image/png"]
    try:
        show = png.lookup_by_type(Figure)
    except KeyError:
        return
    if getattr(show, "_checks_overlap", False):
        return

    def checked(fig, *args, **kwargs):
        data = show(fig, *args, **kwargs)
        warn_if_texts_overlap(fig)
        return data

    checked._checks_overlap = True
    png.for_type(Figure, checked)


# ------------------------------------------------------------------ decision boundaries in 2-D

#: How the two classes of a 2-D set are drawn: the lecture's red and blue (p. 54).
CLASS_STYLES = (
    {"color": PALETTE["vermillion"], "marker": "o", "label": "class 0"},
    {"color": PALETTE["blue"], "marker": "^", "label": "class 1"},
)

#: P(class 1) from 0 to 1: light vermillion through white to light blue.
PROBABILITY_CMAP = LinearSegmentedColormap.from_list(
    "probability", ["#F4B894", "white", "#9CC7E4"]
)


def plot_decision_boundary(
    ax: Any,
    predict: Callable[[np.ndarray], Any],
    x: Any,
    y: Any,
    *,
    extent: tuple[float, float, float, float] | None = None,
    resolution: int = 200,
    shade: bool = True,
    boundary_color: str = "black",
    boundary_label: str | None = "P(class 1) = 0.5",
    point_size: float = 28.0,
    show_points: bool = True,
    legend: bool = True,
) -> Any:
    """Draw a 2-D classifier seen from above: shaded P(class 1), its 0.5 contour, the points.

    ``predict`` maps an ``(m, 2)`` float32 array of points to the probability of
    class 1, shape ``(m,)``; it is called once on a ``resolution`` x ``resolution``
    grid covering ``extent = (x1_min, x1_max, x2_min, x2_max)`` (by default the
    points' range with a margin). ``x`` ``(n, 2)`` and ``y`` ``(n,)`` (labels 0 and 1)
    are the points drawn on top, class 0 as vermillion circles, class 1 as blue
    triangles. The boundary line carries ``gid="decision-boundary"``. To draw a second
    model's boundary on the same axes, call again with ``shade=False, show_points=False``
    and another ``boundary_color``. Returns ``ax``.
    """
    x, y = _check_points(x, y)
    if extent is None:
        lo, hi = x.min(axis=0), x.max(axis=0)
        margin = 0.1 * np.maximum(hi - lo, 1e-6)
        extent = (lo[0] - margin[0], hi[0] + margin[0], lo[1] - margin[1], hi[1] + margin[1])
    extent = _check_extent(extent)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise TypeError(f"resolution must be an int, got {resolution!r}")
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2 grid points per axis, got {resolution}")
    g1 = np.linspace(extent[0], extent[1], resolution, dtype=np.float32)
    g2 = np.linspace(extent[2], extent[3], resolution, dtype=np.float32)
    grid1, grid2 = np.meshgrid(g1, g2)
    grid = np.stack([grid1.ravel(), grid2.ravel()], axis=1)
    prob = _check_probabilities(predict(grid), len(grid)).reshape(grid1.shape)

    if shade:
        ax.imshow(prob, extent=extent, origin="lower", cmap=PROBABILITY_CMAP, vmin=0.0,
                  vmax=1.0, aspect="auto", interpolation="bilinear", zorder=0)
    if prob.min() < 0.5 < prob.max():
        contour = ax.contour(grid1, grid2, prob, levels=[0.5], colors=[boundary_color],
                             linewidths=2.0, zorder=2)
        contour.set_gid("decision-boundary")
        if boundary_label:
            ax.plot([], [], color=boundary_color, lw=2.0, label=boundary_label)
    for cls, style in enumerate(CLASS_STYLES if show_points else ()):
        pts = x[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=point_size, c=style["color"], marker=style["marker"],
                   edgecolors="white", linewidths=0.6, label=style["label"], zorder=3)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.grid(False)
    if legend:
        ax.legend(loc="lower right", frameon=True, framealpha=0.85, fontsize=9)
    return ax


def _check_points(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"x must be points of shape (n, 2), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating) or not np.isfinite(x).all():
        raise TypeError(f"x must hold finite floats, got dtype {x.dtype}")
    if y.shape != (len(x),):
        raise ValueError(f"y must be labels of shape ({len(x)},) to match x, got {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must hold class labels 0 and 1, got values {np.unique(y)[:5]}")
    return x, y.astype(np.int32)


def _check_extent(extent: Any) -> tuple[float, float, float, float]:
    try:
        e = tuple(float(v) for v in extent)
    except (TypeError, ValueError):
        raise TypeError(f"extent must be (x1_min, x1_max, x2_min, x2_max), got {extent!r}") from None
    if len(e) != 4 or not (e[0] < e[1] and e[2] < e[3]) or not np.isfinite(e).all():
        raise ValueError(
            f"extent must be (x1_min, x1_max, x2_min, x2_max) with min < max, got {extent!r}"
        )
    return e  # type: ignore[return-value]


def _check_probabilities(prob: Any, m: int) -> np.ndarray:
    prob = np.asarray(prob, dtype=np.float64)
    if prob.shape != (m,):
        raise ValueError(
            f"predict must map an (m, 2) array to P(class 1) of shape (m,), got shape "
            f"{prob.shape} for m = {m}"
            + (" (take the class-1 column, e.g. softmax(logits)[:, 1])" if prob.ndim == 2 else "")
        )
    if not np.isfinite(prob).all():
        raise ValueError("predict must return probabilities in [0, 1], got NaN or infinite values")
    if prob.min() < 0.0 or prob.max() > 1.0:
        raise ValueError(
            "predict must return probabilities in [0, 1] (apply sigmoid or softmax to logits), "
            f"got values from {prob.min():.3g} to {prob.max():.3g}"
        )
    return prob
