"""micrograd_plus: a scalar autograd engine, and the pieces to watch neural networks learn.

    from micrograd_plus import Value
    a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    L = (a * b + a).tanh(); L.backward()

Networks, losses, optimizers, data, training and pictures live in the submodules
``micrograd_plus.nn``, ``.losses``, ``.optim``, ``.data``, ``.train``, ``.viz`` and ``.widgets``.
"""

from .engine import Value, dot, grad, no_grad, sum_values
from .gradcheck import gradcheck
# Points the graphviz package at a dot program (a system Graphviz, else graphviz-pure), so that
# graphviz code of your own, such as the lecture's draw_dot, draws without a system install.
from .viz import rendering as _rendering  # noqa: F401  (imported for that effect)

__all__ = ["Value", "dot", "grad", "no_grad", "sum_values", "gradcheck"]
__version__ = "0.1.0"
