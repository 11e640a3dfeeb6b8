"""Toy data sets, generated in code, and one real one shipped with the package: nothing is
downloaded and nothing beyond Python is needed.

Every maker (and ``load_digits``, the real handwritten digits) returns ``(X, y)``: ``X`` a list
of examples, each a list of floats, and ``y`` a list of class indices 0..k-1 (floats for the regression toy). The same seed always gives the same
data, on every machine, because everything comes from one ``random.Random(seed)``.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
from importlib import resources
from numbers import Integral, Real
from typing import Iterable, Sequence

__all__ = [
    "logic_gate", "make_moons", "make_circles", "make_spirals", "make_blobs",
    "make_regression_1d", "train_test_split", "make_digits", "load_digits", "UCI_DIGITS_CREDIT",
    "DIGIT_SHAPE", "LOGIC_GATES",
]

Dataset = tuple[list[list[float]], list[int]]

LOGIC_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "xor": (0, 1, 1, 0),
}
"""Each gate's output for the inputs (0, 0), (0, 1), (1, 0), (1, 1)."""


def _plain(values: Sequence) -> list:
    """``values`` as a list of plain Python numbers, or of lists of them: a numpy array (or
    anything with ``tolist``) is converted whole, numpy rows and scalars in a list one by one;
    lists, tuples and Values are kept as they are."""
    tolist = getattr(values, "tolist", None)
    if tolist is not None:
        return tolist()
    return [v.tolist() if hasattr(v, "tolist") else v for v in values]


def _check_count(n: int, name: str = "n", minimum: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, Integral) or n < minimum:
        raise ValueError(f"{name} must be an int of at least {minimum}, got {n!r}")


def _check_noise(noise: float, name: str = "noise") -> None:
    if isinstance(noise, bool) or not (isinstance(noise, Real) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {noise!r}")


def _either(ours: object, theirs: object, our_name: str, their_name: str, default: object) -> object:
    """One argument given under our name or scikit-learn's (``n`` or ``n_samples``...)."""
    if theirs is None:
        return ours
    if ours is not default and ours != theirs:
        raise ValueError(f"{our_name}={ours!r} and {their_name}={theirs!r} say different things; "
                         f"{their_name} is scikit-learn's name for {our_name}, give one of them.")
    return theirs


def _class_size(n: int, classes: int, label: int) -> int:
    """How many of ``n`` points class ``label`` gets when they are shared out evenly."""
    return n // classes + (1 if label < n % classes else 0)


def _shuffled(points: list[list[float]], labels: list, rng: random.Random) -> tuple[list, list]:
    # Shuffle so that a mini-batch or a split never sees only one class.
    order = list(range(len(points)))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def logic_gate(name: str) -> Dataset:
    """The four inputs (0,0), (0,1), (1,0), (1,1) and a gate's outputs: 'and', 'or', 'nand', 'xor'."""
    key = str(name).lower()
    if key not in LOGIC_GATES:
        raise ValueError(f"Unknown logic gate {name!r}; choose one of {', '.join(map(repr, LOGIC_GATES))}.")
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    return X, list(LOGIC_GATES[key])


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0, *, n_samples: int | None = None,
               random_state: int | None = None) -> Dataset:
    """Two interleaving half circles: class 0 on top (centre (0, 0)), class 1 below (centre
    (1, 0.5)), with Gaussian noise of standard deviation ``noise``. Not separable by a line.
    scikit-learn's names work too: ``make_moons(n_samples=100, noise=0.1, random_state=0)``."""
    n = _either(n, n_samples, "n", "n_samples", 100)
    seed = _either(seed, random_state, "seed", "random_state", 0)
    _check_count(n, minimum=2)
    _check_noise(noise)
    rng = random.Random(seed)
    points, labels = [], []
    for label in (0, 1):
        count = _class_size(n, 2, label)
        for i in range(count):
            angle = math.pi * i / (count - 1) if count > 1 else 0.0
            if label == 0:
                x, y = math.cos(angle), math.sin(angle)
            else:
                x, y = 1.0 - math.cos(angle), 0.5 - math.sin(angle)
            points.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
            labels.append(label)
    return _shuffled(points, labels, rng)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0, *,
                 n_samples: int | None = None, random_state: int | None = None) -> Dataset:
    """A ring (class 0, radius 1) around a smaller ring (class 1, radius ``factor``), with
    Gaussian noise. Separable only by a curve. scikit-learn's ``n_samples`` and
    ``random_state`` work too."""
    n = _either(n, n_samples, "n", "n_samples", 100)
    seed = _either(seed, random_state, "seed", "random_state", 0)
    _check_count(n, minimum=2)
    _check_noise(noise)
    if not (isinstance(factor, Real) and 0 < factor < 1):
        raise ValueError(f"factor is the inner ring's radius relative to the outer one and must lie in (0, 1), got {factor!r}")
    rng = random.Random(seed)
    points, labels = [], []
    for radius, label in ((1.0, 0), (factor, 1)):
        count = _class_size(n, 2, label)
        for i in range(count):
            angle = 2 * math.pi * i / count
            points.append([radius * math.cos(angle) + rng.gauss(0.0, noise),
                           radius * math.sin(angle) + rng.gauss(0.0, noise)])
            labels.append(label)
    return _shuffled(points, labels, rng)


def make_spirals(n: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Dataset:
    """``classes`` spiral arms winding out from the origin, ``n`` points in all (split evenly),
    within the unit disc. ``noise`` jitters each point's angle (in radians)."""
    _check_count(n)
    _check_count(classes, "classes", minimum=2)
    _check_noise(noise)
    rng = random.Random(seed)
    points, labels = [], []
    for label in range(classes):
        count = _class_size(n, classes, label)
        for i in range(count):
            radius = (i + 1) / count
            # Each arm turns through 8 radians (about 1.3 revolutions) as it leaves the centre,
            # starting 2*pi/classes after the previous arm.
            angle = 2 * math.pi * label / classes + 8.0 * radius + rng.gauss(0.0, noise)
            points.append([radius * math.sin(angle), radius * math.cos(angle)])
            labels.append(label)
    return _shuffled(points, labels, rng)


def make_blobs(n: int = 100, centers: int | Sequence[Sequence[float]] = 3, spread: float = 0.5,
               seed: int = 0, *, n_samples: int | None = None, cluster_std: float | None = None,
               random_state: int | None = None) -> Dataset:
    """Round clusters of points, one per class, ``n`` points in all.

    ``centers`` is the number of clusters (placed evenly on a circle of radius 2, turned by a
    seeded angle) or a list of centre points. ``spread`` is each cluster's standard deviation.
    scikit-learn's ``n_samples``, ``cluster_std`` and ``random_state`` work too.
    """
    n = _either(n, n_samples, "n", "n_samples", 100)
    spread = _either(spread, cluster_std, "spread", "cluster_std", 0.5)
    seed = _either(seed, random_state, "seed", "random_state", 0)
    _check_count(n)
    _check_noise(spread, "spread")
    rng = random.Random(seed)
    if isinstance(centers, Integral):
        _check_count(centers, "centers")
        turn = rng.uniform(0.0, 2 * math.pi)
        centre_points = [[2.0 * math.cos(turn + 2 * math.pi * k / centers),
                          2.0 * math.sin(turn + 2 * math.pi * k / centers)] for k in range(centers)]
    else:
        centre_points = [[float(c) for c in centre] for centre in _plain(centers)]
        if (not centre_points or len({len(c) for c in centre_points}) != 1
                or not all(map(math.isfinite, sum(centre_points, [])))):
            raise ValueError(f"centers must be a count or a non-empty list of points (finite numbers) "
                         f"of one dimension, got {centers!r}")
    points, labels = [], []
    for label, centre in enumerate(centre_points):
        count = _class_size(n, len(centre_points), label)
        for _ in range(count):
            points.append([c + rng.gauss(0.0, spread) for c in centre])
            labels.append(label)
    return _shuffled(points, labels, rng)


def make_regression_1d(n: int = 40, noise: float = 0.1, seed: int = 0,
                       kind: str = "sine") -> tuple[list[list[float]], list[float]]:
    """``n`` points x in [-1, 1] (each as a one-element list) and noisy targets y (floats).

    ``kind='linear'``: y = 2x + 1 + noise, the line a single neuron can fit exactly.
    ``kind='sine'``: y = sin(pi x) + noise, a curve that needs a hidden layer.
    """
    _check_count(n)
    _check_noise(noise)
    curves = {"linear": lambda x: 2.0 * x + 1.0, "sine": lambda x: math.sin(math.pi * x)}
    if kind not in curves:
        raise ValueError(f"kind must be 'linear' or 'sine', got {kind!r}")
    rng = random.Random(seed)
    xs = sorted(rng.uniform(-1.0, 1.0) for _ in range(n))
    return [[x] for x in xs], [curves[kind](x) + rng.gauss(0.0, noise) for x in xs]


def train_test_split(X: Sequence, y: Sequence, test_fraction: float = 0.25, seed: int = 0, *,
                     test_size: float | int | None = None,
                     random_state: int | None = None) -> tuple[list, list, list, list]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (the test part holds
    ``round(test_fraction * len(X))`` examples, at least one, and leaves at least one to train on).

    ``X`` and ``y`` may be lists or numpy arrays; the parts are lists. scikit-learn's names work
    too: ``test_size`` (a fraction, or a whole number of test examples) and ``random_state``.
    """
    X, y = _plain(X), _plain(y)
    seed = _either(seed, random_state, "seed", "random_state", 0)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)} labels; they must match.")
    if len(X) < 2:
        raise ValueError(f"Splitting needs at least two examples, got {len(X)}.")
    if isinstance(test_size, Integral) and not isinstance(test_size, bool):
        if not 1 <= test_size < len(X):
            raise ValueError(f"test_size={test_size} test examples leaves none of the {len(X)} "
                             f"to train on (or none to test); give 1 to {len(X) - 1}.")
        test_fraction = test_size / len(X)
    else:
        test_fraction = _either(test_fraction, test_size, "test_fraction", "test_size", 0.25)
    if not (isinstance(test_fraction, Real) and 0 < test_fraction < 1):
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction!r}")
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    n_test = min(max(1, round(test_fraction * len(X))), len(X) - 1)
    test, train = order[:n_test], order[n_test:]
    return ([X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test])


# --- digits: synthetic ones drawn in code, and the real UCI ones -----------------------------

DIGIT_SHAPE = (8, 8)
"""Rows and columns of a digit image; ``make_digits`` gives each image as 64 floats, row by row."""

# Each digit is drawn as pen strokes through points in a unit box (x to the right, y downwards).
# Curves are polylines; rendering measures each pixel's distance to the nearest stroke.
def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 10) -> list[tuple[float, float]]:
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, 0 = right, 90 = down)."""
    angles = [math.radians(start + (end - start) * i / steps) for i in range(steps + 1)]
    return [(cx + rx * math.cos(angle), cy + ry * math.sin(angle)) for angle in angles]


_GLYPHS: dict[int, list[list[tuple[float, float]]]] = {
    0: [_arc(0.5, 0.5, 0.27, 0.38, 0, 360, 16)],
    1: [[(0.33, 0.28), (0.52, 0.12), (0.52, 0.88)]],
    2: [_arc(0.5, 0.32, 0.24, 0.2, 190, 360, 6) + [(0.68, 0.5), (0.26, 0.88), (0.78, 0.88)]],
    3: [_arc(0.48, 0.3, 0.23, 0.18, 200, 450, 8), _arc(0.48, 0.67, 0.26, 0.21, 270, 520, 8)],
    4: [[(0.62, 0.88), (0.62, 0.12), (0.2, 0.64), (0.8, 0.64)]],
    5: [[(0.74, 0.12), (0.32, 0.12), (0.28, 0.46)] + _arc(0.48, 0.64, 0.26, 0.23, 230, 500, 8)],
    6: [[(0.68, 0.13), (0.45, 0.25), (0.3, 0.5)] + _arc(0.5, 0.66, 0.22, 0.21, 180, 540, 12)],
    7: [[(0.22, 0.12), (0.78, 0.12), (0.42, 0.88)]],
    8: [_arc(0.5, 0.29, 0.19, 0.17, 0, 360, 12), _arc(0.5, 0.68, 0.24, 0.21, 0, 360, 12)],
    9: [_arc(0.5, 0.34, 0.22, 0.21, 0, 360, 12) + [(0.7, 0.55), (0.58, 0.88)]],
}


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    length_squared = dx * dx + dy * dy
    t = 0.0 if length_squared == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length_squared))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _digit_list(digits: Iterable[int]) -> list[int]:
    digits = list(digits)
    if not digits or len(set(digits)) != len(digits) or any(d not in range(10) for d in digits):
        raise ValueError(f"digits must be distinct digits from 0 to 9, got {digits!r}")
    return digits


UCI_DIGITS_FILE = "uci_digits.csv.gz"
UCI_DIGITS_CREDIT = ("Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak, UCI Machine "
                     "Learning Repository (1998), CC BY 4.0, https://doi.org/10.24432/C50P49")
"""Where the real digits come from; say so wherever they are shown."""


def load_digits(digits: Iterable[int] = range(10)) -> Dataset:
    """Real handwritten digits: 1,797 8x8 images written by 13 people, the test part of the UCI
    "Optical Recognition of Handwritten Digits" set (credit: ``UCI_DIGITS_CREDIT``), shipped
    inside this package (57 KB).

    Each scan of a 32x32 digit was reduced to 8x8 by counting the inked pixels in each 4x4 block,
    so a pixel is 0..16; here it is divided by 16, giving 64 floats in [0, 1] row by row, like
    ``make_digits`` (reshape with ``DIGIT_SHAPE``). Only the images of ``digits`` are returned,
    in the file's order; ``y[i]`` is the position of the image's digit in ``digits``, so
    ``digits=(3, 7)`` makes a 3 class 0 and a 7 class 1.
    """
    wanted = {digit: label for label, digit in enumerate(_digit_list(digits))}
    packed = resources.files("micrograd_plus").joinpath("datasets", UCI_DIGITS_FILE).read_bytes()
    images, labels = [], []
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(packed)), encoding="ascii") as rows:
        for row in csv.reader(rows):
            digit = int(row[-1])
            if digit in wanted:
                images.append([int(count) / 16 for count in row[:-1]])
                labels.append(wanted[digit])
    return images, labels


def _render_digit(digit: int, noise: float, rng: random.Random) -> list[float]:
    """One 8x8 image of ``digit`` as a hand might write it: the strokes' points wobble, the whole
    glyph is slanted, scaled, turned and shifted, the pen is thicker or thinner, and pixel noise
    is added last."""
    rows, cols = DIGIT_SHAPE
    angle = math.radians(rng.uniform(-10.0, 10.0))
    slant = rng.uniform(-0.25, 0.15)
    scale_x, scale_y = rng.uniform(0.8, 1.05), rng.uniform(0.85, 1.05)
    shift_x, shift_y = rng.uniform(-0.08, 0.08), rng.uniform(-0.06, 0.06)
    pen = rng.uniform(0.05, 0.08)  # half the stroke width, in units of the box (1/8 = a pixel)
    cos_a, sin_a = math.cos(angle), math.sin(angle)

    def place(x: float, y: float) -> tuple[float, float]:
        x, y = x + rng.gauss(0.0, 0.02) - 0.5, y + rng.gauss(0.0, 0.02) - 0.5
        x, y = (x - slant * y) * scale_x, y * scale_y
        return 0.5 + shift_x + cos_a * x - sin_a * y, 0.5 + shift_y + sin_a * x + cos_a * y

    strokes = [[place(x, y) for x, y in stroke] for stroke in _GLYPHS[digit]]
    segments = [(*a, *b) for stroke in strokes for a, b in zip(stroke, stroke[1:])]
    image = []
    for row in range(rows):
        py = (row + 0.5) / rows
        for col in range(cols):
            px = (col + 0.5) / cols
            distance = min(_segment_distance(px, py, *segment) for segment in segments)
            # Full ink inside the pen, fading to none over half a pixel (a soft, anti-aliased edge).
            ink = 1.0 - (distance - pen) / (0.5 / cols)
            ink = min(1.0, max(0.0, ink)) + rng.gauss(0.0, noise)
            image.append(min(1.0, max(0.0, ink)))
    return image


def make_digits(n_per_class: int = 20, noise: float = 0.1, seed: int = 0,
                digits: Iterable[int] = range(10)) -> Dataset:
    """Synthetic digits, drawn in code: ``n_per_class`` 8x8 images of each digit in ``digits``
    (for real handwriting see ``load_digits``).

    Each image is 64 floats in [0, 1] (1 = ink), row by row; reshape with ``DIGIT_SHAPE``. Every
    image is drawn afresh with its own wobble, slant, size, position and pen width, plus pixel
    noise of standard deviation ``noise``. ``y[i]`` is the position of the image's digit in
    ``digits``, a class index: with the default ``range(10)`` it is the digit itself, with
    ``digits=(3, 7)`` a 3 is class 0 and a 7 class 1.
    """
    _check_count(n_per_class, "n_per_class")
    _check_noise(noise)
    digits = _digit_list(digits)
    rng = random.Random(seed)
    images, labels = [], []
    for label, digit in enumerate(digits):
        for _ in range(n_per_class):
            images.append(_render_digit(digit, noise, rng))
            labels.append(label)
    return _shuffled(images, labels, rng)
