"""The next-letter data, probabilities and sampling of micrograd_plus.language."""

import math

import pytest

from micrograd_plus.language import (ALPHABET, WORDS, generate, next_letter_examples,
                                     next_letter_probabilities, one_hot)
from micrograd_plus.nn import MLP


def test_the_word_list_is_plain_lower_case_words_without_repeats():
    assert len(WORDS) >= 100 and len(set(WORDS)) == len(WORDS)
    assert all(word.isalpha() and word.islower() and word.isascii() for word in WORDS)


def test_each_letter_and_the_end_is_an_example_with_its_context():
    X, y = next_letter_examples(["cat"], context=2)
    assert y == [ALPHABET.index(c) for c in "cat."]
    assert X[0] == one_hot(".") + one_hot(".")      # before c: the start, padded
    assert X[2] == one_hot("c") + one_hot("a")      # before t
    assert X[3] == one_hot("a") + one_hot("t")      # before the end
    assert len(X[0]) == 2 * 27 and sum(one_hot("z")) == 1.0 and one_hot("z")[26] == 1.0
    X, y = next_letter_examples(["ab", "c"], context=0)
    assert X == [[]] * 5 and y == [1, 2, 0, 3, 0]


def test_bad_characters_and_contexts_are_named():
    with pytest.raises(ValueError, match="'A' is not one of the 27 tokens"):
        next_letter_examples(["Apple"])
    with pytest.raises(ValueError, match="context must be a whole number .* got -1"):
        next_letter_examples(["cat"], context=-1)
    with pytest.raises(ValueError, match="words is empty"):
        next_letter_examples([])


class _AlwaysA:
    """A model whose scores make "a" very likely for the first 3 letters, then "." certain."""

    def __call__(self, features):
        from micrograd_plus import Value
        scores = [Value(0.0)] * 27
        seen = sum(features[1::27]) if features else 0     # how many "a"s are in the window
        if seen >= 2:
            return [Value(100.0)] + scores[1:]
        return [Value(0.0), Value(100.0)] + scores[2:]


def test_probabilities_are_the_softmax_of_the_scores_and_sampling_follows_them():
    model = MLP(2 * 27, [27], seed=0)
    probabilities = next_letter_probabilities(model, "ca", context=2)
    scores = [s.data for s in model(one_hot("c") + one_hot("a"))]
    exps = [math.exp(s) for s in scores]
    assert probabilities == pytest.approx([e / sum(exps) for e in exps])
    assert generate(_AlwaysA(), context=2, count=2) == ["aa", "aa"]
    assert generate(model, context=2, count=3, seed=1) == generate(model, context=2, count=3, seed=1)
    assert all(len(word) <= 4 for word in generate(model, context=2, count=5, max_length=4))
