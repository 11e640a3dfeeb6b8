"""micrograd_plus.saved: notebooks are written with each widget as its picture."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from micrograd_plus import saved
from micrograd_plus.saved import WIDGET_VIEW, strip_widget_views

ROOT = Path(__file__).parents[1]


def widget_output() -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                     "image/png": "iVBORw0KGgo=", "text/plain": "GradientDescentExplorer"}}


def test_a_saved_notebook_keeps_the_picture_and_drops_the_view():
    notebook = {"metadata": {"widgets": {"state": {}}},
                "cells": [{"cell_type": "code", "outputs": [widget_output()]},
                          {"cell_type": "markdown", "source": "text"}]}
    strip_widget_views({"type": "notebook", "content": notebook}, path="lesson.ipynb")
    data = notebook["cells"][0]["outputs"][0]["data"]
    assert WIDGET_VIEW not in data and data["image/png"] == "iVBORw0KGgo="
    assert "widgets" not in notebook["metadata"]


def test_other_files_are_saved_untouched():
    model = {"type": "file", "content": json.dumps(widget_output())}
    before = dict(model)
    strip_widget_views(model, path="notes.json")
    assert model == before


def test_the_server_extension_registers_the_hook():
    hooks = []

    class ContentsManager:
        def register_pre_save_hook(self, hook):
            hooks.append(hook)

    class ServerApp:
        contents_manager = ContentsManager()

    assert saved._jupyter_server_extension_points() == [{"module": "micrograd_plus.saved"}]
    saved._load_jupyter_server_extension(ServerApp())
    assert hooks == [strip_widget_views]


def test_an_install_turns_the_extension_on():
    """The config file pip puts in etc/jupyter/jupyter_server_config.d enables the module."""
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = project["tool"]["setuptools"]["data-files"]["etc/jupyter/jupyter_server_config.d"]
    config = json.loads((ROOT / files[0]).read_text(encoding="utf-8"))
    assert config["ServerApp"]["jpserver_extensions"] == {"micrograd_plus.saved": True}
    assert sys.modules["micrograd_plus.saved"] is saved
