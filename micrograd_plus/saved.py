"""What a saved lesson keeps of its widgets: the picture each one shows, not its live view.

A widget is drawn by the front end from a model that lives in the running kernel. Saved with
its view and opened again later, when that kernel is gone, a notebook shows "Error displaying
widget: model not found" in JupyterLab and Notebook 7 wherever a widget was. So the file keeps a
picture in its place: the widget's picture as it is at the moment of saving (the stepper at the
step the learner clicked to, the dashboard after its training, the plot of an ``interact`` for
the slider's last value), asked of the notebook's running kernel; when there is no kernel, or
it does not answer within ``ASK_KERNEL_SECONDS``, the picture the widget carried when its cell
ran (every widget of this package carries one beside its view, see ``FallbackBox``).

This module is a Jupyter server extension that does that on every save: pip installs
``etc/jupyter/jupyter_server_config.d/micrograd_plus.json``, which turns it on in JupyterLab and
Notebook 7 started from the same environment. ``make book`` strips its pages the same way.
While the notebook stays open, its widgets stay live: only the file on disk is changed.
"""

from __future__ import annotations

import base64
import functools
import time
from typing import Any

__all__ = ["WIDGET_VIEW", "keep_static_pictures", "strip_widget_views"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# A save waits at most this long for the kernel (the server's event loop waits with it): an
# idle kernel answers in milliseconds; a busy one is not asked at all.
ASK_KERNEL_SECONDS = 2.0
# What an ipywidgets Output (an interact's plot) shows that is worth keeping as its picture.
RICH_TYPES = ("image/png", "image/svg+xml", "image/jpeg", "text/html")
# The question a save sends (silently, into no history) to the notebook's kernel. It asks only a
# kernel that has imported this package, so it never imports anything into anyone else's.
ASK_KERNEL = ("__import__('micrograd_plus.saved', fromlist=['saved'])._pictures_now({model_ids!r}) "
              "if 'micrograd_plus' in __import__('sys').modules else None")


def widget_model_ids(notebook: dict) -> list[str]:
    """The model id of every widget view in a notebook's outputs, in order, each once."""
    found = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and isinstance(view.get("model_id"), str):
                found[view["model_id"]] = None
    return list(found)


def keep_static_pictures(notebook: dict, current: dict[str, dict] | None = None) -> None:
    """Drop the live-widget parts of a notebook (a dict or ``nbformat`` node), in place, so each
    widget shows a picture (or text) instead: the one in ``current`` (model id -> output
    ``{"data": ..., "metadata": ...}``, what the widget shows now) when it has one, else the one
    it carries beside its widget view."""
    notebook.get("metadata", {}).pop("widgets", None)
    current = current or {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).pop(WIDGET_VIEW, None)
            now = current.get(view.get("model_id")) if isinstance(view, dict) else None
            if now:
                output["data"] = dict(now["data"])
                output["metadata"] = dict(now.get("metadata", {}))


def strip_widget_views(model: dict, path: str = "", server_app=None, **_: Any) -> None:
    """A Jupyter contents-manager pre-save hook: a notebook is written with its widgets as
    pictures. Given the ``server_app`` (the extension registers it so), the pictures are the
    ones the widgets show now in the notebook's running kernel."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    notebook = model["content"]
    model_ids = widget_model_ids(notebook)
    current = {}
    if model_ids and server_app is not None:
        connection = _idle_kernel_connection(server_app, path)
        if connection:
            current = _ask_kernel(connection, model_ids, ASK_KERNEL_SECONDS)
    keep_static_pictures(notebook, current)


def _idle_kernel_connection(server_app, path: str) -> dict | None:
    """The connection info of the local kernel running the notebook at ``path`` when the server
    last saw it idle; None if there is none (closed, busy, starting, dead, or remote)."""
    try:
        # The session table read directly: the session manager's own methods are coroutines,
        # and a pre-save hook is called synchronously.
        rows = server_app.session_manager.connection.execute(
            "SELECT kernel_id FROM session WHERE path = ?", (path.strip("/"),)).fetchall()
        for (kernel_id,) in rows:
            kernel = server_app.kernel_manager.get_kernel(kernel_id)
            if getattr(kernel, "execution_state", None) == "idle":
                info = kernel.get_connection_info()
                if info.get("transport") and info.get("shell_port"):
                    return info
    except Exception:  # anything unexpected (another server version, a gateway): no kernel
        server_app.log.debug("micrograd_plus.saved: no kernel found for %s", path, exc_info=True)
    return None


def _ask_kernel(connection: dict, model_ids: list[str], timeout_s: float) -> dict[str, dict]:
    """Model id -> the output (``data``, ``metadata``) that widget shows now, from the kernel at
    ``connection`` through a client with sockets of its own; {} if the kernel does not answer
    within ``timeout_s`` seconds or cannot tell."""
    from jupyter_client import BlockingKernelClient

    deadline = time.monotonic() + timeout_s
    client = BlockingKernelClient()  # with a ZMQ context of its own
    try:
        client.load_connection_info(connection)
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        expression = ASK_KERNEL.format(model_ids=[str(model_id) for model_id in model_ids])
        request = client.execute("", silent=True, store_history=False, allow_stdin=False,
                                 user_expressions={"pictures": expression})
        while (left := deadline - time.monotonic()) > 0:
            reply = client.get_shell_msg(timeout=left)
            if reply["parent_header"].get("msg_id") == request:
                answer = reply["content"].get("user_expressions", {}).get("pictures", {})
                if answer.get("status") != "ok":
                    return {}
                pictures = answer["data"].get("application/json")
                return pictures if isinstance(pictures, dict) else {}
    except Exception:  # queue.Empty at the deadline, a closed socket: keep the carried pictures
        return {}
    finally:
        client.stop_channels()
        client.context.destroy(linger=0)
    return {}


class _Pictures:
    """The kernel's answer, shown as JSON so that it reaches the server as data."""

    def __init__(self, pictures: dict[str, dict]) -> None:
        self.pictures = pictures

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, object]:
        return {"application/json": self.pictures}


def _pictures_now(model_ids: list[str]) -> _Pictures:
    """Run in the kernel: model id -> the output ``{"data", "metadata"}`` showing what that live
    widget shows now, for those that show a picture (this package's widgets, an ``interact``
    or ``Output`` whose front end has sent back what it displays)."""
    import ipywidgets
    from ipywidgets.widgets import widget as widget_module

    live = getattr(widget_module, "_instances", None)  # ipywidgets 8
    if live is None:
        live = ipywidgets.Widget.widgets  # ipywidgets 7
    pictures = {}
    for model_id in model_ids:
        picture = _picture_of(live.get(model_id))
        if picture:
            pictures[model_id] = picture
    return _Pictures(pictures)


def _picture_of(widget) -> dict | None:
    import ipywidgets

    from .widgets._display import FallbackBox

    if isinstance(widget, FallbackBox):
        data = {mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
                for mime, value in widget.static_bundle().items() if value}
        if not data:
            return None
        data["text/plain"] = widget.summary()
        return {"data": data, "metadata": {}}
    output = widget.out if isinstance(widget, ipywidgets.interactive) else widget
    if isinstance(output, ipywidgets.Output):
        shown = [item for item in output.outputs if set(item.get("data", {})) & set(RICH_TYPES)]
        if shown:
            data = {mime: value for mime, value in shown[-1]["data"].items() if mime != WIDGET_VIEW}
            return {"data": data, "metadata": dict(shown[-1].get("metadata", {}))}
    return None


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "micrograd_plus.saved"}]


def _load_jupyter_server_extension(server_app) -> None:
    server_app.contents_manager.register_pre_save_hook(
        functools.partial(strip_widget_views, server_app=server_app))
