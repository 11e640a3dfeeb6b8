"""micrograd_plus.saved: notebooks are written with each widget as its picture."""

from __future__ import annotations

import ast
import base64
import contextlib
import json
import os
import queue
import secrets
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from micrograd_plus import saved
from micrograd_plus.saved import WIDGET_VIEW, keep_static_pictures, strip_widget_views

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

    server_app = ServerApp()
    assert saved._jupyter_server_extension_points() == [{"module": "micrograd_plus.saved"}]
    saved._load_jupyter_server_extension(server_app)
    [hook] = hooks
    assert hook.func is strip_widget_views and hook.keywords == {"server_app": server_app}


def test_an_install_turns_the_extension_on():
    """The config file pip puts in etc/jupyter/jupyter_server_config.d enables the module."""
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = project["tool"]["setuptools"]["data-files"]["etc/jupyter/jupyter_server_config.d"]
    config = json.loads((ROOT / files[0]).read_text(encoding="utf-8"))
    assert config["ServerApp"]["jpserver_extensions"] == {"micrograd_plus.saved": True}
    assert sys.modules["micrograd_plus.saved"] is saved


# What a lesson's kernel holds after the learner clicked and dragged: a stepper two steps on, a
# dashboard trained 3 epochs, and an interact whose plot the front end has sent back into its
# Output widget (set by hand here, as the front end does).
LEARNER = """\
import ipywidgets as widgets
from micrograd_plus import Value
from micrograd_plus.widgets import BackpropStepper, TrainingDashboard
a = Value(2.0, label='a')
L = (a * a).tanh(); L.label = 'L'
stepper = BackpropStepper(L)
carried = stepper._repr_mimebundle_()
stepper.next.click(); stepper.next.click()
dashboard = TrainingDashboard(dataset='moons', hidden=(4,), n=40)
dashboard.step(3)
shown = widgets.interactive(lambda slope: slope, slope=widgets.FloatSlider(value=0.5))
shown.slope = 1.5
shown.out.outputs = ({'output_type': 'display_data', 'metadata': {'isolated': True},
                      'data': {'image/png': 'iVBORw0KGgoslope15', 'text/plain': 'figure'}},)
"""


def run_in(client, code: str) -> None:
    reply = client.execute_interactive(code, timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]


def evaluate(client, expression: str):
    reply = client.execute_interactive("", timeout=60, user_expressions={"value": expression})
    return ast.literal_eval(reply["content"]["user_expressions"]["value"]["data"]["text/plain"])


def learners_notebook(client) -> tuple[dict, dict[str, str]]:
    """A notebook as the front end saves it after LEARNER ran: each output has the widget view
    and the picture carried when its cell ran. Also name -> model id."""
    ids = evaluate(client, "{'stepper': stepper.model_id, 'interact': shown.model_id, "
                           "'dashboard': dashboard.model_id}")
    carried = evaluate(client, "{k: v for k, v in carried.items() if isinstance(v, str)}")

    def view(model_id):
        return {WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0}}

    outputs = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                "data": {**carried, **view(ids["stepper"])}},
               {"output_type": "display_data", "metadata": {},
                "data": {"text/plain": "interactive(children=(FloatSlider(...", **view(ids["interact"])}},
               {"output_type": "display_data", "metadata": {},
                "data": {"text/plain": "TrainingDashboard: epoch 0", "image/png": "iVBORw0KGgo=",
                         **view(ids["dashboard"])}}]
    cells = [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "",
              "outputs": [output]} for output in outputs]
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}, ids


@pytest.fixture
def learner_kernel(kernel_manager):
    kernel_manager.start_kernel()
    client = kernel_manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        run_in(client, LEARNER)
        yield kernel_manager, client
    finally:
        client.stop_channels()
        kernel_manager.shutdown_kernel(now=True)


def test_the_kernel_tells_what_each_widget_shows_now(learner_kernel):
    """The picture saved is the stepper at the step clicked to and the interact's last plot,
    not the picture each carried when its cell ran (which says step 0)."""
    kernel, client = learner_kernel
    notebook, ids = learners_notebook(client)
    assert "step 0 of" in notebook["cells"][0]["outputs"][0]["data"]["text/plain"]

    current = saved._ask_kernel(kernel.get_connection_info(), [*ids.values(), "gone"], 60)
    assert set(current) == set(ids.values())  # a widget the kernel no longer has: not answered
    keep_static_pictures(notebook, current)
    stepper, interact, dashboard = (cell["outputs"][0] for cell in notebook["cells"])
    assert stepper["data"]["text/plain"].startswith("BackpropStepper, backward step 2 of")
    assert dashboard["data"]["text/plain"].startswith("TrainingDashboard: epoch 3 ")
    assert base64.b64decode(dashboard["data"]["image/png"]) == evaluate(client, "dashboard._png")
    assert stepper["data"]["image/svg+xml"].lstrip().startswith("<svg")
    assert stepper["data"]["image/svg+xml"] != evaluate(client, "carried['image/svg+xml']")
    assert interact == {"output_type": "display_data", "metadata": {"isolated": True},
                        "data": {"image/png": "iVBORw0KGgoslope15", "text/plain": "figure"}}


def test_a_kernel_that_does_not_answer_leaves_the_carried_pictures(learner_kernel):
    kernel, client = learner_kernel
    notebook, ids = learners_notebook(client)
    client.execute("import time; time.sleep(30)")  # busy: the question waits behind this
    started = time.monotonic()
    assert saved._ask_kernel(kernel.get_connection_info(), list(ids.values()), 0.5) == {}
    assert time.monotonic() - started < 10  # gives up near its timeout, not after the sleep
    kernel.interrupt_kernel()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Jupyter server with this extension on, as pip's config file turns it on."""
    pytest.importorskip("jupyter_server", reason="needs the [notebook] extra")
    from e2e.lab import LabServer, _free_port, serving

    workdir = tmp_path_factory.mktemp("server")
    root, config = workdir / "notebooks", workdir / "config" / "jupyter_server_config.d"
    root.mkdir()
    config.mkdir(parents=True)
    shutil.copy(ROOT / "jupyter-config/jupyter_server_config.d/micrograd_plus.json", config)
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(workdir / "config"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"))
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    with serving(LabServer(f"http://127.0.0.1:{port}", token, root, workdir / "server.log"),
                 command, env) as running:
        yield running, workdir / "runtime"


def api(server, method: str, endpoint: str, body: dict | None = None):
    request = urllib.request.Request(
        f"{server.url}/api/{endpoint}?token={server.token}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def wait_for(condition, what: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while not (result := condition()):
        assert time.monotonic() < deadline, f"waited {timeout_s} s for {what}"
        time.sleep(0.1)
    return result


def test_saving_through_the_server_writes_what_each_widget_shows_now(server):
    """The whole path: the server finds the notebook's kernel from its session, asks it only
    for a notebook with widgets, and saves the widgets' pictures of now; while the kernel is
    busy it does not wait for it and saves the pictures the widgets carried."""
    from jupyter_client import BlockingKernelClient

    server, runtime = server
    kernel_id = api(server, "POST", "sessions", {"path": "lesson.ipynb", "type": "notebook",
                                                 "kernel": {"name": "python3"}})["kernel"]["id"]
    client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        run_in(client, LEARNER)
        notebook, ids = learners_notebook(client)
        plain = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "1",
             "outputs": [{"output_type": "execute_result", "execution_count": 1,
                          "metadata": {}, "data": {"text/plain": "1"}}]}]}

        def save(content: dict) -> dict:
            wait_for(lambda: api(server, "GET", f"kernels/{kernel_id}")["execution_state"]
                     == "idle", "the kernel to be idle")
            api(server, "PUT", "contents/lesson.ipynb",
                {"type": "notebook", "format": "json", "content": content})
            return nbformat.read(server.root / "lesson.ipynb", as_version=4)

        with contextlib.suppress(queue.Empty):  # what running LEARNER sent
            while True:
                client.get_iopub_msg(timeout=0.5)
        save(plain)
        written = save(notebook)
        stepper, interact, _ = (cell["outputs"][0]["data"] for cell in written["cells"])
        assert stepper["text/plain"].startswith("BackpropStepper, backward step 2 of")
        assert interact == {"image/png": "iVBORw0KGgoslope15", "text/plain": "figure"}

        # One question was asked, for the notebook with widgets, silently: no execute_input.
        questions = {}
        while not any(msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
                      for msg in questions.values()):
            msg = client.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("session") != client.session.session:
                questions[msg["parent_header"]["msg_id"], msg["msg_type"]] = msg
        assert {msg_type for _, msg_type in questions} == {"status"}
        assert len({msg_id for msg_id, _ in questions}) == 1

        client.execute("import time; time.sleep(60)")
        wait_for(lambda: api(server, "GET", f"kernels/{kernel_id}")["execution_state"]
                 == "busy", "the kernel to be busy")
        api(server, "PUT", "contents/lesson.ipynb",
            {"type": "notebook", "format": "json", "content": notebook})
        written = nbformat.read(server.root / "lesson.ipynb", as_version=4)
        stepper, interact, _ = (cell["outputs"][0]["data"] for cell in written["cells"])
        assert "step 0 of" in stepper["text/plain"] and WIDGET_VIEW not in stepper
        assert interact == {"text/plain": "interactive(children=(FloatSlider(..."}
        api(server, "POST", f"kernels/{kernel_id}/interrupt")
    finally:
        client.stop_channels()


def test_a_kernel_without_this_package_is_not_made_to_import_it(kernel_manager):
    """A notebook with widgets of its own only: its kernel is asked nothing it has to import
    micrograd_plus for, and the widgets keep the pictures they carry."""
    kernel_manager.start_kernel()
    client = kernel_manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        run_in(client, "import sys, ipywidgets\nshown = ipywidgets.interactive(lambda x: x, x=1)\n"
                       "shown.out.outputs = ({'output_type': 'display_data', 'metadata': {},"
                       " 'data': {'image/png': 'iVBORw0KGgo='}},)")
        model_id = evaluate(client, "shown.model_id")
        assert saved._ask_kernel(kernel_manager.get_connection_info(), [model_id], 60) == {}
        assert evaluate(client, "'micrograd_plus' in sys.modules") is False
    finally:
        client.stop_channels()
        kernel_manager.shutdown_kernel(now=True)
