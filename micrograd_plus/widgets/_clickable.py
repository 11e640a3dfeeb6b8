"""A PNG picture that tells Python where it was clicked, in the picture's own pixels.

``ipywidgets.Image`` reports no clicks. This is an anywidget: a few lines of JavaScript that
travel with the widget, which anywidget's front end runs in JupyterLab, Notebook 7, the classic
Notebook with ipywidgets 7, Colab and JupyterLite alike. The browser may show the picture
smaller than it is (a narrow notebook column): the click is measured against the picture as
shown and scaled back to the picture's own pixels, to a fraction of a pixel.
"""

from __future__ import annotations

import math
from typing import Callable

import anywidget
import ipywidgets as widgets
import traitlets

# Coordinates run from the picture's top-left corner: (0, 0) is that corner of its first pixel,
# (width, height) the opposite corner of its last, so pixel i covers [i, i + 1).
_ESM = """
function render({ model, el }) {
  const img = document.createElement("img");
  img.className = "mgp-clickable-img";
  img.style.cssText = "display:block;width:100%;height:auto;border:0;padding:0;margin:0;" +
                      "cursor:crosshair";
  img.draggable = false;
  let url = null;
  const show = () => {
    const png = model.get("value");
    if (!png || !png.byteLength) return;
    const previous = url;
    url = URL.createObjectURL(new Blob([png], { type: "image/png" }));
    img.src = url;
    if (previous) URL.revokeObjectURL(previous);
  };
  const clicked = (event) => {
    const box = img.getBoundingClientRect();
    if (!img.naturalWidth || !box.width || !box.height) return;
    model.send({
      event: "click",
      x: (event.clientX - box.left) * img.naturalWidth / box.width,
      y: (event.clientY - box.top) * img.naturalHeight / box.height,
    });
  };
  model.on("change:value", show);
  img.addEventListener("click", clicked);
  show();
  el.appendChild(img);
  return () => {
    model.off("change:value", show);
    if (url) URL.revokeObjectURL(url);
  };
}
export default { render };
"""


class ClickableImage(anywidget.AnyWidget):
    """A PNG (``value``, bytes) shown at most ``max_width`` wide, scaled down to fit the column;
    each click calls ``on_click(x, y)`` with the point in the picture's own pixels (floats,
    (0, 0) its top-left corner)."""

    _esm = _ESM
    value = traitlets.Bytes(b"").tag(sync=True)

    def __init__(self, on_click: Callable[[float, float], None], max_width: str) -> None:
        super().__init__(layout=widgets.Layout(width="100%", max_width=max_width))
        self._on_click = on_click
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") != "click":
            return
        x, y = content.get("x"), content.get("y")
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in (x, y)):
            self._on_click(float(x), float(y))
