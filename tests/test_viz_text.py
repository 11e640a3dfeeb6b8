"""How values read in text: numbers, and lines broken to fit a width."""

from __future__ import annotations

from micrograd_plus.viz.text import format_number, wrap_words


def test_numbers_show_four_significant_digits_and_a_decimal_point():
    assert [format_number(x) for x in (2.0, -0.70710678, 1234567.0, -0.0, 3.0)] == [
        "2.0", "-0.7071", "1.235e+06", "0.0", "3.0"]


def at_most(characters: int):
    return lambda line: len(line) <= characters


def test_lines_break_between_words_to_fit():
    lines = wrap_words("the quick brown fox jumps", at_most(10))
    assert lines == ["the quick", "brown fox", "jumps"]
    assert all(len(line) <= 10 for line in lines)


def test_a_word_longer_than_a_line_gets_a_line_of_its_own():
    assert wrap_words("a backpropagation b", at_most(5)) == ["a", "backpropagation", "b"]


def test_given_line_breaks_and_indentation_are_kept_and_continuations_indented():
    text = "Step 3:\n  d = dL/dd * dd/de\n\nend"
    assert wrap_words(text, at_most(13), continuation="    ") == [
        "Step 3:", "  d = dL/dd *", "      dd/de", "", "end"]
