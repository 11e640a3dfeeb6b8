"""The forward and backward passes, one step at a time, and each step as a sentence.

Every derivative here comes from the engine's own rules: the number from
``node.local_derivatives()`` and the formula from ``node._rule.formula_for(i)``. Nothing is
worked out a second time, so an explanation can never disagree with ``backward()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence, Union

from ..engine import Value, topological_order
from .text import expression, format_number, value_names

__all__ = [
    "Term", "BackwardStep", "ForwardStep", "Explanation",
    "backward_steps", "forward_steps", "gradients_after", "explain",
]


@dataclass(frozen=True)
class Term:
    """What one operand receives in one chain-rule step.

    contribution = upstream_grad * local_derivative, and the operand's gradient so far becomes
    running_total = total_before + contribution (gradients from several uses add up).
    """

    operand: Value
    operand_name: str
    position: int
    formula: str
    local_derivative: float
    contribution: float
    total_before: float
    running_total: float
    arrival: int  # 1 for the first contribution this operand receives, 2 for the second, ...


@dataclass(frozen=True)
class BackwardStep:
    """One node passing its gradient to its operands (or, at index 1, the start: dL/dL = 1).

    ``index`` counts from 1; ``draw_dot(root, step=index)`` draws the graph after this step.
    """

    index: int
    node: Value
    name: str
    root_name: str
    expression: str
    upstream_grad: float
    terms: tuple[Term, ...]

    @property
    def is_seed(self) -> bool:
        """True for the first step, which sets the output's own gradient to 1."""
        return not self.terms and self.index == 1

    @property
    def is_at_output(self) -> bool:
        """True for the step of the output node itself, whose own gradient is dL/dL = 1.

        The output comes last in topological order, so its step is the first after the seed.
        """
        return self.index == 2 and bool(self.terms)


@dataclass(frozen=True)
class ForwardStep:
    """One node computing its value from its operands, in topological order (index from 1)."""

    index: int
    node: Value
    name: str
    expression: str
    operands: tuple[Value, ...]
    operand_names: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """A step in words: ``text`` for print(), ``latex`` for Jupyter and slides."""

    text: str
    latex: str

    def __str__(self) -> str:
        return self.text

    def _repr_latex_(self) -> str:
        return f"$$\\begin{{aligned}}{self.latex}\\end{{aligned}}$$"


def backward_steps(root: Value) -> list[BackwardStep]:
    """The backward pass from ``root`` as a list of chain-rule steps, without changing any .grad.

    Step 1 sets dL/dL = 1. Each later step is one node, in the order backward() visits them,
    sending its gradient to every operand: operand.grad += upstream_grad * local_derivative.
    The running totals are exactly the .grad values that ``root.backward()`` leaves on a graph
    whose gradients start at zero.
    """
    order = topological_order(root)
    names = value_names(order)
    root_name = names[root]
    totals: dict[Value, float] = {root: 1.0}
    arrivals: dict[Value, int] = {}
    steps = [BackwardStep(1, root, root_name, root_name, _made_of(root, names), 1.0, ())]
    for node in reversed(order):
        if not node._prev:
            continue
        upstream_grad = totals.get(node, 0.0)
        terms = []
        for position, (operand, local_derivative) in enumerate(
                zip(node._prev, node.local_derivatives())):
            contribution = upstream_grad * local_derivative
            total_before = totals.get(operand, 0.0)
            # Same operation, same order as Value._backward, so the totals match it exactly.
            running_total = total_before + contribution
            totals[operand] = running_total
            arrivals[operand] = arrivals.get(operand, 0) + 1
            formula = node._rule.formula_for(position, len(node._prev))
            terms.append(Term(operand, names[operand], position, formula, local_derivative,
                              contribution, total_before, running_total, arrivals[operand]))
        steps.append(BackwardStep(len(steps) + 1, node, names[node], root_name,
                                  expression(node, names), upstream_grad, tuple(terms)))
    return steps


def gradients_after(steps: Sequence[BackwardStep], k: int) -> dict[Value, float]:
    """Every gradient as it stands after the first ``k`` steps (k = 0: after the forward pass,
    all zero). Nodes not mentioned yet have gradient 0."""
    if not 0 <= k <= len(steps):
        raise ValueError(
            f"step must be between 0 (after the forward pass) and {len(steps)} (the last "
            f"backward step) for this graph, got {k}."
        )
    grads: dict[Value, float] = {}
    for step in steps[:k]:
        if step.is_seed:
            grads[step.node] = 1.0
        for term in step.terms:
            grads[term.operand] = term.running_total
    return grads


def forward_steps(root: Value) -> list[ForwardStep]:
    """The forward pass as steps: each computed node in topological order (leaves are given)."""
    order = topological_order(root)
    names = value_names(order)
    steps: list[ForwardStep] = []
    for node in order:
        if node._prev:
            steps.append(ForwardStep(len(steps) + 1, node, names[node], expression(node, names),
                                     tuple(node._prev), tuple(names[p] for p in node._prev)))
    return steps


# --- explanations ---------------------------------------------------------------------------

Step = Union[BackwardStep, ForwardStep]


def explain(step: Step) -> Explanation:
    """The chain rule of one step as a sentence, e.g.
    ``dL/da = dL/dc * dc/da = -2.0 * 3.0 = -6.0``, with the rule it used, as text and LaTeX.

    The first step reads ``dL/dL = 1 (the start ...)``; the output's own step gives each operand
    its local derivative (``dL/dc = -2.0``), as dL/dL = 1 makes the product say nothing more.
    """
    if isinstance(step, ForwardStep):
        return _explain_forward(step)
    if not isinstance(step, BackwardStep):
        raise TypeError(
            f"explain() takes a step from backward_steps() or forward_steps(), "
            f"got {type(step).__name__}."
        )
    L = _symbol(step.root_name)
    tex_L = _tex(step.root_name)
    if step.is_seed:
        return Explanation(
            f"Step 1: start at the output: d{L}/d{L} = 1 (the start: nudging {step.root_name} "
            f"moves {step.root_name} by exactly as much)",
            rf"\frac{{\partial {tex_L}}}{{\partial {tex_L}}} &= 1 \quad\text{{(the start)}}",
        )
    c, tex_c = _symbol(step.name), _tex(step.name)
    at_output = step.is_at_output
    if at_output:
        # The output's own gradient is 1, so "dL/dL * dL/da" would only say "1 times itself":
        # here the gradient of each operand is simply the output's local derivative.
        header = (f"Step {step.index}: {step.name} = {step.expression} is the output "
                  f"(d{L}/d{L} = 1), so each gradient here is simply a local derivative of "
                  f"{step.name}")
    else:
        header = (f"Step {step.index}: {step.name} = {step.expression} passes on "
                  f"d{L}/d{c} = {format_number(step.upstream_grad)}")
    lines, tex_lines = [header], []
    for term in step.terms:
        a, tex_a = _symbol(term.operand_name), _tex(term.operand_name)
        tex_name = rf"\frac{{\partial {tex_L}}}{{\partial {tex_a}}}"
        if at_output:
            product = tex_product = format_number(term.contribution)
        else:
            product = (f"d{L}/d{c} * d{c}/d{a} = {format_number(step.upstream_grad)} * "
                       f"{_paren(term.local_derivative)} = {format_number(term.contribution)}")
            tex_product = (rf"\frac{{\partial {tex_L}}}{{\partial {tex_c}}}"
                           rf"\frac{{\partial {tex_c}}}{{\partial {tex_a}}} = "
                           rf"{format_number(step.upstream_grad)} \cdot "
                           rf"{_paren(term.local_derivative)} = "
                           rf"{format_number(term.contribution)}")
        rule = (f"rule for operand {term.position + 1}: {term.formula}" if len(step.terms) > 1
                else f"rule: {term.formula}")
        if term.arrival == 1:
            lines.append(f"  d{L}/d{a} = {product}   ({rule})")
            tex_lines.append(rf"{tex_name} &= {tex_product}")
        else:
            lines.append(
                f"  d{L}/d{a} += {product}, so d{L}/d{a} = {format_number(term.total_before)} + "
                f"{_paren(term.contribution)} = {format_number(term.running_total)}   "
                f"({a} is used in more than one place: its gradients add up; {rule})"
            )
            tex_lines.append(
                rf"{tex_name} &\mathrel{{+}}= {tex_product}"
                rf" \;\Rightarrow\; {tex_name} = {format_number(term.running_total)}"
            )
    return Explanation("\n".join(lines), r" \\ ".join(tex_lines))


def _explain_forward(step: ForwardStep) -> Explanation:
    node = step.node
    # Negative numbers get brackets in sums and products, not inside a function call: tanh(-4.0).
    called = len(step.operands) == 1 and node._op != "neg" and not node._op.startswith("**")
    shown = format_number if called else _paren
    numbers = expression(node, {p: shown(p.data) for p in step.operands})
    text = f"Step {step.index}: {step.name} = {step.expression} = {numbers} = {format_number(node.data)}"
    latex = (rf"{_tex(step.name)} &= \mathtt{{{_tex_escape(step.expression)}}} = "
             rf"\mathtt{{{_tex_escape(numbers)}}} = {format_number(node.data)}")
    return Explanation(text, latex)


def _made_of(node: Value, names: dict[Value, str]) -> str:
    return expression(node, names) if node._prev else names[node]


def _symbol(name: str) -> str:
    """A name as it reads after d: ``a``, but ``(x1*w1)`` so that d(x1*w1)/dx1 is unambiguous."""
    return name if re.fullmatch(r"\w+", name) else f"({name})"


def _paren(x: float) -> str:
    return f"({format_number(x)})" if x < 0 else format_number(x)


_TEX_SPECIAL = {c: "\\" + c for c in "_#%&{}$"}
_TEX_SPECIAL.update({"^": r"\^{}", "~": r"\~{}", "\\": r"\textbackslash{}"})


def _tex_escape(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(c, c) for c in text)


def _tex(name: str) -> str:
    """A name as a LaTeX symbol: one letter stays italic, longer names are set upright."""
    if len(name) == 1 and name.isalpha():
        return name
    return rf"\mathrm{{{_tex_escape(name)}}}"
