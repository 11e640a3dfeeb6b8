"""The classic Notebook (6.5) with ipywidgets 7's front end, as Colab draws widgets, for the e2e
tests that run in the Colab-version environment (make test-colab's .venv-colab)."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path
from typing import Iterator

from .browser import RUN_ALL_TIMEOUT_MS
from .lab import LabServer, _free_port, copy_notebooks, serving

KERNEL_IDLE = """() => !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel
    && Jupyter.notebook.kernel.is_connected()
    && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'))"""

WIDGET_RESTORE_MS = 3_000  # 6 of 6 runs kept their widgets with this wait, on a busy machine

ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.code_cell .input_prompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


@contextlib.contextmanager
def classic_notebook(workdir: Path, notebooks: list[Path]) -> Iterator[LabServer]:
    """Copy ``notebooks`` into ``workdir`` and serve them with the classic Notebook on
    127.0.0.1; shut the server and its kernels down on exit."""
    root = copy_notebooks(workdir, notebooks)
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(workdir / "config"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"))
    command = [sys.executable, "-m", "notebook", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--NotebookApp.port_retries=0", f"--NotebookApp.token={token}",
               f"--NotebookApp.notebook_dir={root}"]
    server = LabServer(f"http://127.0.0.1:{port}", token, root, workdir / "notebook.log",
                       "notebooks")
    with serving(server, command, env):
        yield server


def open_and_run_all(page, url: str) -> list[str]:
    """Open a notebook, run every cell, wait for the kernel, return the error texts shown."""
    page.goto(url, timeout=120_000)
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    # ipywidgets 7's manager restores the kernel's widgets once it connects and then redraws the
    # widget outputs; cells run before it is done can lose their views (2 runs in 12 here).
    # It exposes no promise for that: give it time.
    page.wait_for_timeout(WIDGET_RESTORE_MS)
    page.evaluate("() => Jupyter.notebook.execute_all_cells()")
    page.wait_for_function(ALL_CELLS_RAN, timeout=RUN_ALL_TIMEOUT_MS)
    page.wait_for_function(KERNEL_IDLE, timeout=RUN_ALL_TIMEOUT_MS)
    errors = page.locator(".output_area .output_error, .output_area .output_stderr")
    return [text for text in errors.all_inner_texts() if "Error" in text or "Traceback" in text]
