"""Fixtures shared by test files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def kernel_manager(tmp_path: Path):
    """A Jupyter kernel manager for running one notebook with nbclient.

    Where the OS has them, the kernel talks over Unix sockets in the test's own directory: two
    test workers starting kernels at the same moment can otherwise pick the same free TCP port,
    and one kernel dies with "Address already in use".
    """
    jupyter_client = pytest.importorskip("jupyter_client", reason="needs the [test] extra")
    manager = jupyter_client.KernelManager(kernel_name="python3")
    if os.name == "posix":
        manager.transport = "ipc"
        manager.ip = str(tmp_path / "k")
    return manager
