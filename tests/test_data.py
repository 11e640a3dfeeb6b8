"""Tests for micrograd_plus.data: shapes, labels, determinism per seed, and that each set has the
geometry its lesson relies on."""

import ast
import math
import sys

import pytest

from micrograd_plus import data
from micrograd_plus.data import (DIGIT_SHAPE, load_digits, logic_gate, make_blobs, make_circles,
                                 make_digits, make_moons, make_regression_1d, make_spirals, train_test_split)

CLASSIFICATION_MAKERS = [
    (make_moons, {"n": 60}, 2),
    (make_circles, {"n": 60}, 2),
    (make_spirals, {"n": 61, "classes": 4}, 4),
    (make_blobs, {"n": 61, "centers": 3}, 3),
    (make_digits, {"n_per_class": 3}, 10),
]


@pytest.mark.parametrize("maker, kwargs, classes", CLASSIFICATION_MAKERS)
def test_makers_return_lists_of_floats_and_class_indices(maker, kwargs, classes):
    X, y = maker(**kwargs)
    assert isinstance(X, list) and isinstance(y, list) and len(X) == len(y)
    assert all(isinstance(x, list) and all(type(v) is float for v in x) for x in X)
    assert len({len(x) for x in X}) == 1
    assert all(type(label) is int for label in y) and set(y) == set(range(classes))
    counts = [y.count(c) for c in range(classes)]
    assert max(counts) - min(counts) <= 1  # balanced classes


@pytest.mark.parametrize("maker, kwargs, classes", CLASSIFICATION_MAKERS)
def test_same_seed_same_data_other_seed_other_data(maker, kwargs, classes):
    assert maker(**kwargs, seed=3) == maker(**kwargs, seed=3)
    assert maker(**kwargs, seed=3) != maker(**kwargs, seed=4)


def test_classes_are_shuffled_so_any_batch_sees_both():
    _, y = make_moons(100)
    assert y[:50].count(0) not in (0, 50)


def test_logic_gates_truth_tables():
    X, y = logic_gate("XOR")
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] and y == [0, 1, 1, 0]
    for name, rule in {"and": lambda a, b: a and b, "or": lambda a, b: a or b,
                       "nand": lambda a, b: not (a and b)}.items():
        X, y = logic_gate(name)
        assert y == [int(bool(rule(a, b))) for a, b in X]
    with pytest.raises(ValueError, match="Unknown logic gate 'nor'"):
        logic_gate("nor")


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(50, noise=0.0)
    for (a, b), label in zip(X, y):
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - centre[0], b - centre[1]) == pytest.approx(1.0)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


def test_circles_radii_and_spirals_inside_the_unit_disc():
    X, y = make_circles(40, noise=0.0, factor=0.3)
    assert all(math.hypot(*x) == pytest.approx(1.0 if c == 0 else 0.3) for x, c in zip(X, y))
    X, _ = make_spirals(90, noise=0.0)
    assert all(math.hypot(*x) <= 1.0 + 1e-12 for x in X)


def test_blobs_at_given_centres():
    X, y = make_blobs(400, centers=[[5.0, 5.0], [-5.0, 0.0]], spread=0.5)
    for label, centre in enumerate([[5.0, 5.0], [-5.0, 0.0]]):
        points = [x for x, c in zip(X, y) if c == label]
        mean = [sum(p[i] for p in points) / len(points) for i in range(2)]
        assert mean == pytest.approx(centre, abs=0.15)
    with pytest.raises(ValueError, match="spread must be a finite number >= 0, got -1"):
        make_blobs(10, spread=-1)


def test_regression_1d_follows_its_curve():
    X, y = make_regression_1d(30, noise=0.0, kind="linear")
    assert all(len(x) == 1 and -1 <= x[0] <= 1 for x in X)
    assert y == pytest.approx([2 * x[0] + 1 for x in X])
    X, y = make_regression_1d(30, noise=0.0)
    assert y == pytest.approx([math.sin(math.pi * x[0]) for x in X])
    with pytest.raises(ValueError, match="kind must be"):
        make_regression_1d(kind="cubic")


def test_train_test_split_partitions_the_data():
    X, y = make_moons(40)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert len(X_test) == 10 and len(X_train) == 30
    assert sorted(map(tuple, X_train + X_test)) == sorted(map(tuple, X))
    pairs = dict(zip(map(tuple, X), y))
    assert all(pairs[tuple(x)] == label for x, label in zip(X_train + X_test, y_train + y_test))
    assert train_test_split(X, y, seed=1) == train_test_split(X, y, seed=1)
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split(X, y, test_fraction=1.5)


def test_digits_are_8x8_images_in_0_1_with_chosen_classes():
    X, y = make_digits(5, digits=(3, 7))
    assert DIGIT_SHAPE == (8, 8) and all(len(x) == 64 for x in X)
    assert all(0.0 <= v <= 1.0 for x in X for v in x)
    assert sorted(set(y)) == [0, 1]
    with pytest.raises(ValueError, match="distinct digits"):
        make_digits(2, digits=(3, 12))


def test_digit_images_vary_but_each_class_has_its_own_shape():
    X, y = make_digits(30, noise=0.0, seed=2)
    by_class = {c: [x for x, label in zip(X, y) if label == c] for c in range(10)}
    assert all(len({tuple(x) for x in images}) == 30 for images in by_class.values())
    means = {c: [sum(col) / len(col) for col in zip(*imgs)] for c, imgs in by_class.items()}

    def nearest_mean(image):
        return min(means, key=lambda c: sum((a - b) ** 2 for a, b in zip(image, means[c])))

    fresh_X, fresh_y = make_digits(10, noise=0.1, seed=9)
    correct = sum(nearest_mean(x) == label for x, label in zip(fresh_X, fresh_y))
    assert correct / len(fresh_X) > 0.8  # each class has a shape of its own, beyond the noise
    a_one, an_eight = means[1], means[8]
    assert sum(an_eight) > sum(a_one)  # an 8 has more ink than a 1


def test_the_real_uci_digits_ship_with_the_package():
    X, y = load_digits()
    assert len(X) == 1797 and len(y) == 1797
    assert all(len(x) == 64 and all(0.0 <= v <= 1.0 for v in x) for x in X)
    assert [y.count(digit) for digit in range(10)] == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # the file's first image, a 0: an empty left column, ink in the middle of the top row
    assert y[0] == 0 and X[0][:8] == [0.0, 0.0, 5 / 16, 13 / 16, 9 / 16, 1 / 16, 0.0, 0.0]


def test_load_digits_keeps_the_chosen_digits_as_class_indices():
    X, y = load_digits(digits=(3, 7))
    assert len(X) == 183 + 179 and sorted(set(y)) == [0, 1]
    every_3_and_7 = [x for x, label in zip(*load_digits()) if label in (3, 7)]
    assert X == every_3_and_7  # the same images, in the file's order
    with pytest.raises(ValueError, match="distinct digits from 0 to 9, got \\[3, 3\\]"):
        load_digits(digits=(3, 3))


def test_data_imports_only_the_standard_library():
    tree = ast.parse(open(data.__file__, encoding="utf-8").read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
    assert imported and imported <= set(sys.stdlib_module_names)


@pytest.mark.parametrize("maker", [make_moons, make_circles, make_blobs])
def test_makers_take_scikit_learns_names(maker):
    assert maker(n_samples=30, random_state=4) == maker(30, seed=4) != maker(30, seed=5)
    assert maker(n_samples=30) == maker(30)
    with pytest.raises(ValueError, match="n=20 and n_samples=30 say different things"):
        maker(20, n_samples=30)
    assert make_blobs(n_samples=30, cluster_std=0.2, random_state=1) == make_blobs(30, spread=0.2, seed=1)


@pytest.mark.parametrize("maker, kwargs", [
    (make_moons, {"noise": float("inf")}), (make_circles, {"noise": float("inf")}),
    (make_spirals, {"noise": float("inf")}), (make_blobs, {"spread": float("inf")}),
    (make_regression_1d, {"noise": float("inf")}), (make_digits, {"noise": float("inf")}),
    (make_blobs, {"centers": [[0.0, float("inf")], [1.0, 1.0]]}), (make_moons, {"noise": True}),
])
def test_infinite_noise_or_centres_are_refused(maker, kwargs):
    with pytest.raises(ValueError, match=r"finite"):
        maker(**kwargs)


def test_train_test_split_takes_scikit_learns_names_and_numpy_arrays():
    np = pytest.importorskip("numpy")
    X, y = make_moons(20, seed=0)
    assert train_test_split(X, y, test_size=0.3, random_state=2) == train_test_split(X, y, 0.3, seed=2)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=5)
    assert len(X_test) == len(y_test) == 5 and len(X_train) == 15
    with pytest.raises(ValueError, match="test_size=20 test examples leaves none"):
        train_test_split(X, y, test_size=20)
    parts = train_test_split(np.array(X), np.array(y), test_size=0.25)
    assert parts == train_test_split(X, y) and type(parts[0][0][0]) is float and type(parts[2][0]) is int
