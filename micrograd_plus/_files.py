"""Writing a file so that it is either the old file or the whole new one, never half of either.

``Module.save``, ``viz.save_graph``, ``viz.save_backward_animation`` and ``viz.save_backward_html``
all write through ``write_atomically``: the bytes go to a hidden temporary file beside the target,
are flushed to disk, and the temporary file is then renamed over the target in one step. A full
disk, a killed process or Ctrl-C leaves the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

__all__ = ["write_atomically"]

_NEW_FILE_MODE = 0o666  # as open() creates files: the umask then takes its bits away


def write_atomically(path: str | os.PathLike, data: bytes | str) -> Path:
    """Replace the file at ``path`` by ``data`` (text is written as UTF-8); returns the path.

    A symbolic link is followed: the file it points to is replaced and the link stays. An
    existing file keeps its permissions; a new one gets the usual ones (0666 minus the umask).
    A path that names something other than a regular file (a folder, a device, a pipe) is
    refused, and so is a path whose folder does not exist.
    """
    shown = Path(path)
    if not str(path):
        raise ValueError("The path is empty; give a file name such as 'model.json'.")
    target = Path(os.path.realpath(path))
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        folder = stat.S_ISDIR(existing.st_mode)
        example = shown / "model.json" if folder else "model.json"
        raise ValueError(f"Cannot write {shown}: it is {'a folder' if folder else 'not a regular file'}. "
                         f"Give the path of a file to create or replace, such as {example}.")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"Cannot write {shown}: the folder {target.parent} does not exist. "
                                f"Create it first (os.makedirs) or choose another folder.")
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else _NEW_FILE_MODE
    content = data.encode("utf-8") if isinstance(data, str) else data
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    try:
        try:
            # O_EXCL: never write into a file someone else made; the mode is reduced by the umask.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            handle = os.open(temporary, flags, mode)
            try:
                if existing is not None:
                    os.chmod(handle if os.chmod in os.supports_fd else temporary, mode)
                view = memoryview(content)
                while view:
                    view = view[os.write(handle, view):]
                os.fsync(handle)
            finally:
                os.close(handle)
            os.replace(temporary, target)
        except OSError as error:
            message = (f"Cannot write {shown} ({error.strerror or error}); the file that was "
                       f"there, if any, is unchanged.")
            raise (type(error)(error.errno, message) if error.errno else OSError(message)) from None
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass  # never created, or already renamed into place just before an interrupt
        raise
    _sync_folder(target.parent)
    return shown


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows (POSIX); elsewhere do nothing."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
