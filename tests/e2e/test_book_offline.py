"""``make book`` pages with the network off: formulas typeset by the book's own MathJax, and
every widget shown as its picture."""

from __future__ import annotations

from pathlib import Path

import pytest

from .offline import assert_nothing_left, offline_browser, serve

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
LESSON = "08_gradient_descent"  # formulas ($L(w) = (w - 3)^2$) and the descent explorer
TYPESET_TIMEOUT_MS = 60_000


def test_book_page_reads_offline(playwright, tmp_path, screenshots):
    from micrograd_plus.book import export_lesson

    page_path = export_lesson(ROOT / "notebooks" / f"{LESSON}.ipynb", tmp_path / "book")
    with serve(page_path.parent) as base, offline_browser(playwright, tmp_path / "chromium") as (
            context, proxy, seen):
        page = context.new_page()
        page.goto(f"{base}/{page_path.name}")
        page.wait_for_function("() => document.querySelectorAll('.MathJax, .MathJax_Display')"
                               ".length > 0", timeout=TYPESET_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screenshots / "book-offline.png"))
        text = page.locator("body").inner_text()
        assert "$L(w)" not in text, "a formula is still shown as raw $...$"
        formulas = page.locator(".MathJax, .MathJax_Display").count()
        assert formulas >= 5, f"only {formulas} formulas typeset"
        assert "Error displaying widget" not in text and "model not found" not in text
        pictures = page.locator(".jp-OutputArea-output img[src^='data:image/png']")
        assert pictures.count() >= 1, "no widget picture on the page"
        broken = page.evaluate("() => [...document.images].filter(i => !i.complete || "
                               "i.naturalWidth === 0).map(i => i.src.slice(0, 60))")
        assert not broken, f"pictures that did not load: {broken}"
        assert_nothing_left(base, proxy, seen)
