"""Start JupyterLab and Debian's Chromium for the end-to-end tests, and always stop them.

Playwright's own browser download cannot run on these machines, so the tests drive the
system Chromium through ``executable_path`` with the flags it needs in a container.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

from micrograd_plus.cli import QUIET_SETTINGS

CHROMIUM = Path(os.environ.get("MICROGRAD_PLUS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_START_TIMEOUT = 120  # seconds; a cold JupyterLab on a busy 2-core machine takes ~10


class LabServer:
    """A running JupyterLab: its base ``url``, ``token``, notebook folder and log file."""

    def __init__(self, url: str, token: str, root: Path, log: Path, notebook_path: str = "lab/tree"):
        self.url, self.token, self.root, self.log = url, token, root, log
        self.notebook_path = notebook_path  # where the app opens a notebook: lab/tree, notebooks

    def notebook_url(self, name: str) -> str:
        # reset: a fresh workspace, so notebooks an earlier test opened are not restored beside it
        reset = "&reset" if self.notebook_path == "lab/tree" else ""
        return f"{self.url}/{self.notebook_path}/{name}?token={self.token}{reset}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_settings(settings_dir: Path, settings: dict[str, dict]) -> None:
    """Front-end settings as a user would set them: plugin id ("@scope/package:plugin") ->
    its settings, one .jupyterlab-settings file each."""
    for plugin_id, values in settings.items():
        package, plugin = plugin_id.split(":")
        folder = settings_dir / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{plugin}.jupyterlab-settings").write_text(json.dumps(values))


def copy_notebooks(workdir: Path, notebooks: list[Path]) -> Path:
    """A fresh ``workdir/notebooks`` folder holding copies of ``notebooks``."""
    root = workdir / "notebooks"
    root.mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy(notebook, root / notebook.name)
    return root


@contextlib.contextmanager
def serving(server: LabServer, command: list[str], env: dict[str, str]) -> Iterator[LabServer]:
    """Run the Jupyter server ``command`` (its output in ``server.log``) until it answers at
    ``server.url``, and shut it (and its kernels) down on exit, whatever happened."""
    if os.geteuid() == 0:  # CI and these containers run as root; the server refuses without this
        command = [*command, "--allow-root"]
    with open(server.log, "w") as log_file:
        # A session of its own, so the server and every kernel it starts stop together.
        process = subprocess.Popen(command, cwd=server.root, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        _stop(process)


@contextlib.contextmanager
def jupyter_lab(workdir: Path, notebooks: list[Path], app: str = "jupyterlab",
                settings: dict[str, dict] | None = None) -> Iterator[LabServer]:
    """Copy ``notebooks`` into ``workdir``, serve them on 127.0.0.1 with a fresh token, and
    shut the server (and its kernels) down on exit, whatever happened. ``app`` is the Python
    module that runs the front end: "jupyterlab", or "notebook" for Notebook 7. ``settings``
    adds front-end settings (see _write_settings), e.g. the autosave interval."""
    root = copy_notebooks(workdir, notebooks)
    settings_dir = workdir / "lab-settings"
    # QUIET_SETTINGS: the news and update pop-ups would cover the widgets in screenshots
    _write_settings(settings_dir, {**QUIET_SETTINGS, **(settings or {})})
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(workdir / "config"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
               JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"))
    command = [sys.executable, "-m", app, "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               # window.jupyterapp, which the tests ask whether the kernel is idle
               "--LabApp.expose_app_in_browser=True",
               "--JupyterNotebookApp.expose_app_in_browser=True"]
    server = LabServer(f"http://127.0.0.1:{port}", token, root, workdir / "jupyterlab.log",
                       "lab/tree" if app == "jupyterlab" else "notebooks")
    with serving(server, command, env):
        yield server


def _wait_until_up(server: LabServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    status_url = f"{server.url}/api/status?token={server.token}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode} before it "
                               f"answered; its log ends:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(status_url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer {server.url} within {SERVER_START_TIMEOUT} s; "
                       f"its log ends:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM lets the server shut its kernels down; SIGKILL the group if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def check_chromium() -> None:
    """Fail with the fix when the system browser is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: install Debian's package with "
                           f"`apt-get install -y chromium` (as root), or point "
                           f"MICROGRAD_PLUS_CHROMIUM at a Chromium binary")
