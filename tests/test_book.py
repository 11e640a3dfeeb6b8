"""The book's index page: every exported lesson listed in order, with its title and goal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from micrograd_plus.book import main, read_lesson, write_index

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def make_notebook(path: Path, first_markdown: str) -> Path:
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": first_markdown},
                          {"cell_type": "code", "metadata": {}, "source": "1 + 1",
                           "outputs": [], "execution_count": None}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


@pytest.fixture
def lessons(tmp_path: Path) -> tuple[Path, Path]:
    notebooks, book = tmp_path / "notebooks", tmp_path / "book"
    notebooks.mkdir()
    book.mkdir()
    make_notebook(notebooks / "01_slopes.ipynb",
                  "# 01 · Slopes\n\n**Goal:** see a derivative as a\nslope of `f`.\n\nMore text.")
    make_notebook(notebooks / "00_start.ipynb", "# 00 · Start <here>\n\n**Goal:** run a cell.")
    make_notebook(notebooks / "02_no_goal.ipynb", "Just text, no heading.")
    for page in ("00_start.html", "01_slopes.html", "02_no_goal.html"):
        (book / page).write_text("<html></html>", encoding="utf-8")
    return notebooks, book


def test_read_lesson_takes_title_and_the_whole_goal_paragraph(lessons):
    notebooks, _ = lessons
    lesson = read_lesson(notebooks / "01_slopes.ipynb")
    assert lesson.title == "01 · Slopes"
    assert lesson.goal == "see a derivative as a slope of `f`."
    assert lesson.page == "01_slopes.html"


def test_read_lesson_falls_back_to_the_file_name(lessons):
    notebooks, _ = lessons
    lesson = read_lesson(notebooks / "02_no_goal.ipynb")
    assert (lesson.title, lesson.goal) == ("02 no goal", "")


def test_index_links_lessons_in_order_and_escapes_html(lessons):
    notebooks, book = lessons
    index = write_index(book, notebooks).read_text(encoding="utf-8")
    links = [index.index(f'href="{page}"') for page in ("00_start.html", "01_slopes.html", "02_no_goal.html")]
    assert links == sorted(links)
    assert "00 · Start &lt;here&gt;" in index
    assert "<p>See a derivative as a slope of <code>f</code>.</p>" in index  # a sentence: capitalised
    assert "3 lessons" in index


def test_index_skips_lessons_that_were_not_exported(lessons):
    notebooks, book = lessons
    (book / "01_slopes.html").unlink()
    index = write_index(book, notebooks).read_text(encoding="utf-8")
    assert "01_slopes.html" not in index and "00_start.html" in index


def test_errors_say_what_to_do(tmp_path: Path, lessons):
    notebooks, book = lessons
    with pytest.raises(FileNotFoundError, match="make book"):
        write_index(tmp_path / "empty_book", notebooks)
    with pytest.raises(FileNotFoundError, match="no lesson notebooks"):
        write_index(book, tmp_path)
    (notebooks / "03_broken.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="save it again"):
        read_lesson(notebooks / "03_broken.ipynb")


def test_command_line(lessons, capsys):
    notebooks, book = lessons
    assert main([str(book), str(notebooks)]) == 0
    assert (book / "index.html").exists() and "wrote" in capsys.readouterr().out
    assert main([str(book / "missing"), str(notebooks)]) == 1
    assert main(["--help"]) == 2


def test_every_real_lesson_states_a_title_and_a_goal():
    notebooks = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, f"no lessons in {NOTEBOOK_DIR}"
    for path in notebooks:
        lesson = read_lesson(path)
        assert lesson.title.startswith(path.name[:2]), f"{path.name}: title {lesson.title!r}"
        assert lesson.goal, f"{path.name}: no '**Goal:**' paragraph in its first cell"
