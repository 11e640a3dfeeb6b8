"""Checks for the lessons' "your turn" exercises: call one with your answer, read the feedback.

    from micrograd_plus.exercises import check_backprop_by_hand
    check_backprop_by_hand(a_grad=3.0, b_grad=-4.5)

Every check shows its verdict at once (what is right, what is not, and a hint) and returns a
:class:`Feedback`, which is truthy when the answer is right, so tests can use the checks too.
In a notebook the verdict is formatted HTML (names in code type, a green or red box); anywhere
else it is printed as plain text. Numbers in it are rounded to four significant digits, and an
answer that matches a common mistake (the wrong sign, a percentage for a fraction, or one the
check names) is told which mistake it looks like.

The checks for lessons 00-07 live in ``basics.py`` and those for lessons 08-16 in
``training.py``; both are built from the few helpers below, so every exercise reads the same way.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

__all__ = ["Feedback", "Answer", "check_numbers", "report", "is_missing", "shown"]

# The markers a reader scans for; plain Unicode so they show in a notebook and in a terminal.
RIGHT = "\u2705"   # green tick
WRONG = "\u274c"   # red cross
HINT = "\U0001f4a1"  # light bulb


@dataclass(frozen=True)
class Feedback:
    """The verdict of one check: ``passed`` and the message that was printed.

    ``bool(feedback)`` is ``passed``. In a notebook the message has already been printed, so the
    object itself shows nothing more when it is the last expression of a cell.
    """

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        # The check printed the message already; showing the object too would repeat it.
        pass


_CODE = re.compile(r"`([^`]+)`")


def shown(x: Any) -> str:
    """A number as a reader wants to see it: 0.341, not 0.34099999999999997. Lists and tuples show
    their numbers so, and a Value its data and grad; anything else is shown as repr."""
    if isinstance(x, list):
        return "[" + ", ".join(shown(item) for item in x) + "]"
    if isinstance(x, tuple):
        return "(" + ", ".join(shown(item) for item in x) + ("," if len(x) == 1 else "") + ")"
    if _is_value(x):
        return f"Value(data={shown(x.data)}, grad={shown(x.grad)})"
    if isinstance(x, bool) or not isinstance(x, Real):
        return repr(x)
    if isinstance(x, int) or (math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15):
        return f"{x:g}" if not isinstance(x, int) else str(x)
    return f"{x:.4g}"


def _is_value(x: Any) -> bool:
    """A Value of this engine, micrograd's or the reader's own: anything with data and grad."""
    return hasattr(x, "data") and hasattr(x, "grad")


def _as_html(passed: bool, message: str, hint: str) -> str:
    """The verdict as a small coloured box; `name` becomes code type, new lines stay lines."""
    def lines(text: str) -> str:
        escaped = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html.escape(text, quote=False))
        return escaped.replace("\n", "<br>")
    colour, background = ("#1a7f37", "#e9f7ec") if passed else ("#b3261e", "#fdecea")
    parts = [f"<div style='border-left:5px solid {colour}; background:{background}; color:#111; "
             f"padding:6px 10px; margin:4px 0; font-size:1.05em; line-height:1.5'>"
             f"{RIGHT if passed else WRONG} {lines(message)}"]
    if hint:
        parts.append(f"<br>{HINT} <b>Hint:</b> {lines(hint)}")
    return "".join(parts) + "</div>"


def _in_a_notebook() -> bool:
    """True inside a Jupyter kernel (which shows HTML), False in a terminal or a test."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


def report(passed: bool, message: str, hint: str = "") -> Feedback:
    """Show ``message`` under a tick or a cross (and ``hint`` when the answer is not right yet).

    In a notebook it shows as HTML (with the same plain text beside it for exported pages);
    elsewhere it is printed. Write names of variables and code between backticks.
    """
    hint = hint if not passed else ""
    lines = [f"{RIGHT if passed else WRONG} {message}"]
    if hint:
        lines.append(f"{HINT} Hint: {hint}")
    text = "\n".join(lines)
    if _in_a_notebook():
        from IPython.display import display
        display({"text/plain": text, "text/html": _as_html(passed, message, hint)}, raw=True)
    else:
        print(text)
    return Feedback(passed, text)


def is_missing(answer: Any) -> bool:
    """True for the placeholders the notebooks leave for the reader to replace: ``...`` and None."""
    return answer is ... or answer is None


@dataclass(frozen=True)
class Answer:
    """One number the reader was asked for: its name, what they gave, and what it should be.

    ``tolerance`` is absolute and relative at once: ``|given - expected| <= tolerance *
    max(1, |expected|)``, so answers rounded to a few decimals count as right.

    ``mistakes`` lists common wrong answers as ``(value, what went wrong)``; an answer that
    matches one is told that. The wrong sign, and a percentage given for a fraction, are
    recognised for every answer.
    """

    name: str
    given: Any
    expected: float
    tolerance: float = 1e-3
    hint: str = field(default="", compare=False)
    mistakes: tuple[tuple[float, str], ...] = field(default=(), compare=False)

    def _close(self, value: float, target: float) -> bool:
        return abs(value - target) <= self.tolerance * max(1.0, abs(target))

    def mistake(self) -> str:
        """What went wrong, when the given answer matches a known mistake; "" otherwise."""
        given, expected = self.given, self.expected
        for value, what in self.mistakes:
            if self._close(given, value):
                return what
        if expected != 0 and self._close(given, -expected):
            return "it has the wrong sign: the size is right, the direction is not."
        if 0 < abs(expected) <= 1 and self._close(given, 100 * expected):
            return (f"it looks like a percentage; a fraction is wanted ({shown(given)}% is "
                    f"{shown(given / 100)}).")
        return ""

    def problem(self) -> str:
        """Why the given answer is not right, or "" when it is."""
        given = self.given
        if is_missing(given):
            return f"`{self.name}` is still `...`: replace it with your answer."
        if _is_value(given):
            return (f"`{self.name}` is a Value ({shown(given)}); give a plain number, "
                    f"e.g. its `.data` or its `.grad`.")
        if callable(given):
            return (f"`{self.name}` is a function, not a number: call it, with its input in "
                    f"brackets after its name.")
        if not isinstance(given, Real) or isinstance(given, bool):
            return f"`{self.name}` should be a number, got {type(given).__name__}: {shown(given)}."
        if not math.isfinite(given):
            return f"`{self.name}` is {given!r}; it should be a finite number."
        if not self._close(given, self.expected):
            if what := self.mistake():
                return f"`{self.name}` = {shown(given)} is not right yet: {what}"
            return f"`{self.name}` = {shown(given)} is not right yet."
        return ""


def check_numbers(answers: list[Answer], success: str, hint: str = "") -> Feedback:
    """Compare several numbers at once and say which are right and which are not.

    ``success`` is printed when all are right (say what the reader has just shown); otherwise
    each wrong answer gets a line, followed by its own hint or else the general ``hint``.
    """
    problems = [(answer, answer.problem()) for answer in answers]
    wrong = [(answer, text) for answer, text in problems if text]
    if not wrong:
        return report(True, success)
    right = [answer.name for answer, text in problems if not text]
    lines = [text for _, text in wrong]
    if right:
        lines.append("Right already: " + ", ".join(f"`{name}`" for name in right) + ".")
    # Hints are for answers that were tried and are wrong; a blank `...` only needs filling in.
    tried = [answer for answer, _ in wrong if not is_missing(answer.given)]
    hints = [answer.hint for answer in tried if answer.hint] or ([hint] if hint and tried else [])
    return report(False, "\n".join(lines), " ".join(dict.fromkeys(hints)))


# The checks use the helpers above, so they are imported after them.
from .basics import *  # noqa: E402,F401,F403
from .basics import __all__ as _basics_all  # noqa: E402

__all__ += _basics_all

from .training import *  # noqa: E402,F401,F403
from .training import __all__ as _training_all  # noqa: E402

__all__ += _training_all
