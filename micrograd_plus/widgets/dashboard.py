"""TrainingDashboard: TensorFlow Playground in a notebook, on this engine.

Training runs as an asyncio task on the kernel's own event loop, one epoch at a time, and
hands the loop back after every epoch, so the notebook stays usable: clicks (pause, the
learning-rate slider, other widgets) are answered between epochs. A task rather than a thread,
so that training, the controls' callbacks and the notebook's own cells never run at the same
moment: none of them can see the model or its optimizer halfway through a step, and the
widgets are only ever updated from the kernel's own thread. (The engine's ``no_grad`` is per
thread, so a thread would not stop other cells' graphs from recording; it would race them for
the model.) The same holds for points the learner adds by clicking on the picture: each is
added between two epochs, and the next epoch trains on it. The picture is redrawn at most every
REDRAW_SECONDS, not after every epoch, into one picture widget (``_clickable``, which also
reports clicks) whose value is replaced, so the output never grows; it is drawn straight into
pixels (``_dashboard_picture``), a few milliseconds, so it follows training live.
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
from ..viz.plots import CLASS_COLOURS
from . import _dashboard_picture as picture
from ._clickable import ClickableImage
from ._display import FallbackBox, button

DATASETS = ("xor", "moons", "circles", "spirals")
OWN_DATA = "your own"  # the data menu's last choice: an empty plane the learner clicks points on
OWN_PLANE = ((-1.0, -1.0), (1.0, 1.0))  # what it shows, before the margin every plane gets
CLASSES = (0, 1)
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


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_learning_rate(value: object) -> bool:
    return _is_number(value) and value > 0


def _check_class(label: object) -> None:
    if isinstance(label, bool) or label not in CLASSES:
        raise ValueError(f"the class of a point is 0 or 1, got {label!r}")


def held_back(k: int, train_fraction: float) -> bool:
    """Whether the ``k``-th point (from 0) a learner adds to one class goes to validation: the
    first ones train, and after that about ``1 - train_fraction`` of them are held back, spread
    out, so validation gets the same share of the learner's points as of the data set's."""
    share = 1 - train_fraction
    # the tiny tolerance keeps 3 * 0.1 from counting as 0.30000000000000004 > 0.3
    return int((k + 1) * share + 1e-9) > int(k * share + 1e-9)


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
    keeps the network and says why); the data set "your own" is an empty plane.

    Clicking on the decision boundary adds a point there, of the class chosen with the class
    buttons (``choose_class``), and training (playing or not) goes on with it; most points
    train, some are held back for validation, in the share ``train_fraction`` says.
    ``clear_button`` takes every added point away again. Added points stay through reset and
    new network settings; a new data set or noise level starts from its own points.

    The picture shows the decision boundary (training points filled, validation points
    hollow), the network with every neuron drawn as a small map of what it computes over the
    plane and every weight as a line, and the train and validation loss per epoch. A new
    dashboard (its cell run again) pauses any that is playing. From Python: ``step(k)``,
    ``play()``, ``pause()``, ``reset()``, ``add_point(x0, x1, label)``, ``clear_points()``;
    ``history`` holds the curves.
    """

    _playing: ClassVar[weakref.WeakSet] = weakref.WeakSet()
    # A class default, so that close() (which ipywidgets also calls from __del__) works even on
    # a dashboard whose __init__ rejected its arguments before setting anything up.
    _task: asyncio.Task | None = None

    def __init__(self, dataset: str = "moons", hidden: Sequence[int] | str = (8, 8),
                 activation: str = "tanh", optimizer: str = "Adam", learning_rate: float = 0.03,
                 noise: float = 0.1, train_fraction: float = 0.7, n: int = 120, seed: int = 0):
        if dataset not in (*DATASETS, OWN_DATA):
            raise ValueError(f"unknown data set {dataset!r}; choose one of "
                             f"{[*DATASETS, OWN_DATA]}")
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
        self.dataset = widgets.Dropdown(options=(*DATASETS, OWN_DATA), value=dataset,
                                        description="data", layout=widgets.Layout(width="180px"))
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
        self.class_buttons = [button(f"class {label}", "plus", f"mgp-class-{label}",
                                     lambda label=label: self.choose_class(label))
                              for label in CLASSES]
        for label, class_button in zip(CLASSES, self.class_buttons):
            class_button.style.button_color = CLASS_COLOURS[label]
            class_button.style.font_weight = "bold"
            if class_button.style.has_trait("text_color"):  # ipywidgets 8; 7 keeps black text
                class_button.style.text_color = "white" if label == 0 else "black"
        self.clear_button = button("clear my points", "eraser", "mgp-clear", self.clear_points)
        self.image = ClickableImage(self._clicked, max_width=f"{picture.WIDTH}px")
        self.image.add_class("mgp-dashboard-picture")
        self.status = widgets.HTML()
        self.status.add_class("mgp-dashboard-status")

        self._message = ""  # an error: shown until the settings change
        self._hint = ""     # what to do next (where to click): shown until a point is added
        self._added: list[tuple[tuple[float, float], int]] = []
        self.click_class = CLASSES[0]
        self._sizes = parse_hidden(hidden)
        self._new_data()
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
            row(widgets.HTML("<b>click on the plot to add</b>"), *self.class_buttons,
                self.clear_button),
            self.status, self.image])
        self.add_class("mgp-dashboard")
        self.learning_rate.observe(self._on_learning_rate, names="value")
        for control in (self.dataset, self.noise):
            control.observe(lambda change: self._change_data(), names="value")
        for control in (self.train_fraction, self.activation, self.optimizer):
            control.observe(lambda change: self.reset(), names="value")
        self.hidden.observe(self._on_hidden, names="value")
        self.choose_class(self.click_class)
        self._sync_buttons()
        self.redraw()

    # --- the model and its data ------------------------------------------------------------------

    def _new_data(self) -> None:
        """The data set's points from the current settings, without any added ones, and the
        part of the plane the picture shows (which clicks then stay inside)."""
        own = self.dataset.value == OWN_DATA
        self._data = ([], []) if own else make_dataset(self.dataset.value, self.n,
                                                       self.noise.value, self.seed)
        self.plane = picture.Plane(OWN_PLANE if own else self._data[0])
        self.noise.disabled = own  # nothing to scatter on a plane of clicked points
        self._added = []
        self._split()

    def _split(self) -> None:
        """The training and validation sets: the data set's points split as ``train_test_split``
        does, then the added points, each class's held back as ``held_back`` says."""
        train_fraction = self.train_fraction.value
        X, y = self._data
        X_train, X_val, y_train, y_val = (train_test_split(
            X, y, test_fraction=1 - train_fraction, seed=self.seed) if X else ([], [], [], []))
        per_class = dict.fromkeys(CLASSES, 0)
        for point, label in self._added:
            if held_back(per_class[label], train_fraction):
                X_val, y_val = [*X_val, list(point)], [*y_val, label]
            else:
                X_train, y_train = [*X_train, list(point)], [*y_train, label]
            per_class[label] += 1
        # New lists, all four at once: nothing ever sees the points half added.
        self.X_train, self.X_val, self.y_train, self.y_val = X_train, X_val, y_train, y_val
        self.clear_button.disabled = not self._added

    def _build(self) -> None:
        """A new network from the current settings, on the current points (the history starts
        over); the hidden layers of the last valid entry."""
        self._message = self._hint = ""
        sizes = self._sizes
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
        batched path); nan while there are none."""
        if not self.X_val:
            return math.nan
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
        if self._needs_points():
            return
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
        if self.is_playing or self._needs_points():
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
        """Start over with new weights, on the same points (the added ones too), split as
        ``train_fraction`` says."""
        self._restart(self._split)

    def _change_data(self) -> None:
        """A new data set or noise level: its own points, none added, and a new network."""
        self._restart(self._new_data)

    def _restart(self, prepare) -> None:
        was_playing = self.is_playing
        self._stop()  # not pause(): that would redraw the network about to be replaced
        prepare()
        self._build()
        self.redraw()
        if was_playing:
            self.play()

    # --- the learner's own points ------------------------------------------------------------

    def choose_class(self, label: int) -> None:
        """Which class the next clicks add (0 or 1, the plot's blue and orange)."""
        _check_class(label)
        self.click_class = label
        for other, class_button in zip(CLASSES, self.class_buttons):
            chosen = other == label
            class_button.icon = "check" if chosen else "plus"
            class_button.layout.border = "3px solid #1f2328" if chosen else "3px solid transparent"

    def add_point(self, x0: float, x1: float, label: int | None = None) -> None:
        """Add the point (x0, x1) of class ``label`` (the chosen class when None); the network
        and its training so far are kept, and the next epoch trains on it, playing or not."""
        label = self.click_class if label is None else label
        _check_class(label)
        if not (_is_number(x0) and _is_number(x1)):
            raise ValueError(f"a point needs two finite numbers, got ({x0!r}, {x1!r})")
        (low0, low1), (high0, high1) = self.plane.low, self.plane.high
        if not (low0 <= x0 <= high0 and low1 <= x1 <= high1):
            raise ValueError(f"the point ({x0!r}, {x1!r}) lies outside the plane the picture "
                             f"shows: x0 from {low0:.3g} to {high0:.3g}, x1 from {low1:.3g} to "
                             f"{high1:.3g}")
        self._added.append(((float(x0), float(x1)), label))
        self._split()
        self._hint = ""
        self.redraw()

    def clear_points(self) -> None:
        """Take away every added point (back to the data set, or an empty plane for "your
        own"); the network and its training so far are kept."""
        self._added = []
        self._split()
        self.redraw()

    def _clicked(self, x: float, y: float) -> None:
        """A click at (x, y), in pixels of the picture."""
        where = picture.point_at(self.plane, x, y)
        if where is None:
            self._hint = ("To add a point, click inside the square plot on the left (the "
                          "network and the loss curves are only for looking at).")
            self.status.value = self._status()
            return
        self.add_point(*where)

    def _needs_points(self) -> bool:
        """True, having said what to do, when there is nothing to train on yet."""
        if self.X_train:
            return False
        self._hint = ("No training points yet: choose a class with the coloured buttons and "
                      "click on the plot to add a few of each.")
        self.redraw()
        return True

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
            while self.X_train:
                self._train_one_epoch()
                if time.monotonic() - last_draw >= REDRAW_SECONDS:
                    last_draw = time.monotonic()  # from the start: the drawing counts too
                    self.redraw()
                await asyncio.sleep(YIELD_SECONDS)
            # every point was cleared away: nothing left to train on
            self._task = None
            TrainingDashboard._playing.discard(self)
            self._sync_buttons()
            self._needs_points()
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
        added = len(self._added)
        data = (f"your own: {added} point{'s' * (added != 1)}" if self.dataset.value == OWN_DATA
                else f"{self.dataset.value}, {added} added" if added else self.dataset.value)
        self._png = picture.draw(self.model, self.plane, self.X_train, self.y_train, self.X_val,
                                 self.y_val, self.history.train_loss, self.history.val_loss,
                                 f"{data}, epoch {self.epoch}")
        self.image.value = self._png
        self.status.value = self._status()

    def _status(self) -> str:
        if self._message or self._hint:
            return f"<span style='color:#cf222e'>{html.escape(self._message or self._hint)}</span>"
        if not self.epoch:
            return (f"epoch 0: {len(self.X_train)} training and {len(self.X_val)} validation "
                    f"points, {len(self.model.parameters())} parameters")
        train_acc = (f"{accuracy(self.model, self.X_train, self.y_train):.0%}" if self.X_train
                     else "no points")
        val_acc = (f"{accuracy(self.model, self.X_val, self.y_val):.0%}" if self.X_val
                   else "no points yet")
        validation_loss = self.history.val_loss[-1]
        validation_loss = "none" if math.isnan(validation_loss) else f"{validation_loss:.4f}"
        return (f"epoch <b>{self.epoch}</b> · train loss <b>{self.history.train_loss[-1]:.4f}</b>"
                f" · validation loss <b>{validation_loss}</b> · accuracy train {train_acc}, "
                f"validation {val_acc}")

    def summary(self) -> str:
        # The status line of the last redraw, the same moment as the picture, without its markup.
        return f"TrainingDashboard: {html.unescape(re.sub('<[^>]+>', '', self.status.value))}"
