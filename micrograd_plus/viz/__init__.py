"""Pictures of what a network computes and how gradients flow back through it.

    from micrograd_plus.viz import draw_dot, backward_steps, explain
    draw_dot(L)                          # the graph, with data and grad in every node
    draw_dot(L, flow=True)               # gradients in colour, edge width = contribution
    steps = backward_steps(L)            # the backward pass, one chain-rule step each
    print(explain(steps[1]))             # dL/da = dL/dc * dc/da = -2.0 * 3.0 = -6.0
    draw_dot(L, step=2)                  # the graph after that step

Plots (matplotlib) take an optional ``ax`` and return the Figure. A notebook shows one as the
cell's last value, or wherever ``plt.show()`` or ``display(fig)`` is called (once each).
matplotlib is imported when the first plot is asked for, not with this package.
Drawing graphs works without a system Graphviz: the graphviz-pure wheel stands in for ``dot``.
"""

import importlib

from . import browser
from .animate import save_backward_animation, save_backward_html
from .graph import count_nodes, draw_dot
from .rendering import save_graph
from .style import presentation
from .steps import (BackwardStep, Explanation, ForwardStep, Term, backward_steps, explain,
                    forward_steps, gradients_after)

# The plots need matplotlib and numpy, so each is imported from its module when first asked for:
# graphs and steps then work where those are missing or slow to load (the browser site offline).
# A new plot goes here, not into an import above (tests/test_viz_browser.py checks).
_PLOTS = {
    **dict.fromkeys(["panels", "plot_decision_boundary", "plot_history", "draw_network", "plot_activation",
                     "plot_loss_landscape_1d", "plot_loss_landscape_2d", "plot_weight_images",
                     "plot_learning", "plot_line", "plot_against_rule", "plot_mistakes_per_pass",
                     "plot_log_loss", "plot_margin_losses", "plot_tangents", "plot_with_slope",
                     "plot_nudge_each_input", "plot_points"], "plots"),
    "plot_seed_spread": "compare", "plot_loss_curves": "compare", "plot_bars": "compare",
    "plot_images": "images", "plot_neuron_maps": "maps",
}


def __getattr__(name: str):
    if name in _PLOTS:
        browser.load_packages("matplotlib", "numpy")
        return getattr(importlib.import_module(f".{_PLOTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "draw_dot", "count_nodes", "save_graph",
    "backward_steps", "forward_steps", "gradients_after", "explain",
    "BackwardStep", "ForwardStep", "Term", "Explanation",
    "save_backward_animation", "save_backward_html", "presentation",
    *_PLOTS,
]
