"""What a saved lesson keeps of its widgets: the picture each one carries, not its live view.

A widget is drawn by the front end from a model that lives in the running kernel. Saved with
its view and opened again later, when that kernel is gone, a notebook shows "Error displaying
widget: model not found" in JupyterLab and Notebook 7 wherever a widget was. Every widget of
this package also carries a picture of its last state in the same output (``FallbackBox``), so a
notebook saved without the views shows those pictures instead.

This module is a Jupyter server extension that does that on every save: pip installs
``etc/jupyter/jupyter_server_config.d/micrograd_plus.json``, which turns it on in JupyterLab and
Notebook 7 started from the same environment. ``make book`` strips its pages the same way.
While the notebook stays open, its widgets stay live: only the file on disk is changed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WIDGET_VIEW", "keep_static_pictures", "strip_widget_views"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def keep_static_pictures(notebook: dict) -> None:
    """Drop the live-widget parts of a notebook (a dict or ``nbformat`` node), in place, so each
    widget shows the picture (or text) it carries beside its widget view."""
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)


def strip_widget_views(model: dict, **_: Any) -> None:
    """A Jupyter contents-manager pre-save hook: a notebook is written with its widgets as
    pictures."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        keep_static_pictures(model["content"])


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "micrograd_plus.saved"}]


def _load_jupyter_server_extension(server_app) -> None:
    server_app.contents_manager.register_pre_save_hook(strip_widget_views)
