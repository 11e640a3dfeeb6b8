"""The backward pass as an animated GIF and as a self-contained HTML page."""

import re

import pytest
from PIL import Image

from micrograd_plus.engine import Value
from micrograd_plus.viz import backward_steps, save_backward_animation, save_backward_html

pytestmark = pytest.mark.xdist_group("viz-rendering")


def small_graph():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    L = c * Value(-2.0, label="f")
    L.label = "L"
    return L


def test_gif_has_one_frame_per_step_and_fits_a_screen(tmp_path):
    L = small_graph()
    path = save_backward_animation(L, tmp_path / "backprop.gif", max_pixels=(800, 450))
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(backward_steps(L)) + 1  # plus step 0, after the forward pass
        assert gif.width <= 800 and gif.height <= 450
        first = gif.convert("RGB").resize((60, 30)).tobytes()
        gif.seek(gif.n_frames - 1)
        last = gif.convert("RGB").resize((60, 30)).tobytes()
        assert first != last  # the gradients change from frame to frame
        assert gif.info["loop"] == 0


def test_html_is_self_contained_with_a_frame_and_explanation_per_step(tmp_path):
    L = small_graph()
    page = save_backward_html(L, tmp_path / "backprop.html").read_text()
    frames = re.findall(r'<section class="frame" data-step="(\d+)"', page)
    assert frames == [str(k) for k in range(len(backward_steps(L)) + 1)]
    assert page.count("<svg") == len(frames)
    assert "dL/da = dL/dc * dc/da = -2.0 * 3.0 = -6.0" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from a network
    assert 'id="next"' in page and "ArrowRight" in page


def test_wrong_suffix_and_too_long_films_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.gif"):
        save_backward_animation(small_graph(), tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"\.html"):
        save_backward_html(small_graph(), tmp_path / "x.svg")
    chain = Value(1.0, label="x")
    for _ in range(200):
        chain = chain * 1.01
    with pytest.raises(ValueError, match="too long to follow"):
        save_backward_html(chain, tmp_path / "long.html")
