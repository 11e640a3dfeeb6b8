"""The ``micrograd-plus`` command: copying the lessons out, and a quiet JupyterLab on them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from micrograd_plus import cli

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def lesson(path: Path, text: str) -> Path:
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {},
                                           "source": text}],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_lessons_come_with_the_package():
    assert sorted(p.name for p in cli.lessons_source().glob("*.ipynb")) == SHIPPED


def test_lessons_are_added_then_left_alone_when_changed(tmp_path):
    folder = tmp_path / "my lessons"
    first = cli.copy_lessons(folder)
    assert first.added == SHIPPED and not (first.updated or first.kept or first.current)
    assert (folder / SHIPPED[0]).read_bytes() == (ROOT / "notebooks" / SHIPPED[0]).read_bytes()
    assert f"added {SHIPPED[0]}" in first.summary() and str(folder) in first.summary()

    answered = folder / SHIPPED[1]
    answered.write_text(answered.read_text() + " ")  # the learner's work, e.g. saved outputs
    mine = answered.read_bytes()
    (folder / SHIPPED[2]).unlink()
    second = cli.copy_lessons(folder)
    assert second.kept == [SHIPPED[1]] and second.added == [SHIPPED[2]]
    assert len(second.current) == len(SHIPPED) - 2
    assert answered.read_bytes() == mine
    assert f"kept {SHIPPED[1]}: you changed it" in second.summary()
    assert f"{len(SHIPPED) - 2} lesson(s) already up to date" in second.summary()


def test_a_newer_lesson_replaces_only_an_unchanged_copy(tmp_path):
    source, folder = tmp_path / "shipped", tmp_path / "lessons"
    source.mkdir()
    lesson(source / "01_a.ipynb", "A, version 1")
    lesson(source / "02_b.ipynb", "B, version 1")
    cli.copy_lessons(folder, source)
    lesson(folder / "02_b.ipynb", "B, with my answers")
    lesson(source / "01_a.ipynb", "A, version 2")
    lesson(source / "02_b.ipynb", "B, version 2")
    lesson(source / "03_c.ipynb", "C, new")
    result = cli.copy_lessons(folder, source)
    assert (result.added, result.updated, result.kept) == (["03_c.ipynb"], ["01_a.ipynb"],
                                                          ["02_b.ipynb"])
    assert "version 2" in (folder / "01_a.ipynb").read_text()
    assert "my answers" in (folder / "02_b.ipynb").read_text()
    assert "updated 01_a.ipynb" in result.summary()


def test_lessons_command_says_what_it_did(tmp_path, capsys):
    assert cli.main(["lessons", str(tmp_path / "here")]) == 0
    out = capsys.readouterr().out
    assert f"added {SHIPPED[0]}" in out and "The lessons are in" in out
    assert cli.main(["lessons", str(tmp_path / "here")]) == 0
    assert f"{len(SHIPPED)} lesson(s) already up to date" in capsys.readouterr().out


def test_a_file_in_the_way_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    assert cli.main(["lessons", str(tmp_path / "taken")]) == 1
    assert "taken is a file, not a folder" in capsys.readouterr().err


def test_lab_without_jupyterlab_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    real_find_spec = cli.importlib.util.find_spec
    monkeypatch.setattr(cli.importlib.util, "find_spec",
                        lambda name: None if name == "jupyterlab" else real_find_spec(name))
    assert cli.main(["lab", str(tmp_path / "lessons")]) == 1
    err = capsys.readouterr().err
    assert 'pip install "micrograd-plus[notebook]"' in err and sys.executable in err
    assert f"micrograd-plus lessons {tmp_path / 'lessons'}" in err
    assert not (tmp_path / "lessons").exists()


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout (not an sdist)")
def test_make_lab_opens_a_working_copy_git_ignores():
    # --no-print-directory: under `make test` this make is a sub-make, which names its folder.
    dry_run = subprocess.run(["make", "-n", "-B", "--no-print-directory", "lab"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    command = dry_run.strip().splitlines()[-1]
    match = re.search(r"micrograd-plus lab (\S+)", command)
    assert match, f"make lab should run `micrograd-plus lab DIR`; it runs {command!r}"
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{match.group(1)}/00_x.ipynb"],
                             cwd=ROOT)
    assert ignored.returncode == 0, f"{match.group(1)}/ must be ignored by git"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, method: str = "GET", body: bytes | None = None) -> bytes:
    request = urllib.request.Request(url, data=body, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


@pytest.mark.skipif(os.name != "posix", reason="stops the server with a POSIX signal")
def test_lab_starts_quietly_and_ends_with_the_address(tmp_path):
    pytest.importorskip("jupyterlab", reason="needs JupyterLab: pip install -e '.[notebook]'")
    jupyter_client = pytest.importorskip("jupyter_client", reason="needs the [notebook] extra")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "micrograd_plus.cli", "lab", str(tmp_path / "lessons"),
             "--no-browser", f"--port={_free_port()}"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        banner = r"http://127\.0\.0\.1:\d+/lab/tree/\S+"  # the first lesson, opened
        while not (match := re.search(banner, log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        url = match.group(0)
        base, token = url.split("/lab/")[0], url.split("token=")[1]
        assert f"/lab/tree/{SHIPPED[0]}?token=" in url, url
        page = _get(url).decode()
        _get(f"{base}/api/contents/{SHIPPED[0]}?token={token}")  # what opening a lesson asks
        assert '"news": {"disabled": true}' in page
        notification = json.loads(_get(f"{base}/lab/api/settings/@jupyterlab/"
                                       f"apputils-extension:notification?token={token}"))
        defaults = {name: spec.get("default")  # JupyterLab puts overrides in as defaults
                    for name, spec in notification["schema"]["properties"].items()}
        # no pop-up asking whether to fetch Jupyter's news, no update check
        assert (defaults["fetchNews"], defaults["checkForUpdates"]) == ("false", False), defaults
        kernel = json.loads(_get(f"{base}/api/kernels?token={token}", "POST",
                                 json.dumps({"name": "python3"}).encode()))
        client = jupyter_client.BlockingKernelClient(
            connection_file=str(tmp_path / "runtime" / f"kernel-{kernel['id']}.json"))
        client.load_connection_file()
        # No heartbeat: on a busy machine its first beat can come late, and wait_for_ready
        # would call the kernel dead; the kernel_info reply is the proof it runs.
        client.start_channels(hb=False)
        try:
            client.wait_for_ready(timeout=120)
        finally:
            client.stop_channels()
        time.sleep(1)  # anything the kernel logs as it starts has arrived by now
        text = log.read_text()
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C
        process.wait(timeout=60)
    with pytest.raises(urllib.error.URLError):  # the server stopped with it
        _get(f"{base}/api/status?token={token}")
    assert "without encryption" not in text
    assert not re.search(r"^\[[IW] ", text, re.MULTILINE), f"server chatter:\n{text}"
    lines = text.rstrip().splitlines()
    url_line = max(i for i, line in enumerate(lines) if url in line)
    assert all("Stop with" in line or set(line) <= {"=", " "} for line in lines[url_line + 1:]), \
        f"the address should come last:\n{text}"


def test_the_readme_shows_four_ways_in_and_commands_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ways = readme.split("## Four ways in")[1].split("\n## ")[0]
    for way in ("make lab", 'pip install "micrograd-plus[notebook]"', "micrograd-plus lessons",
                "Colab", "make site", "### For a class", "JupyterHub", "static"):
        assert way in ways, f"the README's 'Four ways in' should mention {way!r}"
    run = re.findall(r"(?:^|`|!|\\)micrograd-plus (\w+)", readme, re.MULTILINE)
    subcommands = set(run) - {"lessons", "lab"}
    assert not subcommands, f"the README names commands micrograd-plus lacks: {subcommands}"
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.MULTILINE))
    missing = set(re.findall(r"`make ([\w-]+)", readme)) - targets
    assert not missing, f"the README names make targets the Makefile lacks: {missing}"


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_lab_stops_its_server_when_it_is_terminated(tmp_path):
    """The server runs in a session of its own; closing the terminal (SIGHUP) or a kill
    (SIGTERM) must not leave it running without anyone to stop it."""
    pytest.importorskip("jupyterlab", reason="needs JupyterLab: pip install -e '.[notebook]'")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    process = subprocess.Popen(
        [sys.executable, "-m", "micrograd_plus.cli", "lab", str(tmp_path / "lessons"),
         "--no-browser", f"--port={_free_port()}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        if "/lab/tree/" in line:
            url = line.strip()
            break
    base, token = url.split("/lab/")[0], url.split("token=")[1]
    process.send_signal(signal.SIGHUP)
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(f"{base}/api/status?token={token}")
        except urllib.error.URLError:
            return
        time.sleep(0.5)
    pytest.fail("the JupyterLab server kept running after micrograd-plus lab was terminated")
