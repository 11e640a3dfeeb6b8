"""The lesson book: lessons run and exported to HTML, and an index listing them in order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from micrograd_plus.book import WIDGET_VIEW, export_lesson, main, read_lesson, write_index

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def make_notebook(path: Path, first_markdown: str) -> Path:
    notebook = {"cells": [{"cell_type": "markdown", "id": "goal", "metadata": {},
                           "source": first_markdown},
                          {"cell_type": "code", "id": "code", "metadata": {}, "source": "1 + 1",
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


def test_command_line_runs_the_lessons_and_writes_the_index(lessons, capsys):
    pytest.importorskip("nbconvert", reason="needs the [test] extra")
    notebooks, book = lessons
    assert main([str(book), str(notebooks)]) == 0
    assert (book / "index.html").exists() and "wrote" in capsys.readouterr().out
    page = (book / "01_slopes.html").read_text(encoding="utf-8")
    assert "<html></html>" not in page and ">2</pre>" in page  # run: 1 + 1 shows its result
    assert main([str(book), str(book)]) == 1  # no notebooks there
    assert main(["--help"]) == 2


def test_a_widget_exports_as_its_static_picture(tmp_path: Path, kernel_manager):
    """Widgets need a kernel; on the page each shows the picture it carries (and nothing breaks
    for widgets that capture output, such as ipywidgets.interact)."""
    pytest.importorskip("nbconvert", reason="needs the [test] extra")
    notebook = tmp_path / "05_widget.ipynb"
    make_notebook(notebook, "# 05 · Widget\n\n**Goal:** see a picture.")
    cells = json.loads(notebook.read_text(encoding="utf-8"))
    cells["cells"][1]["source"] = (
        "import ipywidgets\n"
        "from micrograd_plus.widgets import GradientDescentExplorer\n"
        "ipywidgets.interact(lambda x: x, x=1)\n"
        "GradientDescentExplorer()")
    notebook.write_text(json.dumps(cells), encoding="utf-8")
    page = export_lesson(notebook, tmp_path / "book", kernel_manager=kernel_manager).read_text(encoding="utf-8")
    assert "data:image/png;base64" in page or "<svg" in page
    assert WIDGET_VIEW not in page


def test_a_page_loads_its_scripts_from_the_book_not_the_internet(tmp_path: Path, kernel_manager):
    """Offline, a page still typesets its formulas: MathJax is copied beside the pages, and no
    script or style sheet comes from another site (tests/e2e/test_book_offline.py opens one)."""
    pytest.importorskip("nbconvert", reason="needs the [test] extra")
    notebook = make_notebook(tmp_path / "07_formula.ipynb", "# 07 · Formula\n\n$L(w) = (w - 3)^2$")
    book = tmp_path / "book"
    page = export_lesson(notebook, book, kernel_manager=kernel_manager).read_text(encoding="utf-8")
    remote = re.findall(r"""<(?:script|link)[^>]*(?:src|href)=["']?(https?:[^"' >]+)""", page)
    assert not remote, f"the page loads {remote}"
    assert 'src="mathjax/MathJax.js?' in page
    assert (book / "mathjax" / "MathJax.js").is_file()
    assert (book / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()


def test_a_failed_run_leaves_the_old_page(tmp_path: Path, kernel_manager):
    pytest.importorskip("nbconvert", reason="needs the [test] extra")
    notebook = make_notebook(tmp_path / "06_broken.ipynb", "# 06 · Broken")
    cells = json.loads(notebook.read_text(encoding="utf-8"))
    cells["cells"][1]["source"] = "1 / 0"
    notebook.write_text(json.dumps(cells), encoding="utf-8")
    book = tmp_path / "book"
    book.mkdir()
    (book / "06_broken.html").write_text("old page", encoding="utf-8")
    with pytest.raises(Exception, match="ZeroDivisionError"):
        export_lesson(notebook, book, kernel_manager=kernel_manager)
    assert (book / "06_broken.html").read_text(encoding="utf-8") == "old page"
    assert [p.name for p in book.iterdir()] == ["06_broken.html"]


def test_every_real_lesson_states_a_title_and_a_goal():
    notebooks = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, f"no lessons in {NOTEBOOK_DIR}"
    for path in notebooks:
        lesson = read_lesson(path)
        assert lesson.title.startswith(path.name[:2]), f"{path.name}: title {lesson.title!r}"
        assert lesson.goal, f"{path.name}: no '**Goal:**' paragraph in its first cell"
