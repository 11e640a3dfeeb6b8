"""Turning a graph description into pictures, with or without a system Graphviz.

The ``graphviz`` Python package writes DOT text and runs an executable named ``dot`` to lay it
out. Students on Windows and macOS rarely have one, so when ``dot`` is not on PATH we point the
package at ``graphviz-pure``, a self-contained port of the dot program that pip installs with
micrograd_plus. The package keeps the executable it runs in one module-level name,
``graphviz.backend.dot_command.DOT_BINARY``, which every way of rendering (``pipe``, ``render``,
``view``, Jupyter's display) reads at call time, so setting that one name is enough and works
the same on every platform (no shim scripts, no change to PATH). It is set when this module is
imported, so a learner's own graphviz code works as soon as micrograd_plus.viz is imported.
"""

from __future__ import annotations

import io
import os
import platform
import shutil
import sys
import sysconfig
from pathlib import Path

import graphviz
from graphviz.backend import dot_command

from .._files import write_atomically
from . import browser

__all__ = ["find_renderer", "use_renderer", "save_graph", "render_png", "render_svg",
           "MAX_RASTER_PIXELS"]

# A raster never grows past a full-HD screen: larger graphs are scaled down, not cropped.
MAX_RASTER_PIXELS = (1920, 1080)
RASTER_DPI = 110

_PURE_NAME = "graphviz-pure"
_DEFAULT_BINARY = Path("dot")
# What this module last set, so a user's own choice of DOT_BINARY is left alone.
_binary_we_set: Path | None = None


def _script_directories() -> list[str]:
    """Where pip puts console scripts for this interpreter, even when they are not on PATH
    (a Jupyter kernel started as ``.venv/bin/python`` without activating the environment)."""
    places = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        places.append(sysconfig.get_path("scripts", user_scheme))
    return [p for p in places if p]


def find_renderer() -> str:
    """The program that lays graphs out: ``dot`` if it is on PATH, else the path of graphviz-pure,
    else, in the browser site, ``browser.WASM_RENDERER`` (Graphviz compiled to WebAssembly).

    Raises RuntimeError, saying how to fix it, when neither can be found.
    """
    if shutil.which("dot"):
        return "dot"
    pure = shutil.which(_PURE_NAME) or shutil.which(
        _PURE_NAME, path=os.pathsep.join(_script_directories()))
    if pure:
        return pure
    if browser.in_browser():  # Pyodide: no programs at all, Graphviz in WebAssembly instead
        return browser.install()
    raise RuntimeError("No program to draw graphs with: Graphviz's 'dot' is not on PATH and the "
                       f"'graphviz-pure' wheel is not installed. {_how_to_get_a_renderer()}")


# Where graphviz-pure has wheels on PyPI (sys.platform, platform.machine(), for 64-bit Python);
# pyproject.toml asks for it only there, so elsewhere micrograd-plus installs without it.
PURE_WHEEL_PLATFORMS = {("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "x86_64"),
                        ("darwin", "arm64"), ("win32", "AMD64"), ("win32", "ARM64")}
_GRAPHVIZ_INSTALL = {
    "linux": "`sudo apt install graphviz` (Debian, Ubuntu, Raspberry Pi OS) or "
             "`sudo dnf install graphviz` (Fedora)",
    "darwin": "`brew install graphviz`",
    "win32": "`winget install graphviz` in a terminal",
}


def _this_computer() -> tuple[str, str, int]:
    """(sys.platform, platform.machine(), bits of this Python)."""
    return sys.platform, platform.machine(), 64 if sys.maxsize > 2**32 else 32


def _how_to_get_a_renderer() -> str:
    system, machine, bits = _this_computer()
    if (system, machine) in PURE_WHEEL_PLATFORMS and bits == 64:
        return ("Run `pip install graphviz-pure` (it needs no system install), or install "
                "Graphviz from https://graphviz.org.")
    ways = _GRAPHVIZ_INSTALL.get(system, "your system's package manager")
    return (f"graphviz-pure has no build for this computer ({system}, {machine}, {bits}-bit "
            f"Python), so install Graphviz itself: {ways}, or `conda install -c conda-forge "
            f"graphviz`, or a download from https://graphviz.org/download/. Then restart Python "
            f"(in a notebook: Kernel > Restart) so that `dot` is found.")


def use_renderer() -> str:
    """Point the ``graphviz`` package at the renderer ``find_renderer()`` picks; return it.

    Called before every drawing, so a ``dot`` put on PATH later is used from then on. A
    DOT_BINARY set by someone else (not 'dot' and not set here) is respected.
    """
    global _binary_we_set
    current = dot_command.DOT_BINARY
    if current != _DEFAULT_BINARY and current != _binary_we_set:
        return str(current)
    chosen = Path(find_renderer())
    dot_command.DOT_BINARY = chosen
    _binary_we_set = chosen
    return str(chosen)


def _raster_copy(graph: graphviz.Digraph, max_pixels: tuple[int, int]) -> graphviz.Digraph:
    """A copy of ``graph`` that lays out no larger than ``max_pixels`` at RASTER_DPI."""
    limited = graph.copy()
    width, height = (pixels / RASTER_DPI for pixels in max_pixels)
    # dot scales a drawing down to `size` (never up) and keeps its proportions.
    limited.graph_attr.update(size=f"{width:.2f},{height:.2f}", dpi=str(RASTER_DPI))
    return limited


def render_png(graph: graphviz.Digraph, max_pixels: tuple[int, int] = MAX_RASTER_PIXELS) -> bytes:
    """``graph`` as PNG bytes, scaled down to fit ``max_pixels`` (width, height)."""
    use_renderer()
    return _raster_copy(graph, max_pixels).pipe(format="png", quiet=True)


def render_svg(graph: graphviz.Digraph) -> str:
    """``graph`` as an ``<svg>`` element to put inside an HTML page (no XML prolog or doctype)."""
    use_renderer()
    # quiet: the renderer's font warnings would otherwise print below a widget as stderr
    svg = graph.pipe(format="svg", encoding="utf-8", quiet=True)
    return svg[svg.index("<svg"):]


def save_graph(graph: graphviz.Digraph, path: str | os.PathLike) -> Path:
    """Write ``graph`` to ``path`` as SVG, PNG or PDF, chosen by the file's suffix; return the path.

    PNG is at most MAX_RASTER_PIXELS. graphviz-pure has no PDF output, so without a system
    Graphviz the PDF holds the PNG picture (fine for slides; an SVG stays sharp at any size).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png", ".pdf"):
        raise ValueError(
            f"save_graph can write .svg, .png or .pdf files, not {path.name!r}; "
            "give the path one of those suffixes."
        )
    use_renderer()
    if suffix == ".svg":
        data = graph.pipe(format="svg", quiet=True)
    elif suffix == ".png":
        data = render_png(graph)
    else:
        data = _pdf_bytes(graph)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    return path


def _pdf_bytes(graph: graphviz.Digraph) -> bytes:
    if dot_command.DOT_BINARY == _DEFAULT_BINARY:
        try:
            return graph.pipe(format="pdf", quiet=True)
        except graphviz.CalledProcessError:
            pass  # a dot built without PDF support: fall back to the picture
    from PIL import Image  # Pillow comes with matplotlib

    image = Image.open(io.BytesIO(render_png(graph))).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=RASTER_DPI)
    return out.getvalue()


def _point_graphviz_at_a_renderer() -> None:
    """Run on import, so that code which uses the graphviz package directly (the "build
    micrograd" lecture's own draw_dot: a Digraph, then display or render) finds a program too."""
    try:
        use_renderer()
    except RuntimeError:
        pass  # nothing to draw with: the first drawing says how to fix that


_point_graphviz_at_a_renderer()
