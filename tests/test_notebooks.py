"""Every lesson in notebooks/ runs top to bottom, draws its pictures, and its solutions pass.

One test per notebook, so ``pytest -n 2`` spreads them over workers. A notebook runs with
notebooks/ as its working directory, in a kernel from this Python environment, exactly as a
student's "Run All" would.

The exercise convention the lessons follow: an exercise is a code cell with ``...`` for the
reader to fill in, followed by a markdown cell holding
``<details><summary>Solution</summary>`` and a fenced ``python`` block with the solved cell.
Right after running the exercise cell as shipped, the test runs that solution in the same
kernel and requires its check to print a tick and no cross, so a solution can never drift out
of step with its check; once the whole lesson has run, it runs every solution again, as a
reader trying one after Restart & Run All would, so a later cell that rebinds a name the
solution uses cannot break it.
"""

from __future__ import annotations

import ast
import base64
import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from micrograd_plus.exercises import RIGHT, WRONG  # the markers every check prints
from micrograd_plus.viz.style import OUTPUT_WIDTH_PX

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the [test] extra: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the [test] extra: pip install -e '.[test]'")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_SECONDS = 120  # generous: the machines are shared; a lesson should need far less

SOLUTION_BLOCK = re.compile(r"<details>.*?```python\n(.*?)```.*?</details>", re.DOTALL)
PICTURE_TYPES = ("image/svg+xml", "image/png")
# Besides the standard library and micrograd_plus's public names, a lesson may import these.
# torch is for lesson 16, which runs its PyTorch part only when torch is installed.
OTHER_IMPORTS = {"matplotlib", "ipywidgets", "IPython", "torch"}
# Numbers a lesson's text vouches for, checked where the lesson prints them: (pattern, test).
# Lesson 16 says its gradients and PyTorch's agree "to about 15 decimal places" (only when
# torch is installed, as in CI).
PRINTED_CLAIMS = {
    "16_next_steps": [(r"largest difference over all 17 gradients: (\S+)", lambda found: float(found) < 1e-12)],
}
# Most lessons have one to three exercises; the Python on-ramp has one per piece of Python.
MOST_EXERCISES = {"01_just_enough_python": 7}


def solution_code(cell) -> str | None:
    """The python code in a markdown cell's <details> solution, if it calls a check."""
    if cell.cell_type != "markdown":
        return None
    match = SOLUTION_BLOCK.search(cell.source)
    if match and "check_" in match.group(1):
        return match.group(1)
    return None


def printed_text(cell) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


def pictures(cell) -> list[tuple[str, str]]:
    """(mime type, content) of every picture a code cell displayed."""
    return [(mime, output.data[mime])
            for output in cell.get("outputs", []) if "data" in output
            for mime in PICTURE_TYPES if mime in output.data]


def picture_is_real(mime: str, content: str) -> bool:
    """An SVG with drawing elements, or a PNG that starts with the PNG signature and has pixels."""
    if mime == "image/svg+xml":
        return "<svg" in content and re.search(r"<(path|polygon|ellipse|text|rect|use)\b", content) is not None
    raw = base64.b64decode(content)
    return raw.startswith(b"\x89PNG\r\n\x1a\n") and len(raw) > 1000


def png_width(content: str) -> int:
    """The width in pixels of a base64 PNG, read from its header."""
    return int.from_bytes(base64.b64decode(content[:32])[16:20], "big")


def imports(notebook) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) for every import statement in the notebook's code."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        # IPython magics and shell escapes are not Python: parse each as a `pass` at its indent.
        source = "\n".join(line[:len(line) - len(line.lstrip())] + "pass"
                           if line.lstrip().startswith(("%", "!")) else line
                           for line in cell.source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found += [(alias.name, []) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((node.module or "", [alias.name for alias in node.names]))
    return found


def run_solution(client, path: Path, index: int, code: str, when: str) -> None:
    """Run a solution in the notebook's kernel and require its check to pass."""
    solved = nbformat.v4.new_code_cell(code)
    try:
        client.execute_cell(solved, index)
    except nbclient.exceptions.CellExecutionError as error:
        raise AssertionError(f"{path.name}: the solution after code cell {index} fails {when}:\n"
                             f"{error}") from None
    verdict = printed_text(solved)
    assert RIGHT in verdict and WRONG not in verdict, (
        f"{path.name}: the solution after code cell {index} does not pass its check {when}:\n"
        f"{code}\n--- it printed ---\n{verdict}"
    )


# Colab and the browser site have no micrograd_plus until this cell installs it; anywhere else
# it does nothing. It comes first, before anything imports the package.
SETUP_CELL = """# Colab or the browser version: install micrograd_plus first. Anywhere else this does nothing.
try:
    import micrograd_plus
except ImportError:
    %pip install --quiet micrograd-plus"""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_starts_with_the_setup_cell(path: Path):
    code_cells = [cell for cell in nbformat.read(path, as_version=4).cells
                  if cell.cell_type == "code"]
    assert code_cells and code_cells[0].source == SETUP_CELL, (
        f"{path.name}: the first code cell must be the setup cell:\n{SETUP_CELL}")


def run_lesson(notebook, path: Path, kernel_manager) -> int:
    """Run ``notebook`` top to bottom as a reader would, every solution right after its exercise
    and again once the whole lesson has run; the number of solutions."""
    client = nbclient.NotebookClient(
        notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3", km=kernel_manager,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    solutions = []
    with client.setup_kernel():
        cells = notebook.cells
        for index, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)  # raises CellExecutionError, naming the cell, on any error
            following = cells[index + 1] if index + 1 < len(cells) else None
            code = solution_code(following) if following is not None else None
            if code is None:
                continue
            run_solution(client, path, index, code, "right after its exercise")
            solutions.append((index, code))
        # A reader who runs the whole lesson (Restart & Run All) and then tries a solution runs it
        # in the lesson's final state, where later cells may have rebound its names.
        for index, code in solutions:
            run_solution(client, path, index, code, "after the whole lesson has run")
    return len(solutions)


@pytest.mark.notebook
def test_a_solution_broken_by_a_later_cell_is_caught(tmp_path: Path, kernel_manager):
    """The lesson 13 bug of issue 11: a later cell rebinds a name the solution uses."""
    solved = "from micrograd_plus.exercises import check_used_twice\nx_grad = 2 * x + 1\ncheck_used_twice(x_grad)\n"
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 3"),
        nbformat.v4.new_code_cell("x_grad = ..."),
        nbformat.v4.new_markdown_cell(f"<details><summary>Solution</summary>\n\n```python\n{solved}```\n\n</details>"),
        nbformat.v4.new_code_cell("x = 'a later example'"),
    ])
    with pytest.raises(AssertionError, match="after the whole lesson has run"):
        run_lesson(notebook, tmp_path / "made_up.ipynb", kernel_manager)


def test_the_lessons_are_there():
    assert len(NOTEBOOKS) >= 7, f"expected the lesson notebooks in {NOTEBOOK_DIR}, found {NOTEBOOKS}"
    numbers = [path.name[:2] for path in NOTEBOOKS]
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_and_draws(path: Path, kernel_manager):
    notebook = nbformat.read(path, as_version=4)
    solutions_run = run_lesson(notebook, path, kernel_manager)

    drawn = [picture for cell in notebook.cells if cell.cell_type == "code" for picture in pictures(cell)]
    assert drawn, f"{path.name} displayed no picture (no SVG or PNG output)"
    empty = [mime for mime, content in drawn if not picture_is_real(mime, content)]
    assert not empty, f"{path.name}: {len(empty)} of {len(drawn)} pictures are empty ({empty})"
    # A picture wider than the output area is shrunk, text and all (see micrograd_plus.viz.style).
    too_wide = [width for mime, content in drawn if mime == "image/png"
                for width in [png_width(content)] if width > OUTPUT_WIDTH_PX + 2]
    assert not too_wide, (f"{path.name}: pictures {too_wide} px wide do not fit a "
                          f"{OUTPUT_WIDTH_PX} px output area; draw them through a library plot")
    said = "".join(printed_text(cell) for cell in notebook.cells if cell.cell_type == "code")
    for pattern, holds in PRINTED_CLAIMS.get(path.stem, []):
        found = re.search(pattern, said)
        if found is not None or importlib.util.find_spec("torch") is not None:
            assert found and holds(found.group(1)), f"{path.name}: expected {pattern!r} to hold, printed {found}"
    most = MOST_EXERCISES.get(path.stem, 3)
    assert 1 <= solutions_run <= most, (
        f"{path.name}: expected 1 to {most} 'your turn' exercises with a checked solution, found {solutions_run}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    with_outputs = [index for index, cell in enumerate(notebook.cells)
                    if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not with_outputs, (
        f"{path.name}: code cells {with_outputs} carry outputs; clear them before committing "
        f"(jupyter nbconvert --clear-output --inplace {path.name}) so diffs stay small"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_imports_only_the_public_api(path: Path):
    problems = []
    for module, names in imports(nbformat.read(path, as_version=4)):
        top = module.split(".")[0]
        if top == "micrograd_plus":
            public = getattr(importlib.import_module(module), "__all__", [])
            problems += [f"{module}.{name} is not in its __all__" for name in names if name not in public]
        elif top not in OTHER_IMPORTS and top not in sys.stdlib_module_names:
            problems.append(f"imports {module}, which a student may not have installed")
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.notebook
def test_lesson_16_runs_without_pytorch_and_says_how_to_get_it(kernel_manager):
    """Without PyTorch the lesson still runs to the end, and says how to install it into the
    kernel's own Python (``%pip``, not a ``pip`` that may belong to another Python)."""
    path = NOTEBOOK_DIR / "16_next_steps.ipynb"
    notebook = nbformat.read(path, as_version=4)
    no_torch = nbformat.v4.new_code_cell("import sys\nsys.modules['torch'] = None  # import torch fails")
    notebook.cells.insert(0, no_torch)
    nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                            km=kernel_manager,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    said = "".join(printed_text(cell) for cell in notebook.cells if cell.cell_type == "code")
    assert "%pip install torch" in said and "Restart" in said
    assert "runs without it" in said
