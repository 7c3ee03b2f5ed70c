"""Slider figures: a live widget for Jupyter, a self-contained HTML slider for the book."""

import base64
import json
import re

import matplotlib
import pytest

import helpers

matplotlib.use("Agg")


def draw(fig, i):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, i])
    ax.set_title(f"state {i}")


def make(n=3, **kwargs):
    kwargs.setdefault("label", "w")
    kwargs.setdefault("alt", "a line whose slope grows")
    return helpers.slider_figure(draw, list(range(n)), **kwargs)


def test_one_png_frame_per_state_and_they_differ():
    s = make(4)
    assert len(s.frames) == 4
    assert all(f.startswith(b"\x89PNG") for f in s.frames)
    assert len(set(s.frames)) == 4


def test_html_is_self_contained_and_moves_through_all_states():
    s = make(3, initial=1)
    page = s.to_html()
    assert 'type="range"' in page and 'min="0"' in page and 'max="2"' in page and 'value="1"' in page
    assert 'alt="a line whose slope grows"' in page
    payload = re.search(r'class="helpers-slider-data">(.*?)</script>', page, re.S).group(1)
    payload = json.loads(payload)
    frames = [base64.b64decode(u.split(",", 1)[1]) for u in payload["frames"]]
    assert frames == s.frames
    assert payload["readouts"] == ["w = 0.00", "w = 1.00", "w = 2.00"]
    assert "http" not in page  # nothing to fetch


def test_bundle_offers_html_and_text_and_widget_when_possible():
    bundle = make()._repr_mimebundle_()
    assert bundle["text/plain"] == "SliderFigure('w': 3 states, 0.00 to 2.00)"
    assert "helpers-slider" in bundle["text/html"]
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


def test_live_widget_swaps_frames():
    s = make(3, initial=0)
    box = s.widget()
    image, slider = box.children
    assert image.value == s.frames[0]
    slider.value = 2
    assert image.value == s.frames[2]


def test_each_slider_gets_its_own_html_id():
    assert make().html_id != make().html_id


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(values=[1.0]), ValueError, "2 to 101 values"),
        (dict(values=list(range(102))), ValueError, "2 to 101 values"),
        (dict(values=["a", "b"]), TypeError, "values must be a sequence of numbers"),
        (dict(values=[0.0, float("nan")]), ValueError, "finite"),
        (dict(label=""), ValueError, "label must be a non-empty string"),
        (dict(alt=" "), ValueError, "alt must be a non-empty description"),
        (dict(initial=5), ValueError, "initial must be an index in 0..2"),
        (dict(draw="not a function"), TypeError, "draw must be a function"),
        (dict(texts=["a", "b"]), ValueError, "texts must be 3 non-empty strings"),
        (dict(texts="abc"), ValueError, "texts must be 3 non-empty strings"),
    ],
)
def test_bad_input_is_refused_clearly(kwargs, error, match):
    args = dict(draw=draw, values=[0, 1, 2], label="w", alt="alt text")
    args.update(kwargs)
    with pytest.raises(error, match=match):
        helpers.slider_figure(args.pop("draw"), args.pop("values"), **args)


def test_close_book_colours_stay_apart_in_the_light_frames():
    """w (orange) and E (vermillion) must not merge when frames are reduced to a palette."""
    import io

    import numpy as np
    from PIL import Image

    def two_lines(fig, i):  # thin lines over a busy background: hard for a fitted palette
        ax = fig.add_subplot()
        ax.imshow(np.linspace(0, 1, 64 * 256).reshape(64, 256), cmap="RdBu", aspect="auto",
                  extent=(0, 1, 0, 1))
        ax.plot([0, 1], [0, 1], color=helpers.ROLE_COLORS["w"], lw=2)
        ax.plot([0, 1], [1, 0 + i], color=helpers.ROLE_COLORS["E"], lw=2)

    frame = helpers.slider_figure(two_lines, [0, 1], label="w", alt="two lines").frames[0]
    pixels = np.asarray(Image.open(io.BytesIO(frame)).convert("RGB")).reshape(-1, 3)
    present = {tuple(int(v) for v in p) for p in np.unique(pixels, axis=0)}
    for name in ("w", "E"):
        hex_colour = helpers.ROLE_COLORS[name].lstrip("#")
        assert tuple(int(hex_colour[k:k + 2], 16) for k in (0, 2, 4)) in present, name


def test_named_states_show_their_names():
    s = make(3, label="scheme", texts=["N(0, 1)", "Xavier", "He"])
    assert s.readout(2) == "scheme = He"
    assert "scheme = Xavier" in s.to_html()
    assert [o[0] for o in s.widget().children[1].options] == ["N(0, 1)", "Xavier", "He"]
