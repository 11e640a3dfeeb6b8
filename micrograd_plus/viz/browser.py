"""Drawing inside the browser site (Pyodide), where Python cannot start another program.

Pyodide runs Python in WebAssembly inside a web page's worker: there are no processes, so
neither Graphviz's ``dot`` nor graphviz-pure can run, and matplotlib and numpy are not installed
until asked for. This module gives the rest of ``viz`` what it needs there:

- ``WASM_RENDERER``: a renderer name that ``rendering.find_renderer`` picks in the browser. The
  ``graphviz`` package runs every layout through one function, ``graphviz.backend.execute.
  run_check``; ``install()`` wraps it so that a command naming WASM_RENDERER is laid out by
  viz.js (Graphviz compiled to WebAssembly, the ``@viz-js/viz`` npm package, which ``make site``
  serves next to Pyodide's own files), and any other command runs as before.
- ``load_packages(names)``: Pyodide's own builds of matplotlib and numpy, fetched on first use
  (from Pyodide's CDN, so that needs the internet; everything else in the site works offline).

Outside Pyodide nothing here is used: ``in_browser()`` is False.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

__all__ = ["WASM_RENDERER", "VIZ_SCRIPT", "in_browser", "install", "load_packages"]

WASM_RENDERER = "viz.js (Graphviz in WebAssembly)"
VIZ_SCRIPT = "viz-global.js"  # the file's name in the site, next to pyodide.mjs

# Graphviz output formats viz.js can write; PNG and PDF need a real dot.
_TEXT_FORMATS = {"svg", "plain", "plain-ext", "dot", "xdot", "json", "canon", "gv"}

_viz_instance: Any = None
_original_run_check: Any = None


def in_browser() -> bool:
    """True inside Pyodide (the browser site, JupyterLite)."""
    return sys.platform == "emscripten"


def _script_url() -> str:
    """Where the site serves viz.js: beside Pyodide's lock file (the site's static/pyodide/)."""
    import pyodide_js  # Pyodide's JavaScript API, importable only inside Pyodide

    return str(pyodide_js.lockfileBaseUrl) + VIZ_SCRIPT


def _viz() -> Any:
    """The viz.js instance, loaded into this worker on first use (about 1.2 MB, once)."""
    global _viz_instance
    if _viz_instance is None:
        import js
        from pyodide.code import run_js
        from pyodide.ffi import run_sync

        if not hasattr(js, "Viz"):
            url = _script_url()
            request = js.XMLHttpRequest.new()
            request.open("GET", url, False)  # synchronous: allowed in a worker, and drawing is
            request.send(None)               # a synchronous call
            if request.status != 200:
                raise RuntimeError(
                    f"Graphs cannot be drawn here: the WebAssembly Graphviz was not found at "
                    f"{url} (HTTP {request.status}). micrograd_plus's browser site (`make site`) "
                    f"serves it there; in another JupyterLite, add @viz-js/viz's "
                    f"dist/{VIZ_SCRIPT} beside pyodide.mjs.")
            run_js(str(request.responseText))
        _viz_instance = run_sync(js.Viz.instance())
    return _viz_instance


def _render(source: str, output_format: str, engine: str) -> str:
    """``source`` (DOT) laid out by viz.js in ``output_format``."""
    import js
    from pyodide.ffi import to_js

    options = to_js({"format": output_format, "engine": engine},
                    dict_converter=js.Object.fromEntries)
    return str(_viz().renderString(source, options))


def _option(cmd: list[str], flag: str, default: str) -> str:
    return next((arg[len(flag):] for arg in cmd if arg.startswith(flag)), default)


def _run_check(cmd, *, input_lines=None, encoding=None, capture_output=False, quiet=False,
               **kwargs) -> subprocess.CompletedProcess:
    """``graphviz.backend.execute.run_check``, answering WASM_RENDERER's commands with viz.js."""
    args = [str(arg) for arg in cmd]
    if args[0] != WASM_RENDERER:
        return _original_run_check(cmd, input_lines=input_lines, encoding=encoding,
                                   capture_output=capture_output, quiet=quiet, **kwargs)
    output_format = _option(args, "-T", "dot").split(":")[0]
    if output_format not in _TEXT_FORMATS:
        raise RuntimeError(
            f"In the browser, graphs are drawn as SVG; {output_format.upper()} needs Graphviz's "
            f"dot program, which cannot run here. Show the graph itself (draw_dot(...) as a "
            f"cell's last line) or save it with a .svg name.")
    source = kwargs.get("input")
    if source is None and input_lines is not None:
        source = b"".join(line if isinstance(line, bytes) else line.encode()
                          for line in input_lines)
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    text = _render(source, output_format, _option(args, "-K", "dot"))
    stdout = text if encoding else text.encode("utf-8")
    return subprocess.CompletedProcess(args, 0, stdout=stdout, stderr="" if encoding else b"")


def install() -> str:
    """Lay graphs out with viz.js from now on (once per session); returns WASM_RENDERER."""
    global _original_run_check
    from graphviz.backend import execute

    if _original_run_check is None:
        _original_run_check = execute.run_check
        execute.run_check = _run_check  # graphviz's piping looks it up on `execute` at each call
    return WASM_RENDERER


def load_packages(*names: str) -> None:
    """Make Pyodide's own builds of ``names`` importable (a no-op outside the browser, and for
    names already loaded). They come from Pyodide's CDN, so the first call needs the internet."""
    if not in_browser():
        return
    import pyodide_js
    from pyodide.ffi import run_sync, to_js

    missing = [name for name in names if name not in sys.modules and not _importable(name)]
    if not missing:
        return
    run_sync(pyodide_js.loadPackage(to_js(missing)))
    still_missing = [name for name in missing if not _importable(name)]
    if still_missing:
        raise ModuleNotFoundError(
            f"{', '.join(still_missing)} could not be loaded: the browser site fetches "
            f"Pyodide's own build from Pyodide's CDN the first time a plot is drawn, which needs "
            f"the internet. Graphs (draw_dot), backward steps, the stepper and training work "
            f"offline; plots need to be online once.")


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
