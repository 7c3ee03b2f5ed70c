"""Slider figures that move in Jupyter/Colab *and* on the built (static) page.

A reader of the built HTML book has no kernel, so an ordinary ipywidgets slider
there is a picture that does not move. :func:`slider_figure` therefore draws
every state of the figure once, when the notebook runs, and shows

* in Jupyter and Colab: a live ipywidgets slider whose Python callback swaps
  in the drawn state;
* on the built page: the same states behind an HTML ``<input type="range">``
  with a few lines of inline JavaScript (no kernel, no server, no network).

Both come in one display bundle: Jupyter front ends render the widget view,
while the book renders the ``text/html`` part (``_config.yml`` ranks
``text/html`` first for the HTML builder).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image, ImageColor

from .plotting import PALETTE, warn_if_texts_overlap

#: Upper bound on the number of states, to keep the built pages light.
MAX_STATES = 101
_ids = itertools.count(1)


class SliderFigure:
    """A figure with one slider over precomputed states; display it in a notebook."""

    def __init__(self, frames: list[bytes], values: list[float], label: str, alt: str,
                 texts: list[str], index: int):
        self.frames = frames
        self.values = values
        self.label = label
        self.alt = alt
        self.texts = texts  # what the readout shows for each state
        self.index = index
        self.html_id = f"helpers-slider-{next(_ids)}"

    def readout(self, i: int) -> str:
        return f"{self.label} = {self.texts[i]}"

    def __repr__(self) -> str:
        return (f"SliderFigure({self.label!r}: {len(self.values)} states, "
                f"{self.texts[0]} to {self.texts[-1]})")

    def to_html(self) -> str:
        """Self-contained HTML: image, range input, readout and a tiny script."""
        uris = ["data:image/png;base64," + base64.b64encode(f).decode() for f in self.frames]
        data = json.dumps({"frames": uris, "readouts": [self.readout(i) for i in
                                                        range(len(self.values))]})
        i = self.index
        hid = self.html_id
        return f"""<div class="helpers-slider" id="{hid}">
<img class="helpers-slider-image" src="{uris[i]}" alt="{html.escape(self.alt)}" style="max-width:100%;height:auto">
<div class="helpers-slider-controls" style="display:flex;gap:0.75em;align-items:center">
<input type="range" min="0" max="{len(self.values) - 1}" step="1" value="{i}" aria-label="{html.escape(self.label)}" style="flex:1;max-width:24em">
<output>{html.escape(self.readout(i))}</output>
</div>
<script type="application/json" class="helpers-slider-data">{data}</script>
<script>(function () {{
  var root = document.getElementById("{hid}");
  var data = JSON.parse(root.querySelector("script.helpers-slider-data").textContent);
  var img = root.querySelector("img"), out = root.querySelector("output");
  var input = root.querySelector("input");
  input.addEventListener("input", function () {{
    var k = Number(input.value);
    img.src = data.frames[k];
    out.textContent = data.readouts[k];
  }});
}})();</script>
</div>"""

    def widget(self):
        """The live ipywidgets version: a selection slider that swaps the drawn states."""
        import ipywidgets as widgets

        image = widgets.Image(value=self.frames[self.index], format="png")
        slider = widgets.SelectionSlider(
            options=[(t, i) for i, t in enumerate(self.texts)],
            value=self.index, description=self.label, continuous_update=True,
            layout=widgets.Layout(width="min(100%, 36em)"),
        )

        def show(change):
            image.value = self.frames[change["new"]]

        slider.observe(show, names="value")
        return widgets.VBox([image, slider])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.to_html()}
        try:
            box = self.widget()
        except Exception:  # no ipywidgets or no kernel: the static HTML is enough
            return bundle
        bundle["application/vnd.jupyter.widget-view+json"] = {
            "version_major": 2, "version_minor": 0, "model_id": box.model_id}
        return bundle


def _palette_of(rgb: Image.Image) -> Image.Image:
    """A 256-colour palette: the book's named colours exactly, the rest fitted to the image."""
    fixed = [(255, 255, 255), (0, 0, 0)] + [ImageColor.getrgb(c) for c in PALETTE.values()]
    fitted = rgb.quantize(colors=256 - len(fixed), method=Image.Quantize.MEDIANCUT)
    entries = [tuple(c) for c in fixed] + [
        tuple(fitted.getpalette()[3 * k:3 * k + 3]) for k in range(256 - len(fixed))]
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for c in entries for v in c])
    return palette


def _render(fig: Figure, draw: Callable[[Figure, int], None], i: int, dpi: int) -> bytes:
    """Draw state ``i`` and return it as a small palette PNG.

    A palette keeps pages light; it always holds the book's named colours, so
    that close colours such as the lecture's orange w and vermillion E stay apart.
    """
    fig.clear()
    draw(fig, i)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    warn_if_texts_overlap(fig)
    rgb = Image.open(buf).convert("RGB")
    image = rgb.quantize(palette=_palette_of(rgb), dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def slider_figure(
    draw: Callable[[Figure, int], None],
    values: Sequence[float],
    *,
    label: str,
    alt: str,
    fmt: str = "{:.2f}",
    texts: Sequence[str] | None = None,
    initial: int | None = None,
    figsize: tuple[float, float] = (6.4, 3.6),
    dpi: int = 100,
) -> SliderFigure:
    """Draw ``draw(fig, i)`` for every state ``i`` of ``values`` and return a slider over them.

    ``values`` are the slider's positions (e.g. a grid of ``w``), ``label`` its
    name, ``alt`` the image's alternative text for readers who cannot see it.
    ``draw`` receives an empty figure and the index of the state to draw;
    compute the states beforehand (``jax.vmap`` makes a grid of them cheap).
    The readout shows ``fmt.format(value)``, or ``texts[i]`` when given (e.g.
    names of initialisation schemes for states 0, 1, 2, ...).
    """
    if not callable(draw):
        raise TypeError(f"draw must be a function draw(fig, i), got {type(draw).__name__}")
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"values must be a sequence of numbers: {exc}") from None
    if not 2 <= len(values) <= MAX_STATES:
        raise ValueError(f"a slider needs 2 to {MAX_STATES} values, got {len(values)}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError("values must all be finite numbers")
    if not isinstance(label, str) or not label.strip():
        raise ValueError("label must be a non-empty string naming the slider's quantity")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty description of the figure")
    index = len(values) // 2 if initial is None else initial
    if not (isinstance(index, int) and 0 <= index < len(values)):
        raise ValueError(f"initial must be an index in 0..{len(values) - 1}, got {initial!r}")
    if texts is None:
        texts = [fmt.format(v) for v in values]
    elif isinstance(texts, str) or len(texts) != len(values) or not all(
            isinstance(t, str) and t.strip() for t in texts):
        raise ValueError(f"texts must be {len(values)} non-empty strings, one per value")
    fig = plt.figure(figsize=figsize, dpi=dpi, layout="constrained")
    try:
        frames = [_render(fig, draw, i, dpi) for i in range(len(values))]
    finally:
        plt.close(fig)
    return SliderFigure(frames, values, label, alt, list(texts), index)
