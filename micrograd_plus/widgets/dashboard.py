"""TrainingDashboard: TensorFlow Playground in a notebook, on this engine.

Training runs as an asyncio task on the kernel's own event loop, one epoch at a time, and
hands the loop back after every epoch, so the notebook stays usable: clicks (pause, the
learning-rate slider, other widgets) are answered between epochs. A task rather than a thread,
so that training, the controls' callbacks and the notebook's own cells never run at the same
moment: none of them can see the model or its optimizer halfway through a step, and the
widgets are only ever updated from the kernel's own thread. (The engine's ``no_grad`` is per
thread, so a thread would not stop other cells' graphs from recording; it would race them for
the model.) The picture is redrawn at most every REDRAW_SECONDS, not after every
epoch, into one ``ipywidgets.Image`` whose value is replaced, so the output never grows; it is
drawn straight into pixels (``_dashboard_picture``), a few milliseconds, so it follows training
live.
"""

from __future__ import annotations

import asyncio
import html
import math
import re
import time
import weakref
from typing import ClassVar, Sequence

import ipywidgets as widgets

from .. import batched
from ..data import make_blobs, make_circles, make_moons, make_spirals, train_test_split
from ..engine import no_grad
from ..losses import binary_cross_entropy_with_logits
from ..nn import ACTIVATIONS, MLP
from ..optim import SGD, Adam
from ..train import History, accuracy, train_step
from . import _dashboard_picture as picture
from ._display import FallbackBox, button, image_widget

DATASETS = ("xor", "moons", "circles", "spirals")
OPTIMIZERS = {
    "SGD": lambda params, lr: SGD(params, lr=lr),
    "SGD + momentum": lambda params, lr: SGD(params, lr=lr, momentum=0.9),
    "Adam": lambda params, lr: Adam(params, lr=lr),
}
REDRAW_SECONDS = 0.15  # at most ~7 pictures a second, each a few milliseconds to draw
YIELD_SECONDS = 0.005  # the pause after each epoch in which the kernel answers clicks
# Every data set here has two classes, so the network has one output, a logit, and the loss
# is binary cross-entropy on it (smooth, unlike hinge, so the loss curve reads well).
LOSS = binary_cross_entropy_with_logits
XOR_CENTRES = ([1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0])  # blobs 0, 1 -> class 0


def make_dataset(name: str, n: int, noise: float, seed: int = 0) -> tuple[list, list]:
    """The dashboard's data sets, all with two classes (0 and 1).

    'xor' is four clusters at (±1, ±1), class 1 where the signs differ, each cluster with
    standard deviation ``0.3 + noise``; 'moons', 'circles' and 'spirals' (two arms) come from
    ``micrograd_plus.data`` with this ``noise``.
    """
    if name == "xor":
        X, blob = make_blobs(n, centers=XOR_CENTRES, spread=0.3 + noise, seed=seed)
        return X, [label // 2 for label in blob]
    if name == "moons":
        return make_moons(n, noise=noise, seed=seed)
    if name == "circles":
        return make_circles(n, noise=noise, seed=seed)
    if name == "spirals":
        return make_spirals(n, classes=2, noise=noise, seed=seed)
    raise ValueError(f"unknown data set {name!r}; choose one of {list(DATASETS)}")


def _is_learning_rate(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def parse_hidden(text: str | Sequence[int]) -> tuple[int, ...]:
    """Hidden layer sizes from ``'8, 8'`` (or a list); ``''`` means no hidden layer."""
    if not isinstance(text, str):
        sizes = tuple(text)
    else:
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValueError(f"hidden layer sizes are whole numbers separated by commas, such as "
                             f"'8, 8'; got {text!r}")
        sizes = tuple(int(part) for part in parts)
    if any(not isinstance(size, int) or size < 1 for size in sizes):
        raise ValueError(f"every hidden layer needs at least one neuron; got {sizes!r}")
    return sizes


class TrainingDashboard(FallbackBox):
    """Train a small network on a 2-D data set and watch it learn.

    Buttons: ``play_button`` / ``pause_button`` (train in the background), ``step_button`` (one
    epoch) and ``reset_button`` (new weights). Settings: ``learning_rate`` (applies at once),
    and ``dataset``, ``noise``, ``train_fraction``, ``hidden`` (e.g. '8, 8'), ``activation`` and
    ``optimizer``, each of which starts over with a new network (an invalid ``hidden`` entry
    keeps the network and says why). The picture shows the decision boundary (training points
    filled, validation points hollow), the network with every neuron drawn as a small map of
    what it computes over the plane and every weight as a line, and the train and validation
    loss per epoch. A new dashboard (its cell run again) pauses any that is playing. From Python: ``step(k)``, ``play()``,
    ``pause()``, ``reset()``; ``history`` holds the curves.
    """

    _playing: ClassVar[weakref.WeakSet] = weakref.WeakSet()
    # A class default, so that close() (which ipywidgets also calls from __del__) works even on
    # a dashboard whose __init__ rejected its arguments before setting anything up.
    _task: asyncio.Task | None = None

    def __init__(self, dataset: str = "moons", hidden: Sequence[int] | str = (8, 8),
                 activation: str = "tanh", optimizer: str = "Adam", learning_rate: float = 0.03,
                 noise: float = 0.1, train_fraction: float = 0.7, n: int = 120, seed: int = 0):
        if dataset not in DATASETS:
            raise ValueError(f"unknown data set {dataset!r}; choose one of {list(DATASETS)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {list(ACTIVATIONS)}")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {list(OPTIMIZERS)}")
        if not 0 < train_fraction < 1:
            raise ValueError(f"train_fraction must lie strictly between 0 and 1, got {train_fraction!r}")
        if not _is_learning_rate(learning_rate):
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
        hidden_text = ", ".join(map(str, parse_hidden(hidden)))
        self.n, self.seed = n, seed
        style = {"description_width": "initial"}
        self.play_button = button("play", "play", "mgp-play", self.play)
        self.pause_button = button("pause", "pause", "mgp-pause", self.pause)
        self.step_button = button("step", "step-forward", "mgp-step", self.step)
        self.reset_button = button("reset", "refresh", "mgp-reset", self.reset)
        self.learning_rate = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3, max=0,
                                                    step=0.05, description="learning rate",
                                                    readout_format=".3f", style=style)
        self.dataset = widgets.Dropdown(options=DATASETS, value=dataset, description="data",
                                        layout=widgets.Layout(width="180px"))
        self.noise = widgets.FloatSlider(value=noise, min=0.0, max=0.5, step=0.05,
                                         description="noise", continuous_update=False)
        self.train_fraction = widgets.FloatSlider(value=train_fraction, min=0.1, max=0.9,
                                                  step=0.05, description="train fraction",
                                                  continuous_update=False, style=style)
        self.hidden = widgets.Text(value=hidden_text, description="hidden layers",
                                   continuous_update=False, style=style,
                                   layout=widgets.Layout(width="200px"))
        self.activation = widgets.Dropdown(options=[a for a in ACTIVATIONS if a != "linear"]
                                           if activation != "linear" else ACTIVATIONS,
                                           value=activation, description="activation")
        self.optimizer = widgets.Dropdown(options=list(OPTIMIZERS), value=optimizer,
                                          description="optimizer")
        self.image = image_widget(max_width=f"{picture.WIDTH}px")
        self.status = widgets.HTML()
        self.status.add_class("mgp-dashboard-status")

        self._message = ""
        self._sizes = parse_hidden(hidden)
        self._build()
        # Running the cell again makes a new dashboard: the old one stops training unseen.
        for other in list(TrainingDashboard._playing):
            other.pause()

        row = lambda *children: widgets.HBox(list(children), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([
            row(self.play_button, self.pause_button, self.step_button, self.reset_button,
                self.learning_rate),
            row(self.dataset, self.noise, self.train_fraction),
            row(self.hidden, self.activation, self.optimizer),
            self.status, self.image])
        self.add_class("mgp-dashboard")
        self.learning_rate.observe(self._on_learning_rate, names="value")
        for control in (self.dataset, self.noise, self.train_fraction, self.activation,
                        self.optimizer):
            control.observe(lambda change: self.reset(), names="value")
        self.hidden.observe(self._on_hidden, names="value")
        self._sync_buttons()
        self.redraw()

    # --- the model and its data ------------------------------------------------------------------

    def _build(self) -> None:
        """New data, split and network from the current settings (the history starts over);
        the hidden layers of the last valid entry."""
        self._message = ""
        sizes = self._sizes
        X, y = make_dataset(self.dataset.value, self.n, self.noise.value, self.seed)
        self.X_train, self.X_val, self.y_train, self.y_val = train_test_split(
            X, y, test_fraction=1 - self.train_fraction.value, seed=self.seed)
        self.plane = picture.Plane(X)
        self.model = MLP(2, [*sizes, 1], activation=self.activation.value, seed=self.seed)
        self.optimizer_ = OPTIMIZERS[self.optimizer.value](self.model.parameters(),
                                                           self.learning_rate.value)
        self.history = History()

    @property
    def epoch(self) -> int:
        """How many epochs (full passes over the training set) the network has had."""
        return len(self.history.train_loss)

    def validation_loss(self) -> float:
        """The loss on the validation points (no graph is kept; all points at once on the
        batched path)."""
        done = batched.evaluate(self.model, self.X_val, self.y_val, LOSS)
        if done is not None:
            return done[0]
        with no_grad():
            return LOSS([self.model(x) for x in self.X_val], self.y_val).data

    def _train_one_epoch(self) -> None:
        # Both losses before recording either: once a step overshoots, the engine raises an
        # OverflowError (it makes no inf or nan Value), often first in the validation pass.
        train_loss = train_step(self.model, self.X_train, self.y_train, LOSS, self.optimizer_)
        validation_loss = self.validation_loss()
        self.history.train_loss.append(train_loss)
        self.history.val_loss.append(validation_loss)
        self.history.epochs.append(self.epoch)

    # --- controls ------------------------------------------------------------------------------

    @property
    def is_playing(self) -> bool:
        return self._task is not None and not self._task.done()

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs now, then redraw once."""
        if self.is_playing:
            raise RuntimeError("the dashboard is playing; pause it before stepping")
        try:
            for _ in range(epochs):
                self._train_one_epoch()
        except ArithmeticError as error:
            self._message = self._diverged(error)
        self.redraw()

    def play(self) -> None:
        """Train until ``pause()``, an epoch at a time, on the kernel's event loop; the picture
        updates as it goes and the notebook stays usable.

        Only one dashboard trains at a time: playing this one pauses any other, so a dashboard
        whose cell was run again does not keep training unseen in the background.
        """
        if self.is_playing:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("play() trains in the background of a running Jupyter kernel (it "
                               "needs the kernel's event loop); in a script, call step(epochs) "
                               "instead") from None
        for other in list(TrainingDashboard._playing):
            if other is not self:
                other.pause()
        TrainingDashboard._playing.add(self)
        self._task = loop.create_task(self._train_in_background())
        self._sync_buttons()

    def pause(self) -> None:
        """Stop training (between two epochs) and redraw."""
        self._stop()
        self._sync_buttons()
        self.redraw()

    def close(self) -> None:
        """Stop training, then close the widget and its children."""
        self._stop()
        super().close()

    def _stop(self) -> None:
        """Cancel the training task, if any (between two epochs)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        TrainingDashboard._playing.discard(self)

    def reset(self) -> None:
        """Start over with new weights (and the data the settings ask for)."""
        was_playing = self.is_playing
        self._stop()  # not pause(): that would redraw the network about to be replaced
        self._build()
        self.redraw()
        if was_playing:
            self.play()

    def _on_hidden(self, change) -> None:
        try:
            sizes = parse_hidden(change["new"])
        except ValueError as error:
            # Keep the network (and its training so far): a typo should not throw it away.
            kept = ", ".join(map(str, self._sizes)) or "none"
            self._message = (f"{error}. The network keeps its hidden layers ({kept}) until "
                             f"the entry is corrected.")
            self.status.value = self._status()
            return
        self._sizes = sizes
        self.reset()

    def _on_learning_rate(self, change) -> None:
        new = change["new"]
        if not _is_learning_rate(new):  # the slider clamps numbers, not nan, to its range
            self.learning_rate.value = change["old"]
            self.status.value = (f"<span style='color:#cf222e'>Learning rate {html.escape(repr(new))} "
                                 f"refused: it must be a positive number. It stays "
                                 f"{change['old']:g}.</span>")
            return
        self.optimizer_.lr = new  # takes effect at the next step, even while playing

    async def _train_in_background(self) -> None:
        last_draw = time.monotonic()
        try:
            while True:
                self._train_one_epoch()
                if time.monotonic() - last_draw >= REDRAW_SECONDS:
                    last_draw = time.monotonic()  # from the start: the drawing counts too
                    self.redraw()
                await asyncio.sleep(YIELD_SECONDS)
        except ArithmeticError as error:
            self._message = self._diverged(error)
            self._task = None  # this task is ending by itself: nothing to cancel
            self.pause()

    def _diverged(self, error: ArithmeticError) -> str:
        return (f"Training stopped at epoch {self.epoch}: {str(error).rstrip('.')}. The learning "
                f"rate is probably too large: lower it and press reset.")

    def _sync_buttons(self) -> None:
        playing = self.is_playing
        self.play_button.disabled = playing
        self.pause_button.disabled = not playing
        self.step_button.disabled = playing

    # --- pictures ------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw boundary, network (each neuron's map) and loss curves, and the status line,
        in place."""
        self._png = picture.draw(self.model, self.plane, self.X_train, self.y_train, self.X_val,
                                 self.y_val, self.history.train_loss, self.history.val_loss,
                                 f"{self.dataset.value}, epoch {self.epoch}")
        self.image.value = self._png
        self.status.value = self._status()

    def _status(self) -> str:
        if self._message:
            return f"<span style='color:#cf222e'>{html.escape(self._message)}</span>"
        if not self.epoch:
            return (f"epoch 0: {len(self.X_train)} training and {len(self.X_val)} validation "
                    f"points, {len(self.model.parameters())} parameters")
        train_acc = accuracy(self.model, self.X_train, self.y_train)
        val_acc = accuracy(self.model, self.X_val, self.y_val)
        return (f"epoch <b>{self.epoch}</b> · train loss <b>{self.history.train_loss[-1]:.4f}</b>"
                f" · validation loss <b>{self.history.val_loss[-1]:.4f}</b> · accuracy train "
                f"{train_acc:.0%}, validation {val_acc:.0%}")

    def summary(self) -> str:
        # The status line of the last redraw, the same moment as the picture, without its markup.
        return f"TrainingDashboard: {html.unescape(re.sub('<[^>]+>', '', self.status.value))}"
