"""The ``micrograd-plus`` command: the lessons out of the package, and JupyterLab on them.

    micrograd-plus lessons [DIR]   copy the lessons into DIR (default: micrograd-plus-lessons)
    micrograd-plus lab [DIR]       the same, then open JupyterLab there (needs the notebook extra)

The lessons ship inside the package. Copying them out never overwrites a lesson the learner
has changed: DIR keeps a record of what each copy looked like when it was made, so a lesson is
replaced by a newer version only while it is still exactly that copy.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterator, Sequence

from . import __version__

__all__ = ["LessonCopy", "lessons_source", "copy_lessons", "quiet_settings_dir", "lab_command",
           "run_lab", "main"]

DEFAULT_DIR = "micrograd-plus-lessons"
RECORD_NAME = ".micrograd-plus-lessons.json"  # lesson name -> sha256 of the copy as made
SERVER_START_TIMEOUT = 120  # seconds; a cold JupyterLab on a slow laptop takes ~10


@dataclass
class LessonCopy:
    """What ``copy_lessons`` did, lesson by lesson (file names)."""

    folder: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)      # changed by the learner: left alone
    current: list[str] = field(default_factory=list)   # already the shipped version

    def summary(self) -> str:
        """Lines for a person: what happened to which lesson, and where they are."""
        lines = [f"added {name}" for name in self.added]
        lines += [f"updated {name} (a newer version; you had not changed it)" for name in self.updated]
        lines += [f"kept {name}: you changed it, so it was left as it is (rename it and run "
                  f"this again to get the current version beside it)" for name in self.kept]
        if self.current:
            lines.append(f"{len(self.current)} lesson(s) already up to date")
        lines.append(f"The lessons are in {self.folder.resolve()}")
        return "\n".join(lines)


def lessons_source() -> Path:
    """The folder of lesson notebooks that comes with this installation.

    An installed wheel carries them as ``micrograd_plus/lessons``; an editable install from a
    git checkout reads them where they are written, the checkout's ``notebooks/``.
    """
    packaged = resources.files("micrograd_plus") / "lessons"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "notebooks"
    if checkout.is_dir():
        return checkout
    raise RuntimeError(f"this installation of micrograd-plus has no lessons (looked in "
                       f"{packaged} and {checkout}); reinstall it with "
                       f"`pip install --force-reinstall micrograd-plus`")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_lessons(folder: str | os.PathLike = DEFAULT_DIR, source: Path | None = None) -> LessonCopy:
    """Copy every lesson from ``source`` (default: ``lessons_source()``) into ``folder``.

    A lesson missing from ``folder`` is added; one still exactly as it was copied is updated
    when the shipped version changed; one the learner changed is kept and reported.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder; give another name for the "
                                 f"lessons folder, e.g. `micrograd-plus lessons {DEFAULT_DIR}`")
    source = lessons_source() if source is None else Path(source)
    folder.mkdir(parents=True, exist_ok=True)
    record_path = folder / RECORD_NAME
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else {}
    result = LessonCopy(folder)
    for lesson in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        target = folder / lesson.name
        shipped = lesson.read_bytes()
        shipped_digest = hashlib.sha256(shipped).hexdigest()
        if not target.exists():
            result.added.append(lesson.name)
        elif _digest(target) == shipped_digest:
            result.current.append(lesson.name)
            record[lesson.name] = shipped_digest
            continue
        elif record.get(lesson.name) == _digest(target):
            result.updated.append(lesson.name)
        else:
            result.kept.append(lesson.name)
            continue
        target.write_bytes(shipped)
        record[lesson.name] = shipped_digest
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return result


def _kernels_can_encrypt() -> bool:
    """Whether jupyter_client can give kernels CurveZMQ keys (8.10 and later, with a libzmq
    that has Curve), which ipykernel otherwise asks for with a warning at every start."""
    try:
        import zmq
        from jupyter_client.manager import KernelManager
    except ImportError:
        return False
    return KernelManager.class_traits().get("transport_encryption") is not None and zmq.has("curve")


# JupyterLab's own defaults, changed for this command only: no pop-up asking whether to fetch
# Jupyter's news, and no update check.
QUIET_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                                   "checkForUpdates": False}}


def quiet_settings_dir(workdir: Path) -> Path:
    """JupyterLab's application settings (overrides.json and the like) as this environment has
    them, plus QUIET_SETTINGS, in ``workdir``; the learner's own settings are untouched."""
    from jupyterlab.commands import get_app_dir

    settings = workdir / "settings"
    installed = Path(get_app_dir()) / "settings"
    if installed.is_dir():
        shutil.copytree(installed, settings)
    (settings / "overrides.d").mkdir(parents=True, exist_ok=True)
    (settings / "overrides.d" / "zz-micrograd-plus.json").write_text(
        json.dumps(QUIET_SETTINGS, indent=1), encoding="utf-8")
    return settings


def lab_command(folder: Path, settings: Path, port: int | None = None,
                open_browser: bool = True) -> list[str]:
    """The command that serves JupyterLab on ``folder`` at 127.0.0.1, quietly.

    Quiet means: only errors in the server log (not "Notebook ... is not trusted" each time a
    lesson opens), JupyterLab's application settings from ``settings`` (see
    ``quiet_settings_dir``), and kernels whose connection is encrypted where jupyter_client
    can do it, so ipykernel does not warn at every start that it sends everything in plain text.
    """
    command = [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1",
               f"--ServerApp.root_dir={folder.resolve()}", "--log-level=ERROR",
               "--LabApp.log_level=ERROR", "--LabApp.news_url=None",
               f"--LabApp.app_settings_dir={settings}"]
    if _kernels_can_encrypt():
        command.append("--KernelManager.transport_encryption=auto")
    if os.name == "posix" and os.geteuid() == 0:  # containers and CI machines often run as root
        command.append("--allow-root")
    if port is not None:
        command.append(f"--port={port}")
    if not open_browser:
        command.append("--no-browser")
    return command


def _server_info(pid: int) -> dict | None:
    """The URL and token a running Jupyter server wrote for itself, once it is listening."""
    from jupyter_core.paths import jupyter_runtime_dir

    info = Path(jupyter_runtime_dir()) / f"jpserver-{pid}.json"
    with contextlib.suppress(OSError, json.JSONDecodeError):
        return json.loads(info.read_text(encoding="utf-8"))
    return None


def _banner(url: str) -> str:
    line = "=" * max(60, len(url) + 4)
    return (f"\n{line}\n  The lessons are open in JupyterLab. If no browser window appeared,\n"
            f"  open this address:\n\n  {url}\n\n  Stop with Ctrl+C.\n{line}\n")


def _lab_url(info: dict, first_lesson: str | None) -> str:
    path = f"lab/tree/{first_lesson}" if first_lesson else "lab"
    return f"{info['url'].rstrip('/')}/{path}?token={info['token']}"


def _exit_on_signal(signum, frame) -> None:
    sys.exit(128 + signum)


@contextlib.contextmanager
def _running(command: list[str]) -> Iterator[subprocess.Popen]:
    """Run ``command``; on the way out stop it (and the kernels it started) if it still runs.

    The server gets a session of its own, so that Ctrl+C stops it here at once instead of
    Jupyter asking "Shutdown this Jupyter server (y/[n])?"; in return this process must stop
    it on every way out, including being terminated or its terminal closed.
    """
    process = subprocess.Popen(command, start_new_session=os.name == "posix")
    if os.name == "posix":
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _exit_on_signal)
    try:
        yield process
    finally:
        if process.poll() is None:
            if os.name == "posix":
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            else:
                process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_lab(folder: Path, port: int | None = None, open_browser: bool = True) -> int:
    """Copy the lessons into ``folder``, serve JupyterLab there, print its address prominently,
    and wait until the server stops; return its exit code."""
    if importlib.util.find_spec("jupyterlab") is None:
        print(f"JupyterLab is not installed in this Python ({sys.executable}). Install it with\n\n"
              f"    {sys.executable} -m pip install \"micrograd-plus[notebook]\"\n\n"
              f"or copy the lessons out with `micrograd-plus lessons {folder}` and open them with "
              f"any Jupyter you have.", file=sys.stderr)
        return 1
    copied = copy_lessons(folder)
    print(copied.summary(), flush=True)
    lessons = sorted(path.name for path in folder.glob("[0-9][0-9]_*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="micrograd-plus-lab-") as workdir, \
            _running(lab_command(folder, quiet_settings_dir(Path(workdir)), port,
                                 open_browser)) as process:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            info = _server_info(process.pid)
            if info:
                print(_banner(_lab_url(info, lessons[0] if lessons else None)), flush=True)
                break
            time.sleep(0.3)
        with contextlib.suppress(KeyboardInterrupt):
            return process.wait()
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="micrograd-plus", description="The micrograd_plus lessons: copy them out, open them.")
    parser.add_argument("--version", action="version", version=f"micrograd-plus {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lessons = commands.add_parser(
        "lessons", help="copy the lessons into a folder (never overwrites one you changed)")
    lab = commands.add_parser("lab", help="copy the lessons, then open JupyterLab on them")
    for sub in (lessons, lab):
        sub.add_argument("folder", nargs="?", default=DEFAULT_DIR, type=Path, metavar="DIR",
                         help=f"where the lessons go (default: {DEFAULT_DIR})")
    lab.add_argument("--port", type=int, help="the port to serve on (default: 8888 or the next free)")
    lab.add_argument("--no-browser", dest="open_browser", action="store_false",
                     help="print the address but open no browser window")
    args = parser.parse_args(argv)
    try:
        if args.command == "lessons":
            print(copy_lessons(args.folder).summary())
            return 0
        return run_lab(args.folder, args.port, args.open_browser)
    except (OSError, RuntimeError) as error:
        print(f"micrograd-plus: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
