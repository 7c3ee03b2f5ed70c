"""One figure style for the whole book.

Figures are drawn on an opaque white background, so that they stay legible in
both the light and the dark mode of the book's theme (black text on a
transparent background would vanish in dark mode). Colours come from the
Okabe-Ito palette, which stays distinguishable for colour-blind readers.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import matplotlib as mpl
from cycler import cycler
from matplotlib import font_manager

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

    Latin text and math use DejaVu Sans; Hangul falls back to NanumGothic.
    """
    mpl.rcParams.update(STYLE)
    mpl.rcParams["font.family"] = ["DejaVu Sans", _korean_font()]
    # The fallback fonts' bold weights differ slightly (DejaVu 700, NanumGothic 600), and
    # matplotlib logs each substitution. Missing glyphs still warn (through `warnings`).
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
