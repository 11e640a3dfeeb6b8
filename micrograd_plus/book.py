"""The index page of the lesson book: one HTML page that links every exported lesson.

``make book`` executes the notebooks and exports each to HTML in ``book/``; this module then
writes ``book/index.html``, listing the lessons in order with the title and goal sentence each
notebook states in its first cell. Run it as::

    python -m micrograd_plus.book [BOOK_DIR] [NOTEBOOK_DIR]    # defaults: book notebooks

It reads notebooks as plain JSON, so it needs nothing beyond the standard library.
"""

from __future__ import annotations

import html
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Lesson", "read_lesson", "write_index"]

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


def write_index(book_dir: Path | str = "book", notebook_dir: Path | str = "notebooks") -> Path:
    """Write ``index.html`` in ``book_dir``, linking each lesson of ``notebook_dir`` that was
    exported there (``NN_name.html`` next to ``NN_name.ipynb``), in lesson order. Returns its path."""
    book_dir, notebook_dir = Path(book_dir), Path(notebook_dir)
    notebooks = sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no lesson notebooks (NN_name.ipynb) in {notebook_dir.resolve()}; "
                                "pass the notebooks folder as the second argument.")
    lessons = [read_lesson(path) for path in notebooks]
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


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m micrograd_plus.book [BOOK_DIR] [NOTEBOOK_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 2 or any(arg.startswith("-") for arg in args):
        print(__doc__.strip().splitlines()[0])
        print("usage: python -m micrograd_plus.book [BOOK_DIR] [NOTEBOOK_DIR]")
        return 2
    try:
        index = write_index(*args)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
