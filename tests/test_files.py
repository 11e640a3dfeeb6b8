"""Tests for micrograd_plus._files.write_atomically, the one way the package writes files
(Module.save, save_graph, save_backward_animation, save_backward_html)."""

import os
import stat

import pytest

from micrograd_plus._files import write_atomically


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_writes_text_and_bytes_and_replaces_the_whole_file(tmp_path):
    path = tmp_path / "out.txt"
    write_atomically(path, "a long first version\n" * 10)
    write_atomically(path, b"short")
    assert path.read_bytes() == b"short" and _names(tmp_path) == ["out.txt"]


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomically(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new" and _names(tmp_path) == ["link.json", "real.json"]


def test_an_existing_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path):
    existing = tmp_path / "shared.json"
    existing.write_text("old")
    existing.chmod(0o644)
    write_atomically(existing, "new")
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644
    old_umask = os.umask(0o027)
    try:
        write_atomically(tmp_path / "fresh.json", "x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o640


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_a_pipe_or_a_folder_is_refused_untouched(tmp_path):
    # (A device such as /dev/null is refused the same way; the test does not risk a real one.)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="pipe: it is not a regular file"):
        write_atomically(fifo, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with pytest.raises(ValueError, match="it is a folder.*model.json"):
        write_atomically(tmp_path, "x")
    assert _names(tmp_path) == ["pipe"]


def test_a_missing_folder_or_an_empty_path_is_named_not_a_temporary_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Cannot write .*nowhere.out\.json: the folder .*nowhere does not exist") as info:
        write_atomically(tmp_path / "nowhere" / "out.json", "x")
    assert ".tmp" not in str(info.value)
    with pytest.raises(ValueError, match="path is empty"):
        write_atomically("", "x")


def test_an_os_error_names_the_path_and_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def disk_full(handle):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match=r"Cannot write .*out\.txt \(No space left on device\)") as info:
        write_atomically(path, "new")
    assert ".tmp" not in str(info.value)
    assert path.read_text() == "old" and _names(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("moment", ["while writing", "just after the rename"])
def test_an_interrupt_stays_a_keyboard_interrupt_and_leaves_no_temporary(tmp_path, monkeypatch, moment):
    path = tmp_path / "out.txt"
    path.write_text("old")
    real_replace = os.replace

    def interrupted_fsync(handle):
        raise KeyboardInterrupt

    def replace_then_interrupted(source, destination):
        real_replace(source, destination)
        raise KeyboardInterrupt

    if moment == "while writing":
        monkeypatch.setattr(os, "fsync", interrupted_fsync)
    else:
        monkeypatch.setattr(os, "replace", replace_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, "new")
    assert path.read_text() == ("old" if moment == "while writing" else "new")
    assert _names(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("writer, name", [
    ("save_graph", "graph.svg"), ("save_graph", "graph.png"),
    ("save_backward_animation", "film.gif"), ("save_backward_html", "film.html"),
    ("Module.save", "model.json"),
])
def test_every_writer_leaves_the_old_file_whole_on_a_full_disk(tmp_path, monkeypatch, writer, name):
    from micrograd_plus import Value
    from micrograd_plus.nn import MLP
    from micrograd_plus.viz import draw_dot, save_backward_animation, save_backward_html, save_graph

    x = Value(2.0, label="x")
    loss = (x * 3.0).tanh()
    write = {"save_graph": lambda path: save_graph(draw_dot(loss), path),
             "save_backward_animation": lambda path: save_backward_animation(loss, path),
             "save_backward_html": lambda path: save_backward_html(loss, path),
             "Module.save": lambda path: MLP(2, [1], seed=0).save(path)}[writer]
    path = tmp_path / name
    path.write_bytes(b"the picture that was here")

    def disk_full(handle):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        write(path)
    assert path.read_bytes() == b"the picture that was here" and _names(tmp_path) == [name]
    monkeypatch.undo()
    write(path)
    assert path.stat().st_size > 100 and _names(tmp_path) == [name]
