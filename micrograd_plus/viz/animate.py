"""The backward pass as a film: an animated GIF, or a self-contained HTML page with buttons.

Frame k is ``draw_dot(root, step=k)`` with ``explain`` of step k written above it, so the film
shows exactly what stepping in a notebook shows. The HTML page holds every frame as inline SVG
and a few lines of JavaScript: it works offline, in a browser or embedded in slides.
"""

from __future__ import annotations

import html
import io
import os
from pathlib import Path
from typing import Any

import graphviz

from .._files import write_atomically
from .graph import Collapse, StepPictures, whole_order
from .nodes import Graph
from .rendering import render_png, render_svg
from .steps import explain
from .text import wrap_words

__all__ = ["save_backward_animation", "save_backward_html", "MAX_STEPS"]

MAX_STEPS = 150  # a longer film teaches nothing; draw a smaller graph instead


def _film(root: Any, who: str, flow: bool, collapse: Collapse | None,
          model: Any) -> list[tuple[str, graphviz.Digraph]]:
    """Each frame's caption and graph: ``draw_dot(root, step=k)`` under ``explain`` of step k,
    for k = 0 (after the forward pass) to the last step."""
    graph = Graph(root, who)
    count = 1 + sum(1 for node in whole_order(graph, who) if graph.operands(node))  # seed + ops
    if count > MAX_STEPS:
        raise ValueError(
            f"This backward pass has {count} steps; a film of more than {MAX_STEPS} is too "
            f"long to follow. Animate a smaller graph (one neuron, or one example's loss)."
        )
    pictures = StepPictures(root, who, flow=flow, collapse=collapse, model=model,
                            max_nodes=None)
    captions = ["Step 0: the forward pass is done; every gradient is still 0."] + [
        explain(step).text for step in pictures.backward_steps]
    return [(caption, pictures.backward(k)) for k, caption in enumerate(captions)]


def save_backward_animation(root: Any, path: str | os.PathLike, *, flow: bool = True,
                            seconds_per_step: float = 1.5, collapse: Collapse | None = None,
                            model: Any = None, max_pixels: tuple[int, int] = (1280, 720)) -> Path:
    """Write the backward pass from ``root`` as an animated GIF (one frame per step, looping).

    Each frame is at most ``max_pixels`` (width, height), caption included; the first and last
    frames stay up twice as long.
    """
    from PIL import Image  # Pillow comes with matplotlib

    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"save_backward_animation writes a .gif file, not {path.name!r}.")
    caption_font = _font(22)
    line_height = 30
    film = _film(root, "save_backward_animation", flow, collapse, model)
    caption_width = max_pixels[0] - 24
    captions = [wrap_words(caption, lambda line: caption_font.getlength(line) <= caption_width,
                           "    ")
                for caption, _ in film]
    caption_height = line_height * max(len(lines) for lines in captions) + 24
    graph_pixels = (max_pixels[0], max_pixels[1] - caption_height)
    pictures = [Image.open(io.BytesIO(render_png(graph, graph_pixels))).convert("RGB")
                for _, graph in film]
    width = max(p.width for p in pictures)
    height = caption_height + max(p.height for p in pictures)
    frames = []
    for caption, picture in zip(captions, pictures):
        frame = Image.new("RGB", (width, height), "white")
        _write(frame, caption, caption_font, line_height)
        frame.paste(picture, ((width - picture.width) // 2, caption_height))
        frames.append(frame.quantize(colors=256, dither=Image.Dither.NONE))
    durations = [round(1000 * seconds_per_step)] * len(frames)
    durations[0] = durations[-1] = 2 * durations[0]
    film = io.BytesIO()
    frames[0].save(film, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, film.getvalue())
    return path


def _font(size: int):
    """A scalable font that is always there: matplotlib ships DejaVu Sans."""
    from matplotlib import font_manager
    from PIL import ImageFont

    return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)


def _write(frame, lines: list[str], font, line_height: int) -> None:
    from PIL import ImageDraw

    draw = ImageDraw.Draw(frame)
    for i, line in enumerate(lines):
        draw.text((12, 12 + i * line_height), line, fill="black", font=font)


def save_backward_html(root: Any, path: str | os.PathLike, *, flow: bool = True,
                       collapse: Collapse | None = None, model: Any = None,
                       title: str = "Backpropagation, one step at a time") -> Path:
    """Write the backward pass from ``root`` as one HTML file: every step's graph as inline SVG,
    its explanation, and Previous / Next / Play buttons (arrow keys work too). No network needed.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"save_backward_html writes an .html file, not {path.name!r}.")
    frames = []
    for k, (caption, graph) in enumerate(_film(root, "save_backward_html", flow, collapse, model)):
        svg = render_svg(graph)
        frames.append(f'<section class="frame" data-step="{k}"{"" if k == 0 else " hidden"}>'
                      f"<pre>{html.escape(caption)}</pre>{svg}</section>")
    page = _PAGE.format(title=html.escape(title), count=len(frames), frames="\n".join(frames))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, page)
    return path


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; }}
  h1 {{ font-size: 1.6em; margin: 0 0 .5em; }}
  nav {{ display: flex; gap: .6em; align-items: center; font-size: 1.3em; margin-bottom: .6em; }}
  button {{ font-size: 1em; padding: .3em .9em; }}
  pre {{ font-size: 1.25em; white-space: pre-wrap; margin: .3em 0 .8em; min-height: 4.5em; }}
  svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<nav>
  <button id="previous" title="left arrow">&#9664; Previous</button>
  <button id="next" title="right arrow">Next &#9654;</button>
  <button id="play">Play</button>
  <span id="position"></span>
</nav>
{frames}
<script>
(function () {{
  var frames = document.querySelectorAll(".frame"), shown = 0, timer = null;
  var position = document.getElementById("position"), play = document.getElementById("play");
  function show(k) {{
    shown = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach(function (frame, i) {{ frame.hidden = i !== shown; }});
    position.textContent = "step " + shown + " of " + ({count} - 1);
  }}
  function stop() {{ clearInterval(timer); timer = null; play.textContent = "Play"; }}
  document.getElementById("previous").onclick = function () {{ stop(); show(shown - 1); }};
  document.getElementById("next").onclick = function () {{ stop(); show(shown + 1); }};
  play.onclick = function () {{
    if (timer) {{ stop(); return; }}
    if (shown === frames.length - 1) show(0);
    play.textContent = "Pause";
    timer = setInterval(function () {{
      if (shown === frames.length - 1) stop(); else show(shown + 1);
    }}, 1500);
  }};
  document.addEventListener("keydown", function (event) {{
    if (event.key === "ArrowRight") {{ stop(); show(shown + 1); }}
    if (event.key === "ArrowLeft") {{ stop(); show(shown - 1); }}
  }});
  show(0);
}})();
</script>
</body>
</html>
"""
