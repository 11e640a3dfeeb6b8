"""The lesson book: every lesson run and exported to HTML in one folder, with an index page.

``make book`` runs ``python -m micrograd_plus.book book notebooks``: each notebook is executed top
to bottom and saved as ``book/NN_name.html``; widgets, which need a live kernel, are shown by the
static picture each of them carries; formulas are typeset by a copy of MathJax in
``book/mathjax/``, so the pages need no network; ``book/index.html`` lists the lessons in
order with the title and goal sentence each notebook states in its first cell. Run it as::

    python -m micrograd_plus.book [BOOK_DIR] [NOTEBOOK_DIR]    # defaults: book notebooks

Executing needs the notebook tools (``pip install -e ".[notebook]"``); the index alone needs
only the standard library.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .saved import WIDGET_VIEW, keep_static_pictures

__all__ = ["Lesson", "read_lesson", "write_index", "copy_mathjax", "export_lesson", "build_book"]

GOAL_MARKER = "**Goal:**"


@dataclass(frozen=True)
class Lesson:
    """One lesson as the index shows it: its page, title and one-sentence goal."""

    page: str
    title: str
    goal: str


def _first_markdown(notebook: dict) -> str:
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    return ""


def read_lesson(notebook_path: Path) -> Lesson:
    """Title and goal of a lesson notebook, from its first markdown cell.

    The title is the first ``# `` heading (else the file name); the goal is the paragraph that
    starts with ``**Goal:**`` (else empty).
    """
    notebook_path = Path(notebook_path)
    try:
        notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{notebook_path} is not a readable notebook (invalid JSON: {error}); "
                         "open it in Jupyter and save it again.") from error
    text = _first_markdown(notebook)
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")),
                 notebook_path.stem.replace("_", " "))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    goal = next((p[len(GOAL_MARKER):].strip() for p in paragraphs if p.startswith(GOAL_MARKER)), "")
    return Lesson(page=notebook_path.stem + ".html", title=title, goal=goal)


def _inline(text: str) -> str:
    """Escape for HTML, then show `code` spans the way the notebooks do."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>micrograd_plus: how neural networks learn</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
         line-height: 1.5; color: #222; }}
  h1 {{ font-size: 1.8rem; margin-bottom: 0.2rem; }}
  ol {{ padding-left: 0; list-style: none; }}
  li {{ margin: 0.9rem 0; }}
  a {{ font-weight: 600; font-size: 1.1rem; color: #0b5cad; text-decoration: none; }}
  a:hover {{ text-decoration: underline; }}
  p {{ margin: 0.2rem 0 0; }}
  code {{ background: #f3f3f3; padding: 0 0.2rem; border-radius: 3px; }}
</style>
</head>
<body>
<h1>How neural networks learn</h1>
<p>{count} lessons with micrograd_plus, a small autograd engine. Each page is a notebook, run
top to bottom, with its pictures; read them in order. The interactive widgets appear here as
pictures: to move their sliders and run the code yourself, install the project and type
<code>make lab</code>.</p>
<ol>
{items}
</ol>
</body>
</html>
"""


def _lesson_notebooks(notebook_dir: Path | str) -> list[Path]:
    """The lesson notebooks (``NN_name.ipynb``) of ``notebook_dir``, in lesson order."""
    notebook_dir = Path(notebook_dir)
    notebooks = sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no lesson notebooks (NN_name.ipynb) in {notebook_dir.resolve()}; "
                                "pass the notebooks folder as the second argument.")
    return notebooks


def write_index(book_dir: Path | str = "book", notebook_dir: Path | str = "notebooks") -> Path:
    """Write ``index.html`` in ``book_dir``, linking each lesson of ``notebook_dir`` that was
    exported there (``NN_name.html`` next to ``NN_name.ipynb``), in lesson order. Returns its path."""
    book_dir = Path(book_dir)
    lessons = [read_lesson(path) for path in _lesson_notebooks(notebook_dir)]
    exported = [lesson for lesson in lessons if (book_dir / lesson.page).exists()]
    if not exported:
        raise FileNotFoundError(f"none of the {len(lessons)} lessons has an HTML page in "
                                f"{book_dir.resolve()}; run `make book` first.")
    items = "\n".join(
        f'<li><a href="{html.escape(lesson.page)}">{_inline(lesson.title)}</a>'
        + (f"<p>{_inline(lesson.goal[:1].upper() + lesson.goal[1:])}</p>" if lesson.goal else "")
        + "</li>"
        for lesson in exported)
    index = book_dir / "index.html"
    index.write_text(PAGE.format(count=len(exported), items=items), encoding="utf-8")
    return index


# The formulas are typeset by the MathJax copy in the book's own folder, never a CDN, so the
# pages read the same with the network off. jupyter-server-mathjax packages MathJax 2.7, the
# version nbconvert's templates configure.
MATHJAX_DIR = "mathjax"
MATHJAX_URL = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"

# nbconvert's page without require.js, which it loads from a CDN for widget state and
# JavaScript outputs; a book page has neither.
PAGE_TEMPLATE = """{%- extends "lab/index.html.j2" -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
"""


def copy_mathjax(book_dir: Path | str) -> Path:
    """Copy MathJax (from the jupyter-server-mathjax package) into ``book_dir/mathjax`` once;
    returns that folder."""
    try:
        import jupyter_server_mathjax
    except ImportError as error:
        raise RuntimeError("the book's formulas need MathJax from the jupyter-server-mathjax "
                           "package: pip install -e '.[notebook]'") from error
    target = Path(book_dir) / MATHJAX_DIR
    if not (target / "MathJax.js").exists():
        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", target,
                        dirs_exist_ok=True)
    return target


def export_lesson(notebook_path: Path | str, book_dir: Path | str, timeout: int = 600,
                  kernel_manager=None) -> Path:
    """Run one lesson top to bottom (in its own folder) and write it to ``book_dir`` as HTML.

    The page is written to a temporary file first and then renamed, so a failed run leaves any
    earlier page intact. ``kernel_manager`` (a jupyter_client KernelManager) chooses how the
    kernel is started; by default nbclient's. Returns the page's path.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook_path, book_dir = Path(notebook_path), Path(book_dir)
    notebook = nbformat.read(notebook_path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", km=kernel_manager,
                   resources={"metadata": {"path": str(notebook_path.parent)}}).execute()
    keep_static_pictures(notebook)  # a page has no kernel to drive a widget
    from jinja2 import DictLoader

    exporter = HTMLExporter(mathjax_url=MATHJAX_URL, template_file="book.html.j2",
                            extra_loaders=[DictLoader({"book.html.j2": PAGE_TEMPLATE})])
    body, _ = exporter.from_notebook_node(notebook)
    book_dir.mkdir(parents=True, exist_ok=True)
    copy_mathjax(book_dir)
    page = book_dir / (notebook_path.stem + ".html")
    handle, temporary = tempfile.mkstemp(dir=book_dir, prefix=f".{page.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(body)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a page is for sharing
        os.replace(temporary, page)
    except BaseException:
        os.unlink(temporary)
        raise
    return page


def build_book(book_dir: Path | str = "book", notebook_dir: Path | str = "notebooks") -> Path:
    """Export every lesson of ``notebook_dir`` to ``book_dir`` and write the index; returns it."""
    for path in _lesson_notebooks(notebook_dir):
        print(f"running {path.name} ...", flush=True)
        export_lesson(path, book_dir)
    return write_index(book_dir, notebook_dir)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m micrograd_plus.book [BOOK_DIR] [NOTEBOOK_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 2 or any(arg.startswith("-") for arg in args):
        print(__doc__.strip().splitlines()[0])
        print("usage: python -m micrograd_plus.book [BOOK_DIR] [NOTEBOOK_DIR]")
        return 2
    try:
        index = build_book(*args)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
