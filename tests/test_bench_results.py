"""benchmarks/run.py's results.md writer: a run replaces its own sections and keeps the others."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def load_run():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def headings(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.startswith("## ")]


def test_wall_times_keep_the_instruction_counts_and_the_dashboard(tmp_path):
    run = load_run()
    results = tmp_path / "results.md"
    results.write_text("# Benchmarks\n\nold intro\n\n## W1: old\n\nold W1\n\n"
                       f"{run.INSTRUCTIONS_HEADING}\n\ncounts\n\n"
                       "## The training dashboard in the browser\n\n1.48 s\n")
    run.write_results(results, "# Benchmarks\n\nnew intro\n\n## W1: new\n\nnew W1\n",
                      keep=run.KEPT_SECTIONS)
    text = results.read_text()
    assert headings(results) == ["## W1: new", run.INSTRUCTIONS_HEADING,
                                 "## The training dashboard in the browser"]
    assert "new intro" in text and "old" not in text and "counts" in text and "1.48 s" in text


def test_instruction_counts_replace_only_their_own_section(tmp_path):
    run = load_run()
    results = tmp_path / "results.md"
    before = ("# Benchmarks\n\nintro\n\n## W1: x\n\nW1\n\n"
              f"{run.INSTRUCTIONS_HEADING}\n\nold counts\n\n"
              "## The training dashboard in the browser\n\n1.48 s\n")
    results.write_text(before)
    run.write_results(results, f"{run.INSTRUCTIONS_HEADING}\n\nnew counts\n")
    assert results.read_text() == before.replace("old counts", "new counts")
    run.write_results(results, results.read_text())
    assert results.read_text() == before.replace("old counts", "new counts")
