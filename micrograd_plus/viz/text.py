"""How values read in pictures and sentences: their names, their numbers, their expressions.

The graph drawing and the step-by-step explanations both use these, so a node called ``n3`` in
a picture is ``n3`` in the sentence that explains it.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["format_number", "value_names", "expression", "wrap_words", "visible"]

_INFIX_OPS = ("+", "-", "*", "/", "**")


def format_number(x: float) -> str:
    """Four significant digits, always with a decimal point: 2.0, -0.7071, 1.235e+06."""
    if x == 0.0:
        return "0.0"  # also for -0.0, whose sign would only puzzle a reader
    shown = f"{x:.4g}"
    if not any(mark in shown for mark in ".en"):  # 'n' covers inf and nan
        shown += ".0"
    return shown


def wrap_words(text: str, fits: Callable[[str], bool], continuation: str = "") -> list[str]:
    """``text``'s lines, broken between words so that each line ``fits`` (a word too long for any
    line gets one of its own). A broken line goes on with its own indentation plus
    ``continuation``."""
    lines = []
    for paragraph in text.split("\n"):
        indent = paragraph[:len(paragraph) - len(paragraph.lstrip())]
        first, *words = paragraph[len(indent):].split(" ")
        line = indent + first
        for word in words:
            longer = f"{line} {word}"
            if line.strip() and not fits(longer):
                lines.append(line)
                line = indent + continuation + word
            else:
                line = longer
        lines.append(line)
    return lines


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def visible(text: str) -> str:
    """``text`` with each character that would not show (a newline, a tab, NUL, other control
    and format characters, a lone surrogate) written as its Python escape: ``a\\nb``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _ESCAPES.get(c) or _escape(ord(c)) for c in text)


def _escape(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def label_text(label: Any) -> str:
    """A value's label as shown: any object as its text, every character visible; '' for none."""
    if label is None or (isinstance(label, str) and not label):
        return ""
    try:
        text = label if isinstance(label, str) else str(label)
    except Exception:  # a label whose __str__ fails is still a label: show its type
        text = f"<{type(label).__name__}>"
    return visible(text)


def value_names(order: Sequence[Any]) -> dict[Any, str]:
    """Each value's name: its label (any object, shown as text), or ``n<i>`` from its place
    ``i`` in ``order``."""
    names = {}
    for i, node in enumerate(order):
        names[node] = label_text(getattr(node, "label", None)) or f"n{i}"
    return names


def expression(op: str, operands: Sequence[str]) -> str:
    """How a value was made by ``op`` from operands named ``operands``: ``a * b``, ``tanh(n4)``,
    ``x**2``."""
    if op in _INFIX_OPS and len(operands) == 2:
        return f"{operands[0]} {op} {operands[1]}"
    if op.startswith("**"):  # a constant power, e.g. '**2'
        return f"{operands[0]}{op}"
    if op == "neg":
        return f"-{operands[0]}"
    if op == "sum":
        return " + ".join(operands) if len(operands) <= 4 else f"sum of {len(operands)} values"
    if op == "dot":  # weights, inputs, and a bias last when there is one
        n = len(operands) // 2
        products = [f"{w}*{x}" for w, x in zip(operands[:n], operands[n:2 * n])]
        bias = operands[2 * n:]
        if n > 3:
            products = [products[0], "...", products[-1]]
        return " + ".join(products + bias)
    if "(" in op:  # a rule with a parameter, e.g. 'leaky_relu(0.01)'
        base, parameter = op.split("(", 1)
        return f"{base}({', '.join(operands)}, {parameter}"
    return f"{op}({', '.join(operands)})"

