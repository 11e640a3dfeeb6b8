"""The forward and backward passes, one step at a time, and each step as a sentence.

A backward step is what ``backward()`` does at one node: the node's own ``_backward()`` runs,
in the same order, on the same graph, so the totals are the gradients ``backward()`` leaves and
the steps fail where it fails. The gradients already on the graph are set aside first and put
back afterwards (also after an error), so stepping never changes them. This works for any
micrograd-style value (see ``nodes``): micrograd's, or a learner's own class.

The sentences take their formulas from the engine's op table and, for micrograd_plus's Value,
their numbers from ``engine.chain_rule_step``, the step backward() takes: nothing is worked out
a second time. For a
value of another class the numbers are what its own ``_backward()`` did; where the op table has
a rule for its op the sentence shows the rule, and says so when the code did something else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence, Union

from ..engine import Value, chain_rule_step
from .nodes import Graph
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
    ``local_derivative`` is None where the step passes nothing on (its gradient is 0, so
    backward() skips it). For a value of another class, ``contribution`` is what its own
    ``_backward()`` added; ``local_derivative`` comes from the op table's rule (``rule_gives``
    is then upstream_grad times it) or, without a rule, is contribution / upstream_grad.
    """

    operand: Any
    operand_name: str
    position: int
    formula: str
    local_derivative: float | None
    contribution: float
    total_before: float
    running_total: float
    arrival: int  # 1 for the first contribution this operand receives, 2 for the second, ...
    rule_gives: float | None = None


@dataclass(frozen=True)
class BackwardStep:
    """One node passing its gradient to its operands (or, at index 1, the start: dL/dL = 1).

    ``index`` counts from 1; ``draw_dot(root, step=index)`` draws the graph after this step.
    ``no_rule`` says why the op table does not explain this node ('' when it does).
    """

    index: int
    node: Any
    name: str
    root_name: str
    expression: str
    upstream_grad: float
    terms: tuple[Term, ...]
    no_rule: str = ""

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

    @property
    def passes_nothing(self) -> bool:
        """True for a step whose gradient is 0: every term is 0 and backward() skips it."""
        return (bool(self.terms) and self.upstream_grad == 0.0
                and all(t.local_derivative is None for t in self.terms))


@dataclass(frozen=True)
class ForwardStep:
    """One node computing its value from its operands, in topological order (index from 1)."""

    index: int
    node: Any
    name: str
    expression: str
    operands: tuple
    operand_names: tuple[str, ...]
    op: str = ""


@dataclass(frozen=True)
class Explanation:
    """A step in words: ``text`` for print(), ``latex`` for Jupyter and slides."""

    text: str
    latex: str

    def __str__(self) -> str:
        return self.text

    def _repr_latex_(self) -> str:
        return f"$$\\begin{{aligned}}{self.latex}\\end{{aligned}}$$"


def backward_steps(root: Any) -> list[BackwardStep]:
    """The backward pass from ``root`` as a list of chain-rule steps, without changing any .grad.

    Step 1 sets dL/dL = 1. Each later step is one node, in the order backward() visits them,
    sending its gradient to every operand: operand.grad += upstream_grad * local_derivative.
    The running totals are exactly the .grad values that ``root.backward()`` leaves on a graph
    whose gradients start at zero, and a step raises the error backward() would raise there.
    ``root`` may be any micrograd-style value (micrograd's, or your own class).
    """
    graph = Graph(root, "backward_steps")
    order = graph.order()
    return stepped(graph, order, value_names(order))


def stepped(graph: Graph, order: list, names: dict) -> list[BackwardStep]:
    """``backward_steps`` of ``graph``, whose values in topological order are ``order``."""
    root = graph.root
    root_name = names[root]
    steps = [BackwardStep(1, root, root_name, root_name, _made_of(graph, root, names), 1.0, ())]
    arrivals: dict[Any, int] = {}
    kept = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        root.grad = 1.0
        for node in reversed(order):
            if graph.operands(node):
                upstream_grad = node.grad
                terms = _step(graph, node, names, arrivals)
                steps.append(BackwardStep(len(steps) + 1, node, names[node], root_name,
                                          _made_of(graph, node, names), upstream_grad, terms,
                                          graph.no_rule(node)))
        if graph.native:
            _check_gradients(order)
    finally:
        for node, grad in zip(order, kept):
            node.grad = grad
    return steps


def _step(graph: Graph, node: Any, names: dict, arrivals: dict[Any, int]) -> tuple[Term, ...]:
    """Run ``node._backward()`` (backward()'s own step at this node) and say what each operand
    received: one term per operand occurrence for micrograd_plus's rule, one per operand for a
    node that runs code of its own."""
    upstream_grad = node.grad
    operands = graph.operands(node)
    distinct = list(dict.fromkeys(operands))
    before = {operand: operand.grad for operand in distinct}
    node._backward()
    after = {operand: operand.grad for operand in distinct}
    sends = upstream_grad != 0.0 or any(after[x] != before[x] for x in distinct)
    terms = []
    if not graph.runs_own_backward(node):
        # backward()'s own numbers for this step, operand by operand, as it adds them up.
        local, contributions = chain_rule_step(node, upstream_grad) if sends else (None, None)
        total = dict(before)
        for position, operand in enumerate(operands):
            total_before = total[operand]
            if local is None:
                local_derivative, contribution = None, 0.0
            else:
                local_derivative, contribution = local[position], contributions[position]
                total[operand] = total_before + contribution
            terms.append(_term(graph, node, names, arrivals, operand, position, local_derivative,
                               contribution, total_before, total[operand]))
        return tuple(terms)
    local = graph.local_derivatives(node) if sends and graph.rule(node) is not None else None
    rule_operands = graph.rule_operands(node)
    for position, operand in enumerate(distinct):
        contribution = after[operand] - before[operand]
        rule_gives = local_derivative = None
        if local is not None:
            local_derivative = math.fsum(d for x, d in zip(rule_operands, local) if x is operand)
            rule_gives = upstream_grad * local_derivative
        elif sends and upstream_grad != 0.0:
            local_derivative = contribution / upstream_grad
        terms.append(_term(graph, node, names, arrivals, operand, position, local_derivative,
                           contribution, before[operand], after[operand], rule_gives))
    return tuple(terms)


def _term(graph: Graph, node: Any, names: dict, arrivals: dict[Any, int], operand: Any,
          position: int, local_derivative: float | None, contribution: float,
          total_before: float, running_total: float, rule_gives: float | None = None) -> Term:
    arrivals[operand] = arrivals.get(operand, 0) + 1
    return Term(operand, names[operand], position, _formula(graph, node, operand, position),
                local_derivative, contribution, total_before, running_total, arrivals[operand],
                rule_gives)


def _formula(graph: Graph, node: Any, operand: Any, position: int) -> str:
    rule = graph.rule(node)
    if rule is None:
        return f"{graph.no_rule(node)}: this is what its _backward() passed on"
    rule_operands = graph.rule_operands(node)
    if not graph.runs_own_backward(node):
        return rule.formula_for(position, len(rule_operands))
    return " and ".join(rule.formula_for(i, len(rule_operands))
                        for i, x in enumerate(rule_operands) if x is operand)


def _check_gradients(order: list) -> None:
    from ..engine import _check_gradients as check  # backward()'s own overflow check

    check(order)


def gradients_after(steps: Sequence[BackwardStep], k: int) -> dict[Any, float]:
    """Every gradient as it stands after the first ``k`` steps (k = 0: after the forward pass,
    all zero). Nodes not mentioned yet have gradient 0."""
    if not 0 <= k <= len(steps):
        raise ValueError(
            f"step must be between 0 (after the forward pass) and {len(steps)} (the last "
            f"backward step) for this graph, got {k}."
        )
    grads: dict[Any, float] = {}
    for step in steps[:k]:
        if step.is_seed:
            grads[step.node] = 1.0
        for term in step.terms:
            grads[term.operand] = term.running_total
    return grads


def forward_steps(root: Any) -> list[ForwardStep]:
    """The forward pass as steps: each computed node in topological order (leaves are given).
    ``root`` may be any micrograd-style value."""
    graph = Graph(root, "forward_steps")
    order = graph.order()
    return stepped_forward(graph, order, value_names(order))


def stepped_forward(graph: Graph, order: list, names: dict) -> list[ForwardStep]:
    """``forward_steps`` of ``graph``, whose values in topological order are ``order``."""
    steps: list[ForwardStep] = []
    for node in order:
        if graph.operands(node):
            operands = graph.rule_operands(node)
            steps.append(ForwardStep(len(steps) + 1, node, names[node],
                                     _made_of(graph, node, names), tuple(operands),
                                     tuple(names[p] for p in operands), graph.op(node)))
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
    if step.passes_nothing:
        return Explanation(
            f"Step {step.index}: {step.name} = {step.expression} has d{L}/d{c} = 0, so it passes "
            f"nothing on (every term is 0)",
            rf"\frac{{\partial {tex_L}}}{{\partial {tex_c}}} = 0 \quad\text{{(nothing to pass on)}}",
        )
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
    if step.no_rule:
        header += f" ({step.no_rule}: each number below is what its own _backward() did)"
    lines, tex_lines = [header], []
    for term in step.terms:
        a, tex_a = _symbol(term.operand_name), _tex(term.operand_name)
        tex_name = rf"\frac{{\partial {tex_L}}}{{\partial {tex_a}}}"
        # What the rule gives, when it is known; a node's own code may have added something else.
        result = term.contribution if term.rule_gives is None else term.rule_gives
        if at_output or term.local_derivative is None:
            product = tex_product = format_number(result)
        else:
            product = (f"d{L}/d{c} * d{c}/d{a} = {format_number(step.upstream_grad)} * "
                       f"{_paren(term.local_derivative)} = {format_number(result)}")
            tex_product = (rf"\frac{{\partial {tex_L}}}{{\partial {tex_c}}}"
                           rf"\frac{{\partial {tex_c}}}{{\partial {tex_a}}} = "
                           rf"{format_number(step.upstream_grad)} \cdot "
                           rf"{_paren(term.local_derivative)} = "
                           rf"{format_number(result)}")
        rule = (f"rule for operand {term.position + 1}: {term.formula}" if len(step.terms) > 1
                else f"rule: {term.formula}")
        if step.no_rule:
            rule = "measured from its _backward()"
        if term.arrival == 1:
            lines.append(f"  d{L}/d{a} = {product}   ({rule})")
            tex_lines.append(rf"{tex_name} &= {tex_product}")
        else:
            lines.append(
                f"  d{L}/d{a} += {product}, so d{L}/d{a} = {format_number(term.total_before)} + "
                f"{_paren(result)} = {format_number(term.total_before + result)}   "
                f"({a} is used in more than one place: its gradients add up; {rule})"
            )
            tex_lines.append(
                rf"{tex_name} &\mathrel{{+}}= {tex_product}"
                rf" \;\Rightarrow\; {tex_name} = {format_number(term.total_before + result)}"
            )
        if term.rule_gives is not None and not math.isclose(
                term.rule_gives, term.contribution, rel_tol=1e-9, abs_tol=1e-12):
            lines.append(f"    but its _backward() added {format_number(term.contribution)}, "
                         f"so d{L}/d{a} = {format_number(term.running_total)}: check that "
                         f"_backward against the rule")
            tex_lines.append(rf"&\text{{but its \_backward() added }}"
                             rf"{format_number(term.contribution)}")
    return Explanation("\n".join(lines), r" \\ ".join(tex_lines))


def _explain_forward(step: ForwardStep) -> Explanation:
    node, op = step.node, step.op
    # Negative numbers get brackets in sums and products, not inside a function call: tanh(-4.0).
    called = len(step.operands) == 1 and op != "neg" and not op.startswith("**")
    shown = format_number if called else _paren
    numbers = expression(op, [shown(p.data) for p in step.operands])
    text = f"Step {step.index}: {step.name} = {step.expression} = {numbers} = {format_number(node.data)}"
    latex = (rf"{_tex(step.name)} &= \mathtt{{{_tex_escape(step.expression)}}} = "
             rf"\mathtt{{{_tex_escape(numbers)}}} = {format_number(node.data)}")
    return Explanation(text, latex)


def _made_of(graph: Graph, node: Any, names: dict) -> str:
    if not graph.operands(node):
        return names[node]
    return expression(graph.op(node), [names[x] for x in graph.rule_operands(node)])


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
